//! What a lookup finds, and the helpers providers share to pick it out of a response.

use std::cell::OnceCell;

use serde_json::Value;
use url::Url;

use super::{PickError, TooComplex};
use crate::budget::Admitted;
use crate::extract::{self, Metadata, Page, tree};
use crate::fetch::Fetched;
use crate::profile::{Image, ImageKind};

/// What a provider found on a profile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    /// The profile's display name.
    pub name: Option<String>,
    /// The profile's page, when the response says (otherwise the provider's own rule).
    pub profile_url: Option<String>,
    /// Avatar first, then banner.
    pub images: Vec<Image>,
}

impl Found {
    /// Sets the display name (trimmed; empty ignored).
    pub fn name(mut self, name: Option<&str>) -> Self {
        self.name = name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned);
        self
    }

    /// Adds an image of `kind` if `url` is a real picture (not empty, not a placeholder).
    pub fn image(mut self, kind: ImageKind, url: Option<&str>) -> Self {
        if let Some(url) = url
            .map(str::trim)
            .filter(|u| !u.is_empty() && !super::is_placeholder(u))
        {
            self.images.push(Image {
                kind,
                url: url.to_owned(),
                width: None,
                height: None,
                bytes: None,
            });
        }
        self
    }

    /// Adds the avatar.
    pub fn avatar(self, url: Option<&str>) -> Self {
        self.image(ImageKind::Avatar, url)
    }

    /// Adds the banner.
    pub fn banner(self, url: Option<&str>) -> Self {
        self.image(ImageKind::Banner, url)
    }

    /// States the size of the last image added.
    pub fn sized(mut self, width: Option<u32>, height: Option<u32>) -> Self {
        if let Some(last) = self.images.last_mut() {
            last.width = width.filter(|w| *w > 0);
            last.height = height.filter(|h| *h > 0);
        }
        self
    }

    /// The avatar, if found.
    pub fn avatar_url(&self) -> Option<&str> {
        self.images
            .iter()
            .find(|i| i.kind == ImageKind::Avatar)
            .map(|i| i.url.as_str())
    }

    /// `Ok(self)` if at least one image was found, else [`PickError::NoImage`] (the answer
    /// came, but held no picture we can read).
    pub fn or_no_image(self) -> Result<Self, PickError> {
        if self.images.is_empty() {
            Err(PickError::NoImage)
        } else {
            Ok(self)
        }
    }
}

/// What a provider reads: one fetched answer, decoded, scanned and parsed at most once
/// however many readers ask for it (the platform's rules, the metadata reader, the
/// canonical-URL check). Its metadata is read in one pass without a tree; the tree is
/// parsed only for a reader that asks for it, after its memory is admitted.
pub struct Response<'a> {
    fetched: &'a Fetched,
    text: OnceCell<std::borrow::Cow<'a, str>>,
    metadata: OnceCell<Metadata>,
    page: OnceCell<Result<Page, PickError>>,
    /// Admits a tree's memory before it is parsed (none: parsed without asking).
    admit_tree: Option<AdmitTree<'a>>,
    /// What `admit_tree` admitted, held as long as the tree.
    _tree_room: OnceCell<Admitted>,
}

/// Admits the memory a tree parse of a fetched page takes, before it is taken: the page's
/// text and what its tree may hold (see [`extract::tree`]).
pub type AdmitTree<'a> = &'a dyn Fn(&Fetched, tree::Allowance) -> Result<Admitted, PickError>;

impl<'a> Response<'a> {
    /// `fetched`, not read yet.
    pub fn new(fetched: &'a Fetched) -> Self {
        Self {
            fetched,
            text: OnceCell::new(),
            metadata: OnceCell::new(),
            page: OnceCell::new(),
            admit_tree: None,
            _tree_room: OnceCell::new(),
        }
    }

    /// The same answer, whose tree is parsed only once `admit` admits its memory.
    pub fn admitting_tree(self, admit: AdmitTree<'a>) -> Self {
        Self {
            admit_tree: Some(admit),
            ..self
        }
    }

    /// The body as text, invalid UTF-8 replaced; decoded once.
    pub fn text(&self) -> &str {
        self.text.get_or_init(|| self.fetched.text())
    }

