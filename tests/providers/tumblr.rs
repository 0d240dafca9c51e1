use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const AVATAR_512: &str = "https://64.media.tumblr.com/avatar_b7d5c2e9a1f0_512.pnj";

#[tokio::test]
async fn a_themed_tumblr_blog_gets_the_512px_avatar_from_its_icon() {
    let upstream = upstream_serving(
        "/",
        "text/html; charset=UTF-8",
        &fixture("tumblr/themed.html"),
    )
    .await;
    // www.tumblr.com/staff fails: the blog's own page is asked next.
    serve(&upstream, "/staff", 503, "text/html", "").await;
    let app = spawn_app_for("tumblr", &upstream);

    for (q, provider) in [
        ("https://staff.tumblr.com/", None),
        (
            "https://staff.tumblr.com/post/713245987654321098/tumblr-tuesday",
            None,
        ),
        ("https://www.tumblr.com/staff", None),
        ("tumblr.com/blog/view/staff", None),
        ("Staff", Some("tumblr")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "tumblr", "{q}");
        assert_eq!(data["id"], "staff");
        assert_eq!(data["name"], "Tumblr Staff");
        assert_eq!(data["profile_url"], "https://staff.tumblr.com/");
        assert_eq!(image_url(&data, "avatar"), Some(AVATAR_512));
    }
}

#[tokio::test]
async fn an_unthemed_blog_is_read_from_tumblr_s_embedded_state_with_its_header() {
    let upstream = MockServer::start().await;
    // staff.tumblr.com sends visitors on to www.tumblr.com/staff.
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(ResponseTemplate::new(301).insert_header("location", "/staff"))
        .mount(&upstream)
        .await;
    serve(
        &upstream,
        "/staff",
        200,
        "text/html",
        &fixture("tumblr/peepr.html"),
    )
    .await;
    let app = spawn_app_for("tumblr", &upstream);

    let data = success(&app.api_lookup("staff", Some("tumblr")).await);

    assert_eq!(data["name"], "Tumblr Staff");
    assert_eq!(image_url(&data, "avatar"), Some(AVATAR_512));
    assert_eq!(
        image_url(&data, "banner"),
        Some(
            "https://static.tumblr.com/a1f2b3c4d5e6f7a8b9c0d1e2f3a4b5c6/xyzabcd/Qk2pq1r2s/tumblr_static_staff_header.png"
        )
    );
}

#[tokio::test]
async fn tumblr_s_consent_page_is_reported_as_blocked() {
    let upstream = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "location",
            "/privacy/consent?redirect=https%3A%2F%2Fstaff.tumblr.com%2F",
        ))
        .mount(&upstream)
        .await;
    serve(
        &upstream,
        "/privacy/consent",
        200,
        "text/html",
        &fixture("tumblr/consent.html"),
    )
    .await;
    serve_everywhere(&upstream, 200, "text/html", &fixture("tumblr/consent.html")).await;
    let app = spawn_app_for("tumblr", &upstream);

    let reply = app.api_lookup("staff", Some("tumblr")).await;
    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "Tumblr stopped us with its consent page");
}

#[tokio::test]
async fn a_missing_tumblr_blog_is_not_found() {
    let upstream = MockServer::start().await;
    serve(
        &upstream,
        "/",
        404,
        "text/html",
        &fixture("tumblr/not-found.html"),
    )
    .await;
    let app = spawn_app_for("tumblr", &upstream);

    let reply = app
        .api_lookup("https://nobody-here.tumblr.com/", None)
        .await;
    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "has no profile");
}
