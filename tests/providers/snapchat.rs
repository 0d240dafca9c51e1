use wiremock::MockServer;

use crate::support::*;

const BOLT: &str = "https://cf-st.sc-cdn.net/aps/bolt/";

#[tokio::test]
async fn a_public_snapchat_profile_gets_its_picture_at_1080_and_its_hero_image() {
    let upstream = upstream_serving(
        "/@nasa",
        "text/html; charset=utf-8",
        &fixture("snapchat/nasa.html"),
    )
    .await;
    let app = spawn_app_for("snapchat", &upstream);

    for (q, provider) in [
        ("https://www.snapchat.com/add/nasa", None),
        ("https://www.snapchat.com/@NASA?share_id=x", None),
        (
            "https://story.snapchat.com/@nasa/spotlight/W7_EDlXWTBiXAEEniNoMPwAAYZ",
            None,
        ),
        ("@nasa", Some("snap")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "snapchat", "{q}");
        assert_eq!(data["id"], "nasa", "{q}");
        assert_eq!(data["name"], "NASA", "{q}");
        assert_eq!(data["profile_url"], "https://www.snapchat.com/@nasa");
        // Served at 90 pixels; the resizer is asked for 1080.
        assert_eq!(
            image_url(&data, "avatar"),
            Some(format!("{BOLT}aHR0cHM6Ly9jZi1zdC5zYy1jZG4ubmV0L2QvUVg2VHZkaDBHNUMzcXVidWhWaTJhP2JvPUVnMGFBQm9BTWdFRVNBSlFHV0FCJnVjPTI1._RS0,1080_FMjpeg").as_str()),
            "{q}"
        );
        assert_eq!(
            image_url(&data, "banner"),
            Some(format!("{BOLT}aHR0cHM6Ly9jZi1zdC5zYy1jZG4ubmV0L2QvalRSaVBkS2NYWmJlV0w4dXNPeWNtP2JvPUVna3lBUVJJQWxBWllBRSUzRCZ1Yz0yNQ._RS0,1080_FMjpeg").as_str()),
            "{q}"
        );
    }
}

#[tokio::test]
async fn an_ordinary_snapchat_account_gets_its_bitmoji() {
    let upstream = upstream_serving(
        "/@teamsnapchat",
        "text/html",
        &fixture("snapchat/bitmoji.html"),
    )
    .await;
    let app = spawn_app_for("snapchat", &upstream);

    let data = success(&app.api_lookup("teamsnapchat", Some("snapchat")).await);

    assert_eq!(data["name"], "Team Snapchat");
    assert_eq!(
        image_url(&data, "avatar"),
        Some("https://images.bitmoji.com/3d/avatar/201714142-99447061956_1-s5-v1.webp")
    );
    assert_eq!(image_url(&data, "banner"), None);
}

#[tokio::test]
async fn an_ordinary_snapchat_account_without_a_bitmoji_has_no_picture() {
    let upstream = upstream_serving("/@espn", "text/html", &fixture("snapchat/espn.html")).await;
    let app = spawn_app_for("snapchat", &upstream);

    let reply = app.api_lookup("espn", Some("snapchat")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "\"espn\" on Snapchat has no public profile picture");
}

#[tokio::test]
async fn an_unknown_snapchat_account_is_not_found() {
    let upstream = MockServer::start().await;
    serve(
        &upstream,
        "/@no.such.snapper.zz9",
        404,
        "text/html",
        &fixture("snapchat/not-found.html"),
    )
    .await;
    let app = spawn_app_for("snapchat", &upstream);

    let reply = app
        .api_lookup("no.such.snapper.zz9", Some("snapchat"))
        .await;

    assert_failure(&reply, 404, "ENOTFOUND");
}

#[tokio::test]
async fn snapchats_not_found_page_is_read_as_not_found_whatever_its_status() {
    let upstream = upstream_serving(
        "/@no.such.snapper.zz9",
        "text/html",
        &fixture("snapchat/not-found.html"),
    )
    .await;
    let app = spawn_app_for("snapchat", &upstream);

    let reply = app
        .api_lookup("no.such.snapper.zz9", Some("snapchat"))
        .await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "Snapchat has no profile \"no.such.snapper.zz9\".");
}
