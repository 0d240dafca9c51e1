//! Why a lookup failed, as data: the platform, the handle, the cause. How each reason is
//! served over HTTP (status, code, page title) and the sentence a visitor reads are written
//! at the edge, in `routes::error`.

use crate::budget::Refusal;
use crate::fetch::{Cause, FetchError, guard::Refused};
use crate::providers::{NotFound, PickError, Provider, TooComplex};

use super::ProfileQuery;

/// The platform a failure is about: its name, or `None` for the generic page reader's page
/// and for a failed fetch no lookup named (the visitor reads "the platform").
pub type Platform = Option<&'static str>;

/// `platform` in a log line.
fn logged(platform: Platform) -> &'static str {
    platform.unwrap_or("the page's site")
}

/// Every way a lookup can fail, with what the visitor's sentence names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// The input cannot be understood.
    #[error("input refused: {0}")]
    Input(InputError),
    /// The profile does not exist.
    #[error("no profile {0}")]
    NotFound(Whose),
    /// The platform answered, and no picture could be read from its answer: the profile has
    /// none, or the platform changed its page (served as "not found"; `getimages check`
    /// reports it as a change).
    #[error("{0}")]
    NoImage(NoImage),
    /// The platform refused us (login wall, anti-bot page, rate limit).
    #[error("{} blocked us with {by}", logged(*.platform))]
    Blocked {
        /// The platform (see [`Platform`]).
        platform: Platform,
        /// What stopped us, as a phrase: "a Cloudflare challenge", "a login wall".
        by: &'static str,
    },
    /// The platform did not answer in time: within the lookup's deadline (`within`), or
    /// within a fetch's own timeout (`None`).
    #[error("{} timed out", logged(*.platform))]
    Timeout {
        /// The platform (see [`Platform`]).
        platform: Platform,
        /// The lookup's deadline, when it was that one that passed.
        within: Option<std::time::Duration>,
    },
    /// The platform answered with an error, could not be reached, or its answer could not
    /// be taken in.
    #[error("{}: {cause}", logged(*.platform))]
    Upstream {
        /// The platform (see [`Platform`]).
        platform: Platform,
        /// What went wrong.
        cause: Unanswered,
    },
    /// The platform answered, with something we cannot read as a profile (not the JSON or
    /// page it serves): served as `Upstream`; `getimages check` reports it as a change.
    #[error("{}: {cause}", logged(*.platform))]
    Unreadable {
        /// The platform (see [`Platform`]).
        platform: Platform,
        /// What about the answer.
        cause: Unreadable,
    },
    /// The URL points at a private or otherwise forbidden address.
    #[error("refused: {0}")]
    Forbidden(Refused),
    /// The memory budget stayed spent for the whole wait: nothing was asked.
    #[error("the memory budget stayed spent")]
    Busy,
}

/// Why the visitor's input cannot be looked up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// Nothing was typed.
    #[error("empty")]
    Empty,
    /// The input is longer than `most` bytes.
    #[error("longer than {most} bytes")]
    TooLong {
        /// The longest input accepted.
        most: usize,
    },
    /// The link is longer than `most` bytes once percent-encoded.
    #[error("longer than {most} bytes once encoded")]
    TooLongEncoded {
        /// The longest link accepted.
        most: usize,
    },
    /// The platform picked is none we know: its id, as given.
    #[error("unknown platform {0:?}")]
    UnknownPlatform(String),
    /// The input is not a handle or profile URL of the platform picked.
    #[error("{q:?} is no {} handle", provider.id)]
    NotAHandle {
        /// The input, as typed.
        q: String,
        /// The platform picked.
        provider: &'static Provider,
    },
    /// A link with a scheme other than http(s), typed without a platform.
    #[error("not an http(s) link")]
    NotHttp,
    /// No platform can be told from the input: the input.
    #[error("no platform detected in {0:?}")]
    WhichPlatform(String),
    /// A bare name given where one profile is asked for: the name.
    #[error("{0:?} is a bare name")]
    BareName(String),
    /// No platform we know reads this address: the address.
    #[error("no platform for {0:?}")]
    NoPlatform(String),
    /// The guard refused a link's scheme: the link.
    #[error("{0}: not http or https")]
    Scheme(String),
    /// The address a way would ask is not a URL: the address.
    #[error("{0:?} is not a URL")]
    BadAddress(String),
}

/// Whose profile a failure is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Whose {
    /// The profile at an address: a page the generic reader was asked for, or the URL a
    /// platform answered "not found" at.
    At(String),
    /// One platform's profile.
    Named {
        /// The platform's name ("GitHub").
        platform: &'static str,
        /// The handle.
        handle: String,
    },
}

impl std::fmt::Display for Whose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::At(address) => write!(f, "at {address}"),
            Self::Named { platform, handle } => write!(f, "{handle:?} on {platform}"),
        }
    }
}

/// Why a profile that was read gave no picture.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoImage {
    /// The profile shows none.
    #[error("no picture {0}")]
    NoPicture(Whose),
    /// Every picture it showed is one a visitor could not be sent to.
    #[error("no usable image for {handle:?} on {platform}")]
    Unusable {
        /// The platform's name ("GitHub").
        platform: &'static str,
        /// The handle.
        handle: String,
    },
}

