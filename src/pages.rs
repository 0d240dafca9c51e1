//! HTML pages: askama templates under `templates/`, all extending `base.html`. Turning one
//! into a response (status, headers) is the routes' business (`routes::html`).

mod search;

use askama::Template;

use crate::assets;
use crate::lookup::Profile;
use crate::providers::{self, Image, ImageKind, Provider};
pub use search::{SearchCard, SearchPage, SearchSummary};

/// The lookup form every page carries (`templates/form.html`), filled in with what the
/// visitor asked for last.
pub struct LookupForm<'a> {
    /// What the visitor typed.
    pub query: &'a str,
    /// The platform they picked, if it is one we know.
    pub provider: Option<&'static Provider>,
    /// Platforms for the picker.
    pub providers: &'static [&'static Provider],
    /// The large form of the home page, or the compact one above results and errors.
    pub compact: bool,
}

impl<'a> LookupForm<'a> {
    /// The home page's empty form.
    pub fn home() -> Self {
        Self {
            query: "",
            provider: None,
            providers: providers::ALL,
            compact: false,
        }
    }

    /// A compact form holding `query` and the platform picked as `provider` (id or alias).
    pub fn filled(query: &'a str, provider: Option<&str>) -> Self {
        Self {
            query,
            provider: provider.and_then(providers::by_id),
            providers: providers::ALL,
            compact: true,
        }
    }

    /// Whether `option` is the platform to show as picked.
    pub fn picks(&self, option: &Provider) -> bool {
        self.provider.is_some_and(|p| p.id == option.id)
    }
}

/// The home page: the lookup form.
#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    /// The empty form.
    pub form: LookupForm<'static>,
}

/// An error page (also used for 404).
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    /// Short title, e.g. "Page not found".
    pub title: &'a str,
    /// What happened and what the visitor can do.
    pub message: &'a str,
    /// HTTP status code shown on the page.
    pub status: u16,
    /// The form, filled in with the visitor's input when a lookup failed.
    pub form: LookupForm<'a>,
}

/// A lookup's results: the profile's images with open, download and copy actions.
#[derive(Template)]
#[template(path = "results.html")]
pub struct ResultsPage<'a> {
    /// The form, refilled with what the visitor asked for.
    pub form: LookupForm<'a>,
    /// What was found.
    pub profile: &'a Profile,
}

/// A download offered next to an image: how it is made and what its file is called.
pub struct Download {
    /// The link's text.
    pub label: &'static str,
    /// `/image` parameters that make it.
    pub params: &'static str,
    /// What the file name adds after `<provider>-<handle>-<kind>`, so no two downloads of
    /// one image share a name.
    pub suffix: &'static str,
}

/// Downloads of an avatar beside the original.
const AVATAR_DOWNLOADS: &[Download] = &[
    Download::new("JPEG", "format=jpeg", ""),
    Download::new("PNG", "format=png", ""),
    Download::new("WebP", "format=webp", ""),
    Download::new(
        "400×400 JPEG",
        "w=400&h=400&fit=cover&format=jpeg",
        "400x400",
    ),
    Download::new("128×128 PNG", "w=128&h=128&fit=cover&format=png", "128x128"),
];

/// Downloads of a banner beside the original.
const BANNER_DOWNLOADS: &[Download] = &[
    Download::new("JPEG", "format=jpeg", ""),
    Download::new("PNG", "format=png", ""),
    Download::new("WebP", "format=webp", ""),
    Download::new("1500 px JPEG", "w=1500&format=jpeg", "1500w"),
];

impl Download {
    const fn new(label: &'static str, params: &'static str, suffix: &'static str) -> Self {
        Self {
            label,
            params,
            suffix,
        }
    }
}

impl ResultsPage<'_> {
    /// The same lookup as the JSON API answers it.
    pub fn api_href(&self) -> String {
        let mut href = format!("/api/v1/lookup?q={}", encoded(self.form.query));
        if let Some(provider) = self.form.provider {
            href.push_str("&provider=");
            href.push_str(provider.id);
        }
        href
    }

    /// The downloads offered for `image` besides the original.
    pub fn downloads(&self, image: &Image) -> &'static [Download] {
        match image.kind {
            ImageKind::Banner => BANNER_DOWNLOADS,
            ImageKind::Avatar => AVATAR_DOWNLOADS,
        }
    }

    /// How the profile was found, when it was not the platform's first way of asking or it
    /// went through the outbound proxy: "found via intent, through the outbound proxy".
    pub fn found_how(&self) -> Option<String> {
        let profile = self.profile;
        let first = profile.provider.chain().first().map(|s| s.name);
        let later = (!profile.strategy.is_empty() && Some(profile.strategy.as_str()) != first)
            .then(|| format!("found via {}", profile.strategy));
        let proxied = profile.proxied.then_some("through the outbound proxy");
        match (later, proxied) {
            (None, None) => None,
            (Some(later), None) => Some(later),
            (None, Some(proxied)) => Some(format!("found {proxied}")),
            (Some(later), Some(proxied)) => Some(format!("{later}, {proxied}")),
        }
    }

    /// The profile's name, else its handle.
    pub fn display_name(&self) -> &str {
        self.profile.name.as_deref().unwrap_or(&self.profile.id)
    }

    /// `image` through our proxy with extra query parameters (`w=480&format=webp`).
    pub fn via(&self, image: &Image, extra: &str) -> String {
        let url = encoded(&image.url);
        if extra.is_empty() {
            format!("/image?url={url}")
        } else {
            format!("/image?url={url}&{extra}")
        }
    }

    /// A `width`-pixel-wide preview of `image`.
    pub fn preview(&self, image: &Image, width: u32) -> String {
        self.via(image, &format!("w={width}"))
    }

    /// A link downloading `image` made by `extra` parameters, saved as
    /// `<provider>-<handle>-<kind>[-<suffix>].<ext>`.
    pub fn download(&self, image: &Image, extra: &str, suffix: &str) -> String {
        let mut name = format!(
            "{}-{}-{}",
            self.profile.provider.id,
            self.profile.id,
            image.kind.as_str()
        );
        if !suffix.is_empty() {
            name = format!("{name}-{suffix}");
        }
        let mut params = format!("download=1&name={}", encoded(&name));
        if !extra.is_empty() {
            params = format!("{params}&{extra}");
        }
        self.via(image, &params)
    }
}

/// `value` encoded for a query string.
fn encoded(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Helpers the templates call.
pub mod layout {
    /// URL of the stylesheet, content-hashed.
    pub fn style_href() -> String {
        super::assets::STYLE.href()
    }
    /// URL of the script, content-hashed.
    pub fn script_src() -> String {
        super::assets::SCRIPT.href()
    }
    /// URL of the favicon, content-hashed.
    pub fn favicon_href() -> String {
        super::assets::FAVICON.href()
    }
}
