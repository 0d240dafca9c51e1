use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

/// A Misskey server answering its user API for `username` with `status` and a fixture.
pub async fn misskey_answering(username: &str, status: u16, fixture_name: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/users/show"))
        .and(body_partial_json(
            serde_json::json!({ "username": username, "host": null }),
        ))
        .respond_with(
            ResponseTemplate::new(status).set_body_raw(fixture(fixture_name), "application/json"),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_misskey_account_gets_its_picture_and_banner() {
    let upstream = misskey_answering("syuilo", 200, "misskey/syuilo.json").await;
    let app = spawn_app_for("misskey", &upstream);

    for (q, provider) in [
        ("https://misskey.io/@syuilo", None),
        ("@syuilo@misskey.io", Some("misskey")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "misskey", "{q}");
        assert_eq!(data["id"], "syuilo@misskey.io");
        assert_eq!(data["name"], "しゅいろ");
        assert_eq!(data["profile_url"], "https://misskey.io/@syuilo");
        assert_eq!(
            image_url(&data, "avatar"),
            Some("https://media.misskeyusercontent.jp/io/webpublic-hand-written-avatar.webp")
        );
        assert_eq!(
            image_url(&data, "banner"),
            Some("https://media.misskeyusercontent.jp/io/webpublic-hand-written-banner.webp")
        );
    }
}

#[tokio::test]
async fn an_unknown_misskey_account_is_not_found() {
    let upstream = misskey_answering("ghost", 404, "misskey/no-such-user.json").await;
    let app = spawn_app_for("misskey", &upstream);

    let reply = app.api_lookup("@ghost@misskey.io", Some("misskey")).await;
    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "has no profile");
}
