//! Property tests over hostile input: the input parser, the page extractors, every
//! provider's pick and the image decoder never panic, and what they do return keeps its
//! promises (handles round-trip, extracted URLs are absolute http(s), decoding stays within
//! its limits). They run in the normal `cargo test`, a few seconds each; the long search
//! for crashes is the cargo-fuzz targets in `fuzz/`.

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::LazyLock;

use getimages::extract::{Page, json};
use getimages::fetch::Fetched;
use getimages::imaging::{self, Fit, Format, FormatChoice, Limits, Transform};
use getimages::lookup::ProfileQuery;
use getimages::providers::pick::Response;
use getimages::providers::{self, ALL, Provider, Recognize};
use image::{DynamicImage, ImageFormat, Rgba, RgbaImage};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::FileFailurePersistence;
use serde_json::{Value, json};
use support::*;
use url::Url;

/// Enough cases to shake out the obvious, few enough to keep each property near a second.
fn config() -> ProptestConfig {
    ProptestConfig {
        // Next to this file, as `properties.proptest-regressions`: commit it, so a failure
        // found once is tried first forever after.
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::with_cases(256)
    }
}

// ---- the input parser ---------------------------------------------------------------------

/// The host and path rules of every provider recognized by rules.
fn rules() -> impl Iterator<Item = (&'static [&'static str], &'static [&'static str])> {
    ALL.iter().filter_map(|p| match p.recognize {
        Recognize::Rules { hosts, paths, .. } => Some((hosts, paths)),
        Recognize::Custom(_) => None,
    })
}

/// Hosts of the providers recognized by a function.
const CUSTOM_HOSTS: &[&str] = &[
    "facebook.com",
    "fb.com",
    "youtube.com",
    "medium.com",
    "deviantart.com",
    "pinterest.com",
];

/// Every host some provider claims, with and without `www.`, and hosts none does.
fn host() -> BoxedStrategy<String> {
    let known: Vec<&'static str> = rules()
        .flat_map(|(hosts, _)| hosts.iter().copied())
        .chain(CUSTOM_HOSTS.iter().copied())
        .collect();
    prop_oneof![
        4 => select(known.clone()).prop_map(str::to_owned),
        1 => select(known).prop_map(|h| format!("www.{h}")),
        1 => "[a-z]{1,8}\\.(substack\\.com|tumblr\\.com|bsky\\.social)",
        1 => select(vec![
            "mastodon.social", "example.com", "127.0.0.1", "[::1]", "0x7f000001", "EXAMPLE.COM",
            "xn--nxasmq6b.com", "a..b", "-.com",
        ])
        .prop_map(str::to_owned),
        1 => "[a-z0-9.-]{1,20}",
        1 => "\\PC{0,12}",
    ]
    .boxed()
}

/// What a visitor types as a handle, well-formed or not.
fn handle_text() -> BoxedStrategy<String> {
    prop_oneof![
        "[A-Za-z0-9_.-]{1,20}",
        "@?[A-Za-z]{1,10}(@[a-z]{1,8}\\.[a-z]{2,4})?",
        "UC[A-Za-z0-9_-]{22}",
        "did:(plc|web):[a-z0-9.]{1,24}",
        "[0-9]{1,20}",
        "(%[0-9A-Fa-f]{2}|[a-z+]){1,8}",
        "\\PC{0,16}",
        any::<String>(),
    ]
    .boxed()
}

/// A URL path: a provider's own profile pattern with a handle in it, or anything.
fn path() -> BoxedStrategy<String> {
    let patterns: Vec<&'static str> = rules()
        .flat_map(|(_, paths)| paths.iter().copied())
        .chain(["/channel/{handle}", "/c/{handle}"])
        .collect();
    prop_oneof![
        3 => (select(patterns), handle_text(), "(/[a-z]{0,6}){0,2}/?")
            .prop_map(|(p, h, rest)| format!("{}{rest}", p.replace("{handle}", &h))),
        1 => "(/[^/?#]{0,8}){0,3}",
        1 => Just(String::new()),
    ]
    .boxed()
}

