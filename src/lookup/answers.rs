//! The answer cache of lookups: found profiles and "not found", in memory as parsed
//! profiles (the one memory tier) and found profiles on disk too, so a server woken from
//! scale-to-zero answers without the platform. Identical misses in flight share one fetch;
//! a found profile past its TTL is served STALE while one refresh runs.

use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use moka::Expiry;
use moka::future::Cache;

use super::{LookupError, Profile, ProfileQuery};
use crate::cache::{CacheStatus, Entry, TieredCache};

/// What a lookup answered, as cached: a profile, or a lasting failure (not found).
pub type Answer = Result<Arc<Profile>, LookupError>;

/// How long answers are kept.
#[derive(Debug, Clone)]
pub struct Lifetimes {
    /// How long a found profile is fresh.
    pub ttl: Duration,
    /// How long "not found" is cached.
    pub miss_ttl: Duration,
    /// How long past `ttl` a found profile may still be served (STALE) while refreshed.
    pub stale: Duration,
}

/// An answer and until when it is fresh; a found profile is kept longer than that and
/// served STALE while a refresh runs.
#[derive(Clone)]
pub struct Cached {
    answer: Answer,
    fresh_until: SystemTime,
}

impl Cached {
    fn is_fresh(&self) -> bool {
        self.fresh_until > SystemTime::now()
    }
}

/// The key of one lookup: the provider and the handle, lower-cased where the platform
/// ignores case (every platform we support; page URLs are not).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AnswerKey(String);

impl AnswerKey {
    /// The key `query` is cached under.
    pub fn of(query: &ProfileQuery) -> Self {
        let handle = if query.provider.is_generic() {
            query.handle.clone()
        } else {
            query.handle.to_lowercase()
        };
        Self(format!("{}:{handle}", query.provider.id))
    }

    /// The key of the found profile in the disk store.
    fn stored(&self) -> String {
        format!("lookup:{}", self.0)
    }
}

/// Found profiles and misses in memory, found profiles on disk.
pub struct Answers {
    memory: Cache<AnswerKey, Cached>,
    disk: TieredCache,
    refreshing: Mutex<HashSet<AnswerKey>>,
    lifetimes: Lifetimes,
}

struct AnswerExpiry {
    stale: Duration,
}

impl Expiry<AnswerKey, Cached> for AnswerExpiry {
    fn expire_after_create(&self, _: &AnswerKey, cached: &Cached, _: Instant) -> Option<Duration> {
        let fresh_for = cached
            .fresh_until
            .duration_since(SystemTime::now())
            .unwrap_or_default();
        Some(match &cached.answer {
            Ok(profile) => {
                let kept = fresh_for + self.stale;
                match profile.expires_at() {
                    Some(expiry) => {
                        kept.min(expiry.duration_since(SystemTime::now()).unwrap_or_default())
                    }
                    None => kept,
                }
            }
            Err(_) => fresh_for,
        })
    }
}

/// What [`Answers::get_or_ask`] answered; a STALE one is for its caller to refresh.
pub struct Served {
    /// The answer to send.
    pub answer: Answer,
    /// Where it came from.
    pub status: CacheStatus,
}

impl Answers {
    /// At most `max_entries` answers in memory; found profiles also in `store`'s disk tier
    /// (never its memory tier: the parsed profile here is the one copy in memory).
    pub fn new(store: &TieredCache, max_entries: u64, lifetimes: Lifetimes) -> Self {
        let memory = Cache::builder()
            .max_capacity(max_entries)
            .expire_after(AnswerExpiry {
                stale: lifetimes.stale,
            })
            .build();
        Self {
            memory,
            disk: store.disk_only(),
            refreshing: Mutex::new(HashSet::new()),
            lifetimes,
        }
    }

