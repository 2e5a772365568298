//! Passwords are hashed with argon2id (the crate's default parameters, OWASP's minimum).

use std::sync::{Arc, Mutex, OnceLock, mpsc};

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use zeroize::Zeroizing;

use crate::error::{Error, FieldError};

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 128;

/// A few of the passwords every list of breached passwords starts with.
const COMMON: &[&str] = &[
    "password",
    "password1",
    "password123",
    "1234567890",
    "12345678910",
    "qwertyuiop",
    "iloveyou123",
    "aftercare",
    "microneedling",
    "letmein123",
    "welcome123",
    "qwerty12345",
];

/// Checks the strength rules; `field` names the JSON field in the 422.
pub fn check_strength(field: &str, password: &str, email: Option<&str>) -> Result<(), Error> {
    let mut problems = Vec::new();
    let chars = password.chars().count();
    if chars < MIN_LEN {
        problems.push(format!("must be at least {MIN_LEN} characters"));
    }
    if chars > MAX_LEN {
        problems.push(format!("must be at most {MAX_LEN} characters"));
    }
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str()) {
        problems.push("is too common".to_owned());
    }
    let distinct = {
        let mut c: Vec<char> = password.chars().collect();
        c.sort_unstable();
        c.dedup();
        c.len()
    };
    if chars >= MIN_LEN && distinct < 4 {
        problems.push("must use at least 4 different characters".to_owned());
    }
    if let Some(local) = email
        .and_then(|e| e.split('@').next())
        .filter(|l| l.len() >= 4)
    {
        if lower.contains(local) {
            problems.push("must not contain your email address".to_owned());
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(
            problems
                .into_iter()
                .map(|m| FieldError::new(field, m))
                .collect(),
        ))
    }
}

/// A PHC-format argon2id hash of `password` with a fresh salt. Computed on a hasher thread
/// ([`HASHERS`]); blocks the calling thread for the hash's time (tens of milliseconds), so call
/// it from a blocking context. Errors: `Error::Internal` if hashing fails.
pub fn hash(password: &str) -> Result<String, Error> {
    let password = Zeroizing::new(password.to_owned());
    on_hasher(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(anyhow::anyhow!("password hashing failed: {e}")))
    })
    .unwrap_or_else(|| {
        Err(Error::Internal(anyhow::anyhow!(
            "password hashing failed: the hasher stopped"
        )))
    })
}

/// Constant-work verification: an unparsable stored hash simply fails. Computed on a hasher
/// thread, like [`hash`].
pub fn verify(password: &str, stored: &str) -> bool {
    let (password, stored) = (Zeroizing::new(password.to_owned()), stored.to_owned());
    on_hasher(move || {
        PasswordHash::new(&stored)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .unwrap_or(false)
}

/// How many argon2 computations run at once in a process. Argon2id with the default parameters
/// works in 19 MiB of memory per hash; computed on any thread of the caller's blocking pool,
/// glibc keeps a freed block of that size in each thread's arena, and 1,000 sign-ins from 64
/// connections left the API resident at 106–197 MiB (BENCHMARKS.md, "The API under load").
/// On two dedicated threads the memory is reused, and a burst of sign-ins queues for the cores
/// instead of taking every thread of the pool.
pub const HASHERS: usize = 2;

/// Runs `work` on one of the [`HASHERS`] threads and waits for its answer; `None` when the
/// work panicked. If the threads cannot be started, the work runs on the calling thread.
fn on_hasher<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    type Job = Box<dyn FnOnce() + Send>;
    static QUEUE: OnceLock<Option<mpsc::Sender<Job>>> = OnceLock::new();
    let queue = QUEUE.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let started = (0..HASHERS)
            .filter(|i| {
                let rx = rx.clone();
                std::thread::Builder::new()
                    .name(format!("argon2-{i}"))
                    .spawn(move || {
                        loop {
                            // The lock is held only while waiting for the next job.
                            let next = match rx.lock() {
                                Ok(rx) => rx.recv(),
                                Err(_) => return,
                            };
                            let Ok(job) = next else { return };
                            // A panicking job loses its answer, not the thread.
                            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                        }
                    })
                    .is_ok()
            })
            .count();
        (started > 0).then_some(tx)
    });
    let (answer_tx, answer_rx) = mpsc::sync_channel(1);
    let job: Job = Box::new(move || {
        let _ = answer_tx.send(work());
    });
    match queue {
        Some(tx) => {
            if let Err(mpsc::SendError(job)) = tx.send(job) {
                job();
            }
        }
        None => job(),
    }
    answer_rx.recv().ok()
}

/// Spends the same time as a real verification, so an unknown email is not faster to reject.
pub fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let stored = DUMMY.get_or_init(|| hash("dummy-password-for-timing").unwrap_or_default());
    let _ = verify(password, stored);
}

#[cfg(test)]
mod tests {
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
    fn many_threads_share_the_hashers() {
        let stored = hash("correct horse battery").unwrap();
        let checks: Vec<_> = (0..8)
            .map(|i| {
                let stored = stored.clone();
                std::thread::spawn(move || {
                    let given = if i % 2 == 0 {
                        "correct horse battery"
                    } else {
                        "wrong"
                    };
                    verify(given, &stored) == (i % 2 == 0)
                })
            })
            .collect();
        for c in checks {
            assert!(c.join().unwrap());
        }
    }

    #[test]
    fn weak_passwords_are_named() {
        for weak in ["short", "password123", "aaaaaaaaaaaa", "ababababab"] {
            assert!(check_strength("password", weak, None).is_err(), "{weak}");
        }
        assert!(
            check_strength("password", "ana.lopez-2026!", Some("ana.lopez@example.com")).is_err()
        );
        assert!(check_strength("password", "blue-canyon-river-7", Some("ana@example.com")).is_ok());
    }
}
