//! The extraction toolkit: everything providers read out of an HTML page, written once.
//!
//! Real pages are hostile: placeholder og:images, avatars only in JSON-LD or embedded JSON,
//! JSON-LD with raw newlines, relative URLs, entity-encoded URLs, several size variants.

mod entities;
pub mod json;
mod metadata;
mod scan;
pub mod tree;

pub use metadata::{LINK_RELS, META_KEYS, Metadata};

use scraper::{ElementRef, Html, Selector};
use serde_json::Value;
use url::Url;

/// Substrings of image URLs that are placeholders on any site, never a profile's own picture.
/// A platform's own stand-ins are listed with its provider, which hands the full test to
/// [`Page::with_placeholders`].
const PLACEHOLDERS: &[&str] = &[
    "/static/images/logo",
    "/original/missing.png",
    "/images/default-avatar",
    "default-avatar",
    "/default_avatar",
    "placeholder",
];

/// Deepest element nesting read (as [`Metadata::depth`] counts it). Real profile pages stay
/// well under 100; parsing time grows with depth times size, so a small page of endlessly
/// nested tags could hold a thread for minutes.
pub const MAX_NESTING: usize = 512;

/// Most attributes one start tag may have for the page to be parsed as a tree. The
/// tokenizer compares each attribute with every one before it in the tag: measured, one tag
/// of 50,000 took 6.7 s on the release build. Real tags have a few dozen at most.
pub const MAX_ATTRIBUTES: usize = 256;

/// Whether `url` is a placeholder on any site (see [`PLACEHOLDERS`]).
pub fn is_generic_placeholder(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    PLACEHOLDERS.iter().any(|p| lower.contains(p))
}

/// A parsed HTML page, the URL it came from (for resolving relative links), and how it
/// tells a placeholder image from a real one.
pub struct Page {
    doc: Html,
    base: Url,
    is_placeholder: fn(&str) -> bool,
}

impl Page {
    /// Parses `html` fetched from `base`, however large its tree grows: for pages whose
    /// size is known, such as a test's. A fetched page is parsed by [`Page::parse_within`].
    pub fn parse(html: &str, base: Url) -> Self {
        Self::from_tree(Html::parse_document(html), base)
    }

    /// Parses `html` fetched from `base`, building at most `allowance` (see [`tree`]).
    pub fn parse_within(
        html: &str,
        base: Url,
        allowance: tree::Allowance,
    ) -> Result<Self, tree::Exceeded> {
        Ok(Self::from_tree(tree::parse(html, allowance)?, base))
    }

    fn from_tree(doc: Html, base: Url) -> Self {
        // <base href> changes what relative URLs mean.
        let base = Self::select_in(&doc, "base[href]")
            .next()
            .and_then(|b| b.value().attr("href"))
            .and_then(|href| base.join(href.trim()).ok())
            .unwrap_or(base);
        Self {
            doc,
            base,
            is_placeholder: is_generic_placeholder,
        }
    }

    /// The same page, skipping the image URLs `is_placeholder` names (the generic ones and
    /// every platform's, as the providers know them).
    pub fn with_placeholders(self, is_placeholder: fn(&str) -> bool) -> Self {
        Self {
            is_placeholder,
            ..self
        }
    }

