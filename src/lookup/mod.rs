//! The lookup service: query → provider → fetch → pick → upgrade, cached with single-flight.

mod error;
mod query;
mod stored;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use moka::Expiry;
use moka::future::Cache;
use serde::Serialize;
use url::Url;

use crate::cache::{Entry, TieredCache};
use crate::fetch::{Fetched, Fetcher, Request};
use crate::providers::{self, Found, Image, Provider, Target, pick};
pub use error::LookupError;
pub use query::{MAX_INPUT_LEN, ProfileQuery};

/// A profile's images, as the API returns them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Profile {
    /// Provider id whose rules found it.
    pub provider: &'static str,
    /// The handle, normalized (a URL for the generic page provider).
    pub id: String,
    /// The profile's page.
    pub profile_url: String,
    /// Display name, when known.
    pub name: Option<String>,
    /// Avatar first, then banner.
    pub images: Vec<Image>,
}

impl Profile {
    /// The avatar's URL, if the profile has one.
    pub fn avatar(&self) -> Option<&str> {
        self.images
            .iter()
            .find(|i| i.kind == providers::ImageKind::Avatar)
            .map(|i| i.url.as_str())
    }
}

/// Whether an answer came from the cache.
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
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hit => "HIT",
            Self::Miss => "MISS",
            Self::Stale => "STALE",
        }
    }
}

/// What a lookup answered, as cached: a profile, or a lasting failure (not found).
type Answer = Result<Arc<Profile>, LookupError>;

/// An answer and until when it is fresh; a found profile is kept longer than that and
/// served STALE while a refresh runs.
#[derive(Clone)]
struct Cached {
    answer: Answer,
    fresh_until: SystemTime,
}

/// Cache and deadline settings.
#[derive(Debug, Clone)]
pub struct LookupSettings {
    /// Deadline for one whole lookup.
    pub timeout: Duration,
    /// How long a found profile is fresh.
    pub ttl: Duration,
    /// How long "not found" is cached.
    pub miss_ttl: Duration,
    /// How long past `ttl` a found profile may still be served (STALE) while refreshed.
    pub stale: Duration,
    /// Most answers kept in memory.
    pub max_entries: u64,
    /// Whether image URLs on private addresses may be returned (tests and development).
    pub allow_private_networks: bool,
}

/// Looks profiles up, at most once per key at a time, remembering answers in memory and
/// found profiles on disk (so they survive a scale-to-zero stop).
pub struct Lookup {
    fetcher: Arc<Fetcher>,
    answers: Cache<String, Cached>,
    store: TieredCache,
    refreshing: Mutex<HashSet<String>>,
    settings: LookupSettings,
}

struct AnswerExpiry {
    stale: Duration,
}

impl Expiry<String, Cached> for AnswerExpiry {
    fn expire_after_create(&self, _: &String, cached: &Cached, _: Instant) -> Option<Duration> {
        let fresh_for = cached
            .fresh_until
            .duration_since(SystemTime::now())
            .unwrap_or_default();
        Some(if cached.answer.is_ok() {
            fresh_for + self.stale
        } else {
            fresh_for
        })
    }
}

impl Lookup {
    /// A lookup service over `fetcher`, keeping found profiles in `store` too. Touches
    /// nothing on disk until the first lookup.
    pub fn new(fetcher: Arc<Fetcher>, store: TieredCache, settings: LookupSettings) -> Self {
        let answers = Cache::builder()
            .max_capacity(settings.max_entries)
            .expire_after(AnswerExpiry {
                stale: settings.stale,
            })
            .build();
        Self {
            fetcher,
            answers,
            store,
            refreshing: Mutex::new(HashSet::new()),
            settings,
        }
    }

