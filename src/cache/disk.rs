//! The disk tier: one file per entry under the cache folder, bounded by bytes.
//!
//! A key's file is `<dir>/<h[..2]>/<h>`, where `h` is the hex SHA-256 of the key; the
//! two-character fan-out keeps any one folder small. Writes go to a temp file in the same
//! folder and are renamed over the old one, so a reader sees either the old entry or the
//! new one, never half of either.
//!
//! Recency is the file's modification time: a write sets it, a read bumps it. It survives
//! restarts and needs no index to keep in sync. The byte total is counted by a scan on
//! the first write and kept approximately after that; when it goes over the budget, a
//! scan finds the exact total and deletes the least recently used files until the folder
//! is under 90% of the budget, so evictions come in batches rather than on every write.
//!
//! Only files whose names we could have made are ever counted or deleted, so pointing the
//! cache at a folder with other things in it does not lose them.
//!
//! A folder the server may not write (a fresh volume owned by root, a read-only mount) is
//! reported once, with the fix, and the tier is switched off for the life of the process
//! instead of failing every write.
//!
//! Every filesystem call runs on a thread of its own and counts as a miss (or a write not
//! made) past a timeout, so a hung disk slows a request by seconds at most and never keeps
//! the server from stopping; an entry path that is not a regular file (a FIFO) is a miss.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use super::{Entry, format};

/// Temp files older than this are left over from a crash, not a write in progress.
const STALE_TEMP: Duration = Duration::from_secs(3600);

pub(super) struct DiskTier {
    dir: PathBuf,
    /// The budget: as configured, clipped to what the filesystem can hold at the first
    /// scan, and lowered to what it held when a write found the disk full.
    max_bytes: AtomicU64,
    /// Bytes in entry files: counted on first write, approximate between eviction scans.
    used: OnceCell<AtomicU64>,
    /// Set while an eviction runs, so concurrent writes do not start a second one.
    evicting: Arc<AtomicBool>,
    /// Set once a write found the folder unwritable: the tier is off from then on.
    off: AtomicBool,
}

impl DiskTier {
    /// Touches nothing on disk: the folder is scanned on the first write and created by it.
    pub(super) fn new(dir: PathBuf, max_bytes: u64) -> Self {
        Self {
            dir,
            max_bytes: AtomicU64::new(max_bytes),
            used: OnceCell::new(),
            evicting: Arc::new(AtomicBool::new(false)),
            off: AtomicBool::new(false),
        }
    }

    pub(super) fn dir(&self) -> &Path {
        &self.dir
    }

    pub(super) fn max_bytes(&self) -> u64 {
        self.max_bytes.load(Ordering::Relaxed)
    }

    /// The entry stored for `key`; a missing, unreadable or corrupt file is a miss.
    pub(super) async fn read(&self, key: &str) -> Option<Entry> {
        if self.off.load(Ordering::Relaxed) {
            return None;
        }
        let (path, owned_key) = (self.path(key), key.to_owned());
        match blocking(DISK_TIMEOUT, move || read_file(&path, &owned_key)).await? {
            Read::Hit(entry) => Some(entry),
            Read::Miss => None,
            Read::Corrupt { freed } => {
                self.release(freed);
                None
            }
        }
    }

