//! Telling a block from an answer: anti-bot challenges, WAF pages, login and consent walls and
//! rate limits, from an answer's status, headers, final URL and the start of its body. One
//! detector for every request a provider makes, so a block is never read as "no such
//! profile".
//!
//! The signatures follow what the anti-bot vendors send today, as collected by the
//! `is-antibot` project that unavatar uses, plus the walls the platforms we read put up.

use reqwest::header::HeaderMap;
use url::Url;

/// How much of a 2xx body is searched for a wall's signature: challenge pages are small, and
/// their markers sit in the head.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// Header signatures: (header, value it must start with or `""` for any, what it is).
/// DataDome's `x-datadome: protected` rides on ordinary answers, so only its challenge
/// headers count (`x-dd-b` 1 or 2, as is-antibot reads it).
const HEADERS: &[(&str, &str, &str)] = &[
    ("cf-mitigated", "challenge", "a Cloudflare challenge"),
    ("x-datadome-cid", "", "a DataDome challenge"),
    ("x-dd-b", "1", "a DataDome challenge"),
    ("x-dd-b", "2", "a DataDome challenge"),
    ("x-amzn-waf-action", "", "an AWS WAF challenge"),
    ("akamai-cache-status", "Error", "an Akamai block"),
    ("x-px-authorization", "", "a PerimeterX challenge"),
];

/// Paths (of the final URL, after redirects) platforms send us to instead of a profile.
const WALL_PATHS: &[(&str, &str)] = &[
    ("/login", "a login wall"),
    ("/accounts/login", "a login wall"),
    ("/signin", "a login wall"),
    ("/sign_in", "a login wall"),
    ("/i/flow/login", "a login wall"),
    ("/authwall", "a login wall"),
    ("/checkpoint", "a login wall"),
    ("/challenge", "an anti-bot check"),
    ("/captcha", "an anti-bot check"),
    ("/consent", "a consent page"),
];

/// Hosts of consent pages (EU visitors are redirected there: YouTube, Google, Tumblr).
const CONSENT_HOSTS: &[&str] = &["consent.youtube.com", "consent.google.com"];

/// Lower-case markers in a 2xx body (its first [`SNIFF_BYTES`]): page titles of walls and
/// interstitials, and the scripts of challenge pages.
const BODY_MARKERS: &[(&str, &str)] = &[
    ("<title>just a moment...</title>", "a Cloudflare challenge"),
    ("_cf_chl_opt", "a Cloudflare challenge"),
    (
        "challenges.cloudflare.com/turnstile",
        "a Cloudflare challenge",
    ),
    ("captcha-delivery.com", "a DataDome challenge"),
    ("awswaf", "an AWS WAF challenge"),
    ("window._pxappid", "a PerimeterX challenge"),
    ("blocked by network security", "a network-security block"),
    ("please wait for verification", "an anti-bot check"),
    ("<title>attention required", "a Cloudflare block"),
    ("<title>access denied", "an access-denied page"),
    ("<title>security check", "an anti-bot check"),
    ("<title>verify you are human", "an anti-bot check"),
    ("<title>are you a robot", "an anti-bot check"),
    ("<title>please wait...</title>", "an anti-bot check"),
    ("<title>login • instagram</title>", "a login wall"),
    ("<title>login · instagram</title>", "a login wall"),
    ("<title>log in or sign up", "a login wall"),
    ("<title>log in • threads", "a login wall"),
    ("<title>before you continue", "a consent page"),
];

/// What stopped a non-2xx answer, if it is a block: a vendor's challenge headers, or the
/// statuses that mean "not you" (401, 403, 429 and LinkedIn's 999).
pub fn refused(status: u16, headers: &HeaderMap) -> Option<&'static str> {
    by_headers(headers).or(match status {
        401 => Some("a login requirement"),
        403 | 999 => Some("a refusal of our address"),
        429 => Some("a rate limit"),
        _ => None,
    })
}

