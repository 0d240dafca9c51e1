use crate::support::*;

#[tokio::test]
async fn a_codeberg_account_gets_its_avatar() {
    let upstream = upstream_serving(
        "/api/v1/users/forgejo",
        "application/json",
        &fixture("codeberg/forgejo.json"),
    )
    .await;
    let app = spawn_app_for("codeberg", &upstream);

    for (q, provider) in [
        ("https://codeberg.org/forgejo", None),
        ("https://codeberg.org/forgejo/forgejo/pulls", None),
        ("forgejo", Some("codeberg")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "codeberg", "{q}");
        assert_eq!(data["id"], "forgejo");
        assert_eq!(data["name"], "Forgejo");
        assert_eq!(data["profile_url"], "https://codeberg.org/forgejo");
        assert_eq!(
            image_url(&data, "avatar"),
            Some(
                "https://codeberg.org/avatars/4a8a8b3f0f5b5e1f9c6a2d7e3b1c9d0e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c"
            )
        );
    }
}

#[tokio::test]
async fn an_unknown_codeberg_account_is_not_found() {
    let server = wiremock::MockServer::start().await;
    serve(
        &server,
        "/api/v1/users/ghost-of-nobody",
        404,
        "application/json",
        &fixture("codeberg/not-found.json"),
    )
    .await;
    let app = spawn_app_for("codeberg", &server);

    let reply = app.api_lookup("ghost-of-nobody", Some("codeberg")).await;
    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "has no profile");
}
