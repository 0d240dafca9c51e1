use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

#[tokio::test]
async fn a_ko_fi_page_gets_its_profile_picture_through_every_way_of_asking() {
    let upstream = upstream_serving(
        "/kikobeats",
        "text/html; charset=utf-8",
        &fixture("kofi/kikobeats.html"),
    )
    .await;
    let app = spawn_app_for("kofi", &upstream);

    for (q, provider) in [
        ("https://ko-fi.com/kikobeats", None),
        ("https://ko-fi.com/KikoBeats/shop", None),
        ("kikobeats", Some("ko-fi")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "kofi", "{q}");
        assert_eq!(data["id"], "kikobeats", "{q}");
        assert_eq!(data["name"], "Kiko Beats", "{q}");
        assert_eq!(data["profile_url"], "https://ko-fi.com/kikobeats");
        // The profile picture, not the og:image.
        assert_eq!(
            image_url(&data, "avatar"),
            Some(
                "https://storage.ko-fi.com/cdn/useruploads/c7d0e1b2-3f4a-4b5c-8d9e-0a1b2c3d4e5f.png?v=8c3b1f0e-2a4d-4e6f-9b1c-5d7e9f0a2b4c"
            ),
            "{q}"
        );
    }
}

#[tokio::test]
async fn a_ko_fi_site_page_is_not_a_creator() {
    let upstream = MockServer::start().await;
    let app = spawn_app_for("kofi", &upstream);

    let reply = app
        .api_lookup("https://ko-fi.com/explore", Some("kofi"))
        .await;

    assert_failure(&reply, 400, "EINPUT");
}

#[tokio::test]
async fn an_unknown_ko_fi_page_is_not_found() {
    let upstream = MockServer::start().await;
    serve(
        &upstream,
        "/nosuchcreatorzz9",
        404,
        "text/html",
        &fixture("kofi/not-found.html"),
    )
    .await;
    let app = spawn_app_for("kofi", &upstream);

    let reply = app.api_lookup("nosuchcreatorzz9", Some("kofi")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
}

#[tokio::test]
async fn ko_fis_cloudflare_challenge_is_blocked() {
    let upstream = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/kikobeats"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("cf-mitigated", "challenge")
                .set_body_raw(fixture("kofi/cloudflare-challenge.html"), "text/html"),
        )
        .mount(&upstream)
        .await;
    let app = spawn_app_for("kofi", &upstream);

    let reply = app.api_lookup("kikobeats", Some("kofi")).await;

    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "Ko-fi stopped us with a Cloudflare challenge");
}
