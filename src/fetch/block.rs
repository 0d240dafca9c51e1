//! Telling a block from an answer: anti-bot challenges, WAF pages, captchas, login and consent
//! walls and rate limits. One detector for every request a provider makes, so a block is never
//! read as "no such profile", in two phases:
//!
//! - **Strong signs**, on every answer ([`walled`], [`refused`]): headers only a challenge
//!   carries (`cf-mitigated: challenge`…), the statuses that mean "not you", and a redirect that
//!   ended at a login, consent or captcha page.
//! - **Weak signs**, only on an answer no reader could read as a profile ([`suspected`]):
//!   vendor cookies and headers, vendor scripts, captcha widgets, the titles of walls. A
//!   protected site sends these with its ordinary pages too, so a page that reads is an
//!   answer whatever it carries (unavatar runs `is-antibot` only after its reader failed).
//!
//! The signatures follow what the vendors send today, as `is-antibot` 2.5.0 collects them for
//! unavatar, without the rules it removed for false positives (bare vendor names, Akamai's
//! `akamai-grn`, Cloudflare's JSD beacon, a reCAPTCHA widget on a page that answered 200).

use std::borrow::Cow;

use reqwest::header::{HeaderMap, SET_COOKIE};
use url::Url;

use super::Fetched;

/// How much of a 2xx body is searched for a wall's signs: challenge pages are small, and
/// their marks sit in the head.
pub const SNIFF_BYTES: usize = 64 * 1024;

// Who stopped us, as the visitor reads it after "… stopped us with".
const CLOUDFLARE: &str = "a Cloudflare challenge";
const CLOUDFLARE_BLOCK: &str = "a Cloudflare block";
const TURNSTILE: &str = "a Cloudflare Turnstile check";
const VERCEL: &str = "a Vercel challenge";
const AWS_WAF: &str = "an AWS WAF challenge";
const CLOUDFRONT: &str = "a CloudFront block";
const DATADOME: &str = "a DataDome challenge";
const AKAMAI: &str = "an Akamai Bot Manager check";
const PERIMETERX: &str = "a PerimeterX (HUMAN) check";
const KASADA: &str = "a Kasada check";
const IMPERVA: &str = "an Imperva (Incapsula) check";
const SHAPE: &str = "a Shape (F5) check";
const REBLAZE: &str = "a Reblaze check";
const SUCURI: &str = "the Sucuri firewall";
const ANUBIS: &str = "an Anubis check";
const RECAPTCHA: &str = "a reCAPTCHA";
const HCAPTCHA: &str = "an hCaptcha";
const ARKOSE: &str = "an Arkose Labs captcha";
const GEETEST: &str = "a GeeTest captcha";
const FRIENDLY_CAPTCHA: &str = "a Friendly Captcha";
const BOT_CHECK: &str = "an anti-bot check";
const LOGIN_WALL: &str = "a login wall";
const CONSENT: &str = "a consent page";

