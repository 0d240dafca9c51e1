use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

async fn hashnode_answering(username: &str, fixture_name: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/"))
        .and(body_partial_json(
            serde_json::json!({ "variables": { "username": username } }),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(fixture(fixture_name), "application/json"),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_hashnode_user_gets_the_picture_as_uploaded() {
    let upstream = hashnode_answering("sandeep", "hashnode/sandeep.json").await;
    let app = spawn_app_for("hashnode", &upstream);

    for (q, provider) in [
        ("https://hashnode.com/@sandeep", None),
        ("sandeep", Some("hashnode")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "hashnode", "{q}");
        assert_eq!(data["id"], "sandeep");
        assert_eq!(data["name"], "Sandeep Panda");
        assert_eq!(data["profile_url"], "https://hashnode.com/@sandeep");
        assert_eq!(
            image_url(&data, "avatar"),
            Some(
                "https://cdn.hashnode.com/res/hashnode/image/upload/v1600759027016/x1hyMqGhm.jpeg"
            )
        );
    }
}

#[tokio::test]
async fn an_unknown_hashnode_user_is_not_found() {
    let upstream = hashnode_answering("nobody-at-all", "hashnode/not-found.json").await;
    let app = spawn_app_for("hashnode", &upstream);

    let reply = app.api_lookup("nobody-at-all", Some("hashnode")).await;
    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "Hashnode has no profile \"nobody-at-all\".");
}
