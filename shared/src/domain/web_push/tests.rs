//! The subscription checks and the address rules of [`super::is_public_ip`].

use super::*;

// RFC 8291 Appendix A: the user agent's public key and authentication secret.
const UA_PUBLIC: &str =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";

fn parse(endpoint: &str, allow_loopback: bool) -> Result<WebPushSubscription> {
    WebPushSubscription::parse(endpoint, UA_PUBLIC, AUTH, EndpointPolicy { allow_loopback })
}

fn fields(e: Error) -> Vec<String> {
    match e {
        Error::Validation(f) => f.into_iter().map(|f| f.field).collect(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn accepts_a_push_service_subscription() {
    let s = parse("https://fcm.googleapis.com/fcm/send/abc:def", false).unwrap();
    assert_eq!(s.p256dh, UA_PUBLIC);
    assert_eq!(s.auth, AUTH);
    let padded = WebPushSubscription::parse(
        "https://updates.push.services.mozilla.com/wpush/v2/x",
        UA_PUBLIC,
        "BTBZMqHH6r4Tts7J_aSIgg==",
        EndpointPolicy::default(),
    )
    .unwrap();
    assert_eq!(padded.auth, AUTH);
}

#[test]
fn refuses_endpoints_that_are_not_public_https() {
    for bad in [
        "http://push.example.com/x",
        "https://127.0.0.1/x",
        "https://10.0.0.8/x",
        "https://169.254.169.254/latest",
        "https://[::1]/x",
        "https://[fe80::1]/x",
        "https://localhost/x",
        "https://push.localhost/x",
        "https://intranet/x",
        "https://user:pw@push.example.com/x",
        "ftp://push.example.com/x",
        "push.example.com/x",
        "",
    ] {
        assert_eq!(
            fields(parse(bad, false).unwrap_err()),
            ["subscription.endpoint"],
            "{bad}"
        );
    }
}

#[test]
fn loopback_only_when_the_policy_allows() {
    assert!(parse("http://127.0.0.1:4000/push/1", true).is_ok());
    assert!(parse("http://localhost:4000/push/1", true).is_ok());
    assert!(parse("http://10.0.0.8/push/1", true).is_err());
    assert!(parse("http://127.0.0.1:4000/push/1", false).is_err());
}

#[test]
fn refuses_bad_keys_naming_each() {
    let off_curve = URL_SAFE_NO_PAD.encode([&[4u8][..], &[1u8; 64]].concat());
    let e = WebPushSubscription::parse(
        "https://push.example.com/x",
        &off_curve,
        "AAAA",
        EndpointPolicy::default(),
    )
    .unwrap_err();
    assert_eq!(
        fields(e),
        ["subscription.keys.p256dh", "subscription.keys.auth"]
    );
    let compressed = &UA_PUBLIC[..44];
    assert!(
        WebPushSubscription::parse(
            "https://push.example.com/x",
            compressed,
            AUTH,
            EndpointPolicy::default()
        )
        .is_err()
    );
}

#[test]
fn refuses_a_port_other_than_443() {
    assert!(parse("https://push.example.com:443/x", false).is_ok());
    for bad in [
        "https://push.example.com:8443/x",
        "https://push.example.com:22/x",
        "https://push.example.com:80/x",
    ] {
        assert_eq!(
            fields(parse(bad, false).unwrap_err()),
            ["subscription.endpoint"],
            "{bad}"
        );
    }
    // Only the tests' loopback fake push service runs on another port.
    assert!(parse("http://127.0.0.1:4000/push/1", true).is_ok());
    assert!(parse("https://push.example.com:8443/x", true).is_err());
}

fn refused(ips: &[&str]) {
    for ip in ips {
        assert!(!is_public_ip(ip.parse().unwrap()), "{ip} should be refused");
    }
}

fn allowed(ips: &[&str]) {
    for ip in ips {
        assert!(is_public_ip(ip.parse().unwrap()), "{ip} should be allowed");
    }
}

#[test]
fn private_and_special_addresses_are_not_public() {
    refused(&[
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "0.1.2.3",
        "::1",
        "::",
        "fd00::1",
        "fe80::1",
    ]);
    allowed(&["142.250.200.10", "2a00:1450:4003::200e", "100.128.0.1"]);
}

#[test]
fn benchmarking_range_is_not_public() {
    refused(&["198.18.0.1", "198.19.255.254"]);
    allowed(&["198.17.255.255", "198.20.0.1"]);
}

#[test]
fn ietf_protocol_assignments_are_not_public() {
    refused(&["192.0.0.1", "192.0.0.170", "192.0.0.255"]);
    allowed(&["192.0.1.1"]);
}

#[test]
fn reserved_and_broadcast_are_not_public() {
    refused(&["240.0.0.1", "250.1.2.3", "255.255.255.255"]);
    allowed(&["223.255.255.254"]);
}

#[test]
fn multicast_is_not_public() {
    refused(&["224.0.0.1", "239.1.2.3", "ff02::1", "ff0e::1"]);
}

#[test]
fn documentation_ranges_are_not_public() {
    refused(&[
        "192.0.2.1",
        "198.51.100.7",
        "203.0.113.9",
        "2001:db8::1",
        "3fff::1",
        "3fff:0fff::1",
    ]);
    allowed(&["3ffe::1"]);
}

#[test]
fn site_local_ipv6_is_not_public() {
    refused(&["fec0::1", "feff::1"]);
}

#[test]
fn ipv4_mapped_and_compatible_are_judged_as_ipv4() {
    refused(&[
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "::127.0.0.1",
        "::10.0.0.1",
        "::192.168.0.1",
    ]);
    allowed(&["::ffff:142.250.200.10", "::142.250.200.10"]);
}

#[test]
fn nat64_is_judged_as_its_ipv4() {
    refused(&[
        "64:ff9b::127.0.0.1",
        "64:ff9b::10.0.0.1",
        "64:ff9b::a9fe:a9fe",
        "64:ff9b::198.18.0.1",
    ]);
    allowed(&["64:ff9b::142.250.200.10"]);
}

#[test]
fn six_to_four_is_judged_as_its_ipv4() {
    // 2002:AABB:CCDD:: carries AA.BB.CC.DD.
    refused(&[
        "2002:7f00:1::1",
        "2002:a00:1::",
        "2002:a9fe:a9fe::1",
        "2002:c0a8:101::1",
    ]);
    allowed(&["2002:8efa:c80a::1"]);
}
