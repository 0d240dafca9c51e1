use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

#[tokio::test]
async fn a_product_hunt_member_gets_the_avatar_as_uploaded() {
    let upstream = upstream_serving(
        "/@rrhoover",
        "text/html; charset=utf-8",
        &fixture("producthunt/rrhoover.html"),
    )
    .await;
    let app = spawn_app_for("producthunt", &upstream);

    for (q, provider) in [
        ("https://www.producthunt.com/@rrhoover", None),
        ("https://www.producthunt.com/@RRHoover/made", None),
        ("rrhoover", Some("ph")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "producthunt", "{q}");
        assert_eq!(data["id"], "rrhoover", "{q}");
        assert_eq!(data["name"], "Ryan Hoover", "{q}");
        assert_eq!(data["profile_url"], "https://www.producthunt.com/@rrhoover");
        // The member's own record (not a maker's on their products), without imgix's crop.
        assert_eq!(
            image_url(&data, "avatar"),
            Some("https://ph-avatars.imgix.net/2/0f4b1e6e-8d2c-4b7a-9e3f-handwritten.png"),
            "{q}"
        );
    }
}

#[tokio::test]
async fn an_unknown_product_hunt_member_is_not_found() {
    let upstream = MockServer::start().await;
    serve(
        &upstream,
        "/@nosuchmemberzz9",
        404,
        "text/html",
        &fixture("producthunt/not-found.html"),
    )
    .await;
    let app = spawn_app_for("producthunt", &upstream);

    let reply = app.api_lookup("nosuchmemberzz9", Some("producthunt")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
}

#[tokio::test]
async fn product_hunts_cloudflare_challenge_is_blocked() {
    let upstream = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/@rrhoover"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("cf-mitigated", "challenge")
                .set_body_raw(
                    fixture("producthunt/cloudflare-challenge.html"),
                    "text/html",
                ),
        )
        .mount(&upstream)
        .await;
    let app = spawn_app_for("producthunt", &upstream);

    let reply = app.api_lookup("rrhoover", Some("producthunt")).await;

    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(
        &reply,
        "Product Hunt stopped us with a Cloudflare challenge",
    );
}
