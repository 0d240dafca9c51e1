//! The HTML pages as a visitor reads them: the form keeps what was asked (text and
//! platform) on results and error pages, the JSON link asks the same thing, error titles
//! agree with their messages; downloads differ from the original, are named for the size
//! they have and never share a file name; a web page's image is named for the page; the
//! avatar has links that last; the home page teaches by example.

mod support;

use std::collections::HashSet;

use support::*;
use wiremock::MockServer;

/// A GitHub API answering for `torvalds`, whose avatar `images` serves, and 404 for
/// `nobody`.
async fn github_with_avatar(images: &MockServer) -> MockServer {
    GithubApi::new()
        .avatar_at(format!("{}/avatar.png", images.uri()))
        .start()
        .await
}

/// The app with GitHub played by `api` and loopback image hosts allowed.
fn app_with_github(api: &MockServer) -> App {
    let upstream = api.uri();
    spawn_app(&[
        ("GETIMAGES_UPSTREAM_GITHUB", upstream.as_str()),
        ("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1"),
    ])
}

/// The app with GitHub played by `api`, loopback image hosts allowed, and each found image
/// measured (its size read from its first bytes), as in production.
fn app_measuring_images(api: &MockServer) -> App {
    let upstream = api.uri();
    spawn_app(&[
        ("GETIMAGES_UPSTREAM_GITHUB", upstream.as_str()),
        ("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1"),
        ("GETIMAGES_CHECK_IMAGES", "1"),
    ])
}

/// Every `attr="…"` value in `html`, with askama's `&#38;` read back as `&`.
fn attributes(html: &str, attr: &str) -> Vec<String> {
    html.split(format!(" {attr}=\"").as_str())
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].replace("&#38;", "&"))
        .collect()
}

/// The text of the first `<tag …>` element with `id` in `html`.
fn element_text<'a>(html: &'a str, id: &str) -> &'a str {
    let open = format!("id=\"{id}\"");
    let rest = &html[html
        .find(&open)
        .unwrap_or_else(|| panic!("no #{id} in {html}"))..];
    let rest = &rest[rest.find('>').unwrap() + 1..];
    &rest[..rest.find('<').unwrap()]
}

#[tokio::test]
async fn a_handle_looked_up_on_a_platform_keeps_the_platform_in_the_form_and_the_json_link() {
    let images = image_cdn().await;
    let api = github_with_avatar(&images).await;
    let app = app_with_github(&api);

    let page = app.page_lookup("torvalds", Some("github")).await;

    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("value=\"torvalds\""), "{}", page.text);
    assert!(
        page.text.contains("<option value=\"github\" selected>"),
        "GitHub is picked: {}",
        page.text
    );
    let json_link = attributes(&page.text, "href")
        .into_iter()
        .find(|href| href.starts_with("/api/v1/lookup"))
        .expect("a link to the same answer as JSON");
    assert_eq!(json_link, "/api/v1/lookup?q=torvalds&provider=github");
    let answer = app.get(&json_link).await;
    assert_eq!(success(&answer)["id"], "torvalds");
}

#[tokio::test]
async fn a_platform_picked_by_its_alias_is_shown_picked() {
    let images = image_cdn().await;
    let api = github_with_avatar(&images).await;
    let app = app_with_github(&api);

    let page = app.page_lookup("nobody", Some("GH")).await;

    assert_eq!(page.status, 404, "{}", page.text);
    assert!(
        page.text.contains("<option value=\"github\" selected>"),
        "{}",
        page.text
    );
}