/// What a header's value must be, compared without case.
#[derive(Clone, Copy)]
enum Value {
    Any,
    Is(&'static str),
    StartsWith(&'static str),
    /// Anything but this.
    Not(&'static str),
}

/// Headers only a challenge carries: a block on every answer, whatever its status or body.
/// DataDome's `x-datadome: protected` rides on every answer it lets through, so only its other
/// values count.
const CHALLENGE_HEADERS: &[(&str, Value, &str)] = &[
    ("cf-mitigated", Value::Is("challenge"), CLOUDFLARE),
    ("x-vercel-mitigated", Value::Is("challenge"), VERCEL),
    ("x-amzn-waf-action", Value::Any, AWS_WAF),
    ("x-datadome-cid", Value::Any, DATADOME),
    ("x-dd-b", Value::Is("1"), DATADOME),
    ("x-dd-b", Value::Is("2"), DATADOME),
    ("x-datadome", Value::Not("protected"), DATADOME),
    ("x-px-authorization", Value::Any, PERIMETERX),
    ("x-kasada-challenge", Value::Any, KASADA),
];

/// Headers a protected site sends with its ordinary answers too: weak signs.
const VENDOR_HEADERS: &[(&str, Value, &str)] = &[
    ("x-akamai-session-info", Value::Any, AKAMAI),
    ("akamai-cache-status", Value::StartsWith("error"), AKAMAI),
    ("x-kasada", Value::Any, KASADA),
    ("x-cdn", Value::Is("incapsula"), IMPERVA),
    ("x-iinfo", Value::Any, IMPERVA),
];

/// CloudFront's own error answer (`x-cache`), a block when it refuses (403) or turns us away
/// (503); on a 200 it is no sign of anything.
const CLOUDFRONT_ERROR: &str = "error from cloudfront";

/// Cookies the vendors set, weak signs: a cookie's name, or the start of it when it ends in
/// `_` (Imperva's carry the site's id after it).
const VENDOR_COOKIES: &[(&str, &str)] = &[
    ("cf_clearance", CLOUDFLARE),
    ("_abck", AKAMAI),
    ("datadome", DATADOME),
    ("_px3", PERIMETERX),
    ("_pxhd", PERIMETERX),
    ("incap_ses_", IMPERVA),
    ("visid_incap_", IMPERVA),
    ("reese84", IMPERVA),
    ("rbzid", REBLAZE),
    ("rbzsessionid", REBLAZE),
    ("aws-waf-token", AWS_WAF),
];

/// A sign in an HTML body's start.
#[derive(Debug, Clone, Copy)]
enum Mark {
    /// Lower-case text anywhere.
    Text(&'static str),
    /// Text with its case as the vendor writes it.
    Exact(&'static str),
    /// A script calling the vendor's API: `name.method(`, `name.a.b (`, `name` not the tail
    /// of a longer name; lower-case.
    Call(&'static str),
    /// The whole title, lower-case, entities decoded, spaces collapsed, `…` written `...`.
    Title(&'static str),
    /// The start of the title, as [`Mark::Title`].
    TitleStart(&'static str),
}

/// The vendors' scripts, widgets and pages, weak signs: a page that merely mentions a vendor,
/// links to it or embeds its widget in a form is read when it can be.
const VENDOR_MARKS: &[(Mark, &str)] = &[
    (Mark::Text("_cf_chl_opt"), CLOUDFLARE),
    (Mark::Title("just a moment..."), CLOUDFLARE),
    (
        Mark::Title("attention required! | cloudflare"),
        CLOUDFLARE_BLOCK,
    ),
    (Mark::Text("cf-turnstile"), TURNSTILE),
    (Mark::Text("challenges.cloudflare.com/turnstile"), TURNSTILE),
    (Mark::Text("captcha-delivery.com"), DATADOME),
    (Mark::Text("bmak."), AKAMAI),
    (Mark::Text("_pxappid"), PERIMETERX),
    (Mark::Text("pxinit"), PERIMETERX),
    (Mark::Text("_pxaction"), PERIMETERX),
    (Mark::Text("__kasada"), KASADA),
    (Mark::Text("kasada.js"), KASADA),
    (Mark::Text("_incapsula_resource"), IMPERVA),
    (Mark::Call("incapsula"), IMPERVA),
    (Mark::Call("imperva"), IMPERVA),
    (Mark::Call("shapesecurity"), SHAPE),
    (Mark::Text("protected by reblaze"), REBLAZE),
    (Mark::Text("sucuri website firewall"), SUCURI),
    (Mark::Text("awswaf.com"), AWS_WAF),
    (Mark::Text("/awswaf/"), AWS_WAF),
    (Mark::Call("awswafintegration"), AWS_WAF),
    (Mark::Call("aws-waf"), AWS_WAF),
    (Mark::Exact("<script id=\"anubis_challenge\""), ANUBIS),
    (Mark::Text("/.within.website/x/cmd/anubis/"), ANUBIS),
    (Mark::Call("grecaptcha"), RECAPTCHA),
    (Mark::Text("__grecaptcha_cfg"), RECAPTCHA),
    (Mark::Text("hcaptcha.com"), HCAPTCHA),
    (Mark::Text("h-captcha"), HCAPTCHA),
    (Mark::Text("arkoselabs.com"), ARKOSE),
    (Mark::Call("funcaptcha"), ARKOSE),
    (Mark::Call("geetest"), GEETEST),
    (Mark::Text("initgeetest"), GEETEST),
    (Mark::Text("static.geetest.com"), GEETEST),
    (Mark::Text("frc-captcha"), FRIENDLY_CAPTCHA),
    (Mark::Text("friendlychallenge"), FRIENDLY_CAPTCHA),
    // YouTube's "Sign in to confirm you're not a bot" page has an empty title.
    (Mark::Title("- youtube"), BOT_CHECK),
    (Mark::Title("access denied"), "an access-denied page"),
    (Mark::Title("security check"), BOT_CHECK),
    (Mark::Title("verify you are human"), BOT_CHECK),
    (Mark::Title("are you a robot?"), BOT_CHECK),
    (Mark::Title("please wait..."), BOT_CHECK),
    (Mark::Title("login • instagram"), LOGIN_WALL),
    (Mark::Title("login · instagram"), LOGIN_WALL),
    (Mark::TitleStart("log in • threads"), LOGIN_WALL),
    (Mark::TitleStart("log in or sign up"), LOGIN_WALL),
    (Mark::TitleStart("before you continue"), CONSENT),
];

/// Marks that are a wall only on one platform's pages (its domain or a subdomain), whose
/// words an ordinary page may well use.
const PLATFORM_MARKS: &[(&str, Mark, &str)] = &[
    (
        "reddit.com",
        Mark::Text("blocked by network security"),
        "a network-security block",
    ),
    (
        "reddit.com",
        Mark::Text("please wait for verification"),
        BOT_CHECK,
    ),
];

/// Paths a redirect may end at instead of the profile asked for. The same paths asked for
/// directly are ordinary pages.
const WALL_PATHS: &[(&str, &str)] = &[
    ("/login", LOGIN_WALL),
    ("/accounts/login", LOGIN_WALL),
    ("/signin", LOGIN_WALL),
    ("/sign_in", LOGIN_WALL),
    ("/users/sign_in", LOGIN_WALL),
    ("/i/flow/login", LOGIN_WALL),
    ("/authwall", LOGIN_WALL),
    ("/checkpoint", LOGIN_WALL),
    ("/challenge", BOT_CHECK),
    ("/captcha", BOT_CHECK),
    ("/consent", CONSENT),
];

/// Hosts (and their subdomains) a redirect may end at instead of the profile: consent pages
/// (EU visitors are sent there) and captcha services.
const WALL_HOSTS: &[(&str, &str)] = &[
    ("consent.youtube.com", CONSENT),
    ("consent.google.com", CONSENT),
    ("captcha-delivery.com", DATADOME),
    ("challenges.cloudflare.com", CLOUDFLARE),
    ("recaptcha.net", RECAPTCHA),
    ("hcaptcha.com", HCAPTCHA),
    ("arkoselabs.com", ARKOSE),
    ("geetest.com", GEETEST),
    ("friendlycaptcha.com", FRIENDLY_CAPTCHA),
];

/// The strong signs on a 2xx answer: a challenge's headers, or a redirect from `asked` that
/// ended at `url`, a login, consent or captcha page. A wall's page asked for directly (or
/// moved within) is a page.
pub fn walled(asked: &Url, url: &Url, headers: &HeaderMap) -> Option<&'static str> {
    if let Some(by) = first_header(headers, CHALLENGE_HEADERS) {
        return Some(by);
    }
    let ended = wall_at(url).filter(|_| url != asked)?;
    wall_at(asked).is_none().then_some(ended)
}

/// The wall `url` is, by its host or path.
fn wall_at(url: &Url) -> Option<&'static str> {
    let host = url.host_str().unwrap_or("").to_ascii_lowercase();
    if let Some((_, by)) = WALL_HOSTS.iter().find(|(h, _)| within(&host, h)) {
        return Some(by);
    }
    let path = url.path().to_ascii_lowercase();
    let under = |p: &str| {
        path.strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    WALL_PATHS.iter().find(|(p, _)| under(p)).map(|(_, by)| *by)
}

/// What stopped a non-2xx answer, if it is a block: a challenge's headers whatever the status;
/// 401, 403, 429 and LinkedIn's 999, named by the vendor whose signs they carry; a 503 only
/// with a vendor's signs. Its body is not read.
pub fn refused(status: u16, headers: &HeaderMap) -> Option<&'static str> {
    if let Some(by) = first_header(headers, CHALLENGE_HEADERS) {
        return Some(by);
    }
    let cloudfront = || {
        header(headers, "x-cache")
            .is_some_and(|v| v.starts_with(CLOUDFRONT_ERROR))
            .then_some(CLOUDFRONT)
    };
    let vendor = || vendor_headers(headers);
    match status {
        401 => Some("a login requirement"),
        403 | 999 => Some(
            cloudfront()
                .or_else(vendor)
                .unwrap_or("a refusal of our address"),
        ),
        429 => Some(vendor().unwrap_or("a rate limit")),
        503 => cloudfront().or_else(vendor),
        _ => None,
    }
}

/// The weak signs on a 2xx answer no reader could read as a profile: a vendor's cookies or
/// headers, or (in an HTML body's first [`SNIFF_BYTES`]) its scripts, captcha widgets or the
/// title of a wall. Never asked of an answer that reads.
pub fn suspected(fetched: &Fetched) -> Option<&'static str> {
    let by_headers = vendor_headers(&fetched.headers);
    if by_headers.is_some() || !fetched.content_type.contains("html") {
        return by_headers;
    }
    let start = &fetched.body[..fetched.body.len().min(SNIFF_BYTES)];
    let start = String::from_utf8_lossy(start);
    let body = Body {
        lower: start.to_lowercase(),
        exact: &start,
    };
    let title = body.title();
    let host = fetched.url.host_str().unwrap_or("").to_ascii_lowercase();
    let platform = PLATFORM_MARKS
        .iter()
        .filter(|(domain, _, _)| within(&host, domain))
        .map(|(_, mark, by)| (mark, by));
    VENDOR_MARKS
        .iter()
        .map(|(mark, by)| (mark, by))
        .chain(platform)
        .find(|(mark, _)| body.has(**mark, title.as_deref()))
        .map(|(_, by)| *by)
}

/// An HTML body's start, as searched.
struct Body<'a> {
    lower: String,
    exact: &'a str,
}

impl Body<'_> {
    fn has(&self, mark: Mark, title: Option<&str>) -> bool {
        match mark {
            Mark::Text(text) => self.lower.contains(text),
            Mark::Exact(text) => self.exact.contains(text),
            Mark::Call(name) => calls(&self.lower, name),
            Mark::Title(text) => title == Some(text),
            Mark::TitleStart(text) => title.is_some_and(|t| t.starts_with(text)),
        }
    }

    /// The first `<title>`'s text, lower-case, its entities decoded and its spaces collapsed.
    fn title(&self) -> Option<String> {
        let lower = self.lower.as_str();
        let open = lower.match_indices("<title").find_map(|(at, tag)| {
            let rest = &lower[at + tag.len()..];
            let tag_ends = rest.starts_with(|c: char| c == '>' || c.is_ascii_whitespace());
            tag_ends.then(|| rest.find('>').map(|gt| at + tag.len() + gt + 1))?
        })?;
        let close = open + lower[open..].find("</title")?;
        let text = decode_entities(&lower[open..close]).replace('…', "...");
        Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
    }
}

/// The first sign among `table`'s that `headers` carry.
fn first_header(
    headers: &HeaderMap,
    table: &[(&str, Value, &'static str)],
) -> Option<&'static str> {
    table.iter().find_map(|(name, value, by)| {
        let got = header(headers, name)?;
        let matches = match value {
            Value::Any => true,
            Value::Is(v) => got == *v,
            Value::StartsWith(v) => got.starts_with(v),
            Value::Not(v) => got != *v,
        };
        matches.then_some(*by)
    })
}

/// A header's value, lower-case and trimmed; `None` when it is absent or empty.
fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    let value = headers.get(name)?.to_str().unwrap_or("").trim();
    (!value.is_empty()).then(|| value.to_ascii_lowercase())
}

/// The vendor whose weak signs the headers carry: its headers (Shape's by their names'
/// shape) or its cookies.
fn vendor_headers(headers: &HeaderMap) -> Option<&'static str> {
    if let Some(by) = first_header(headers, VENDOR_HEADERS) {
        return Some(by);
    }
    if headers.keys().any(|name| is_shape_header(name.as_str())) {
        return Some(SHAPE);
    }
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|cookie| cookie.split_once('=').map(|(name, _)| name.trim()))
        .find_map(|name| {
            VENDOR_COOKIES
                .iter()
                .find(|(cookie, _)| match cookie.strip_suffix('_') {
                    Some(_) => name.starts_with(cookie),
                    None => name == *cookie,
                })
                .map(|(_, by)| *by)
        })
}

/// Whether `name` (lower-case, as header names are) has the shape of Shape Security's
/// per-site headers: `x-` then eight letters or digits, a dash and one of `a b c d f z`.
fn is_shape_header(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() == 12
        && name.starts_with("x-")
        && b[2..10].iter().all(u8::is_ascii_alphanumeric)
        && b[10] == b'-'
        && b"abcdfz".contains(&b[11])
}

/// Whether `host` is `domain` or one of its subdomains.
fn within(host: &str, domain: &str) -> bool {
    host.strip_suffix(domain)
        .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
}

/// Whether `text` calls `name`'s API: `name.method(`, `name.a.b (`, where `name` is not the
/// tail of a longer name. A mention (`grecaptcha-badge`, "we use geetest.") is no call.
fn calls(text: &str, name: &str) -> bool {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    text.match_indices(name).any(|(at, _)| {
        if text[..at].chars().next_back().is_some_and(is_word) {
            return false;
        }
        let mut rest = &text[at + name.len()..];
        let mut methods = 0;
        while let Some(after_dot) = rest.strip_prefix('.') {
            let len = after_dot.find(|c| !is_word(c)).unwrap_or(after_dot.len());
            if len == 0 {
                return false;
            }
            rest = &after_dot[len..];
            methods += 1;
        }
        methods > 0 && rest.trim_start().starts_with('(')
    })
}

/// The named character references a wall's title may use; others are kept as written.
const ENTITIES: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("nbsp", ' '),
    ("bull", '•'),
    ("middot", '·'),
    ("hellip", '…'),
    ("ndash", '–'),
    ("mdash", '—'),
];