    /// Refuses a visitor-supplied URL that is not http(s) or points at a private address
    /// (allowed when private networks are).
    pub fn check_public(&self, url: &Url) -> Result<(), LookupError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(LookupError::Input(
                "Only http and https links can be used.".into(),
            ));
        }
        if self.settings.allow_private_networks {
            return Ok(());
        }
        self.fetcher
            .guard()
            .check_url(url)
            .map_err(|e| LookupError::Forbidden(format!("Refused: {e}.")))
    }

    /// Looks `query` up: from memory, from disk, by joining an identical lookup in flight,
    /// or by asking the platform within the deadline. A found profile past its TTL is
    /// answered STALE while one background refresh runs.
    pub async fn lookup(self: &Arc<Self>, query: &ProfileQuery) -> (Answer, CacheStatus) {
        let key = cache_key(query);
        if let Some(cached) = self.answers.get(&key).await {
            return self.serve(&key, query, cached, CacheStatus::Hit);
        }
        let loaded_from = std::sync::Mutex::new(CacheStatus::Miss);
        let entry = self
            .answers
            .entry(key.clone())
            .or_try_insert_with(async {
                if let Some(cached) = self.load(&key).await {
                    *loaded_from.lock().unwrap_or_else(|e| e.into_inner()) = CacheStatus::Hit;
                    return Ok(cached);
                }
                self.ask_platform(&key, query).await
            })
            .await;
        match entry {
            Ok(entry) => {
                let status = if entry.is_fresh() {
                    *loaded_from.lock().unwrap_or_else(|e| e.into_inner())
                } else {
                    CacheStatus::Hit
                };
                self.serve(&key, query, entry.into_value(), status)
            }
            Err(e) => (Err(LookupError::clone(&e)), CacheStatus::Miss),
        }
    }

    /// Answers `cached`, refreshing it in the background if it is past its TTL.
    fn serve(
        self: &Arc<Self>,
        key: &str,
        query: &ProfileQuery,
        cached: Cached,
        status: CacheStatus,
    ) -> (Answer, CacheStatus) {
        if cached.fresh_until > SystemTime::now() {
            return (cached.answer, status);
        }
        self.refresh_in_background(key, query);
        (cached.answer, CacheStatus::Stale)
    }

    /// One refresh per key at a time. Not a request, so it never keeps the server awake; if
    /// the server stops first, the stale answer simply stays.
    fn refresh_in_background(self: &Arc<Self>, key: &str, query: &ProfileQuery) {
        let mut refreshing = self.refreshing.lock().unwrap_or_else(|e| e.into_inner());
        if !refreshing.insert(key.to_owned()) {
            return;
        }
        let (this, key, query) = (Arc::clone(self), key.to_owned(), query.clone());
        tokio::spawn(async move {
            if let Ok(cached) = this.ask_platform(&key, &query).await {
                this.answers.insert(key.clone(), cached).await;
            }
            this.refreshing
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&key);
        });
    }

    /// A found profile stored on disk by this or an earlier process.
    async fn load(&self, key: &str) -> Option<Cached> {
        let (entry, _) = self.store.get(&stored_key(key)).await?;
        let stale_until = entry.fresh_until.checked_add(self.settings.stale)?;
        if stale_until <= SystemTime::now() {
            return None;
        }
        let profile = stored::decode(&entry.bytes)?;
        Some(Cached {
            answer: Ok(Arc::new(profile)),
            fresh_until: entry.fresh_until,
        })
    }

    /// One lookup against the platform. `Ok` holds what may be cached (a profile or a
    /// not-found); `Err` what must not be (timeouts, blocks, upstream errors).
    async fn ask_platform(&self, key: &str, query: &ProfileQuery) -> Result<Cached, LookupError> {
        let started = Instant::now();
        let outcome = tokio::time::timeout(self.settings.timeout, self.run(query)).await;
        let answer = outcome.unwrap_or_else(|_| {
            Err(LookupError::Timeout(format!(
                "{} did not answer within {} s.",
                query.provider.name,
                self.settings.timeout.as_secs_f32()
            )))
        });
        tracing::info!(
            provider = query.provider.id,
            handle = %query.handle,
            outcome = answer.as_ref().map_or_else(|e| e.code(), |_| "found"),
            ms = started.elapsed().as_millis() as u64,
            "lookup"
        );
        let now = SystemTime::now();
        match answer {
            Ok(profile) => {
                let entry = Entry::new(
                    stored::encode(&profile),
                    "application/json",
                    self.settings.ttl,
                );
                self.store.put(&stored_key(key), entry).await;
                Ok(Cached {
                    answer: Ok(Arc::new(profile)),
                    fresh_until: now + self.settings.ttl,
                })
            }
            Err(e) if e.is_cacheable() => Ok(Cached {
                answer: Err(e),
                fresh_until: now + self.settings.miss_ttl,
            }),
            Err(e) => Err(e),
        }
    }

    async fn run(&self, query: &ProfileQuery) -> Result<Profile, LookupError> {
        let provider = query.provider;
        let handle = query.handle.clone();
        let target = (provider.request)(&handle);
        let fetched = self.fetch(provider, &target).await?;
        // Parsing a hostile page can take long: off the async threads, so the deadline holds
        // and other requests are served meanwhile.
        let (provider, handle, found) =
            tokio::task::spawn_blocking(move || read_profile(provider, handle, &fetched))
                .await
                .map_err(|e| LookupError::Upstream(format!("reading the page failed: {e}")))??;
        self.profile(provider, handle, found)
    }

    async fn fetch(
        &self,
        provider: &'static Provider,
        target: &Target,
    ) -> Result<Fetched, LookupError> {
        let url = Url::parse(&target.url).map_err(|_| {
            LookupError::Input(format!("\"{}\" is not a valid address.", target.url))
        })?;
        self.fetcher
            .fetch(Request {
                url,
                provider: provider.id,
                agent: provider.agent,
                json_body: target.json_body.clone(),
                headers: target.headers,
            })
            .await
    }

    /// Upgrades image URLs to full size and drops any a visitor could not be sent to.
    fn profile(
        &self,
        provider: &'static Provider,
        handle: String,
        found: Found,
    ) -> Result<Profile, LookupError> {
        let mut refused = None;
        let images: Vec<Image> = found
            .images
            .into_iter()
            .map(|image| Image {
                url: (provider.upgrade)(&image.url),
                ..image
            })
            .filter(|image| match Url::parse(&image.url) {
                Ok(url) => self
                    .check_public(&url)
                    .map_err(|e| refused = Some(e))
                    .is_ok(),
                Err(_) => false,
            })
            .collect();
        if images.is_empty() {
            return Err(match refused {
                Some(e) => e,
                None => LookupError::NotFound(format!(
                    "{} {handle} has no usable image.",
                    provider.name
                )),
            });
        }
        Ok(Profile {
            provider: provider.id,
            profile_url: found
                .profile_url
                .unwrap_or_else(|| (provider.profile_url)(&handle)),
            id: handle,
            name: found.name,
            images,
        })
    }
}