/// URL-ish input: a scheme (or none), maybe userinfo, a host, a path, a query and fragment.
fn url_input() -> BoxedStrategy<String> {
    let scheme = select(vec![
        "https://",
        "http://",
        "HTTPS://",
        "hTTp://",
        "",
        "//",
        "ftp://",
        "file://",
        "javascript:",
        "data:text/html,",
    ]);
    let userinfo = prop_oneof![Just(String::new()), "[a-z]{1,5}(:[a-z]{1,5})?@"];
    (
        scheme,
        userinfo,
        host(),
        path(),
        "(\\?[a-z]{1,4}=[^#]{0,6})?(#[a-z]{0,4})?",
    )
        .prop_map(|(s, u, h, p, q)| format!("{s}{u}{h}{p}{q}"))
        .boxed()
}

/// What lands in the lookup box.
fn input() -> BoxedStrategy<String> {
    prop_oneof![
        4 => url_input(),
        1 => (handle_text(), "[a-z]{1,8}\\.[a-z]{2,5}").prop_map(|(h, d)| format!("@{h}@{d}")),
        1 => "[A-Za-z0-9._%+-]{1,12}@[a-z0-9-]{1,10}\\.[a-z]{2,4}",
        1 => handle_text(),
        1 => ("[ \t\n]{0,3}", url_input(), "[ \t\n]{0,3}").prop_map(|(a, u, b)| format!("{a}{u}{b}")),
        1 => "https://example\\.com/[a-z]{2040,2060}",
        1 => any::<String>(),
    ]
    .boxed()
}

/// The platform picked beside it: none, `auto`, a real id or alias, or nonsense.
fn picked() -> BoxedStrategy<Option<String>> {
    let ids: Vec<String> = ALL
        .iter()
        .flat_map(|p| std::iter::once(p.id).chain(p.aliases.iter().copied()))
        .map(str::to_owned)
        .chain(["auto", "", " x ", "GITHUB"].map(str::to_owned))
        .collect();
    proptest::option::of(prop_oneof![4 => select(ids), 1 => "\\PC{0,8}"]).boxed()
}

proptest! {
    #![proptest_config(config())]

    /// Whatever is typed, the parser answers; a handle it accepts is one its provider
    /// accepts again, unchanged, and parsing it again with that provider picked (as
    /// `/avatar/{provider}/{handle}` does) gives the same query.
    #[test]
    fn parsed_handles_round_trip(q in input(), picked in picked()) {
        let Ok(query) = ProfileQuery::parse(&q, picked.as_deref()) else {
            return Ok(());
        };
        let (provider, handle) = (query.provider, query.handle);
        prop_assert_eq!(
            (provider.handle)(&handle),
            Some(handle.clone()),
            "{:?} (picked {:?}) gave {} handle {:?}", q, picked, provider.id, handle
        );
        let again = ProfileQuery::parse(&handle, Some(provider.id));
        let again = again.as_ref().map(|a| (a.provider.id, a.handle.as_str()));
        prop_assert_eq!(
            again.ok(),
            Some((provider.id, handle.as_str())),
            "{:?} (picked {:?}) gave {} handle {:?}", q, picked, provider.id, handle
        );
    }
}

// ---- the extractors -----------------------------------------------------------------------

/// What pages put where a URL belongs.
fn url_text() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "https?://[a-z]{1,8}\\.(com|net)(:[0-9]{1,5})?/[a-z0-9/._-]{0,20}",
        2 => "/[a-z0-9/._-]{0,20}(\\?[a-z]=[0-9]&amp;[a-z]=[0-9])?",
        1 => "//cdn\\.[a-z]{1,5}\\.com/[a-z]{1,8}\\.(png|jpg)",
        1 => "[a-z0-9./:]{0,12}",
        2 => select(vec![
            "data:image/png;base64,AAAA",
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "ftp://example.com/a.png",
            "file:///etc/passwd",
            "mailto:a@b.c",
            "blob:https://a.example/x",
            " https://a.example/x.png ",
            "http://[::1]/",
            "http://[::1",
            "https://",
            "http:",
            "http:x.png",
            "https:/x.png",
            "//",
            "",
            "placeholder.png",
            "https://abs.twimg.com/sticky/default_profile_images/x.png",
            "http://a b/",
            "https://ex\u{0}ample.com/",
            "\\\\evil.example\\x.png",
            "&#x68;ttps://a.example/",
        ])
        .prop_map(str::to_owned),
        1 => "\\PC{0,20}",
    ]
    .boxed()
}

