use wiremock::MockServer;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::support::*;

/// A Farcaster client API answering `username` with `status` and `body`; the profile page,
/// asked next when the API fails, answers the same.
async fn farcaster_answering(username: &str, status: u16, body: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/user-by-username"))
        .and(query_param("username", username))
        .respond_with(
            ResponseTemplate::new(status)
                .set_body_raw(body.as_bytes().to_vec(), "application/json; charset=utf-8"),
        )
        .mount(&server)
        .await;
    serve_everywhere(&server, status, "application/json", body).await;
    server
}

#[tokio::test]
async fn a_farcaster_account_gets_its_original_picture_and_banner() {
    let upstream = farcaster_answering("dwr.eth", 200, &fixture("farcaster/dwr.eth.json")).await;
    let app = spawn_app_for("farcaster", &upstream);

    for (q, provider) in [
        ("https://farcaster.xyz/dwr.eth", None),
        ("https://warpcast.com/dwr.eth/0x1a2b3c", None),
        ("@DWR.eth", Some("warpcast")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "farcaster", "{q}");
        assert_eq!(data["id"], "dwr.eth");
        assert_eq!(data["name"], "Dan Romero");
        assert_eq!(data["profile_url"], "https://farcaster.xyz/dwr.eth");
        // The API states the `rectcrop3` variant; `original` is the upload itself.
        assert_eq!(
            image_url(&data, "avatar"),
            Some(
                "https://imagedelivery.net/BXluQx4ige9GuW0Ia56BHw/a1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d/original"
            )
        );
        assert_eq!(
            image_url(&data, "banner"),
            Some(
                "https://imagedelivery.net/BXluQx4ige9GuW0Ia56BHw/f0e1d2c3-b4a5-4968-8776-655443322110/original"
            )
        );
    }
}

#[tokio::test]
async fn an_unknown_farcaster_name_is_not_found() {
    let upstream =
        farcaster_answering("nobody-zz", 404, &fixture("farcaster/not-found.json")).await;
    let app = spawn_app_for("farcaster", &upstream);

    let reply = app.api_lookup("nobody-zz", Some("farcaster")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
}

#[tokio::test]
async fn a_farcaster_account_without_a_picture_is_not_found() {
    let upstream = farcaster_answering("quietcaster", 200, &fixture("farcaster/no-pfp.json")).await;
    let app = spawn_app_for("farcaster", &upstream);

    let reply = app.api_lookup("quietcaster", Some("farcaster")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(
        &reply,
        "\"quietcaster\" on Farcaster has no public profile picture",
    );
}

#[tokio::test]
async fn farcaster_rate_limiting_is_reported_as_blocked() {
    let upstream =
        farcaster_answering("dwr.eth", 429, &fixture("farcaster/rate-limited.json")).await;
    let app = spawn_app_for("farcaster", &upstream);

    let reply = app.api_lookup("dwr.eth", Some("farcaster")).await;

    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "stopped us with a rate limit");
}
