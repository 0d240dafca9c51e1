//! The answer cache of lookups: found profiles and "not found", in memory as parsed
//! profiles (the one memory tier) and found profiles on disk too, so a server woken from
//! scale-to-zero answers without the platform. Identical misses in flight share one fetch;
//! a found profile past its TTL is served STALE while one refresh runs.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use moka::Expiry;
use moka::future::Cache;

use super::{LookupError, Profile, ProfileQuery};
use crate::cache::{CacheStatus, Entry, OnFirstUse, TieredCache};
use crate::single_flight::Refreshes;

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

    /// About how many bytes this answer holds in memory under `key`: its strings (twice for
    /// a profile, whose JSON is kept once made) and a fixed overhead per value.
    fn weight(&self, key: &AnswerKey) -> u64 {
        let answer = match &self.answer {
            Ok(profile) => {
                let images: usize = profile.images.iter().map(|i| i.url.len() + 64).sum();
                let strings = profile.id.len()
                    + profile.profile_url.len()
                    + profile.name.as_ref().map_or(0, String::len)
                    + profile.strategy.len()
                    + images;
                2 * strings + JSON_OVERHEAD
            }
            Err(e) => e.to_string().len(),
        };
        (key.0.len() + answer + ANSWER_OVERHEAD) as u64
    }
}

/// Bytes an answer costs in memory besides its strings: the entry, the `Arc`, the vectors.
const ANSWER_OVERHEAD: usize = 256;

/// Bytes of a profile's JSON besides its strings: keys, quotes, numbers.
const JSON_OVERHEAD: usize = 160;

/// The key of one lookup: the provider and the handle, lower-cased where the platform
/// ignores case (every platform we support; page URLs are not).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AnswerKey(String);

impl AnswerKey {
    /// The key `query` is cached under.
    pub fn of(query: &ProfileQuery) -> Self {
        let (id, handle) = (query.provider.id, query.handle.as_str());
        // One allocation on a cache hit: the handles of most platforms are ASCII, lower-cased
        // in place; any other is lower-cased as `str::to_lowercase` does (final sigma too).
        let mut key = String::with_capacity(id.len() + 1 + handle.len());
        key.push_str(id);
        key.push(':');
        let start = key.len();
        key.push_str(handle);
        if !query.provider.is_generic() {
            if handle.is_ascii() {
                key[start..].make_ascii_lowercase();
            } else {
                key.truncate(start);
                key.push_str(&handle.to_lowercase());
            }
        }
        Self(key)
    }

    /// The key of the found profile in the disk store.
    fn stored(&self) -> String {
        format!("lookup:{}", self.0)
    }
}

/// Found profiles and misses in memory, found profiles on disk and in Redis.
pub struct Answers {
    memory: OnFirstUse<Cache<AnswerKey, Cached>>,
    /// The store's disk and Redis tiers.
    persistent: TieredCache,
    refreshes: Refreshes<AnswerKey>,
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
    /// At most `max_entries` answers and about `max_bytes` in memory; found profiles also in
    /// `store`'s persistent tiers (never its memory tier: the parsed profile here is the one
    /// copy in memory).
    pub fn new(
        store: &TieredCache,
        max_entries: u64,
        max_bytes: u64,
        lifetimes: Lifetimes,
    ) -> Self {
        // moka bounds one measure: bytes. Counting every answer as at least its share of the
        // bytes bounds the number of answers too.
        let share = (max_bytes / max_entries.max(1)).max(1);
        let memory = OnFirstUse::new(Box::new(move || {
            Cache::builder()
                .max_capacity(max_bytes)
                .weigher(move |key: &AnswerKey, cached: &Cached| {
                    u32::try_from(cached.weight(key).max(share)).unwrap_or(u32::MAX)
                })
                .expire_after(AnswerExpiry {
                    stale: lifetimes.stale,
                })
                .build()
        }));
        Self {
            memory,
            persistent: store.persistent(),
            refreshes: Refreshes::default(),
            lifetimes,
        }
    }

    /// The answer for `key`: from memory, from disk, by joining an identical lookup in
    /// flight, or by running the one `ask` makes. Its errors that say nothing about the
    /// profile (timeouts, blocks) are answered but not kept. A stale answer comes back as
    /// [`CacheStatus::Stale`]: the caller refreshes it with [`Self::refresh`].
    ///
    /// A platform's lookup is a future of about 20 KB, and actix boxes (copies) each
    /// handler's future per request: so the lookup is made only on a miss, and the miss
    /// path is boxed, leaving a hit's future small.
    pub async fn get_or_ask<F>(&self, key: &AnswerKey, ask: impl FnOnce() -> F) -> Served
    where
        F: Future<Output = Result<Profile, LookupError>>,
    {
        if let Some(cached) = self.memory.get(key).await {
            crate::metrics::cache_read(Some("memory"));
            return serve(cached, CacheStatus::Hit);
        }
        Box::pin(self.fill(key, ask)).await
    }

