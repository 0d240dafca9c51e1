//! Why a lookup failed, as the visitor and API clients see it. How each reason is served
//! over HTTP (status, code, page title) is decided at the edge, in `routes::error`.

use crate::fetch::{FetchError, Wording, guard::Refused};
use crate::providers::PickError;

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
    /// The platform did not answer within the lookup deadline.
    #[error("{0}")]
    Timeout(String),
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
            Self::Timeout(_) => "timeout",
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
            FetchError::Timeout { .. } => Self::Timeout(message),
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

impl From<PickError> for LookupError {
    fn from(e: PickError) -> Self {
        match e {
            PickError::NotFound(message) => Self::NotFound(message),
            PickError::NoImage(message) => Self::NoImage(message),
            PickError::Blocked(message) => Self::Blocked(message),
            PickError::Unreadable(message) => Self::Unreadable(message),
        }
    }
}
