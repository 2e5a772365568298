use super::*;

// RFC 8291 Appendix A, "Encryption Example": the user agent's key pair and authentication
// secret, and the message the application server sent.
const UA_PRIVATE: &str = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
const UA_PUBLIC: &str =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";
const AS_PUBLIC: &str =
    "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
const SALT: &str = "DGv6ra1nlYgDCS1FRnbzlw";
const MESSAGE: &str = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";
const PLAINTEXT: &[u8] = b"When I grow up, I want to be a watermelon";

fn b64(s: &str) -> Vec<u8> {
    decode_base64url(s).unwrap()
}

fn ua_secret() -> p256::SecretKey {
    p256::SecretKey::from_slice(&b64(UA_PRIVATE)).unwrap()
}

fn auth() -> web_push_native::Auth {
    web_push_native::Auth::clone_from_slice(&b64(AUTH))
}

#[test]
fn rfc8291_appendix_a_message_decrypts_with_the_user_agents_keys() {
    let message = b64(MESSAGE);
    // The RFC 8188 header: salt, record size 4096, key id = the server's public key.
    assert_eq!(&message[..16], &b64(SALT)[..]);
    assert_eq!(&message[16..20], &4096u32.to_be_bytes());
    assert_eq!(message[20], 65);
    assert_eq!(&message[21..86], &b64(AS_PUBLIC)[..]);
    let plain = web_push_native::decrypt(message, &ua_secret(), &auth()).unwrap();
    assert_eq!(plain, PLAINTEXT);
}

#[test]
fn the_rfc_user_agent_key_is_its_private_keys_public_half() {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    let public = ua_secret().public_key().to_encoded_point(false);
    assert_eq!(public.as_bytes(), &b64(UA_PUBLIC)[..]);
}

fn message(preview_title: &str) -> PushMessage {
    PushMessage {
        device_token: "https://push.example.com/x".into(),
        visible: Visible {
            title: preview_title.into(),
            body: "Body".into(),
        },
        prompt_id: "0190-prompt".into(),
        kind: "aftercare".into(),
        idempotency_key: "prompt:abc:day-1".into(),
        ttl_secs: 3600,
    }
}

#[test]
fn our_payload_encrypts_for_the_subscription_and_decrypts_with_its_private_key() {
    let msg = message("Title");
    let to = Subscription {
        endpoint: "https://push.example.com/x",
        p256dh: UA_PUBLIC,
        auth: AUTH,
    };
    let body = encrypt(&msg, to).unwrap();
    // A fresh salt and server key for every message (RFC 8291 §3.4).
    assert_ne!(body[..16], encrypt(&msg, to).unwrap()[..16]);
    let plain = web_push_native::decrypt(body, &ua_secret(), &auth()).unwrap();
    let payload: Payload = serde_json::from_slice(&plain).unwrap();
    assert_eq!(
        payload,
        Payload {
            title: "Title".into(),
            body: "Body".into(),
            url: "/app/prompts/0190-prompt".into(),
            tag: topic("prompt:abc:day-1"),
        }
    );
}

#[test]
fn the_topic_is_32_url_safe_characters_stable_per_key() {
    let t = topic("prompt:abc:day-1");
    assert_eq!(t.len(), 32);
    assert!(
        t.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    );
    assert_eq!(t, topic("prompt:abc:day-1"));
    assert_ne!(t, topic("prompt:abc:day-2"));
}

#[test]
fn push_service_answers_are_classified() {
    assert!(matches!(classify(201, None), PushOutcome::Sent { .. }));
    assert!(matches!(
        classify(410, None),
        PushOutcome::InvalidToken { status: 410, .. }
    ));
    assert!(matches!(
        classify(404, None),
        PushOutcome::InvalidToken { status: 404, .. }
    ));
    let after = Some(Duration::from_secs(30));
    assert_eq!(
        classify(429, after),
        PushOutcome::Retry {
            status: Some(429),
            after,
            reason: "HTTP 429 (push service rate limit)".into()
        }
    );
    // A subscription refusing our key is retired, not an alarm for the operator.
    for s in [401, 403] {
        assert!(
            matches!(classify(s, None), PushOutcome::InvalidToken { status, .. } if status == s),
            "{s}"
        );
    }
    assert!(matches!(
        classify(400, None),
        PushOutcome::Failed {
            status: Some(400),
            ..
        }
    ));
    assert!(matches!(
        classify(413, None),
        PushOutcome::Failed {
            status: Some(413),
            ..
        }
    ));
    assert!(matches!(classify(503, None), PushOutcome::Retry { .. }));
}

#[test]
fn stored_reasons_read_as_the_clinic_should_see_them() {
    use crate::domain::DeliveryFailure;
    let PushOutcome::InvalidToken { reason, .. } = classify(404, None) else {
        unreachable!()
    };
    assert_eq!(
        DeliveryFailure::classify(&reason),
        DeliveryFailure::DeviceGone
    );
    for s in [401, 403] {
        let PushOutcome::InvalidToken { reason, .. } = classify(s, None) else {
            unreachable!()
        };
        assert_eq!(
            DeliveryFailure::classify(&reason),
            DeliveryFailure::DeviceGone,
            "{reason}"
        );
    }
}

#[test]
fn per_origin_maps_stay_bounded() {
    let key = VapidKey::generate().unwrap();
    let client = WebPushClient::new(
        key,
        "mailto:ops@care.example.test".into(),
        EndpointPolicy::default(),
    )
    .unwrap();
    for n in 0..(MAX_ORIGINS + 50) {
        let origin = format!("https://push{n}.example.com");
        client.pause(&origin, Some(Duration::from_secs(60)));
        client.authorization(&origin).unwrap();
    }
    assert!(client.paused.lock().unwrap().len() <= MAX_ORIGINS);
    assert!(client.tokens.lock().unwrap().len() <= MAX_ORIGINS);
    // The newest origin is kept and used.
    let last = format!("https://push{}.example.com", MAX_ORIGINS + 49);
    assert!(client.paused_for(&last).is_some());
}
