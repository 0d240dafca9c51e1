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
    assert_says(
        &reply,
        "\"quiet@fosstodon.org\" on Mastodon has no public profile picture",
    );
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

#[tokio::test]
async fn a_fediverse_handle_on_a_lemmy_server_is_found_through_lemmys_api() {
    // Lemmy has neither Mastodon's API nor Misskey's (both 404), nor a `/@user` page.
    let upstream = crate::lemmy::lemmy_answering("nutomic", 200, "lemmy/nutomic.json").await;
    let app = spawn_app_for("mastodon", &upstream);

    let data = success(&app.api_lookup("@nutomic@lemmy.ml", None).await);
    assert_eq!(data["provider"], "mastodon");
    assert_eq!(data["strategy"], "lemmy api");
    assert_eq!(data["name"], "Nutomic");
    assert_eq!(data["profile_url"], "https://lemmy.ml/u/nutomic");
    assert_eq!(
        image_url(&data, "banner"),
        Some("https://lemmy.ml/pictrs/image/hand-written-banner.jpeg")
    );
}

#[tokio::test]
async fn a_fediverse_handle_on_a_misskey_server_is_found_through_misskeys_api() {
    let upstream = crate::misskey::misskey_answering("syuilo", 200, "misskey/syuilo.json").await;
    let app = spawn_app_for("mastodon", &upstream);

    let data = success(&app.api_lookup("@syuilo@misskey.io", None).await);
    assert_eq!(data["provider"], "mastodon");
    assert_eq!(data["strategy"], "misskey api");
    assert_eq!(
        image_url(&data, "avatar"),
        Some("https://media.misskeyusercontent.jp/io/webpublic-hand-written-avatar.webp")
    );
}
