//! HTML pages: askama templates under `templates/`, all extending `base.html`. Turning one
//! into a response (status, headers) is the routes' business (`routes::html`).

mod search;

use std::sync::LazyLock;

use askama::Template;
use url::Url;

use crate::assets;
use crate::imaging::Format;
use crate::lookup::Profile;
use crate::profile::{Image, ImageKind};
use crate::providers::{self, Provider, signed};
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// The link's text, naming the size that really comes out: "128×128 PNG".
    pub label: String,
    /// `/image` parameters that make it.
    pub params: String,
    /// What the file name adds after `<provider>-<handle>-<kind>`, so no two downloads of
    /// one image share a name.
    pub suffix: String,
}

/// Formats any image is offered in, besides its own.
const CONVERSIONS: &[Format] = &[Format::Jpeg, Format::Png, Format::Webp];

/// Square crops offered of an avatar: the side asked for, and the format.
const SQUARES: &[(u32, Format)] = &[(400, Format::Jpeg), (128, Format::Png)];

/// The width a banner is offered narrowed to, as a JPEG.
const BANNER_WIDTH: u32 = 1500;

/// The side of the square the lasting sized link asks for (`/{provider}/{handle}?size=`).
const LASTING_SIZE: u32 = 400;

impl Download {
    /// The image in another format, at its own size.
    fn converted(format: Format) -> Self {
        Self {
            label: format_name(format).to_owned(),
            params: format!("format={}", format_query(format)),
            suffix: String::new(),
        }
    }

    /// A centered `side`×`side` crop of a `source`-sized image, or of one whose size is not
    /// known (`None`); `None` when it would be the image itself at its own size.
    ///
    /// `/image` never enlarges unless asked (see `imaging::Fit`): with `fit=cover` a source
    /// too small for the square gives the largest square it holds, at its own scale. So the
    /// label names that square, and without a known size says "up to".
    fn square(side: u32, format: Format, source: Option<(u32, u32)>) -> Option<Self> {
        let params = format!(
            "w={side}&h={side}&fit=cover&format={}",
            format_query(format)
        );
        let name = format_name(format);
        match source {
            None => Some(Self {
                label: format!("Up to {side}×{side} {name}"),
                params,
                suffix: format!("max{side}"),
            }),
            Some((width, height)) => {
                let out = side.min(width).min(height);
                (Some((out, out)) != Some((width, height))).then(|| Self {
                    label: format!("{out}×{out} {name}"),
                    params,
                    suffix: format!("{out}x{out}"),
                })
            }
        }
    }

    /// The image narrowed to at most `width` pixels as a JPEG; `None` when it is no wider.
    fn narrowed(width: u32, source: Option<(u32, u32)>) -> Option<Self> {
        let params = format!("w={width}&format={}", format_query(Format::Jpeg));
        match source {
            None => Some(Self {
                label: format!("Up to {width} px wide JPEG"),
                params,
                suffix: format!("max{width}w"),
            }),
            Some(size) => {
                let (w, h) = within_width(size, width);
                (size.0 > width).then(|| Self {
                    label: format!("{w}×{h} JPEG"),
                    params,
                    suffix: format!("{w}x{h}"),
                })
            }
        }
    }
}

