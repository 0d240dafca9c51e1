//! The memory budget: every large allocation on the image path (a fetched body, a decoded
//! picture, its working copies and encode buffers) is admitted against it before it
//! happens, so the process stays inside its Machine's memory whatever the requests.
//!
//! Admission waits briefly in a bounded queue when the budget is spent; past that the
//! request is refused as [`Refusal::Busy`] (served `503 EBUSY` with `retry-after`), and an
//! allocation larger than the whole budget is refused at once as [`Refusal::TooLarge`].
//! Fetched bodies may take only half the budget, so decodes always find room once the
//! decodes before them finish, however many bodies are waiting.
//!
//! The default budget is what is left of the memory this process may use
//! ([`Machine::memory_limit`](crate::machine::Machine::memory_limit): the cgroup limit, v2
//! `memory.max` or v1 `memory.limit_in_bytes`, the tightest on the way to the root, or the
//! machine's `MemTotal`, a Fly Machine's VM, whichever is smaller) once the memory caches,
//! the process's base ([`BASE_BYTES`]) and a margin ([`MARGIN_SHARE`] of the limit) are
//! set aside: see [`Split`].

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// What the process holds besides the budget and its memory caches: the binary, thread
/// stacks, the runtimes, the allocator's slack (10 MiB resident idle for the release build,
/// 24 MiB for the debug build; under the cgroup suite's loads, with nothing admitted, up to
/// 40 MiB for the debug build and 11 MiB for the static one). At 32 MiB, the debug build's
/// anonymous memory reached 229 MiB of the 230 the split planned for on 256 MiB.
pub const BASE_BYTES: u64 = 40 * 1024 * 1024;

/// The share of the memory limit left unspent by default, as margin.
pub const MARGIN_SHARE: f64 = 0.10;

/// The smallest default budget, however little the limit leaves for it.
pub const MIN_BYTES: u64 = 16 * 1024 * 1024;

/// The budget when no memory limit can be read (not Linux, no `/proc`).
pub const FALLBACK_BYTES: u64 = 150 * 1024 * 1024;

/// How long an admission may wait for memory before the request is refused as busy.
pub const ADMISSION_WAIT: Duration = Duration::from_secs(3);

/// Most admissions waiting at once; more are refused as busy straight away.
pub const MAX_WAITING: usize = 256;

/// What `retry-after` says to a request refused as busy, in seconds.
pub const RETRY_AFTER_SECS: u32 = 2;

/// Admissions are counted in KiB, so that a `u32` of permits covers 4 TiB.
const UNIT: u64 = 1024;

/// Why memory was not admitted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The budget stayed spent for the whole wait, or too many requests wait already.
    #[error("the memory budget stayed spent")]
    Busy,
    /// More than the budget could ever hold.
    #[error(
        "needs about {} MiB, more than the {} MiB one admission may take",
        .needed.div_ceil(1024 * 1024),
        .most / (1024 * 1024)
    )]
    TooLarge {
        /// Bytes asked for.
        needed: u64,
        /// The most one admission of that kind may take.
        most: u64,
    },
}

/// A byte budget shared by every request; cheap to clone.
#[derive(Clone)]
pub struct MemoryBudget {
    total: Arc<Semaphore>,
    bodies: Arc<Semaphore>,
    total_units: u32,
    waiting: Arc<AtomicUsize>,
    wait: Duration,
}

impl std::fmt::Debug for MemoryBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryBudget")
            .field("bytes", &self.bytes())
            .field("available", &self.available())
            .finish()
    }
}

/// Memory admitted against the budget, given back when dropped.
#[derive(Debug, Default)]
pub struct Admitted {
    permits: Vec<OwnedSemaphorePermit>,
    bytes: u64,
}

impl Admitted {
    /// How many bytes this admission holds.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Adds `other` to this admission; both are given back together.
    pub fn absorb(&mut self, mut other: Admitted) {
        self.bytes += other.bytes;
        self.permits.append(&mut other.permits);
    }
}

impl MemoryBudget {
    /// A budget of `bytes`, admissions waiting at most `wait` for room.
    pub fn new(bytes: u64, wait: Duration) -> Self {
        let total_units = u32::try_from(bytes / UNIT).unwrap_or(u32::MAX).max(2);
        Self {
            total: Arc::new(Semaphore::new(total_units as usize)),
            bodies: Arc::new(Semaphore::new((total_units / 2) as usize)),
            total_units,
            waiting: Arc::new(AtomicUsize::new(0)),
            wait,
        }
    }

