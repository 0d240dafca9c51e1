//! Why a lookup failed, as the visitor and API clients see it. How each reason is served
//! over HTTP (status, code, page title) is decided at the edge, in `routes::error`.

use crate::budget::Refusal;
use crate::fetch::{FetchError, Wording, guard::Refused};
use crate::providers::{NotFound, PickError, Provider, TooComplex};

use super::ProfileQuery;

/// How a failed fetch reads in a lookup's error message.
const WORDING: Wording = Wording {
    upstream: "The platform",
    thing: "profile",
    body: "platform's answer",
};

/// Every way a lookup can fail, as the visitor and API clients see it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// The input cannot be understood.
    #[error("{0}")]
    Input(String),
    /// The profile does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The platform answered, and no picture could be read from its answer: the profile has
    /// none, or the platform changed its page (served as "not found"; `getimages check`
    /// reports it as a change).
    #[error("{0}")]
    NoImage(String),
    /// The platform refused us (login wall, anti-bot page, rate limit).
    #[error("{0}")]
    Blocked(String),
    /// The platform did not answer in time: within the lookup's deadline (`within`), or
    /// within a fetch's own timeout (`None`). Worded at the edge (`routes::error`).
    #[error("{platform} timed out")]
    Timeout {
        /// The platform, as the subject of a sentence ("GitHub", "The platform").
        platform: &'static str,
        /// The lookup's deadline, when it was that one that passed.
        within: Option<std::time::Duration>,
    },
    /// The platform answered with an error, or could not be reached.
    #[error("{0}")]
    Upstream(String),
    /// The platform answered, with something we cannot read as a profile (not the JSON or
    /// page it serves): served as `Upstream`; `getimages check` reports it as a change.
    #[error("{0}")]
    Unreadable(String),
    /// The URL points at a private or otherwise forbidden address.
    #[error("{0}")]
    Forbidden(String),
    /// The memory budget stayed spent for the whole wait: nothing was asked.
    #[error("{0}")]
    Busy(String),
}

impl LookupError {
    /// The outcome a log line or metric names: `not_found`, `blocked`, …
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::Input(_) => "input",
            Self::NotFound(_) => "not_found",
            Self::NoImage(_) => "no_image",
            Self::Blocked(_) => "blocked",
            Self::Timeout { .. } => "timeout",
            Self::Upstream(_) => "upstream",
            Self::Unreadable(_) => "unreadable",
            Self::Forbidden(_) => "forbidden",
            Self::Busy(_) => "busy",
        }
    }

    /// Whether the answer is worth caching: a profile that does not exist stays missing for a
    /// while, but a timeout or a block says nothing about the profile.
    pub fn is_cacheable(&self) -> bool {
        matches!(self, Self::NotFound(_) | Self::NoImage(_))
    }
}

impl From<FetchError> for LookupError {
    fn from(e: FetchError) -> Self {
        Self::from_fetch(e, WORDING.upstream)
    }
}

impl LookupError {
    /// A failed fetch as the visitor reads it, with the platform named (`upstream`).
    pub fn from_fetch(e: FetchError, upstream: &'static str) -> Self {
        let message = e.sentence(Wording {
            upstream,
            ..WORDING
        });
        match e {
            FetchError::NotFound { .. } => Self::NotFound(message),
            FetchError::Blocked { .. } => Self::Blocked(message),
            FetchError::Timeout { .. } => Self::Timeout {
                platform: upstream,
                within: None,
            },
            // A page too large to read is the platform's failure, not the visitor's.
            FetchError::Upstream { .. } | FetchError::TooLarge { .. } => Self::Upstream(message),
            FetchError::Forbidden { reason } => reason.into(),
        }
    }
}

impl From<Refused> for LookupError {
    fn from(reason: Refused) -> Self {
        let message = FetchError::from(reason.clone()).sentence(WORDING);
        match reason {
            Refused::Scheme(_) => Self::Input(message),
            Refused::Address(_) => Self::Forbidden(message),
        }
    }
}

impl LookupError {
    /// What reading `query`'s answer found wrong, as the visitor reads it.
    fn from_pick(e: PickError, query: &ProfileQuery) -> Self {
        let provider = query.provider;
        let upstream = provider.upstream_name();
        match e {
            PickError::NotFound => Self::NotFound(no_profile(query)),
            PickError::NoImage if provider.is_generic() => {
                Self::NoImage(format!("{} has no public profile picture.", query.handle))
            }
            PickError::NoImage => Self::NoImage(format!(
                "\"{}\" on {} has no public profile picture.",
                query.handle, provider.name
            )),
            PickError::Blocked(by) => {
                Self::Blocked(FetchError::Blocked { status: 200, by }.sentence(Wording {
                    upstream,
                    ..WORDING
                }))
            }
            PickError::Unreadable(expected) => Self::Unreadable(format!(
                "{upstream}'s answer was not the {expected} we expected."
            )),
            PickError::TooComplex(TooComplex::Nesting) => Self::Unreadable(format!(
                "The page nests its elements more than {} deep; we do not read it.",
                crate::extract::MAX_NESTING
            )),
            PickError::TooComplex(TooComplex::Attributes) => Self::Unreadable(format!(
                "The page has a tag of more than {} attributes; we do not read it.",
                crate::extract::MAX_ATTRIBUTES
            )),
            PickError::TooComplex(TooComplex::Elements) => Self::Unreadable(
                "The page builds far more elements than it writes; we do not read it.".into(),
            ),
        }
    }
}