    /// The answer for `key`: from memory, from disk, by joining an identical `ask` in
    /// flight, or by running `ask`. `ask`'s errors that say nothing about the profile
    /// (timeouts, blocks) are answered but not kept. A stale answer comes back as
    /// [`CacheStatus::Stale`]: the caller refreshes it with [`Self::refresh`].
    pub async fn get_or_ask<F>(&self, key: &AnswerKey, ask: F) -> Served
    where
        F: Future<Output = Result<Profile, LookupError>>,
    {
        if let Some(cached) = self.memory.get(key).await {
            return serve(cached, CacheStatus::Hit);
        }
        let loaded_from = Mutex::new(CacheStatus::Miss);
        let entry = self
            .memory
            .entry_by_ref(key)
            .or_try_insert_with(async {
                if let Some(cached) = self.load(key).await {
                    *loaded_from.lock().unwrap_or_else(|e| e.into_inner()) = CacheStatus::Hit;
                    return Ok(cached);
                }
                self.keep(key, ask.await).await
            })
            .await;
        match entry {
            Ok(entry) => {
                // Another request's fill that this one joined counts as a hit.
                let status = if entry.is_fresh() {
                    *loaded_from.lock().unwrap_or_else(|e| e.into_inner())
                } else {
                    CacheStatus::Hit
                };
                serve(entry.into_value(), status)
            }
            Err(e) => Served {
                answer: Err(LookupError::clone(&e)),
                status: CacheStatus::Miss,
            },
        }
    }

    /// Runs `ask` in the background to replace `key`'s stale answer, unless a refresh of
    /// it is already running. Not a request, so it never keeps the server awake; if the
    /// server stops first, the stale answer simply stays.
    pub fn refresh<F>(self: &Arc<Self>, key: &AnswerKey, ask: F)
    where
        F: Future<Output = Result<Profile, LookupError>> + Send + 'static,
    {
        if !self
            .refreshing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.clone())
        {
            return;
        }
        let (this, key) = (Arc::clone(self), key.clone());
        tokio::spawn(async move {
            if let Ok(cached) = this.keep(&key, ask.await).await {
                this.memory.insert(key.clone(), cached).await;
            }
            this.refreshing
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&key);
        });
    }

    /// A found profile stored on disk by this or an earlier process.
    async fn load(&self, key: &AnswerKey) -> Option<Cached> {
        let entry = self.disk.get(&key.stored()).await?;
        let stale_until = entry.fresh_until.checked_add(self.lifetimes.stale)?;
        let profile: Profile = serde_json::from_slice(&entry.bytes).ok()?;
        let stale_until = profile
            .expires_at()
            .map_or(stale_until, |e| e.min(stale_until));
        if stale_until <= SystemTime::now() {
            return None;
        }
        Some(Cached {
            answer: Ok(Arc::new(profile)),
            fresh_until: entry.fresh_until,
        })
    }

    /// What of `answer` may be cached: a profile (written to disk too) or a not-found;
    /// other failures come back as `Err`, to be answered but not kept.
    async fn keep(
        &self,
        key: &AnswerKey,
        answer: Result<Profile, LookupError>,
    ) -> Result<Cached, LookupError> {
        let now = SystemTime::now();
        match answer {
            Ok(profile) => {
                // Serializing a profile (strings and numbers) cannot fail.
                // Never fresh past the expiry of a signed image URL it holds.
                let ttl = profile.expires_at().map_or(self.lifetimes.ttl, |expiry| {
                    let left = expiry.duration_since(now).unwrap_or_default();
                    self.lifetimes.ttl.min(left)
                });
                let json = serde_json::to_vec(&profile).unwrap_or_default();
                let entry = Entry::new(json, "application/json", ttl);
                self.disk.put(&key.stored(), entry).await;
                Ok(Cached {
                    answer: Ok(Arc::new(profile)),
                    fresh_until: now + ttl,
                })
            }
            Err(e) if e.is_cacheable() => Ok(Cached {
                answer: Err(e),
                fresh_until: now + self.lifetimes.miss_ttl,
            }),
            Err(e) => Err(e),
        }
    }
}

/// `cached` as `status`, or as STALE when it is past its freshness.
fn serve(cached: Cached, status: CacheStatus) -> Served {
    let status = if cached.is_fresh() {
        status
    } else {
        CacheStatus::Stale
    };
    Served {
        answer: cached.answer,
        status,
    }
}