    /// The budget in bytes.
    pub fn bytes(&self) -> u64 {
        u64::from(self.total_units) * UNIT
    }

    /// Bytes not admitted right now.
    pub fn available(&self) -> u64 {
        self.total.available_permits() as u64 * UNIT
    }

    /// The most one decode may be admitted: what is left when fetched bodies hold their
    /// whole share.
    pub fn most_for_decode(&self) -> u64 {
        self.bytes() - self.most_for_bodies()
    }

    /// The most fetched bodies may hold together.
    pub fn most_for_bodies(&self) -> u64 {
        u64::from(self.total_units / 2) * UNIT
    }

    /// Moves `bytes` of `admitted` into an admission of their own, so that the rest can be
    /// given back while they stay; `None` when no part of it holds that many.
    pub fn split_off(&self, admitted: &mut Admitted, bytes: u64) -> Option<Admitted> {
        let units = units(bytes);
        let permit = admitted
            .permits
            .iter_mut()
            .filter(|p| Arc::ptr_eq(p.semaphore(), &self.total))
            .find(|p| p.num_permits() >= units as usize)?
            .split(units as usize)?;
        let bytes = u64::from(units) * UNIT;
        admitted.bytes -= bytes;
        Some(Admitted {
            permits: vec![permit],
            bytes,
        })
    }

    /// Admits `bytes` of working memory (decoded pixels, copies, encode buffers).
    pub async fn admit(&self, bytes: u64) -> Result<Admitted, Refusal> {
        let most = self.most_for_decode();
        if bytes > most {
            return Err(Refusal::TooLarge {
                needed: bytes,
                most,
            });
        }
        let units = units(bytes);
        let permit = self.acquire(&self.total, units).await?;
        Ok(Admitted {
            permits: vec![permit],
            bytes: u64::from(units) * UNIT,
        })
    }

    /// Admits `bytes` of fetched body, from the bodies' half of the budget.
    pub async fn admit_body(&self, bytes: u64) -> Result<Admitted, Refusal> {
        let most = self.most_for_bodies();
        if bytes > most {
            return Err(Refusal::TooLarge {
                needed: bytes,
                most,
            });
        }
        let units = units(bytes);
        let share = self.acquire(&self.bodies, units).await?;
        let whole = self.acquire(&self.total, units).await?;
        Ok(Admitted {
            permits: vec![share, whole],
            bytes: u64::from(units) * UNIT,
        })
    }

    async fn acquire(
        &self,
        pool: &Arc<Semaphore>,
        units: u32,
    ) -> Result<OwnedSemaphorePermit, Refusal> {
        if let Ok(permit) = pool.clone().try_acquire_many_owned(units) {
            return Ok(permit);
        }
        let Some(_place) = WaitingPlace::take(&self.waiting) else {
            return Err(Refusal::Busy);
        };
        let waited = tokio::time::timeout(self.wait, pool.clone().acquire_many_owned(units)).await;
        match waited {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(Refusal::Busy),
        }
    }
}

/// One of the [`MAX_WAITING`] places in the queue for memory, given back when dropped: when
/// the admission is granted, refused, or abandoned because its request was (a client that
/// leaves drops its request's future mid-wait).
struct WaitingPlace<'a>(&'a AtomicUsize);

impl<'a> WaitingPlace<'a> {
    /// A place in the queue counted by `waiting`, or `None` when every place is taken.
    fn take(waiting: &'a AtomicUsize) -> Option<Self> {
        let place = Self(waiting);
        (waiting.fetch_add(1, Ordering::AcqRel) < MAX_WAITING).then_some(place)
    }
}

impl Drop for WaitingPlace<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Most malloc arenas of the glibc build (glibc's default is 8 a core).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const GLIBC_ARENAS: libc::c_int = 2;

/// Allocations from this size on are mapped on their own and unmapped when freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const GLIBC_MMAP_THRESHOLD: libc::c_int = 1024 * 1024;

/// Makes the glibc build give back what it frees, so that what the budget admits is what
/// the process holds: few arenas (each thread's own arena kept its freed pages) and large
/// blocks (bodies, pages, pixels) in their own mappings. Measured in the 256 MiB cgroup
/// suite: 20 searches at once over 5 MiB pages were OOM-killed at glibc's defaults (anon
/// 255 MiB), and peaked at 158 MiB with these. A `MALLOC_ARENA_MAX` or
/// `MALLOC_MMAP_THRESHOLD_` the operator set is left as it is. The static musl build has
/// its own allocator and nothing to set.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let set = |name: &str| std::env::var_os(name).is_some();
        // SAFETY: mallopt only changes glibc's malloc parameters, and is called once at
        // start-up; it has no memory-safety preconditions.
        unsafe {
            if !set("MALLOC_ARENA_MAX") {
                libc::mallopt(libc::M_ARENA_MAX, GLIBC_ARENAS);
            }
            if !set("MALLOC_MMAP_THRESHOLD_") {
                libc::mallopt(libc::M_MMAP_THRESHOLD, GLIBC_MMAP_THRESHOLD);
            }
        }
    }
}

