use crate::support::*;

#[tokio::test]
async fn a_lastfm_user_gets_the_avatar_as_uploaded() {
    let upstream = upstream_serving(
        "/user/rj",
        "text/html; charset=utf-8",
        &fixture("lastfm/rj.html"),
    )
    .await;
    let app = spawn_app_for("lastfm", &upstream);

    for (q, provider) in [
        ("https://www.last.fm/user/rj", None),
        ("https://www.last.fm/user/rj/library", None),
        ("rj", Some("last.fm")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "lastfm", "{q}");
        assert_eq!(data["id"], "rj");
        assert_eq!(data["name"], "Richard Jones");
        assert_eq!(data["profile_url"], "https://www.last.fm/user/rj");
        // The header shows `avatar170s`; `ar0` is the upload.
        assert_eq!(
            image_url(&data, "avatar"),
            Some("https://lastfm.freetls.fastly.net/i/u/ar0/3c7d1e2f8a9b40c5d6e7f8091a2b3c4d.jpg")
        );
    }
}

#[tokio::test]
async fn a_lastfm_user_with_the_stock_silhouette_has_no_picture() {
    let upstream = upstream_serving(
        "/user/quietlistener",
        "text/html; charset=utf-8",
        &fixture("lastfm/no-avatar.html"),
    )
    .await;
    let app = spawn_app_for("lastfm", &upstream);

    let reply = app.api_lookup("quietlistener", Some("lastfm")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(
        &reply,
        "\"quietlistener\" on Last.fm has no public profile picture",
    );
}

#[tokio::test]
async fn an_unknown_lastfm_user_is_not_found() {
    let upstream = wiremock::MockServer::start().await;
    serve(
        &upstream,
        "/user/nobody-zz",
        404,
        "text/html; charset=utf-8",
        &fixture("lastfm/not-found.html"),
    )
    .await;
    let app = spawn_app_for("lastfm", &upstream);

    let reply = app
        .api_lookup("https://www.last.fm/user/nobody-zz", None)
        .await;

    assert_failure(&reply, 404, "ENOTFOUND");
}
