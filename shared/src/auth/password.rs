//! Passwords are hashed with argon2id (the crate's default parameters, OWASP's minimum), stored
//! as PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`).

use std::cell::Cell;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};

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
/// or one asking for more than [`MAX_MEMORY_BLOCKS`], [`MAX_TIME_COST`] passes or
/// [`MAX_PARALLELISM`] lanes, simply fails (and an over-limit one is logged as a warning, without
/// the hash, inside the caller's span: a caller that enters a span naming the account gets the
/// account named). Computed on a hasher thread, like [`hash`].
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
/// The most passes over memory a stored hash may ask for (`t`; ours use 2). With
/// [`MAX_MEMORY_BLOCKS`] this bounds one verification to 640 MiB of memory traffic, about a
/// second on one core.
pub const MAX_TIME_COST: u32 = 10;
/// The most lanes a stored hash may ask for (`p`; ours use 1). Lanes are computed one after the
/// other here, so this bounds bookkeeping, not threads.
pub const MAX_PARALLELISM: u32 = 16;

/// The address space reserved for a hasher's working memory: more than glibc's largest dynamic
/// mmap threshold (32 MiB on 64-bit, mallopt(3) `M_MMAP_THRESHOLD`), in 1 KiB blocks. An
/// allocation this large is always mapped afresh and unmapped when freed, and its free never
/// raises the threshold; only the blocks argon2 writes (19 MiB with the default parameters)
/// become resident. Allocating just the 19 MiB instead makes glibc raise its threshold to
/// 19 MiB at the first free, after which every thread's arena keeps what it frees: 178–193 MiB
/// resident under load (BENCHMARKS.md, "The API under load"). The blocks are not zeroed when
/// given back: unmapped pages return to the kernel, which zero-fills them before any reuse.
const RESERVED_BLOCKS: usize = 33 * 1024;

/// How long a hasher thread keeps its working memory after its last hash: a burst of sign-ins
/// reuses it (mapping and faulting in 19 MiB afresh for each hash made sign-ins 1.7 times
/// slower), and a hasher that stays idle this long gives it back.
pub const KEEP_MEMORY: Duration = Duration::from_secs(1);

thread_local! {
    /// This thread's argon2 working memory, kept between hashes on the hasher threads only. Its
    /// blocks (derived from the last password) are not wiped: the next hash overwrites them, and
    /// after [`KEEP_MEMORY`] they are unmapped, which hands zero-filled pages to any later user.
    /// Wiping 19 MiB after each hash would cost each sign-in a memset and protect only against
    /// reads of this process's memory, which would see the passwords in flight anyway.
    static MEMORY: Cell<Vec<Block>> = const { Cell::new(Vec::new()) };
    static IS_HASHER: Cell<bool> = const { Cell::new(false) };
}

/// How many hasher threads hold working memory right now (0 ..= [`HASHERS`]).
static HOLDING: AtomicUsize = AtomicUsize::new(0);

/// How many of the [`HASHERS`] threads currently keep working memory; each gives it back after
/// [`KEEP_MEMORY`] without work.
pub fn hashers_holding_memory() -> usize {
    HOLDING.load(Ordering::Relaxed)
}

