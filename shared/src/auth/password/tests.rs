//! Hashing, verification, the limits on stored hashes, the hashers' memory, and the strength
//! rules.

use std::time::Instant;

use super::*;

#[test]
fn hashes_verify_and_differ_by_salt() {
    let a = hash("correct horse battery").unwrap();
    let b = hash("correct horse battery").unwrap();
    assert_ne!(a, b);
    assert!(a.starts_with("$argon2id$"));
    assert!(verify("correct horse battery", &a));
    assert!(!verify("wrong horse battery", &a));
    assert!(!verify("x", "not a hash"));
}

#[test]
fn stored_hashes_stay_compatible_with_the_crate() {
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};
    // A hash made by the crate's own hasher verifies here, and ours verifies there.
    let salt = SaltString::generate(&mut OsRng);
    let theirs = Argon2::default()
        .hash_password(b"correct horse battery", &salt)
        .unwrap()
        .to_string();
    assert!(verify("correct horse battery", &theirs));
    assert!(!verify("correct horse batter", &theirs));
    let ours = hash("correct horse battery").unwrap();
    assert!(
        ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{ours}"
    );
    let parsed = PasswordHash::new(&ours).unwrap();
    assert!(
        Argon2::default()
            .verify_password(b"correct horse battery", &parsed)
            .is_ok()
    );
}

/// A real PHC string made by the argon2 crate with `t` passes and `p` lanes over a small
/// memory, so only the parameter under test is unusual.
fn stored_with(t: u32, p: u32) -> String {
    use argon2::password_hash::PasswordHasher;
    let params = Params::new(8 * p, t, p, None).unwrap();
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let salt = SaltString::generate(&mut OsRng);
    argon2
        .hash_password(b"correct horse battery", &salt)
        .unwrap()
        .to_string()
}

#[test]
fn stored_hashes_asking_too_much_fail() {
    // Genuine hashes just over the limits fail; the same ones at the limits verify.
    assert!(verify(
        "correct horse battery",
        &stored_with(MAX_TIME_COST, 1)
    ));
    assert!(verify(
        "correct horse battery",
        &stored_with(1, MAX_PARALLELISM)
    ));
    assert!(!verify(
        "correct horse battery",
        &stored_with(MAX_TIME_COST + 1, 1)
    ));
    assert!(!verify(
        "correct horse battery",
        &stored_with(1, MAX_PARALLELISM + 1)
    ));
    let ours = hash("correct horse battery").unwrap();
    for bad in [
        ours.replace("m=19456", "m=4194304"),
        ours.replace("$argon2id$", "$argon2x$"),
        ours.replace("v=19", "v=7"),
        ours.replace("t=2", "t=0"),
        ours[..ours.len() - 4].to_owned() + "!!!!",
    ] {
        assert!(!verify("correct horse battery", &bad), "{bad}");
    }
    // The 2i and 2d variants stored elsewhere are honoured, not mistaken for 2id.
    let salt = SaltString::generate(&mut OsRng);
    let argon2i = Argon2::new(Algorithm::Argon2i, Version::V0x13, Params::default());
    let stored = argon2::password_hash::PasswordHasher::hash_password(
        &argon2i,
        b"correct horse battery",
        &salt,
    )
    .unwrap()
    .to_string();
    assert!(verify("correct horse battery", &stored));
    assert!(!verify(
        "correct horse battery",
        &stored.replace("argon2i$", "argon2id$")
    ));
}

/// Verifies `stored` from `n` threads at once, the even ones with the right password;
/// true when every answer is right.
fn verify_on_threads(n: usize, stored: &str) -> bool {
    let checks: Vec<_> = (0..n)
        .map(|i| {
            let stored = stored.to_owned();
            std::thread::spawn(move || {
                let right = i % 2 == 0;
                let given = if right {
                    "correct horse battery"
                } else {
                    "wrong"
                };
                verify(given, &stored) == right
            })
        })
        .collect();
    checks.into_iter().all(|c| c.join().unwrap())
}

#[test]
fn many_threads_share_the_hashers() {
    let stored = hash("correct horse battery").unwrap();
    assert!(verify_on_threads(8, &stored));
    // However many sign-ins, no more working memories than hashers.
    assert!(hashers_holding_memory() <= HASHERS);
}

