//! The lookup service: query → provider → fetch → pick → upgrade → check, with its answers
//! cached (see `answers`: memory and disk, single-flight, stale while refreshing).

mod answers;
mod chain;
mod error;
mod image_check;
mod profile;
mod query;
pub mod search;
mod webfinger;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tracing::Instrument;

use crate::budget::MemoryBudget;
use crate::cache::{CacheStatus, TieredCache};
use crate::fetch::guard::Guard;
use crate::fetch::{FetchError, Fetcher, Phase};
use crate::providers::Strategy;
pub use answers::{Answer, Lifetimes};
use answers::{AnswerKey, Answers, Served};
use chain::ChainRun;
pub use chain::{json_values, metadata_cost, parse_cost, read_profile};
use error::Failure;
pub use error::{InputError, LookupError, NoImage, Platform, Unanswered, Unreadable, Whose};
pub use profile::{JsonOnce, Profile};
#[cfg(test)]
pub(crate) use query::REFUSED_INPUTS;
pub use query::{Account, Input, MAX_NAME_LEN, Name, ProfileQuery};

/// Cache and deadline settings.
#[derive(Debug, Clone)]
pub struct LookupSettings {
    /// Deadline for one whole lookup.
    pub timeout: Duration,
    /// How long answers are kept.
    pub lifetimes: Lifetimes,
    /// Most answers kept in memory.
    pub max_entries: u64,
    /// Whether found images are checked (an upgrade that is not an image gives way to the
    /// URL served) and measured from their first bytes before answering.
    pub check_images: bool,
    /// About the most bytes of answers kept in memory.
    pub max_bytes: u64,
    /// Most lookups asking platforms at once, across every request (single lookups, searches
    /// and refreshes); the others wait for a turn within their deadline.
    pub max_outbound: usize,
}

/// Looks profiles up, at most once per key at a time, remembering answers in memory and
/// found profiles on disk (so they survive a scale-to-zero stop).
pub struct Lookup {
    platforms: Arc<Platforms>,
    answers: Arc<Answers>,
    accounts: webfinger::Accounts,
}

/// The part of a lookup that asks the platform, with no cache: shared with background
/// refreshes, and used alone by `getimages check`.
pub struct Platforms {
    fetcher: Arc<Fetcher>,
    guard: Guard,
    timeout: Duration,
    check_images: bool,
    /// Turns to ask a platform (see [`LookupSettings::max_outbound`]).
    outbound: Semaphore,
    /// The process's memory budget, shared with images: bodies and parses are admitted.
    budget: MemoryBudget,
}

impl Lookup {
    /// A lookup service over `fetcher`, keeping found profiles on `store`'s disk too, and
    /// returning only image URLs `guard` allows. Touches nothing on disk until the first
    /// lookup.
    pub fn new(
        fetcher: Arc<Fetcher>,
        guard: Guard,
        store: &TieredCache,
        budget: MemoryBudget,
        settings: LookupSettings,
    ) -> Self {
        Self {
            accounts: webfinger::Accounts::new(settings.lifetimes.ttl),
            platforms: Arc::new(Platforms::new(
                fetcher,
                guard,
                settings.timeout,
                settings.check_images,
                settings.max_outbound,
                budget,
            )),
            answers: Arc::new(Answers::new(
                store,
                settings.max_entries,
                settings.max_bytes,
                settings.lifetimes,
            )),
        }
    }

    /// The profile `account` names: a fediverse account when its host says so through
    /// WebFinger, else an e-mail address for Gravatar. The WebFinger ask (a 2 KB future) is
    /// boxed, so the lookup routes' futures, which actix copies per request, stay small.
    pub async fn resolve(&self, account: &Account) -> Result<ProfileQuery, LookupError> {
        let fetcher = &self.platforms.fetcher;
        let asking = self
            .accounts
            .is_fediverse(fetcher, account, self.platforms.timeout);
        if Box::pin(asking).await {
            account.as_fediverse()
        } else {
            account.as_email()
        }
    }

    /// The deadline of one lookup, which a search across platforms keeps too.
    pub fn timeout(&self) -> Duration {
        self.platforms.timeout
    }

