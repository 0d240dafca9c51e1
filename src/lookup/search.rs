//! A bare name looked up on every platform that takes usernames, at once: each platform's
//! answer comes out of the stream as soon as it is in, through the same answers cache and
//! single-flight as a single lookup, and the whole search keeps one lookup's deadline.
//!
//! Dropping the stream (the visitor left) drops the lookups still running, and with them
//! their requests to the platforms.

use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, FuturesUnordered, Stream, StreamExt};
use tokio::time::Instant;

use super::{Lookup, LookupError, Name, Profile};
use crate::cache::CacheStatus;
use crate::providers::{self, Provider};

/// How one platform answered a search.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The profile, with its images.
    Found(Arc<Profile>),
    /// The lookup failed: not found, blocked, timed out or an error, as the error says.
    Failed(LookupError),
    /// The search's deadline came before the platform's answer.
    PastDeadline,
    /// The name is not a valid handle on this platform, which was not asked.
    Invalid,
}

/// The kinds of [`Outcome`], as the API names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// `found`.
    Found,
    /// `not_found`: no such profile, or one without a picture.
    NotFound,
    /// `blocked`: the platform refused us.
    Blocked,
    /// `timeout`: no answer in time.
    Timeout,
    /// `error`: the platform failed, or answered with something unreadable.
    Error,
    /// `invalid`: not a valid name there.
    Invalid,
}

impl Kind {
    /// The API's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Found => "found",
            Self::NotFound => "not_found",
            Self::Blocked => "blocked",
            Self::Timeout => "timeout",
            Self::Error => "error",
            Self::Invalid => "invalid",
        }
    }
}

impl Outcome {
    /// Which kind of outcome it is.
    pub fn kind(&self) -> Kind {
        match self {
            Self::Found(_) => Kind::Found,
            Self::Failed(e) => match e {
                LookupError::NotFound(_) | LookupError::NoImage(_) => Kind::NotFound,
                LookupError::Blocked { .. } => Kind::Blocked,
                LookupError::Timeout { .. } => Kind::Timeout,
                LookupError::Input(_)
                | LookupError::Upstream { .. }
                | LookupError::Unreadable { .. }
                | LookupError::Forbidden(_)
                | LookupError::Busy => Kind::Error,
            },
            Self::PastDeadline => Kind::Timeout,
            Self::Invalid => Kind::Invalid,
        }
    }
}

/// One platform's answer to a search.
#[derive(Debug, Clone)]
pub struct Searched {
    /// The platform asked (or not, when the name is invalid there).
    pub provider: &'static Provider,
    /// The handle asked for there (the name as the platform normalizes it).
    pub handle: Option<String>,
    /// What it answered.
    pub outcome: Outcome,
    /// Where the answer came from; `None` when nothing was asked.
    pub cache: Option<CacheStatus>,
    /// How long it took.
    pub elapsed: Duration,
}

/// The platforms a bare name is looked up on: every one that takes usernames, in the order the
/// API lists them.
pub fn platforms() -> impl Iterator<Item = &'static Provider> {
    providers::ALL.iter().copied().filter(|p| p.takes_username)
}

impl Lookup {
    /// Looks `name` up on each of `on` at once, within one lookup's deadline from now. The
    /// platforms where the name is no valid handle come first, unasked; then each answer as it
    /// is in.
    pub fn search(
        self: Arc<Self>,
        name: &Name,
        on: &[&'static Provider],
    ) -> impl Stream<Item = Searched> + 'static {
        let started = Instant::now();
        let deadline = started + self.timeout();
        let mut invalid = Vec::new();
        let asked = FuturesUnordered::new();
        for &provider in on {
            let Some(query) = name.on(provider) else {
                invalid.push(Searched {
                    provider,
                    handle: None,
                    outcome: Outcome::Invalid,
                    cache: None,
                    elapsed: Duration::ZERO,
                });
                continue;
            };
            let lookup = Arc::clone(&self);
            asked.push(async move {
                let answer = tokio::time::timeout_at(deadline, lookup.lookup(&query)).await;
                let (outcome, cache) = match answer {
                    Ok((Ok(profile), cache)) => (Outcome::Found(profile), Some(cache)),
                    Ok((Err(e), cache)) => (Outcome::Failed(e), Some(cache)),
                    Err(_) => (Outcome::PastDeadline, None),
                };
                Searched {
                    provider: query.provider,
                    handle: Some(query.handle),
                    outcome,
                    cache,
                    elapsed: started.elapsed(),
                }
            });
        }
        stream::iter(invalid).chain(asked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lookup::{NoImage, Unanswered, Whose};

    #[test]
    fn a_name_goes_to_every_username_platform_and_no_other() {
        let ids: Vec<&str> = platforms().map(|p| p.id).collect();
        for id in ["github", "x", "instagram", "reddit", "bluesky", "youtube"] {
            assert!(ids.contains(&id), "{id} not searched");
        }
        for id in ["gravatar", "mastodon", "stackoverflow", "page"] {
            assert!(!ids.contains(&id), "{id} searched");
        }
    }

    #[test]
    fn outcomes_are_named_as_the_api_names_them() {
        let failed = |e| Outcome::Failed(e).kind().as_str();
        assert_eq!(
            failed(LookupError::NotFound(Whose::At(String::new()))),
            "not_found"
        );
        assert_eq!(
            failed(LookupError::NoImage(NoImage::NoPicture(Whose::At(
                String::new()
            )))),
            "not_found"
        );
        assert_eq!(
            failed(LookupError::Blocked {
                platform: Some("GitHub"),
                by: "a login wall"
            }),
            "blocked"
        );
        assert_eq!(
            failed(LookupError::Timeout {
                platform: Some("GitHub"),
                within: None
            }),
            "timeout"
        );
        assert_eq!(
            failed(LookupError::Upstream {
                platform: Some("GitHub"),
                cause: Unanswered::NotAsked
            }),
            "error"
        );
        assert_eq!(Outcome::PastDeadline.kind().as_str(), "timeout");
        assert_eq!(Outcome::Invalid.kind().as_str(), "invalid");
    }
}
