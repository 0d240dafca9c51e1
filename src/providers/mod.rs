//! Providers as data: one small file per platform over one shared mechanism
//! (request → fetch → pick), registered in [`ALL`].
//!
//! To add a platform, write `src/providers/<id>.rs` with a `pub const PROVIDER: Provider`,
//! add it to [`ALL`], and add its fixture-backed test under `tests/providers/`. A provider
//! states what differs from [`Provider::DEFAULT`] and takes the rest with `..Provider::DEFAULT`:
//!
//! - `id`, `name`, `input`, `example`, `handle` (checks a typed handle) and `strategies`,
//!   always;
//! - `recognize`: [`Recognize::Rules`] (hosts, path patterns such as `/@{handle}`, and the
//!   [`Reserved`] first segments that are the platform's own pages), or, where rules cannot
//!   say it, [`Recognize::Custom`], a function that applies its own [`Reserved`] names. Never
//!   both;
//! - `profile_url`, the public profile page for a handle: what [`Strategy::page`] fetches,
//!   so its URL is stated once;
//! - `strategies`: the ways of asking the platform, in order, each a request and the reader
//!   of its answer ([`Strategy::page`], [`Strategy::page_at`], [`Strategy::api`], or a
//!   [`Strategy`] of its own). The next is tried when one fails, and the profile page read
//!   as any web page is the implicit end (see [`Provider::chain`]);
//! - `aliases`, `upgrade` (to the largest size served) and `placeholders` (the platform's
//!   stand-in images, dropped wherever an image is read) when they differ;
//! - `credentials`, when its API takes the operator's: the settings (flag, variable, help)
//!   and, for OAuth, the token URL. They become flags and variables of their own, and
//!   requests that ask for credentials carry them;
//! - what the live check (`getimages check`) holds the platform to: `missing_handle` (a
//!   handle no account has, which must come back "not found") and `avatar_floor_px` (the
//!   example's avatar size), always; `promises_banner` where the README's "Banners come
//!   from …" names the platform.

mod error;
pub mod pick;
pub mod signed;

mod applemusic;
mod bandcamp;
mod behance;
mod bilibili;
mod bluesky;
mod buymeacoffee;
mod chesscom;
mod codeberg;
mod codepen;
mod deezer;
mod dev;
mod deviantart;
mod discord;
mod dockerhub;
mod dribbble;
mod facebook;
mod farcaster;
mod fediverse;
mod flickr;
mod gitea;
mod github;
mod gitlab;
mod gravatar;
mod hashnode;
mod huggingface;
mod instagram;
mod keybase;
mod kick;
mod kofi;
mod lastfm;
mod lemmy;
mod letterboxd;
mod linkedin;
mod linktree;
mod mastodon;
mod medium;
mod misskey;
mod page;
mod patreon;
mod pinterest;
mod pixelfed;
mod pixiv;
mod printables;
mod producthunt;
mod reddit;
mod snapchat;
mod soundcloud;
mod spotify;
mod stackoverflow;
mod steam;
mod strava;
mod substack;
mod telegram;
mod thingiverse;
mod threads;
mod tiktok;
mod tumblr;
mod twitch;
mod vimeo;
mod x;
mod youtube;

use url::Url;

use crate::extract;

use crate::fetch::credentials::Declared;
use crate::fetch::{Agent, Request};
pub use error::{PickError, TooComplex};
pub use pick::Found;

