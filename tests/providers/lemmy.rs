use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

/// A Lemmy server answering its user API for `username` with `status` and a fixture.
pub async fn lemmy_answering(username: &str, status: u16, fixture_name: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v3/user"))
        .and(query_param("username", username))
        .respond_with(
            ResponseTemplate::new(status).set_body_raw(fixture(fixture_name), "application/json"),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_lemmy_account_gets_its_picture_and_banner() {
    let upstream = lemmy_answering("nutomic", 200, "lemmy/nutomic.json").await;
    let app = spawn_app_for("lemmy", &upstream);

    for (q, provider) in [
        ("https://lemmy.ml/u/nutomic", None),
        ("nutomic@lemmy.ml", Some("lemmy")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "lemmy", "{q}");
        assert_eq!(data["id"], "nutomic@lemmy.ml");
        assert_eq!(data["name"], "Nutomic");
        assert_eq!(data["profile_url"], "https://lemmy.ml/u/nutomic");
        assert_eq!(
            image_url(&data, "avatar"),
            Some("https://lemmy.ml/pictrs/image/hand-written-avatar.png")
        );
        assert_eq!(
            image_url(&data, "banner"),
            Some("https://lemmy.ml/pictrs/image/hand-written-banner.jpeg")
        );
    }
}

#[tokio::test]
async fn an_unknown_lemmy_account_is_not_found() {
    let upstream = lemmy_answering("ghost", 404, "lemmy/not-found.json").await;
    let app = spawn_app_for("lemmy", &upstream);

    let reply = app.api_lookup("@ghost@lemmy.ml", Some("lemmy")).await;
    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "has no profile");
}