    /// Looks `query` up: from memory, from disk, by joining an identical lookup in flight,
    /// or by asking the platform within the deadline. A found profile past its TTL is
    /// answered STALE while one background refresh runs.
    pub async fn lookup(&self, query: &ProfileQuery) -> (Answer, CacheStatus) {
        let key = AnswerKey::of(query);
        let Served { answer, status } = self
            .answers
            .get_or_ask(&key, || self.platforms.ask(query))
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
    /// Asks platforms through `fetcher`, returning only image URLs `guard` allows, each
    /// lookup within `timeout`.
    /// At most `max_outbound` lookups ask at once, each admitting what it reads and parses
    /// against `budget`.
    pub fn new(
        fetcher: Arc<Fetcher>,
        guard: Guard,
        timeout: Duration,
        check_images: bool,
        max_outbound: usize,
        budget: MemoryBudget,
    ) -> Self {
        Self {
            fetcher,
            guard,
            timeout,
            check_images,
            outbound: Semaphore::new(max_outbound.max(1)),
            budget,
        }
    }

    /// One lookup against the platform within the deadline, logged with its outcome and,
    /// on failure, its technical cause.
    pub async fn ask(&self, query: &ProfileQuery) -> Result<Profile, LookupError> {
        self.walk(query, None).await
    }

    /// `strategy`, one way of `query`'s chain, asked alone as a lookup is (deadline, images
    /// checked, logged), for `getimages check`; None when the way is skipped, as a lookup
    /// skips it, for needing credentials the operator did not set.
    pub async fn ask_way(
        &self,
        query: &ProfileQuery,
        strategy: &'static Strategy,
    ) -> Option<Result<Profile, LookupError>> {
        let request = strategy.request(query.provider, &query.handle);
        if request.needs_credentials && !self.fetcher.has_credentials(query.provider.id) {
            return None;
        }
        Some(self.walk(query, Some(strategy)).await)
    }

    /// The chain's walk for `query`, or `only` that way of it.
    async fn walk(
        &self,
        query: &ProfileQuery,
        only: Option<&'static Strategy>,
    ) -> Result<Profile, LookupError> {
        let started = Instant::now();
        let past_deadline = || LookupError::Timeout {
            platform: query.provider.platform_name(),
            within: Some(self.timeout),
        };
        let deadline = tokio::time::Instant::now() + self.timeout;
        let first_block = OnceLock::new();
        // A turn is waited for within the deadline, and kept while the images are checked.
        let asked = async {
            let turn = self.outbound.acquire().await;
            let run = ChainRun::new(self, query, &first_block);
            let run = match only {
                Some(strategy) => run.only(strategy),
                None => run,
            };
            let found = run.run().await;
            found.map(|unchecked| (unchecked, turn))
        };
        let answer = match tokio::time::timeout_at(deadline, asked).await {
            Ok(Ok((unchecked, _turn))) => {
                let checked = unchecked.checked(&self.fetcher, self.check_images, deadline);
                Ok(checked.await)
            }
            Ok(Err(failure)) => Err(failure),
            // A way that was blocked before the deadline says more than the deadline: the
            // platform refused us, and the way after it did not answer in time.
            Err(_) => Err(first_block
                .into_inner()
                .unwrap_or_else(|| Failure::Lookup(past_deadline()))),
        };
        let ms = started.elapsed().as_millis() as u64;
        let (provider, handle) = (query.provider.id, &query.handle);
        match answer {
            Ok(profile) => {
                tracing::info!(provider, %handle, outcome = "found", ms, "lookup");
                crate::metrics::lookup(provider, "found", started.elapsed());
                Ok(profile)
            }
            Err(failure) => {
                // The HTTP client's own deadline is the lookup's: whichever timer fires
                // first, the visitor reads the same message.
                let error = match &failure {
                    Failure::Fetch(FetchError::Timeout {
                        phase: Phase::Read, ..
                    }) => past_deadline(),
                    _ => failure.clone().into_error(query),
                };
                let outcome = error.outcome();
                tracing::info!(provider, %handle, outcome, cause = %failure, ms, "lookup");
                crate::metrics::lookup(provider, outcome, started.elapsed());
                Err(error)
            }
        }
    }
}