/// One platform's rules.
pub struct Provider {
    /// Stable id used in URLs and the API (`github`, `x`).
    pub id: &'static str,
    /// Name shown to visitors.
    pub name: &'static str,
    /// Other ids accepted for it (`twitter` for `x`).
    pub aliases: &'static [&'static str],
    /// What a visitor types for it, e.g. "username" or "@user@instance".
    pub input: &'static str,
    /// An example handle.
    pub example: &'static str,
    /// A handle in the platform's form that no account has: the live check's negative
    /// control (`getimages check`) looks it up and wants "not found", never a picture.
    pub missing_handle: &'static str,
    /// The shorter side, in pixels, of the example's avatar at the largest size the platform
    /// serves (after `upgrade`): the live check fails a smaller one, the sign of an upgrade
    /// that stopped working. 0 states no floor.
    pub avatar_floor_px: u32,
    /// Whether the README promises this platform's banners ("Banners come from …"): the live
    /// check then fails when the example is found without one.
    pub promises_banner: bool,
    /// Whether a plain username (`jack`) is a handle here, so a bare name typed without a
    /// platform is looked up here too (see `lookup::search`). Not for platforms that need an
    /// e-mail address, a numeric id, an instance or a URL.
    pub takes_username: bool,
    /// Which URLs are this platform's profiles.
    pub recognize: Recognize,
    /// Checks and normalizes a handle typed with the platform picked.
    pub handle: fn(&str) -> Option<String>,
    /// The public profile page for a handle.
    pub profile_url: fn(&str) -> String,
    /// The ways of asking the platform for a profile, in order (see [`Provider::chain`]).
    pub strategies: &'static [Strategy],
    /// Rewrites an avatar URL to the largest size the platform serves.
    pub upgrade: fn(&str) -> String,
    /// Substrings (lower case) of the platform's stand-in image URLs, never a profile's own
    /// picture: dropped wherever an image is read, whichever provider reads it.
    pub placeholders: &'static [&'static str],
    /// The operator's credentials its API takes, if any: the settings they are set by, and
    /// where an OAuth token comes from. Sent only by ways of asking that ask for them.
    pub credentials: Option<Declared>,
}

/// Reads a profile's images out of a fetched answer (`handle` as normalized).
pub type Reader = fn(&pick::Response<'_>, &str) -> Result<Found, PickError>;

/// One way of asking a platform for a profile: a request and the reader of its answer.
#[derive(Debug, Clone, Copy)]
pub struct Strategy {
    /// Short name for logs, the API and `getimages check`: `api`, `page`, `intent`.
    pub name: &'static str,
    /// Who we say we are.
    pub agent: Agent,
    /// What is fetched: the profile page, another page, or another request.
    pub ask: Ask,
    /// Reads the profile's images out of the answer.
    pub read: Reader,
    /// What this way's "no such profile" means.
    pub not_found: NotFound,
}

/// What a [`Strategy`] fetches.
#[derive(Debug, Clone, Copy)]
pub enum Ask {
    /// The provider's `profile_url`.
    ProfilePage,
    /// Another web page: another URL, or the profile page with headers such as a consent
    /// cookie.
    PageAt(fn(&str) -> Request),
    /// A request whose answer is not a web page: an API's JSON, or the picture itself.
    At(fn(&str) -> Request),
}

/// Whether a strategy's "no such profile" (HTTP 404, or the platform's own not-found answer)
/// ends the lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotFound {
    /// The platform's last word: no other way is tried, and the miss is cached.
    Final,
    /// Only this way's: an avatar-only Gravatar has no profile JSON, a Hugging Face
    /// organization is not a user, a Misskey host has no Mastodon API. The next way is tried.
    TryNext,
}

impl Strategy {
    /// The profile page read by `read`, as a crawler: named `page`; its "not found" is final.
    pub const fn page(read: Reader) -> Self {
        Self {
            name: "page",
            agent: Agent::Crawler,
            ask: Ask::ProfilePage,
            read,
            not_found: NotFound::Final,
        }
    }

    /// Another page, fetched with `request`, read by `read` as [`Strategy::page`] reads the
    /// profile page.
    pub const fn page_at(request: fn(&str) -> Request, read: Reader) -> Self {
        Self {
            ask: Ask::PageAt(request),
            ..Self::page(read)
        }
    }

