//! The lookup service: query → provider → fetch → pick → upgrade, with its answers cached
//! (see `answers`: memory and disk, single-flight, stale while refreshing).

mod answers;
mod error;
mod query;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tracing::Instrument;
use url::Url;

use crate::cache::{CacheStatus, TieredCache};
use crate::fetch::guard::Guard;
use crate::fetch::{FetchError, Fetched, Fetcher, Phase, Request};
use crate::providers::pick::{self, Response};
use crate::providers::{self, Found, Image, ImageKind, PickError, Provider, Reads};
pub use answers::{Answer, Lifetimes};
use answers::{AnswerKey, Answers, Served};
pub use error::LookupError;
pub use query::ProfileQuery;

/// A profile's images, as the API returns them and the disk cache keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// The provider whose rules found it (its id in JSON).
    #[serde(with = "providers::by_id_serde")]
    pub provider: &'static Provider,
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
            .find(|i| i.kind == ImageKind::Avatar)
            .map(|i| i.url.as_str())
    }
}

/// Cache and deadline settings.
#[derive(Debug, Clone)]
pub struct LookupSettings {
    /// Deadline for one whole lookup.
    pub timeout: Duration,
    /// How long answers are kept.
    pub lifetimes: Lifetimes,
    /// Most answers kept in memory.
    pub max_entries: u64,
}

/// Looks profiles up, at most once per key at a time, remembering answers in memory and
/// found profiles on disk (so they survive a scale-to-zero stop).
pub struct Lookup {
    platforms: Arc<Platforms>,
    answers: Arc<Answers>,
}

/// The part of a lookup that asks the platform: shared with background refreshes.
struct Platforms {
    fetcher: Arc<Fetcher>,
    guard: Guard,
    timeout: Duration,
}

impl Lookup {
    /// A lookup service over `fetcher`, keeping found profiles on `store`'s disk too, and
    /// returning only image URLs `guard` allows. Touches nothing on disk until the first
    /// lookup.
    pub fn new(
        fetcher: Arc<Fetcher>,
        guard: Guard,
        store: &TieredCache,
        settings: LookupSettings,
    ) -> Self {
        Self {
            platforms: Arc::new(Platforms {
                fetcher,
                guard,
                timeout: settings.timeout,
            }),
            answers: Arc::new(Answers::new(
                store,
                settings.max_entries,
                settings.lifetimes,
            )),
        }
    }

    /// Looks `query` up: from memory, from disk, by joining an identical lookup in flight,
    /// or by asking the platform within the deadline. A found profile past its TTL is
    /// answered STALE while one background refresh runs.
    pub async fn lookup(&self, query: &ProfileQuery) -> (Answer, CacheStatus) {
        let key = AnswerKey::of(query);
        let Served { answer, status } = self
            .answers
            .get_or_ask(&key, self.platforms.ask(query))
            .await;
        if status == CacheStatus::Stale {
            let (platforms, query) = (Arc::clone(&self.platforms), query.clone());
            let span = tracing::info_span!("refresh", provider = query.provider.id);
            self.answers.refresh(
                &key,
                async move { platforms.ask(&query).await }.instrument(span),
            );
        }
        (answer, status)
    }
}

impl Platforms {
    /// One lookup against the platform within the deadline, logged with its outcome and,
    /// on failure, its technical cause.
    async fn ask(&self, query: &ProfileQuery) -> Result<Profile, LookupError> {
        let started = Instant::now();
        let past_deadline = || {
            LookupError::Timeout(format!(
                "{} did not answer within {} s.",
                query.provider.name,
                self.timeout.as_secs_f32()
            ))
        };
        let answer = tokio::time::timeout(self.timeout, self.run(query))
            .await
            .unwrap_or_else(|_| Err(Failure::Lookup(past_deadline())));
        let ms = started.elapsed().as_millis() as u64;
        let (provider, handle) = (query.provider.id, &query.handle);
        match answer {
            Ok(profile) => {
                tracing::info!(provider, %handle, outcome = "found", ms, "lookup");
                Ok(profile)
            }
            Err(failure) => {
                // The HTTP client's own deadline is the lookup's: whichever timer fires
                // first, the visitor reads the same message.
                let error = match &failure {
                    Failure::Fetch(FetchError::Timeout {
                        phase: Phase::Read, ..
                    }) => past_deadline(),
                    _ => LookupError::from(failure.clone()),
                };
                let outcome = error.outcome();
                tracing::info!(provider, %handle, outcome, cause = %failure, ms, "lookup");
                Err(error)
            }
        }
    }