/// `bytes` in whole KiB, rounded up, at least one.
fn units(bytes: u64) -> u32 {
    u32::try_from(bytes.div_ceil(UNIT))
        .unwrap_or(u32::MAX)
        .max(1)
}

/// The memory cache's default most: 64 MiB, or an eighth of the memory limit when that is
/// less (32 MiB on a 256 MB Machine), so a small Machine's budget is not squeezed by it.
pub fn default_memory_cache(limit: Option<u64>) -> u64 {
    let most = 64 * 1024 * 1024;
    limit.map_or(most, |limit| (limit / 8).min(most))
}

/// How the memory limit is spent: the budget, the memory caches, the base, and what is left
/// as margin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    /// The memory limit, when one could be read.
    pub limit: Option<u64>,
    /// The memory budget.
    pub budget: u64,
    /// The memory cache of images and lookups.
    pub memory_cache: u64,
    /// The memory cache of lookup answers.
    pub answers: u64,
}

impl Split {
    /// The split of `limit`: the memory cache is `memory_cache` when the operator set it, else
    /// [`default_memory_cache`]; the budget is `budget` when the operator set it, else what
    /// is left once the caches, [`BASE_BYTES`] and [`MARGIN_SHARE`] of the limit are set
    /// aside (at least [`MIN_BYTES`]); [`FALLBACK_BYTES`] without a limit.
    pub fn of(
        limit: Option<u64>,
        memory_cache: Option<u64>,
        answers: u64,
        budget: Option<u64>,
    ) -> Self {
        let memory_cache = memory_cache.unwrap_or_else(|| default_memory_cache(limit));
        let budget = budget.unwrap_or_else(|| {
            limit.map_or(FALLBACK_BYTES, |limit| {
                let margin = (limit as f64 * MARGIN_SHARE) as u64;
                limit
                    .saturating_sub(margin)
                    .saturating_sub(BASE_BYTES)
                    .saturating_sub(memory_cache + answers)
                    .max(MIN_BYTES)
            })
        });
        Self {
            limit,
            budget,
            memory_cache,
            answers,
        }
    }

    /// What the limit leaves beyond budget, caches and base (negative when they overrun it).
    pub fn margin(&self) -> Option<i64> {
        let spent = self.budget + self.memory_cache + self.answers + BASE_BYTES;
        self.limit.map(|limit| limit as i64 - spent as i64)
    }
}

