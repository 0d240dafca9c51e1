//! The lookup service: query → provider → fetch → pick → upgrade → check, with its answers
//! cached (see `answers`: memory and disk, single-flight, stale while refreshing).

mod answers;
mod error;
mod image_check;
mod query;
pub mod search;
mod webfinger;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use tracing::Instrument;
use url::Url;

use crate::budget::{Admitted, MemoryBudget, Refusal};
use crate::cache::{CacheStatus, TieredCache};
use crate::fetch::guard::Guard;
use crate::fetch::{Agent, FetchError, Fetched, Fetcher, Phase, Request, block};
use crate::profile::{Image, ImageKind};
use crate::providers::pick::{self, Response};
use crate::providers::{self, Found, NotFound, PickError, Provider, Reader, Strategy, signed};
pub use answers::{Answer, Lifetimes};
use answers::{AnswerKey, Answers, Served};
pub use error::LookupError;
use image_check::Candidate;
pub use query::{Account, Input, MAX_NAME_LEN, Name, ProfileQuery};

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
    /// The way of asking that found it (`api`, `page`, `intent`, `generic page`; see
    /// [`Provider::chain`]).
    #[serde(default)]
    pub strategy: String,
    /// Whether it was found through the outbound proxy (`GETIMAGES_PROXY`).
    #[serde(default)]
    pub proxied: bool,
}

