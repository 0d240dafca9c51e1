use crate::support::*;

#[tokio::test]
async fn a_pixelfed_account_gets_its_profile_pages_picture() {
    let upstream = upstream_serving(
        "/dansup",
        "text/html; charset=utf-8",
        &fixture("pixelfed/dansup.html"),
    )
    .await;
    let app = spawn_app_for("pixelfed", &upstream);

    for (q, provider) in [
        ("https://pixelfed.social/dansup", None),
        ("@dansup@pixelfed.social", Some("pixelfed")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "pixelfed", "{q}");
        assert_eq!(data["id"], "dansup@pixelfed.social");
        assert_eq!(data["name"], "dansup");
        assert_eq!(data["profile_url"], "https://pixelfed.social/dansup");
        assert_eq!(
            image_url(&data, "avatar"),
            Some("https://pxscdn.com/cache/avatars/hand-written/avatar_abc123.jpg?v=4")
        );
    }
}

#[tokio::test]
async fn pixelfeds_default_avatar_is_no_picture() {
    let upstream = upstream_serving(
        "/quietone",
        "text/html; charset=utf-8",
        &fixture("pixelfed/default-avatar.html"),
    )
    .await;
    let app = spawn_app_for("pixelfed", &upstream);

    let reply = app
        .api_lookup("quietone@pixelfed.social", Some("pixelfed"))
        .await;
    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "has no public profile picture");
}

#[tokio::test]
async fn an_unknown_pixelfed_account_is_not_found() {
    let server = wiremock::MockServer::start().await;
    serve(
        &server,
        "/ghost",
        404,
        "text/html",
        "<html><head><title>Not Found</title></head><body>404</body></html>",
    )
    .await;
    let app = spawn_app_for("pixelfed", &server);

    let reply = app
        .api_lookup("ghost@pixelfed.social", Some("pixelfed"))
        .await;
    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "has no profile");
}
