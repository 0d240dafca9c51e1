//! Why a provider could not read a profile out of what it fetched.

/// Every way reading a fetched page or API answer can fail. The fetch itself failing is a
/// [`crate::fetch::FetchError`]; this is what comes after a 2xx answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PickError {
    /// The answer says there is no such profile, or it has no image.
    #[error("{0}")]
    NotFound(String),
    /// The answer is a login wall, a consent page or an anti-bot check, not the profile.
    #[error("{0}")]
    Blocked(String),
    /// The answer is not what the platform serves for a profile (malformed, unexpected).
    #[error("{0}")]
    Unreadable(String),
}
