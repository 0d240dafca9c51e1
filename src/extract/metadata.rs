//! What a page's metadata says (its title, JSON-LD image, `og:`/`twitter:` tags, canonical
//! and `image_src` links), read from a parsed tree ([`super::Page::metadata`]) or in one
//! pass over the markup without building one ([`Metadata::read`]); both hand the same
//! elements, in the same order, to the same rules.

use serde_json::Value;
use url::Url;

use super::{json, scan};

/// The `<meta>` names (or properties) metadata readers ask for.
pub const META_KEYS: &[&str] = &[
    "og:title",
    "twitter:title",
    "og:url",
    "og:image:secure_url",
    "og:image",
    "og:image:url",
    "twitter:image",
    "twitter:image:src",
    "og:image:width",
    "og:image:height",
];

/// The `<link rel>` values metadata readers ask for.
pub const LINK_RELS: &[&str] = &["canonical", "image_src"];

/// The elements the single pass hands on.
const ELEMENTS: &[&str] = &["meta", "link", "base", "title", "script"];

/// A page's metadata: of each element kind it reads, only what can still decide an answer
/// (the first value of each key, the first title, links and JSON-LD images until one is an
/// absolute URL), so it holds a few strings whatever the page's size.
pub struct Metadata {
    /// The URL the page came from.
    url: Url,
    /// The first `<base href>`, as written.
    base: Option<String>,
    is_placeholder: fn(&str) -> bool,
    /// The first non-empty content of each of [`META_KEYS`], trimmed.
    metas: [Option<String>; META_KEYS.len()],
    /// The hrefs of the `<link>`s with each of [`LINK_RELS`], in order.
    links: [Candidates; LINK_RELS.len()],
    /// The first `<title>`'s text.
    title: Option<String>,
    /// The JSON-LD images, in the order [`Metadata::json_ld_image`] tries them.
    json_ld: Candidates,
    /// What the page is made of (see [`scan::Shape`]).
    shape: scan::Shape,
}

/// URLs as written, in order, until one is absolute: that one resolves whatever `<base>`
/// the page names, so none after it can be the first to resolve.
#[derive(Default)]
struct Candidates {
    urls: Vec<String>,
    settled: bool,
}

impl Candidates {
    fn push(&mut self, raw: &str) {
        if self.settled {
            return;
        }
        let clean = raw.trim().replace("&amp;", "&");
        let lower = clean.get(..8).unwrap_or(&clean).to_ascii_lowercase();
        self.settled = (lower.starts_with("http://") || lower.starts_with("https://"))
            && Url::parse(&clean).is_ok();
        self.urls.push(raw.to_owned());
    }
}

impl Metadata {
    /// An empty reading of the page at `url`.
    pub(super) fn new(url: Url, is_placeholder: fn(&str) -> bool) -> Self {
        Self {
            url,
            base: None,
            is_placeholder,
            metas: Default::default(),
            links: Default::default(),
            title: None,
            json_ld: Candidates::default(),
            shape: scan::Shape::default(),
        }
    }

    /// Reads `html`, fetched from `url`, in one pass (see [`scan::scan`] for what it follows
    /// of the HTML parser), skipping the image URLs `is_placeholder` names.
    pub fn read(html: &str, url: Url, is_placeholder: fn(&str) -> bool) -> Self {
        let mut metadata = Self::new(url, is_placeholder);
        let shape = scan::scan(html, ELEMENTS, |tag| {
            let attr = |name| tag.attributes.get(name);
            match tag.name {
                "meta" => {
                    if let Some(content) = attr("content") {
                        let name = attr("property").or_else(|| attr("name"));
                        metadata.meta(name.as_deref(), &content);
                    }
                }
                "link" => {
                    if let (Some(rel), Some(href)) = (attr("rel"), attr("href")) {
                        metadata.link(&rel, &href);
                    }
                }
                "base" => {
                    if let Some(href) = attr("href") {
                        metadata.base(&href);
                    }
                }
                "title" => {
                    if metadata.title.is_none() {
                        let text = tag.text.unwrap_or_default();
                        metadata.title(super::entities::decode(text, false).into_owned());
                    }
                }
                _ => {
                    let json_ld =
                        attr("type").is_some_and(|t| t.eq_ignore_ascii_case("application/ld+json"));
                    if json_ld && !metadata.json_ld.settled {
                        let text = tag.text.unwrap_or_default();
                        metadata.json_ld(&super::entities::normalize(text));
                    }
                }
            }
        });
        metadata.shape = shape;
        metadata
    }

    /// A `<meta content>` whose `property` (or, without one, `name`) is `name`.
    pub(super) fn meta(&mut self, name: Option<&str>, content: &str) {
        let (Some(name), content) = (name, content.trim()) else {
            return;
        };
        if content.is_empty() {
            return;
        }
        let name = name.trim();
        if let Some(at) = META_KEYS.iter().position(|k| k.eq_ignore_ascii_case(name)) {
            self.metas[at].get_or_insert_with(|| content.to_owned());
        }
    }

    /// A `<link rel href>`.
    pub(super) fn link(&mut self, rel: &str, href: &str) {
        for (wanted, candidates) in LINK_RELS.iter().zip(&mut self.links) {
            if rel
                .split_ascii_whitespace()
                .any(|r| r.eq_ignore_ascii_case(wanted))
            {
                candidates.push(href);
            }
        }
    }

