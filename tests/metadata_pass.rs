//! The metadata a lookup reads in one pass over a page, without a tree, is what the parsed
//! tree says: on every captured page and provider fixture (and the same as the earlier
//! reading of the `<head>` alone, or of the whole tree when metadata followed it), and on
//! generated pages full of markup that trips simple scanners.

mod support;

use getimages::extract::{Metadata, Page, is_generic_placeholder};
use getimages::providers::pick::{Found, clean_title, from_metadata};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use support::fixtures_dir;
use url::Url;

/// Every HTML page among the fixtures, by path.
fn pages() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for dir in std::fs::read_dir(fixtures_dir())
        .expect("fixtures")
        .flatten()
    {
        if !dir.path().is_dir() || dir.file_name() == "images" {
            continue;
        }
        for file in std::fs::read_dir(dir.path())
            .expect("a fixture dir")
            .flatten()
        {
            let path = file.path();
            if path.extension().is_some_and(|e| e == "html") {
                let body = std::fs::read(&path).expect("a fixture");
                let text = String::from_utf8_lossy(&body).into_owned();
                out.push((path.display().to_string(), text));
            }
        }
    }
    assert!(out.len() > 20, "{} pages", out.len());
    out
}

/// What the tree reading gave before the single pass: the same rules over `Page`'s own
/// methods, on the `<head>` alone when nothing after it named metadata.
fn earlier(html: &str, url: &Url) -> (Found, Option<Url>) {
    let lower = html.to_ascii_lowercase();
    let markers = [
        "og:image",
        "og:title",
        "og:url",
        "twitter:",
        "ld+json",
        "canonical",
        "image_src",
    ];
    let read = match lower.find("</head>").map(|at| at + "</head>".len()) {
        Some(end) if !markers.iter().any(|m| lower[end..].contains(m)) => &html[..end],
        _ => html,
    };
    let page = Page::parse(read, url.clone());
    let found = Found::default().name(page.title().as_deref().map(clean_title).as_deref());
    let found = if let Some(url) = page.json_ld_image() {
        found.avatar(Some(url.as_str()))
    } else if let Some(url) = page.og_image() {
        let side = |key: &str| page.meta(&[key]).and_then(|v| v.trim().parse().ok());
        found
            .avatar(Some(url.as_str()))
            .sized(side("og:image:width"), side("og:image:height"))
    } else {
        found.avatar(page.link("image_src").as_ref().map(Url::as_str))
    };
    (found, page.canonical())
}

#[test]
fn every_fixture_page_reads_the_same_in_one_pass_as_from_its_tree_and_as_before() {
    let url = Url::parse("https://example.com/u/ana").expect("a URL");
    for (path, html) in pages() {
        let pass = Metadata::read(&html, url.clone(), is_generic_placeholder);
        let tree = Page::parse(&html, url.clone()).metadata();
        let found = from_metadata(&pass);
        assert_eq!(found, from_metadata(&tree), "{path}");
        assert_eq!(pass.canonical(), tree.canonical(), "{path}");
        assert_eq!((found, pass.canonical()), earlier(&html, &url), "{path}");
    }
}

