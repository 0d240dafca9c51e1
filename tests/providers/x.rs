use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const AVATAR_400: &str =
    "https://pbs.twimg.com/profile_images/1846292082501054464/oKUC44PF_400x400.jpg";

#[tokio::test]
async fn an_x_profile_url_gets_the_400px_avatar_and_the_banner() {
    let upstream = upstream_serving(
        "/kikobeats",
        "text/html; charset=utf-8",
        &fixture("real-pages/x-jsonld.html"),
    )
    .await;
    let app = spawn_app_for("x", &upstream);

    for q in ["https://twitter.com/kikobeats", "x.com/kikobeats?lang=en"] {
        let data = success(&app.api_lookup(q, None).await);
        assert_eq!(data["provider"], "x");
        assert_eq!(data["id"], "kikobeats");
        assert_eq!(image_url(&data, "avatar"), Some(AVATAR_400));
        assert_eq!(
            image_url(&data, "banner"),
            Some("https://pbs.twimg.com/profile_banners/101198215/1642178805/1500x500")
        );
    }
}

#[tokio::test]
async fn a_small_og_image_is_upgraded_to_400px() {
    let upstream =
        upstream_serving("/kikobeats", "text/html", &fixture("real-pages/x-og.html")).await;
    let app = spawn_app_for("x", &upstream);

    let data = success(&app.api_lookup("kikobeats", Some("x")).await);

    assert_eq!(image_url(&data, "avatar"), Some(AVATAR_400));
}

#[tokio::test]
async fn an_x_login_wall_is_reported_as_blocked() {
    let upstream = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/jack"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", "/i/flow/login?redirect_after_login=%2Fjack"),
        )
        .mount(&upstream)
        .await;
    serve(
        &upstream,
        "/i/flow/login",
        200,
        "text/html",
        "<html><title>Log in to X / X</title></html>",
    )
    .await;
    serve_everywhere(
        &upstream,
        200,
        "text/html",
        "<html><title>Log in to X / X</title></html>",
    )
    .await;
    let app = spawn_app_for("x", &upstream);

    let reply = app.api_lookup("jack", Some("x")).await;
    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "stopped us with");
}

#[tokio::test]
async fn an_x_page_without_a_picture_is_not_found() {
    let upstream = upstream_serving(
        "/jack",
        "text/html",
        r#"<html><head><meta property="og:image" content="https://abs.twimg.com/rweb/ssr/default/v2/og/image.png"></head></html>"#,
    )
    .await;
    // The intent page, asked next, has no picture either.
    serve_everywhere(
        &upstream,
        200,
        "text/html",
        r#"<html><head><title>jack</title></head></html>"#,
    )
    .await;
    let app = spawn_app_for("x", &upstream);

    let reply = app.api_lookup("jack", Some("x")).await;
    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(
        &reply,
        "\"jack\" on X (Twitter) has no public profile picture",
    );
}