/// `text` with its numeric character references and the [`ENTITIES`] decoded.
fn decode_entities(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.find(';').filter(|end| *end <= 10).and_then(|end| {
            let name = &rest[1..end];
            let c = match name.strip_prefix('#') {
                Some(number) => match number.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => number.parse().ok(),
                }
                .and_then(char::from_u32),
                None => ENTITIES.iter().find(|(n, _)| *n == name).map(|(_, c)| *c),
            };
            Some((c?, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out.into()
}

/// Every vendor's weak signs as a wall carries them, and the pages built around them: shared
/// by these tests and the lookup's, which find the same signs on ordinary pages read.
#[cfg(test)]
pub(crate) mod signatures {
    use reqwest::header::{HeaderName, HeaderValue};

    use super::*;

    /// One weak sign of one vendor.
    pub struct Signature {
        /// What the block says.
        pub by: &'static str,
        /// The page's address (a platform's marks count on its own pages only).
        pub url: &'static str,
        /// Headers sent with the page.
        pub headers: &'static [(&'static str, &'static str)],
        /// A `set-cookie` header's value sent with the page, if not empty.
        pub cookie: &'static str,
        /// The page's title.
        pub title: &'static str,
        /// Markup in the page's body.
        pub html: &'static str,
    }

    /// A page without any sign.
    pub const PAGE: Signature = Signature {
        by: "",
        url: "https://example.com/ana",
        headers: &[],
        cookie: "",
        title: "Ana Lima",
        html: "",
    };

    const fn html(by: &'static str, html: &'static str) -> Signature {
        Signature { by, html, ..PAGE }
    }

    const fn title(by: &'static str, title: &'static str) -> Signature {
        Signature { by, title, ..PAGE }
    }

    const fn headers(
        by: &'static str,
        headers: &'static [(&'static str, &'static str)],
    ) -> Signature {
        Signature {
            by,
            headers,
            ..PAGE
        }
    }

    const fn cookie(by: &'static str, cookie: &'static str) -> Signature {
        Signature { by, cookie, ..PAGE }
    }

    /// At least one sign for each rule of [`VENDOR_HEADERS`], [`VENDOR_COOKIES`],
    /// [`VENDOR_MARKS`] and [`PLATFORM_MARKS`].
    pub const SIGNATURES: &[Signature] = &[
        html(
            CLOUDFLARE,
            "<script>(function(){window._cf_chl_opt={cvId:'2',cType:'managed'};}());</script>",
        ),
        title(CLOUDFLARE, "Just a moment..."),
        title(CLOUDFLARE, "Just a moment&hellip;"),
        cookie(CLOUDFLARE, "cf_clearance=f3a9; path=/; secure"),
        title(CLOUDFLARE_BLOCK, "Attention Required! | Cloudflare"),
        html(
            TURNSTILE,
            "<form><div class=\"cf-turnstile\" data-sitekey=\"0x4AAA\"></div></form>",
        ),
        html(
            TURNSTILE,
            "<script src=\"https://challenges.cloudflare.com/turnstile/v0/api.js\" async defer></script>",
        ),
        cookie(DATADOME, "datadome=AHrlqAAAAAMA; Max-Age=31536000; Path=/"),
        html(
            DATADOME,
            "<iframe src=\"https://geo.captcha-delivery.com/captcha/?initialCid=AHrl\"></iframe>",
        ),
        cookie(AKAMAI, "_abck=0F1B~-1~YAAQ; Domain=.example.com; Path=/"),
        headers(
            AKAMAI,
            &[("x-akamai-session-info", "name=AKA_PM_BASEDIR; value=")],
        ),
        headers(AKAMAI, &[("akamai-cache-status", "Error from child")]),
        html(
            AKAMAI,
            "<script>var bmak = bmak || {}; bmak.js_post = false;</script>",
        ),
        html(
            PERIMETERX,
            "<script>window._pxAppId = 'PXu6b0qd2S';</script>",
        ),
        html(
            PERIMETERX,
            "<script>pxInit({appId: 'PXu6b0qd2S'});</script>",
        ),
        html(PERIMETERX, "<script>window._pxAction = 'c';</script>"),
        cookie(PERIMETERX, "_px3=9e1f; path=/"),
        cookie(PERIMETERX, "_pxhd=Kq2b:9e1f; path=/"),
        html(KASADA, "<script>window.__kasada = {};</script>"),
        html(KASADA, "<script src=\"/149e9513/kasada.js\"></script>"),
        headers(KASADA, &[("x-kasada", "1")]),
        cookie(IMPERVA, "incap_ses_1176_2553811=Xk0; path=/"),
        cookie(IMPERVA, "visid_incap_2553811=Zj1; path=/"),
        cookie(IMPERVA, "reese84=3:aa; path=/"),
        headers(IMPERVA, &[("x-cdn", "Incapsula")]),
        headers(IMPERVA, &[("x-iinfo", "9-12345-0 NNNN")]),
        html(
            IMPERVA,
            "<iframe src=\"/_Incapsula_Resource?SWUDNSAI=31\"></iframe>",
        ),
        html(IMPERVA, "<script>incapsula.init({ site: 1 });</script>"),
        html(IMPERVA, "<script>Imperva.protect ();</script>"),
        headers(SHAPE, &[("x-9pjx3aqd-a", "1uk6k")]),
        html(SHAPE, "<script>shapesecurity.collect({});</script>"),
        cookie(REBLAZE, "rbzid=Ykq; path=/"),
        cookie(REBLAZE, "rbzsessionid=f00; path=/"),
        html(REBLAZE, "<p>Access denied. Protected by Reblaze.</p>"),
        title(SUCURI, "Sucuri WebSite Firewall - Access Denied"),
        cookie(AWS_WAF, "aws-waf-token=81c4; Path=/"),
        html(
            AWS_WAF,
            "<script src=\"https://f1a2.edge.sdk.awswaf.com/f1a2/challenge.js\"></script>",
        ),
        html(AWS_WAF, "<script src=\"/awswaf/challenge.js\"></script>"),
        html(
            AWS_WAF,
            "<script>AwsWafIntegration.saveReferrer();</script>",
        ),
        html(AWS_WAF, "<script>aws-waf.challenge();</script>"),
        html(
            ANUBIS,
            "<script id=\"anubis_challenge\" type=\"application/json\">{\"rules\":{}}</script>",
        ),
        html(
            ANUBIS,
            "<img src=\"/.within.website/x/cmd/anubis/static/img/pensive.webp\">",
        ),
        html(
            RECAPTCHA,
            "<script>grecaptcha.ready(function () { grecaptcha.execute('k'); });</script>",
        ),
        html(
            RECAPTCHA,
            "<script>window.grecaptcha.enterprise.render('box');</script>",
        ),
        html(RECAPTCHA, "<script>var __grecaptcha_cfg = {};</script>"),
        html(
            HCAPTCHA,
            "<script src=\"https://js.hcaptcha.com/1/api.js\"></script>",
        ),
        html(
            HCAPTCHA,
            "<div class=\"h-captcha\" data-sitekey=\"10000000\"></div>",
        ),
        html(
            ARKOSE,
            "<script src=\"https://client-api.arkoselabs.com/v2/api.js\"></script>",
        ),
        html(
            ARKOSE,
            "<script>funcaptcha.setup({ public_key: 'k' });</script>",
        ),
        html(GEETEST, "<script>geetest.init({ gt: 'k' });</script>"),
        html(
            GEETEST,
            "<script>initGeetest4({ captchaId: 'k' }, go);</script>",
        ),
        html(
            GEETEST,
            "<script src=\"https://static.geetest.com/static/js/gt.0.5.0.js\"></script>",
        ),
        html(
            FRIENDLY_CAPTCHA,
            "<div class=\"frc-captcha\" data-sitekey=\"k\"></div>",
        ),
        html(
            FRIENDLY_CAPTCHA,
            "<script>new friendlyChallenge.WidgetInstance(el);</script>",
        ),
        title(BOT_CHECK, " - YouTube"),
        title("an access-denied page", "Access Denied"),
        title(BOT_CHECK, "Security Check"),
        title(BOT_CHECK, "Verify you are human"),
        title(BOT_CHECK, "Are you a robot?"),
        title(BOT_CHECK, "Please wait..."),
        title(LOGIN_WALL, "Login &#x2022; Instagram"),
        title(LOGIN_WALL, "Login · Instagram"),
        title(LOGIN_WALL, "Log in &bull; Threads"),
        title(LOGIN_WALL, "Log in or sign up to view"),
        title(CONSENT, "Before you continue to YouTube"),
        Signature {
            url: "https://www.reddit.com/user/spez/",
            ..html(
                "a network-security block",
                "<p>You've been blocked by network security.</p>",
            )
        },
        Signature {
            url: "https://old.reddit.com/user/spez/",
            ..html(BOT_CHECK, "<p>Please wait for verification.</p>")
        },
    ];

    /// `signature` on a wall: the sign, and no picture.
    pub fn wall(signature: &Signature) -> Fetched {
        page(signature, "")
    }

    /// `signature` on an ordinary profile page: its og:image, prose, and the sign.
    pub fn ordinary(signature: &Signature) -> Fetched {
        page(
            signature,
            "<meta property=\"og:image\" content=\"https://cdn.example.org/ana.jpg\">",
        )
    }

    fn page(signature: &Signature, head: &str) -> Fetched {
        let cookie = Some(("set-cookie", signature.cookie)).filter(|(_, v)| !v.is_empty());
        let headers = signature
            .headers
            .iter()
            .copied()
            .chain(cookie)
            .map(|(n, v)| (HeaderName::from_static(n), HeaderValue::from_static(v)))
            .collect();
        let body = format!(
            "<!doctype html><html><head><title>{}</title>{head}</head>\
             <body><p>Ana draws maps and writes about them.</p>{}</body></html>",
            signature.title, signature.html
        );
        Fetched {
            url: Url::parse(signature.url).unwrap(),
            status: 200,
            headers,
            content_type: "text/html".into(),
            body: body.into_bytes(),
        }
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::{HeaderName, HeaderValue};

    use super::signatures::{SIGNATURES, Signature, wall};
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(n, v)| (HeaderName::from_static(n), HeaderValue::from_static(v)))
            .collect()
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    /// A 2xx HTML answer from `at` with `pairs` for headers.
    fn answer(at: &str, pairs: &[(&'static str, &'static str)], body: &str) -> Fetched {
        Fetched {
            url: url(at),
            status: 200,
            headers: headers(pairs),
            content_type: "text/html".into(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn page(body: &str) -> Option<&'static str> {
        suspected(&answer("https://example.com/ana", &[], body))
    }

    /// The headers only a challenge carries, and what each is named.
    const CHALLENGES: &[(&str, &str, &str)] = &[
        ("cf-mitigated", "challenge", CLOUDFLARE),
        ("x-vercel-mitigated", "challenge", VERCEL),
        ("x-amzn-waf-action", "challenge", AWS_WAF),
        ("x-amzn-waf-action", "captcha", AWS_WAF),
        ("x-datadome-cid", "AHrlqAAAAAMA", DATADOME),
        ("x-dd-b", "1", DATADOME),
        ("x-dd-b", "2", DATADOME),
        ("x-datadome", "blocked", DATADOME),
        ("x-px-authorization", "3:2f1e", PERIMETERX),
        ("x-kasada-challenge", "1", KASADA),
    ];

    #[test]
    fn a_challenges_headers_are_a_block_on_every_answer_whatever_it_holds() {
        let profile = url("https://www.tiktok.com/@a");
        for (name, value, by) in CHALLENGES {
            let carried = headers(&[(name, value)]);
            assert_eq!(
                walled(&profile, &profile, &carried),
                Some(*by),
                "{name}: {value}"
            );
            for status in [404, 500, 503, 200] {
                assert_eq!(refused(status, &carried), Some(*by), "{name} on {status}");
            }
        }
    }

    #[test]
    fn signs_a_protected_site_puts_on_every_answer_are_no_challenge() {
        let profile = url("https://www.lemonde.fr/");
        for pairs in [
            &[("x-datadome", "protected")][..],
            &[("cf-mitigated", "")],
            &[("x-vercel-mitigated", "none")],
            &[("akamai-grn", "0.1c2e.17")],
            &[("x-amzn-requestid", "8f1c")],
            &[("x-cache", "Error from cloudfront")],
            &[("x-cache", "Miss from cloudfront")],
            &[("server", "cloudflare"), ("cf-ray", "8a1b-CDG")],
            &[("set-cookie", "datadome=AHrl; Path=/")],
        ] {
            assert_eq!(
                walled(&profile, &profile, &headers(pairs)),
                None,
                "{pairs:?}"
            );
        }
        let cached = answer(
            "https://www.un.org/en",
            &[("x-cache", "Error from cloudfront")],
            "",
        );
        assert_eq!(
            suspected(&cached),
            None,
            "CloudFront's error header on a 200"
        );
        let plain = answer("https://example.com/", &[("akamai-grn", "0.1c2e.17")], "");
        assert_eq!(suspected(&plain), None, "Akamai's trace id alone");
    }

    #[test]
    fn refusing_statuses_are_blocks_named_by_the_vendor_whose_signs_they_carry() {
        let none = HeaderMap::new();
        assert_eq!(refused(401, &none), Some("a login requirement"));
        assert_eq!(refused(403, &none), Some("a refusal of our address"));
        assert_eq!(refused(999, &none), Some("a refusal of our address"));
        assert_eq!(refused(429, &none), Some("a rate limit"));
        let cloudfront = headers(&[("x-cache", "Error from cloudfront")]);
        assert_eq!(refused(403, &cloudfront), Some(CLOUDFRONT));
        assert_eq!(refused(503, &cloudfront), Some(CLOUDFRONT));
        let datadome = headers(&[("set-cookie", "datadome=AHrl; Path=/")]);
        assert_eq!(refused(403, &datadome), Some(DATADOME));
        assert_eq!(refused(503, &datadome), Some(DATADOME));
        assert_eq!(refused(429, &headers(&[("x-kasada", "1")])), Some(KASADA));
        assert_eq!(refused(403, &headers(&[("x-iinfo", "9-1")])), Some(IMPERVA));
    }

    #[test]
    fn other_statuses_are_no_block_without_a_challenge_header() {
        let datadome = headers(&[("set-cookie", "datadome=AHrl; Path=/")]);
        let cloudfront = headers(&[("x-cache", "Error from cloudfront")]);
        for status in [404, 410, 500, 502, 504] {
            assert_eq!(refused(status, &datadome), None, "{status}");
            assert_eq!(refused(status, &cloudfront), None, "{status}");
        }
        assert_eq!(refused(503, &HeaderMap::new()), None);
    }

    #[test]
    fn a_redirect_that_ends_at_a_login_consent_or_captcha_page_is_a_block() {
        let none = HeaderMap::new();
        for (asked, ended, by) in [
            (
                "https://www.instagram.com/natgeo/",
                "https://www.instagram.com/accounts/login/?next=%2Fnatgeo%2F",
                LOGIN_WALL,
            ),
            (
                "https://www.facebook.com/zuck",
                "https://www.facebook.com/login/?next=x",
                LOGIN_WALL,
            ),
            (
                "https://x.com/jack",
                "https://x.com/i/flow/login?redirect_after_login=%2Fjack",
                LOGIN_WALL,
            ),
            (
                "https://www.linkedin.com/in/a",
                "https://www.linkedin.com/authwall?trk=x",
                LOGIN_WALL,
            ),
            (
                "https://www.tiktok.com/@a",
                "https://www.tiktok.com/login",
                LOGIN_WALL,
            ),
            (
                "https://www.tiktok.com/@a",
                "https://www.tiktok.com/signin",
                LOGIN_WALL,
            ),
            (
                "https://gitlab.com/a",
                "https://gitlab.com/users/sign_in",
                LOGIN_WALL,
            ),
            (
                "https://www.facebook.com/a",
                "https://www.facebook.com/checkpoint/1501092823525282/",
                LOGIN_WALL,
            ),
            (
                "https://www.instagram.com/a/",
                "https://www.instagram.com/challenge/?next=/a/",
                BOT_CHECK,
            ),
            (
                "https://example.com/a",
                "https://example.com/captcha?from=a",
                BOT_CHECK,
            ),
            (
                "https://www.tumblr.com/staff",
                "https://www.tumblr.com/consent?redirect=staff",
                CONSENT,
            ),
            (
                "https://www.youtube.com/@mkbhd",
                "https://consent.youtube.com/m?continue=x",
                CONSENT,
            ),
            (
                "https://www.google.com/a",
                "https://consent.google.com/ml?continue=x",
                CONSENT,
            ),
            (
                "https://www.leboncoin.fr/a",
                "https://geo.captcha-delivery.com/captcha/?cid=x",
                DATADOME,
            ),
            (
                "https://example.com/a",
                "https://challenges.cloudflare.com/cdn-cgi/x",
                CLOUDFLARE,
            ),
            (
                "https://example.com/a",
                "https://www.recaptcha.net/recaptcha/api2/anchor",
                RECAPTCHA,
            ),
            (
                "https://example.com/a",
                "https://newassets.hcaptcha.com/captcha/v1/x",
                HCAPTCHA,
            ),
            (
                "https://example.com/a",
                "https://client-api.arkoselabs.com/fc/gc/?token=x",
                ARKOSE,
            ),
            (
                "https://example.com/a",
                "https://api.geetest.com/get.php",
                GEETEST,
            ),
            (
                "https://example.com/a",
                "https://api.friendlycaptcha.com/api/v1/puzzle",
                FRIENDLY_CAPTCHA,
            ),
        ] {
            assert_eq!(
                walled(&url(asked), &url(ended), &none),
                Some(by),
                "{asked} → {ended}"
            );
        }
    }

    #[test]
    fn login_challenge_and_consent_pages_asked_for_directly_are_pages() {
        let none = HeaderMap::new();
        for asked in [
            "https://example.com/login/jane.html",
            "https://example.com/challenge/2024.html",
            "https://example.com/consent/index.html",
            "https://consent.youtube.com/m",
            "https://www.hcaptcha.com/",
        ] {
            assert_eq!(walled(&url(asked), &url(asked), &none), None, "{asked}");
        }
        // Moved within the wall asked for.
        for (asked, moved) in [
            ("https://example.com/login", "https://example.com/login/"),
            ("https://www.hcaptcha.com/", "https://www.hcaptcha.com/en/"),
        ] {
            assert_eq!(walled(&url(asked), &url(moved), &none), None, "{asked}");
        }
        // Followed elsewhere, but not to a wall: a longer path that starts with a wall's.
        let moved = url("https://api.example/login-stats");
        assert_eq!(
            walled(&url("https://api.example/stats"), &moved, &none),
            None
        );
        let slash = url("https://example.com/jane/");
        assert_eq!(
            walled(&url("https://example.com/jane"), &slash, &none),
            None
        );
    }

    #[test]
    fn every_vendors_wall_is_named_by_its_weak_signs() {
        for signature in SIGNATURES {
            let Signature {
                by,
                title,
                html,
                headers,
                ..
            } = signature;
            assert_eq!(
                suspected(&wall(signature)),
                Some(*by),
                "{title} {html} {headers:?}"
            );
        }
    }

    #[test]
    fn every_weak_rule_has_a_signature_in_the_table() {
        let walls: Vec<Fetched> = SIGNATURES.iter().map(wall).collect();
        for (name, value, by) in VENDOR_HEADERS {
            let rule = &[(*name, *value, *by)][..];
            let carried = walls
                .iter()
                .any(|w| first_header(&w.headers, rule).is_some());
            assert!(carried, "no signature sends {name}");
        }
        let shape = walls
            .iter()
            .any(|w| w.headers.keys().any(|n| is_shape_header(n.as_str())));
        assert!(shape, "no signature sends Shape's headers");
        for (cookie, _) in VENDOR_COOKIES {
            let set = SIGNATURES.iter().any(|s| s.cookie.starts_with(cookie));
            assert!(set, "no signature sets {cookie}");
        }
        let platform = PLATFORM_MARKS.iter().map(|(_, mark, by)| (*mark, *by));
        for (mark, by) in VENDOR_MARKS.iter().copied().chain(platform) {
            let carried = walls.iter().any(|w| {
                let text = String::from_utf8_lossy(&w.body);
                let body = Body {
                    lower: text.to_lowercase(),
                    exact: &text,
                };
                body.has(mark, body.title().as_deref())
            });
            assert!(carried, "no signature carries {by}'s {mark:?}");
        }
    }

    #[test]
    fn a_vendors_name_or_words_on_a_page_are_no_sign_of_a_wall() {
        for body in [
            // The issue's prose, off the platform whose wall says it.
            "<p>Our awswaf rules are strict.</p>",
            "<p>You've been blocked by network security.</p>",
            "<p>Please wait for verification of your order.</p>",
            "<p>We compared Cloudflare, Akamai, Imperva, Incapsula and Sucuri.</p>",
            "<p>Reblaze, Kasada, PerimeterX, DataDome and Shape Security sell bot defence.</p>",
            "<p>The turnstile at the station was broken.</p>",
            "<p>hCaptcha, Arkose and FunCaptcha, GeeTest: a review.</p>",
            "<p>We use geetest. It works.</p>",
            "<style>.grecaptcha-badge{visibility:hidden}</style>",
            "<form><div class=\"g-recaptcha\" data-sitekey=\"k\"></div></form>",
            "<p>The template uses anubis_challenge as a key</p>",
            "<div id=\"anubis_challenge\">some content</div>",
            "<SCRIPT id=\"anubis_challenge\"></SCRIPT>",
            "<p>Read more at within.website blog</p>",
            "<script>window.__CF$cv$params={r:'8a'};a.src='/cdn-cgi/challenge-platform/scripts/jsd/main.js';</script>",
            "<a href=\"/cdn-cgi/l/email-protection\">email</a>",
            "<p>The request could not be satisfied. CloudFront returns this when blocked.</p>",
            "<script>var config = {\"enable.threatmetrix.debug\": true};</script>",
            // The issue's titles, which only start like a wall's.
            "<title>Access Denied – a short story</title>",
            "<title>Are you a robot? essay</title>",
            "<title>Security checklist for small teams</title>",
            "<title>Please wait... for the sequel</title>",
            "<title>My Video - YouTube</title>",
            "<title>Just a moment... with Ana</title>",
        ] {
            assert_eq!(page(body), None, "{body}");
        }
    }

    #[test]
    fn body_marks_are_looked_for_in_html_only_and_cookies_in_any_answer() {
        let json = Fetched {
            content_type: "application/json".into(),
            ..answer(
                "https://api.example/users/a",
                &[],
                r#"{"bio":"<title>Just a moment...</title> _cf_chl_opt"}"#,
            )
        };
        assert_eq!(suspected(&json), None);
        let with_cookie = Fetched {
            headers: headers(&[("set-cookie", "datadome=AHrl; Path=/")]),
            ..json
        };
        assert_eq!(suspected(&with_cookie), Some(DATADOME));
        let late = format!(
            "<p>{}</p><script>window._pxAppId='PX1';</script>",
            "a".repeat(SNIFF_BYTES)
        );
        assert_eq!(page(&late), None, "past the first {SNIFF_BYTES} bytes");
    }

    #[test]
    fn a_title_is_read_whole_with_its_entities_decoded_and_its_spaces_collapsed() {
        for (body, by) in [
            (
                "<html><head><title>\n  Login • Instagram\n</title></head></html>",
                Some(LOGIN_WALL),
            ),
            (
                "<title data-rh=\"true\">Login &#8226; Instagram</title>",
                Some(LOGIN_WALL),
            ),
            ("<TITLE>JUST A   MOMENT...</TITLE>", Some(CLOUDFLARE)),
            ("<title>Just a moment&#x2026;</title>", Some(CLOUDFLARE)),
            (
                "<titles><title>Verify you are&nbsp;human</title>",
                Some(BOT_CHECK),
            ),
            ("<title>Login &bogus; Instagram</title>", None),
            ("<title>Just a moment...", None),
        ] {
            assert_eq!(page(body), by, "{body}");
        }
    }

    #[test]
    fn a_platforms_marks_count_on_its_own_pages_only() {
        let block = "<p>You've been blocked by network security.</p>";
        for (at, by) in [
            (
                "https://www.reddit.com/user/spez/",
                Some("a network-security block"),
            ),
            (
                "https://reddit.com/r/rust",
                Some("a network-security block"),
            ),
            ("https://notreddit.com/user/spez/", None),
            ("https://reddit.com.example/user/spez/", None),
        ] {
            assert_eq!(suspected(&answer(at, &[], block)), by, "{at}");
        }
    }
}