    fn select_in<'a>(doc: &'a Html, css: &str) -> impl Iterator<Item = ElementRef<'a>> {
        let selector = Selector::parse(css).ok();
        selector
            .into_iter()
            .flat_map(move |s| doc.select(&s).collect::<Vec<_>>())
    }

    /// Elements matching the CSS selector `css` (none when it does not parse).
    pub fn select(&self, css: &str) -> impl Iterator<Item = ElementRef<'_>> {
        Self::select_in(&self.doc, css)
    }

    /// `raw` (as found in an attribute or JSON) as an absolute http(s) URL.
    pub fn resolve(&self, raw: &str) -> Option<Url> {
        metadata::resolve(&self.base, raw)
    }

    /// What the page's metadata says, read from its tree by the rules [`Metadata::read`]
    /// follows in a single pass.
    pub fn metadata(&self) -> Metadata {
        let mut metadata = Metadata::new(self.base.clone(), self.is_placeholder);
        for m in self.select("meta[content]") {
            let el = m.value();
            let name = el.attr("property").or_else(|| el.attr("name"));
            metadata.meta(name, el.attr("content").unwrap_or_default());
        }
        for l in self.select("link[rel][href]") {
            let el = l.value();
            metadata.link(
                el.attr("rel").unwrap_or_default(),
                el.attr("href").unwrap_or_default(),
            );
        }
        if let Some(title) = self.select("title").next() {
            metadata.title(title.text().collect());
        }
        for script in self.select(r#"script[type="application/ld+json"]"#) {
            metadata.json_ld(&script.text().collect::<String>());
        }
        metadata
    }

    /// The content of the first non-empty `<meta property|name=key>` among `keys`, in order.
    pub fn meta(&self, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|key| {
            self.select("meta[content]").find_map(|m| {
                let el = m.value();
                let name = el.attr("property").or_else(|| el.attr("name"))?;
                let content = el.attr("content")?.trim();
                (name.trim().eq_ignore_ascii_case(key) && !content.is_empty())
                    .then(|| content.to_owned())
            })
        })
    }

    /// The first `keys` meta value that is a URL and not a placeholder.
    pub fn meta_image(&self, keys: &[&str]) -> Option<Url> {
        keys.iter()
            .filter_map(|k| self.meta(&[k]))
            .filter(|v| !(self.is_placeholder)(v))
            .find_map(|v| self.resolve(&v))
    }

    /// `og:image` (secure URL first), else `twitter:image`, skipping placeholders.
    pub fn og_image(&self) -> Option<Url> {
        self.meta_image(&[
            "og:image:secure_url",
            "og:image",
            "og:image:url",
            "twitter:image",
            "twitter:image:src",
        ])
    }

    /// The `href` of the first `<link rel=…>` whose rel list contains `rel`.
    pub fn link(&self, rel: &str) -> Option<Url> {
        self.select("link[rel][href]").find_map(|l| {
            let el = l.value();
            el.attr("rel")?
                .split_ascii_whitespace()
                .any(|r| r.eq_ignore_ascii_case(rel))
                .then(|| self.resolve(el.attr("href")?))?
        })
    }

    /// The page's canonical URL: `og:url`, else `<link rel=canonical>`.
    pub fn canonical(&self) -> Option<Url> {
        self.meta(&["og:url"])
            .and_then(|u| self.resolve(&u))
            .or_else(|| self.link("canonical"))
    }

    /// The page title: `og:title`, else `<title>`.
    pub fn title(&self) -> Option<String> {
        self.meta(&["og:title", "twitter:title"]).or_else(|| {
            self.select("title")
                .next()
                .map(|t| t.text().collect::<String>().trim().to_owned())
                .filter(|t| !t.is_empty())
        })
    }

    /// Every JSON-LD block, parsed leniently; `@graph` arrays and top-level arrays flattened.
    pub fn json_ld(&self) -> Vec<Value> {
        self.select(r#"script[type="application/ld+json"]"#)
            .flat_map(|script| metadata::json_ld_blocks(&script.text().collect::<String>()))
            .collect()
    }

    /// The profile picture JSON-LD states: a `ProfilePage`'s `mainEntity` image, a `Person`'s
    /// or `Organization`'s image, or a publisher's logo.
    pub fn json_ld_image(&self) -> Option<Url> {
        self.json_ld()
            .iter()
            .flat_map(metadata::json_ld_images)
            .filter(|raw| !(self.is_placeholder)(raw))
            .find_map(|raw| self.resolve(raw))
    }

    /// The parsed JSON inside `<script id=…>` (embedded app state such as Next.js data).
    pub fn script_json(&self, id: &str) -> Option<Value> {
        let script = self
            .select("script[id]")
            .find(|s| s.value().attr("id") == Some(id))?;
        json::parse_lenient(&script.text().collect::<String>())
    }

    /// The JSON an inline script assigns to `name`, as in
    /// `<script>window.__sc_hydration = [...];</script>` (for app state kept in a script
    /// without an id).
    pub fn script_assigned(&self, name: &str) -> Option<Value> {
        self.select("script:not([src])").find_map(|script| {
            let text: String = script.text().collect();
            text.match_indices(name).find_map(|(at, _)| {
                let rest = text[at + name.len()..].trim_start();
                let value = rest.strip_prefix('=').filter(|r| !r.starts_with('='))?;
                json::parse_prefix(value)
            })
        })
    }

    /// Every inline `<script>` whose whole text is JSON mentioning `needle`, parsed (for
    /// pages that ship their state as many anonymous `type="application/json"` blocks).
    pub fn scripts_json_containing(&self, needle: &str) -> Vec<Value> {
        self.select("script:not([src])")
            .filter_map(|script| {
                let text: String = script.text().collect();
                if !text.contains(needle) {
                    return None;
                }
                json::parse_lenient(&text)
            })
            .collect()
    }

    /// The `url(...)` of the `background-image` (or `background`) in the inline style of
    /// the first element matching `css`.
    pub fn background_image(&self, css: &str) -> Option<Url> {
        self.select(css).find_map(|el| {
            let style = el.value().attr("style")?;
            let (_, rest) = style.split_once("url(")?;
            let (raw, _) = rest.split_once(')')?;
            self.resolve(raw.trim().trim_matches(['"', '\'']))
        })
    }

    /// The largest candidate of the first element matching `css` with a `srcset` (falling
    /// back to its `src`).
    pub fn largest_src(&self, css: &str) -> Option<Url> {
        let el = self.select(css).next()?;
        let attrs = el.value();
        attrs
            .attr("srcset")
            .and_then(largest_in_srcset)
            .or_else(|| attrs.attr("src"))
            .and_then(|raw| self.resolve(raw))
    }

    /// The largest `apple-touch-icon` or `icon` the page links, by its `sizes`.
    pub fn best_icon(&self) -> Option<Url> {
        self.select("link[rel][href]")
            .filter(|l| {
                let rel = l.value().attr("rel").unwrap_or("").to_ascii_lowercase();
                rel.split_ascii_whitespace().any(|r| {
                    matches!(
                        r,
                        "apple-touch-icon" | "apple-touch-icon-precomposed" | "icon"
                    )
                })
            })
            .filter_map(|l| {
                let el = l.value();
                let size = el
                    .attr("sizes")
                    .and_then(|s| s.split(['x', 'X']).next()?.trim().parse::<u32>().ok())
                    .unwrap_or(if el.attr("rel")?.contains("apple") {
                        180
                    } else {
                        16
                    });
                Some((size, self.resolve(el.attr("href")?)?))
            })
            .max_by_key(|(size, _)| *size)
            .map(|(_, url)| url)
    }
}

