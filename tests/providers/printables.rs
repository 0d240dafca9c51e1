use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

/// Printables' GraphQL API answering the user search for `query` with `status` and `body`;
/// the profile page, asked next when the API fails, answers the same.
async fn printables_answering(
    query: &str,
    status: u16,
    content_type: &str,
    body: &str,
) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/graphql/"))
        .and(header("origin", "https://www.printables.com"))
        .and(body_partial_json(
            serde_json::json!({ "variables": { "query": query } }),
        ))
        .respond_with(
            ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), content_type),
        )
        .mount(&server)
        .await;
    serve_everywhere(&server, status, content_type, body).await;
    server
}

#[tokio::test]
async fn a_printables_maker_gets_the_uploaded_picture() {
    let upstream = printables_answering(
        "PrusaResearch",
        200,
        "application/json",
        &fixture("printables/prusaresearch.json"),
    )
    .await;
    let app = spawn_app_for("printables", &upstream);

    for (q, provider) in [
        ("https://www.printables.com/@PrusaResearch", None),
        ("https://www.printables.com/@PrusaResearch/models", None),
        ("@PrusaResearch", Some("printables")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "printables", "{q}");
        assert_eq!(data["id"], "PrusaResearch");
        // The search also found a fan whose handle starts the same: only the exact one counts.
        assert_eq!(data["name"], "Prusa Research");
        assert_eq!(
            data["profile_url"],
            "https://www.printables.com/@PrusaResearch"
        );
        assert_eq!(
            image_url(&data, "avatar"),
            Some(
                "https://media.printables.com/media/auth/avatars/9d/9d0e2f4b-1c6a-4f3e-8a2b-5c7d9e1f3a5b.png"
            )
        );
    }
}

#[tokio::test]
async fn a_handle_the_search_does_not_find_is_not_found() {
    let upstream = printables_answering(
        "nobody_zz",
        200,
        "application/json",
        &fixture("printables/no-match.json"),
    )
    .await;
    let app = spawn_app_for("printables", &upstream);

    let reply = app.api_lookup("nobody_zz", Some("printables")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
}

#[tokio::test]
async fn a_printables_maker_without_a_picture_has_none() {
    let upstream = printables_answering(
        "quietmaker",
        200,
        "application/json",
        &fixture("printables/no-avatar.json"),
    )
    .await;
    let app = spawn_app_for("printables", &upstream);

    let reply = app.api_lookup("quietmaker", Some("printables")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(
        &reply,
        "\"quietmaker\" on Printables has no public profile picture",
    );
}

#[tokio::test]
async fn a_printables_cloudflare_challenge_is_reported_as_blocked() {
    let upstream = printables_answering(
        "PrusaResearch",
        403,
        "text/html; charset=UTF-8",
        &fixture("printables/cloudflare-challenge.html"),
    )
    .await;
    let app = spawn_app_for("printables", &upstream);

    let reply = app.api_lookup("PrusaResearch", Some("printables")).await;

    assert_failure(&reply, 502, "EBLOCKED");
}