    /// The page's metadata (og:/twitter: tags, JSON-LD, title, canonical link), read in one
    /// pass over the whole page without building a tree. A page nested too deeply to parse
    /// in reasonable time is refused here too, whoever reads it, so that its answer does not
    /// depend on the reader (a challenge was refused when it was fetched, and a wall's weak
    /// signs are looked for only if no reader finds the profile: `fetch::block`).
    pub fn metadata(&self) -> Result<&Metadata, PickError> {
        let metadata = self.metadata.get_or_init(|| {
            Metadata::read(self.text(), self.fetched.url.clone(), super::is_placeholder)
        });
        if metadata.shape().depth > extract::MAX_NESTING {
            return Err(PickError::TooComplex(TooComplex::Nesting {
                most: extract::MAX_NESTING,
            }));
        }
        Ok(metadata)
    }

    /// The whole page as a tree, parsed once, for readers that select elements. What the
    /// tree may hold is known from the metadata pass, and its memory admitted first; the
    /// parse builds no more than that, and a page that would is refused, as is a page nested
    /// too deeply (see [`Response::metadata`]) or with a tag of too many attributes.
    pub fn page(&self) -> Result<&Page, PickError> {
        self.page
            .get_or_init(|| {
                let shape = self.metadata()?.shape();
                if shape.most_attributes > extract::MAX_ATTRIBUTES {
                    return Err(PickError::TooComplex(TooComplex::Attributes {
                        most: extract::MAX_ATTRIBUTES,
                    }));
                }
                let allowance = tree::Allowance::of(&shape);
                if let Some(admit) = self.admit_tree {
                    let _ = self._tree_room.set(admit(self.fetched, allowance)?);
                }
                Page::parse_within(self.text(), self.fetched.url.clone(), allowance)
                    .map(|page| page.with_placeholders(super::is_placeholder))
                    .map_err(|_| PickError::TooComplex(TooComplex::Elements))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl std::ops::Deref for Response<'_> {
    type Target = Fetched;

    fn deref(&self) -> &Fetched {
        self.fetched
    }
}

/// The whole fetched page (see [`Response::page`]).
pub fn page<'r>(response: &'r Response<'_>) -> Result<&'r Page, PickError> {
    response.page()
}

/// The images the page's metadata states (see [`from_metadata`]), read without a tree
/// ([`Response::metadata`]). An answer that says it is not HTML (an API's JSON, an image)
/// has no page metadata: it is unreadable here.
pub fn metadata(response: &Response<'_>) -> Result<Found, PickError> {
    let kind = &response.content_type;
    if !kind.is_empty() && !kind.contains("html") && !kind.starts_with("text/") {
        return Err(PickError::Unreadable("web page"));
    }
    Ok(from_metadata(response.metadata()?))
}

/// An answer that is the avatar itself (a URL that redirects to the picture): the image at
/// the URL it was finally served from.
pub fn image_answer(response: &Response<'_>) -> Result<Found, PickError> {
    if !response.content_type.starts_with("image/") {
        return Err(PickError::NoImage);
    }
    Found::default()
        .avatar(Some(response.url.as_str()))
        .or_no_image()
}

/// Parses a fetched JSON answer; anything else is the platform's malfunction.
pub fn json(fetched: &Fetched) -> Result<Value, PickError> {
    extract::json::parse_lenient(&fetched.text()).ok_or(PickError::Unreadable("JSON"))
}

/// The images any profile page states in its metadata: the JSON-LD person's image, else
/// og:image / twitter:image, else `link rel=image_src`; name from og:title.
/// Sizes come from `og:image:width`/`height` when the og:image is the one used.
/// A reader holding the page's tree passes [`Page::metadata`].
pub fn from_metadata(metadata: &Metadata) -> Found {
    let title = metadata.title_text();
    let found = Found::default().name(title.as_deref().map(clean_title).as_deref());
    if let Some(url) = metadata.json_ld_image() {
        return found.avatar(Some(url.as_str()));
    }
    if let Some(url) = metadata.og_image() {
        let side = |key: &str| {
            metadata
                .meta_value(&[key])
                .and_then(|v| v.trim().parse().ok())
        };
        return found
            .avatar(Some(url.as_str()))
            .sized(side("og:image:width"), side("og:image:height"));
    }
    found.avatar(metadata.link_url("image_src").as_ref().map(Url::as_str))
}

/// A page title without the platform suffix: `Jack (@jack) / X` → `Jack`.
pub fn clean_title(title: &str) -> String {
    let cut = [" | ", " / ", " - ", " (@", " (u/", " on ", " • ", " · "]
        .iter()
        .filter_map(|sep| title.find(sep))
        .min()
        .unwrap_or(title.len());
    title[..cut].trim().to_owned()
}

/// `s` with the last occurrence of `from` replaced by `to`.
pub fn replace_last(s: &str, from: &str, to: &str) -> String {
    match s.rfind(from) {
        Some(i) => format!("{}{to}{}", &s[..i], &s[i + from.len()..]),
        None => s.to_owned(),
    }
}

/// `url` with query parameter `key` set to `value` (added or replaced, at the end).
pub fn with_query(url: &str, key: &str, value: &str) -> String {
    let Ok(mut parsed) = Url::parse(url) else {
        return url.to_owned();
    };
    let kept = query_without(&parsed, &[key]);
    parsed
        .query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair(key, value);
    parsed.into()
}

/// `url` without the query parameters `keys` (and without `?` when none is left): how most
/// CDNs are asked for the stored original instead of a resized copy.
pub fn without_query(url: &str, keys: &[&str]) -> String {
    let Ok(mut parsed) = Url::parse(url) else {
        return url.to_owned();
    };
    let kept = query_without(&parsed, keys);
    if kept.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(kept);
    }
    parsed.into()
}

/// The query parameters of `url` other than `keys`, in order.
pub fn query_without(url: &Url, keys: &[&str]) -> Vec<(String, String)> {
    url.query_pairs()
        .filter(|(k, _)| !keys.contains(&k.as_ref()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_lose_the_platform_suffix() {
        assert_eq!(clean_title("Jack (@jack) / X"), "Jack");
        assert_eq!(clean_title("torvalds - Overview"), "torvalds");
        assert_eq!(clean_title("Plain"), "Plain");
    }

    fn html(body: &str) -> Fetched {
        Fetched {
            url: Url::parse("https://example.com/ana").unwrap(),
            status: 200,
            headers: Default::default(),
            content_type: "text/html".into(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn metadata_is_read_without_parsing_the_page_into_a_tree() {
        let page = html(
            r#"<html><head><title>Ana | Example</title>
               <meta property="og:image" content="/ana.jpg"></head>
               <body><img src="/feed/1.jpg"><p>posts</p></body></html>"#,
        );
        let response = Response::new(&page);
        let found = metadata(&response).unwrap();
        assert_eq!(found.avatar_url(), Some("https://example.com/ana.jpg"));
        assert_eq!(found.name.as_deref(), Some("Ana"));
        assert!(response.page.get().is_none(), "no tree was parsed");
        assert_eq!(found, from_metadata(&response.page().unwrap().metadata()));
    }

    #[test]
    fn metadata_after_the_head_is_read_too() {
        // JSON-LD in the body outranks the head's og:image, so the whole page is read.
        let page = html(
            r#"<html><head><meta property="og:image" content="/banner.jpg"></head><body>
               <script type="application/LD+JSON">{"@type":"Person","image":"/ana.jpg"}</script>
               </body></html>"#,
        );
        let found = metadata(&Response::new(&page)).unwrap();
        assert_eq!(found.avatar_url(), Some("https://example.com/ana.jpg"));
    }

    #[test]
    fn metadata_gives_the_og_image_with_its_stated_size() {
        let page = Page::parse(
            r#"<title>Ana | Example</title>
               <meta property="og:image" content="/ana.jpg">
               <meta property="og:image:width" content="800">
               <meta property="og:image:height" content="600">"#,
            Url::parse("https://example.com/ana").unwrap(),
        );
        let found = from_metadata(&page.metadata());
        assert_eq!(found.name.as_deref(), Some("Ana"));
        let avatar = &found.images[0];
        assert_eq!(avatar.url, "https://example.com/ana.jpg");
        assert_eq!((avatar.width, avatar.height), (Some(800), Some(600)));
    }

    #[test]
    fn query_parameters_are_dropped() {
        assert_eq!(
            without_query("https://a/x.png?s=80&v=4", &["s"]),
            "https://a/x.png?v=4"
        );
        assert_eq!(
            without_query("https://a/x.png?s=80", &["s", "size"]),
            "https://a/x.png"
        );
    }

    #[test]
    fn query_parameters_are_replaced() {
        assert_eq!(
            with_query("https://a/x.png?s=80&v=4", "s", "460"),
            "https://a/x.png?v=4&s=460"
        );
    }
}