    /// Stores `entry` for `key`, replacing any older one, then evicts if over budget.
    pub(super) async fn write(&self, key: &str, entry: Entry) {
        if self.off.load(Ordering::Relaxed) {
            return;
        }
        let header = format::header(&entry, key)
            .filter(|header| (header.len() + entry.bytes.len()) as u64 <= self.max_bytes() / 8);
        let Some(header) = header else {
            // One entry may not crowd out most of the cache. The older version goes, so a
            // restart cannot serve it in place of the one just put.
            tracing::debug!(key, "cache entry too large for disk; not stored");
            self.remove(key).await;
            return;
        };
        let size = (header.len() + entry.bytes.len()) as u64;
        let used = self.used().await;
        let path = self.path(key);
        let written = blocking(DISK_TIMEOUT, move || {
            write_file(&path, &header, &entry.bytes)
        });
        let replaced = match written.await {
            Some(Ok(replaced)) => replaced,
            Some(Err(error)) if is_unwritable(&error) => {
                if !self.off.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        dir = %self.dir.display(),
                        %error,
                        "the cache folder is not writable, so the disk cache is off until \
                         restart (lookups and images stay cached in memory). Fix: give the \
                         folder to the server's user (in the image, uid 65532: chown -R \
                         65532:65532 /cache, or mount the volume with that owner), or set \
                         GETIMAGES_CACHE_DIR to an empty value for no disk cache"
                    );
                }
                return;
            }
            Some(Err(error)) if error.kind() == io::ErrorKind::StorageFull => {
                // The filesystem holds less than the budget said: what is there now is the
                // most it holds, so the budget comes down to it and eviction makes room.
                let full = used.load(Ordering::Relaxed);
                tracing::warn!(
                    dir = %self.dir.display(),
                    bytes = full,
                    "disk full: cache budget lowered to what it holds, evicting"
                );
                self.max_bytes.fetch_min(full.max(1), Ordering::Relaxed);
                self.evict().await;
                return;
            }
            Some(Err(error)) => {
                tracing::warn!(path = %self.path(key).display(), %error, "could not write cache file");
                return;
            }
            None => return,
        };
        used.fetch_add(size, Ordering::Relaxed);
        self.release(replaced);
        if used.load(Ordering::Relaxed) > self.max_bytes() {
            self.evict().await;
        }
    }

    /// Deletes the entry for `key`, if there is one.
    pub(super) async fn remove(&self, key: &str) {
        let path = self.path(key);
        if let Some(freed) = blocking(DISK_TIMEOUT, move || delete(&path))
            .await
            .flatten()
        {
            self.release(freed);
        }
    }

    /// The file that holds `key`'s entry.
    pub(super) fn path(&self, key: &str) -> PathBuf {
        let name: String = Sha256::digest(key.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        self.dir.join(&name[..2]).join(name)
    }

    /// The byte counter, scanning the folder for it on first use.
    pub(super) async fn used(&self) -> &AtomicU64 {
        self.used
            .get_or_init(|| async {
                let dir = self.dir.clone();
                let (files, room) = blocking(SCAN_TIMEOUT, move || (scan(&dir), room(&dir)))
                    .await
                    .unwrap_or_default();
                let used = files.iter().map(|f| f.len).sum::<u64>();
                if let Some(room) = room {
                    let holds = used.saturating_add(room);
                    if holds < self.max_bytes() {
                        tracing::info!(
                            dir = %self.dir.display(),
                            bytes = holds,
                            "disk cache budget clipped to what the filesystem can hold"
                        );
                        self.max_bytes.fetch_min(holds, Ordering::Relaxed);
                    }
                }
                AtomicU64::new(used)
            })
            .await
    }

    /// Takes `bytes` that left the folder off the count (if it has been counted yet).
    fn release(&self, bytes: u64) {
        if let Some(used) = self.used.get() {
            let _ = used.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                Some(used.saturating_sub(bytes))
            });
        }
    }

    async fn evict(&self) {
        if self.evicting.swap(true, Ordering::Acquire) {
            return;
        }
        let (dir, max_bytes, evicting) =
            (self.dir.clone(), self.max_bytes(), self.evicting.clone());
        // The flag is cleared by the eviction itself, not by this future, which is dropped
        // if the request that made the `put` goes away mid-eviction.
        let evicted = blocking(SCAN_TIMEOUT, move || {
            let total = evict(&dir, max_bytes);
            evicting.store(false, Ordering::Release);
            total
        });
        if let Some(total) = evicted.await
            && let Some(used) = self.used.get()
        {
            used.store(total, Ordering::Relaxed);
        }
    }
}

