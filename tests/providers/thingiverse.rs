use wiremock::MockServer;

use crate::support::*;

#[tokio::test]
async fn a_thingiverse_maker_gets_the_original_behind_the_resizer() {
    let upstream = upstream_serving(
        "/vitaminrad",
        "text/html; charset=utf-8",
        &fixture("thingiverse/vitaminrad.html"),
    )
    .await;
    let app = spawn_app_for("thingiverse", &upstream);

    for (q, provider) in [
        ("https://www.thingiverse.com/vitaminrad", None),
        ("https://www.thingiverse.com/vitaminrad/designs", None),
        ("vitaminrad", Some("thingiverse")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "thingiverse", "{q}");
        assert_eq!(data["id"], "vitaminrad");
        assert_eq!(data["name"], "vitaminrad");
        assert_eq!(
            data["profile_url"],
            "https://www.thingiverse.com/vitaminrad"
        );
        assert_eq!(
            image_url(&data, "avatar"),
            Some(
                "https://cdn.thingiverse.com/assets/5c/1e/9a/7f/3b/featured_preview_vitaminrad_avatar.jpg"
            )
        );
    }
}

#[tokio::test]
async fn a_thing_is_not_a_maker() {
    let upstream = MockServer::start().await;
    let app = spawn_app_for("thingiverse", &upstream);

    let reply = app
        .api_lookup(
            "https://www.thingiverse.com/thing:3495390",
            Some("thingiverse"),
        )
        .await;

    assert_failure(&reply, 400, "EINPUT");
}

#[tokio::test]
async fn a_thingiverse_maker_with_the_stock_avatar_has_no_picture() {
    let upstream = upstream_serving(
        "/quietmaker",
        "text/html; charset=utf-8",
        &fixture("thingiverse/default-avatar.html"),
    )
    .await;
    let app = spawn_app_for("thingiverse", &upstream);

    let reply = app.api_lookup("quietmaker", Some("thingiverse")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(
        &reply,
        "\"quietmaker\" on Thingiverse has no public profile picture",
    );
}

#[tokio::test]
async fn an_unknown_thingiverse_maker_is_not_found() {
    let upstream = MockServer::start().await;
    serve(
        &upstream,
        "/nobody-zz",
        404,
        "text/html",
        "<html><title>Thingiverse</title></html>",
    )
    .await;
    let app = spawn_app_for("thingiverse", &upstream);

    let reply = app.api_lookup("nobody-zz", Some("thingiverse")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
}

#[tokio::test]
async fn a_thingiverse_cloudflare_challenge_is_reported_as_blocked() {
    let upstream = MockServer::start().await;
    serve_everywhere(
        &upstream,
        403,
        "text/html; charset=UTF-8",
        &fixture("thingiverse/cloudflare-challenge.html"),
    )
    .await;
    let app = spawn_app_for("thingiverse", &upstream);

    let reply = app.api_lookup("vitaminrad", Some("thingiverse")).await;

    assert_failure(&reply, 502, "EBLOCKED");
}
