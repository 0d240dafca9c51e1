//! Why a fetch failed, in the fetcher's own terms: what the upstream did, not what it means
//! for a lookup or an image (the callers say that).

use std::fmt;

use url::Url;

use super::guard::Refused;

/// The part of an exchange that ran out of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Resolving the host name (within `GETIMAGES_CONNECT_TIMEOUT`).
    Dns,
    /// Opening the connection (`GETIMAGES_CONNECT_TIMEOUT`).
    Connect,
    /// Waiting for the answer or reading its body (the request deadline).
    Read,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Dns => "resolving the host name",
            Self::Connect => "connecting",
            Self::Read => "reading the answer",
        })
    }
}

/// Why an upstream failed to give a usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// It answered with an HTTP status that is neither success, not found nor a block.
    Status(u16),
    /// The host name did not resolve.
    Dns(String),
    /// No connection could be made (refused, unreachable, TLS failed).
    Connect(String),
    /// It redirected more times than we follow.
    Redirects,
    /// The connection broke or the answer was not HTTP.
    Transport(String),
    /// The HTTP client could not be built (our side).
    Client(String),
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Status(status) => write!(f, "HTTP {status}"),
            Self::Dns(cause) => write!(f, "DNS failed: {cause}"),
            Self::Connect(cause) => write!(f, "cannot connect: {cause}"),
            Self::Redirects => f.write_str("too many redirects"),
            Self::Transport(cause) => write!(f, "the exchange failed: {cause}"),
            Self::Client(cause) => write!(f, "cannot set up the HTTP client: {cause}"),
        }
    }
}

/// Every way a fetch can fail.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    /// 404 or 410: there is nothing at `url`.
    #[error("nothing at {url} (HTTP {status})")]
    NotFound {
        /// The URL that was asked for (after redirects).
        url: Url,
        /// 404 or 410.
        status: u16,
    },
    /// The upstream refused us, or answered with a wall instead of the page: 401, 403, 429,
    /// LinkedIn's 999, an anti-bot challenge, a login or consent page (see `fetch::block`).
    #[error("blocked with HTTP {status} by {by}")]
    Blocked {
        /// The status it answered with.
        status: u16,
        /// What stopped us, as a phrase: "a Cloudflare challenge", "a login wall".
        by: &'static str,
    },
    /// No answer in time.
    #[error("timed out {phase}")]
    Timeout {
        /// What was under way.
        phase: Phase,
    },
    /// The upstream failed in another way.
    #[error("{cause}")]
    Upstream {
        /// What happened, with the underlying error where there is one.
        cause: Cause,
    },
    /// The body is larger than the caller reads.
    #[error("the body is larger than {max} bytes")]
    TooLarge {
        /// The limit it broke.
        max: usize,
    },
    /// The URL (or a redirect, or a DNS answer) points at a non-public address.
    #[error("refused: {reason}")]
    Forbidden {
        /// What the guard refused.
        reason: Refused,
    },
}

impl From<Refused> for FetchError {
    fn from(reason: Refused) -> Self {
        Self::Forbidden { reason }
    }
}