    /// A `<base href>`: the first one counts.
    pub(super) fn base(&mut self, href: &str) {
        self.base.get_or_insert_with(|| href.to_owned());
    }

    /// A `<title>`'s text: the first one counts.
    pub(super) fn title(&mut self, text: String) {
        self.title.get_or_insert(text);
    }

    /// A JSON-LD block's text: the profile images it states, in order.
    pub(super) fn json_ld(&mut self, text: &str) {
        if self.json_ld.settled {
            return;
        }
        for block in json_ld_blocks(text) {
            for raw in json_ld_images(&block) {
                if !(self.is_placeholder)(raw) {
                    self.json_ld.push(raw);
                }
            }
        }
    }

    /// What the page is made of (all zero when read from a tree).
    pub fn shape(&self) -> scan::Shape {
        self.shape
    }

    /// `raw` (as found in an attribute or JSON) as an absolute http(s) URL, relative to the
    /// page's `<base href>` if it has one.
    pub fn resolve(&self, raw: &str) -> Option<Url> {
        let base = self
            .base
            .as_deref()
            .and_then(|href| self.url.join(href.trim()).ok());
        resolve(base.as_ref().unwrap_or(&self.url), raw)
    }

    /// The first of `keys` stated, among [`META_KEYS`] (`None` for any other key).
    pub fn meta_value(&self, keys: &[&str]) -> Option<&str> {
        keys.iter().find_map(|key| {
            let at = META_KEYS.iter().position(|k| k == key);
            debug_assert!(at.is_some(), "{key} is not read");
            self.metas[at?].as_deref()
        })
    }

    /// The first of `keys` that is a URL and not a placeholder.
    fn meta_image(&self, keys: &[&str]) -> Option<Url> {
        keys.iter()
            .filter_map(|k| self.meta_value(&[k]))
            .filter(|v| !(self.is_placeholder)(v))
            .find_map(|v| self.resolve(v))
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

    /// The `href` of the first `<link>` whose rel list holds `rel`, one of [`LINK_RELS`].
    pub fn link_url(&self, rel: &str) -> Option<Url> {
        let at = LINK_RELS.iter().position(|r| *r == rel);
        debug_assert!(at.is_some(), "{rel} is not read");
        self.links[at?].urls.iter().find_map(|u| self.resolve(u))
    }

    /// The page's canonical URL: `og:url`, else `<link rel=canonical>`.
    pub fn canonical(&self) -> Option<Url> {
        self.meta_value(&["og:url"])
            .and_then(|u| self.resolve(u))
            .or_else(|| self.link_url("canonical"))
    }

    /// The page title: `og:title`, else `twitter:title`, else the first `<title>`.
    pub fn title_text(&self) -> Option<String> {
        self.meta_value(&["og:title", "twitter:title"])
            .map(str::to_owned)
            .or_else(|| {
                Some(self.title.as_deref()?.trim())
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
            })
    }

    /// The profile picture JSON-LD states (see [`json_ld_images`]).
    pub fn json_ld_image(&self) -> Option<Url> {
        self.json_ld.urls.iter().find_map(|u| self.resolve(u))
    }
}

/// `raw` joined to `base` as an absolute http(s) URL (`&amp;` as `&`; `data:` refused).
pub(super) fn resolve(base: &Url, raw: &str) -> Option<Url> {
    let raw = raw.trim();
    if raw.is_empty() || raw.starts_with("data:") {
        return None;
    }
    let url = base.join(&raw.replace("&amp;", "&")).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// A JSON-LD block parsed leniently, its `@graph` array or top-level array flattened.
pub(super) fn json_ld_blocks(text: &str) -> Vec<Value> {
    match json::parse_lenient(text) {
        Some(Value::Array(items)) => items,
        Some(Value::Object(mut map)) => match map.remove("@graph") {
            Some(Value::Array(items)) => items,
            _ => vec![Value::Object(map)],
        },
        _ => Vec::new(),
    }
}

/// The images a JSON-LD block states for a profile, in order: a `ProfilePage`'s
/// `mainEntity` (or `author`), a `Person`'s or `Organization`'s, or a publisher's, each its
/// `image`, then its `logo`.
pub(super) fn json_ld_images(block: &Value) -> impl Iterator<Item = &str> {
    let main = json::at(block, "mainEntity").or_else(|| json::at(block, "author"));
    [Some(block), main, json::at(block, "publisher")]
        .into_iter()
        .flatten()
        .filter(|e| {
            json::str_at(e, "@type").is_some_and(|t| {
                matches!(
                    t,
                    "Person" | "Organization" | "ProfilePage" | "NewsMediaOrganization"
                )
            })
        })
        .flat_map(|e| {
            ["image", "logo"]
                .into_iter()
                .filter_map(|key| image_object_url(json::at(e, key)?))
        })
}

/// An image value from JSON-LD: a URL string, an `ImageObject` (`contentUrl`/`url`), or a list.
fn image_object_url(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) => Some(s.as_str()).filter(|s| !s.trim().is_empty()),
        Value::Array(items) => items.iter().find_map(image_object_url),
        Value::Object(_) => json::first_str(value, &["contentUrl", "url", "thumbnailUrl"]),
        _ => None,
    }
}