/// Runs filesystem work off the async threads; `None` if it could not finish within
/// `limit` (a hung disk or network filesystem: a miss, or a write not made), or panicked.
///
/// Each call gets a thread of its own rather than one of tokio's blocking pool: a call stuck
/// in the kernel cannot be cancelled, and the runtime waits for its pool's threads when it
/// shuts down, so one stuck read would keep the server from its idle stop. A detached thread
/// does not. Past [`MAX_STUCK`] calls still running, the disk is skipped altogether.
async fn blocking<T: Send + 'static>(
    limit: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    if RUNNING.fetch_add(1, Ordering::AcqRel) >= MAX_STUCK {
        RUNNING.fetch_sub(1, Ordering::AcqRel);
        return None;
    }
    let (done, result) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("disk-cache".into())
        .spawn(move || {
            let _ = done.send(work());
            RUNNING.fetch_sub(1, Ordering::AcqRel);
        });
    if let Err(error) = spawned {
        RUNNING.fetch_sub(1, Ordering::AcqRel);
        tracing::warn!(%error, "cannot start a disk cache thread");
        return None;
    }
    match tokio::time::timeout(limit, result).await {
        Ok(Ok(done)) => Some(done),
        Ok(Err(_)) => {
            tracing::warn!("disk cache task did not finish");
            None
        }
        Err(_) => {
            tracing::warn!(
                "disk cache call took over {} s; given up on",
                limit.as_secs()
            );
            None
        }
    }
}

/// Longest a read, write or delete may take before it counts as a miss (or not made).
const DISK_TIMEOUT: Duration = Duration::from_secs(2);

/// Longest a scan of the whole folder (counting, evicting) may take.
const SCAN_TIMEOUT: Duration = Duration::from_secs(60);

/// Disk cache calls still running (stuck ones included) past which the disk is skipped.
const MAX_STUCK: usize = 64;

/// Disk cache calls running now.
static RUNNING: AtomicUsize = AtomicUsize::new(0);

enum Read {
    Hit(Entry),
    Miss,
    Corrupt { freed: u64 },
}

fn read_file(path: &Path, key: &str) -> Read {
    // Opening a FIFO or a device planted at an entry path would block or read forever.
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => {}
        Ok(_) => {
            tracing::warn!(path = %path.display(), "cache entry is not a regular file; ignored");
            return Read::Miss;
        }
        Err(_) => return Read::Miss,
    }
    let file = match fs::read(path) {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Read::Miss,
        Err(error) => {
            tracing::debug!(path = %path.display(), %error, "cache file unreadable");
            return Read::Miss;
        }
    };
    let len = file.len() as u64;
    match format::decode(file, key) {
        Ok(entry) => {
            touch(path);
            Read::Hit(entry)
        }
        Err(why) => {
            tracing::warn!(key, path = %path.display(), %why, "corrupt cache file; deleting it");
            match fs::remove_file(path) {
                Ok(()) => Read::Corrupt { freed: len },
                Err(_) => Read::Miss,
            }
        }
    }
}

/// Bytes the filesystem holding `dir` (or its nearest folder that exists) can still take.
fn room(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let existing = dir.ancestors().find(|p| p.exists())?;
    let path = std::ffi::CString::new(existing.as_os_str().as_bytes()).ok()?;
    let mut stat = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `path` is NUL-terminated and outlives the call; statvfs fills `stat` when it
    // returns 0, and `stat` is read only then.
    let stat = unsafe {
        if libc::statvfs(path.as_ptr(), stat.as_mut_ptr()) != 0 {
            return None;
        }
        stat.assume_init()
    };
    stat.f_bavail.checked_mul(stat.f_frsize)
}

/// Marks `path` as just used. Best effort: a failure only makes eviction less precise.
fn touch(path: &Path) {
    if let Ok(file) = File::options().write(true).open(path) {
        let _ = file.set_modified(SystemTime::now());
    }
}

/// Whether `error` says the folder cannot be written at all, rather than this once.
fn is_unwritable(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem
    )
}