/// One read-only field of links to an image, with its copy button.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkField {
    /// What the field holds, shown beside it: "Link that lasts".
    pub label: String,
    /// The text to copy.
    pub value: String,
    /// The path of ours in `value`, which the script makes absolute (the page does not
    /// know the host it is served under); `None` for a platform's own URL.
    pub path: Option<String>,
    /// The copy button's text.
    pub button: &'static str,
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

    /// Whether the profile is any web page's, not a platform's.
    fn is_page(&self) -> bool {
        self.profile.provider.id == PAGE_PROVIDER
    }

    /// What `image` is, for people: "Avatar", "Banner", or a web page's "Page image".
    pub fn kind_label(&self, image: &Image) -> &'static str {
        match image.kind {
            ImageKind::Avatar if self.is_page() => "Page image",
            ImageKind::Avatar => "Avatar",
            ImageKind::Banner => "Banner",
        }
    }

    /// What is known of `image`'s size, for people (see [`size_label`]).
    pub fn size_label(&self, image: &Image) -> Option<String> {
        size_label(image)
    }

    /// Whether `image` is shown across the whole row, as a banner is: a banner, or any
    /// image known to be wider than 5:4 (a web page's 1200×630 `og:image`).
    pub fn is_wide(&self, image: &Image) -> bool {
        image.kind == ImageKind::Banner
            || size_of(image).is_some_and(|(w, h)| u64::from(w) * 4 > u64::from(h) * 5)
    }

    /// The preview's width: the row for wide images, a column for the others.
    pub fn preview_width(&self, image: &Image) -> u32 {
        if self.is_wide(image) { 960 } else { 400 }
    }

    /// The preview's size in pixels, when the image's is known, so the browser keeps its
    /// place (and its aspect ratio) before it loads.
    pub fn preview_size(&self, image: &Image) -> Option<(u32, u32)> {
        size_of(image).map(|size| within_width(size, self.preview_width(image)))
    }

    /// The downloads offered for `image` besides the original: each gives a file that
    /// differs from it, in format or in size, and is labelled with the size it has.
    pub fn downloads(&self, image: &Image) -> Vec<Download> {
        let size = size_of(image);
        let own = format_of(&image.url);
        let mut offered: Vec<Download> = CONVERSIONS
            .iter()
            .filter(|&&format| Some(format) != own)
            .map(|&format| Download::converted(format))
            .collect();
        match image.kind {
            ImageKind::Banner => offered.extend(Download::narrowed(BANNER_WIDTH, size)),
            // A web page's image is cropped square only when it is square already (an icon).
            ImageKind::Avatar if self.is_page() && size.is_none_or(|(w, h)| w != h) => {}
            ImageKind::Avatar => {
                for &(side, format) in SQUARES {
                    let square = Download::square(side, format, size);
                    // Two squares that come out the same size are one download.
                    if let Some(square) =
                        square.filter(|s| offered.iter().all(|o| o.suffix != s.suffix))
                    {
                        offered.push(square);
                    }
                }
            }
        }
        offered
    }

    /// The fields of links to `image`: for a profile's avatar, ours first (they last as
    /// long as the profile, where a platform's signed URL expires), then the platform's own.
    pub fn links(&self, image: &Image) -> Vec<LinkField> {
        let mut fields = Vec::new();
        if self.profile.avatar() == Some(image.url.as_str()) {
            let link = self.lasting_path();
            let sized = format!("{link}?size={LASTING_SIZE}");
            let alt = self.display_name();
            fields.push(LinkField::ours(
                "Link that lasts",
                link.clone(),
                link,
                "Copy link",
            ));
            fields.push(LinkField::ours(
                &format!("{LASTING_SIZE}×{LASTING_SIZE} link"),
                sized.clone(),
                sized.clone(),
                "Copy link",
            ));
            fields.push(LinkField::ours(
                "Markdown",
                format!("![{}]({sized})", markdown_text(alt)),
                sized.clone(),
                "Copy Markdown",
            ));
            fields.push(LinkField::ours(
                "HTML",
                format!(
                    "<img src=\"{sized}\" alt=\"{}\" width=\"{LASTING_SIZE}\" height=\"{LASTING_SIZE}\">",
                    html_text(alt)
                ),
                sized,
                "Copy HTML",
            ));
        }
        let whose = if self.is_page() {
            "The site's own link".to_owned()
        } else {
            format!("{}'s own link", self.profile.provider.name)
        };
        let label = if signed::is_signed(&image.url) {
            format!("{whose} (signed: it expires)")
        } else {
            whose
        };
        fields.push(LinkField {
            label,
            value: image.url.clone(),
            path: None,
            button: "Copy link",
        });
        fields
    }

    /// `/{provider}/{handle}`: the avatar through us, looked up again when its cached
    /// answer runs out. Each part is one path segment, so a page's URL fits as a handle.
    fn lasting_path(&self) -> String {
        let mut url = Url::parse("http://localhost/").expect("a valid base URL");
        url.path_segments_mut()
            .expect("an http URL has a path")
            .push(self.profile.provider.id)
            .push(&self.profile.id);
        // Left as they are in a path, these would end a Markdown link or need escaping in
        // an HTML attribute; encoded, they mean the same to the route.
        url.path()
            .replace('&', "%26")
            .replace('(', "%28")
            .replace(')', "%29")
            .replace('\'', "%27")
    }

    /// How the profile was found, when it was not the platform's first way of asking or it
    /// went through the outbound proxy: "found via intent, through the outbound proxy".
    pub fn found_how(&self) -> Option<String> {
        let profile = self.profile;
        let first = profile.provider.chain().next().map(|s| s.name);
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

    /// The preview's `srcset`: the preview, and twice as wide for dense screens.
    pub fn preview_srcset(&self, image: &Image) -> String {
        let width = self.preview_width(image);
        format!(
            "{} 1x, {} 2x",
            self.preview(image, width),
            self.preview(image, width * 2)
        )
    }

    /// A link downloading `image` made by `extra` parameters, saved as
    /// `<provider>-<handle>-<kind>[-<suffix>].<ext>`, or for a web page's image as
    /// `<host>-<path>-image[-<suffix>].<ext>`.
    pub fn download(&self, image: &Image, extra: &str, suffix: &str) -> String {
        let mut name = if self.is_page() {
            format!("{}-image", page_file_stem(&self.profile.id))
        } else {
            format!(
                "{}-{}-{}",
                self.profile.provider.id,
                self.profile.id,
                image.kind.as_str()
            )
        };
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

impl LinkField {
    fn ours(label: &str, value: String, path: String, button: &'static str) -> Self {
        Self {
            label: label.to_owned(),
            value,
            path: Some(path),
            button,
        }
    }
}

/// What is known of an image's size, for people: `400 × 400 · 38 KB`, or either half alone.
fn size_label(image: &Image) -> Option<String> {
    let sides = image
        .width
        .zip(image.height)
        .map(|(w, h)| format!("{w} × {h}"));
    let bytes = image.bytes.map(file_size);
    match (sides, bytes) {
        (Some(sides), Some(bytes)) => Some(format!("{sides} · {bytes}")),
        (sides, bytes) => sides.or(bytes),
    }
}

/// A file size in decimal units, as file managers show it: `812 B`, `38 KB`, `2.4 MB`.
fn file_size(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} B"),
        1_000..1_000_000 => format!("{} KB", (bytes + 500) / 1_000),
        _ => format!("{:.1} MB", bytes as f64 / 1e6),
    }
}

