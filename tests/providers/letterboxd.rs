use crate::support::*;

#[tokio::test]
async fn a_letterboxd_member_gets_the_1000px_avatar() {
    let upstream = upstream_serving(
        "/dave/",
        "text/html; charset=utf-8",
        &fixture("letterboxd/dave.html"),
    )
    .await;
    let app = spawn_app_for("letterboxd", &upstream);

    for (q, provider) in [
        ("https://letterboxd.com/dave/", None),
        ("https://letterboxd.com/dave/films/diary/", None),
        ("Dave", Some("letterboxd")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "letterboxd", "{q}");
        assert_eq!(data["id"], "dave");
        assert_eq!(data["name"], "Dave Vis");
        assert_eq!(data["profile_url"], "https://letterboxd.com/dave/");
        // The header shows the 220 px crop.
        assert_eq!(
            image_url(&data, "avatar"),
            Some(
                "https://a.ltrbxd.com/resized/avatar/upload/1/0/2/9/shard/avtr-0-1000-0-1000-crop.jpg?v=9c1b3e0f2a"
            )
        );
    }
}

#[tokio::test]
async fn letterboxds_own_pages_are_not_members() {
    let upstream = wiremock::MockServer::start().await;
    let app = spawn_app_for("letterboxd", &upstream);

    let reply = app
        .api_lookup("https://letterboxd.com/films/popular/", Some("letterboxd"))
        .await;

    assert_failure(&reply, 400, "EINPUT");
}

#[tokio::test]
async fn a_letterboxd_member_with_the_stock_avatar_has_no_picture() {
    let upstream = upstream_serving(
        "/quietviewer/",
        "text/html; charset=utf-8",
        &fixture("letterboxd/default-avatar.html"),
    )
    .await;
    let app = spawn_app_for("letterboxd", &upstream);

    let reply = app.api_lookup("quietviewer", Some("letterboxd")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(
        &reply,
        "\"quietviewer\" on Letterboxd has no public profile picture",
    );
}

#[tokio::test]
async fn an_unknown_letterboxd_member_is_not_found() {
    let upstream = wiremock::MockServer::start().await;
    serve(
        &upstream,
        "/nobody_zz/",
        404,
        "text/html; charset=utf-8",
        &fixture("letterboxd/not-found.html"),
    )
    .await;
    let app = spawn_app_for("letterboxd", &upstream);

    let reply = app.api_lookup("nobody_zz", Some("letterboxd")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
}

#[tokio::test]
async fn a_letterboxd_cloudflare_challenge_is_reported_as_blocked() {
    let upstream = wiremock::MockServer::start().await;
    serve_everywhere(
        &upstream,
        403,
        "text/html; charset=UTF-8",
        &fixture("letterboxd/cloudflare-challenge.html"),
    )
    .await;
    let app = spawn_app_for("letterboxd", &upstream);

    let reply = app.api_lookup("dave", Some("letterboxd")).await;

    assert_failure(&reply, 502, "EBLOCKED");
}