impl std::fmt::Display for Split {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mib = |bytes: u64| bytes / (1024 * 1024);
        let parts = format!(
            "budget {} + memory caches {} (images and lookups {}, answers {}) + base {}",
            mib(self.budget),
            mib(self.memory_cache + self.answers),
            mib(self.memory_cache),
            mib(self.answers),
            mib(BASE_BYTES)
        );
        match (self.limit, self.margin()) {
            (Some(limit), Some(margin)) => write!(
                f,
                "memory limit {} MiB = {parts} + margin {} MiB",
                mib(limit),
                margin / (1024 * 1024)
            ),
            _ => write!(f, "no memory limit read: {parts} MiB"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_budget_leaves_the_caches_the_base_and_a_tenth_of_the_limit() {
        let mib = 1024 * 1024;
        let split = Split::of(Some(256 * mib), None, 16 * mib, None);
        assert_eq!((split.memory_cache / mib, split.budget / mib), (32, 142));
        let margin = split.margin().unwrap() as u64;
        assert!(margin >= 256 * mib / 10, "{split}");
        assert_eq!(
            split.to_string(),
            "memory limit 256 MiB = budget 142 + memory caches 48 (images and lookups 32, \
             answers 16) + base 40 + margin 25 MiB"
        );
        // A large Machine: the memory cache stops at 64 MiB.
        assert_eq!(
            Split::of(Some(2048 * mib), None, 0, None).memory_cache,
            64 * mib
        );
        // Set by the operator: kept, even past the limit, and the margin says so.
        let set = Split::of(Some(256 * mib), Some(64 * mib), 16 * mib, Some(200 * mib));
        assert_eq!((set.memory_cache, set.budget), (64 * mib, 200 * mib));
        assert!(set.margin().unwrap() < 0);
        // A small Machine still gets a budget; no limit read, the fallback.
        let small = Split::of(Some(64 * mib), Some(64 * mib), 16 * mib, None);
        assert_eq!(small.budget, MIN_BYTES);
        assert_eq!(Split::of(None, None, 0, None).budget, FALLBACK_BYTES);
    }

    const MIB: u64 = 1024 * 1024;

    #[tokio::test]
    async fn memory_is_given_back_when_the_admission_is_dropped() {
        let budget = MemoryBudget::new(10 * MIB, Duration::from_millis(20));
        let first = budget.admit(4 * MIB).await.unwrap();
        let _second = budget.admit(4 * MIB).await.unwrap();
        assert_eq!(budget.admit(4 * MIB).await.unwrap_err(), Refusal::Busy);
        drop(first);
        assert_eq!(budget.admit(4 * MIB).await.unwrap().bytes(), 4 * MIB);
    }

    #[tokio::test]
    async fn a_part_split_off_stays_when_the_rest_is_given_back() {
        let budget = MemoryBudget::new(10 * MIB, Duration::from_millis(20));
        let mut work = budget.admit(4 * MIB).await.unwrap();
        work.absorb(budget.admit_body(MIB).await.unwrap());
        let kept = budget.split_off(&mut work, 3 * MIB).unwrap();
        assert_eq!((kept.bytes(), work.bytes()), (3 * MIB, 2 * MIB));
        assert!(
            budget.split_off(&mut work, 2 * MIB).is_none(),
            "no part is 2 MiB"
        );
        drop(work);
        assert_eq!(budget.available(), 7 * MIB);
        drop(kept);
        assert_eq!(budget.available(), 10 * MIB);
    }

    #[tokio::test]
    async fn more_than_the_budget_is_refused_without_waiting() {
        let budget = MemoryBudget::new(10 * MIB, Duration::from_secs(3600));
        let refused = budget.admit(6 * MIB).await.unwrap_err();
        assert_eq!(
            refused,
            Refusal::TooLarge {
                needed: 6 * MIB,
                most: 5 * MIB
            }
        );
        assert!(refused.to_string().contains("6 MiB"), "{refused}");
    }

    #[tokio::test]
    async fn bodies_never_take_the_room_decodes_need() {
        let budget = MemoryBudget::new(10 * MIB, Duration::from_millis(20));
        let _bodies = budget.admit_body(5 * MIB).await.unwrap();
        assert_eq!(budget.admit_body(MIB).await.unwrap_err(), Refusal::Busy);
        assert!(budget.admit(5 * MIB).await.is_ok());
    }

    #[tokio::test]
    async fn a_waiting_admission_gets_memory_as_soon_as_it_is_freed() {
        let budget = MemoryBudget::new(10 * MIB, Duration::from_secs(3600));
        let held = budget.admit(5 * MIB).await.unwrap();
        let _other = budget.admit(5 * MIB).await.unwrap();
        let waiter = tokio::spawn({
            let budget = budget.clone();
            async move { budget.admit(5 * MIB).await.map(|a| a.bytes()) }
        });
        tokio::task::yield_now().await;
        drop(held);
        assert_eq!(waiter.await.unwrap(), Ok(5 * MIB));
    }

    #[tokio::test]
    async fn admissions_abandoned_while_waiting_leave_the_queue() {
        let budget = MemoryBudget::new(10 * MIB, Duration::from_secs(3600));
        let held = budget.admit(5 * MIB).await.unwrap();
        let _other = budget.admit(5 * MIB).await.unwrap();
        // Each is polled once (it queues), then dropped mid-wait, as when a client leaves.
        for _ in 0..2 * MAX_WAITING {
            let abandoned = tokio::time::timeout(Duration::ZERO, budget.admit(MIB)).await;
            assert!(abandoned.is_err(), "there was no room to admit it");
        }
        let waiter = tokio::spawn({
            let budget = budget.clone();
            async move { budget.admit(5 * MIB).await.map(|a| a.bytes()) }
        });
        tokio::task::yield_now().await;
        drop(held);
        assert_eq!(
            waiter.await.unwrap(),
            Ok(5 * MIB),
            "a request that waits still gets memory once it is freed"
        );
    }
}