/// Runs argon2 over `password` and `salt`, in the hasher thread's [`MEMORY`] (allocated at
/// [`RESERVED_BLOCKS`], or at the hash's need if larger, when what it has is too small).
fn compute(
    algorithm: Algorithm,
    version: Version,
    params: &Params,
    password: &[u8],
    salt: &[u8],
) -> Result<Output, Error> {
    let blocks = params.block_count();
    if blocks > MAX_MEMORY_BLOCKS
        || params.t_cost() > MAX_TIME_COST
        || params.p_cost() > MAX_PARALLELISM
    {
        tracing::warn!(
            memory_kib = blocks,
            time_cost = params.t_cost(),
            parallelism = params.p_cost(),
            "a stored password hash asks for more than this service computes; the sign-in fails"
        );
        return Err(hashing_failed(
            "the stored hash's parameters are over the limits",
        ));
    }
    let mut memory = MEMORY.take();
    if memory.capacity() < blocks {
        // Give back the smaller buffer before taking the larger one.
        drop(std::mem::take(&mut memory));
        memory = Vec::with_capacity(blocks.max(RESERVED_BLOCKS));
    }
    memory.resize(blocks, Block::new());
    let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let output = Output::init_with(len, |out| {
        argon2
            .hash_password_into_with_memory(password, salt, out, &mut memory[..])
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

/// How many argon2 computations run at once in a process. A burst of sign-ins queues for these
/// dedicated threads instead of taking every thread of the caller's blocking pool. Each keeps its
/// working memory for [`KEEP_MEMORY`] after its last hash: 19 MiB resident with our parameters,
/// at most [`MAX_MEMORY_BLOCKS`] (64 MiB) for a stored hash with larger ones, so hashing never
/// holds more than 2 × 64 MiB and usually 2 × 19 MiB.
pub const HASHERS: usize = 2;

type Job = Box<dyn FnOnce() + Send>;

/// The hashers' shared queue. Waiting threads sleep on the condition variable, which releases
/// the lock, so every idle hasher times out on its own and gives its memory back.
struct Queue {
    jobs: Mutex<VecDeque<Job>>,
    ready: Condvar,
}

impl Queue {
    /// The next job; `None` once this thread has waited [`KEEP_MEMORY`] with nothing to do (or
    /// the lock is poisoned, which no job can cause: jobs run outside it).
    fn next(&self, patience: Option<Duration>) -> Result<Option<Job>, ()> {
        let mut jobs = self.jobs.lock().map_err(drop)?;
        let deadline = patience.map(|p| Instant::now() + p);
        loop {
            if let Some(job) = jobs.pop_front() {
                return Ok(Some(job));
            }
            jobs = match deadline {
                None => self.ready.wait(jobs).map_err(drop)?,
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Ok(None);
                    }
                    self.ready.wait_timeout(jobs, left).map_err(drop)?.0
                }
            };
        }
    }

    fn push(&self, job: Job) -> Result<(), Job> {
        match self.jobs.lock() {
            Ok(mut jobs) => jobs.push_back(job),
            Err(_) => return Err(job),
        }
        self.ready.notify_one();
        Ok(())
    }
}

/// A hasher thread: runs jobs; after [`KEEP_MEMORY`] without one, gives its memory back and
/// waits without a deadline.
fn hasher(queue: &Queue) {
    IS_HASHER.set(true);
    let mut holding = false;
    loop {
        match queue.next(holding.then_some(KEEP_MEMORY)) {
            // A panicking job loses its answer, not the thread.
            Ok(Some(job)) => {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            }
            Ok(None) => drop(MEMORY.take()),
            Err(()) => return,
        }
        let memory = MEMORY.take();
        let holds = memory.capacity() > 0;
        MEMORY.set(memory);
        if holds != holding {
            if holds {
                HOLDING.fetch_add(1, Ordering::Relaxed);
            } else {
                HOLDING.fetch_sub(1, Ordering::Relaxed);
            }
            holding = holds;
        }
    }
}

/// Runs `work` on one of the [`HASHERS`] threads and waits for its answer; `None` when the
/// work panicked. If the threads cannot be started, the work runs on the calling thread.
fn on_hasher<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    static QUEUE: OnceLock<Option<Arc<Queue>>> = OnceLock::new();
    let queue = QUEUE.get_or_init(|| {
        let queue = Arc::new(Queue {
            jobs: Mutex::new(VecDeque::new()),
            ready: Condvar::new(),
        });
        let started = (0..HASHERS)
            .filter(|i| {
                let queue = queue.clone();
                std::thread::Builder::new()
                    .name(format!("argon2-{i}"))
                    .spawn(move || hasher(&queue))
                    .is_ok()
            })
            .count();
        (started > 0).then_some(queue)
    });
    let (answer_tx, answer_rx) = mpsc::sync_channel(1);
    // What the work logs belongs to the caller's span (a sign-in names its account there).
    let span = tracing::Span::current();
    let job: Job = Box::new(move || {
        let _in_span = span.enter();
        let _ = answer_tx.send(work());
    });
    match queue {
        Some(queue) => {
            if let Err(job) = queue.push(job) {
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
