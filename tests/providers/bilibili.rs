use crate::support::*;

#[tokio::test]
async fn a_bilibili_user_gets_the_picture_over_https() {
    let upstream = upstream_serving(
        "/x/web-interface/card",
        "application/json",
        &fixture("bilibili/bishi.json"),
    )
    .await;
    let app = spawn_app_for("bilibili", &upstream);

    for (q, provider) in [
        ("https://space.bilibili.com/1", None),
        ("https://m.bilibili.com/space/1", None),
        ("1", Some("bilibili")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "bilibili", "{q}");
        assert_eq!(data["id"], "1");
        assert_eq!(data["name"], "bishi");
        assert_eq!(data["profile_url"], "https://space.bilibili.com/1");
        assert_eq!(
            image_url(&data, "avatar"),
            Some("https://i1.hdslb.com/bfs/face/34c5b30a990c7ce4a809626d8153fa7895ec7b63.gif")
        );
    }
}

#[tokio::test]
async fn an_unknown_bilibili_user_is_not_found() {
    let upstream = upstream_serving(
        "/x/web-interface/card",
        "application/json",
        &fixture("bilibili/not-found.json"),
    )
    .await;
    let app = spawn_app_for("bilibili", &upstream);

    let reply = app.api_lookup("999999999999", Some("bilibili")).await;
    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "Bilibili has no profile \"999999999999\".");
}

#[tokio::test]
async fn bilibilis_risk_control_is_reported_as_blocked() {
    // The space page is behind the same wall, and answers it the same.
    let upstream = wiremock::MockServer::start().await;
    serve_everywhere(
        &upstream,
        200,
        "application/json",
        &fixture("bilibili/intercepted.json"),
    )
    .await;
    let app = spawn_app_for("bilibili", &upstream);

    let reply = app.api_lookup("1", Some("bilibili")).await;
    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "stopped us with its risk control");
}
