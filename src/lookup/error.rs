//! Why a lookup failed, with the HTTP status and stable code each reason maps to.

use actix_web::http::StatusCode;

/// Every way a lookup can fail, as the visitor and API clients see it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// The input cannot be understood.
    #[error("{0}")]
    Input(String),
    /// The profile does not exist, or has no image.
    #[error("{0}")]
    NotFound(String),
    /// The platform refused us (login wall, anti-bot page, rate limit).
    #[error("{0}")]
    Blocked(String),
    /// The platform did not answer within the lookup deadline.
    #[error("{0}")]
    Timeout(String),
    /// The platform answered with an error or something we cannot read.
    #[error("{0}")]
    Upstream(String),
    /// The answer is larger than we read.
    #[error("{0}")]
    TooLarge(String),
    /// The URL points at a private or otherwise forbidden address.
    #[error("{0}")]
    Forbidden(String),
}

impl LookupError {
    /// The stable machine-readable code, e.g. `ENOTFOUND`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Input(_) => "EINPUT",
            Self::NotFound(_) => "ENOTFOUND",
            Self::Blocked(_) => "EBLOCKED",
            Self::Timeout(_) => "ETIMEOUT",
            Self::Upstream(_) => "EUPSTREAM",
            Self::TooLarge(_) => "ETOOLARGE",
            Self::Forbidden(_) => "EFORBIDDEN",
        }
    }

    /// The HTTP status this failure is served with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Input(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Blocked(_) | Self::Upstream(_) => StatusCode::BAD_GATEWAY,
            Self::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
        }
    }

    /// A short title for the error page.
    pub fn title(&self) -> &'static str {
        match self {
            Self::Input(_) => "We could not read that",
            Self::NotFound(_) => "Profile not found",
            Self::Blocked(_) => "The platform blocked us",
            Self::Timeout(_) => "The platform took too long",
            Self::Upstream(_) => "The platform answered with an error",
            Self::TooLarge(_) => "Too large",
            Self::Forbidden(_) => "That address is not allowed",
        }
    }

    /// Whether the failure is the caller's (JSend `fail`) rather than ours or the platform's
    /// (JSend `error`).
    pub fn is_client_error(&self) -> bool {
        self.status().is_client_error()
    }

    /// Whether the answer is worth caching: a profile that does not exist stays missing for a
    /// while, but a timeout or a block says nothing about the profile.
    pub fn is_cacheable(&self) -> bool {
        matches!(self, Self::NotFound(_))
    }
}