/// "No such profile", naming the platform and the handle: the URL asked (an API's) means
/// little to a visitor.
fn no_profile(query: &ProfileQuery) -> String {
    if query.provider.is_generic() {
        format!("There is no profile at {}.", query.handle)
    } else {
        format!(
            "{} has no profile \"{}\".",
            query.provider.name, query.handle
        )
    }
}

/// Why asking a platform failed, keeping the fetch's technical cause for the log line.
#[derive(Debug, Clone, thiserror::Error)]
pub(super) enum Failure {
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
    pub(super) fn ends_the_chain(&self, not_found: NotFound) -> bool {
        match self {
            Self::Fetch(FetchError::NotFound { .. }) | Self::Pick(PickError::NotFound) => {
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
    pub(super) fn is_block(&self) -> bool {
        self.rank() == Some(Rank::Blocked)
    }

    /// Whether the platform answered (the profile was read, and held no picture).
    pub(super) fn is_an_answer(&self) -> bool {
        matches!(self, Self::Pick(PickError::NoImage))
    }

    /// How much this failure says about the platform (see [`Rank`]); a chain ranks as the
    /// most telling of its ways' failures, and one where no way was tried has no rank.
    fn rank(&self) -> Option<Rank> {
        let rank = match self {
            Self::Fetch(e) => match e {
                FetchError::Blocked { .. } => Rank::Blocked,
                FetchError::Timeout { .. } => Rank::Timeout,
                FetchError::NotFound { .. } => Rank::NotFound,
                FetchError::Upstream { .. }
                | FetchError::TooLarge { .. }
                | FetchError::Forbidden { .. } => Rank::Error,
            },
            Self::Pick(e) => match e {
                PickError::Blocked(_) => Rank::Blocked,
                PickError::NoImage => Rank::NoImage,
                PickError::NotFound => Rank::NotFound,
                PickError::Unreadable(_) | PickError::TooComplex(_) => Rank::Error,
            },
            Self::Lookup(e) => match e {
                LookupError::Blocked(_) => Rank::Blocked,
                LookupError::Timeout { .. } => Rank::Timeout,
                // A profile whose every image was refused or unusable says no more than a
                // way's "not found".
                LookupError::NotFound(_) | LookupError::NoImage(_) => Rank::NotFound,
                LookupError::Input(_)
                | LookupError::Upstream(_)
                | LookupError::Unreadable(_)
                | LookupError::Forbidden(_)
                | LookupError::Busy(_) => Rank::Error,
            },
            Self::Chain(failures) => return failures.iter().filter_map(|(_, f)| f.rank()).max(),
        };
        Some(rank)
    }

    /// What the visitor reads, naming the platform where a sentence needs it.
    pub(super) fn into_error(self, query: &ProfileQuery) -> LookupError {
        let provider = query.provider;
        let upstream = provider.upstream_name();
        match self {
            Self::Fetch(FetchError::NotFound { .. }) if !provider.is_generic() => {
                LookupError::NotFound(no_profile(query))
            }
            Self::Fetch(e) => LookupError::from_fetch(e, upstream),
            Self::Pick(e) => LookupError::from_pick(e, query),
            Self::Lookup(e) => e,
            Self::Chain(failures) => {
                // The first of the most telling failures: the earliest way that said the most.
                let most = failures.iter().filter_map(|(_, f)| f.rank()).max();
                failures
                    .into_iter()
                    .find(|(_, f)| f.rank() == most)
                    .map_or_else(
                        || LookupError::Upstream(format!("{upstream} could not be asked.")),
                        |(_, f)| f.into_error(query),
                    )
            }
        }
    }
}

/// How much a failure says about the platform, least first: when every way failed, the
/// answer is the first of the most telling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    /// One way's "no such profile" (or a profile with no image a visitor could be sent to).
    NotFound,
    /// An error: the platform answered with one, could not be reached, or answered with
    /// something we cannot read; or we could not ask.
    Error,
    /// The profile was read and held no picture: the platform's answer outranks another
    /// way's error.
    NoImage,
    /// No answer in time.
    Timeout,
    /// The platform refused us: never read as "not found".
    Blocked,
}

/// A budget refusal as a lookup's failure.
pub(super) fn refused(refusal: Refusal, provider: &Provider) -> Failure {
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
