//! Errors at the edge: every failure a response can carry, mapped once to an HTTP status,
//! a stable code and a page title, and written as the one JSON error body or the error page.
//!
//! Handlers return `Result<_, ApiError>` (JSON) or `Result<_, PageError>` (HTML) and use
//! `?`; the request-limit and rate-limit middlewares build their bodies here too.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, HttpResponseBuilder, ResponseError};
use serde_json::json;

use crate::budget::{self, Refusal};
use crate::cache::CacheStatus;
use crate::fetch::guard::Refused;
use crate::fetch::{Cause, FetchError};
use crate::imaging::ImageError;
use crate::lookup::LookupError;
use crate::pages::{ErrorPage, LookupForm};
use crate::proxy::ProxyError;

mod wording;

use wording::{image_message, refused};
pub use wording::{lookup_message, past_deadline};

/// How a failure shows: its HTTP status, stable code and page title.
type Kind = (StatusCode, &'static str, &'static str);

/// A request that cannot be read: status, code and page title.
const INPUT: Kind = (StatusCode::BAD_REQUEST, "EINPUT", "We could not read that");

/// A URL that would reach a non-public address.
const FORBIDDEN: Kind = (
    StatusCode::FORBIDDEN,
    "EFORBIDDEN",
    "That address is not allowed",
);

/// One failure as a response shows it.
#[derive(Debug, Clone)]
pub struct Problem {
    status: StatusCode,
    code: &'static str,
    title: &'static str,
    message: String,
    /// A lookup answer this failure is (and whether it may be cached): sets `x-cache-status`
    /// and a `cache-control` to match.
    cache: Option<(CacheStatus, bool)>,
    /// What the visitor asked for (`q` and `provider`), to refill the error page's form.
    asked: Option<(String, Option<String>)>,
    /// Seconds after which a retry may succeed (`retry-after`).
    retry_after: Option<u32>,
}

/// No such profile, or none with a picture: status, code and page title.
const NOT_FOUND: Kind = (
    StatusCode::NOT_FOUND,
    "ENOTFOUND",
    "No profile picture found",
);

/// An error status, no connection, a broken exchange or an answer we cannot read: status,
/// code and page title (the message says which, the title only what they share).
const NO_ANSWER: Kind = (
    StatusCode::BAD_GATEWAY,
    "EUPSTREAM",
    "No usable answer from the platform",
);

/// The server is out of memory for now: status, code and page title.
const BUSY: Kind = (
    StatusCode::SERVICE_UNAVAILABLE,
    "EBUSY",
    "The server is busy",
);