/// The image's width and height, when both are known.
fn size_of(image: &Image) -> Option<(u32, u32)> {
    image
        .width
        .zip(image.height)
        .filter(|&(w, h)| w > 0 && h > 0)
}

/// A `size` image narrowed to at most `width` pixels, aspect kept, never enlarged: what
/// `/image?w=` gives (rounded as `imaging` rounds).
fn within_width((w, h): (u32, u32), width: u32) -> (u32, u32) {
    if w <= width {
        return (w, h);
    }
    let height = (f64::from(h) * f64::from(width) / f64::from(w))
        .round()
        .max(1.0) as u32;
    (width, height)
}

/// The format an image URL's path names by its extension, when it clearly names one.
fn format_of(url: &str) -> Option<Format> {
    let url = Url::parse(url).ok()?;
    let last = url.path_segments()?.next_back()?;
    let (_, extension) = last.rsplit_once('.')?;
    match extension.to_ascii_lowercase().as_str() {
        "jpg" | "jpeg" => Some(Format::Jpeg),
        "png" => Some(Format::Png),
        "webp" => Some(Format::Webp),
        "gif" => Some(Format::Gif),
        _ => None,
    }
}

/// A format's name for people.
fn format_name(format: Format) -> &'static str {
    match format {
        Format::Jpeg => "JPEG",
        Format::Png => "PNG",
        Format::Webp => "WebP",
        Format::Gif => "GIF",
    }
}

/// A format's `format=` value.
fn format_query(format: Format) -> &'static str {
    match format {
        Format::Jpeg => "jpeg",
        Format::Png => "png",
        Format::Webp => "webp",
        Format::Gif => "gif",
    }
}

