//! The cache of lookup results and image variants: memory in front of disk in front of an
//! optional Redis, one interface.
//!
//! Memory is a byte-bounded moka cache and is lost at every stop. Disk is a folder of
//! checksummed files that outlives the process, so a server woken from scale-to-zero
//! serves what the last one fetched without asking the upstream again (see `disk` for
//! its layout and eviction, `format` for the file format). Nothing on the disk path runs
//! before the first `get` or `put`, so start-up stays fast. Redis, when configured, is
//! shared by every server process (see `redis`): a `get` reads memory, then disk, then
//! Redis, and a hit is copied into the faster tiers; a `put` writes through to all three.
//! Redis faults read as misses, so it can only ever save a platform request.
//!
//! Entries carry their freshness but are returned even when stale: whether to serve a
//! stale entry while refreshing it is the caller's decision ([`Entry::is_fresh`]).
//!
//! A caller that keeps its own memory tier (the lookup answers, held as parsed profiles)
//! uses [`TieredCache::persistent`], disk and Redis alone, so nothing is held in memory
//! twice.
//!
//! What the cache hands out is [`Held`]: the entry, shared rather than copied, with its
//! ETag, made once when the entry was stored or read, not for every response.
//!
//! An entry is cached under a [`Key`]: a text (`str`) names it in every tier, or a caller
//! whose stored names are digests (the image variants) keys the memory tier by the text the
//! digest is made from, so a memory hit makes no digest.
//!
//! Public surface: [`TieredCache`] (`get`, `fresh_in_memory`, `put`, `persistent`), [`Key`],
//! [`Entry`], [`Held`], [`Etag`], [`CacheStatus`], [`CacheSettings`], [`RedisSettings`] and
//! [`RedisUrl`], and [`dir_from_setting`] for `GETIMAGES_CACHE_DIR`.

mod disk;
mod format;
mod redis;

use std::fmt;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use sha2::{Digest, Sha256};

use self::redis::RedisTier;
pub use self::redis::{RedisSettings, RedisUrl};
use disk::DiskTier;

/// What an entry is cached under: a key for the memory tier and a name for the disk and Redis
/// tiers (and the entry's ETag). A text is both; a key whose name costs more to make than
/// its text (a digest) makes it only when a `get` goes past memory, or a `put` stores.
pub trait Key {
    /// The memory tier's key.
    fn memory(&self) -> &str;

    /// The name the disk and Redis tiers store the entry by, and its ETag is made from.
    fn name(&self) -> &str;
}

impl Key for str {
    fn memory(&self) -> &str {
        self
    }

    fn name(&self) -> &str {
        self
    }
}

impl Key for String {
    fn memory(&self) -> &str {
        self
    }

    fn name(&self) -> &str {
        self
    }
}

/// Bytes an entry costs in memory besides its key, body and content type.
const ENTRY_OVERHEAD: u64 = 128;

/// What the cache needs from the settings.
#[derive(Debug, Clone)]
pub struct CacheSettings {
    /// Most bytes the memory tier holds.
    pub memory_bytes: u64,
    /// Folder of the disk tier; `None` keeps the cache in memory only.
    pub dir: Option<PathBuf>,
    /// Most bytes the disk tier holds before evicting the least recently used entries.
    pub max_disk_bytes: u64,
    /// The shared tier behind disk; `None` (the default) leaves it out.
    pub redis: Option<RedisSettings>,
}

/// One cached value: the bytes, what they are, and how long they are fresh.
#[derive(Clone, PartialEq, Eq)]
pub struct Entry {
    /// The body: JSON of a lookup, or an encoded image.
    pub bytes: Bytes,
    /// Its media type, e.g. `application/json` or `image/webp`.
    pub content_type: String,
    /// When it was fetched or made.
    pub stored_at: SystemTime,
    /// Until when it may be served without a refresh.
    pub fresh_until: SystemTime,
    /// A remark to serve along with it (`x-image-note`), e.g. that an animation lost its
    /// frames.
    pub note: Option<String>,
}

