use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

async fn keybase_answering(username: &str, fixture_name: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/_/api/1.0/user/lookup.json"))
        .and(query_param("usernames", username))
        .and(query_param("fields", "pictures,profile"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(fixture(fixture_name), "application/json"),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_keybase_user_gets_the_360px_picture() {
    let upstream = keybase_answering("chris", "keybase/chris.json").await;
    let app = spawn_app_for("keybase", &upstream);

    for (q, provider) in [
        ("https://keybase.io/chris", None),
        ("Chris", Some("keybase")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "keybase", "{q}");
        assert_eq!(data["id"], "chris");
        assert_eq!(data["name"], "Chris Coyne");
        assert_eq!(data["profile_url"], "https://keybase.io/chris");
        assert_eq!(
            image_url(&data, "avatar"),
            Some(
                "https://s3.amazonaws.com/keybase_processed_uploads/2571dc6108772dbe0816deef41b25705_360_360.jpg"
            )
        );
    }
}

#[tokio::test]
async fn an_unknown_keybase_user_is_not_found() {
    let upstream = keybase_answering("nobody_here", "keybase/not-found.json").await;
    let app = spawn_app_for("keybase", &upstream);

    let reply = app.api_lookup("https://keybase.io/nobody_here", None).await;
    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(
        &reply,
        "\"nobody_here\" on Keybase has no public profile picture",
    );
}