impl Profile {
    /// When the first of its signed image URLs expires (see `providers::signed`): the answer
    /// is not kept past that.
    pub fn expires_at(&self) -> Option<std::time::SystemTime> {
        self.images
            .iter()
            .filter_map(|i| signed::expires_at(&i.url))
            .min()
    }

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
    /// WebFinger, else an e-mail address for Gravatar.
    pub async fn resolve(&self, account: &Account) -> Result<ProfileQuery, LookupError> {
        if self
            .accounts
            .is_fediverse(&self.platforms.fetcher, account, self.platforms.timeout)
            .await
        {
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
        let started = Instant::now();
        let past_deadline = || {
            LookupError::Timeout(format!(
                "{} did not answer within {} s.",
                query.provider.name,
                self.timeout.as_secs_f32()
            ))
        };
        let deadline = tokio::time::Instant::now() + self.timeout;
        let blocked = Mutex::new(None);
        // A turn is waited for within the deadline, and kept while the images are checked.
        let asked = async {
            let turn = self.outbound.acquire().await;
            self.run(query, &blocked)
                .await
                .map(|unchecked| (unchecked, turn))
        };
        let answer = match tokio::time::timeout_at(deadline, asked).await {
            Ok(Ok((unchecked, _turn))) => Ok(self.checked(unchecked, deadline).await),
            Ok(Err(failure)) => Err(failure),
            // A way that was blocked before the deadline says more than the deadline: the
            // platform refused us, and the way after it did not answer in time.
            Err(_) => Err(blocked
                .into_inner()
                .ok()
                .flatten()
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

    /// Tries each of the provider's ways of asking in order (see [`Provider::chain`]) until
    /// one finds the profile. A definite "no such profile" ends the chain; a block or any
    /// other failure moves on to the next way, and when none is left the most telling
    /// failure is the answer (a block outranks a timeout, which outranks an error, which
    /// outranks a page without a picture).
    ///
    /// With an outbound proxy set, the chain runs through it from the start for the
    /// providers `GETIMAGES_PROXY_PROVIDERS` names, and once more through it when it ends
    /// blocked for the others.
    ///
    /// The first block met is kept in `blocked` as it happens, for the answer when the
    /// lookup's deadline ends the chain before its last way.
    async fn run(
        &self,
        query: &ProfileQuery,
        blocked: &Mutex<Option<Failure>>,
    ) -> Result<Unchecked, Failure> {
        let id = query.provider.id;
        let proxied = self.fetcher.proxy_first(id);
        match self.run_chain(query, proxied, blocked).await {
            Err(failure) if failure.is_block() && self.fetcher.proxy_when_blocked(id) => {
                tracing::info!(provider = id, cause = %failure, "blocked; asking through the proxy");
                self.run_chain(query, true, blocked).await
            }
            answer => answer,
        }
    }

    /// One pass along the chain, every request direct or every one through the proxy.
    async fn run_chain(
        &self,
        query: &ProfileQuery,
        proxied: bool,
        blocked: &Mutex<Option<Failure>>,
    ) -> Result<Unchecked, Failure> {
        let provider = query.provider;
        let mut asked = Asked::default();
        let mut failures = Vec::new();
        let own = provider.strategies.iter().map(|strategy| (strategy, false));
        let end = provider.fallback().map(|strategy| (strategy, true));
        for (strategy, is_end) in own.chain(end) {
            let answered = failures
                .iter()
                .any(|(_, f): &(_, Failure)| f.is_an_answer());
            if is_end && answered {
                continue;
            }
            let request = Request {
                via_proxy: proxied,
                ..strategy.request(provider, &query.handle)
            };
            if request.needs_credentials && !self.fetcher.has_credentials(provider.id) {
                continue;
            }
            match self
                .try_strategy(provider, &query.handle, strategy, request, &mut asked)
                .await
            {
                Ok(profile) => return Ok(profile),
                Err(failure) if failure.ends_the_chain(strategy.not_found) => return Err(failure),
                Err(failure) => {
                    if failure.is_block()
                        && let Ok(mut first) = blocked.lock()
                    {
                        first.get_or_insert_with(|| failure.clone());
                    }
                    failures.push((strategy.name, failure));
                }
            }
        }
        Err(Failure::Chain(failures))
    }

    /// One way of asking: fetch (or reuse an identical request's answer), read, upgrade.
    async fn try_strategy(
        &self,
        provider: &'static Provider,
        handle: &str,
        strategy: &Strategy,
        request: Request,
        asked: &mut Asked,
    ) -> Result<Unchecked, Failure> {
        if Url::parse(&request.url).is_err() {
            let error = format!("\"{}\" is not a valid address.", request.url);
            return Err(LookupError::Input(error).into());
        }
        let proxied = request.via_proxy;
        let key = (request.json_body.is_none()).then(|| (request.url.clone(), request.agent));
        let fetched = match key.as_ref().and_then(|key| asked.get(key)) {
            Some(earlier) => earlier,
            None => {
                // Room for the largest answer read, before it is read; what the answer did
                // not take is given back once it is in, and the rest goes with the body.
                let mut room = self
                    .budget
                    .admit_body(self.fetcher.max_body_bytes() as u64)
                    .await
                    .map_err(|refusal| refused(refusal, provider))?;
                let fetched = self.fetcher.fetch(request).await.map(|fetched| {
                    let read = (fetched.body.len() as u64).max(1);
                    let room = self.budget.split_off(&mut room, read);
                    Arc::new(Held {
                        fetched,
                        _room: room,
                    })
                });
                if let Some(key) = key {
                    asked.insert(key, fetched.clone());
                }
                fetched
            }
        }
        .map_err(Failure::Fetch)?;
        // The memory reading it takes too, before it is taken: its metadata's, read in one
        // pass, at once (`metadata_cost`), and a tree's, many times the page's bytes
        // (`parse_cost`), only when a reader asks for the tree.
        let reading = self
            .budget
            .admit(metadata_cost(&fetched.fetched.body))
            .await
            .map_err(|refusal| refused(refusal, provider))?;
        let (read, handle) = (strategy.read, handle.to_owned());
        let (budget, runtime) = (self.budget.clone(), tokio::runtime::Handle::current());
        // Parsing a hostile page can take long: off the async threads, so the deadline holds
        // and other requests are served meanwhile. A parse outlives a lookup cut short by its
        // deadline: its memory, and its body's, are given back when it ends, not before.
        let (owner, handle, found) = tokio::task::spawn_blocking(move || {
            let _reading = reading;
            // A refused tree ends the read as a refusal before it began would have.
            let refusal = std::cell::Cell::new(None);
            let admit_tree = |fetched: &Fetched| {
                runtime
                    .block_on(budget.admit(parse_cost(&fetched.body)))
                    .map_err(|r| {
                        refusal.set(Some(r));
                        PickError::Unreadable("The page's parse was not admitted.".into())
                    })
            };
            let read = read_answer(provider, read, handle, &fetched.fetched, &admit_tree);
            match refusal.take() {
                Some(refusal) => Err(refused(refusal, provider)),
                None => read,
            }
        })
        .await
        .map_err(|e| LookupError::Upstream(format!("reading the page failed: {e}")))??;
        let mut unchecked = self.profile(owner, handle, found, strategy.name)?;
        unchecked.profile.proxied = proxied;
        Ok(unchecked)
    }

    /// The profile with each image checked and measured (see `image_check`), within `deadline`.
    async fn checked(&self, unchecked: Unchecked, deadline: tokio::time::Instant) -> Profile {
        let Unchecked {
            mut profile,
            served,
        } = unchecked;
        if !self.check_images {
            return profile;
        }
        let candidates = std::mem::take(&mut profile.images)
            .into_iter()
            .zip(served)
            .map(|(image, served)| Candidate { image, served })
            .collect();
        profile.images = image_check::checked(&self.fetcher, candidates, deadline).await;
        profile
    }

    /// Upgrades image URLs to full size (remembering the URL served, to fall back on) and
    /// drops any a visitor could not be sent to.
    fn profile(
        &self,
        provider: &'static Provider,
        handle: String,
        found: Found,
        strategy: &'static str,
    ) -> Result<Unchecked, LookupError> {
        let mut refused = None;
        let allowed = |url: &str, refused: &mut Option<LookupError>| match Url::parse(url) {
            Ok(url) => self
                .guard
                .check_url(&url)
                .map_err(|e| *refused = Some(LookupError::from(e)))
                .is_ok(),
            Err(_) => false,
        };
        let (images, served): (Vec<Image>, Vec<Option<String>>) = found
            .images
            .into_iter()
            .filter_map(|image| {
                // A signed URL is served as given: the CDN refuses any change to it.
                let upgraded = if signed::is_signed(&image.url) {
                    image.url.clone()
                } else {
                    (provider.upgrade)(&image.url)
                };
                if !allowed(&upgraded, &mut refused) {
                    return None;
                }
                let served = (upgraded != image.url && allowed(&image.url, &mut refused))
                    .then_some(image.url.clone());
                Some((
                    Image {
                        url: upgraded,
                        ..image
                    },
                    served,
                ))
            })
            .unzip();
        if images.is_empty() {
            return Err(match refused {
                Some(e) => e,
                None => {
                    LookupError::NoImage(format!("{} {handle} has no usable image.", provider.name))
                }
            });
        }
        let profile = Profile {
            provider,
            profile_url: found
                .profile_url
                .unwrap_or_else(|| (provider.profile_url)(&handle)),
            id: handle,
            name: found.name,
            images,
            strategy: strategy.to_owned(),
            proxied: false,
        };
        Ok(Unchecked { profile, served })
    }
}

/// A profile found, its images not checked yet: beside each image, the URL the platform
/// served when an upgrade changed it.
struct Unchecked {
    profile: Profile,
    served: Vec<Option<String>>,
}

/// The answers already fetched in one lookup, by GET URL and agent: a later way that asks
/// for the same page (the generic reader after the platform's page reader) reads it again
/// instead of fetching it twice.
#[derive(Default)]
struct Asked(Vec<((String, Agent), FetchAnswer)>);

/// A fetched answer and the memory admitted for it, given back with its last holder.
struct Held {
    fetched: Fetched,
    /// Held, never read: `None` when no part of the admission could be set apart.
    _room: Option<Admitted>,
}

/// One fetch's outcome, shared between the ways that ask for the same thing.
type FetchAnswer = Result<Arc<Held>, FetchError>;

impl Asked {
    fn get(&self, key: &(String, Agent)) -> Option<FetchAnswer> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }

    fn insert(&mut self, key: (String, Agent), answer: FetchAnswer) {
        self.0.push((key, answer));
    }
}

/// One way's reading of an answer. When no reader can read it as a profile, the block
/// detector's second phase (`block::suspected`: vendor cookies, scripts, captcha widgets, a
/// wall's title) says whether it was a wall: a page that reads is an answer whatever signs it
/// carries, and a wall is never "no such profile".
fn read_answer(
    provider: &'static Provider,
    read: Reader,
    handle: String,
    fetched: &Fetched,
    admit_tree: pick::AdmitTree<'_>,
) -> Result<(&'static Provider, String, Found), Failure> {
    let response = Response::new(fetched).admitting_tree(admit_tree);
    read_with(provider, read, handle, &response).map_err(|error| match block::suspected(fetched) {
        Some(by) if !matches!(error, PickError::Blocked(_)) => {
            Failure::Fetch(FetchError::Blocked {
                status: fetched.status,
                by,
            })
        }
        _ => Failure::Pick(error),
    })
}

/// Bytes of memory a page's parse may take, by what it is made of: measured on the release
/// build, a 5 MiB page of paragraphs took 9–20 MiB a lookup (glibc's VmHWM, 1 to 16 at once),
/// and one of 655,000 `<i>x</i>` elements 178 MiB (about 136 bytes a `<`). JSON values cost
/// by their separators in the same way.
pub fn parse_cost(body: &[u8]) -> u64 {
    let tags = memchr::memchr_iter(b'<', body).count() as u64;
    let values = memchr::memchr2_iter(b',', b'{', body).count() as u64;
    4 * body.len() as u64 + 140 * tags + 48 * values
}

/// Bytes of memory reading a page's metadata in one pass may take (`pick::Response::metadata`):
/// a copy of the page when it is not valid UTF-8, and its JSON-LD parsed, whose values
/// cost by their separators as in [`parse_cost`].
pub fn metadata_cost(body: &[u8]) -> u64 {
    let copy = if std::str::from_utf8(body).is_ok() {
        0
    } else {
        body.len() as u64
    };
    let values = memchr::memchr2_iter(b',', b'{', body).count() as u64;
    copy + 48 * values + 64 * 1024
}

/// A budget refusal as a lookup's failure.
fn refused(refusal: Refusal, provider: &Provider) -> Failure {
    Failure::Lookup(match refusal {
        Refusal::Busy => LookupError::Busy(
            "The server is busy with other lookups and images; try again in a few seconds.".into(),
        ),
        Refusal::TooLarge { needed, most } => LookupError::Upstream(format!(
            "{}'s page would take about {} MiB to read, more than this server's memory \
             budget allows one page ({} MiB).",
            provider.upstream_name(),
            needed.div_ceil(1024 * 1024),
            most / (1024 * 1024)
        )),
    })
}

/// The [`Failure::weight`] of a block, the heaviest.
const BLOCK: u8 = 6;

/// Why asking a platform failed, keeping the fetch's technical cause for the log line.
#[derive(Debug, Clone, thiserror::Error)]
enum Failure {
    #[error("fetch failed: {0}")]
    Fetch(FetchError),
    #[error("{0}")]
    Pick(PickError),
    #[error("{0}")]
    Lookup(#[from] LookupError),
    /// Every way was tried and failed: each with its strategy's name.
    #[error("{}", chain_causes(.0))]
    Chain(Vec<(&'static str, Failure)>),
}

fn chain_causes(failures: &[(&'static str, Failure)]) -> String {
    let causes: Vec<String> = failures
        .iter()
        .map(|(name, failure)| format!("{name}: {failure}"))
        .collect();
    causes.join("; ")
}

impl Failure {
    /// Whether no other way should be tried after this one: a definite "no such profile"
    /// (when the way's not-found is the platform's last word), bad input, or an address the
    /// guard refused.
    fn ends_the_chain(&self, not_found: NotFound) -> bool {
        match self {
            Self::Fetch(FetchError::NotFound { .. }) | Self::Pick(PickError::NotFound(_)) => {
                not_found == NotFound::Final
            }
            Self::Fetch(FetchError::Forbidden { .. }) => true,
            Self::Lookup(e) => matches!(
                e,
                LookupError::Input(_) | LookupError::Forbidden(_) | LookupError::Busy(_)
            ),
            _ => false,
        }
    }

    /// Whether this is (or, for a chain, ends as) a block.
    fn is_block(&self) -> bool {
        self.weight() == BLOCK
    }

    /// Whether the platform answered (the profile was read, and held no picture).
    fn is_an_answer(&self) -> bool {
        matches!(self, Self::Pick(PickError::NoImage(_)))
    }

    /// How much this failure says about the platform, to pick the answer when every way
    /// failed: a block first (never read as "not found"), then a timeout, then a profile
    /// read without a picture (the platform's answer outranks another way's error), then an
    /// error, then one way's "not found".
    fn weight(&self) -> u8 {
        match self {
            Self::Fetch(FetchError::Blocked { .. }) | Self::Pick(PickError::Blocked(_)) => BLOCK,
            Self::Fetch(FetchError::Timeout { .. }) => 5,
            Self::Pick(PickError::NoImage(_)) => 4,
            Self::Lookup(e) => match e {
                LookupError::Blocked(_) => BLOCK,
                LookupError::Timeout(_) => 5,
                LookupError::NotFound(_) | LookupError::NoImage(_) => 1,
                _ => 3,
            },
            Self::Fetch(FetchError::NotFound { .. }) | Self::Pick(PickError::NotFound(_)) => 1,
            Self::Chain(failures) => failures.iter().map(|(_, f)| f.weight()).max().unwrap_or(0),
            _ => 3,
        }
    }

    /// What the visitor reads, naming the platform where a sentence needs it.
    fn into_error(self, query: &ProfileQuery) -> LookupError {
        let provider = query.provider;
        let upstream = provider.upstream_name();
        match self {
            // The URL asked (an API's) means little to a visitor; the platform and the
            // handle do.
            Self::Fetch(FetchError::NotFound { .. }) if !provider.is_generic() => {
                LookupError::NotFound(format!(
                    "{} has no profile \"{}\".",
                    provider.name, query.handle
                ))
            }
            Self::Fetch(e) => LookupError::from_fetch(e, upstream),
            Self::Pick(e) => e.into(),
            Self::Lookup(e) => e,
            Self::Chain(failures) => {
                // The first of the heaviest failures: the earliest way that said the most.
                let heaviest = failures.iter().map(|(_, f)| f.weight()).max();
                failures
                    .into_iter()
                    .find(|(_, f)| Some(f.weight()) == heaviest)
                    .map_or_else(
                        || LookupError::Upstream(format!("{upstream} could not be asked.")),
                        |(_, f)| f.into_error(query),
                    )
            }
        }
    }
}

/// Picks the profile's images out of what `provider` fetched for `handle`, with one way's
/// reader: the CPU-bound part of a lookup (public for the lookup-cost bench). A page that
/// says it is a known platform's profile (its canonical URL) is read by that platform's
/// rules: its first way's reader, when that way reads a page, else the page's metadata.
pub fn read_profile(
    provider: &'static Provider,
    read: Reader,
    handle: String,
    fetched: &Fetched,
) -> Result<(&'static Provider, String, Found), PickError> {
    read_with(provider, read, handle, &Response::new(fetched))
}

/// [`read_profile`] on an answer already wrapped for reading.
fn read_with(
    provider: &'static Provider,
    read: Reader,
    handle: String,
    response: &Response<'_>,
) -> Result<(&'static Provider, String, Found), PickError> {
    let Some((owner, owner_handle)) = recognized(provider, response)? else {
        let found = read(response, &handle)?;
        return Ok((provider, handle, found));
    };
    let found = match owner.strategies.first() {
        Some(first) if first.reads_page() => (first.read)(response, &owner_handle)?,
        _ => pick::metadata(response)?.or_not_found(&format!("{} {owner_handle}", owner.name))?,
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
        .metadata()?
        .canonical()
        .and_then(|canonical| providers::recognize(&canonical)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::block::signatures::{PAGE, SIGNATURES, Signature, ordinary, wall};

    fn read(provider: &str, fetched: &Fetched) -> Result<Found, Failure> {
        let provider = providers::by_id(provider).unwrap();
        let handle = provider.example.to_owned();
        let first = provider.chain().next().unwrap();
        let admit = |_: &Fetched| Ok(crate::budget::Admitted::default());
        read_answer(provider, first.read, handle, fetched, &admit).map(|(_, _, found)| found)
    }

    #[test]
    fn an_ordinary_page_carrying_a_vendors_weak_signs_is_read() {
        for signature in SIGNATURES {
            let found = read("page", &ordinary(signature));
            let avatar = found.as_ref().ok().and_then(Found::avatar_url);
            assert_eq!(
                avatar,
                Some("https://cdn.example.org/ana.jpg"),
                "{} {} {:?}: {found:?}",
                signature.title,
                signature.html,
                signature.headers
            );
        }
    }

    #[test]
    fn a_wall_no_reader_can_read_is_a_block_named_by_its_vendor_never_a_missing_profile() {
        // The generic reader would take a wall's icon, and Telegram's reads a page without
        // its account card as "no such account".
        let icon = "<link rel=\"icon\" href=\"/favicon.png\">";
        for provider in ["page", "telegram"] {
            for signature in SIGNATURES {
                let mut fetched = wall(signature);
                fetched.body.splice(0..0, icon.bytes());
                match read(provider, &fetched) {
                    Err(Failure::Fetch(FetchError::Blocked { status: 200, by })) => {
                        assert_eq!(by, signature.by, "{provider}: {}", signature.html)
                    }
                    other => panic!(
                        "{provider}: {} {}: {other:?}",
                        signature.title, signature.html
                    ),
                }
            }
        }
    }

    #[test]
    fn a_page_without_signs_keeps_its_readers_answer() {
        let plain = Signature {
            url: "https://t.me/nobody_here_42",
            title: "Telegram: Contact @nobody_here_42",
            ..PAGE
        };
        assert!(matches!(
            read("telegram", &wall(&plain)),
            Err(Failure::Pick(PickError::NotFound(_)))
        ));
        let icon = "<link rel=\"icon\" href=\"https://example.com/favicon.png\">";
        let mut page = wall(&plain);
        page.body.splice(0..0, icon.bytes());
        let found = read("page", &page).unwrap();
        assert_eq!(found.avatar_url(), Some("https://example.com/favicon.png"));
    }

    #[test]
    fn a_parse_costs_by_the_elements_a_page_holds_not_only_its_bytes() {
        let mib = 1024 * 1024;
        let prose = "<p>".to_owned() + &"lorem ipsum dolor sit amet ".repeat(40) + "</p>";
        let prose = prose.repeat(5 * mib / prose.len());
        let dense = "<i>x</i>".repeat(5 * mib / 8);
        // Measured: 9–20 MiB for the prose, 178 MiB for the elements (see `parse_cost`).
        let (prose, dense) = (parse_cost(prose.as_bytes()), parse_cost(dense.as_bytes()));
        assert!(
            (20 * mib as u64..=24 * mib as u64).contains(&prose),
            "{prose}"
        );
        assert!(dense >= 178 * mib as u64, "{dense}");
    }

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
                bytes: Some(38_000),
            }],
            strategy: "api".into(),
            proxied: false,
        };
        let json = serde_json::to_vec(&profile).unwrap();
        assert_eq!(serde_json::from_slice::<Profile>(&json).unwrap(), profile);
        let gone = br#"{"provider":"myspace","id":"a","profile_url":"b","name":null,"images":[]}"#;
        assert!(serde_json::from_slice::<Profile>(gone).is_err());
        let odd_kind = br#"{"provider":"github","id":"a","profile_url":"b","name":null,
            "images":[{"kind":"logo","url":"u","width":null,"height":null}]}"#;
        assert!(serde_json::from_slice::<Profile>(odd_kind).is_err());
        // Stored before images carried their byte size: still an answer.
        let sizeless = br#"{"provider":"github","id":"a","profile_url":"b","name":null,
            "images":[{"kind":"avatar","url":"u","width":null,"height":null}]}"#;
        let stored = serde_json::from_slice::<Profile>(sizeless).unwrap();
        assert_eq!(stored.images[0].bytes, None);
    }
}