impl Entry {
    /// An entry stored now and fresh for `ttl`.
    pub fn new(bytes: impl Into<Bytes>, content_type: impl Into<String>, ttl: Duration) -> Self {
        let now = SystemTime::now();
        Self {
            bytes: bytes.into(),
            content_type: content_type.into(),
            stored_at: now,
            fresh_until: now.checked_add(ttl).unwrap_or(now),
            note: None,
        }
    }

    /// The same entry carrying `note`.
    pub fn with_note(self, note: Option<impl Into<String>>) -> Self {
        Self {
            note: note.map(Into::into),
            ..self
        }
    }

    /// Whether it may still be served at `now` without a refresh.
    pub fn is_fresh(&self, now: SystemTime) -> bool {
        now < self.fresh_until
    }

    /// What it costs the memory tier under `key`.
    fn weight(&self, key: &str) -> u64 {
        let note = self.note.as_ref().map_or(0, String::len);
        (key.len() + self.bytes.len() + self.content_type.len() + note) as u64 + ENTRY_OVERHEAD
    }
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry")
            .field("bytes", &format_args!("{} bytes", self.bytes.len()))
            .field("content_type", &self.content_type)
            .field("stored_at", &self.stored_at)
            .field("fresh_until", &self.fresh_until)
            .field("note", &self.note)
            .finish()
    }
}

/// An entry as the cache holds it: shared by every response sending it, with its ETag.
#[derive(Debug)]
pub struct Held {
    /// The entry.
    pub entry: Entry,
    /// A strong ETag for exactly these bytes under their key.
    pub etag: Etag,
}

impl Held {
    /// `entry` as stored under the name `name`, its ETag made now.
    fn new(name: &str, entry: Entry) -> Arc<Self> {
        Arc::new(Self {
            etag: Etag::of(name, entry.stored_at),
            entry,
        })
    }
}

/// A strong ETag, bare (no quotes): 32 hex digits naming an entry's bytes. An entry's bytes
/// never change once stored, so its key and store time name them exactly; the same entry
/// read back from disk or Redis, by this process or the next, has the same ETag.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Etag([u8; 32]);

impl Etag {
    /// The ETag of the entry stored under `key` at `stored_at`.
    pub fn of(key: &str, stored_at: SystemTime) -> Self {
        let stored = stored_at
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        // The decimal digits of `stored`, written on the stack.
        let mut digits = [0; 40];
        let mut rest = &mut digits[..];
        let _ = write!(rest, "{stored}");
        let written = 40 - rest.len();
        let digest = Sha256::new()
            .chain_update(key)
            .chain_update(b"\n")
            .chain_update(&digits[..written])
            .finalize();
        let mut tag = [0; 32];
        hex_into(&digest[..16], &mut tag);
        Self(tag)
    }

    /// The 32 hex digits.
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever written in.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Debug for Etag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `bytes` in lower-case hex, into `out` (twice as long).
pub fn hex_into(bytes: &[u8], out: &mut [u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (byte, pair) in bytes.iter().zip(out.chunks_exact_mut(2)) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0xf)];
    }
}

/// Whether an answer came from a cache: the `x-cache-status` a response carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStatus {
    /// Served from the cache (or from a lookup another request had in flight).
    Hit,
    /// Looked up for this request.
    Miss,
    /// Served past its freshness while a refresh runs in the background.
    Stale,
}

impl CacheStatus {
    /// The `x-cache-status` header value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Hit => "HIT",
            Self::Miss => "MISS",
            Self::Stale => "STALE",
        }
    }
}

/// Which tier answered a `get` (the tests check where entries land).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tier {
    /// This process's memory.
    Memory,
    /// The cache folder, written by this process or an earlier one.
    Disk,
    /// The shared Redis, written by any process.
    Redis,
}

impl Tier {
    /// The `tier` label of the cache metrics.
    fn as_str(self) -> &'static str {
        match self {
            Self::Memory => "memory",
            Self::Disk => "disk",
            Self::Redis => "redis",
        }
    }
}

