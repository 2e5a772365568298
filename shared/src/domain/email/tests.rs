//! The address rules as a table: what is accepted (and in which stored form), what is refused
//! (and with which message).

use super::message::*;
use super::*;

#[test]
fn accepted_addresses_and_their_stored_form() {
    for (given, stored) in [
        ("ana@example.com", "ana@example.com"),
        ("  Ana@Example.COM ", "ana@example.com"),
        (
            "ana.lopez+aftercare@mail.example.es",
            "ana.lopez+aftercare@mail.example.es",
        ),
        ("o'brien@example.ie", "o'brien@example.ie"),
        (
            "a!#$%&'*+-/=?^_`{|}~z@example.com",
            "a!#$%&'*+-/=?^_`{|}~z@example.com",
        ),
        (
            "ana@sub-domain.example.co.uk",
            "ana@sub-domain.example.co.uk",
        ),
        // IDNA: Unicode and punycode spellings are one domain, stored in ASCII.
        ("ana@bücher.example", "ana@xn--bcher-kva.example"),
        ("ana@BÜCHER.example", "ana@xn--bcher-kva.example"),
        ("ana@xn--bcher-kva.example", "ana@xn--bcher-kva.example"),
        ("ana@XN--BCHER-KVA.EXAMPLE", "ana@xn--bcher-kva.example"),
        ("jose@clínica.es", "jose@xn--clnica-4va.es"),
        ("li@例え.テスト", "li@xn--r8jz45g.xn--zckzah"),
        // Full-width letters and the ideographic full stop are mapped (UTS #46).
        ("ana@ｅｘａｍｐｌｅ。com", "ana@example.com"),
        // Nontransitional processing: ß is kept, not mapped to ss.
        ("ana@straße.example", "ana@xn--strae-oqa.example"),
    ] {
        let email = Email::parse(given).unwrap_or_else(|e| panic!("{given:?}: {e}"));
        assert_eq!(email.as_str(), stored, "{given:?}");
        // Stored forms are fixed points, and lettre sends to them as they are.
        assert_eq!(Email::parse(stored).unwrap(), email, "{stored:?}");
        assert!(lettre_sends_to(stored), "{stored:?}");
    }
}

#[test]
fn refused_addresses_say_why() {
    let long_local = format!("{}@example.com", "a".repeat(65));
    let long_label = format!("ana@{}.com", "a".repeat(64));
    let long_address = format!("{}@{}.com", "a".repeat(60), ["abcdefghij"; 19].join("."));
    for (given, why) in [
        ("", REQUIRED),
        ("   ", REQUIRED),
        ("ana", INVALID),
        ("ana@", INVALID),
        ("@example.com", INVALID),
        ("a b@example.com", INVALID),
        ("ana..lopez@example.com", INVALID),
        (".ana@example.com", INVALID),
        ("ana.@example.com", INVALID),
        ("ana(comment)@example.com", INVALID),
        ("ana,bea@example.com", INVALID),
        ("<ana@example.com>", INVALID),
        ("Ana <ana@example.com>", INVALID),
        ("ana@example.com, bea@example.com", INVALID),
        // The mailer cannot send to these (the cases).
        ("\"a b\"@example.com", QUOTED),
        ("\"ana\"@example.com", QUOTED),
        ("\"a@b\"@example.com", QUOTED),
        ("user@[127.0.0.1]", ADDRESS_LITERAL),
        ("user@[IPv6:2001:db8::1]", ADDRESS_LITERAL),
        ("user@[2001:db8::1]", ADDRESS_LITERAL),
        ("user@127.0.0.1", ADDRESS_LITERAL),
        ("user@2001:db8::1", ADDRESS_LITERAL),
        ("user@１２７.０.０.１", ADDRESS_LITERAL),
        ("josé@example.com", LOCAL_CHARACTERS),
        ("пользователь@example.com", LOCAL_CHARACTERS),
        // Domains that are not domain names.
        ("ana@localhost", DOMAIN),
        ("ana@example", DOMAIN),
        ("ana@example..com", DOMAIN),
        ("ana@.example.com", DOMAIN),
        ("ana@example.com.", DOMAIN),
        ("ana@-example.com", DOMAIN),
        ("ana@example-.com", DOMAIN),
        ("ana@exa_mple.com", DOMAIN),
        ("ana@exa mple.com", DOMAIN),
        ("ana@example.123", DOMAIN),
        ("ana@xn--zz.example", DOMAIN),
        ("ana@a@example.com", INVALID),
        (long_local.as_str(), TOO_LONG),
        (long_label.as_str(), DOMAIN),
        (long_address.as_str(), TOO_LONG),
    ] {
        assert_eq!(Email::parse(given), Err(why.to_owned()), "{given:?}");
    }
    assert_eq!(
        Email::parse(&"a".repeat(5000)),
        Err(TOO_LONG.to_owned()),
        "long input is refused before any work"
    );
}

#[test]
fn lookups_fall_back_to_the_old_normalisation() {
    assert_eq!(
        Email::lookup_form(" Ana@Bücher.example"),
        "ana@xn--bcher-kva.example"
    );
    assert_eq!(Email::lookup_form(" \"A B\"@X.test "), "\"a b\"@x.test");
    // Text no address was stored as never reaches a query (PostgreSQL refuses a NUL).
    assert_eq!(Email::lookup_form("a\u{0}@x.test"), "");
    assert_eq!(Email::lookup_form(&"a".repeat(2000)), "");
}

#[test]
fn the_unicode_form_is_for_reading() {
    let e = Email::parse("ana@xn--bcher-kva.example").unwrap();
    assert_eq!(e.to_unicode(), "ana@bücher.example");
    let plain = Email::parse("ana@example.com").unwrap();
    assert_eq!(plain.to_unicode(), "ana@example.com");
}

#[test]
fn serde_goes_through_the_parser() {
    let e: Email = serde_json::from_str("\"Ana@Bücher.example\"").unwrap();
    assert_eq!(
        serde_json::to_string(&e).unwrap(),
        "\"ana@xn--bcher-kva.example\""
    );
    assert!(serde_json::from_str::<Email>("\"\\\"a b\\\"@example.com\"").is_err());
}