    /// A JSON API's answer to `request` read by `read`, as a plain API client: named `api`;
    /// its "not found" is final.
    pub const fn api(request: fn(&str) -> Request, read: Reader) -> Self {
        Self {
            name: "api",
            agent: Agent::Api,
            ask: Ask::At(request),
            read,
            not_found: NotFound::Final,
        }
    }

    /// What to fetch for `handle` on `provider`: the request this way words, asked by the
    /// provider as this way's agent.
    pub fn request(&self, provider: &Provider, handle: &str) -> Request {
        let worded = match self.ask {
            Ask::ProfilePage => Request::get((provider.profile_url)(handle)),
            Ask::PageAt(request) | Ask::At(request) => request(handle),
        };
        Request {
            provider: provider.id,
            agent: self.agent,
            ..worded
        }
    }

    /// Whether its answer is a web page, which a page's reader can read.
    pub fn reads_page(&self) -> bool {
        matches!(self.ask, Ask::ProfilePage | Ask::PageAt(_))
    }
}

/// The implicit end of every platform's chain: its profile page read as any web page is
/// (metadata, then icons), for when none of the platform's own ways got it to answer.
const GENERIC_PAGE: Strategy = Strategy {
    name: "generic page",
    ..Strategy::page(page::read)
};

/// How a provider tells its profile URLs: declarative rules, or a function where rules are not
/// enough. One or the other, never both: a function ignores rules, so they cannot be set
/// alongside it.
#[derive(Debug, Clone, Copy)]
pub enum Recognize {
    /// URLs on `hosts` (compared without a leading `www.` or `m.`) whose path matches one of
    /// `paths`, such as `/{handle}` or `/user/{handle}` (the first that matches gives the
    /// handle; extra trailing segments are allowed), unless the first path segment is
    /// `reserved`.
    Rules {
        /// The platform's hosts.
        hosts: &'static [&'static str],
        /// Profile URL path patterns on those hosts.
        paths: &'static [&'static str],
        /// First path segments that are the platform's own pages, never a profile.
        reserved: Reserved,
    },
    /// A function for URLs rules cannot describe (any Mastodon instance, `name.substack.com`);
    /// it applies its own [`Reserved`] names where they belong.
    Custom(fn(&Url) -> Option<String>),
}

/// Names a platform keeps for its own pages (first path segments, or subdomains), never a
/// profile's. Compared ignoring ASCII case.
#[derive(Debug, Clone, Copy)]
pub struct Reserved(pub &'static [&'static str]);

impl Reserved {
    /// No reserved names.
    pub const NONE: Self = Self(&[]);

    /// Whether `name` is one of them.
    pub fn contains(self, name: &str) -> bool {
        self.0.iter().any(|r| r.eq_ignore_ascii_case(name))
    }
}

