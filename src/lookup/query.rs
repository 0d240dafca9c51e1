//! What the visitor asked for, parsed once at the edge.

use url::Url;

use super::LookupError;
use super::error::InputError;
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

/// What a visitor's input asks for, parsed once at the edge.
#[derive(Clone)]
pub enum Input {
    /// One platform's profile.
    Profile(ProfileQuery),
    /// A bare name on no platform in particular (`jack`, `@jack`): searched on every platform
    /// that takes usernames (see `search`).
    Name(Name),
    /// `user@host` without a leading `@`: a fediverse account or an e-mail address, which only
    /// asking the host (WebFinger) tells apart (see `Lookup::resolve`).
    Account(Account),
}

/// A bare name, as typed without its `@`: letters, digits, `_`, `.` and `-`, at most
/// [`MAX_NAME_LEN`] characters. Whether it is a handle on a platform is that platform's call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

/// Longest bare name searched across platforms (no platform we read allows longer handles).
pub const MAX_NAME_LEN: usize = 100;

/// `user@host`, lower-cased host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The part before `@`.
    pub user: String,
    /// The part after it.
    pub host: String,
}

impl Name {
    /// `raw` as a bare name, `@` prefix dropped, if it is one.
    pub fn parse(raw: &str) -> Option<Self> {
        let name = raw.trim().strip_prefix('@').unwrap_or(raw.trim());
        let ok = !name.is_empty()
            && name.chars().count() <= MAX_NAME_LEN
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'))
            && name.chars().any(char::is_alphanumeric);
        ok.then(|| Self(name.to_owned()))
    }

    /// The name as typed, without `@`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// This name as `provider`'s handle, if the platform's rules allow it.
    pub fn on(&self, provider: &'static Provider) -> Option<ProfileQuery> {
        let handle = (provider.handle)(&self.0)?;
        Some(ProfileQuery { provider, handle })
    }
}

impl Account {
    /// The address as `user@host`.
    pub fn address(&self) -> String {
        format!("{}@{}", self.user, self.host)
    }

    /// This account as an e-mail address, for Gravatar.
    pub fn as_email(&self) -> Result<ProfileQuery, LookupError> {
        let gravatar = providers::by_id("gravatar").ok_or_else(|| no_platform(&self.address()))?;
        ProfileQuery::for_provider(gravatar, &self.address())
    }

    /// This account as a fediverse handle, for the Mastodon chain.
    pub fn as_fediverse(&self) -> Result<ProfileQuery, LookupError> {
        let mastodon = providers::by_id("mastodon").ok_or_else(|| no_platform(&self.address()))?;
        ProfileQuery::for_provider(mastodon, &self.address())
    }
}

impl Input {
    /// Parses the visitor's input `q`, with the platform they picked (`None`, empty or `auto`
    /// to detect it from the input).
    pub fn parse(q: &str, picked: Option<&str>) -> Result<Self, LookupError> {
        let q = q.trim();
        if q.is_empty() {
            return Err(InputError::Empty.into());
        }
        if q.len() > MAX_INPUT_LEN {
            return Err(InputError::TooLong {
                most: MAX_INPUT_LEN,
            }
            .into());
        }
        let asked = match picked
            .map(str::trim)
            .filter(|p| !p.is_empty() && *p != "auto")
        {
            Some(id) => {
                let provider = providers::by_id(id)
                    .ok_or_else(|| InputError::UnknownPlatform(id.to_owned()))?;
                Self::Profile(ProfileQuery::for_provider(provider, q)?)
            }
            None => Self::detect(q)?,
        };
        // A link grows when normalized (each non-ASCII character becomes up to nine
        // percent-encoded bytes); what comes out must still be something we accept back in,
        // as the handle in `/page/{handle}` and the canonical links.
        if let Self::Profile(query) = &asked
            && query.handle.len() > MAX_INPUT_LEN
        {
            return Err(InputError::TooLongEncoded {
                most: MAX_INPUT_LEN,
            }
            .into());
        }
        Ok(asked)
    }

