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

/// A GitHub API whose commit search answers `author-email:{email}` with `fixture_name`.
async fn commit_search_answering(email: &str, fixture_name: &str) -> wiremock::MockServer {
    use wiremock::matchers::{method, path, query_param};
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(method("GET"))
        .and(path("/search/commits"))
        .and(query_param("q", format!("author-email:{email}").as_str()))
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .set_body_raw(fixture(fixture_name), "application/json; charset=utf-8"),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn an_email_with_github_picked_gets_the_account_most_of_its_commits_are_linked_to() {
    let upstream =
        commit_search_answering("jane+git@example.org", "github/commits-by-email.json").await;
    let app = spawn_app_for("github", &upstream);

    let data = success(
        &app.api_lookup(" Jane+Git@Example.org ", Some("github"))
            .await,
    );

    assert_eq!(data["provider"], "github");
    assert_eq!(data["id"], "jane+git@example.org");
    // Three of the four linked commits are janedoe's; one is jd-work's, one is linked to none.
    assert_eq!(data["name"], "janedoe");
    assert_eq!(data["profile_url"], "https://github.com/janedoe");
    assert_eq!(
        image_url(&data, "avatar"),
        Some("https://avatars.githubusercontent.com/u/5550001?v=4")
    );
}

#[tokio::test]
async fn an_email_no_public_commit_is_linked_by_is_not_found() {
    let upstream = commit_search_answering("nobody@example.org", "github/no-commits.json").await;
    let app = spawn_app_for("github", &upstream);

    let reply = app.api_lookup("nobody@example.org", Some("github")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "GitHub has no profile \"nobody@example.org\".");
}

#[tokio::test]
async fn an_email_without_a_platform_is_still_a_gravatar() {
    let upstream = wiremock::MockServer::start().await;
    let app = spawn_app_for("github", &upstream);

    let reply = app.api_lookup("jane@example.org", None).await;

    // An address alone is Gravatar's (sent to the discard port here); GitHub is never asked.
    assert_ne!(reply.json()["data"]["provider"], "github");
    assert!(
        upstream
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}