fn quoted(value: String) -> BoxedStrategy<String> {
    select(vec!['"', '\'', ' '])
        .prop_map(move |q| match q {
            ' ' => value.clone(),
            q => format!("{q}{value}{q}"),
        })
        .boxed()
}

/// A JSON value shaped like JSON-LD: types, images as strings, objects or lists, nesting.
fn json_value() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        select(vec![
            "Person",
            "Organization",
            "ProfilePage",
            "NewsMediaOrganization",
            "ImageObject",
        ])
        .prop_map(Value::from),
        url_text().prop_map(Value::String),
    ];
    let key = prop_oneof![
        4 => select(vec![
            "@type", "@graph", "mainEntity", "author", "publisher", "image", "logo", "contentUrl",
            "url", "thumbnailUrl", "name",
        ])
        .prop_map(str::to_owned),
        1 => "[a-z@]{0,6}",
    ];
    leaf.prop_recursive(5, 48, 6, move |inner| {
        prop_oneof![
            vec(inner.clone(), 0..5).prop_map(Value::Array),
            vec((key.clone(), inner), 0..6).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
    .boxed()
}

/// JSON-LD as pages ship it: well-formed, with raw control characters in strings, cut short,
/// or a profile in one of the shapes `json_ld_image` reads.
fn json_ld_text() -> BoxedStrategy<String> {
    let types = select(vec!["Person", "Organization", "ProfilePage", "WebSite"]);
    let image = prop_oneof![
        url_text().prop_map(Value::String),
        (url_text(), url_text())
            .prop_map(|(a, b)| json!({"@type": "ImageObject", "contentUrl": a, "url": b})),
        vec(url_text(), 0..3).prop_map(|v| json!(v)),
        json_value(),
    ];
    let profile = (types, image).prop_map(
        |(t, image)| json!({"@type": "ProfilePage", "mainEntity": {"@type": t, "image": image}}),
    );
    let value = prop_oneof![
        json_value(),
        profile.clone(),
        profile.prop_map(|p| json!({"@graph": [p]}))
    ];
    prop_oneof![
        3 => value.clone().prop_map(|v| v.to_string()),
        1 => value.clone().prop_map(|v| v.to_string().replace("\\n", "\n").replace("\\t", "\t")),
        1 => (value, any::<prop::sample::Index>()).prop_map(|(v, cut)| {
            let text = v.to_string();
            let at = cut.index(text.len() + 1);
            text.get(..at).unwrap_or(&text).to_owned()
        }),
        1 => "\\PC{0,30}",
    ]
    .boxed()
}

/// A `srcset` with descriptors real, odd and broken.
fn srcset() -> BoxedStrategy<String> {
    let descriptor = prop_oneof![
        "[0-9]{1,4}(w|x)",
        "[0-9]{1,3}\\.[0-9]{1,2}x",
        select(vec![
            "",
            "w",
            "x",
            "-5w",
            "1e308x",
            "NaNx",
            "infx",
            "0x",
            "9999999999999999999999w"
        ])
        .prop_map(str::to_owned),
    ];
    vec((url_text(), descriptor), 0..4)
        .prop_map(|candidates| {
            candidates
                .into_iter()
                .map(|(u, d)| format!("{u} {d}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .boxed()
}

/// One piece of a page: the tags and attributes the extractors read, markup that confuses
/// parsers, or any text at all.
fn fragment() -> BoxedStrategy<String> {
    let meta_key = select(vec![
        "og:image",
        "og:image:secure_url",
        "og:image:url",
        "twitter:image",
        "twitter:image:src",
        "og:url",
        "og:title",
        "twitter:title",
        " OG:IMAGE ",
    ]);
    let rel = select(vec![
        "icon",
        "shortcut icon",
        "apple-touch-icon",
        "apple-touch-icon-precomposed",
        "canonical",
        "ICON",
        "stylesheet",
        "",
    ]);
    let sizes = prop_oneof![
        "[0-9]{1,4}x[0-9]{1,4}",
        select(vec![
            "any",
            "",
            "x",
            "99999999999x1",
            "-1x-1",
            "16X16 32x32"
        ])
        .prop_map(str::to_owned),
    ];
    prop_oneof![
        3 => (meta_key.clone(), select(vec!["property", "name"]), url_text().prop_flat_map(quoted))
            .prop_map(|(k, attr, v)| format!("<meta {attr}=\"{k}\" content={v}>")),
        1 => (meta_key, "\\PC{0,20}").prop_map(|(k, v)| format!("<meta property=\"{k}\" content=\"{v}\">")),
        2 => (rel, url_text(), sizes)
            .prop_map(|(r, h, s)| format!("<link rel=\"{r}\" href=\"{h}\" sizes=\"{s}\">")),
        1 => url_text().prop_map(|h| format!("<base href=\"{h}\">")),
        2 => (url_text(), srcset()).prop_map(|(s, ss)| format!("<img src=\"{s}\" srcset=\"{ss}\">")),
        3 => json_ld_text().prop_map(|j| format!("<script type=\"application/ld+json\">{j}</script>")),
        1 => "\\PC{0,30}".prop_map(|t| format!("<title>{t}</title>")),
        2 => select(vec![
            "<html>", "<head>", "</head>", "<body>", "</body>", "<div>", "</div>", "<![CDATA[",
            "<!--", "-->", "<script>", "</script>", "<svg>", "<template>", "<noscript>",
            "<table>", "<p", "&amp;", "&#0;", "\u{0}", "<", ">", "<!doctype html>",
            "<iframe srcdoc=\"<meta property=og:image content=/x.png>\">",
        ])
        .prop_map(str::to_owned),
        1 => "\\PC{0,40}",
        1 => any::<String>(),
    ]
    .boxed()
}

fn html() -> BoxedStrategy<String> {
    vec(fragment(), 0..12)
        .prop_map(|parts| parts.concat())
        .boxed()
}

fn base_url() -> BoxedStrategy<Url> {
    select(vec![
        "https://example.com/u/me",
        "http://127.0.0.1:8080/",
        "https://x.com/jack?lang=en#top",
        "https://[::1]/a/b/",
    ])
    .prop_map(|u| Url::parse(u).expect("a base URL"))
    .boxed()
}

fn is_absolute_http(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty())
}

/// Every text fixture, with the provider directory it belongs to.
static FIXTURES: LazyLock<Vec<(String, String, Vec<u8>)>> = LazyLock::new(|| {
    let mut out = Vec::new();
    for dir in std::fs::read_dir(fixtures_dir())
        .expect("tests/fixtures")
        .flatten()
    {
        let provider = dir.file_name().to_string_lossy().into_owned();
        // Images are the decoder's business; the real pages are large and have their own tests.
        if matches!(provider.as_str(), "images" | "real-pages") || !dir.path().is_dir() {
            continue;
        }
        for file in std::fs::read_dir(dir.path())
            .expect("a fixture dir")
            .flatten()
        {
            let path = file.path();
            let stem = path
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            out.push((
                provider.clone(),
                stem,
                std::fs::read(&path).expect("a fixture"),
            ));
        }
    }
    out.sort();
    out
});

/// What one of a provider's ways of asking is handed: the URL it asked for (its example's),
/// and a body.
fn fetched(p: &Provider, way: &providers::Strategy, content_type: &str, body: Vec<u8>) -> Fetched {
    let url = Url::parse(&way.request(p, p.example).url)
        .unwrap_or_else(|_| Url::parse("https://example.com/").expect("a URL"));
    Fetched {
        url,
        status: 200,
        headers: Default::default(),
        content_type: content_type.to_owned(),
        body,
    }
}

/// Every reader of `p`'s own ways of asking reads `body` for `handle` (the generic page
/// reader at the chain's end is the generic provider's own).
fn read_by_every_way(p: &Provider, content_type: &str, body: &[u8], handle: &str) {
    for way in p.strategies {
        let fetched = fetched(p, way, content_type, body.to_vec());
        let _ = (way.read)(&Response::new(&fetched), handle);
    }
}

/// A fixture with a few bytes overwritten, some text spliced in, and maybe cut short.
fn mutated_fixture() -> BoxedStrategy<(usize, Vec<u8>)> {
    let count = FIXTURES.len();
    (
        0..count,
        vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        vec((any::<prop::sample::Index>(), fragment()), 0..3),
        proptest::option::of(any::<prop::sample::Index>()),
    )
        .prop_map(|(which, flips, splices, cut)| {
            let mut body = FIXTURES[which].2.clone();
            for (at, text) in splices {
                let at = at.index(body.len() + 1);
                body.splice(at..at, text.into_bytes());
            }
            for (at, byte) in flips {
                if !body.is_empty() {
                    let at = at.index(body.len());
                    body[at] = byte;
                }
            }
            if let Some(cut) = cut {
                body.truncate(cut.index(body.len() + 1));
            }
            (which, body)
        })
        .boxed()
}

proptest! {
    #![proptest_config(config())]

    /// Every extractor answers on any page, and every URL it finds is absolute http(s).
    #[test]
    fn extractors_find_only_absolute_http_urls(html in html(), base in base_url()) {
        let page = Page::parse(&html, base);
        let found = [
            ("og_image", page.og_image()),
            ("json_ld_image", page.json_ld_image()),
            ("canonical", page.canonical()),
            ("best_icon", page.best_icon()),
            ("largest_src", page.largest_src("img")),
        ];
        for (what, url) in found {
            if let Some(url) = url {
                prop_assert!(is_absolute_http(&url), "{} gave {} from {:?}", what, url, html);
            }
        }
        let _ = page.json_ld();
        if let Some(title) = page.title() {
            prop_assert!(!title.trim().is_empty(), "an empty title from {:?}", html);
        }
    }

    /// `parse_lenient` answers on any text, and reads back what serde_json writes.
    #[test]
    fn lenient_json_reads_back_what_was_written(value in json_value(), junk in any::<String>()) {
        let _ = json::parse_lenient(&junk);
        prop_assert_eq!(json::parse_lenient(&value.to_string()), Some(value));
    }

    /// Raw control characters inside strings (as real JSON-LD has them) are read as
    /// themselves.
    #[test]
    fn lenient_json_keeps_raw_control_characters(s in "(\\PC|[\\x00-\\x1f\\x7f-\\x9f])*") {
        let raw = s.replace('\\', "\\\\").replace('"', "\\\"");
        let text = format!("{{\"k\": \"{raw}\"}}");
        prop_assert_eq!(json::parse_lenient(&text), Some(json!({ "k": s })));
    }

    /// Every reader of every provider's ways of asking answers on a generated page or JSON,
    /// or on any bytes, under either content type.
    #[test]
    fn no_provider_pick_panics_on_generated_bodies(
        content_type in select(vec!["text/html", "application/json"]),
        body in prop_oneof![
            html().prop_map(String::into_bytes),
            json_value().prop_map(|v| v.to_string().into_bytes()),
            vec(any::<u8>(), 0..256),
        ],
    ) {
        for p in ALL {
            read_by_every_way(p, content_type, &body, p.example);
        }
    }

    /// The readers of the provider a fixture belongs to (and the generic page one) answer on
    /// that fixture mangled, under either content type.
    #[test]
    fn no_provider_pick_panics_on_mangled_fixtures(
        (which, body) in mutated_fixture(),
        as_json in any::<bool>(),
    ) {
        let (dir, stem, _) = &FIXTURES[which];
        let content_type = if as_json { "application/json" } else { "text/html" };
        for p in ALL.iter().filter(|p| p.id == dir || p.id == "page") {
            // The fixture's own handle, so a reader reaches past its "is this the user?" check.
            let handle = (p.handle)(stem).unwrap_or_else(|| p.example.to_owned());
            read_by_every_way(p, content_type, &body, &handle);
        }
    }
}

// ---- the image decoder --------------------------------------------------------------------

/// The limits the fuzz target uses: small enough that an allocation past them shows.
const LIMITS: Limits = Limits {
    max_source_bytes: 1 << 20,
    max_pixels: 1 << 20,
    max_alloc: 64 << 20,
};

/// Counts the bytes this thread has live, and the peak since the last reset, so a property
/// can check a decode stayed within `max_alloc` (tests run on several threads at once).
struct PeakAlloc;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn track(delta: isize) {
    // `try_with`: the allocator is called while thread-locals are torn down, too.
    let _ = LIVE.try_with(|live| {
        live.set(live.get() + delta);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(live.get())));
    });
}

unsafe impl GlobalAlloc for PeakAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            track(layout.size() as isize);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        track(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            track(new_size as isize - layout.size() as isize);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: PeakAlloc = PeakAlloc;

/// The most bytes this thread had live above what it had when `f` started.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let start = LIVE.with(Cell::get);
    PEAK.with(|peak| peak.set(start));
    let out = f();
    let peak = PEAK.with(Cell::get);
    (out, (peak - start).max(0) as usize)
}

/// Tiny real images of every format we read, to mangle.
static SAMPLES: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let rgba = DynamicImage::ImageRgba8(RgbaImage::from_fn(5, 4, |x, y| {
        Rgba([(x * 50) as u8, (y * 60) as u8, 160, 200])
    }));
    vec![
        encoded(&rgba, ImageFormat::Png),
        encoded(
            &DynamicImage::ImageLuma16(rgba.to_luma16()),
            ImageFormat::Png,
        ),
        encoded(&DynamicImage::ImageRgb8(rgba.to_rgb8()), ImageFormat::Jpeg),
        encoded(&rgba, ImageFormat::Gif),
        encoded(&rgba, ImageFormat::WebP),
    ]
});

/// `sample` claiming to be `width`×`height`, in the header field each format keeps it in.
fn with_claimed_size(sample: &[u8], width: u32, height: u32) -> Vec<u8> {
    let mut bytes = sample.to_vec();
    match imaging::sniff(sample) {
        Some(Format::Png) => {
            bytes[16..20].copy_from_slice(&width.to_be_bytes());
            bytes[20..24].copy_from_slice(&height.to_be_bytes());
            fix_png_crcs(&mut bytes);
        }
        Some(Format::Gif) => {
            bytes[6..8].copy_from_slice(&(width as u16).to_le_bytes());
            bytes[8..10].copy_from_slice(&(height as u16).to_le_bytes());
        }
        Some(Format::Jpeg) => {
            // The SOF0 marker's height and width follow its length and precision.
            if let Some(sof) = bytes.windows(2).position(|w| w == [0xFF, 0xC0]) {
                bytes[sof + 5..sof + 7].copy_from_slice(&(height as u16).to_be_bytes());
                bytes[sof + 7..sof + 9].copy_from_slice(&(width as u16).to_be_bytes());
            }
        }
        // VP8L: 14 bits each of width - 1 and height - 1 after the signature byte.
        Some(Format::Webp) if bytes.get(12..16) == Some(b"VP8L") => {
            let old = u32::from_le_bytes([bytes[21], bytes[22], bytes[23], bytes[24]]);
            let packed = (width.saturating_sub(1) & 0x3FFF)
                | ((height.saturating_sub(1) & 0x3FFF) << 14)
                | (old & 0xF000_0000);
            bytes[21..25].copy_from_slice(&packed.to_le_bytes());
        }
        Some(Format::Webp) | None => {}
    }
    bytes
}

/// Bytes a decoder has to look at: real magic followed by anything, a real image mangled,
/// or a real image whose header lies about its size.
fn image_bytes() -> BoxedStrategy<Vec<u8>> {
    let magic = select(vec![
        b"\xFF\xD8\xFF".to_vec(),
        b"\x89PNG\r\n\x1a\n".to_vec(),
        b"GIF89a".to_vec(),
        b"GIF87a".to_vec(),
        b"RIFF\x00\x01\x00\x00WEBPVP8 ".to_vec(),
        b"RIFF\x00\x01\x00\x00WEBPVP8L".to_vec(),
        b"RIFF\x00\x01\x00\x00WEBPVP8X".to_vec(),
    ]);
    let samples = SAMPLES.len();
    prop_oneof![
        2 => (magic, vec(any::<u8>(), 0..512)).prop_map(|(mut m, rest)| {
            m.extend(rest);
            m
        }),
        3 => (
            0..samples,
            vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
            proptest::option::of(any::<prop::sample::Index>()),
        )
            .prop_map(|(which, flips, cut)| {
                let mut bytes = SAMPLES[which].clone();
                for (at, byte) in flips {
                    let at = at.index(bytes.len());
                    bytes[at] = byte;
                }
                if let Some(cut) = cut {
                    bytes.truncate(cut.index(bytes.len() + 1));
                }
                if imaging::sniff(&bytes) == Some(Format::Png) {
                    fix_png_crcs(&mut bytes);
                }
                bytes
            }),
        2 => (0..samples, any::<u32>(), any::<u32>(), 0..4u32).prop_map(|(which, w, h, scale)| {
            // Small, near-limit and absurd sizes alike.
            let (w, h) = (w >> (scale * 8), h >> (scale * 8));
            with_claimed_size(&SAMPLES[which], w, h)
        }),
    ]
    .boxed()
}

fn side() -> BoxedStrategy<u32> {
    prop_oneof![4 => 0u32..=300, 1 => select(vec![1025, 1 << 16, u32::MAX])].boxed()
}

fn transform() -> BoxedStrategy<Transform> {
    let format = prop_oneof![
        Just(FormatChoice::Original),
        select(vec![Format::Jpeg, Format::Png, Format::Webp, Format::Gif])
            .prop_map(FormatChoice::To),
    ];
    (
        proptest::option::of(side()),
        proptest::option::of(side()),
        select(vec![Fit::Cover, Fit::Contain, Fit::Inside]),
        format,
        any::<u8>(),
        any::<bool>(),
    )
        .prop_map(|(width, height, fit, format, quality, upscale)| Transform {
            width,
            height,
            fit,
            format,
            quality,
            upscale,
        })
        .boxed()
}

proptest! {
    #![proptest_config(config())]

    /// Any bytes, any transform: an answer within the limits, never a panic. What comes out
    /// is an image of the format asked for, no bigger than allowed, and an identity
    /// transform hands the bytes back untouched.
    #[test]
    fn decoding_stays_within_its_limits(bytes in image_bytes(), t in transform()) {
        let (result, peak) = peak_during(|| imaging::transform(&bytes, &t, &LIMITS));
        prop_assert!(
            peak as u64 <= LIMITS.max_alloc,
            "{} bytes allocated for {:?} with {:?}", peak, bytes, t
        );
        let Ok(out) = result else {
            return Ok(());
        };
        let source = imaging::sniff(&bytes);
        prop_assert!(source.is_some());
        prop_assert_eq!(Some(out.format), source.map(|s| t.format.resolve(s)));
        prop_assert!(u64::from(out.width) * u64::from(out.height) <= LIMITS.max_pixels);
        prop_assert_eq!(imaging::sniff(&out.bytes), Some(out.format));
        if t.is_identity() {
            prop_assert_eq!(&out.bytes, &bytes);
        }
    }

    /// The sniffer answers on any bytes, and knows each format by its magic number.
    #[test]
    fn sniffing_goes_by_magic_numbers(bytes in vec(any::<u8>(), 0..32)) {
        let _ = imaging::sniff(&bytes);
        for (magic, format) in [
            (&b"\xFF\xD8\xFF"[..], Format::Jpeg),
            (b"\x89PNG\r\n\x1a\n", Format::Png),
            (b"GIF89a", Format::Gif),
        ] {
            let mut prefixed = magic.to_vec();
            prefixed.extend(&bytes);
            prop_assert_eq!(imaging::sniff(&prefixed), Some(format));
        }
        let mut webp = b"RIFF\0\0\0\0WEBP".to_vec();
        webp.extend(&bytes);
        prop_assert_eq!(imaging::sniff(&webp), Some(Format::Webp));
    }
}