#[tokio::test]
async fn error_pages_keep_the_form_filled_in_and_title_what_happened() {
    let images = image_cdn().await;
    let api = github_with_avatar(&images).await;
    let app = app_with_github(&api);

    let missing = app.page_lookup("nobody", Some("github")).await;
    assert_eq!(missing.status, 404);
    assert!(
        missing.text.contains("value=\"nobody\""),
        "{}",
        missing.text
    );
    assert!(missing.text.contains("<option value=\"github\" selected>"));
    assert_eq!(
        element_text(&missing.text, "error-title"),
        "No profile picture found"
    );

    // A bare name is a search now; a link we do not follow is what cannot be read.
    let unreadable = app.page_lookup("ftp://example.com/me", None).await;
    assert_eq!(unreadable.status, 400);
    assert!(unreadable.text.contains("value=\"ftp://example.com/me\""));
    assert!(
        unreadable
            .text
            .contains("<option value=\"\">Detect platform</option>"),
        "nothing picked"
    );
    assert!(!unreadable.text.contains(" selected>"), "nothing picked");
    assert_eq!(
        element_text(&unreadable.text, "error-title"),
        "We could not read that"
    );

    let lost = app.get("/no/such/page/here").await;
    assert_eq!(lost.status, 404);
    assert!(lost.text.contains("id=\"q\""), "the 404 page has the form");
}

#[tokio::test]
async fn a_platform_that_cannot_be_reached_is_not_said_to_have_answered() {
    let closed = format!("http://127.0.0.1:{}", free_port());
    let app = spawn_app(&[("GETIMAGES_UPSTREAM_GITHUB", closed.as_str())]);

    let page = app.page_lookup("torvalds", Some("github")).await;

    assert_eq!(page.status, 502, "{}", page.text);
    assert_eq!(
        element_text(&page.text, "error-title"),
        "No usable answer from the platform"
    );
    assert!(
        page.text.contains("Could not connect to GitHub."),
        "{}",
        page.text
    );
    assert!(!page.text.contains("answered with"), "{}", page.text);
    assert!(page.text.contains("value=\"torvalds\""));
}

#[tokio::test]
async fn downloads_of_a_256_px_avatar_differ_from_it_and_are_named_for_their_real_size() {
    // The avatar is a 256×256 PNG: no 400×400 that would be it again, no PNG of it.
    let images = image_cdn().await;
    let api = github_with_avatar(&images).await;
    let app = app_measuring_images(&api);
    let page = app.page_lookup("torvalds", Some("github")).await;
    assert_eq!(page.status, 200, "{}", page.text);

    assert_eq!(variants(&page.text), ["JPEG", "WebP", "128×128 PNG"]);
    assert!(!page.text.contains("400×400 JPEG"), "{}", page.text);
    let downloads: Vec<String> = attributes(&page.text, "href")
        .into_iter()
        .filter(|href| href.contains("download=1"))
        .collect();
    assert_eq!(downloads.len(), 4, "original and 3 variants: {downloads:?}");
    let mut names = HashSet::new();
    for link in &downloads {
        let file = app.get(link).await;
        assert_eq!(file.status, 200, "{link}: {}", file.text);
        let name = file_name(&file);
        let picture = image::load_from_memory(&file.bytes).expect("an image");
        let size = format!("{}x{}", picture.width(), picture.height());
        let sized = name.split('.').next().unwrap().rsplit('-').next().unwrap();
        if sized.contains('x') {
            assert_eq!(sized, size, "{name} is {size}");
        } else {
            assert_eq!(size, "256x256", "{name}");
        }
        assert!(names.insert(name.clone()), "{name} twice");
    }
    let expected = [
        "github-torvalds-avatar-original.png",
        "github-torvalds-avatar.jpg",
        "github-torvalds-avatar.webp",
        "github-torvalds-avatar-128x128.png",
    ];
    assert_eq!(names, expected.map(String::from).into());
}

