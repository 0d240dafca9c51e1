use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

#[tokio::test]
async fn a_patreon_creator_gets_the_avatar_its_json_ld_states() {
    let upstream = upstream_serving(
        "/kurzgesagt",
        "text/html; charset=utf-8",
        &fixture("patreon/kurzgesagt.html"),
    )
    .await;
    let app = spawn_app_for("patreon", &upstream);

    for (q, provider) in [
        ("https://www.patreon.com/kurzgesagt", None),
        ("https://www.patreon.com/c/Kurzgesagt/posts", None),
        ("kurzgesagt", Some("patreon")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "patreon", "{q}");
        assert_eq!(data["id"], "kurzgesagt", "{q}");
        assert_eq!(data["name"], "Kurzgesagt – In a Nutshell", "{q}");
        assert_eq!(data["profile_url"], "https://www.patreon.com/kurzgesagt");
        // The avatar, not the og:image (the campaign's cover).
        assert_eq!(
            image_url(&data, "avatar"),
            Some(
                "https://c10.patreonusercontent.com/4/patreon-media/p/campaign/137687/avatar/eyJ3Ijo2MjB9/1.png?token-hash=HandWrittenAvatar&token-time=1767225600"
            ),
            "{q}"
        );
    }
}

#[tokio::test]
async fn a_newer_patreon_page_gets_the_original_avatar_from_its_flight_payload() {
    let upstream = upstream_serving(
        "/janesketches",
        "text/html; charset=utf-8",
        &fixture("patreon/creator-world.html"),
    )
    .await;
    let app = spawn_app_for("patreon", &upstream);

    let data = success(&app.api_lookup("janesketches", Some("patreon")).await);

    assert_eq!(data["name"], "Jane Sketches");
    assert_eq!(
        image_url(&data, "avatar"),
        Some(
            "https://c10.patreonusercontent.com/4/patreon-media/p/campaign/6934869/hash/eyJxIjoxMDB9/42.png?token-hash=HandWrittenOriginal&token-time=1767225600"
        )
    );
}

#[tokio::test]
async fn an_unknown_patreon_creator_is_not_found() {
    let upstream = MockServer::start().await;
    serve(
        &upstream,
        "/nosuchcreatorzz9",
        404,
        "text/html",
        &fixture("patreon/not-found.html"),
    )
    .await;
    let app = spawn_app_for("patreon", &upstream);

    let reply = app.api_lookup("nosuchcreatorzz9", Some("patreon")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
}

#[tokio::test]
async fn patreons_cloudflare_challenge_is_blocked() {
    let upstream = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/kurzgesagt"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("cf-mitigated", "challenge")
                .set_body_raw(fixture("patreon/cloudflare-challenge.html"), "text/html"),
        )
        .mount(&upstream)
        .await;
    let app = spawn_app_for("patreon", &upstream);

    let reply = app.api_lookup("kurzgesagt", Some("patreon")).await;

    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "Patreon stopped us with a Cloudflare challenge");
}
