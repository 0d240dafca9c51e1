//! Why a provider could not read a profile out of what it fetched.

/// Every way reading a fetched page or API answer can fail. The fetch itself failing is a
/// [`crate::fetch::FetchError`]; this is what comes after a 2xx answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PickError {
    /// The answer says there is no such profile: definite, so no other way is tried.
    #[error("{0}")]
    NotFound(String),
    /// The answer holds no picture we can read: the profile may have none, or the platform
    /// changed its page. Another way of asking may still find one.
    #[error("{0}")]
    NoImage(String),
    /// The answer is a login wall, a consent page or an anti-bot check, not the profile.
    #[error("{0}")]
    Blocked(String),
    /// The answer is not what the platform serves for a profile (malformed, unexpected).
    #[error("{0}")]
    Unreadable(String),
}
