//! Passwords are checked against rules that say what they check ([`check_strength`]) and
//! hashed with argon2id (the crate's default parameters, OWASP's minimum), stored
//! as PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`).
//!
//! Memory, not CPU, is what argon2 costs a small server: 19 MiB of working blocks per hash. So
//! hashes run on at most [`HASHERS`] threads of their own (in a burst of sign-ins each caller
//! waits on its own blocking thread, holding no working memory, while the hashes queue there),
//! each thread allocates its working memory once
//! and reuses it for every hash, and a thread idle for [`KEEP_MEMORY`] ends, unmapping it. The
//! queue, the thread cap and the idle timeout are tokio's blocking pool, on a runtime of its own.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{OnceLock, mpsc};
use std::time::Duration;

use argon2::password_hash::{
    Output, ParamsString, PasswordHash, Salt, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use zeroize::Zeroizing;

use crate::error::Error;

mod strength;
#[cfg(test)]
mod tests;

pub use strength::{Hint, MAX_LEN, MIN_LEN, MIN_SCORE, check_strength, message};

/// A PHC-format argon2id hash of `password` with a fresh salt (RFC 9106 argon2id, version 0x13,
/// the crate's default parameters: m = 19 MiB, t = 2, p = 1, 32-byte output). Computed on a
/// hasher thread; blocks the calling thread for the hash's time (tens of milliseconds), so
/// call it from a blocking context.
/// Errors: `Error::Internal` (500) if hashing fails.
pub fn hash(password: &str) -> Result<String, Error> {
    let password = Zeroizing::new(password.to_owned());
    on_hasher(move |memory| {
        let salt = SaltString::generate(&mut OsRng);
        let mut raw = [0u8; Salt::MAX_LENGTH];
        let params = Params::default();
        let salt_bytes = salt.decode_b64(&mut raw).map_err(hashing_failed)?;
        let (algorithm, version) = (Algorithm::Argon2id, Version::V0x13);
        let output = compute(
            (algorithm, version, &params),
            password.as_bytes(),
            salt_bytes,
            memory,
        )?;
        Ok(PasswordHash {
            algorithm: algorithm.ident(),
            version: Some(version.into()),
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
    on_hasher(move |memory| {
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
        compute(
            (algorithm, version, &params),
            password.as_bytes(),
            salt_bytes,
            memory,
        )
        .is_ok_and(|computed| computed == expected)
    })
    .unwrap_or(false)
}

/// Spends the same time as a real verification, so an unknown email is not faster to reject.
pub fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let stored = DUMMY.get_or_init(|| hash("dummy-password-for-timing").unwrap_or_default());
    let _ = verify(password, stored);
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

/// How many argon2 computations run at once in a process (the hasher threads). Each holds its
/// working memory while it has work: 19 MiB with our parameters, at most [`MAX_MEMORY_BLOCKS`]
/// (64 MiB) for a stored hash with larger ones, so hashing never holds more than 2 × 64 MiB and
/// usually 2 × 19 MiB.
pub const HASHERS: usize = 2;

/// How long a hasher thread lives, keeping its working memory, after its last hash: a burst of
/// sign-ins reuses it (mapping and faulting in 19 MiB afresh for each hash made sign-ins 1.7
/// times slower), and a hasher idle this long ends and gives it back.
pub const KEEP_MEMORY: Duration = Duration::from_secs(1);

/// The address space reserved for a hasher's working memory: more than glibc's largest dynamic
/// mmap threshold (32 MiB on 64-bit, mallopt(3) `M_MMAP_THRESHOLD`), in 1 KiB blocks. An
/// allocation this large is always mapped afresh and unmapped when freed, and its free never
/// raises the threshold; only the blocks argon2 writes (19 MiB with the default parameters)
/// become resident. Allocating just the 19 MiB instead makes glibc raise its threshold to
/// 19 MiB at the first free, after which every thread's arena keeps what it frees: 178–193 MiB
/// resident under load (BENCHMARKS.md, "The API under load").
const RESERVED_BLOCKS: usize = 33 * 1024;

/// How many argon2 working memories are allocated right now (0 ..= [`HASHERS`], one more
/// while a hash runs on a caller's thread because the hashers could not be started).
static HOLDING: AtomicUsize = AtomicUsize::new(0);

/// How many hasher threads currently keep working memory; each gives it back after
/// [`KEEP_MEMORY`] without work.
pub fn hashers_holding_memory() -> usize {
    HOLDING.load(Ordering::Relaxed)
}

/// One thread's argon2 working memory, allocated at its first hash and freed with the thread.
/// Its blocks (derived from the last password) are not wiped: the next hash overwrites them,
/// and freeing unmaps them, which hands zero-filled pages to any later user. Wiping 19 MiB
/// after each hash would cost each sign-in a memset and protect only against reads of this
/// process's memory, which would see the passwords in flight anyway.
#[derive(Default)]
struct Memory(Vec<Block>);

impl Memory {
    /// `blocks` working blocks, in the memory allocated before when it is large enough.
    fn blocks(&mut self, blocks: usize) -> &mut [Block] {
        if self.0.capacity() < blocks {
            if self.0.capacity() == 0 {
                HOLDING.fetch_add(1, Ordering::Relaxed);
            }
            // Give back the smaller buffer before taking the larger one.
            self.0 = Vec::new();
            self.0 = Vec::with_capacity(blocks.max(RESERVED_BLOCKS));
        }
        self.0.resize(blocks, Block::new());
        &mut self.0[..]
    }
}

impl Drop for Memory {
    fn drop(&mut self) {
        if self.0.capacity() > 0 {
            HOLDING.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

thread_local! {
    /// The hasher thread's [`Memory`]; dropped (unmapped) when tokio ends the idle thread.
    static MEMORY: RefCell<Memory> = RefCell::default();
}

/// Runs argon2 with `(algorithm, version, params)` over `password` and `salt` in `memory`.
/// Errors: `Error::Internal` when the parameters are over the limits or argon2 fails.
fn compute(
    (algorithm, version, params): (Algorithm, Version, &Params),
    password: &[u8],
    salt: &[u8],
    memory: &mut Memory,
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
    let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let argon2 = Argon2::new(algorithm, version, params.clone());
    Output::init_with(len, |out| {
        argon2
            .hash_password_into_with_memory(password, salt, out, memory.blocks(blocks))
            .map_err(Into::into)
    })
    .map_err(hashing_failed)
}

fn hashing_failed(e: impl std::fmt::Display) -> Error {
    Error::Internal(anyhow::anyhow!("password hashing failed: {e}"))
}

/// Runs `work` with a hasher thread's memory and waits for its answer; `None` when the work
/// panicked. If the hasher runtime cannot be built, the work runs on the calling thread in
/// memory freed right after.
fn on_hasher<T: Send + 'static>(work: impl FnOnce(&mut Memory) -> T + Send + 'static) -> Option<T> {
    static HASHER_POOL: OnceLock<Option<tokio::runtime::Runtime>> = OnceLock::new();
    let pool = HASHER_POOL.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .max_blocking_threads(HASHERS)
            .thread_keep_alive(KEEP_MEMORY)
            .thread_name("argon2")
            .build()
            .map_err(|e| tracing::error!("password hashing runs on callers' threads: {e}"))
            .ok()
    });
    let Some(pool) = pool else {
        return Some(work(&mut Memory::default()));
    };
    let (answer_tx, answer_rx) = mpsc::sync_channel(1);
    // What the work logs belongs to the caller's span (a sign-in names its account there).
    let span = tracing::Span::current();
    pool.spawn_blocking(move || {
        let _in_span = span.enter();
        let answer = MEMORY.with_borrow_mut(work);
        let _ = answer_tx.send(answer);
    });
    answer_rx.recv().ok()
}
