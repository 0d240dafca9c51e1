use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

/// The og:image as served (entities decoded): signed, so kept exactly.
const AVATAR: &str = "https://scontent-iad3-1.cdninstagram.com/v/t51.2885-19/472007201_1142000150891415_4997640929908869236_n.jpg?stp=dst-jpg_s150x150_tt6&_nc_cat=1&ccb=1-7&_nc_sid=7d201b&_nc_ohc=Xq3rPk0dVb4Q7kNvwGm0PVy&_nc_oc=AdnUo2p8w&_nc_zt=24&_nc_ht=scontent-iad3-1.cdninstagram.com&oh=00_AfH7u2xk6C1sNdX0KGbS_3hjRr0ZP3C4M8Hq0WbU2mQ1sA&oe=6929C2D8";

#[tokio::test]
async fn an_instagram_account_gets_its_signed_profile_picture_and_name() {
    let upstream = upstream_serving(
        "/natgeo/",
        "text/html; charset=utf-8",
        &fixture("instagram/natgeo.html"),
    )
    .await;
    let app = spawn_app_for("instagram", &upstream);

    let data = success(&app.api_lookup("@NatGeo", Some("instagram")).await);

    assert_eq!(data["provider"], "instagram");
    assert_eq!(data["id"], "natgeo");
    assert_eq!(data["name"], "National Geographic");
    assert_eq!(data["profile_url"], "https://www.instagram.com/natgeo/");
    assert_eq!(image_url(&data, "avatar"), Some(AVATAR));
}

#[tokio::test]
async fn instagram_profile_urls_are_recognized() {
    let upstream = upstream_serving(
        "/natgeo/",
        "text/html; charset=utf-8",
        &fixture("instagram/natgeo.html"),
    )
    .await;
    let app = spawn_app_for("instagram", &upstream);

    for q in [
        "https://www.instagram.com/natgeo/",
        "instagram.com/natgeo/reels/",
        "https://www.instagram.com/natgeo?igsh=MWQ1ZGUxMzBkMA==",
    ] {
        let data = success(&app.api_lookup(q, None).await);
        assert_eq!(data["provider"], "instagram", "{q}");
        assert_eq!(data["id"], "natgeo", "{q}");
        assert_eq!(image_url(&data, "avatar"), Some(AVATAR), "{q}");
    }
}

#[tokio::test]
async fn an_instagram_login_redirect_is_reported_as_blocked() {
    let upstream = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/natgeo/"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", "/accounts/login/?next=%2Fnatgeo%2F"),
        )
        .mount(&upstream)
        .await;
    serve(
        &upstream,
        "/accounts/login/",
        200,
        "text/html",
        &fixture("instagram/login.html"),
    )
    .await;
    serve_everywhere(
        &upstream,
        200,
        "text/html",
        &fixture("instagram/login.html"),
    )
    .await;
    let app = spawn_app_for("instagram", &upstream);

    let reply = app.api_lookup("natgeo", Some("instagram")).await;

    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "stopped us with");
}

#[tokio::test]
async fn instagram_rate_limiting_is_reported_as_blocked() {
    let upstream = MockServer::start().await;
    serve(&upstream, "/natgeo/", 429, "text/html", "").await;
    serve_everywhere(&upstream, 429, "text/html", "").await;
    let app = spawn_app_for("instagram", &upstream);

    let reply = app.api_lookup("natgeo", Some("instagram")).await;

    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "stopped us with a rate limit");
}

#[tokio::test]
async fn an_unknown_instagram_account_is_not_found() {
    let upstream = MockServer::start().await;
    serve(
        &upstream,
        "/no.such.account.zz9/",
        404,
        "text/html",
        &fixture("instagram/not-found.html"),
    )
    .await;
    let app = spawn_app_for("instagram", &upstream);

    let reply = app
        .api_lookup("no.such.account.zz9", Some("instagram"))
        .await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "has no profile");
}

#[tokio::test]
async fn instagrams_page_not_available_with_its_logo_is_not_found() {
    let upstream = upstream_serving(
        "/no.such.account.zz9/",
        "text/html",
        &fixture("instagram/not-found.html"),
    )
    .await;
    let app = spawn_app_for("instagram", &upstream);

    let reply = app
        .api_lookup("no.such.account.zz9", Some("instagram"))
        .await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(
        &reply,
        "\"no.such.account.zz9\" on Instagram has no public profile picture",
    );
}