/// Markup that a scanner reading tags without the tokenizer's rules gets wrong.
fn tricky() -> BoxedStrategy<String> {
    select(vec![
        "<!-->",
        "<!--->",
        "<!-- a --!>",
        "<!---->",
        "<!-- <meta property=og:image content=/comment.png> -->",
        "<div data-x=\"a > <meta property=og:image content=/quoted.png>\">",
        "<div data-x='<title>quoted</title>'>",
        "<a =\"x>",
        "<a href=/u/x\"y>",
        "<img/src=/a.png/>",
        "<script>var s = '<meta property=og:image content=/script.png>';</script>",
        "<script><!-- <script> </script> <meta property=og:image content=/escaped.png> --></script>",
        "<script><!--</script>",
        "<SCRIPT>a</SCRIPT >",
        "</script x=\">\">",
        "<style>a > b { }</style>",
        "<textarea><meta property=og:image content=/textarea.png></textarea>",
        "<xmp><title>x</title></xmp>",
        "<noscript><meta property=og:image content=/noscript.png></noscript>",
        "<TITLE>Ana &amp; Bo &notit; &#x41;</TITLE>",
        "<title>a\r\nb\0</title>",
        "<title></title>",
        "<title>cut",
        "<META PROPERTY=\"OG:IMAGE\" CONTENT=\"/upper.png\">",
        "<meta property=\"og:image\" property=\"og:title\" content=\"/first.png\">",
        "<meta name=\"og:image\" property=\"\" content=\"/name.png\">",
        "<meta property=og:image content=\"/a.png?x=1&copy=2&amp;y=3&not\">",
        "<meta property=og:image content=\"\r\n/crlf.png\r\n\">",
        "<meta property=og:image:width content=\" 800 \">",
        "<link rel=\"CANONICAL\" href=\"&#47;canonical\">",
        "<link rel=\"x image_src\" href=\"/image-src.png\">",
        "<base href=\"/base/\">",
        "<base href=\"https://other.example/\">",
        "<script type=\"APPLICATION/LD+JSON\">{\"@type\":\"Person\",\"image\":\"/ld.png\"}</script>",
        "<script type=\"application/ld+json\">{\"@type\":\"Person\",\"image\":\"x&amp;y\"}</script>",
        "<script type=\" application/ld+json\">{\"@type\":\"Person\",\"image\":\"/no.png\"}</script>",
        "</br>",
        "</>",
        "</ x>",
        "<?php echo '>'; ?>",
        "<!doctype html>",
        "<![CDATA[ > ]]>",
        "<plaintext><meta property=og:image content=/plain.png>",
        "<p>",
        "</p>",
        "<",
        "&",
        "\r",
    ])
    .prop_map(str::to_owned)
    .boxed()
}

/// A URL or text where pages put one.
fn value() -> BoxedStrategy<String> {
    prop_oneof![
        "https?://[a-z]{1,6}\\.com/[a-z0-9/._-]{0,12}",
        "/[a-z0-9/._-]{0,12}",
        "[a-z &;#0-9<>\"'=]{0,12}",
        "\\PC{0,12}",
    ]
    .boxed()
}

/// One piece of a page: a tag the metadata reader reads, tricky markup, or text.
fn fragment() -> BoxedStrategy<String> {
    let key = select(vec![
        "og:image",
        "og:image:secure_url",
        "twitter:image",
        "og:url",
        "og:title",
        "twitter:title",
        "og:image:width",
        "og:image:height",
    ]);
    let quote = select(vec!["\"", "'", ""]);
    prop_oneof![
        3 => (key, select(vec!["property", "name"]), quote.clone(), value()).prop_map(
            |(k, attr, q, v)| format!("<meta {attr}=\"{k}\" content={q}{v}{q}>")
        ),
        1 => (select(vec!["canonical", "image_src", "icon"]), quote, value())
            .prop_map(|(r, q, v)| format!("<link rel={r} href={q}{v}{q}>")),
        1 => value().prop_map(|v| format!("<title>{v}</title>")),
        1 => value().prop_map(|v| format!(
            "<script type=\"application/ld+json\">{{\"@type\":\"Person\",\"image\":\"{v}\"}}</script>"
        )),
        4 => tricky(),
        1 => "\\PC{0,20}",
    ]
    .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    /// Outside what only a tree builder decides (SVG and MathML content, `<select>`,
    /// `<frameset>`, elements a `<table>` moves), the single pass and the tree agree.
    #[test]
    fn one_pass_reads_what_the_tree_reads(parts in vec(fragment(), 0..16)) {
        let html = parts.concat();
        let url = Url::parse("https://example.com/u/ana").expect("a URL");
        let pass = Metadata::read(&html, url.clone(), is_generic_placeholder);
        let tree = Page::parse(&html, url).metadata();
        prop_assert_eq!(from_metadata(&pass), from_metadata(&tree), "{:?}", html);
        prop_assert_eq!(pass.canonical(), tree.canonical(), "{:?}", html);
        prop_assert_eq!(pass.link_url("image_src"), tree.link_url("image_src"), "{:?}", html);
    }
}