/// Why a platform gave no answer we could take in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unanswered {
    /// It answered with an error status, could not be reached, or the exchange broke.
    #[error("{0}")]
    Fetch(Cause),
    /// Its answer is larger than the `max` bytes we read.
    #[error("the answer is larger than {max} bytes")]
    TooLarge {
        /// The limit it broke.
        max: usize,
    },
    /// Reading its page would take more memory than the budget allows one page.
    #[error("reading the page needs {needed} bytes, more than the {most} one page may take")]
    OverBudget {
        /// Bytes asked for.
        needed: u64,
        /// The most one page may take.
        most: u64,
    },
    /// No way of asking it could be tried.
    #[error("no way could be asked")]
    NotAsked,
    /// Reading its page stopped: the reading task's failure.
    #[error("reading the page failed: {0}")]
    Reading(String),
}

/// What about a platform's answer we cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreadable {
    /// It is not what the platform serves: what it should have been ("JSON").
    #[error("the answer was not the {0} expected")]
    NotThe(&'static str),
    /// The page is built in a way we refuse to parse.
    #[error("the page is too complex to parse ({0:?})")]
    TooComplex(TooComplex),
}

impl LookupError {
    /// The outcome a log line or metric names: `not_found`, `blocked`, …
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::Input(_) => "input",
            Self::NotFound(_) => "not_found",
            Self::NoImage(_) => "no_image",
            Self::Blocked { .. } => "blocked",
            Self::Timeout { .. } => "timeout",
            Self::Upstream { .. } => "upstream",
            Self::Unreadable { .. } => "unreadable",
            Self::Forbidden(_) => "forbidden",
            Self::Busy => "busy",
        }
    }

    /// Whether the answer is worth caching: a profile that does not exist stays missing for a
    /// while, but a timeout or a block says nothing about the profile.
    pub fn is_cacheable(&self) -> bool {
        matches!(self, Self::NotFound(_) | Self::NoImage(_))
    }
}

impl From<InputError> for LookupError {
    fn from(e: InputError) -> Self {
        Self::Input(e)
    }
}

impl From<FetchError> for LookupError {
    fn from(e: FetchError) -> Self {
        Self::from_fetch(e, None)
    }
}

impl LookupError {
    /// A failed fetch, with the platform named (`upstream`).
    pub fn from_fetch(e: FetchError, upstream: Platform) -> Self {
        let unanswered = |cause| Self::Upstream {
            platform: upstream,
            cause,
        };
        match e {
            FetchError::NotFound { url, .. } => Self::NotFound(Whose::At(url.to_string())),
            FetchError::Blocked { by, .. } => Self::Blocked {
                platform: upstream,
                by,
            },
            FetchError::Timeout { .. } => Self::Timeout {
                platform: upstream,
                within: None,
            },
            FetchError::Upstream { cause } => unanswered(Unanswered::Fetch(cause)),
            // A page too large to read is the platform's failure, not the visitor's.
            FetchError::TooLarge { max } => unanswered(Unanswered::TooLarge { max }),
            FetchError::Forbidden { reason } => reason.into(),
        }
    }
}

impl From<Refused> for LookupError {
    fn from(reason: Refused) -> Self {
        match reason {
            Refused::Scheme(link) => Self::Input(InputError::Scheme(link)),
            Refused::Address(_) => Self::Forbidden(reason),
        }
    }
}

impl LookupError {
    /// What reading `query`'s answer found wrong.
    fn from_pick(e: PickError, query: &ProfileQuery) -> Self {
        let platform = query.provider.platform_name();
        match e {
            PickError::NotFound => Self::NotFound(whose(query)),
            PickError::NoImage => Self::NoImage(NoImage::NoPicture(whose(query))),
            PickError::Blocked(by) => Self::Blocked { platform, by },
            PickError::Unreadable(expected) => Self::Unreadable {
                platform,
                cause: Unreadable::NotThe(expected),
            },
            PickError::TooComplex(what) => Self::Unreadable {
                platform,
                cause: Unreadable::TooComplex(what),
            },
        }
    }
}

/// Whose profile `query` asks for: the page's address for the generic reader, else the
/// platform and the handle (the URL asked, an API's, means little to a visitor).
fn whose(query: &ProfileQuery) -> Whose {
    if query.provider.is_generic() {
        Whose::At(query.handle.clone())
    } else {
        Whose::Named {
            platform: query.provider.name,
            handle: query.handle.clone(),
        }
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
                LookupError::Input(_) | LookupError::Forbidden(_) | LookupError::Busy
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
                LookupError::Blocked { .. } => Rank::Blocked,
                LookupError::Timeout { .. } => Rank::Timeout,
                // A profile whose every image was refused or unusable says no more than a
                // way's "not found".
                LookupError::NotFound(_) | LookupError::NoImage(_) => Rank::NotFound,
                LookupError::Input(_)
                | LookupError::Upstream { .. }
                | LookupError::Unreadable { .. }
                | LookupError::Forbidden(_)
                | LookupError::Busy => Rank::Error,
            },
            Self::Chain(failures) => return failures.iter().filter_map(|(_, f)| f.rank()).max(),
        };
        Some(rank)
    }

    /// The lookup's failure, naming the platform and the handle where a sentence needs them.
    pub(super) fn into_error(self, query: &ProfileQuery) -> LookupError {
        let provider = query.provider;
        let upstream = provider.platform_name();
        match self {
            Self::Fetch(FetchError::NotFound { .. }) if !provider.is_generic() => {
                LookupError::NotFound(whose(query))
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
                        || LookupError::Upstream {
                            platform: upstream,
                            cause: Unanswered::NotAsked,
                        },
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
        Refusal::Busy => LookupError::Busy,
        Refusal::TooLarge { needed, most } => LookupError::Upstream {
            platform: provider.platform_name(),
            cause: Unanswered::OverBudget { needed, most },
        },
    })
}