    /// Input without a platform: a URL, `@user@instance`, `u/name`, `user@host`, or a bare
    /// name.
    fn detect(q: &str) -> Result<Self, LookupError> {
        if let Some(url) = as_url(q) {
            if let Some((provider, handle)) = providers::recognize(&url) {
                return Ok(Self::Profile(ProfileQuery { provider, handle }));
            }
            let page = ProfileQuery::for_provider(providers::generic_page(), url.as_str())?;
            return Ok(Self::Profile(page));
        }
        if let Some(rest) = q.strip_prefix('@')
            && rest.contains('@')
            && let Some(mastodon) = providers::by_id("mastodon")
        {
            return Ok(Self::Profile(ProfileQuery::for_provider(mastodon, q)?));
        }
        if let Some(name) = q.strip_prefix("u/").or_else(|| q.strip_prefix("/u/"))
            && let Some(reddit) = providers::by_id("reddit")
        {
            return Ok(Self::Profile(ProfileQuery::for_provider(reddit, name)?));
        }
        if let Some(account) = account(q) {
            return Ok(Self::Account(account));
        }
        if let Some(name) = Name::parse(q) {
            return Ok(Self::Name(name));
        }
        if q.contains(':') && !q.starts_with('@') {
            return Err(InputError::NotHttp.into());
        }
        Err(InputError::WhichPlatform(q.to_owned()).into())
    }
}

impl ProfileQuery {
    /// Parses input that names one profile: `q` with the platform picked, a profile URL,
    /// `@user@instance`, or an e-mail address (read as Gravatar's without asking WebFinger;
    /// routes that can ask use [`Input::parse`] and `Lookup::resolve`). A bare name is
    /// refused: it is on no platform in particular.
    pub fn parse(q: &str, picked: Option<&str>) -> Result<Self, LookupError> {
        match Input::parse(q, picked)? {
            Input::Profile(query) => Ok(query),
            Input::Account(account) => account.as_email(),
            Input::Name(name) => Err(InputError::BareName(name.0).into()),
        }
    }

    /// Input with a platform picked: a handle, or one of its profile URLs.
    fn for_provider(provider: &'static Provider, q: &str) -> Result<Self, LookupError> {
        let from_url = as_url(q)
            .filter(|_| !provider.is_generic())
            .and_then(|url| provider.recognize_url(&url));
        let handle =
            from_url
                .or_else(|| (provider.handle)(q))
                .ok_or_else(|| InputError::NotAHandle {
                    q: q.to_owned(),
                    provider,
                })?;
        Ok(Self { provider, handle })
    }
}

fn no_platform(q: &str) -> LookupError {
    InputError::NoPlatform(q.to_owned()).into()
}

