//! Why a provider could not read a profile out of what it fetched, as data: what the answer
//! said or lacked. The platform and the handle are the lookup's to add, and the sentence a
//! visitor reads is written at the edge (`routes::error`).

/// Every way reading a fetched page or API answer can fail. The fetch itself failing is a
/// [`crate::fetch::FetchError`]; this is what comes after a 2xx answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PickError {
    /// The answer says there is no such profile: definite, so no other way is tried.
    #[error("the answer says there is no such profile")]
    NotFound,
    /// The answer holds no picture we can read: the profile may have none, or the platform
    /// changed its page. Another way of asking may still find one.
    #[error("the answer holds no picture")]
    NoImage,
    /// The answer is a login wall, a consent page or an anti-bot check, not the profile:
    /// what stopped us, as a phrase ("its consent page", "an integrity check").
    #[error("blocked by {0}")]
    Blocked(&'static str),
    /// The answer is not what the platform serves for a profile (malformed, unexpected):
    /// what it should have been, as a noun ("JSON", "list of users").
    #[error("the answer was not the {0} expected")]
    Unreadable(&'static str),
    /// The page is built in a way we refuse to parse: what about it.
    #[error("the page is too complex to parse ({0:?})")]
    TooComplex(TooComplex),
}

/// What makes a page too complex to parse: read from its shape before its tree is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TooComplex {
    /// Elements nested deeper than `most` (`extract::MAX_NESTING`).
    Nesting {
        /// The limit the page passed: the deepest nesting we read.
        most: usize,
    },
    /// A tag with more than `most` attributes (`extract::MAX_ATTRIBUTES`).
    Attributes {
        /// The limit the page passed: the most attributes we read on one tag.
        most: usize,
    },
    /// Far more elements built than the page writes.
    Elements,
}
