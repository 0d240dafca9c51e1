use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const AVATAR_600: &str = "https://static-cdn.jtvnw.net/jtv_user_pictures/90d40495-f467-4911-9035-72d8d10a49c5-profile_image-600x600.png";
const BANNER: &str = "https://static-cdn.jtvnw.net/jtv_user_pictures/5c5b1c0b-a2c6-4c6e-b5cd-52bf8b6a9a2c-profile_banner-480.png";

/// Twitch's GraphQL endpoint, answering the user query for `login` with `fixture_name`.
async fn gql_answering(login: &str, status: u16, fixture_name: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/gql"))
        .and(header("client-id", "kimne78kx3ncx6brgo4mv6wki5h1ko"))
        .and(body_partial_json(
            serde_json::json!({ "variables": { "login": login } }),
        ))
        .respond_with(
            ResponseTemplate::new(status).set_body_raw(fixture(fixture_name), "application/json"),
        )
        .mount(&server)
        .await;
    // The channel page, asked next when the API fails, answers the same.
    serve_everywhere(&server, status, "application/json", &fixture(fixture_name)).await;
    server
}

#[tokio::test]
async fn a_twitch_channel_gets_the_600px_picture_and_the_banner() {
    let upstream = gql_answering("ninja", 200, "twitch/ninja.json").await;
    let app = spawn_app_for("twitch", &upstream);

    let data = success(&app.api_lookup("Ninja", Some("twitch")).await);

    assert_eq!(data["provider"], "twitch");
    assert_eq!(data["id"], "ninja");
    assert_eq!(data["name"], "Ninja");
    assert_eq!(data["profile_url"], "https://www.twitch.tv/ninja");
    assert_eq!(image_url(&data, "avatar"), Some(AVATAR_600));
    assert_eq!(image_url(&data, "banner"), Some(BANNER));
}

#[tokio::test]
async fn twitch_channel_urls_are_recognized() {
    let upstream = gql_answering("ninja", 200, "twitch/ninja.json").await;
    let app = spawn_app_for("twitch", &upstream);

    for q in [
        "https://www.twitch.tv/ninja",
        "twitch.tv/ninja/videos",
        "https://m.twitch.tv/ninja",
    ] {
        let data = success(&app.api_lookup(q, None).await);
        assert_eq!(data["provider"], "twitch", "{q}");
        assert_eq!(data["id"], "ninja", "{q}");
    }
}

#[tokio::test]
async fn an_unknown_twitch_channel_is_not_found() {
    let upstream = gql_answering("nobodyhere", 200, "twitch/unknown.json").await;
    let app = spawn_app_for("twitch", &upstream);

    let reply = app.api_lookup("nobodyhere", Some("twitch")).await;
    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "Twitch has no profile \"nobodyhere\".");
}

#[tokio::test]
async fn a_twitch_integrity_refusal_is_reported_as_blocked() {
    let upstream = gql_answering("ninja", 200, "twitch/integrity.json").await;
    let app = spawn_app_for("twitch", &upstream);

    let reply = app.api_lookup("ninja", Some("twitch")).await;
    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "Twitch stopped us with an integrity check");
}

#[tokio::test]
async fn twitch_rate_limiting_is_reported_as_blocked() {
    let upstream = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/gql"))
        .respond_with(ResponseTemplate::new(429).set_body_string("Too Many Requests"))
        .mount(&upstream)
        .await;
    serve_everywhere(&upstream, 429, "text/plain", "Too Many Requests").await;
    let app = spawn_app_for("twitch", &upstream);

    let reply = app.api_lookup("ninja", Some("twitch")).await;
    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "stopped us with a rate limit");
}

#[tokio::test]
async fn a_malformed_twitch_answer_is_an_upstream_error() {
    let upstream = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/gql"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("{\"data\": {\"user\": ", "application/json"),
        )
        .mount(&upstream)
        .await;
    // The channel page, asked next, fails too.
    serve_everywhere(&upstream, 500, "text/html", "").await;
    let app = spawn_app_for("twitch", &upstream);

    let reply = app.api_lookup("ninja", Some("twitch")).await;
    assert_failure(&reply, 502, "EUPSTREAM");
    assert_says(&reply, "not the JSON we expected");
}
