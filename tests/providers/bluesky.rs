use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const GET_PROFILES: &str = "/xrpc/app.bsky.actor.getProfiles";
const JAY_DID: &str = "did:plc:oky5czdrnfjpqslsw2a5iclo";

async fn appview_answering(actor: &str, status: u16, body: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(GET_PROFILES))
        .and(query_param("actors", actor))
        .respond_with(
            ResponseTemplate::new(status)
                .set_body_raw(body.as_bytes().to_vec(), "application/json; charset=utf-8"),
        )
        .mount(&server)
        .await;
    // The profile page, asked next when the API fails, answers the same.
    serve_everywhere(&server, status, "application/json", body).await;
    server
}

#[tokio::test]
async fn a_bluesky_handle_gets_avatar_banner_and_display_name() {
    let upstream = appview_answering("jay.bsky.team", 200, &fixture("bluesky/jay.json")).await;
    let app = spawn_app_for("bluesky", &upstream);

    let data = success(&app.api_lookup("@jay.bsky.team", Some("bluesky")).await);

    assert_eq!(data["provider"], "bluesky");
    assert_eq!(data["id"], "jay.bsky.team");
    assert_eq!(data["name"], "Jay 🦋");
    assert_eq!(
        data["profile_url"],
        "https://bsky.app/profile/jay.bsky.team"
    );
    assert_eq!(
        image_url(&data, "avatar"),
        Some(
            "https://cdn.bsky.app/img/avatar/plain/did:plc:oky5czdrnfjpqslsw2a5iclo/bafkreihidru2xruxdxlvvcixc7lbgoudzezjbwpu7x3s5fpqyghxixefqy@jpeg"
        )
    );
    assert_eq!(
        image_url(&data, "banner"),
        Some(
            "https://cdn.bsky.app/img/banner/plain/did:plc:oky5czdrnfjpqslsw2a5iclo/bafkreigczqaoaxqnakxajkjvdp2ihq2nivc7uw4h3f5ehmi5slpjwhqqgu@jpeg"
        )
    );
}

#[tokio::test]
async fn bluesky_profile_urls_with_a_handle_or_a_did_are_recognized() {
    let upstream = MockServer::start().await;
    for actor in ["jay.bsky.team", JAY_DID] {
        Mock::given(method("GET"))
            .and(path(GET_PROFILES))
            .and(query_param("actors", actor))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(fixture("bluesky/jay.json"), "application/json"),
            )
            .mount(&upstream)
            .await;
    }
    let app = spawn_app_for("bluesky", &upstream);

    for (q, id) in [
        ("https://bsky.app/profile/jay.bsky.team", "jay.bsky.team"),
        (
            "bsky.app/profile/Jay.bsky.team/post/3lbjtabqvxc2n",
            "jay.bsky.team",
        ),
        (
            "https://bsky.app/profile/did:plc:oky5czdrnfjpqslsw2a5iclo",
            JAY_DID,
        ),
    ] {
        let data = success(&app.api_lookup(q, None).await);
        assert_eq!(data["provider"], "bluesky", "{q}");
        assert_eq!(data["id"], id, "{q}");
        // The record names the handle, whichever way the profile was asked for.
        assert_eq!(
            data["profile_url"], "https://bsky.app/profile/jay.bsky.team",
            "{q}"
        );
    }
}

#[tokio::test]
async fn a_bare_name_is_a_bsky_social_handle() {
    let upstream =
        appview_answering("alice.bsky.social", 200, &fixture("bluesky/alice.json")).await;
    let app = spawn_app_for("bluesky", &upstream);

    let data = success(&app.api_lookup("alice", Some("bluesky")).await);

    assert_eq!(data["id"], "alice.bsky.social");
    assert_eq!(data["name"], "Alice");
    // No banner set: none is returned.
    assert_eq!(image_url(&data, "banner"), None);
}

#[tokio::test]
async fn an_unknown_bluesky_account_is_not_found() {
    let upstream = appview_answering(
        "nobody-zz9.bsky.social",
        200,
        &fixture("bluesky/unknown.json"),
    )
    .await;
    let app = spawn_app_for("bluesky", &upstream);

    let reply = app
        .api_lookup("nobody-zz9.bsky.social", Some("bluesky"))
        .await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "Bluesky has no profile \"nobody-zz9.bsky.social\".");
}

#[tokio::test]
async fn bluesky_rate_limiting_is_reported_as_blocked() {
    let upstream = appview_answering(
        "jay.bsky.team",
        429,
        r#"{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}"#,
    )
    .await;
    let app = spawn_app_for("bluesky", &upstream);

    let reply = app.api_lookup("jay.bsky.team", Some("bluesky")).await;

    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "stopped us with a rate limit");
}

#[tokio::test]
async fn a_bluesky_answer_without_a_profile_list_is_an_upstream_error() {
    let upstream = appview_answering(
        "jay.bsky.team",
        200,
        r#"{"did":"did:plc:oky5czdrnfjpqslsw2a5iclo","handle":"jay.bsky.team""#,
    )
    .await;
    let app = spawn_app_for("bluesky", &upstream);

    let reply = app.api_lookup("jay.bsky.team", Some("bluesky")).await;

    assert_failure(&reply, 502, "EUPSTREAM");
    assert_says(&reply, "not the JSON we expected");
}