/// `q` as an http(s) URL: with a scheme, or a bare `host.tld/path` such as `x.com/jack`.
fn as_url(q: &str) -> Option<Url> {
    if q.chars().any(char::is_whitespace) {
        return None;
    }
    if starts_with_ignoring_case(q, "http://") || starts_with_ignoring_case(q, "https://") {
        return Url::parse(q).ok().filter(|u| u.host_str().is_some());
    }
    // A byte scan: `str::contains` sets up a substring search for every input.
    if q.as_bytes().windows(3).any(|w| w == b"://") || q.starts_with('@') {
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

/// Whether `q` starts with `prefix`, ASCII letters in either case.
fn starts_with_ignoring_case(q: &str, prefix: &str) -> bool {
    q.as_bytes()
        .get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// `user@host` with a plausible host name (a dot, no spaces, no second `@`).
fn account(q: &str) -> Option<Account> {
    let (user, host) = q.split_once('@')?;
    let ok = !user.is_empty()
        && !host.contains('@')
        && host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && !q.chars().any(char::is_whitespace);
    ok.then(|| Account {
        user: user.to_owned(),
        host: host.to_ascii_lowercase(),
    })
}

/// Inputs every lookup refuses as input, each with the platform picked: an empty one, a bare
/// name, an unknown platform, a non-handle, and links that are not http(s). Shared by the
/// tests of the parse and of the sentence a visitor reads of it.
#[cfg(test)]
pub(crate) const REFUSED_INPUTS: &[(&str, Option<&str>)] = &[
    ("", None),
    ("jack", None),
    ("jack", Some("myspace")),
    ("not a handle!", Some("x")),
    ("file:///etc/passwd", None),
    ("javascript:alert(1)", None),
];

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
        for &(q, picked) in REFUSED_INPUTS {
            let err = ProfileQuery::parse(q, picked)
                .err()
                .unwrap_or_else(|| panic!("{q} parsed"));
            assert!(matches!(err, LookupError::Input(_)), "{q}: {err:?}");
        }
        let long = format!("https://example.com/{}", "a".repeat(3000));
        assert!(ProfileQuery::parse(&long, None).is_err());
    }

    fn input(q: &str) -> Input {
        Input::parse(q, None).unwrap_or_else(|e| panic!("{q}: {e}"))
    }

    #[test]
    fn a_bare_name_is_a_name_to_search() {
        for (q, name) in [
            ("jack", "jack"),
            ("@jack", "jack"),
            (" jack_dorsey ", "jack_dorsey"),
            ("jack-dorsey", "jack-dorsey"),
        ] {
            match input(q) {
                Input::Name(n) => assert_eq!(n.as_str(), name, "{q}"),
                _ => panic!("{q} is not a name"),
            }
        }
        for q in ["jack smith", "@", "..", "jack!"] {
            assert!(
                !matches!(Input::parse(q, None), Ok(Input::Name(_))),
                "{q} read as a name"
            );
        }
        // A dotted word reads as a host name (`jack.dev`), so a page, as before.
        assert!(matches!(input("jack.dev"), Input::Profile(q) if q.provider.is_generic()));
        assert!(matches!(input("@jack.smith"), Input::Name(n) if n.as_str() == "jack.smith"));
    }

    #[test]
    fn a_name_is_each_platforms_handle_only_where_its_rules_allow() {
        let name = Name::parse("jack.smith").unwrap();
        let github = providers::by_id("github").unwrap();
        let bluesky = providers::by_id("bluesky").unwrap();
        assert!(name.on(github).is_none(), "GitHub has no dots in names");
        let on_bluesky = Name::parse("jack").unwrap().on(bluesky).unwrap();
        assert_eq!(on_bluesky.handle, "jack.bsky.social");
    }

    #[test]
    fn user_at_host_waits_for_webfinger_and_u_slash_is_reddit() {
        match input("Gargron@mastodon.social") {
            Input::Account(a) => {
                assert_eq!(
                    (a.user.as_str(), a.host.as_str()),
                    ("Gargron", "mastodon.social")
                );
                assert_eq!(a.as_fediverse().unwrap().provider.id, "mastodon");
                assert_eq!(a.as_email().unwrap().provider.id, "gravatar");
            }
            _ => panic!("not an account"),
        }
        // Without asking, a single-profile parse reads it as an e-mail address, as before.
        assert_eq!(parsed("ana@example.com", None).0, "gravatar");
        assert_eq!(parsed("u/spez", None), pair("reddit", "spez"));
        assert_eq!(parsed("/u/spez", None), pair("reddit", "spez"));
    }

    #[test]
    fn an_http_or_port_numbered_at_page_is_the_page_given() {
        assert_eq!(
            parsed("https://example.social/@ana", None),
            pair("mastodon", "ana@example.social")
        );
        for q in [
            "http://example.social/@ana",
            "https://example.social:8443/@ana",
        ] {
            assert_eq!(parsed(q, None), pair("page", q), "{q}");
        }
    }

    #[test]
    fn a_scheme_is_told_in_either_case_as_lower_casing_the_input_told_it() {
        let inputs = [
            "",
            "h",
            "http:/",
            "http://",
            "HTTP://x",
            "Https://x.com/a",
            "hTtPs:/",
            "https//",
            "httpé://x",
            "ｈttp://x",
            "http\u{130}://",
            "https:\u{1F600}",
            "ftp://x",
            "torvalds",
        ];
        for q in inputs {
            for prefix in ["http://", "https://"] {
                let lowered = q.to_ascii_lowercase().starts_with(prefix);
                assert_eq!(
                    starts_with_ignoring_case(q, prefix),
                    lowered,
                    "{q} {prefix}"
                );
            }
        }
    }

    /// Found by fuzzing: a link under the limit that percent-encoding takes past it.
    #[test]
    fn a_link_that_outgrows_the_limit_when_encoded_is_refused() {
        let q = format!("https://example.com/{}", "\u{FFFD}".repeat(600));
        assert!(q.len() <= MAX_INPUT_LEN);
        let err = ProfileQuery::parse(&q, None).err().expect("parsed");
        assert!(
            matches!(err, LookupError::Input(InputError::TooLongEncoded { .. })),
            "{err:?}"
        );
    }
}