impl Problem {
    /// A failure with this status, code, page title and message.
    pub fn new(
        status: StatusCode,
        code: &'static str,
        title: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            title,
            message: message.into(),
            cache: None,
            asked: None,
            retry_after: None,
        }
    }

    /// `400 EINPUT`: the request cannot be read.
    pub fn input(message: impl Into<String>) -> Self {
        let (status, code, title) = INPUT;
        Self::new(status, code, title, message)
    }

    /// The same failure, saying a retry may succeed after `seconds` (`retry-after`).
    pub fn retry_after(self, seconds: u32) -> Self {
        Self {
            retry_after: Some(seconds),
            ..self
        }
    }

    /// The same failure with another status (an input refused as too long: 414, 431).
    pub fn with_status(self, status: StatusCode) -> Self {
        Self { status, ..self }
    }

    /// `404`: no route at this path.
    pub fn no_such_page(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "ENOTFOUND",
            "Page not found",
            message,
        )
    }

    /// `404`: a profile found with no avatar (a banner only), to `/{provider}/{id}`.
    pub fn no_avatar(id: &str) -> Self {
        let (status, code, title) = NOT_FOUND;
        Self::new(status, code, title, format!("{id} has no avatar."))
    }

    /// `502`: the platform named as the avatar something that is not a URL.
    pub fn bad_avatar_url(avatar: &str) -> Self {
        let (status, code, title) = NO_ANSWER;
        Self::new(status, code, title, format!("bad avatar URL {avatar}"))
    }

    /// The same failure as the answer of a lookup served from `cache`.
    pub fn cached(self, cache: CacheStatus, cacheable: bool) -> Self {
        Self {
            cache: Some((cache, cacheable)),
            ..self
        }
    }

    /// The same failure of a lookup of `query` (on the platform `provider`), which its page
    /// shows in the form again.
    pub fn asked(self, query: &str, provider: Option<&str>) -> Self {
        Self {
            asked: Some((query.to_owned(), provider.map(str::to_owned))),
            ..self
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The JSON error body: `{"status":"fail"|"error","code":…,"message":…}`, `fail` when
    /// the request was wrong, `error` when the platform or we were. The one place it is built.
    pub fn body(&self) -> serde_json::Value {
        json!({
            "status": if self.status.is_client_error() { "fail" } else { "error" },
            "code": self.code,
            "message": self.message,
        })
    }

    /// The failure as a JSON response.
    pub fn json(&self) -> HttpResponse {
        let mut response = HttpResponseBuilder::new(self.status).json(self.body());
        self.set_cache_headers(&mut response);
        response
    }

    /// The failure as the HTML error page.
    pub fn page(&self) -> HttpResponse {
        let form = match &self.asked {
            Some((query, provider)) => LookupForm::filled(query, provider.as_deref()),
            None => LookupForm::filled("", None),
        };
        let mut response = super::html(
            self.status,
            &ErrorPage {
                title: self.title,
                message: &self.message,
                status: self.status.as_u16(),
                form,
            },
        );
        self.set_cache_headers(&mut response);
        response
    }

    fn set_cache_headers(&self, response: &mut HttpResponse) {
        let headers = response.headers_mut();
        let control = match self.cache {
            Some((status, cacheable)) => {
                headers.insert(
                    header::HeaderName::from_static("x-cache-status"),
                    HeaderValue::from_static(status.as_str()),
                );
                if cacheable {
                    super::MISS_CACHE_CONTROL
                } else {
                    "no-store"
                }
            }
            None => "no-store",
        };
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(control));
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl From<&LookupError> for Problem {
    fn from(e: &LookupError) -> Self {
        let (status, code, title) = match e {
            LookupError::Input(_) => INPUT,
            // Says both "there is no such profile" and "it has no picture we can use".
            LookupError::NotFound(_) | LookupError::NoImage(_) => NOT_FOUND,
            LookupError::Blocked { .. } => (
                StatusCode::BAD_GATEWAY,
                "EBLOCKED",
                "The platform blocked us",
            ),
            LookupError::Timeout { .. } => (
                StatusCode::GATEWAY_TIMEOUT,
                "ETIMEOUT",
                "The platform took too long",
            ),
            LookupError::Upstream { .. } | LookupError::Unreadable { .. } => NO_ANSWER,
            LookupError::Forbidden(_) => FORBIDDEN,
            LookupError::Busy => {
                let (status, code, title) = BUSY;
                return Self::new(status, code, title, lookup_message(e))
                    .retry_after(budget::RETRY_AFTER_SECS);
            }
        };
        Self::new(status, code, title, lookup_message(e))
    }
}

impl From<&Refused> for Problem {
    fn from(reason: &Refused) -> Self {
        let (status, code, title) = refused_kind(reason);
        Self::new(status, code, title, refused(reason))
    }
}

/// How a URL the guard refused shows: bad input, or a forbidden address.
fn refused_kind(reason: &Refused) -> Kind {
    match reason {
        Refused::Scheme(_) => INPUT,
        Refused::Address(_) => FORBIDDEN,
    }
}

impl From<&ProxyError> for Problem {
    fn from(e: &ProxyError) -> Self {
        let (status, code, title) = match e {
            ProxyError::Budget(Refusal::Busy) => {
                let (status, code, title) = BUSY;
                return Self::new(status, code, title, image_message(e))
                    .retry_after(budget::RETRY_AFTER_SECS);
            }
            ProxyError::Budget(Refusal::TooLarge { .. }) => IMAGE_TOO_LARGE,
            ProxyError::Fetch(fetch) => image_fetch_kind(fetch),
            ProxyError::Image(image) => image_kind(image),
        };
        Self::new(status, code, title, image_message(e))
    }
}

/// An image larger than we fetch, or than the memory budget allows one.
const IMAGE_TOO_LARGE: Kind = (
    StatusCode::PAYLOAD_TOO_LARGE,
    "ETOOLARGE",
    "The image is too large",
);

/// How a failed fetch of an image shows.
fn image_fetch_kind(e: &FetchError) -> Kind {
    match e {
        FetchError::NotFound { .. } => (StatusCode::NOT_FOUND, "ENOTFOUND", "Image not found"),
        FetchError::Blocked { .. } => (
            StatusCode::BAD_GATEWAY,
            "EBLOCKED",
            "The image's host blocked us",
        ),
        FetchError::Timeout { .. } => (
            StatusCode::GATEWAY_TIMEOUT,
            "ETIMEOUT",
            "The image's host took too long",
        ),
        FetchError::Upstream { cause } => (
            StatusCode::BAD_GATEWAY,
            "EUPSTREAM",
            match cause {
                Cause::Status(_) => "The image's host answered with an error",
                Cause::Dns(_) | Cause::Connect(_) => "The image's host is unreachable",
                Cause::Redirects => "The image's host redirected too many times",
                Cause::Transport(_) => "The connection to the image's host failed",
                Cause::Client(_) => "We could not fetch the image",
            },
        ),
        FetchError::TooLarge { .. } => IMAGE_TOO_LARGE,
        FetchError::Forbidden { reason } => refused_kind(reason),
    }
}

/// How an image we could not transform shows.
fn image_kind(e: &ImageError) -> Kind {
    match e {
        ImageError::TooLarge { .. } => IMAGE_TOO_LARGE,
        ImageError::NotAnImage => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "ENOTIMAGE",
            "That is not an image",
        ),
        ImageError::TooManyPixels { .. } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "ETOOMANYPIXELS",
            "The image is too large",
        ),
        ImageError::Corrupt(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "EDECODE",
            "The image is damaged",
        ),
        ImageError::Encode(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "EENCODE",
            "We could not write the image",
        ),
    }
}