    /// [`Self::get_or_ask`] past the memory: from disk, by joining a lookup in flight, or
    /// by running `ask`'s.
    async fn fill<F>(&self, key: &AnswerKey, ask: impl FnOnce() -> F) -> Served
    where
        F: Future<Output = Result<Profile, LookupError>>,
    {
        let loaded_from = Mutex::new(CacheStatus::Miss);
        let entry = self
            .memory
            .entry_by_ref(key)
            .or_try_insert_with(async {
                if let Some(cached) = self.load(key).await {
                    *loaded_from.lock().unwrap_or_else(|e| e.into_inner()) = CacheStatus::Hit;
                    return Ok(cached);
                }
                self.keep(key, ask().await).await
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
        let (this, owned) = (Arc::clone(self), key.clone());
        self.refreshes.spawn(key.clone(), async move {
            if let Ok(cached) = this.keep(&owned, ask.await).await {
                this.memory.insert(owned, cached).await;
            }
        });
    }

    /// A found profile stored on disk or in Redis by this or an earlier process.
    async fn load(&self, key: &AnswerKey) -> Option<Cached> {
        let held = self.persistent.get(&key.stored()).await?;
        let entry = &held.entry;
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
                self.persistent.put(&key.stored(), entry).await;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::CacheSettings;
    use crate::providers::generic_page;

    fn answers(max_entries: u64, max_bytes: u64) -> Answers {
        let store = TieredCache::new(CacheSettings {
            memory_bytes: 1024 * 1024,
            dir: None,
            max_disk_bytes: 0,
            redis: None,
        });
        let hour = Duration::from_secs(3600);
        Answers::new(
            &store,
            max_entries,
            max_bytes,
            Lifetimes {
                ttl: hour,
                miss_ttl: hour,
                stale: hour,
            },
        )
    }

    #[test]
    fn a_key_is_the_provider_and_the_handle_lower_cased_where_case_is_ignored() {
        let handles = [
            "torvalds",
            "TorValds",
            "Jack_Dorsey-1.x",
            "Gargron@Mastodon.Social",
            "ΟΔΥΣΣΕΥΣ",
            "İstanbul",
            "Straße",
            "MiXeD émoji 😀",
            "",
            "https://Example.com/Team/Ana",
        ];
        for &provider in crate::providers::ALL {
            for handle in handles {
                let query = ProfileQuery {
                    provider,
                    handle: handle.to_owned(),
                };
                // As the key was made before it was built in one buffer.
                let lowered = if provider.is_generic() {
                    handle.to_owned()
                } else {
                    handle.to_lowercase()
                };
                let expected = format!("{}:{lowered}", provider.id);
                assert_eq!(AnswerKey::of(&query).0, expected);
            }
        }
    }

    fn page(n: usize, url_len: usize) -> (AnswerKey, Profile) {
        let url = format!("https://example.com/{n}/{}", "a".repeat(url_len));
        let query = ProfileQuery {
            provider: generic_page(),
            handle: url.clone(),
        };
        let profile = Profile {
            provider: generic_page(),
            id: url.clone(),
            profile_url: url,
            name: None,
            images: Vec::new(),
            strategy: "page".into(),
            proxied: false,
            json: crate::lookup::JsonOnce::default(),
        };
        (AnswerKey::of(&query), profile)
    }

    #[tokio::test]
    async fn large_answers_are_bounded_by_bytes_and_small_ones_by_count() {
        let cache = answers(10_000, 1024 * 1024);
        for n in 0..300 {
            let (key, profile) = page(n, 8000);
            cache.get_or_ask(&key, || async { Ok(profile) }).await;
        }
        cache.memory.run_pending_tasks().await;
        assert!(
            cache.memory.weighted_size() <= 1024 * 1024,
            "{} bytes held",
            cache.memory.weighted_size()
        );
        assert!(
            cache.memory.entry_count() < 300 / 2,
            "large answers were evicted"
        );

        let cache = answers(100, 1024 * 1024);
        for n in 0..300 {
            let (key, profile) = page(n, 10);
            cache.get_or_ask(&key, || async { Ok(profile) }).await;
        }
        cache.memory.run_pending_tasks().await;
        assert!(
            cache.memory.entry_count() <= 100,
            "{}",
            cache.memory.entry_count()
        );
    }
}
