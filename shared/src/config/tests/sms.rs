//! The SMS settings: all of account SID, auth token and one sender, or none.

use super::vars;
use crate::config::{Config, SmsSender};

const SID: &str = "AC5e1f9a7c3b2d4e6f8a0b1c2d3e4f5a6b";
const TOKEN: &str = "token-5e1f9a7c3b2d4e6f8a0b1c2d3e4f";

fn with(extra: &[(&str, &str)]) -> Result<Config, crate::config::ConfigError> {
    let mut pairs = vec![
        ("AFTERCARE_SMS_ACCOUNT_SID", SID),
        ("AFTERCARE_SMS_AUTH_TOKEN", TOKEN),
    ];
    pairs.extend_from_slice(extra);
    Config::from_vars(&vars(&pairs))
}

#[test]
fn texts_are_off_without_settings_and_on_with_all_of_them() {
    assert!(Config::from_vars(&vars(&[])).unwrap().sms.is_none());
    let c = with(&[("AFTERCARE_SMS_FROM", "+1 (501) 712-2661")]).unwrap();
    let sms = c.sms.unwrap();
    assert_eq!(sms.base_url, "https://api.twilio.com");
    assert_eq!(sms.account_sid, SID);
    assert_eq!(sms.auth_token.expose(), TOKEN);
    assert_eq!(sms.sender, SmsSender::From("+15017122661".into()));
    assert_eq!(sms.rate_per_sec, 1);
    assert!(!format!("{sms:?}").contains(TOKEN));
    let c = with(&[
        (
            "AFTERCARE_SMS_MESSAGING_SERVICE_SID",
            "MG5e1f9a7c3b2d4e6f8a0b1c2d3e4f5a6b",
        ),
        ("AFTERCARE_SMS_RATE_PER_SEC", "30"),
        ("AFTERCARE_SMS_BASE_URL", "https://sms.example.test/api/"),
    ])
    .unwrap();
    let sms = c.sms.unwrap();
    assert_eq!(
        sms.sender,
        SmsSender::MessagingService("MG5e1f9a7c3b2d4e6f8a0b1c2d3e4f5a6b".into())
    );
    assert_eq!(
        (sms.rate_per_sec, sms.base_url.as_str()),
        (30, "https://sms.example.test/api")
    );
}

#[test]
fn a_partial_or_wrong_set_stops_start_up_naming_the_setting() {
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: &[Case] = &[
        (
            &[("AFTERCARE_SMS_ACCOUNT_SID", SID)],
            "AFTERCARE_SMS_ACCOUNT_SID",
            "together",
        ),
        (
            &[("AFTERCARE_SMS_FROM", "+15017122661")],
            "AFTERCARE_SMS_ACCOUNT_SID",
            "together",
        ),
        (
            &[
                ("AFTERCARE_SMS_ACCOUNT_SID", SID),
                ("AFTERCARE_SMS_AUTH_TOKEN", TOKEN),
            ],
            "AFTERCARE_SMS_ACCOUNT_SID",
            "AFTERCARE_SMS_FROM",
        ),
        (
            &[
                ("AFTERCARE_SMS_ACCOUNT_SID", SID),
                ("AFTERCARE_SMS_AUTH_TOKEN", TOKEN),
                ("AFTERCARE_SMS_FROM", "+15017122661"),
                ("AFTERCARE_SMS_MESSAGING_SERVICE_SID", "MG01"),
            ],
            "AFTERCARE_SMS_FROM",
            "not both",
        ),
    ];
    for (pairs, name, words) in cases {
        let e = Config::from_vars(&vars(pairs)).unwrap_err();
        assert_eq!(e.name, *name, "{pairs:?}");
        assert!(e.message.contains(words), "{e}");
    }
    for (extra, name) in [
        (
            vec![("AFTERCARE_SMS_FROM", "5017122661")],
            "AFTERCARE_SMS_FROM",
        ),
        (vec![("AFTERCARE_SMS_FROM", "+1 555")], "AFTERCARE_SMS_FROM"),
        (
            vec![
                ("AFTERCARE_SMS_FROM", "+15017122661"),
                ("AFTERCARE_SMS_RATE_PER_SEC", "0"),
            ],
            "AFTERCARE_SMS_RATE_PER_SEC",
        ),
        (
            vec![
                ("AFTERCARE_SMS_FROM", "+15017122661"),
                ("AFTERCARE_SMS_BASE_URL", "http://sms.example.test"),
            ],
            "AFTERCARE_SMS_BASE_URL",
        ),
        (
            vec![("AFTERCARE_SMS_MESSAGING_SERVICE_SID", "MG/../x")],
            "AFTERCARE_SMS_MESSAGING_SERVICE_SID",
        ),
    ] {
        let e = with(&extra).unwrap_err();
        assert_eq!(e.name, name, "{extra:?}: {e}");
        assert!(!e.to_string().contains(TOKEN));
    }
}

#[test]
fn a_loopback_provider_over_http_is_for_tests_only() {
    for url in [
        "http://127.0.0.1:4010",
        "http://localhost:4010",
        "http://[::1]:4010/",
    ] {
        let c = with(&[
            ("AFTERCARE_SMS_FROM", "+15017122661"),
            ("AFTERCARE_SMS_BASE_URL", url),
        ])
        .unwrap();
        assert_eq!(c.sms.unwrap().base_url, url.trim_end_matches('/'));
    }
    let e = with(&[
        ("AFTERCARE_SMS_FROM", "+15017122661"),
        ("AFTERCARE_SMS_BASE_URL", "http://127.0.0.1:4010"),
        ("AFTERCARE_ENV", "production"),
        ("AFTERCARE_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
    ])
    .unwrap_err();
    assert_eq!(e.name, "AFTERCARE_SMS_BASE_URL", "{e}");
}

#[test]
fn the_auth_token_may_come_from_a_file() {
    let dir = std::env::temp_dir().join(format!("sms-token-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("token");
    std::fs::write(&file, format!("{TOKEN}\n")).unwrap();
    let path = file.to_string_lossy().into_owned();
    let c = Config::from_vars(&vars(&[
        ("AFTERCARE_SMS_ACCOUNT_SID", SID),
        ("AFTERCARE_SMS_AUTH_TOKEN_FILE", &path),
        ("AFTERCARE_SMS_FROM", "+15017122661"),
    ]))
    .unwrap();
    assert_eq!(c.sms.unwrap().auth_token.expose(), TOKEN);
    let e = with(&[
        ("AFTERCARE_SMS_AUTH_TOKEN_FILE", &path),
        ("AFTERCARE_SMS_FROM", "+15017122661"),
    ])
    .unwrap_err();
    assert_eq!(e.name, "AFTERCARE_SMS_AUTH_TOKEN_FILE");
}