#[tokio::test]
async fn a_web_pages_image_is_the_page_image_named_for_its_host_and_path() {
    let site = MockServer::start().await;
    let og = encoded(
        &image::DynamicImage::new_rgb8(1200, 630),
        image::ImageFormat::Jpeg,
    );
    serve_bytes(&site, "/og.jpg", 200, "image/jpeg", og).await;
    let html = format!(
        "<!doctype html><html><head><title>A post</title>\
         <meta property=\"og:image\" content=\"{}/og.jpg\"></head><body>Hi</body></html>",
        site.uri()
    );
    serve(&site, "/blog/a-post", 200, "text/html", &html).await;
    let app = spawn_app(&[
        ("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1"),
        ("GETIMAGES_CHECK_IMAGES", "1"),
    ]);
    let page_url = format!("{}/blog/a-post", site.uri());

    let page = app.page_lookup(&page_url, None).await;

    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        page.text
            .contains("<strong class=\"kind\">Page image</strong>"),
        "{}",
        page.text
    );
    assert!(!page.text.contains(">Avatar<"), "{}", page.text);
    assert_eq!(variants(&page.text), ["PNG", "WebP"], "no square crops");
    let original = attributes(&page.text, "href")
        .into_iter()
        .find(|href| href.contains("download=1") && href.contains("original"))
        .expect("a Download original link");
    let file = app.get(&original).await;
    assert_eq!(
        file_name(&file),
        "127.0.0.1-blog-a-post-image-original.jpg",
        "no scheme, no port"
    );

    // Its link that lasts is `/page/<the page's URL>`, and it answers with the image.
    let lasting = attributes(&page.text, "data-path");
    let encoded_page = page_url.replace('/', "%2F");
    assert_eq!(
        lasting.first(),
        Some(&format!("/page/{encoded_page}")),
        "{lasting:?}"
    );
    let through_us = app.get(&format!("/page/{encoded_page}?size=200")).await;
    assert_eq!(through_us.status, 200, "{}", through_us.text);
    let picture = image::load_from_memory(&through_us.bytes).expect("an image");
    assert_eq!((picture.width(), picture.height()), (200, 200));
}

#[tokio::test]
async fn the_links_that_last_lead_to_the_avatar_through_us() {
    let images = image_cdn().await;
    let api = github_with_avatar(&images).await;
    let app = app_with_github(&api);
    let page = app.page_lookup("torvalds", Some("github")).await;
    assert_eq!(page.status, 200, "{}", page.text);

    let fields = attributes(&page.text, "value");
    for field in [
        "/github/torvalds",
        "/github/torvalds?size=400",
        "![Linus Torvalds](/github/torvalds?size=400)",
        "<img src=\"/github/torvalds?size=400\" alt=\"Linus Torvalds\" width=\"400\" height=\"400\">",
        &format!("{}/avatar.png", images.uri()),
    ] {
        let escaped = field
            .replace('&', "&#38;")
            .replace('"', "&#34;")
            .replace('<', "&#60;")
            .replace('>', "&#62;");
        assert!(
            fields.iter().any(|f| *f == field || *f == escaped),
            "no field holding {field}: {fields:?}"
        );
    }
    let sized = app.get("/github/torvalds?size=400").await;
    let picture = image::load_from_memory(&sized.bytes).expect("an image");
    assert_eq!((picture.width(), picture.height()), (400, 400));
}

#[tokio::test]
async fn an_avatar_url_with_a_size_is_that_size_even_when_the_avatar_is_smaller() {
    let images = image_cdn().await;
    let api = github_with_avatar(&images).await;
    let app = app_with_github(&api);

    for (size, side) in [("1000", 1000), ("64", 64)] {
        let reply = app.get(&format!("/github/torvalds?size={size}")).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let picture = image::load_from_memory(&reply.bytes).expect("an image");
        assert_eq!(
            (picture.width(), picture.height()),
            (side, side),
            "size={size}"
        );
    }
    let too_big = app.get("/github/torvalds?size=5000").await;
    assert_eq!(too_big.status, 400, "{}", too_big.text);
}

#[tokio::test]
async fn the_home_page_teaches_by_example_and_lists_platforms_by_name() {
    let app = spawn_app(&[]);

    let home = app.get("/").await;

    assert_eq!(home.status, 200);
    let links = attributes(&home.text, "href");
    for example in [
        "/lookup?q=https%3A%2F%2Fgithub.com%2Ftorvalds",
        "/lookup?q=jack&provider=x",
        "/lookup?q=torvalds",
        "/lookup?q=beau%40dentedreality.com.au",
    ] {
        assert!(links.iter().any(|l| l == example), "{example} in {links:?}");
    }
    let picker =
        &home.text[home.text.find("<select").unwrap()..home.text.find("</select>").unwrap()];
    let names: Vec<&str> = picker
        .split("<option ")
        .skip(1)
        .map(|o| &o[o.find('>').unwrap() + 1..o.find("</option>").unwrap()])
        .collect();
    assert_eq!(names.first(), Some(&"Detect platform"));
    assert_eq!(names.last(), Some(&"Any web page"));
    let platforms = &names[1..names.len() - 1];
    assert!(
        platforms.is_sorted_by_key(|n| n.to_lowercase()),
        "{platforms:?}"
    );
    assert!(
        home.text.contains("id=\"platforms\""),
        "a list of platforms to link to"
    );
}

