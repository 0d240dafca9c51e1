use wiremock::MockServer;

use crate::support::*;

const ABOUT: &str = "/user/spez/about.json";

async fn reddit_answering(route: &str, status: u16, body: &str, content_type: &str) -> MockServer {
    let server = MockServer::start().await;
    serve(&server, route, status, content_type, body).await;
    server
}

const PAGE: &str = "/user/spez/";

const ICON: &str = "https://styles.redditmedia.com/t5_3k30p/styles/profileIcon_snoo0b5a8f0d-3c2b-4e6f-9a1d-7e8f9a0b1c2d-headshot.png";

/// Reddit's answer to servers since May 2026, to the page and to `about.json` alike.
const NETWORK_BLOCK: &str = "<!doctype html><html><head><title>Blocked</title></head><body>You've been blocked by network security.</body></html>";

#[tokio::test]
async fn a_reddit_user_gets_the_avatar_from_the_user_page() {
    let upstream = reddit_answering(PAGE, 200, &fixture("reddit/spez.html"), "text/html").await;
    let app = spawn_app_for("reddit", &upstream);

    let data = success(&app.api_lookup("u/spez", Some("reddit")).await);

    assert_eq!(data["provider"], "reddit");
    assert_eq!(data["strategy"], "page");
    assert_eq!(data["name"], "spez");
    assert_eq!(image_url(&data, "avatar"), Some(ICON));
}

#[tokio::test]
async fn when_the_page_is_blocked_about_json_gives_the_icon_and_banner() {
    let upstream =
        reddit_answering(ABOUT, 200, &fixture("reddit/spez.json"), "application/json").await;
    serve(&upstream, PAGE, 403, "text/html", NETWORK_BLOCK).await;
    let app = spawn_app_for("reddit", &upstream);

    let data = success(&app.api_lookup("u/spez", Some("reddit")).await);

    assert_eq!(data["provider"], "reddit");
    assert_eq!(data["strategy"], "about.json");
    assert_eq!(data["id"], "spez");
    assert_eq!(data["name"], "spez");
    assert_eq!(data["profile_url"], "https://www.reddit.com/user/spez/");
    assert_eq!(image_url(&data, "avatar"), Some(ICON));
    assert_eq!(
        image_url(&data, "banner"),
        Some("https://styles.redditmedia.com/t5_3k30p/styles/profileBanner_jt3kb2gipp761.png")
    );

    // The results page says, discreetly, that a later way found it.
    let page = app.page_lookup("u/spez", Some("reddit")).await;
    assert!(
        page.text.contains("(found via about.json)"),
        "{}",
        page.text
    );
}

#[tokio::test]
async fn reddit_user_urls_are_recognized() {
    let upstream = reddit_answering(PAGE, 200, &fixture("reddit/spez.html"), "text/html").await;
    let app = spawn_app_for("reddit", &upstream);

    for q in [
        "https://www.reddit.com/user/spez/",
        "https://old.reddit.com/u/spez/comments",
        "reddit.com/user/spez/submitted/?sort=top",
    ] {
        let data = success(&app.api_lookup(q, None).await);
        assert_eq!(data["provider"], "reddit", "{q}");
        assert_eq!(data["id"], "spez", "{q}");
    }
}

#[tokio::test]
async fn subreddits_are_not_reddit_users() {
    let app = spawn_app(&[]);

    let reply = app.api_lookup("r/rust", Some("reddit")).await;

    assert_failure(&reply, 400, "EINPUT");
    assert_says(&reply, "is not a Reddit username");
}

#[tokio::test]
async fn a_default_icon_without_a_snoovatar_is_no_picture() {
    let upstream = reddit_answering(
        "/user/quiet_reader_77/about.json",
        200,
        &fixture("reddit/default-icon.json"),
        "application/json",
    )
    .await;
    serve(&upstream, "/user/quiet_reader_77/", 500, "text/html", "").await;
    let app = spawn_app_for("reddit", &upstream);

    let reply = app.api_lookup("quiet_reader_77", Some("reddit")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(
        &reply,
        "\"quiet_reader_77\" on Reddit has no public profile picture",
    );
}

#[tokio::test]
async fn an_unknown_reddit_user_is_not_found() {
    // The user page's 404 is Reddit's last word: about.json is not asked.
    let upstream = reddit_answering(
        "/user/no_such_user_zz9/",
        404,
        "<title>reddit.com: page not found</title>",
        "text/html",
    )
    .await;
    let app = spawn_app_for("reddit", &upstream);

    let reply = app.api_lookup("no_such_user_zz9", Some("reddit")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "has no profile");
}

#[tokio::test]
async fn reddits_network_block_on_every_way_is_reported_as_blocked_and_not_cached() {
    let upstream = MockServer::start().await;
    serve_everywhere(&upstream, 403, "text/html", NETWORK_BLOCK).await;
    let app = spawn_app_for("reddit", &upstream);

    let reply = app.api_lookup("spez", Some("reddit")).await;
    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "Reddit stopped us with a refusal of our address");
    assert_says(&reply, "not a missing profile");
    let asked = upstream.received_requests().await.unwrap().len();
    assert_eq!(asked, 2, "the page and about.json");

    // A block is not an answer: the next lookup asks Reddit again.
    let again = app.api_lookup("spez", Some("reddit")).await;
    assert_failure(&again, 502, "EBLOCKED");
    assert_eq!(upstream.received_requests().await.unwrap().len(), 2 * asked);
}

#[tokio::test]
async fn a_reddit_answer_that_is_not_json_is_an_upstream_error() {
    let upstream = reddit_answering(
        ABOUT,
        200,
        "<!doctype html><html><head><title>reddit.com: over capacity</title></head><body>all of our servers are busy right now</body></html>",
        "text/html",
    )
    .await;
    serve(&upstream, PAGE, 503, "text/html", "").await;
    let app = spawn_app_for("reddit", &upstream);

    let reply = app.api_lookup("spez", Some("reddit")).await;

    assert_failure(&reply, 502, "EUPSTREAM");
    assert_says(&reply, "Reddit answered with HTTP 503");
}