/// A web page's URL as the start of a file name: its host and path without the scheme,
/// in letters, digits, `.`, `_` and single dashes, short enough that what follows it
/// (the kind and the variant) is never cut off.
fn page_file_stem(page: &str) -> String {
    let readable = match Url::parse(page) {
        Ok(url) => format!("{}{}", url.host_str().unwrap_or_default(), url.path()),
        Err(_) => page.to_owned(),
    };
    let mut stem = String::new();
    for c in readable.chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '.' | '_') {
            c
        } else {
            '-'
        };
        if !(c == '-' && (stem.is_empty() || stem.ends_with('-'))) {
            stem.push(c);
        }
    }
    let stem: String = stem.chars().take(60).collect();
    let stem = stem.trim_matches(|c| c == '-' || c == '.');
    if stem.is_empty() {
        "page".into()
    } else {
        stem.into()
    }
}

/// `text` as Markdown link text: its brackets and backslashes escaped.
fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `text` for an HTML attribute in double quotes.
fn html_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `/lookup?q=…[&provider=…]`: the results page for `query`.
/// Written into one `String`: the home page makes one per platform, on the first visit.
fn lookup_href(query: &str, provider: Option<&str>) -> String {
    use url::form_urlencoded::byte_serialize;
    let encoded_len = |value: &str| value.len() + value.len() / 2;
    let mut href = String::with_capacity(32 + encoded_len(query) + provider.map_or(0, encoded_len));
    href.push_str("/lookup?q=");
    href.extend(byte_serialize(query.as_bytes()));
    if let Some(id) = provider {
        href.push_str("&provider=");
        href.extend(byte_serialize(id.as_bytes()));
    }
    href
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

    fn image(kind: ImageKind, url: &str, size: Option<(u32, u32)>) -> Image {
        Image {
            kind,
            url: url.into(),
            width: size.map(|s| s.0),
            height: size.map(|s| s.1),
            bytes: None,
        }
    }

    #[test]
    fn lookup_hrefs_encode_the_query_and_the_platform() {
        assert_eq!(
            lookup_href("@Gargron@mastodon.social", None),
            "/lookup?q=%40Gargron%40mastodon.social"
        );
        assert_eq!(
            lookup_href("a b&c=d/é", Some("x")),
            "/lookup?q=a+b%26c%3Dd%2F%C3%A9&provider=x"
        );
        assert_eq!(lookup_href("", Some("a&b")), "/lookup?q=&provider=a%26b");
    }

    #[test]
    fn an_images_size_reads_as_a_person_would_say_it() {
        let sized = |width, height, bytes| Image {
            kind: ImageKind::Avatar,
            url: "https://cdn.example/a.jpg".into(),
            width,
            height,
            bytes,
        };
        let label = |w, h, b| size_label(&sized(w, h, b));
        assert_eq!(
            label(Some(400), Some(400), Some(38_240)).as_deref(),
            Some("400 × 400 · 38 KB")
        );
        assert_eq!(
            label(Some(1500), Some(500), Some(2_412_000)).as_deref(),
            Some("1500 × 500 · 2.4 MB")
        );
        assert_eq!(label(None, None, Some(812)).as_deref(), Some("812 B"));
        assert_eq!(
            label(Some(400), Some(400), None).as_deref(),
            Some("400 × 400")
        );
        assert_eq!(label(Some(400), None, None), None);
    }

    fn profile(provider: &str, id: &str, images: Vec<Image>) -> Profile {
        Profile {
            provider: providers::by_id(provider).unwrap(),
            id: id.into(),
            profile_url: format!("https://example.com/{id}"),
            name: Some("Ana [dev]".into()),
            images,
            strategy: String::new(),
            proxied: false,
            json: Default::default(),
        }
    }

    fn labels(page: &ResultsPage, image: &Image) -> Vec<String> {
        page.downloads(image).into_iter().map(|d| d.label).collect()
    }

    fn page(profile: &Profile) -> ResultsPage<'_> {
        ResultsPage {
            form: LookupForm::filled("", None),
            profile,
        }
    }

    #[test]
    fn downloads_differ_from_the_original_and_name_their_real_size() {
        let small = image(
            ImageKind::Avatar,
            "https://cdn.example/a.png",
            Some((256, 256)),
        );
        let big = image(
            ImageKind::Avatar,
            "https://cdn.example/a.jpg",
            Some((800, 600)),
        );
        let unknown = image(ImageKind::Avatar, "https://cdn.example/u/1?v=4", None);
        let banner = image(
            ImageKind::Banner,
            "https://cdn.example/b.jpeg",
            Some((3000, 1000)),
        );
        let narrow = image(
            ImageKind::Banner,
            "https://cdn.example/b.png",
            Some((1500, 500)),
        );
        let found = profile("github", "ana", vec![]);
        let page = page(&found);

        assert_eq!(labels(&page, &small), ["JPEG", "WebP", "128×128 PNG"]);
        assert_eq!(
            labels(&page, &big),
            ["PNG", "WebP", "400×400 JPEG", "128×128 PNG"]
        );
        assert_eq!(
            labels(&page, &unknown),
            [
                "JPEG",
                "PNG",
                "WebP",
                "Up to 400×400 JPEG",
                "Up to 128×128 PNG"
            ]
        );
        assert_eq!(labels(&page, &banner), ["PNG", "WebP", "1500×500 JPEG"]);
        assert_eq!(labels(&page, &narrow), ["JPEG", "WebP"]);
        let tiny = image(
            ImageKind::Avatar,
            "https://cdn.example/t.gif",
            Some((100, 80)),
        );
        let tiny = page.downloads(&tiny);
        assert_eq!(tiny.last().unwrap().label, "80×80 JPEG", "{tiny:?}");
        assert_eq!(tiny.len(), 4, "one 80×80 square, not two: {tiny:?}");
    }

    #[test]
    fn a_web_pages_image_is_named_for_the_page_and_never_cropped_square() {
        let og = image(
            ImageKind::Avatar,
            "http://127.0.0.1:8/og.png",
            Some((1200, 630)),
        );
        let found = profile(
            "page",
            "http://127.0.0.1:8/blog/a%20post?x=1",
            vec![og.clone()],
        );
        let page = page(&found);

        assert_eq!(page.kind_label(&og), "Page image");
        assert!(page.is_wide(&og));
        assert_eq!(labels(&page, &og), ["JPEG", "WebP"]);
        let link = page.download(&og, "", "original");
        assert!(
            link.ends_with("name=127.0.0.1-blog-a-20post-image-original"),
            "{link}"
        );
        assert_eq!(
            page_file_stem(&format!("https://a.example/{}", "x".repeat(200))).len(),
            60
        );
        assert_eq!(page_file_stem("https://a.example/"), "a.example");
    }

    #[test]
    fn the_lasting_links_go_through_our_route_and_escape_what_they_hold() {
        let avatar = image(
            ImageKind::Avatar,
            "https://cdn.example/a.jpg?oe=65000000&oh=x",
            None,
        );
        let found = profile("mastodon", "ana@example.social", vec![avatar.clone()]);
        let page = page(&found);

        let fields = page.links(&avatar);
        let values: Vec<&str> = fields.iter().map(|f| f.value.as_str()).collect();
        assert_eq!(
            values,
            [
                "/mastodon/ana@example.social",
                "/mastodon/ana@example.social?size=400",
                "![Ana \\[dev\\]](/mastodon/ana@example.social?size=400)",
                "<img src=\"/mastodon/ana@example.social?size=400\" alt=\"Ana [dev]\" width=\"400\" height=\"400\">",
                "https://cdn.example/a.jpg?oe=65000000&oh=x",
            ]
        );
        assert_eq!(fields[4].label, "Mastodon's own link (signed: it expires)");
        assert!(fields[4].path.is_none());

        let site = profile("page", "https://a.example/p(1)?a=1&b=2", vec![]);
        assert_eq!(
            ResultsPage {
                form: LookupForm::filled("", None),
                profile: &site
            }
            .lasting_path(),
            "/page/https:%2F%2Fa.example%2Fp%281%29%3Fa=1%26b=2"
        );
    }

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