/// A value made the first time it is used, so that a server which has not needed it yet
/// (for the first visitor's `/`) does not make it while starting.
pub type OnFirstUse<T> = std::sync::LazyLock<T, Box<dyn FnOnce() -> T + Send>>;

/// Memory in front of disk in front of Redis; clones share every tier.
#[derive(Clone)]
pub struct TieredCache {
    inner: Arc<Tiers>,
    /// Whether this handle reads and writes the memory tier (see [`Self::persistent`]).
    use_memory: bool,
}

struct Tiers {
    memory: OnFirstUse<moka::future::Cache<String, Arc<Held>>>,
    /// Entries weighing more than this skip memory, so one image cannot flush the rest.
    memory_entry_limit: u64,
    disk: Option<DiskTier>,
    redis: Option<RedisTier>,
}

impl TieredCache {
    /// A cache with the given budgets. Touches nothing on disk or the network: the folder is
    /// read on the first `get` and created by the first `put`, Redis connected on first use,
    /// and the memory tier made on first use.
    pub fn new(settings: CacheSettings) -> Self {
        let memory_bytes = settings.memory_bytes;
        let memory = OnFirstUse::new(Box::new(move || {
            moka::future::Cache::builder()
                .max_capacity(memory_bytes)
                .weigher(|key: &String, held: &Arc<Held>| {
                    u32::try_from(held.entry.weight(key)).unwrap_or(u32::MAX)
                })
                .build()
        }));
        let disk = settings
            .dir
            .map(|dir| DiskTier::new(dir, settings.max_disk_bytes));
        Self {
            inner: Arc::new(Tiers {
                memory,
                memory_entry_limit: settings.memory_bytes / 8,
                disk,
                redis: settings.redis.map(RedisTier::new),
            }),
            use_memory: true,
        }
    }

    /// A handle on the same persistent tiers, disk and Redis, that never touches memory,
    /// for a caller that keeps its own memory tier of the decoded values.
    pub fn persistent(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            use_memory: false,
        }
    }

    /// The entry for `key`, fresh or not. A disk hit is copied into memory, a Redis hit into
    /// disk and memory, for next time.
    pub async fn get(&self, key: &(impl Key + ?Sized)) -> Option<Arc<Held>> {
        let found = self.get_with_tier(key).await;
        crate::metrics::cache_read(found.as_ref().map(|(_, tier)| tier.as_str()));
        found.map(|(held, _)| held)
    }

    /// The entry for `key` if memory holds it and it is fresh at `now`: no disk read, and
    /// nothing counted when it is not (the `get` that follows counts once).
    pub async fn fresh_in_memory(
        &self,
        key: &(impl Key + ?Sized),
        now: SystemTime,
    ) -> Option<Arc<Held>> {
        if !self.use_memory {
            return None;
        }
        let held = self.inner.memory.get(key.memory()).await?;
        if !held.entry.is_fresh(now) {
            return None;
        }
        crate::metrics::cache_read(Some(Tier::Memory.as_str()));
        Some(held)
    }

    async fn get_with_tier(&self, key: &(impl Key + ?Sized)) -> Option<(Arc<Held>, Tier)> {
        let tiers = &*self.inner;
        if self.use_memory
            && let Some(held) = tiers.memory.get(key.memory()).await
        {
            return Some((held, Tier::Memory));
        }
        let (memory_key, name) = (key.memory(), key.name());
        let (entry, tier) = match tiers.read_disk(name).await {
            Some(entry) => (entry, Tier::Disk),
            None => {
                let entry = tiers.redis.as_ref()?.read(name).await?;
                if let Some(disk) = &tiers.disk {
                    disk.write(name, entry.clone()).await;
                }
                (entry, Tier::Redis)
            }
        };
        let held = Held::new(name, entry);
        if self.use_memory && tiers.fits_memory(memory_key, &held.entry) {
            // Only if absent: a `put` that ran while the file was read has the newer entry.
            tiers
                .memory
                .entry_by_ref(memory_key)
                .or_insert(held.clone())
                .await;
        }
        Some((held, tier))
    }

    /// Stores `entry` for `key` in memory, on disk and in Redis, replacing what was there,
    /// and hands it back as held. Returns once the disk write is done, so a process that
    /// stops right after keeps the entry; the Redis write goes on in the background.
    pub async fn put(&self, key: &(impl Key + ?Sized), entry: Entry) -> Arc<Held> {
        let tiers = &*self.inner;
        let (memory_key, name) = (key.memory(), key.name());
        let held = Held::new(name, entry);
        if self.use_memory && tiers.fits_memory(memory_key, &held.entry) {
            tiers
                .memory
                .insert(memory_key.to_owned(), held.clone())
                .await;
        } else if self.use_memory {
            tiers.memory.invalidate(memory_key).await;
        }
        if let Some(redis) = &tiers.redis {
            redis.write(name, &held.entry);
        }
        if let Some(disk) = &tiers.disk {
            disk.write(name, held.entry.clone()).await;
        }
        held
    }
}

