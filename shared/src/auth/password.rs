//! Passwords are hashed with argon2id (the crate's default parameters, OWASP's minimum), stored
//! as PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`).

use std::cell::Cell;
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::Duration;

use argon2::password_hash::{
    Output, ParamsString, PasswordHash, Salt, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Block, Params, Version};
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

/// A PHC-format argon2id hash of `password` with a fresh salt (RFC 9106 argon2id, version 0x13,
/// the crate's default parameters: m = 19 MiB, t = 2, p = 1, 32-byte output). Computed on a
/// hasher thread ([`HASHERS`]); blocks the calling thread for the
/// hash's time (tens of milliseconds), so call it from a blocking context.
/// Errors: `Error::Internal` if hashing fails.
pub fn hash(password: &str) -> Result<String, Error> {
    let password = Zeroizing::new(password.to_owned());
    on_hasher(move || {
        let salt = SaltString::generate(&mut OsRng);
        let mut raw = [0u8; Salt::MAX_LENGTH];
        let params = Params::default();
        let salt_bytes = salt.decode_b64(&mut raw).map_err(hashing_failed)?;
        let output = compute(
            Algorithm::Argon2id,
            Version::V0x13,
            &params,
            password.as_bytes(),
            salt_bytes,
        )?;
        Ok(PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params).map_err(hashing_failed)?,
            salt: Some(salt.as_salt()),
            hash: Some(output),
        }
        .to_string())
    })
    .unwrap_or_else(|| Err(hashing_failed("the hasher stopped")))
}

/// Constant-work verification against a stored PHC string: its algorithm, version, parameters
/// and salt are used, and the outputs are compared in constant time. An unparsable stored hash,
/// or one asking for more than [`MAX_MEMORY_BLOCKS`], simply fails. Computed on a hasher thread,
/// like [`hash`].
pub fn verify(password: &str, stored: &str) -> bool {
    let (password, stored) = (Zeroizing::new(password.to_owned()), stored.to_owned());
    on_hasher(move || {
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
            return false;
        };
        let version = match parsed.version.map(Version::try_from).transpose() {
            Ok(v) => v.unwrap_or_default(),
            Err(_) => return false,
        };
        let (Ok(params), Some(salt), Some(expected)) =
            (Params::try_from(&parsed), parsed.salt, parsed.hash)
        else {
            return false;
        };
        let mut raw = [0u8; Salt::MAX_LENGTH];
        let Ok(salt_bytes) = salt.decode_b64(&mut raw) else {
            return false;
        };
        // `Output`'s equality is constant-time.
        compute(algorithm, version, &params, password.as_bytes(), salt_bytes)
            .is_ok_and(|computed| computed == expected)
    })
    .unwrap_or(false)
}

/// The most working memory a stored hash may ask for: 64 MiB in 1 KiB argon2 blocks.
pub const MAX_MEMORY_BLOCKS: usize = 64 * 1024;

/// The address space reserved for a hasher's working memory: more than glibc's largest dynamic
/// mmap threshold (32 MiB on 64-bit, mallopt(3) `M_MMAP_THRESHOLD`), in 1 KiB blocks. An
/// allocation this large is always mapped afresh and unmapped when freed, and its free never
/// raises the threshold; only the blocks argon2 writes (19 MiB with the default parameters)
/// become resident. Allocating just the 19 MiB instead makes glibc raise its threshold to
/// 19 MiB at the first free, after which every thread's arena keeps what it frees: 178–193 MiB
/// resident under load (BENCHMARKS.md, "The API under load").
const RESERVED_BLOCKS: usize = 33 * 1024;

/// How long a hasher thread keeps its working memory after its last hash: a burst of sign-ins
/// reuses it (mapping and faulting in 19 MiB afresh for each hash made sign-ins 1.8 times
/// slower), and an idle process gives it back.
pub const KEEP_MEMORY: Duration = Duration::from_secs(1);

thread_local! {
    /// This thread's argon2 working memory, kept between hashes on the hasher threads only.
    static MEMORY: Cell<Vec<Block>> = const { Cell::new(Vec::new()) };
    static IS_HASHER: Cell<bool> = const { Cell::new(false) };
}

/// Runs argon2 over `password` and `salt`, in the hasher thread's [`MEMORY`] (allocated at
/// [`RESERVED_BLOCKS`] when it has none).
fn compute(
    algorithm: Algorithm,
    version: Version,
    params: &Params,
    password: &[u8],
    salt: &[u8],
) -> Result<Output, Error> {
    let blocks = params.block_count();
    if blocks > MAX_MEMORY_BLOCKS {
        return Err(hashing_failed(format!(
            "{blocks} KiB of working memory asked, at most {MAX_MEMORY_BLOCKS}"
        )));
    }
    let mut memory = MEMORY.take();
    if memory.len() < blocks {
        // Give back the smaller buffer before taking the larger one.
        drop(std::mem::take(&mut memory));
        memory = Vec::with_capacity(blocks.max(RESERVED_BLOCKS));
        memory.resize(blocks, Block::new());
    }
    let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let output = Output::init_with(len, |out| {
        argon2
            .hash_password_into_with_memory(password, salt, out, &mut memory[..blocks])
            .map_err(Into::into)
    })
    .map_err(hashing_failed);
    if IS_HASHER.get() {
        MEMORY.set(memory);
    }
    output
}

fn hashing_failed(e: impl std::fmt::Display) -> Error {
    Error::Internal(anyhow::anyhow!("password hashing failed: {e}"))
}

/// How many argon2 computations run at once in a process, each in 19 MiB of working memory
/// ([`RESERVED_BLOCKS`], kept for [`KEEP_MEMORY`]): a burst of sign-ins queues for two dedicated threads instead of
/// taking every thread of the caller's blocking pool (and 19 MiB for each), and a process
/// never holds more than 2 × 19 MiB for hashing.
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
                        IS_HASHER.set(true);
                        loop {
                            // The lock is held only while waiting for the next job.
                            let next = match rx.lock() {
                                Ok(rx) => rx.recv_timeout(KEEP_MEMORY),
                                Err(_) => return,
                            };
                            match next {
                                // A panicking job loses its answer, not the thread.
                                Ok(job) => {
                                    let _ =
                                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                                }
                                Err(mpsc::RecvTimeoutError::Timeout) => drop(MEMORY.take()),
                                Err(mpsc::RecvTimeoutError::Disconnected) => return,
                            }
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

    #[test]
    fn stored_hashes_asking_too_much_fail() {
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