    async fn run(&self, query: &ProfileQuery) -> Result<Profile, Failure> {
        let provider = query.provider;
        let handle = query.handle.clone();
        let target = provider.request(&handle);
        let url = Url::parse(&target.url).map_err(|_| {
            LookupError::Input(format!("\"{}\" is not a valid address.", target.url))
        })?;
        let fetched = self
            .fetcher
            .fetch(Request {
                url,
                provider: provider.id,
                agent: provider.agent,
                json_body: target.json_body,
                headers: target.headers,
            })
            .await
            .map_err(Failure::Fetch)?;
        // Parsing a hostile page can take long: off the async threads, so the deadline holds
        // and other requests are served meanwhile.
        let (provider, handle, found) =
            tokio::task::spawn_blocking(move || read_profile(provider, handle, &fetched))
                .await
                .map_err(|e| LookupError::Upstream(format!("reading the page failed: {e}")))?
                .map_err(Failure::Pick)?;
        Ok(self.profile(provider, handle, found)?)
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
                    .guard
                    .check_url(&url)
                    .map_err(|e| refused = Some(LookupError::from(e)))
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
            provider,
            profile_url: found
                .profile_url
                .unwrap_or_else(|| (provider.profile_url)(&handle)),
            id: handle,
            name: found.name,
            images,
        })
    }
}

/// Why asking a platform failed, keeping the fetch's technical cause for the log line.
#[derive(Debug, Clone, thiserror::Error)]
enum Failure {
    #[error("fetch failed: {0}")]
    Fetch(FetchError),
    #[error("{0}")]
    Pick(PickError),
    #[error("{0}")]
    Lookup(#[from] LookupError),
}

impl From<Failure> for LookupError {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Fetch(e) => e.into(),
            Failure::Pick(e) => e.into(),
            Failure::Lookup(e) => e,
        }
    }
}

/// Picks the profile's images out of what `provider` fetched for `handle`: the CPU-bound
/// part of a lookup (public for the lookup-cost bench). A page that says it is a known
/// platform's profile (its canonical URL) is read by that platform's rules.
pub fn read_profile(
    provider: &'static Provider,
    handle: String,
    fetched: &Fetched,
) -> Result<(&'static Provider, String, Found), PickError> {
    let response = Response::new(fetched);
    let Some((owner, owner_handle)) = recognized(provider, &response)? else {
        let found = (provider.pick)(&response, &handle)?;
        return Ok((provider, handle, found));
    };
    let found = if matches!(owner.reads, Reads::Page) {
        (owner.pick)(&response, &owner_handle)?
    } else {
        pick::metadata(&response)?.or_not_found(&format!("{} {owner_handle}", owner.name))?
    };
    Ok((owner, owner_handle, found))
}

/// For the generic page provider: the platform and handle the page's canonical URL names.
fn recognized(
    provider: &'static Provider,
    response: &Response<'_>,
) -> Result<Option<(&'static Provider, String)>, PickError> {
    if !provider.is_generic() || !response.content_type.contains("html") {
        return Ok(None);
    }
    Ok(response
        .metadata_page()?
        .canonical()
        .and_then(|canonical| providers::recognize(&canonical)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_profile_survives_the_round_trip_and_an_unknown_provider_is_a_miss() {
        let profile = Profile {
            provider: providers::by_id("github").unwrap(),
            id: "torvalds".into(),
            profile_url: "https://github.com/torvalds".into(),
            name: Some("Linus Torvalds".into()),
            images: vec![Image {
                kind: ImageKind::Avatar,
                url: "https://avatars.githubusercontent.com/u/1024025?v=4".into(),
                width: Some(460),
                height: None,
            }],
        };
        let json = serde_json::to_vec(&profile).unwrap();
        assert_eq!(serde_json::from_slice::<Profile>(&json).unwrap(), profile);
        let gone = br#"{"provider":"myspace","id":"a","profile_url":"b","name":null,"images":[]}"#;
        assert!(serde_json::from_slice::<Profile>(gone).is_err());
        let odd_kind = br#"{"provider":"github","id":"a","profile_url":"b","name":null,
            "images":[{"kind":"logo","url":"u","width":null,"height":null}]}"#;
        assert!(serde_json::from_slice::<Profile>(odd_kind).is_err());
    }
}
