use crate::support::*;

#[tokio::test]
async fn a_github_user_gets_the_full_size_avatar_from_the_api() {
    let upstream = upstream_serving(
        "/users/torvalds",
        "application/json; charset=utf-8",
        &fixture("github/torvalds.json"),
    )
    .await;
    let app = spawn_app_for("github", &upstream);

    let data = success(&app.api_lookup("https://github.com/torvalds", None).await);

    assert_eq!(data["provider"], "github");
    assert_eq!(data["id"], "torvalds");
    assert_eq!(data["name"], "Linus Torvalds");
    assert_eq!(data["profile_url"], "https://github.com/torvalds");
    assert_eq!(
        image_url(&data, "avatar"),
        Some("https://avatars.githubusercontent.com/u/1024025?v=4")
    );
}

#[tokio::test]
async fn an_unknown_github_user_is_not_found() {
    let upstream = wiremock::MockServer::start().await;
    serve(
        &upstream,
        "/users/nobody-here",
        404,
        "application/json",
        &fixture("github/not-found.json"),
    )
    .await;
    let app = spawn_app_for("github", &upstream);

    let reply = app.api_lookup("nobody-here", Some("github")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "has no profile");
}

#[tokio::test]
async fn github_rate_limiting_is_reported_as_blocked() {
    let upstream = wiremock::MockServer::start().await;
    serve(
        &upstream,
        "/users/torvalds",
        403,
        "application/json",
        &fixture("github/rate-limited.json"),
    )
    .await;
    serve_everywhere(
        &upstream,
        403,
        "application/json",
        &fixture("github/rate-limited.json"),
    )
    .await;
    let app = spawn_app_for("github", &upstream);

    let reply = app.api_lookup("torvalds", Some("github")).await;

    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "stopped us with a refusal of our address");
}

#[tokio::test]
async fn a_malformed_github_answer_is_an_upstream_error() {
    let upstream =
        upstream_serving("/users/torvalds", "application/json", "{\"login\": \"torv").await;
    // The avatar redirect and the profile page fail too.
    serve_everywhere(&upstream, 500, "text/html", "").await;
    let app = spawn_app_for("github", &upstream);

    let reply = app.api_lookup("torvalds", Some("github")).await;

    assert_failure(&reply, 502, "EUPSTREAM");
    assert_says(&reply, "not the JSON we expected");
}