/// Every provider, in the order the API lists them. `page` (any URL) comes last.
pub static ALL: &[&Provider] = &[
    &github::PROVIDER,
    &x::PROVIDER,
    &facebook::PROVIDER,
    &telegram::PROVIDER,
    &medium::PROVIDER,
    &soundcloud::PROVIDER,
    &pinterest::PROVIDER,
    &dribbble::PROVIDER,
    &behance::PROVIDER,
    &deviantart::PROVIDER,
    &codepen::PROVIDER,
    &flickr::PROVIDER,
    &dev::PROVIDER,
    &dockerhub::PROVIDER,
    &gitlab::PROVIDER,
    &gravatar::PROVIDER,
    &huggingface::PROVIDER,
    &keybase::PROVIDER,
    &stackoverflow::PROVIDER,
    &tumblr::PROVIDER,
    &vimeo::PROVIDER,
    &bluesky::PROVIDER,
    &instagram::PROVIDER,
    &reddit::PROVIDER,
    &steam::PROVIDER,
    &substack::PROVIDER,
    &threads::PROVIDER,
    &tiktok::PROVIDER,
    &twitch::PROVIDER,
    &youtube::PROVIDER,
    &linkedin::PROVIDER,
    &spotify::PROVIDER,
    &discord::PROVIDER,
    &snapchat::PROVIDER,
    &kick::PROVIDER,
    &codeberg::PROVIDER,
    &chesscom::PROVIDER,
    &kofi::PROVIDER,
    &buymeacoffee::PROVIDER,
    &linktree::PROVIDER,
    &deezer::PROVIDER,
    &hashnode::PROVIDER,
    &bilibili::PROVIDER,
    &farcaster::PROVIDER,
    &pixiv::PROVIDER,
    &bandcamp::PROVIDER,
    &letterboxd::PROVIDER,
    &lastfm::PROVIDER,
    &strava::PROVIDER,
    &thingiverse::PROVIDER,
    &printables::PROVIDER,
    &applemusic::PROVIDER,
    &misskey::PROVIDER,
    &lemmy::PROVIDER,
    &gitea::PROVIDER,
    &patreon::PROVIDER,
    &producthunt::PROVIDER,
    &pixelfed::PROVIDER,
    // Any host's `/@user` is a fediverse account: after every platform with `/@` URLs.
    &mastodon::PROVIDER,
    &page::PROVIDER,
];

/// Whether `url` is a known placeholder rather than a real picture: a generic one, or any
/// platform's (a platform's stand-in turns up on other pages too, such as its own profile page
/// read as a generic web page).
pub fn is_placeholder(url: &str) -> bool {
    if extract::is_generic_placeholder(url) {
        return true;
    }
    let lower = url.to_ascii_lowercase();
    ALL.iter()
        .flat_map(|p| p.placeholders)
        .any(|p| lower.contains(p))
}

/// The generic provider for any other web page.
pub fn generic_page() -> &'static Provider {
    &page::PROVIDER
}

/// (De)serializes a `&'static Provider` as its id, for `#[serde(with = …)]`. An id no
/// provider has any more fails to deserialize (a stored answer from an older version).
pub mod by_id_serde {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use super::Provider;

    /// Writes the provider's id.
    pub fn serialize<S: Serializer>(provider: &&'static Provider, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(provider.id)
    }

    /// Reads an id back into its provider.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<&'static Provider, D::Error> {
        let id = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        super::by_id(&id).ok_or_else(|| D::Error::custom(format!("no provider {id}")))
    }
}

/// The provider with id or alias `id` (case-insensitive).
pub fn by_id(id: &str) -> Option<&'static Provider> {
    let id = id.trim();
    ALL.iter().copied().find(|p| {
        p.id.eq_ignore_ascii_case(id) || p.aliases.iter().any(|a| a.eq_ignore_ascii_case(id))
    })
}

/// The platform profile `url` points at, with its normalized handle.
pub fn recognize(url: &Url) -> Option<(&'static Provider, String)> {
    ALL.iter()
        .copied()
        .filter(|p| !p.is_generic())
        .find_map(|p| Some((p, p.recognize_url(url)?)))
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Provider").field(&self.id).finish()
    }
}

/// Providers are statics with unique ids: the id says which one it is.
impl PartialEq for Provider {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for Provider {}

impl Provider {
    /// The common fields' defaults, for `..Provider::DEFAULT`: no aliases, images kept at the
    /// size served, no placeholders of its own, no banner promised. The fields every provider states (`id`,
    /// `name`, `input`, `example`, `recognize`, `handle`, `profile_url`, `strategies`) are
    /// inert here: it recognizes no URL, accepts no handle and has no way of its own. The live
    /// check's `missing_handle` and `avatar_floor_px` are unset (empty, 0); every platform
    /// states them.
    pub const DEFAULT: Provider = Provider {
        id: "",
        name: "",
        aliases: &[],
        input: "",
        example: "",
        missing_handle: "",
        avatar_floor_px: 0,
        promises_banner: false,
        takes_username: false,
        recognize: Recognize::Rules {
            hosts: &[],
            paths: &[],
            reserved: Reserved::NONE,
        },
        handle: |_| None,
        profile_url: |_| String::new(),
        strategies: &[],
        upgrade: same_size,
        placeholders: &[],
        credentials: None,
    };

