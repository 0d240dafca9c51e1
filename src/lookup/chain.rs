//! One lookup's walk along its platform's chain (see `Provider::chain`): each way of
//! asking in order, its request fetched (or an identical request's answer read again),
//! admitted against the memory budget and read off the async threads, until one finds the
//! profile or says there is none.

use std::ops::ControlFlow;
use std::sync::{Arc, OnceLock};

use url::Url;

use super::error::{Failure, InputError, Unanswered, refused};
use super::profile::Unchecked;
use super::{LookupError, Platforms, ProfileQuery};
use crate::budget::Admitted;
use crate::extract::tree;
use crate::fetch::{Agent, FetchError, Fetched, Request, block};
use crate::providers::pick::{self, Response};
use crate::providers::{self, Found, PickError, Provider, Reader, Strategy};

/// One lookup's walk along its provider's chain, by the [`Platforms`] that asks.
pub(super) struct ChainRun<'a> {
    platforms: &'a Platforms,
    query: &'a ProfileQuery,
    /// The first block met, kept as it happens: when the lookup's deadline ends the walk
    /// before its last way, the platform refused us, and that is the answer.
    first_block: &'a OnceLock<Failure>,
    /// The one way asked instead of the chain (`getimages check` reports each way's own
    /// answer), when set.
    only: Option<&'static Strategy>,
}

/// One pass along the chain, every request direct or every one through the proxy.
struct Pass {
    via_proxy: bool,
    asked: Asked,
    /// Each way that failed without ending the chain, by name, with its failure.
    failures: Vec<(&'static str, Failure)>,
}

impl Pass {
    /// Whether a way got the platform to answer (it read the profile and found no picture).
    fn answered(&self) -> bool {
        self.failures.iter().any(|(_, f)| f.is_an_answer())
    }
}

impl<'a> ChainRun<'a> {
    /// A walk along `query`'s chain, keeping the first block it meets in `first_block`.
    pub(super) fn new(
        platforms: &'a Platforms,
        query: &'a ProfileQuery,
        first_block: &'a OnceLock<Failure>,
    ) -> Self {
        Self {
            platforms,
            query,
            first_block,
            only: None,
        }
    }

    /// The walk with `strategy` alone for a chain: its own answer, as if it were the only way.
    pub(super) fn only(self, strategy: &'static Strategy) -> Self {
        Self {
            only: Some(strategy),
            ..self
        }
    }

    /// Tries each of the provider's ways of asking in order until one finds the profile. A
    /// definite "no such profile" ends the chain; a block or any other failure moves on to
    /// the next way, and when none is left the most telling failure is the answer (see
    /// `Failure::rank`).
    ///
    /// With an outbound proxy set, the chain runs through it from the start for the
    /// providers `GETIMAGES_PROXY_PROVIDERS` names, and once more through it when it ends
    /// blocked for the others.
    pub(super) async fn run(&self) -> Result<Unchecked, Failure> {
        let id = self.query.provider.id;
        let fetcher = &self.platforms.fetcher;
        match self.pass(fetcher.proxy_first(id)).await {
            Err(failure) if failure.is_block() && fetcher.proxy_when_blocked(id) => {
                tracing::info!(provider = id, cause = %failure, "blocked; asking through the proxy");
                self.pass(true).await
            }
            answer => answer,
        }
    }

    /// One pass along the chain: the platform's own ways, then the chain's implicit end
    /// (`Provider::fallback`) when none of them got the platform to answer.
    async fn pass(&self, via_proxy: bool) -> Result<Unchecked, Failure> {
        let provider = self.query.provider;
        let mut pass = Pass {
            via_proxy,
            asked: Asked::default(),
            failures: Vec::new(),
        };
        if let Some(strategy) = self.only {
            return match self.attempt(&mut pass, strategy).await {
                ControlFlow::Break(answer) => answer,
                ControlFlow::Continue(()) => Err(Failure::Chain(pass.failures)),
            };
        }
        for strategy in provider.strategies {
            if let ControlFlow::Break(answer) = self.attempt(&mut pass, strategy).await {
                return answer;
            }
        }
        if let Some(end) = provider.fallback()
            && !pass.answered()
            && let ControlFlow::Break(answer) = self.attempt(&mut pass, end).await
        {
            return answer;
        }
        Err(Failure::Chain(pass.failures))
    }

