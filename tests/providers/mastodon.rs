use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

async fn instance_answering(acct: &str, status: u16, fixture_name: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/accounts/lookup"))
        .and(query_param("acct", acct))
        .respond_with(
            ResponseTemplate::new(status).set_body_raw(fixture(fixture_name), "application/json"),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_mastodon_handle_gets_avatar_and_header() {
    let upstream = instance_answering("Gargron", 200, "mastodon/gargron.json").await;
    let app = spawn_app_for("mastodon", &upstream);

    for q in [
        "@Gargron@mastodon.social",
        "https://mastodon.social/@Gargron",
    ] {
        let data = success(&app.api_lookup(q, None).await);
        assert_eq!(data["provider"], "mastodon");
        assert_eq!(data["id"], "Gargron@mastodon.social");
        assert_eq!(data["name"], "Eugen Rochko");
        assert_eq!(
            image_url(&data, "avatar"),
            Some(
                "https://files.mastodon.social/accounts/avatars/000/000/001/original/dc4286ceb8fab734.jpg"
            )
        );
        assert_eq!(
            image_url(&data, "banner"),
            Some(
                "https://files.mastodon.social/accounts/headers/000/000/001/original/3b91c9965d00888b.jpeg"
            )
        );
    }
}

#[tokio::test]
async fn mastodon_default_pictures_count_as_no_picture() {
    let upstream = instance_answering("quiet", 200, "mastodon/no-header.json").await;
    let app = spawn_app_for("mastodon", &upstream);

    let reply = app.api_lookup("@quiet@fosstodon.org", None).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "@quiet@fosstodon.org has no public profile picture");
}

#[tokio::test]
async fn an_unknown_mastodon_account_is_not_found() {
    let upstream = instance_answering("ghost", 404, "mastodon/not-found.json").await;
    let app = spawn_app_for("mastodon", &upstream);

    let reply = app.api_lookup("@ghost@mastodon.social", None).await;
    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "has no profile");
}

#[tokio::test]
async fn a_mastodon_instance_that_answers_html_is_an_upstream_error() {
    let server = MockServer::start().await;
    serve(
        &server,
        "/api/v1/accounts/lookup",
        200,
        "text/html",
        "<html><body>Maintenance</body></html>",
    )
    .await;
    // The profile page, asked next, is down for maintenance too.
    serve_everywhere(
        &server,
        503,
        "text/html",
        "<html><body>Maintenance</body></html>",
    )
    .await;
    let app = spawn_app_for("mastodon", &server);

    let reply = app.api_lookup("@Gargron@mastodon.social", None).await;
    assert_failure(&reply, 502, "EUPSTREAM");
    assert_says(&reply, "not the JSON we expected");
}