/// Picks the profile's images out of what `provider` fetched for `handle`. A page that says
/// it is a known platform's profile (its canonical URL) is read by that platform's rules.
fn read_profile(
    provider: &'static Provider,
    handle: String,
    fetched: &Fetched,
) -> Result<(&'static Provider, String, Found), LookupError> {
    let Some((owner, owner_handle)) = recognized(provider, fetched)? else {
        let found = (provider.pick)(fetched, &handle)?;
        return Ok((provider, handle, found));
    };
    let found = if (owner.request)(&owner_handle).is_page {
        (owner.pick)(fetched, &owner_handle)?
    } else {
        pick::from_metadata(&pick::page(fetched)?)
            .or_not_found(&format!("{} {owner_handle}", owner.name))?
    };
    Ok((owner, owner_handle, found))
}

/// For the generic page provider: the platform and handle the page's canonical URL names.
fn recognized(
    provider: &'static Provider,
    fetched: &Fetched,
) -> Result<Option<(&'static Provider, String)>, LookupError> {
    if provider.id != providers::generic_page().id || !fetched.content_type.contains("html") {
        return Ok(None);
    }
    Ok(pick::page(fetched)?
        .canonical()
        .and_then(|canonical| providers::recognize(&canonical)))
}

/// The key of a found profile in the shared byte cache.
fn stored_key(key: &str) -> String {
    format!("lookup:{key}")
}

/// Handles are case-insensitive on every platform we support; page URLs are not.
fn cache_key(query: &ProfileQuery) -> String {
    let handle = if query.provider.id == providers::generic_page().id {
        query.handle.clone()
    } else {
        query.handle.to_lowercase()
    };
    format!("{}:{handle}", query.provider.id)
}
