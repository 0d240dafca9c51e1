use crate::support::*;

#[tokio::test]
async fn an_account_on_a_gitea_server_gets_its_avatar() {
    let upstream = upstream_serving(
        "/api/v1/users/gitea",
        "application/json",
        &fixture("gitea/gitea.json"),
    )
    .await;
    let app = spawn_app_for("gitea", &upstream);

    for (q, provider) in [
        ("https://gitea.com/gitea/tea", None),
        ("gitea@gitea.com", Some("gitea")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "gitea", "{q}");
        assert_eq!(data["id"], "gitea@gitea.com");
        assert_eq!(data["name"], "Gitea");
        assert_eq!(data["profile_url"], "https://gitea.com/gitea");
        assert_eq!(
            image_url(&data, "avatar"),
            Some("https://gitea.com/avatars/hand-written-0a1b2c3d4e5f")
        );
    }
}

#[tokio::test]
async fn any_server_is_asked_by_its_handle() {
    let upstream = upstream_serving(
        "/api/v1/users/gitea",
        "application/json",
        &fixture("gitea/gitea.json"),
    )
    .await;
    let app = spawn_app_for("gitea", &upstream);

    let data = success(
        &app.api_lookup("@gitea@git.example.org", Some("forgejo-host"))
            .await,
    );
    assert_eq!(data["id"], "gitea@git.example.org");
}

#[tokio::test]
async fn an_unknown_account_is_not_found() {
    let server = wiremock::MockServer::start().await;
    serve(
        &server,
        "/api/v1/users/ghost-of-nobody",
        404,
        "application/json",
        &fixture("codeberg/not-found.json"),
    )
    .await;
    let app = spawn_app_for("gitea", &server);

    let reply = app
        .api_lookup("ghost-of-nobody@gitea.com", Some("gitea"))
        .await;
    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "has no profile");
}