/// The URL of the widest (`w`) or densest (`x`) candidate in a `srcset`.
pub fn largest_in_srcset(srcset: &str) -> Option<&str> {
    // Candidates are separated by commas followed by whitespace; URLs may contain commas
    // themselves (CDN transform strings), so split on ", " only.
    srcset
        .split(", ")
        .filter_map(|candidate| {
            let mut parts = candidate.split_ascii_whitespace();
            let url = parts.next()?;
            let weight = parts
                .next()
                .and_then(|d| {
                    // The unit is the last *character*: a hostile page can end a descriptor
                    // in a multi-byte one, where `len - 1` is no char boundary (found by
                    // fuzzing).
                    let unit = d.chars().next_back()?;
                    let n: f64 = d[..d.len() - unit.len_utf8()].parse().ok()?;
                    Some(if unit == 'x' { n * 10_000.0 } else { n })
                })
                .unwrap_or(1.0);
            Some((weight, url))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, url)| url.trim_end_matches(','))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(html: &str) -> Page {
        Page::parse(html, Url::parse("https://example.com/u/me").unwrap())
    }

    #[test]
    fn og_image_skips_placeholders_and_resolves_relative_urls() {
        let p = page(
            r#"<meta property="og:image" content="https://abs.twimg.com/rweb/ssr/default/v2/og/image.png">
               <meta name="twitter:image" content="/img/me.png?a=1&amp;b=2">"#,
        )
        .with_placeholders(|url| url.contains("/default/"));
        assert_eq!(
            p.og_image().unwrap().as_str(),
            "https://example.com/img/me.png?a=1&b=2"
        );
    }

    #[test]
    fn json_ld_profile_images_are_found_in_several_blocks() {
        let p = page(
            "<script type=\"application/ld+json\">{\"@type\":\"WebSite\"}</script>\
             <script type=\"application/ld+json\">{\"@type\":\"ProfilePage\",\"mainEntity\":\
             {\"@type\":\"Person\",\"description\":\"a\nb\",\"image\":{\"contentUrl\":\"https://cdn/x.jpg\"}}}</script>",
        );
        assert_eq!(p.json_ld_image().unwrap().as_str(), "https://cdn/x.jpg");
    }

    #[test]
    fn srcset_picks_the_widest_candidate_even_with_commas_in_urls() {
        let s = "https://c/a,w_88/x.png 88w, https://c/a,w_264/x.png 264w, https://c/a,w_176/x.png 176w";
        assert_eq!(largest_in_srcset(s), Some("https://c/a,w_264/x.png"));
        assert_eq!(largest_in_srcset("a.png 1x, b.png 2x"), Some("b.png"));
    }

    #[test]
    fn srcset_descriptors_ending_in_multibyte_characters_are_ignored() {
        // Used to panic slicing inside the last character.
        assert_eq!(largest_in_srcset("a.png 2\u{16a64}"), Some("a.png"));
        assert_eq!(
            largest_in_srcset("a.png 2é, b.png 100w, c.png ✓"),
            Some("b.png")
        );
    }

    #[test]
    fn script_state_is_found_by_assignment_or_content() {
        let p = page(
            "<script>window.__v = 1; window.__state = [{\"user\": {\"id\": 7}}];</script>\
             <script type=\"application/json\">{\"a\": {\"profilePic\": 1}}</script>\
             <script type=\"application/json\">{\"b\": 2}</script>",
        );
        let state = p.script_assigned("window.__state").unwrap();
        assert_eq!(json::u32_at(&state, "0.user.id"), Some(7));
        assert!(p.script_assigned("window.__missing").is_none());
        let blocks = p.scripts_json_containing("profilePic");
        assert_eq!(blocks.len(), 1);
        assert_eq!(json::u32_at(&blocks[0], "a.profilePic"), Some(1));
    }

    #[test]
    fn background_images_are_read_from_inline_styles() {
        let p = page(
            r#"<div class="cover" style="height: 2px; background-image: url('//cdn.example.com/c_h.jpg?1')"></div>"#,
        );
        assert_eq!(
            p.background_image(".cover").unwrap().as_str(),
            "https://cdn.example.com/c_h.jpg?1"
        );
        assert!(p.background_image(".missing").is_none());
    }

    #[test]
    fn the_largest_icon_wins() {
        let p = page(
            r#"<link rel="icon" href="/16.png" sizes="16x16"><link rel="apple-touch-icon" href="/180.png" sizes="180x180">"#,
        );
        assert_eq!(
            p.best_icon().unwrap().as_str(),
            "https://example.com/180.png"
        );
    }
}
