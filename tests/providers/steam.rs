use wiremock::MockServer;

use crate::support::*;

const AVATAR_FULL: &str =
    "https://avatars.fastly.steamstatic.com/c5d56249ee5d28a07db4ac9f7f60af961fab5426_full.jpg";
const BACKGROUND: &str = "https://cdn.fastly.steamstatic.com/steamcommunity/public/images/items/1263950/e4c7ebac84bc9e4f3fa4dd7ed62c00a64d1ad1b4.jpg";

#[tokio::test]
async fn a_steam_profile_gets_the_full_avatar_not_its_frame_and_the_background() {
    let upstream = upstream_serving(
        "/id/gabelogannewell",
        "text/html; charset=UTF-8",
        &fixture("steam/gabelogannewell.html"),
    )
    .await;
    let app = spawn_app_for("steam", &upstream);

    let data = success(&app.api_lookup("gabelogannewell", Some("steam")).await);

    assert_eq!(data["provider"], "steam");
    assert_eq!(data["id"], "gabelogannewell");
    assert_eq!(data["name"], "Rabscuttle");
    assert_eq!(
        data["profile_url"],
        "https://steamcommunity.com/id/gabelogannewell"
    );
    assert_eq!(image_url(&data, "avatar"), Some(AVATAR_FULL));
    assert_eq!(image_url(&data, "banner"), Some(BACKGROUND));
}

#[tokio::test]
async fn steam_custom_and_numeric_profile_urls_are_recognized() {
    let upstream = MockServer::start().await;
    for route in ["/id/gabelogannewell", "/profiles/76561197960287930"] {
        serve(
            &upstream,
            route,
            200,
            "text/html",
            &fixture("steam/gabelogannewell.html"),
        )
        .await;
    }
    let app = spawn_app_for("steam", &upstream);

    for (q, id) in [
        (
            "https://steamcommunity.com/id/gabelogannewell/",
            "gabelogannewell",
        ),
        (
            "steamcommunity.com/id/gabelogannewell/games/?tab=all",
            "gabelogannewell",
        ),
        (
            "https://steamcommunity.com/profiles/76561197960287930",
            "76561197960287930",
        ),
    ] {
        let data = success(&app.api_lookup(q, None).await);
        assert_eq!(data["provider"], "steam", "{q}");
        assert_eq!(data["id"], id, "{q}");
        assert_eq!(image_url(&data, "avatar"), Some(AVATAR_FULL), "{q}");
    }
}

#[tokio::test]
async fn a_medium_avatar_is_upgraded_and_no_background_means_no_banner() {
    let upstream = upstream_serving(
        "/profiles/76561198022715043",
        "text/html",
        &fixture("steam/medium-only.html"),
    )
    .await;
    let app = spawn_app_for("steam", &upstream);

    let data = success(&app.api_lookup("76561198022715043", Some("steam")).await);

    assert_eq!(data["name"], "tinker");
    assert_eq!(
        data["profile_url"],
        "https://steamcommunity.com/profiles/76561198022715043"
    );
    assert_eq!(
        image_url(&data, "avatar"),
        Some(
            "https://avatars.akamai.steamstatic.com/3c1ee5e9e0d5a1f2b7a8c4d6e8f0a2b4c6d8e0f2_full.jpg"
        )
    );
    assert_eq!(image_url(&data, "banner"), None);
}

#[tokio::test]
async fn steams_profile_not_found_page_is_not_found_despite_its_share_image() {
    let upstream = upstream_serving(
        "/id/no-such-profile-zz9",
        "text/html",
        &fixture("steam/error.html"),
    )
    .await;
    let app = spawn_app_for("steam", &upstream);

    let reply = app.api_lookup("no-such-profile-zz9", Some("steam")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "Steam has no profile \"no-such-profile-zz9\".");
}

#[tokio::test]
async fn steam_rate_limiting_is_reported_as_blocked() {
    let upstream = MockServer::start().await;
    serve(
        &upstream,
        "/id/gabelogannewell",
        429,
        "text/html",
        "<html><body>Too Many Requests</body></html>",
    )
    .await;
    serve_everywhere(
        &upstream,
        429,
        "text/html",
        "<html><body>Too Many Requests</body></html>",
    )
    .await;
    let app = spawn_app_for("steam", &upstream);

    let reply = app.api_lookup("gabelogannewell", Some("steam")).await;

    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "stopped us with a rate limit");
}

#[tokio::test]
async fn a_steam_page_without_any_avatar_is_not_found() {
    let upstream = upstream_serving(
        "/id/gabelogannewell",
        "text/html",
        "<html><head><title>Steam Community :: Rabscuttle</title></head><body><div class=\"profile_page\"><span class=\"actual_persona_name\">Rabscuttle</span></div></body></html>",
    )
    .await;
    let app = spawn_app_for("steam", &upstream);

    let reply = app.api_lookup("gabelogannewell", Some("steam")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(
        &reply,
        "\"gabelogannewell\" on Steam has no public profile picture",
    );
}