impl Tiers {
    async fn read_disk(&self, key: &str) -> Option<Entry> {
        self.disk.as_ref()?.read(key).await
    }

    fn fits_memory(&self, key: &str, entry: &Entry) -> bool {
        entry.weight(key) <= self.memory_entry_limit
    }
}

impl fmt::Debug for TieredCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let disk = self.inner.disk.as_ref();
        f.debug_struct("TieredCache")
            .field("memory_bytes", &self.inner.memory.policy().max_capacity())
            .field("dir", &disk.map(DiskTier::dir))
            .field("max_disk_bytes", &disk.map(DiskTier::max_bytes))
            .field("redis", &self.inner.redis.as_ref().map(RedisTier::url))
            .finish()
    }
}

/// The OS cache folder's `getimages` folder (e.g. `~/.cache/getimages` on Linux), if the
/// OS has one.
///
/// Uses the `dirs` crate: where that folder is differs by OS (XDG on Linux, Known Folders
/// on Windows, `~/Library/Caches` on macOS) and `dirs` is the small, widely used crate
/// that knows, rather than a copy of its rules here.
pub fn default_dir() -> Option<PathBuf> {
    dirs::cache_dir().map(|dir| dir.join("getimages"))
}

/// The disk tier's folder from `GETIMAGES_CACHE_DIR`: unset means [`default_dir`], an
/// empty (or blank) value turns the disk tier off, anything else is the folder.
pub fn dir_from_setting(value: Option<&str>) -> Option<PathBuf> {
    match value {
        None => default_dir(),
        Some(value) if value.trim().is_empty() => None,
        Some(value) => Some(PathBuf::from(value)),
    }
}

