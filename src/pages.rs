//! HTML pages: askama templates under `templates/`, all extending `base.html`. Turning one
//! into a response (status, headers) is the routes' business (`routes::html`).

mod search;

use std::sync::LazyLock;

use askama::Template;

use crate::assets;
use crate::lookup::Profile;
use crate::providers::{self, Image, ImageKind, Provider};
pub use search::{SearchCard, SearchPage, SearchSummary};

/// The id of the generic provider, whose "avatar" is any web page's own image.
const PAGE_PROVIDER: &str = "page";

/// The platform picker's order: by name, so a visitor can scan it, with the generic
/// page provider last, since it is the fallback for everything else.
static PICKER: LazyLock<Vec<&'static Provider>> = LazyLock::new(|| {
    let mut list = providers::ALL.to_vec();
    list.sort_by_cached_key(|p| (p.id == PAGE_PROVIDER, p.name.to_lowercase()));
    list
});

/// The lookup form every page carries (`templates/form.html`), filled in with what the
/// visitor asked for last.
pub struct LookupForm<'a> {
    /// What the visitor typed.
    pub query: &'a str,
    /// The platform they picked, if it is one we know.
    pub provider: Option<&'static Provider>,
    /// Platforms for the picker, in the order it shows them.
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
            providers: PICKER.as_slice(),
            compact: false,
        }
    }

    /// A compact form holding `query` and the platform picked as `provider` (id or alias).
    pub fn filled(query: &'a str, provider: Option<&str>) -> Self {
        Self {
            query,
            provider: provider.and_then(providers::by_id),
            providers: PICKER.as_slice(),
            compact: true,
        }
    }

    /// Whether `option` is the platform to show as picked.
    pub fn picks(&self, option: &Provider) -> bool {
        self.provider.is_some_and(|p| p.id == option.id)
    }
}

/// The home page: the lookup form, examples to click and the platforms we know.
#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    /// The empty form.
    pub form: LookupForm<'static>,
}

impl HomePage {
    /// The results page for `query`, on `provider` when one is given.
    pub fn lookup_href(&self, query: &str, provider: Option<&str>) -> String {
        lookup_href(query, provider)
    }

    /// The results page for a platform's example handle, when it has one.
    pub fn example_href(&self, platform: &Provider) -> Option<String> {
        (!platform.example.is_empty()).then(|| lookup_href(platform.example, Some(platform.id)))
    }
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

/// `/lookup?q=…[&provider=…]`: the results page for `query`.
fn lookup_href(query: &str, provider: Option<&str>) -> String {
    match provider {
        Some(id) => format!("/lookup?q={}&provider={}", encoded(query), encoded(id)),
        None => format!("/lookup?q={}", encoded(query)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_picker_lists_platforms_by_name_and_any_web_page_last() {
        let names: Vec<&str> = LookupForm::home()
            .providers
            .iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(names.len(), providers::ALL.len());
        assert_eq!(names.last(), Some(&"Any web page"));
        let platforms = &names[..names.len() - 1];
        assert!(
            platforms.is_sorted_by_key(|n| n.to_lowercase()),
            "{platforms:?}"
        );
    }
}