/// What stopped a 2xx answer, if it is a wall rather than the page asked for: challenge
/// headers, a redirect to a login or consent page, or a wall's marks in the body (only HTML
/// bodies are searched; `body` may be the whole body or its start).
pub fn walled(
    url: &Url,
    headers: &HeaderMap,
    content_type: &str,
    body: &[u8],
) -> Option<&'static str> {
    if let Some(by) = by_headers(headers) {
        return Some(by);
    }
    if url
        .host_str()
        .is_some_and(|host| CONSENT_HOSTS.iter().any(|c| host.eq_ignore_ascii_case(c)))
    {
        return Some("a consent page");
    }
    let path = url.path().to_ascii_lowercase();
    let under = |p: &str| {
        path.strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    if let Some((_, by)) = WALL_PATHS.iter().find(|(p, _)| under(p)) {
        return Some(by);
    }
    if !content_type.contains("html") {
        return None;
    }
    let start = String::from_utf8_lossy(&body[..body.len().min(SNIFF_BYTES)]).to_lowercase();
    let start = collapse_title_space(&start);
    BODY_MARKERS
        .iter()
        .find(|(marker, _)| start.contains(marker))
        .map(|(_, by)| *by)
}

fn by_headers(headers: &HeaderMap) -> Option<&'static str> {
    HEADERS.iter().find_map(|(name, prefix, by)| {
        let value = headers.get(*name)?.to_str().unwrap_or("");
        value.starts_with(prefix).then_some(*by)
    })
}

/// The text with whitespace just inside `<title>` and `</title>` removed, so a title split
/// over lines (`<title>\n  Login • Instagram\n</title>`) matches its marker.
fn collapse_title_space(text: &str) -> std::borrow::Cow<'_, str> {
    let Some(open) = text.find("<title>") else {
        return text.into();
    };
    let Some(close) = text[open..].find("</title>").map(|c| open + c) else {
        return text.into();
    };
    let inner = text[open + "<title>".len()..close].trim();
    format!(
        "{}<title>{inner}</title>{}",
        &text[..open],
        &text[close + "</title>".len()..]
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(n, v)| (HeaderName::from_static(n), HeaderValue::from_static(v)))
            .collect()
    }

    fn page(url: &str, body: &str) -> Option<&'static str> {
        walled(
            &Url::parse(url).unwrap(),
            &HeaderMap::new(),
            "text/html",
            body.as_bytes(),
        )
    }

    #[test]
    fn vendor_challenges_are_named_by_their_headers_whatever_the_status() {
        let cf = headers(&[("cf-mitigated", "challenge")]);
        assert_eq!(refused(503, &cf), Some("a Cloudflare challenge"));
        let waf = headers(&[("x-amzn-waf-action", "challenge")]);
        let url = Url::parse("https://www.tiktok.com/@a").unwrap();
        assert_eq!(
            walled(&url, &waf, "text/html", b""),
            Some("an AWS WAF challenge")
        );
        assert_eq!(refused(503, &HeaderMap::new()), None);
        let protected = headers(&[("x-datadome", "protected")]);
        assert_eq!(walled(&url, &protected, "text/html", b"<p>hi"), None);
    }

    #[test]
    fn refusing_statuses_are_blocks() {
        assert_eq!(refused(429, &HeaderMap::new()), Some("a rate limit"));
        assert_eq!(
            refused(403, &HeaderMap::new()),
            Some("a refusal of our address")
        );
        assert_eq!(refused(404, &HeaderMap::new()), None);
    }

    #[test]
    fn walls_served_with_200_are_blocks() {
        let instagram = "<html><head><title>\n  Login • Instagram\n</title></head></html>";
        assert_eq!(
            page("https://www.instagram.com/a/", instagram),
            Some("a login wall")
        );
        assert_eq!(
            page("https://www.tiktok.com/@a", "<title>Please wait...</title>"),
            Some("an anti-bot check")
        );
        assert_eq!(
            page(
                "https://www.reddit.com/user/a/",
                "<p>You've been blocked by network security."
            ),
            Some("a network-security block")
        );
        assert_eq!(
            page("https://consent.youtube.com/m?continue=x", "<p>ok"),
            Some("a consent page")
        );
        assert_eq!(page("https://x.com/i/flow/login", ""), Some("a login wall"));
    }

    #[test]
    fn ordinary_pages_and_non_html_bodies_are_answers() {
        assert_eq!(
            page("https://github.com/torvalds", "<title>torvalds</title>"),
            None
        );
        let url = Url::parse("https://api.example/login-stats").unwrap();
        let json = br#"{"title":"<title>Just a moment...</title>"}"#;
        assert_eq!(
            walled(&url, &HeaderMap::new(), "application/json", json),
            None
        );
    }
}
