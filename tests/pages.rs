//! The HTML pages as a visitor reads them: the form keeps what was asked (text and
//! platform) on results and error pages, the JSON link asks the same thing, error titles
//! agree with their messages, no two downloads of an image share a file name, an avatar
//! URL with a size is that size, and the home page teaches by example.

mod support;

use std::collections::HashSet;

use serde_json::{Value, json};
use support::*;
use wiremock::MockServer;

/// A GitHub API answering for `torvalds`, whose avatar `images` serves, and 404 for
/// `nobody`.
async fn github_with_avatar(images: &MockServer) -> MockServer {
    let mut user: Value = serde_json::from_str(&fixture("github/torvalds.json")).unwrap();
    user["avatar_url"] = json!(format!("{}/avatar.png", images.uri()));
    let api = upstream_serving("/users/torvalds", "application/json", &user.to_string()).await;
    serve(
        &api,
        "/users/nobody",
        404,
        "application/json",
        &fixture("github/not-found.json"),
    )
    .await;
    api
}

/// The app with GitHub played by `api` and loopback image hosts allowed.
fn app_with_github(api: &MockServer) -> App {
    let upstream = api.uri();
    spawn_app(&[
        ("GETIMAGES_UPSTREAM_GITHUB", upstream.as_str()),
        ("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1"),
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
async fn no_two_downloads_of_an_image_share_a_file_name() {
    let images = image_cdn().await;
    let api = github_with_avatar(&images).await;
    let app = app_with_github(&api);
    let page = app.page_lookup("torvalds", Some("github")).await;
    assert_eq!(page.status, 200, "{}", page.text);

    let downloads: Vec<String> = attributes(&page.text, "href")
        .into_iter()
        .filter(|href| href.contains("download=1"))
        .collect();
    assert_eq!(
        downloads.len(),
        6,
        "original and five variants: {downloads:?}"
    );
    let mut names = HashSet::new();
    for link in &downloads {
        let file = app.get(link).await;
        assert_eq!(file.status, 200, "{link}: {}", file.text);
        let disposition = file.header("content-disposition").unwrap().to_owned();
        assert!(names.insert(disposition.clone()), "{disposition} twice");
    }
    for name in [
        "github-torvalds-avatar-original.png",
        "github-torvalds-avatar.png",
        "github-torvalds-avatar.jpg",
        "github-torvalds-avatar-400x400.jpg",
        "github-torvalds-avatar-128x128.png",
    ] {
        assert!(
            names.contains(&format!("attachment; filename=\"{name}\"")),
            "{name} in {names:?}"
        );
    }
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