/// The labels of the "Download as" links, in order.
fn variants(html: &str) -> Vec<String> {
    let start = html
        .find("<p class=\"variants\">")
        .expect("downloads offered");
    let block = &html[start..start + html[start..].find("</p>").unwrap()];
    block
        .split("<a ")
        .skip(1)
        .map(|a| a[a.find('>').unwrap() + 1..a.find("</a>").unwrap()].to_owned())
        .collect()
}

/// The file name a download is saved as.
fn file_name(reply: &Reply) -> String {
    let disposition = reply.header("content-disposition").expect("a download");
    disposition
        .strip_prefix("attachment; filename=\"")
        .and_then(|d| d.strip_suffix('"'))
        .unwrap_or_else(|| panic!("{disposition}"))
        .to_owned()
}

/// `GET path` with `accept-encoding: coding`, the body as sent (not decoded).
async fn get_encoded(app: &App, path: &str, coding: &str) -> Reply {
    let client = reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .build()
        .unwrap();
    let response = client
        .get(format!("{}{path}", app.base))
        .header("accept-encoding", coding)
        .send()
        .await
        .unwrap();
    Reply::read(response).await.unwrap()
}

/// `path` asked with `accept-encoding: coding` until it comes in that coding (the first
/// asks start the compression and get the plain body meanwhile).
async fn once_encoded(app: &App, path: &str, coding: &str) -> Reply {
    for _ in 0..400 {
        let reply = get_encoded(app, path, coding).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.text);
        assert_eq!(reply.header("vary"), Some("accept-encoding"), "{path}");
        match reply.header("content-encoding") {
            Some(got) => {
                assert_eq!(got, coding, "{path}");
                return reply;
            }
            None => tokio::time::sleep(std::time::Duration::from_millis(25)).await,
        }
    }
    panic!("{path} never came as {coding}");
}

#[tokio::test]
async fn a_browser_gets_the_home_page_and_stylesheet_compressed_to_the_same_bytes() {
    use std::io::Read;

    let app = spawn_app(&[]);
    let plain = get_encoded(&app, "/", "identity").await;
    assert_eq!(plain.header("content-encoding"), None);
    assert!(plain.text.contains("id=\"platforms\""));

    let brotli = once_encoded(&app, "/", "br").await;
    let mut page = Vec::new();
    brotli::Decompressor::new(&brotli.bytes[..], 4096)
        .read_to_end(&mut page)
        .unwrap();
    assert_eq!(page, plain.bytes, "the brotli page is the page");
    assert!(
        brotli.bytes.len() * 3 < plain.bytes.len(),
        "{} bytes",
        brotli.bytes.len()
    );
    // A browser names both; brotli is the smaller.
    let both = get_encoded(&app, "/", "gzip, deflate, br, zstd").await;
    assert_eq!(both.header("content-encoding"), Some("br"));

    let css = get_encoded(&app, "/static/style.css", "identity").await;
    let gzip = once_encoded(&app, "/static/style.css", "gzip").await;
    let mut sheet = Vec::new();
    flate2::read::GzDecoder::new(&gzip.bytes[..])
        .read_to_end(&mut sheet)
        .unwrap();
    assert_eq!(sheet, css.bytes, "the gzip stylesheet is the stylesheet");
    // Each form has its own validator, and a client holding one gets a 304 for it.
    let (plain_tag, gzip_tag) = (css.header("etag").unwrap(), gzip.header("etag").unwrap());
    assert_ne!(plain_tag, gzip_tag);
    let client = reqwest::Client::builder().no_gzip().build().unwrap();
    let revalidated = client
        .get(format!("{}/static/style.css", app.base))
        .header("accept-encoding", "gzip")
        .header("if-none-match", gzip_tag)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), 304);
}
