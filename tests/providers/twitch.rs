use crate::harness::*;

const AVATAR_600: &str = "https://static-cdn.jtvnw.net/jtv_user_pictures/90d40495-f467-4911-9035-72d8d10a49c5-profile_image-600x600.png";

#[tokio::test]
async fn a_twitch_channel_gets_the_600px_profile_picture() {
    let upstream = upstream_serving(
        "/ninja",
        "text/html; charset=utf-8",
        &fixture("twitch/ninja.html"),
    )
    .await;
    let app = spawn_app_for("twitch", &upstream);

    let data = success(&app.api_lookup("Ninja", Some("twitch")).await);

    assert_eq!(data["provider"], "twitch");
    assert_eq!(data["id"], "ninja");
    assert_eq!(data["name"], "Ninja");
    assert_eq!(data["profile_url"], "https://www.twitch.tv/ninja");
    assert_eq!(image_url(&data, "avatar"), Some(AVATAR_600));
    // The live preview in the JSON-LD is not a banner.
    assert_eq!(image_url(&data, "banner"), None);
}

#[tokio::test]
async fn twitch_channel_urls_are_recognized() {
    let upstream = upstream_serving(
        "/ninja",
        "text/html; charset=utf-8",
        &fixture("twitch/ninja.html"),
    )
    .await;
    let app = spawn_app_for("twitch", &upstream);

    for q in [
        "https://www.twitch.tv/ninja",
        "twitch.tv/ninja/videos",
        "https://m.twitch.tv/ninja",
    ] {
        let data = success(&app.api_lookup(q, None).await);
        assert_eq!(data["provider"], "twitch", "{q}");
        assert_eq!(data["id"], "ninja", "{q}");
        assert_eq!(image_url(&data, "avatar"), Some(AVATAR_600), "{q}");
    }
}

#[tokio::test]
async fn an_unknown_twitch_channel_is_not_found() {
    let upstream = upstream_serving(
        "/no_such_channel_zz9",
        "text/html",
        &fixture("twitch/unknown-channel.html"),
    )
    .await;
    let app = spawn_app_for("twitch", &upstream);

    let reply = app.api_lookup("no_such_channel_zz9", Some("twitch")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
}

#[tokio::test]
async fn twitch_rate_limiting_is_reported_as_blocked() {
    let upstream = wiremock::MockServer::start().await;
    serve(&upstream, "/ninja", 429, "text/plain", "Too Many Requests").await;
    let app = spawn_app_for("twitch", &upstream);

    let reply = app.api_lookup("ninja", Some("twitch")).await;

    assert_failure(&reply, 502, "EBLOCKED");
}

#[tokio::test]
async fn a_twitch_page_without_any_image_is_not_found() {
    let upstream = upstream_serving(
        "/ninja",
        "text/html",
        "<!DOCTYPE html><html><head><title>Ninja - Twitch</title></head><body><div id=\"root\"></div></body></html>",
    )
    .await;
    let app = spawn_app_for("twitch", &upstream);

    let reply = app.api_lookup("ninja", Some("twitch")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
}