    /// One way of asking within `pass`: the answer when it found the profile or its failure
    /// ends the chain, else on to the next way (its failure kept in `pass`). A way that needs
    /// credentials the operator did not set is skipped.
    async fn attempt(
        &self,
        pass: &mut Pass,
        strategy: &'static Strategy,
    ) -> ControlFlow<Result<Unchecked, Failure>> {
        let provider = self.query.provider;
        let request = Request {
            via_proxy: pass.via_proxy,
            ..strategy.request(provider, &self.query.handle)
        };
        if request.needs_credentials && !self.platforms.fetcher.has_credentials(provider.id) {
            return ControlFlow::Continue(());
        }
        match self.ask(strategy, request, &mut pass.asked).await {
            Ok(found) => ControlFlow::Break(Ok(found)),
            Err(failure) if failure.ends_the_chain(strategy.not_found) => {
                ControlFlow::Break(Err(failure))
            }
            Err(failure) => {
                if failure.is_block() {
                    // Only the first is kept: a later one says no more.
                    let _ = self.first_block.set(failure.clone());
                }
                pass.failures.push((strategy.name, failure));
                ControlFlow::Continue(())
            }
        }
    }

    /// One way's request: fetched (or an identical request's answer read again), read, and
    /// made a profile.
    async fn ask(
        &self,
        strategy: &Strategy,
        request: Request,
        asked: &mut Asked,
    ) -> Result<Unchecked, Failure> {
        if Url::parse(&request.url).is_err() {
            return Err(LookupError::from(InputError::BadAddress(request.url)).into());
        }
        let via_proxy = request.via_proxy;
        let fetched = self.fetch(request, asked).await?;
        let (owner, handle, found) = self.read(strategy.read, fetched).await?;
        let profile = Unchecked::new(&self.platforms.guard, owner, handle, found, strategy.name);
        Ok(profile?.proxied(via_proxy))
    }

    /// The answer to `request`: an identical GET's from earlier in the pass, or fetched with
    /// room for the largest answer admitted first.
    async fn fetch(&self, request: Request, asked: &mut Asked) -> Result<Arc<Held>, Failure> {
        let key = (request.json_body.is_none()).then(|| (request.url.clone(), request.agent));
        if let Some(earlier) = key.as_ref().and_then(|key| asked.get(key)) {
            return earlier.map_err(Failure::Fetch);
        }
        let Platforms {
            fetcher, budget, ..
        } = self.platforms;
        // Room for the largest answer read, before it is read; what the answer did not take
        // is given back once it is in, and the rest goes with the body.
        let mut room = budget
            .admit_body(fetcher.max_body_bytes() as u64)
            .await
            .map_err(|refusal| refused(refusal, self.query.provider))?;
        let fetched = fetcher.fetch(request).await.map(|fetched| {
            let read = (fetched.body.len() as u64).max(1);
            let room = budget.split_off(&mut room, read);
            Arc::new(Held {
                fetched,
                _room: room,
            })
        });
        if let Some(key) = key {
            asked.insert(key, fetched.clone());
        }
        fetched.map_err(Failure::Fetch)
    }

