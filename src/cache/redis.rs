//! The shared tier: a Redis (Upstash on Fly, or any Redis or Valkey) behind memory and
//! disk, so several Machines ask a platform once between them instead of once each.
//!
//! A value is the disk tier's file, byte for byte (see `format`), under the configured
//! prefix and the cache key, and expires with the entry's freshness (`SET … PX`): once an
//! entry is stale, the first Machine that needs it fetches it again and shares the result.
//!
//! Redis is an optimisation, never a dependency. Nothing touches the network until the
//! first `get` or `put`; a read waits at most the read timeout; a write runs in the
//! background, bounded by [`WRITE_TIMEOUT`], and is dropped with the runtime at stop.
//! A fault (down, slow, refusing writes, garbage under our key) reads as a miss. Each kind
//! of outage is logged once when it starts and once when it ends, and while one lasts the
//! tier is skipped except for one probe per [`RETRY_AFTER`], so an outage costs requests
//! nothing but that probe.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, ErrorKind, RedisError};

use super::{Entry, format};

/// Longest a background write may take before it is given up.
const WRITE_TIMEOUT: Duration = Duration::from_secs(1);
/// Longest one connection attempt may take (it runs while requests wait for at most their
/// read timeout, so a slow connect only delays the tier, never a request).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// During an outage, how long after a failed call the next one is tried.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// A `redis://` URL, checked at start-up without connecting.
#[derive(Clone)]
pub struct RedisUrl {
    client: Client,
    /// The URL with any password hidden, for logs.
    shown: String,
}

impl RedisUrl {
    /// Parses `value` as `redis://[user:password@]host[:port][/db]`. `rediss://` is refused:
    /// this build has no TLS for Redis (Fly's Redis is reached over the private network).
    pub fn parse(value: &str) -> Result<Self, String> {
        const EXPECTED: &str = "expected redis://[user:password@]host[:port][/db]";
        let url = url::Url::parse(value.trim()).map_err(|e| format!("{e} ({EXPECTED})"))?;
        match url.scheme() {
            "redis" => {}
            "rediss" => {
                return Err(
                    "rediss:// (Redis over TLS) is not supported by this build; use \
                            redis:// over a private network, e.g. the URL `fly redis create` \
                            prints"
                        .to_owned(),
                );
            }
            other => return Err(format!("{other}:// is not a Redis URL ({EXPECTED})")),
        }
        let client = Client::open(url.as_str()).map_err(|e| format!("{e} ({EXPECTED})"))?;
        let mut shown = url;
        if shown.password().is_some() {
            let _ = shown.set_password(Some("***"));
        }
        Ok(Self {
            client,
            shown: shown.to_string(),
        })
    }
}

impl fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

/// What the Redis tier needs from the settings.
#[derive(Debug, Clone)]
pub struct RedisSettings {
    /// Where the server is.
    pub url: RedisUrl,
    /// Put before every key, so several apps can share one database.
    pub prefix: String,
    /// Entries larger than this (stored form, header included) stay local.
    pub max_value_bytes: u64,
    /// Longest a read may take, waiting for the connection included, before it is a miss.
    pub read_timeout: Duration,
}

/// The tier; clones share the connection and the outage state.
#[derive(Clone)]
pub(super) struct RedisTier(Arc<Shared>);

struct Shared {
    settings: RedisSettings,
    /// Made by the first call, inside the runtime serving it: the connection manager
    /// connects on first use and reconnects after a failure by itself.
    manager: OnceLock<Option<ConnectionManager>>,
    /// Whether Redis answers at all.
    reachable: Health,
    /// Whether it accepts writes (a full Redis without eviction refuses them).
    writable: Health,
}

/// How a call ended, for the outage bookkeeping.
enum Fault {
    /// No answer in time, or no connection: Redis is unreachable.
    Unreachable(String),
    /// Redis answered with an error: it is up, but refused this command.
    Refused(RedisError),
}

impl RedisTier {
    pub(super) fn new(settings: RedisSettings) -> Self {
        Self(Arc::new(Shared {
            settings,
            manager: OnceLock::new(),
            reachable: Health::new("Redis cache unreachable"),
            writable: Health::new("Redis cache refuses writes"),
        }))
    }

    pub(super) fn url(&self) -> &RedisUrl {
        &self.0.settings.url
    }

    /// The entry stored for `key`; a fault, a timeout or a value that is not an entry is a
    /// miss (the next `put` overwrites such a value).
    pub(super) async fn read(&self, key: &str) -> Option<Entry> {
        let shared = &*self.0;
        if !shared.reachable.allows() {
            return None;
        }
        let mut get = redis::cmd("GET");
        get.arg(shared.key(key));
        let value = shared
            .call::<Option<Vec<u8>>>(&get, shared.settings.read_timeout)
            .await;
        let value = match value {
            Ok(value) => value?,
            Err(Fault::Unreachable(why)) => {
                shared.reachable.failed(&shared.settings.url, &why);
                return None;
            }
            Err(Fault::Refused(error)) => {
                // E.g. WRONGTYPE: something else is under our key. A miss, overwritten later.
                tracing::debug!(key, %error, "Redis refused a cache read");
                return None;
            }
        };
        format::decode(value, key)
            .inspect_err(|why| tracing::debug!(key, %why, "not a cache entry in Redis; a miss"))
            .ok()
    }