    /// Every way of asking this platform, in order: its `strategies`, then the chain's
    /// implicit end, [`Provider::fallback`].
    pub fn chain(&self) -> impl Iterator<Item = &'static Strategy> {
        self.strategies.iter().chain(self.fallback())
    }

    /// The chain's implicit end: the profile page read as any web page is, tried only when
    /// none of the platform's own ways got it to answer (a way that read the profile and
    /// found no picture has said enough). None for the generic provider, whose own way is
    /// that reader.
    pub fn fallback(&self) -> Option<&'static Strategy> {
        (!self.is_generic()).then_some(&GENERIC_PAGE)
    }

    /// The platform's name, for what a failure names ("GitHub stopped us with …"); `None`
    /// for the generic provider, whose pages are on no platform in particular.
    pub fn platform_name(&self) -> Option<&'static str> {
        (!self.is_generic()).then_some(self.name)
    }

    /// Whether this is the generic provider for any web page (not a platform).
    pub fn is_generic(&self) -> bool {
        self == generic_page()
    }

    /// The handle in `url` if it is one of this platform's profile URLs.
    pub fn recognize_url(&self, url: &Url) -> Option<String> {
        let raw = match self.recognize {
            Recognize::Rules {
                hosts,
                paths,
                reserved,
            } => match_rules(url, hosts, paths, reserved)?,
            Recognize::Custom(recognize) => recognize(url)?,
        };
        (self.handle)(&raw)
    }
}

/// The raw handle in `url` by [`Recognize::Rules`], percent-decoded.
fn match_rules(url: &Url, hosts: &[&str], paths: &[&str], reserved: Reserved) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let host = host.strip_prefix("m.").unwrap_or(host);
    if !hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
        return None;
    }
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    if segments
        .first()
        .is_some_and(|first| reserved.contains(first))
    {
        return None;
    }
    paths
        .iter()
        .find_map(|pattern| match_path(pattern, &segments))
        .map(|raw| percent_decode(&raw))
}

/// Matches path `segments` against a pattern like `/user/{handle}` or `/@{handle}`.
pub fn match_path(pattern: &str, segments: &[&str]) -> Option<String> {
    let parts: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    if segments.len() < parts.len() {
        return None;
    }
    let mut handle = None;
    for (part, segment) in parts.iter().zip(segments) {
        match part.split_once("{handle}") {
            Some((prefix, suffix)) => {
                let inner = segment.strip_prefix(prefix)?.strip_suffix(suffix)?;
                if inner.is_empty() {
                    return None;
                }
                handle = Some(inner.to_owned());
            }
            None if part.eq_ignore_ascii_case(segment) => {}
            None => return None,
        }
    }
    handle
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_owned())
}

/// A handle of letters, digits and `extra` characters, 1 to `max` long, `@` prefix dropped.
pub fn plain_handle(raw: &str, extra: &str, max: usize) -> Option<String> {
    let h = raw.trim().trim_start_matches('@');
    let ok = !h.is_empty()
        && h.chars().count() <= max
        && h.chars().all(|c| c.is_alphanumeric() || extra.contains(c));
    ok.then(|| h.to_owned())
}

/// A [`plain_handle`] in ASCII only, as most platforms want.
pub fn ascii_handle(raw: &str, extra: &str, max: usize) -> Option<String> {
    plain_handle(raw, extra, max).filter(|h| h.is_ascii())
}