/// A failure answered as JSON (the API, `/image`, `/{provider}/{id}`).
#[derive(Debug)]
pub struct ApiError(pub Problem);

/// A failure answered as the HTML error page (`/lookup`, unknown paths).
#[derive(Debug)]
pub struct PageError(pub Problem);

/// `From` every error a handler meets, for both answer forms.
macro_rules! from_errors {
    ($($wrapper:ident),*) => {$(
        impl From<Problem> for $wrapper {
            fn from(problem: Problem) -> Self {
                Self(problem)
            }
        }

        impl From<LookupError> for $wrapper {
            fn from(e: LookupError) -> Self {
                Self(Problem::from(&e))
            }
        }

        impl From<ProxyError> for $wrapper {
            fn from(e: ProxyError) -> Self {
                Self(Problem::from(&e))
            }
        }

        impl fmt::Display for $wrapper {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

from_errors!(ApiError, PageError);

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status
    }

    fn error_response(&self) -> HttpResponse {
        self.0.json()
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.0.status
    }

    fn error_response(&self) -> HttpResponse {
        self.0.page()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lookup::{NoImage, Whose};

    #[test]
    fn every_image_failure_has_a_stable_code_and_status() {
        let cases = [
            (ImageError::TooLarge { bytes: 2, max: 1 }, "ETOOLARGE", 413),
            (ImageError::NotAnImage, "ENOTIMAGE", 415),
            (
                ImageError::TooManyPixels {
                    width: 2,
                    height: 2,
                    max: 3,
                },
                "ETOOMANYPIXELS",
                422,
            ),
            (ImageError::Corrupt("x".into()), "EDECODE", 422),
            (ImageError::Encode("x".into()), "EENCODE", 500),
        ];
        for (error, code, status) in cases {
            let problem = Problem::from(&ProxyError::Image(error.clone()));
            assert_eq!(problem.code, code);
            assert_eq!(problem.status.as_u16(), status, "{error}");
            assert_eq!(problem.body()["message"], error.to_string());
        }
    }

    #[test]
    fn a_failed_lookups_page_title_agrees_with_its_message() {
        let url = url::Url::parse("https://github.com/nobody").unwrap();
        let upstream = |cause| FetchError::Upstream { cause };
        let no_answer = "No usable answer from the platform";
        let cases = [
            (
                FetchError::NotFound { url, status: 404 },
                "No profile picture found",
                "There is no profile at https://github.com/nobody.",
            ),
            (
                FetchError::Blocked {
                    status: 429,
                    by: "a rate limit",
                },
                "The platform blocked us",
                "The platform stopped us with a rate limit.",
            ),
            (
                FetchError::Timeout {
                    phase: crate::fetch::Phase::Connect,
                },
                "The platform took too long",
                "The platform did not answer in time.",
            ),
            (
                upstream(Cause::Status(500)),
                no_answer,
                "The platform answered with HTTP 500.",
            ),
            (
                upstream(Cause::Connect("refused".into())),
                no_answer,
                "Could not connect to the platform.",
            ),
            (
                upstream(Cause::Dns("no such name".into())),
                no_answer,
                "Could not connect to the platform.",
            ),
            (
                upstream(Cause::Redirects),
                no_answer,
                "The platform redirected too many times.",
            ),
            (
                upstream(Cause::Transport("reset".into())),
                no_answer,
                "The connection to the platform failed.",
            ),
            (
                FetchError::TooLarge { max: 1024 },
                no_answer,
                "The platform's answer is larger than the 1 KiB we read.",
            ),
        ];
        for (failure, title, message) in cases {
            let problem = Problem::from(&LookupError::from(failure));
            assert_eq!(problem.title, title, "{message}");
            assert!(problem.message.starts_with(message), "{}", problem.message);
        }
    }

    #[test]
    fn a_budget_refusal_is_busy_for_now_or_too_large_for_ever() {
        let busy = Problem::from(&ProxyError::Budget(Refusal::Busy)).json();
        assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(busy.headers().get(header::RETRY_AFTER).unwrap(), "2");
        let too_large = Problem::from(&ProxyError::Budget(Refusal::TooLarge {
            needed: 1 << 30,
            most: 1 << 27,
        }));
        assert_eq!(too_large.status().as_u16(), 413);
        assert_eq!(too_large.body()["code"], "ETOOLARGE");
    }

    #[test]
    fn the_body_says_fail_for_the_callers_mistakes_and_error_for_ours() {
        let input = Problem::input("No.").body();
        assert_eq!(
            input,
            json!({"status": "fail", "code": "EINPUT", "message": "No."})
        );
        let timeout = Problem::from(&LookupError::Timeout {
            platform: Some("GitHub"),
            within: Some(std::time::Duration::from_millis(500)),
        })
        .body();
        assert_eq!(timeout["message"], "GitHub did not answer within 0.5 s.");
        assert_eq!(timeout["status"], "error");
        assert_eq!(timeout["code"], "ETIMEOUT");
    }

    #[test]
    fn bad_input_is_refused_with_a_helpful_message() {
        for &(q, picked) in crate::lookup::REFUSED_INPUTS {
            let err = crate::lookup::ProfileQuery::parse(q, picked)
                .err()
                .unwrap_or_else(|| panic!("{q} parsed"));
            let message = lookup_message(&err);
            assert!(message.len() > 10, "{q}: {message}");
            assert_eq!(Problem::from(&err).body()["code"], "EINPUT", "{q}");
        }
        let q = format!("https://example.com/{}", "\u{FFFD}".repeat(600));
        let err = crate::lookup::ProfileQuery::parse(&q, None)
            .err()
            .expect("parsed");
        assert_eq!(
            lookup_message(&err),
            "That link is longer than 2048 characters once encoded."
        );
    }

    #[test]
    fn a_profile_missing_names_the_platform_and_the_handle_or_the_page() {
        let named = || Whose::Named {
            platform: "GitHub",
            handle: "nobody".into(),
        };
        let page = || Whose::At("https://example.com/ana".into());
        let cases = [
            (
                LookupError::NotFound(named()),
                "GitHub has no profile \"nobody\".",
            ),
            (
                LookupError::NotFound(page()),
                "There is no profile at https://example.com/ana.",
            ),
            (
                LookupError::NoImage(NoImage::NoPicture(named())),
                "\"nobody\" on GitHub has no public profile picture.",
            ),
            (
                LookupError::NoImage(NoImage::NoPicture(page())),
                "https://example.com/ana has no public profile picture.",
            ),
            (
                LookupError::NoImage(NoImage::Unusable {
                    platform: "GitHub",
                    handle: "nobody".into(),
                }),
                "GitHub nobody has no usable image.",
            ),
        ];
        for (failure, message) in cases {
            assert_eq!(lookup_message(&failure), message);
            assert_eq!(Problem::from(&failure).body()["code"], "ENOTFOUND");
        }
    }
}
