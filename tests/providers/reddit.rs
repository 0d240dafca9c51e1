use wiremock::MockServer;

use crate::support::*;

const ABOUT: &str = "/user/spez/about.json";

async fn reddit_answering(route: &str, status: u16, body: &str, content_type: &str) -> MockServer {
    let server = MockServer::start().await;
    serve(&server, route, status, content_type, body).await;
    server
}

#[tokio::test]
async fn a_reddit_user_gets_the_original_icon_and_banner() {
    let upstream =
        reddit_answering(ABOUT, 200, &fixture("reddit/spez.json"), "application/json").await;
    let app = spawn_app_for("reddit", &upstream);

    let data = success(&app.api_lookup("u/spez", Some("reddit")).await);

    assert_eq!(data["provider"], "reddit");
    assert_eq!(data["id"], "spez");
    assert_eq!(data["name"], "spez");
    assert_eq!(data["profile_url"], "https://www.reddit.com/user/spez/");
    assert_eq!(
        image_url(&data, "avatar"),
        Some(
            "https://styles.redditmedia.com/t5_3k30p/styles/profileIcon_snoo0b5a8f0d-3c2b-4e6f-9a1d-7e8f9a0b1c2d-headshot.png"
        )
    );
    assert_eq!(
        image_url(&data, "banner"),
        Some("https://styles.redditmedia.com/t5_3k30p/styles/profileBanner_jt3kb2gipp761.png")
    );
}

#[tokio::test]
async fn reddit_user_urls_are_recognized() {
    let upstream =
        reddit_answering(ABOUT, 200, &fixture("reddit/spez.json"), "application/json").await;
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
    let app = spawn_app_for("reddit", &upstream);

    let reply = app.api_lookup("quiet_reader_77", Some("reddit")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "u/quiet_reader_77 has no public profile picture");
}

#[tokio::test]
async fn an_unknown_reddit_user_is_not_found() {
    let upstream = reddit_answering(
        "/user/no_such_user_zz9/about.json",
        404,
        &fixture("reddit/not-found.json"),
        "application/json",
    )
    .await;
    let app = spawn_app_for("reddit", &upstream);

    let reply = app.api_lookup("no_such_user_zz9", Some("reddit")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "There is no profile at");
}

#[tokio::test]
async fn reddits_network_block_is_reported_as_blocked() {
    let upstream = reddit_answering(
        ABOUT,
        403,
        "<!doctype html><html><head><title>Blocked</title></head><body>You've been blocked by network security.</body></html>",
        "text/html",
    )
    .await;
    let app = spawn_app_for("reddit", &upstream);

    let reply = app.api_lookup("spez", Some("reddit")).await;

    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "refused the request (HTTP 403)");
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
    let app = spawn_app_for("reddit", &upstream);

    let reply = app.api_lookup("spez", Some("reddit")).await;

    assert_failure(&reply, 502, "EUPSTREAM");
    assert_says(&reply, "not the JSON we expected");
}