#[cfg(test)]
mod tests {
    use std::fs::{self, File};
    use std::path::Path;
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);
    const MIB: u64 = 1024 * 1024;

    /// A fresh folder under the system temp dir, deleted when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> Self {
            let name = format!("getimages-cache-test-{:016x}", fastrand::u64(..));
            Self(std::env::temp_dir().join(name))
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn cache(memory_bytes: u64, dir: &Path, max_disk_bytes: u64) -> TieredCache {
        TieredCache::new(CacheSettings {
            memory_bytes,
            dir: Some(dir.to_owned()),
            max_disk_bytes,
            redis: None,
        })
    }

    /// A cache whose every `get` goes to disk.
    fn disk_only(dir: &Path, max_disk_bytes: u64) -> TieredCache {
        cache(0, dir, max_disk_bytes)
    }

    fn memory_only(memory_bytes: u64) -> TieredCache {
        TieredCache::new(CacheSettings {
            memory_bytes,
            dir: None,
            max_disk_bytes: 0,
            redis: None,
        })
    }

    fn file_of(cache: &TieredCache, key: &str) -> PathBuf {
        cache.inner.disk.as_ref().unwrap().path(key)
    }

    /// Entry files (not temp files) under `dir`, and their total size.
    fn entry_files(dir: &Path) -> (Vec<PathBuf>, u64) {
        let files = disk::scan(dir);
        let total = files.iter().map(|file| file.len).sum();
        (files.into_iter().map(|file| file.path).collect(), total)
    }

    fn avatar() -> Entry {
        Entry::new(&b"\x89PNG pretend avatar"[..], "image/png", HOUR)
    }

    #[tokio::test]
    async fn a_put_entry_comes_back_from_memory() {
        let cache = memory_only(MIB);
        let put = avatar();
        cache.put("github/octocat", put.clone()).await;

        let (held, tier) = cache.get_with_tier("github/octocat").await.unwrap();
        assert_eq!((held.entry.clone(), tier), (put, Tier::Memory));
        assert!(held.entry.is_fresh(SystemTime::now()));
        assert!(cache.get("github/someone-else").await.is_none());
    }

    #[tokio::test]
    async fn a_new_process_reads_the_entry_from_disk() {
        let dir = TempDir::new();
        let put = avatar();
        let before = cache(MIB, &dir.0, MIB);
        let etag = before.put("github/octocat", put.clone()).await.etag;
        drop(before);

        let after = cache(MIB, &dir.0, MIB);
        let (held, tier) = after.get_with_tier("github/octocat").await.unwrap();
        assert_eq!(tier, Tier::Disk);
        assert_eq!(
            held.entry, put,
            "bytes, type and both times survive exactly"
        );
        assert_eq!(held.etag, etag, "so does the ETag");

        let (_, tier) = after.get_with_tier("github/octocat").await.unwrap();
        assert_eq!(tier, Tier::Memory, "a disk hit is promoted");
    }

    #[test]
    fn an_etag_names_the_key_and_the_store_time() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_nanos(1_765_000_000_123_456_789);
        // The first half of the SHA-256 of "image:ab\n1765000000123456789", in hex.
        assert_eq!(
            Etag::of("image:ab", at).as_str(),
            "b85fd8c9a29a6709f811a53a72158c68"
        );
        assert_ne!(Etag::of("image:ac", at), Etag::of("image:ab", at));
        assert_ne!(
            Etag::of("image:ab", at + Duration::from_nanos(1)),
            Etag::of("image:ab", at)
        );
        let mut out = [0; 6];
        hex_into(&[0x00, 0xa5, 0xff], &mut out);
        assert_eq!(&out, b"00a5ff");
    }

    #[tokio::test]
    async fn a_corrupt_file_is_a_miss_and_is_deleted() {
        type Damage = fn(&mut Vec<u8>);
        let damages: [(&str, Damage); 5] = [
            ("a flipped body byte", |file| {
                *file.last_mut().unwrap() ^= 0xff
            }),
            ("a flipped content-type byte", |file| file[30] ^= 0x20),
            ("truncation", |file| file.truncate(file.len() - 5)),
            ("a garbage header", |file| {
                file[..8].copy_from_slice(b"<html>\n\n")
            }),
            ("an empty file", |file| file.clear()),
        ];
        for (damage, apply) in damages {
            let dir = TempDir::new();
            let writer = disk_only(&dir.0, MIB);
            writer.put("github/octocat", avatar()).await;
            let path = file_of(&writer, "github/octocat");
            let mut file = fs::read(&path).unwrap();
            apply(&mut file);
            fs::write(&path, file).unwrap();

            let reader = disk_only(&dir.0, MIB);
            assert!(
                reader.get("github/octocat").await.is_none(),
                "{damage} was served"
            );
            assert!(!path.exists(), "the file with {damage} was kept");
        }
    }

    #[tokio::test]
    async fn the_disk_stays_under_budget_and_loses_the_least_recently_used() {
        let dir = TempDir::new();
        let entry = |n: u8| Entry::new(vec![n; 1000], "image/png", HOUR);
        let cache = disk_only(&dir.0, 10_000);
        for n in 0..9 {
            cache.put(&format!("k{n}"), entry(n)).await;
        }
        let (_, full) = entry_files(&dir.0);
        assert!(full <= 10_000, "nine entries fit the budget ({full} bytes)");
        assert!(
            cache.get("k0").await.is_some(),
            "k0 is now the most recently used"
        );

        cache.put("k9", entry(9)).await;

        let (files, total) = entry_files(&dir.0);
        assert!(
            total <= 9_000,
            "evicts to under 90% of the budget, left {total} bytes"
        );
        let gone = |key: &str| !files.contains(&file_of(&cache, key));
        assert!(gone("k1") && gone("k2"), "the two least recently used go");
        for kept in ["k0", "k3", "k4", "k5", "k6", "k7", "k8", "k9"] {
            assert!(!gone(kept), "{kept} was evicted");
            assert_eq!(cache.get_with_tier(kept).await.unwrap().1, Tier::Disk);
        }
    }

    #[tokio::test]
    async fn the_budget_counts_what_an_earlier_process_left() {
        let dir = TempDir::new();
        let entry = |n: u8| Entry::new(vec![n; 1000], "image/png", HOUR);
        let first = disk_only(&dir.0, 10_000);
        for n in 0..9 {
            first.put(&format!("k{n}"), entry(n)).await;
        }
        drop(first);

        let second = disk_only(&dir.0, 10_000);
        second.put("k9", entry(9)).await;
        let (_, total) = entry_files(&dir.0);
        assert!(total <= 9_000, "left {total} bytes");
    }

    #[tokio::test]
    async fn replacing_an_entry_does_not_count_it_twice() {
        let dir = TempDir::new();
        let cache = disk_only(&dir.0, 10_000);
        for _ in 0..50 {
            cache
                .put("k", Entry::new(vec![7; 1000], "image/png", HOUR))
                .await;
        }
        let used = cache.inner.disk.as_ref().unwrap().used().await;
        let (_, total) = entry_files(&dir.0);
        assert_eq!(used.load(Ordering::Relaxed), total);
    }

    #[tokio::test]
    async fn crash_leftovers_are_cleaned_and_other_files_are_left_alone() {
        let dir = TempDir::new();
        let cache = disk_only(&dir.0, MIB);
        let folder = file_of(&cache, "k").parent().unwrap().to_owned();
        let name = file_of(&cache, "k")
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        fs::create_dir_all(&folder).unwrap();
        let stale = folder.join(format!(".{name}.1.0.tmp"));
        let in_progress = folder.join(format!(".{name}.1.1.tmp"));
        let theirs = [dir.0.join("notes.txt"), folder.join("README")];
        for file in [&stale, &in_progress].into_iter().chain(&theirs) {
            fs::write(file, b"x").unwrap();
        }
        let two_hours_ago = SystemTime::now() - 2 * HOUR;
        File::options()
            .write(true)
            .open(&stale)
            .unwrap()
            .set_modified(two_hours_ago)
            .unwrap();

        cache.put("k", avatar()).await;

        assert!(!stale.exists(), "a temp file from a crash is removed");
        assert!(
            in_progress.exists(),
            "a temp file that may be a write in progress stays"
        );
        assert!(
            theirs.iter().all(|file| file.exists()),
            "files we did not make stay"
        );
    }

    #[tokio::test]
    async fn entries_too_large_for_a_tier_skip_it() {
        let dir = TempDir::new();
        // Memory takes entries up to 1 000 bytes, disk up to 12 500.
        let cache = cache(8_000, &dir.0, 100_000);
        cache
            .put("big", Entry::new(vec![1; 5_000], "image/png", HOUR))
            .await;
        assert_eq!(cache.get_with_tier("big").await.unwrap().1, Tier::Disk);

        cache
            .put("big", Entry::new(vec![2; 50_000], "image/png", HOUR))
            .await;
        assert!(
            cache.get("big").await.is_none(),
            "the older, smaller version is not served in place of the one put"
        );
    }

    #[tokio::test]
    async fn an_empty_dir_setting_keeps_the_cache_in_memory() {
        assert_eq!(dir_from_setting(Some("")), None);
        assert_eq!(dir_from_setting(None), default_dir());
        assert_eq!(
            dir_from_setting(Some("/var/cache/gi")),
            Some(PathBuf::from("/var/cache/gi"))
        );

        let cache = memory_only(MIB);
        assert!(cache.inner.disk.is_none());
        cache.put("k", avatar()).await;
        assert_eq!(cache.get_with_tier("k").await.unwrap().1, Tier::Memory);
        cache
            .put("huge", Entry::new(vec![0; MIB as usize], "image/png", HOUR))
            .await;
        assert!(
            cache.get("huge").await.is_none(),
            "too big for memory, no disk"
        );
    }

    #[tokio::test]
    async fn the_folder_is_created_by_the_first_put_not_by_new() {
        let dir = TempDir::new();
        let folder = dir.0.join("nested").join("cache");
        let cache = cache(MIB, &folder, MIB);
        assert!(!dir.0.exists());
        assert!(cache.get("k").await.is_none());
        assert!(!dir.0.exists(), "a get does not create it either");

        cache.put("k", avatar()).await;
        assert!(file_of(&cache, "k").is_file());
    }

    #[tokio::test]
    async fn expired_entries_come_back_marked_stale() {
        let dir = TempDir::new();
        let an_hour_ago = SystemTime::now() - HOUR;
        let expired = Entry {
            stored_at: an_hour_ago - HOUR,
            fresh_until: an_hour_ago,
            ..avatar()
        };
        let cache = cache(MIB, &dir.0, MIB);
        cache.put("k", expired.clone()).await;

        let (held, _) = cache.get_with_tier("k").await.unwrap();
        assert!(!held.entry.is_fresh(SystemTime::now()));
        let (held, tier) = disk_only(&dir.0, MIB).get_with_tier("k").await.unwrap();
        assert_eq!((held.entry.clone(), tier), (expired, Tier::Disk));
    }

    #[tokio::test]
    async fn a_persistent_handle_leaves_memory_alone() {
        let dir = TempDir::new();
        let cache = cache(MIB, &dir.0, MIB);
        let persistent = cache.persistent();
        persistent.put("k", avatar()).await;
        assert_eq!(persistent.get_with_tier("k").await.unwrap().1, Tier::Disk);
        assert_eq!(
            persistent.get_with_tier("k").await.unwrap().1,
            Tier::Disk,
            "a disk hit is not promoted"
        );
        assert!(cache.inner.memory.get("k").await.is_none());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_puts_of_one_key_never_tear_the_file() {
        const SIZE: usize = 512 * 1024;
        let dir = TempDir::new();
        let writer = disk_only(&dir.0, 64 * MIB);
        let whole = |entry: &Entry| {
            let version: u8 = entry
                .content_type
                .strip_prefix("v/")
                .unwrap()
                .parse()
                .unwrap();
            entry.bytes.len() == SIZE && entry.bytes.iter().all(|&b| b == version)
        };
        let path = file_of(&writer, "k");

        let writes: Vec<_> = (0..64u8)
            .map(|version| {
                let writer = writer.clone();
                tokio::spawn(async move {
                    let entry = Entry::new(vec![version; SIZE], format!("v/{version}"), HOUR);
                    writer.put("k", entry).await;
                })
            })
            .collect();
        // Reads the raw file, since the cache would hide a torn one as a miss.
        let writing = Arc::new(AtomicBool::new(true));
        let reads = tokio::task::spawn_blocking({
            let (path, writing) = (path.clone(), writing.clone());
            move || {
                let mut seen = 0;
                while writing.load(Ordering::Relaxed) {
                    match fs::read(&path) {
                        Ok(file) => {
                            let entry = format::decode(file, "k").expect("a read saw a torn file");
                            assert!(whole(&entry), "a read saw a mixed entry");
                            seen += 1;
                        }
                        Err(error) => assert_eq!(error.kind(), std::io::ErrorKind::NotFound),
                    }
                }
                seen
            }
        });
        for write in writes {
            write.await.unwrap();
        }
        writing.store(false, Ordering::Relaxed);
        assert!(reads.await.unwrap() > 0, "the reader raced no write");

        let (held, _) = disk_only(&dir.0, 64 * MIB)
            .get_with_tier("k")
            .await
            .unwrap();
        assert!(whole(&held.entry));
        let folder = path.parent().unwrap();
        assert_eq!(
            fs::read_dir(folder).unwrap().count(),
            1,
            "no temp file is left"
        );
    }
}