/// Writes the entry beside `path` and renames it into place; the size of the file it
/// replaced (0 if none).
fn write_file(path: &Path, header: &[u8], body: &[u8]) -> io::Result<u64> {
    fs::create_dir_all(path.parent().expect("entry paths have a folder"))?;
    let temp = temp_path(path);
    let written = write_temp(&temp, header, body).and_then(|()| {
        let replaced = fs::metadata(path).map_or(0, |m| m.len());
        fs::rename(&temp, path)?;
        Ok(replaced)
    });
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written
}

fn write_temp(temp: &Path, header: &[u8], body: &[u8]) -> io::Result<()> {
    let mut file = File::create_new(temp)?;
    file.write_all(header)?;
    file.write_all(body)?;
    // The kernel stamps writes with a coarse clock; an exact time keeps the recency order
    // of writes made within the same few milliseconds. Best effort, like `touch`.
    let _ = file.set_modified(SystemTime::now());
    Ok(())
}

/// A name no other write, in this process or another, is using.
fn temp_path(path: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let unique = NEXT.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.{}.{unique}.tmp", std::process::id()))
}

/// Deletes `path`, returning the bytes freed (`None` if there was nothing to delete).
fn delete(path: &Path) -> Option<u64> {
    let len = fs::metadata(path).ok()?.len();
    fs::remove_file(path).ok()?;
    Some(len)
}

/// An entry file found by a scan.
pub(super) struct CachedFile {
    pub(super) path: PathBuf,
    pub(super) len: u64,
    /// Last written or read.
    pub(super) used: SystemTime,
}

/// Every entry file under `dir`, deleting temp files a crash left behind on the way.
pub(super) fn scan(dir: &Path) -> Vec<CachedFile> {
    let mut files = Vec::new();
    let Ok(folders) = fs::read_dir(dir) else {
        return files;
    };
    for folder in folders.flatten() {
        if !is_hex(&folder.file_name(), 2) || !folder.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let Ok(entries) = fs::read_dir(folder.path()) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else {
                continue;
            };
            let name = entry.file_name();
            let used = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            if !meta.is_file() {
                continue;
            } else if is_hex(&name, 64) {
                files.push(CachedFile {
                    path: entry.path(),
                    len: meta.len(),
                    used,
                });
            } else if is_stale_temp(&name, used) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
    files
}

/// Deletes the least recently used files until `dir` is under 90% of `max_bytes`, if it
/// is over `max_bytes`; the bytes left.
fn evict(dir: &Path, max_bytes: u64) -> u64 {
    let mut files = scan(dir);
    let mut total: u64 = files.iter().map(|f| f.len).sum();
    if total <= max_bytes {
        return total;
    }
    let target = max_bytes / 10 * 9;
    let before = total;
    files.sort_unstable_by_key(|f| f.used);
    for file in files {
        if total <= target {
            break;
        }
        match fs::remove_file(&file.path) {
            Ok(()) => total -= file.len,
            Err(error) if error.kind() == io::ErrorKind::NotFound => total -= file.len,
            Err(error) => {
                tracing::warn!(path = %file.path.display(), %error, "could not evict cache file");
            }
        }
    }
    tracing::info!(
        dir = %dir.display(),
        bytes_before = before,
        bytes_after = total,
        "evicted least recently used disk cache entries"
    );
    total
}

fn is_hex(name: &std::ffi::OsStr, len: usize) -> bool {
    name.to_str().is_some_and(|name| {
        name.len() == len && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// `.<64 hex>.<pid>.<n>.tmp`, last written long enough ago that no write still owns it.
fn is_stale_temp(name: &std::ffi::OsStr, modified: SystemTime) -> bool {
    let ours = name.to_str().is_some_and(|name| {
        name.strip_prefix('.')
            .and_then(|rest| rest.strip_suffix(".tmp"))
            .and_then(|rest| rest.get(..64))
            .is_some_and(|hash| is_hex(hash.as_ref(), 64))
    });
    ours && modified.elapsed().is_ok_and(|age| age > STALE_TEMP)
}