    /// `fetched` read by `read`, with the memory reading it takes admitted before it is
    /// taken: its metadata's, read in one pass, at once (`metadata_cost`), and a tree's, many
    /// times the page's bytes (`parse_cost`), only when a reader asks for the tree.
    async fn read(
        &self,
        read: Reader,
        fetched: Arc<Held>,
    ) -> Result<(&'static Provider, String, Found), Failure> {
        let provider = self.query.provider;
        let budget = &self.platforms.budget;
        // Counted once for both admissions: a page's tree is admitted after its metadata.
        let values = json_values(&fetched.fetched.body);
        let reading = budget
            .admit(metadata_cost(&fetched.fetched.body, values))
            .await
            .map_err(|refusal| refused(refusal, provider))?;
        let handle = self.query.handle.clone();
        let (budget, runtime) = (budget.clone(), tokio::runtime::Handle::current());
        // Parsing a hostile page can take long: off the async threads, so the deadline holds
        // and other requests are served meanwhile. A parse outlives a lookup cut short by its
        // deadline: its memory, and its body's, are given back when it ends, not before.
        tokio::task::spawn_blocking(move || {
            let _reading = reading;
            // A refused tree ends the read as a refusal before it began would have.
            let refusal = std::cell::Cell::new(None);
            let admit_tree = |fetched: &Fetched, allowance| {
                runtime
                    .block_on(budget.admit(parse_cost(&fetched.body, allowance, values)))
                    .map_err(|r| {
                        refusal.set(Some(r));
                        PickError::Unreadable("page within the memory budget")
                    })
            };
            let read = read_answer(provider, read, handle, &fetched.fetched, &admit_tree);
            match refusal.take() {
                Some(refusal) => Err(refused(refusal, provider)),
                None => read,
            }
        })
        .await
        .map_err(|e| LookupError::Upstream {
            platform: provider.platform_name(),
            cause: Unanswered::Reading(e.to_string()),
        })?
    }
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

/// The JSON values a reader may parse out of a page, counted by the separators that start
/// them (`,` and `{`): what [`metadata_cost`] and [`parse_cost`] charge by, counted once.
pub fn json_values(body: &[u8]) -> u64 {
    memchr::memchr2_iter(b',', b'{', body).count() as u64
}

/// Bytes of memory a page's tree may take, beside the page: its text, the nodes and
/// attributes its tree may hold (`allowance`, from the metadata pass; the parse builds no
/// more), and the `json_values` a reader parses out of it (measured: a 4.5 MB array of
/// small objects in a script took 48 bytes a `,` or `{`).
pub fn parse_cost(body: &[u8], allowance: tree::Allowance, json_values: u64) -> u64 {
    4 * body.len() as u64 + allowance.bytes() + 48 * json_values
}

/// Bytes of memory reading a page's metadata in one pass may take (`pick::Response::metadata`):
/// a copy of the page when it is not valid UTF-8, and its JSON-LD parsed, whose
/// `json_values` cost as in [`parse_cost`].
pub fn metadata_cost(body: &[u8], json_values: u64) -> u64 {
    let copy = if std::str::from_utf8(body).is_ok() {
        0
    } else {
        body.len() as u64
    };
    copy + 48 * json_values + 64 * 1024
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
        _ => pick::metadata(response)?.or_no_image()?,
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
        let admit = |_: &Fetched, _| Ok(crate::budget::Admitted::default());
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
            Err(Failure::Pick(PickError::NotFound))
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
        let cost = |page: &str| {
            let url = Url::parse("https://example.com/").unwrap();
            let shape = crate::extract::Metadata::read(page, url, |_| false).shape();
            let values = json_values(page.as_bytes());
            parse_cost(page.as_bytes(), tree::Allowance::of(&shape), values) / mib
        };
        let prose = "<p>".to_owned() + &"lorem ipsum dolor sit amet ".repeat(40) + "</p>";
        // Measured on the release build (scraper 0.29, a counting allocator), 5 MiB each:
        // prose 7 MiB, `<i>x</i>` 261 MiB, `<p>x` 517 MiB.
        let prose = cost(&prose.repeat(5 * mib as usize / prose.len()));
        assert!((20..=30).contains(&prose), "{prose} MiB");
        let dense = cost(&"<i>x</i>".repeat(5 * mib as usize / 8));
        assert!((261..=400).contains(&dense), "{dense} MiB");
        let paragraphs = cost(&"<p>x".repeat(5 * mib as usize / 4));
        assert!((517..=800).contains(&paragraphs), "{paragraphs} MiB");
    }
}
