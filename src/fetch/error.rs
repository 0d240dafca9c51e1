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

/// How a caller names the two sides of a fetch in what a visitor reads.
#[derive(Debug, Clone, Copy)]
pub struct Wording {
    /// The upstream, as the subject of a sentence: "The platform", "The image's host".
    pub upstream: &'static str,
    /// What was asked for: "profile", "image".
    pub thing: &'static str,
    /// What was read: "platform's answer", "image".
    pub body: &'static str,
}

impl FetchError {
    /// One sentence a visitor can read, in `wording`'s terms. The technical cause (DNS,
    /// refused, TLS) stays in [`FetchError`]'s `Display`, for the log.
    pub fn sentence(&self, wording: Wording) -> String {
        let Wording {
            upstream,
            thing,
            body,
        } = wording;
        match self {
            Self::NotFound { url, .. } => format!("There is no {thing} at {url}."),
            Self::Blocked { by, .. } => format!(
                "{upstream} stopped us with {by}. That is a block, not a missing {thing}: try \
                 again later."
            ),
            Self::Timeout { .. } => format!("{upstream} did not answer in time."),
            Self::Upstream { cause } => match cause {
                Cause::Status(status) => format!("{upstream} answered with HTTP {status}."),
                Cause::Dns(_) | Cause::Connect(_) => {
                    format!("Could not connect to {}.", lower_first(upstream))
                }
                Cause::Redirects => format!("{upstream} redirected too many times."),
                Cause::Transport(_) => {
                    format!("The connection to {} failed.", lower_first(upstream))
                }
                Cause::Client(_) => "We could not set up our HTTP client.".into(),
            },
            Self::TooLarge { max } => {
                format!("The {body} is larger than the {} we read.", size(*max))
            }
            Self::Forbidden { reason } => match reason {
                Refused::Scheme(_) => "Only http and https links can be used.".into(),
                Refused::Address(_) => format!("Refused: {reason}."),
            },
        }
    }
}

/// `bytes` as a visitor reads it: whole MiB when it is some, else KiB.
fn size(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{} KiB", bytes.div_ceil(1024))
    }
}

/// "The platform" → "the platform", to put a subject after a verb; a name ("GitHub") stays.
fn lower_first(s: &str) -> String {
    match s.strip_prefix("The ") {
        Some(rest) => format!("the {rest}"),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOOKUP: Wording = Wording {
        upstream: "The platform",
        thing: "profile",
        body: "platform's answer",
    };
    const IMAGE: Wording = Wording {
        upstream: "The image's host",
        thing: "image",
        body: "image",
    };

    #[test]
    fn a_visitor_reads_what_was_missing_in_the_callers_terms() {
        let missing = FetchError::NotFound {
            url: Url::parse("https://cdn.example/a.png").unwrap(),
            status: 404,
        };
        assert_eq!(
            missing.sentence(IMAGE),
            "There is no image at https://cdn.example/a.png."
        );
        assert_eq!(
            missing.sentence(LOOKUP),
            "There is no profile at https://cdn.example/a.png."
        );
    }

    #[test]
    fn the_technical_cause_is_kept_for_the_log_but_not_shown() {
        let refused = FetchError::Upstream {
            cause: Cause::Connect("tcp connect error: Connection refused (os error 111)".into()),
        };
        assert!(refused.to_string().contains("Connection refused"));
        assert_eq!(
            refused.sentence(IMAGE),
            "Could not connect to the image's host."
        );
        let dns = FetchError::Upstream {
            cause: Cause::Dns("nowhere.invalid did not resolve".into()),
        };
        assert!(dns.to_string().starts_with("DNS failed"));
    }

    #[test]
    fn limits_read_in_whole_units() {
        let big = FetchError::TooLarge {
            max: 15 * 1024 * 1024,
        };
        assert_eq!(
            big.sentence(IMAGE),
            "The image is larger than the 15 MiB we read."
        );
        let page = FetchError::TooLarge { max: 1500 * 1024 };
        assert_eq!(
            page.sentence(LOOKUP),
            "The platform's answer is larger than the 1500 KiB we read."
        );
    }
}