/// The name of a platform that gives each account a subdomain (`{name}.bandcamp.com`), from
/// any page of it: a single label of `domain` (`.bandcamp.com`) that is not `reserved`.
pub fn subdomain_of(url: &Url, domain: &str, reserved: Reserved) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    let name = host.strip_suffix(domain)?;
    (!name.contains('.') && !reserved.contains(name)).then(|| name.to_owned())
}

/// A subdomain name typed as a handle (`name`, `name.bandcamp.com`, with or without its
/// scheme): letters, digits and inner hyphens, 63 at most, lower-cased, not `reserved`.
pub fn subdomain_handle(raw: &str, domain: &str, reserved: Reserved) -> Option<String> {
    let raw = raw.trim().to_ascii_lowercase();
    let raw = raw
        .strip_prefix("https://")
        .or_else(|| raw.strip_prefix("http://"))
        .unwrap_or(&raw);
    let raw = raw.trim_end_matches('/');
    let name = ascii_handle(raw.strip_suffix(domain).unwrap_or(raw), "-", 63)?;
    let ok = !name.starts_with('-') && !name.ends_with('-') && !reserved.contains(&name);
    ok.then_some(name)
}

/// The identity upgrade, for platforms that serve one size.
pub fn same_size(url: &str) -> String {
    url.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_patterns_capture_the_handle() {
        assert_eq!(
            match_path("/@{handle}", &["@mkbhd", "videos"]),
            Some("mkbhd".into())
        );
        assert_eq!(
            match_path("/user/{handle}", &["user", "spez"]),
            Some("spez".into())
        );
        assert_eq!(match_path("/user/{handle}", &["r", "spez"]), None);
        assert_eq!(match_path("/{handle}", &[]), None);
    }

    #[test]
    fn rules_state_hosts_and_paths() {
        for p in ALL.iter().filter(|p| !p.is_generic()) {
            if let Recognize::Rules { hosts, paths, .. } = p.recognize {
                assert!(
                    !hosts.is_empty() && !paths.is_empty(),
                    "{}: empty rules",
                    p.id
                );
            }
        }
    }

    #[test]
    fn reserved_first_segments_are_never_profiles() {
        for p in ALL {
            let Recognize::Rules {
                hosts, reserved, ..
            } = p.recognize
            else {
                continue;
            };
            for (host, name) in hosts
                .iter()
                .flat_map(|h| reserved.0.iter().map(move |r| (h, r)))
            {
                for url in [
                    format!("https://{host}/{name}"),
                    format!("https://www.{host}/{}/x", name.to_ascii_uppercase()),
                ] {
                    let url = Url::parse(&url).unwrap();
                    assert_eq!(p.recognize_url(&url), None, "{}: {url}", p.id);
                }
            }
        }
    }

    #[test]
    fn reserved_names_ignore_case() {
        let reserved = Reserved(&["about", "login"]);
        assert!(reserved.contains("About") && reserved.contains("login"));
        assert!(!reserved.contains("abouts") && !Reserved::NONE.contains("about"));
    }

    #[test]
    fn placeholders_are_lower_case() {
        for p in ALL {
            for pattern in p.placeholders {
                assert_eq!(*pattern, pattern.to_ascii_lowercase(), "{}", p.id);
            }
        }
    }

    #[test]
    fn every_platform_placeholder_is_dropped_wherever_it_is_read() {
        for (p, pattern) in ALL
            .iter()
            .flat_map(|p| p.placeholders.iter().map(move |s| (p, s)))
        {
            let url = match pattern.strip_prefix('/') {
                Some(path) => format!("https://cdn.example/{path}/x.png"),
                None => format!("https://{pattern}/x.png"),
            };
            for url in [url.clone(), url.to_ascii_uppercase()] {
                let found = Found::default().avatar(Some(&url)).banner(Some(&url));
                assert!(found.images.is_empty(), "{}: {url} kept", p.id);
            }
            let page = crate::extract::Page::parse(
                &format!(
                    r#"<meta property="og:image" content="{url}">
                       <meta name="twitter:image" content="https://cdn.example/me.png">"#
                ),
                Url::parse("https://example.com/").unwrap(),
            )
            .with_placeholders(is_placeholder);
            let og_image = page.og_image().map(String::from);
            assert_eq!(
                og_image.as_deref(),
                Some("https://cdn.example/me.png"),
                "{}",
                p.id
            );
        }
    }

    #[test]
    fn the_readme_lists_every_platforms_ways_of_asking_in_order() {
        let readme = include_str!("../../README.md");
        let mut wrong = Vec::new();
        for p in ALL {
            let names: Vec<&str> = p.chain().map(|s| s.name).collect();
            let cell = format!("| {} |", names.join(" → "));
            let row = readme
                .lines()
                .find(|l| l.starts_with(&format!("| {} | `{}", p.name, p.id)));
            if !row.is_some_and(|r| r.ends_with(&cell)) {
                wrong.push(format!("{}: want the row to end with {cell}", p.id));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn ids_and_aliases_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for p in ALL {
            for id in std::iter::once(&p.id).chain(p.aliases) {
                assert!(seen.insert(id.to_ascii_lowercase()), "duplicate id {id}");
            }
        }
    }

    #[test]
    fn every_provider_states_what_the_default_leaves_out() {
        for p in ALL {
            assert!(!p.id.is_empty() && !p.name.is_empty() && !p.input.is_empty());
            let profile = (p.profile_url)(&(p.handle)(p.example).unwrap_or_default());
            let profile = Url::parse(&profile).unwrap_or_else(|_| panic!("{}: {profile}", p.id));
            assert_eq!(profile.scheme(), "https", "{}", p.id);
        }
    }

    #[test]
    fn every_platform_states_what_the_live_check_holds_it_to() {
        for p in ALL.iter().filter(|p| !p.is_generic()) {
            let missing = (p.handle)(p.missing_handle);
            assert!(
                missing.is_some(),
                "{}: missing_handle {:?} is not a handle",
                p.id,
                p.missing_handle
            );
            assert_ne!(missing, (p.handle)(p.example), "{}", p.id);
            assert!(p.avatar_floor_px > 0, "{}: no avatar_floor_px", p.id);
        }
    }

    #[test]
    fn the_readme_promises_banners_of_the_platforms_that_say_so() {
        let readme = include_str!("../../README.md");
        let start = readme
            .find("Banners come from ")
            .expect("the README says where banners come from");
        // The list runs to ", where …" (or the paragraph's end); names may hold a dot.
        let paragraph = readme[start..].split("\n\n").next().unwrap();
        let list = paragraph["Banners come from ".len()..]
            .split(", where ")
            .next()
            .unwrap();
        // "Discord (a server's banner, else its invite splash)" is Discord.
        let mut bare = String::new();
        let mut depth = 0;
        for c in list.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ if depth == 0 => bare.push(c),
                _ => {}
            }
        }
        let named: Vec<&str> = bare
            .split([',', '\n'])
            .flat_map(|s| s.split(" and "))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let promised: Vec<&str> = ALL
            .iter()
            .filter(|p| p.promises_banner)
            // "X (Twitter)" is X in a list.
            .map(|p| p.name.split(" (").next().unwrap())
            .collect();
        let mut wrong: Vec<String> = named
            .iter()
            .filter(|n| !promised.contains(n))
            .map(|n| format!("the README names {n}, whose provider has no promises_banner"))
            .collect();
        wrong.extend(
            promised
                .iter()
                .filter(|n| !named.contains(n))
                .map(|n| format!("{n} promises_banner, and the README's list does not name it")),
        );
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn every_example_is_a_valid_handle() {
        for p in ALL.iter().filter(|p| !p.is_generic()) {
            assert!(
                (p.handle)(p.example).is_some(),
                "{}: bad example {}",
                p.id,
                p.example
            );
        }
    }
}