#[test]
fn idle_hashers_give_their_memory_back() {
    // Both hashers get work at once, so both take working memory ...
    let stored = hash("correct horse battery").unwrap();
    assert!(verify_on_threads(6, &stored));
    // (another test's hashing may have kept a hasher busy meanwhile, so allow some slack;
    // an idle one keeps its memory for KEEP_MEMORY after its last hash)
    let until = Instant::now() + KEEP_MEMORY * 3 / 4;
    while hashers_holding_memory() == 0 {
        assert!(
            Instant::now() < until,
            "no hasher kept its memory between hashes"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // ... and each gives it back on its own once idle (other tests in this binary may hash
    // meanwhile, so wait for a quiet moment rather than an exact time).
    let until = Instant::now() + KEEP_MEMORY * 10;
    while hashers_holding_memory() > 0 {
        assert!(
            Instant::now() < until,
            "a hasher kept its memory while idle"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The messages a password gets on field `password`, or none.
fn findings(password: &str, email: Option<&str>, words: &[&str]) -> Vec<String> {
    match check_strength("password", password, email, words) {
        Ok(()) => Vec::new(),
        Err(Error::Validation(found)) => {
            assert!(found.iter().all(|f| f.field == "password"), "{found:?}");
            found.into_iter().map(|f| f.message).collect()
        }
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn each_rule_says_what_it_checks() {
    let guessable = |found: &[String]| {
        found
            .iter()
            .any(|m| m.starts_with(message::TOO_EASY_PREFIX))
    };
    // Length bounds.
    let short = findings("Xq7#", None, &[]);
    assert!(
        short.contains(&"must be at least 10 characters".to_owned()),
        "{short:?}"
    );
    let long = findings(&"correct horse battery staple ".repeat(5), None, &[]);
    assert_eq!(long, ["must be at most 128 characters"]);
    // A character no sign-in field can take.
    for odd in [
        "tidal\0harbour lantern",
        "tidal\tharbour lantern",
        "tidal\nharbour lantern",
    ] {
        let found = findings(odd, None, &[]);
        assert_eq!(found, ["must not contain control characters"], "{odd:?}");
    }
    // The part of the email before the @ (letter case ignored), only when 4 characters or more.
    let found = findings(
        "Ana.Lopez-said-hello-to-tides",
        Some("ana.lopez@example.com"),
        &[],
    );
    assert_eq!(found, [message::CONTAINS_EMAIL], "{found:?}");
    assert!(findings("ana-walks-the-blue-canyon", Some("ana@example.com"), &[]).is_empty());
    // The estimator: common passwords, keyboard rows, repeats, sequences, dates.
    for weak in [
        "password123",
        "qwertyuiop",
        "aaaaaaaaaaaa",
        "ababababab",
        "1234567890",
        "iloveyou123",
        "01/02/1990ab",
    ] {
        let found = findings(weak, None, &[]);
        assert!(guessable(&found), "{weak}: {found:?}");
    }
    // The estimator's feedback follows the rule's message: a warning, then suggestions.
    let found = findings("password123", None, &[]);
    assert_eq!(
        found[0],
        format!("{}0 of 4, at least 3 needed)", message::TOO_EASY_PREFIX)
    );
    assert!(
        found.len() > 1 && found[1..].iter().all(|m| Hint::of_message(m).is_some()),
        "{found:?}"
    );
}

#[test]
fn the_users_own_words_count_as_known() {
    // Strong for a stranger, guessable for someone who knows the account's names.
    let pw = "Zubizarreta2026";
    assert!(
        findings(pw, None, &[]).is_empty(),
        "{:?}",
        findings(pw, None, &[])
    );
    let own = findings(
        pw,
        Some("xochitl@example.test"),
        &["Xochitl Zubizarreta", "Dermaclinic"],
    );
    assert!(own[0].starts_with(message::TOO_EASY_PREFIX), "{own:?}");
    // The product's own words are known to every attacker.
    assert!(zxcvbn::zxcvbn("aftercare2026", &[]).score() >= zxcvbn::Score::Three);
    assert!(!findings("aftercare2026", None, &[]).is_empty());
}

#[test]
fn the_passwords_in_use_pass() {
    // The tests' passwords, the demo's, and a pass-phrase.
    for good in [
        "blue-canyon-river-7",
        "a-long-new-password-26",
        "sunny-clinic-admin-1",
        "another-good-pass-9",
        "demo-password-2026",
        "fixture-password-1",
        "correct horse battery staple",
    ] {
        let found = findings(good, Some("ana@example.com"), &["Ana", "Demo Clinic"]);
        assert!(found.is_empty(), "{good}: {found:?}");
    }
}

#[test]
fn every_hint_has_its_own_key() {
    let mut keys: Vec<&str> = Hint::ALL.iter().map(|h| h.key()).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), Hint::ALL.len());
    for hint in Hint::ALL {
        assert_eq!(Hint::of_message(&hint.text()), Some(*hint));
    }
}
