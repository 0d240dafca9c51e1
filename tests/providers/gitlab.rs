use wiremock::MockServer;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::support::*;

/// A GitLab whose user search answers `username` with `status` and `body`.
async fn gitlab_answering(
    username: &str,
    status: u16,
    content_type: &str,
    body: &str,
) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/users"))
        .and(query_param("username", username))
        .respond_with(
            ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), content_type),
        )
        .mount(&server)
        .await;
    // The profile page, asked next when the API fails, answers the same.
    serve_everywhere(&server, status, content_type, body).await;
    server
}

#[tokio::test]
async fn a_gitlab_user_gets_the_uploaded_avatar_as_stored() {
    let upstream = gitlab_answering(
        "sytses",
        200,
        "application/json",
        &fixture("gitlab/sytses.json"),
    )
    .await;
    let app = spawn_app_for("gitlab", &upstream);

    for (q, provider) in [
        ("https://gitlab.com/sytses", None),
        ("gitlab.com/sytses/some-project", None),
        ("@sytses", Some("gitlab")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "gitlab", "{q}");
        assert_eq!(data["id"], "sytses");
        assert_eq!(data["name"], "Sid Sijbrandij");
        assert_eq!(data["profile_url"], "https://gitlab.com/sytses");
        assert_eq!(
            image_url(&data, "avatar"),
            Some("https://gitlab.com/uploads/-/system/user/avatar/5/avatar.png")
        );
    }
}

#[tokio::test]
async fn a_gitlab_user_without_an_upload_gets_the_2048px_gravatar() {
    let upstream = gitlab_answering(
        "jdoe-dev",
        200,
        "application/json",
        &fixture("gitlab/gravatar-user.json"),
    )
    .await;
    let app = spawn_app_for("gitlab", &upstream);

    let data = success(&app.api_lookup("jdoe-dev", Some("gitlab")).await);

    assert_eq!(data["name"], "Jane Doe");
    assert_eq!(
        image_url(&data, "avatar"),
        Some(
            "https://secure.gravatar.com/avatar/0b3c2a61d1a4b4f8e6f2d0c6e5a9f3b1b7c3e2d8a4f6e1c9b2d5a7f3e8c1b4d6?s=2048&d=identicon"
        )
    );
}

#[tokio::test]
async fn gitlab_pages_that_are_not_profiles_are_not_taken_for_users() {
    let upstream = MockServer::start().await;
    let app = spawn_app_for("gitlab", &upstream);

    for q in [
        "https://gitlab.com/explore/projects",
        "https://gitlab.com/users/sign_in",
    ] {
        let reply = app.api_lookup(q, Some("gitlab")).await;
        assert_failure(&reply, 400, "EINPUT");
        assert_says(&reply, "is not a GitLab username");
    }
}

#[tokio::test]
async fn an_unknown_gitlab_user_is_not_found() {
    let upstream = gitlab_answering(
        "nobody-here",
        200,
        "application/json",
        &fixture("gitlab/not-found.json"),
    )
    .await;
    let app = spawn_app_for("gitlab", &upstream);

    let reply = app.api_lookup("https://gitlab.com/nobody-here", None).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(
        &reply,
        "\"nobody-here\" on GitLab has no public profile picture",
    );
}

#[tokio::test]
async fn gitlab_rate_limiting_is_reported_as_blocked() {
    let upstream = gitlab_answering(
        "sytses",
        429,
        "text/plain",
        &fixture("gitlab/rate-limited.txt"),
    )
    .await;
    let app = spawn_app_for("gitlab", &upstream);

    let reply = app.api_lookup("sytses", Some("gitlab")).await;

    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "stopped us with a rate limit");
}

#[tokio::test]
async fn a_gitlab_bot_challenge_is_reported_as_blocked() {
    // Cloudflare's challenge comes with 403, or 200 once it has let a first request through.
    for (status, says) in [
        (403, "stopped us with a refusal of our address"),
        (200, "stopped us with"),
    ] {
        let upstream = gitlab_answering(
            "sytses",
            status,
            "text/html; charset=UTF-8",
            &fixture("gitlab/cloudflare-challenge.html"),
        )
        .await;
        let app = spawn_app_for("gitlab", &upstream);

        let reply = app.api_lookup("sytses", Some("gitlab")).await;

        assert_failure(&reply, 502, "EBLOCKED");
        assert_says(&reply, says);
    }
}

#[tokio::test]
async fn a_malformed_gitlab_answer_is_an_upstream_error() {
    for (body, says) in [
        (
            r#"[{"id":5,"username":"sytses","name":"Sid"#,
            "not the JSON we expected",
        ),
        (
            r#"{"message":"500 Internal Server Error"}"#,
            "not the list of users we expected",
        ),
    ] {
        let upstream = gitlab_answering("sytses", 200, "application/json", body).await;
        let app = spawn_app_for("gitlab", &upstream);

        let reply = app.api_lookup("sytses", Some("gitlab")).await;

        assert_failure(&reply, 502, "EUPSTREAM");
        assert_says(&reply, says);
    }
}
