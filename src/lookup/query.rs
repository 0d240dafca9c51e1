//! What the visitor asked for, parsed once at the edge.

use url::Url;

use super::LookupError;
use crate::providers::{self, Provider};

/// Longest input accepted.
pub const MAX_INPUT_LEN: usize = 2048;

/// A profile to look up: a provider and a handle in that provider's normal form (for the
/// generic `page` provider, the page URL).
#[derive(Clone)]
pub struct ProfileQuery {
    /// Whose rules apply.
    pub provider: &'static Provider,
    /// The handle, normalized by the provider.
    pub handle: String,
}

impl ProfileQuery {
    /// Parses the visitor's input `q`, with the platform they picked (`None`, empty or `auto`
    /// to detect it from the input).
    pub fn parse(q: &str, picked: Option<&str>) -> Result<Self, LookupError> {
        let q = q.trim();
        if q.is_empty() {
            return Err(LookupError::Input(
                "Paste a profile URL or a handle, such as https://x.com/jack or @Gargron@mastodon.social."
                    .into(),
            ));
        }
        if q.len() > MAX_INPUT_LEN {
            return Err(LookupError::Input(format!(
                "That input is longer than {MAX_INPUT_LEN} characters."
            )));
        }
        let query = match picked
            .map(str::trim)
            .filter(|p| !p.is_empty() && *p != "auto")
        {
            Some(id) => {
                let provider = providers::by_id(id).ok_or_else(|| {
                    LookupError::Input(format!(
                        "Unknown platform \"{id}\". The list is at /api/v1/providers."
                    ))
                })?;
                Self::for_provider(provider, q)
            }
            None => Self::detect(q),
        }?;
        // A link grows when normalized (each non-ASCII character becomes up to nine
        // percent-encoded bytes); what comes out must still be something we accept back in,
        // as the handle in `/page/{handle}` and the canonical links.
        if query.handle.len() > MAX_INPUT_LEN {
            return Err(LookupError::Input(format!(
                "That link is longer than {MAX_INPUT_LEN} characters once encoded."
            )));
        }
        Ok(query)
    }

    /// Input with a platform picked: a handle, or one of its profile URLs.
    fn for_provider(provider: &'static Provider, q: &str) -> Result<Self, LookupError> {
        let from_url = as_url(q)
            .filter(|_| !provider.is_generic())
            .and_then(|url| provider.recognize_url(&url));
        let handle = from_url.or_else(|| (provider.handle)(q)).ok_or_else(|| {
            LookupError::Input(format!(
                "\"{q}\" is not a {} {}. For example: {}.",
                provider.name, provider.input, provider.example
            ))
        })?;
        Ok(Self { provider, handle })
    }

    /// Input without a platform: a URL, `@user@instance`, or an email address.
    fn detect(q: &str) -> Result<Self, LookupError> {
        if let Some(url) = as_url(q) {
            if let Some((provider, handle)) = providers::recognize(&url) {
                return Ok(Self { provider, handle });
            }
            return Self::for_provider(providers::generic_page(), url.as_str());
        }
        if let Some(rest) = q.strip_prefix('@')
            && rest.contains('@')
            && let Some(mastodon) = providers::by_id("mastodon")
        {
            return Self::for_provider(mastodon, q);
        }
        if is_email(q)
            && let Some(gravatar) = providers::by_id("gravatar")
        {
            return Self::for_provider(gravatar, q);
        }
        if q.contains(':') && !q.starts_with('@') {
            return Err(LookupError::Input(
                "Only http and https links can be looked up.".into(),
            ));
        }
        Err(LookupError::Input(format!(
            "Which platform is \"{q}\" on? Pick one, or paste the full profile URL."
        )))
    }
}

/// `q` as an http(s) URL: with a scheme, or a bare `host.tld/path` such as `x.com/jack`.
fn as_url(q: &str) -> Option<Url> {
    if q.chars().any(char::is_whitespace) {
        return None;
    }
    let lower = q.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Url::parse(q).ok().filter(|u| u.host_str().is_some());
    }
    if q.contains("://") || q.starts_with('@') {
        return None;
    }
    let host = q.split(['/', '?', '#']).next()?;
    // `user@example.com` is an email; `tiktok.com/@user` is a URL.
    if host.contains('@') {
        return None;
    }
    let looks_like_host = host.contains('.')
        && host
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    looks_like_host
        .then(|| Url::parse(&format!("https://{q}")).ok())
        .flatten()
}

fn is_email(q: &str) -> bool {
    let Some((local, domain)) = q.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !q.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(q: &str, picked: Option<&str>) -> (String, String) {
        let p = ProfileQuery::parse(q, picked).unwrap_or_else(|e| panic!("{q}: {e}"));
        (p.provider.id.to_owned(), p.handle)
    }

    fn pair(id: &str, handle: &str) -> (String, String) {
        (id.to_owned(), handle.to_owned())
    }

    #[test]
    fn profile_urls_are_recognized() {
        assert_eq!(parsed("https://twitter.com/jack", None), pair("x", "jack"));
        assert_eq!(parsed("x.com/jack?lang=en", None), pair("x", "jack"));
        assert_eq!(
            parsed("tiktok.com/@scout2015", None),
            pair("tiktok", "scout2015")
        );
        assert_eq!(
            parsed("https://github.com/torvalds/linux", None),
            pair("github", "torvalds")
        );
        assert_eq!(
            parsed("https://mastodon.social/@Gargron", None),
            pair("mastodon", "Gargron@mastodon.social")
        );
        assert_eq!(
            parsed("@Gargron@mastodon.social", None),
            pair("mastodon", "Gargron@mastodon.social")
        );
    }

    #[test]
    fn a_handle_with_a_picked_platform_is_used_as_is() {
        assert_eq!(parsed("@jack", Some("twitter")), pair("x", "jack"));
        assert_eq!(parsed("https://x.com/jack", Some("x")), pair("x", "jack"));
    }

    #[test]
    fn other_urls_go_to_the_generic_page_provider() {
        assert_eq!(
            parsed("https://example.com/team/ana", None),
            pair("page", "https://example.com/team/ana")
        );
        assert_eq!(parsed("https://x.com/settings", None).0, "page");
    }

    #[test]
    fn bad_input_is_refused_with_a_helpful_message() {
        for (q, picked) in [
            ("", None),
            ("jack", None),
            ("jack", Some("myspace")),
            ("not a handle!", Some("x")),
            ("file:///etc/passwd", None),
            ("javascript:alert(1)", None),
        ] {
            let err = ProfileQuery::parse(q, picked)
                .err()
                .unwrap_or_else(|| panic!("{q} parsed"));
            assert!(matches!(err, LookupError::Input(_)), "{q}: {err:?}");
            assert!(err.to_string().len() > 10, "{q}: {err}");
        }
        let long = format!("https://example.com/{}", "a".repeat(3000));
        assert!(ProfileQuery::parse(&long, None).is_err());
    }

    /// Found by fuzzing: a link under the limit that percent-encoding takes past it.
    #[test]
    fn a_link_that_outgrows_the_limit_when_encoded_is_refused() {
        let q = format!("https://example.com/{}", "\u{FFFD}".repeat(600));
        assert!(q.len() <= MAX_INPUT_LEN);
        let err = ProfileQuery::parse(&q, None).err().expect("parsed");
        assert!(matches!(err, LookupError::Input(_)), "{err:?}");
        assert!(err.to_string().contains("once encoded"), "{err}");
    }
}