    /// Stores `entry` for `key` in the background, expiring when it goes stale. An entry too
    /// large for Redis replaces the older version with nothing, as on disk.
    pub(super) fn write(&self, key: &str, entry: &Entry) {
        let shared = &*self.0;
        if !shared.reachable.allows() || !shared.writable.allows() {
            return;
        }
        let ttl = entry
            .fresh_until
            .duration_since(SystemTime::now())
            .map(|ttl| u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or_default();
        let header = format::header(entry, key).filter(|header| {
            (header.len() + entry.bytes.len()) as u64 <= shared.settings.max_value_bytes
        });
        let command = match header {
            Some(header) if ttl > 0 => {
                let mut value = header;
                value.extend_from_slice(&entry.bytes);
                let mut set = redis::cmd("SET");
                set.arg(shared.key(key)).arg(value).arg("PX").arg(ttl);
                set
            }
            _ => {
                let mut del = redis::cmd("DEL");
                del.arg(shared.key(key));
                del
            }
        };
        let this = Arc::clone(&self.0);
        // Not awaited: a request never waits on Redis to store what it already has. The task
        // dies with the runtime at stop, so a write in flight never delays the exit.
        tokio::spawn(async move {
            match this.call::<()>(&command, WRITE_TIMEOUT).await {
                Ok(()) => this.writable.succeeded(&this.settings.url),
                Err(Fault::Unreachable(why)) => this.reachable.failed(&this.settings.url, &why),
                Err(Fault::Refused(error)) => {
                    this.writable.failed(&this.settings.url, &error.to_string());
                }
            }
        });
    }
}

impl Shared {
    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.settings.prefix)
    }

    fn manager(&self) -> Option<ConnectionManager> {
        self.manager
            .get_or_init(|| {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(CONNECT_TIMEOUT))
                    // Our own backoff paces the attempts during an outage.
                    .set_number_of_retries(0);
                ConnectionManager::new_lazy_with_config(self.settings.url.client.clone(), config)
                    .inspect_err(|error| tracing::warn!(%error, "Redis cache disabled"))
                    .ok()
            })
            .clone()
    }

    /// Runs `command` within `timeout`, noting that Redis answered when it did.
    async fn call<T: redis::FromRedisValue>(
        &self,
        command: &redis::Cmd,
        timeout: Duration,
    ) -> Result<T, Fault> {
        let Some(mut manager) = self.manager() else {
            return Err(Fault::Unreachable("no connection manager".to_owned()));
        };
        let reply = tokio::time::timeout(timeout, command.query_async::<T>(&mut manager)).await;
        let fault = match reply {
            Ok(Ok(value)) => {
                self.reachable.succeeded(&self.settings.url);
                return Ok(value);
            }
            Err(_) => Fault::Unreachable(format!(
                "no answer within {}",
                humantime::format_duration(timeout)
            )),
            Ok(Err(error)) if matches!(error.kind(), ErrorKind::Server(_)) => {
                self.reachable.succeeded(&self.settings.url);
                Fault::Refused(error)
            }
            Ok(Err(error)) => Fault::Unreachable(error.to_string()),
        };
        Err(fault)
    }
}

/// One kind of outage: logged once when it starts and once when it ends; while it lasts,
/// calls are skipped except for one every [`RETRY_AFTER`].
struct Health {
    what: &'static str,
    down: AtomicBool,
    retry_at: Mutex<Option<Instant>>,
}

impl Health {
    fn new(what: &'static str) -> Self {
        Self {
            what,
            down: AtomicBool::new(false),
            retry_at: Mutex::new(None),
        }
    }

    /// Whether a call may be made now.
    fn allows(&self) -> bool {
        if !self.down.load(Ordering::Relaxed) {
            return true;
        }
        let retry_at = self.retry_at.lock().unwrap_or_else(|e| e.into_inner());
        retry_at.is_none_or(|at| Instant::now() >= at)
    }

    fn failed(&self, url: &RedisUrl, why: &str) {
        *self.retry_at.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(Instant::now() + RETRY_AFTER);
        if !self.down.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                redis = ?url,
                "{}: {why}; serving without it until it answers again",
                self.what
            );
        }
    }

    fn succeeded(&self, url: &RedisUrl) {
        if self.down.load(Ordering::Relaxed) && self.down.swap(false, Ordering::Relaxed) {
            tracing::info!(redis = ?url, "{} no more: the Redis cache is back", self.what);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_redis_urls_are_accepted() {
        let url = RedisUrl::parse("redis://default:secret@fly-app.upstash.io:6379").unwrap();
        assert_eq!(
            format!("{url:?}"),
            "redis://default:***@fly-app.upstash.io:6379",
            "the password never reaches a log"
        );
        assert!(RedisUrl::parse("redis://127.0.0.1:6379/2").is_ok());

        let tls = RedisUrl::parse("rediss://fly-app.upstash.io:6379").unwrap_err();
        assert!(tls.contains("not supported by this build"), "{tls}");
        for bad in ["http://127.0.0.1:6379", "127.0.0.1:6379", "redis://", ""] {
            assert!(RedisUrl::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn an_outage_pauses_calls_until_the_next_probe() {
        let url = RedisUrl::parse("redis://127.0.0.1:1").unwrap();
        let health = Health::new("test");
        assert!(health.allows());
        health.failed(&url, "refused");
        assert!(!health.allows(), "skipped right after a failure");
        assert!(health.down.load(Ordering::Relaxed));
        *health.retry_at.lock().unwrap() = Some(Instant::now());
        assert!(health.allows(), "probed again after the pause");
        health.succeeded(&url);
        assert!(!health.down.load(Ordering::Relaxed));
    }
}
