//! The outbound proxy (`GETIMAGES_PROXY`): lookups reach the platform through it when
//! configured, a blocked lookup is asked once more through it, and the SSRF guard holds:
//! the proxy never sees a private address or a name that was not checked.

mod support;

use wiremock::matchers::{any, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use support::*;

/// A GitHub API that answers torvalds only to requests that came through the test proxy,
/// and 403 (a block of our address) to the rest.
async fn github_answering_only_the_proxy() -> MockServer {
    GithubApi::new().only_with_header("via", VIA).start().await
}

#[tokio::test]
async fn a_lookup_for_a_proxied_provider_goes_through_the_proxy_and_says_so() {
    let proxy = TestProxy::start().await;
    let github = github_answering_only_the_proxy().await;
    let upstream = github.uri();
    let app = spawn_app(&[
        ("GETIMAGES_UPSTREAM_GITHUB", upstream.as_str()),
        ("GETIMAGES_PROXY", proxy.url.as_str()),
        ("GETIMAGES_PROXY_PROVIDERS", "github"),
    ]);

    let data = success(&app.api_lookup("torvalds", Some("github")).await);

    assert_eq!(data["proxied"], true);
    assert_eq!(image_url(&data, "avatar"), Some(TORVALDS_AVATAR));
    assert_eq!(
        proxy.seen(),
        vec![format!("{upstream}/users/torvalds")],
        "one request, through the proxy"
    );
}

#[tokio::test]
async fn a_blocked_lookup_is_asked_once_more_through_the_proxy() {
    let proxy = TestProxy::start().await;
    let github = github_answering_only_the_proxy().await;
    let upstream = github.uri();
    let app = spawn_app(&[
        ("GETIMAGES_UPSTREAM_GITHUB", upstream.as_str()),
        ("GETIMAGES_PROXY", proxy.url.as_str()),
    ]);

    let data = success(&app.api_lookup("torvalds", Some("github")).await);

    assert_eq!(data["proxied"], true);
    assert_eq!(data["strategy"], "api");
    let page = app.page_lookup("torvalds", Some("github")).await;
    assert!(
        page.text.contains("(found through the outbound proxy)"),
        "{}",
        page.text
    );
    let direct = github.received_requests().await.unwrap().len() - proxy.seen().len();
    assert!(direct >= 1, "asked directly first");
    assert_eq!(proxy.seen()[0], format!("{upstream}/users/torvalds"));
}

#[tokio::test]
async fn without_a_proxy_set_a_block_stays_a_block_and_ambient_proxy_variables_are_ignored() {
    let proxy = TestProxy::start().await;
    let github = github_answering_only_the_proxy().await;
    let upstream = github.uri();
    let app = spawn_app(&[
        ("GETIMAGES_UPSTREAM_GITHUB", upstream.as_str()),
        ("HTTP_PROXY", proxy.url.as_str()),
        ("http_proxy", proxy.url.as_str()),
        ("ALL_PROXY", proxy.url.as_str()),
    ]);

    let reply = app.api_lookup("torvalds", Some("github")).await;

    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "GitHub stopped us with a refusal of our address");
    assert!(proxy.seen().is_empty(), "{:?}", proxy.seen());
}

#[tokio::test]
async fn through_the_proxy_private_addresses_and_names_are_refused_before_it_sees_them() {
    let proxy = TestProxy::start().await;
    let inside = MockServer::start().await;
    let port = inside.address().port();
    let app = spawn_app(&[
        ("GETIMAGES_PROXY", proxy.url.as_str()),
        ("GETIMAGES_PROXY_PROVIDERS", "all"),
        ("GETIMAGES_RESOLVE", "intranet.example=10.1.2.3"),
        ("GETIMAGES_CONNECT_TIMEOUT", "1s"),
    ]);

    for url in [
        format!("http://127.0.0.1:{port}/"),
        format!("http://localhost:{port}/"),
        "http://intranet.example/".to_owned(),
        "http://[::1]/".to_owned(),
    ] {
        let reply = app.api_lookup(&url, None).await;
        assert_failure(&reply, 403, "EFORBIDDEN");
    }

    assert!(proxy.seen().is_empty(), "{:?}", proxy.seen());
    assert!(inside.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn through_the_proxy_a_token_never_follows_a_redirect_to_another_host() {
    let proxy = TestProxy::start().await;
    let listener = std::net::TcpListener::bind("127.0.0.2:0").expect("bind 127.0.0.2");
    let elsewhere = MockServer::builder().listener(listener).start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("github/torvalds.json"), "application/json"),
        )
        .mount(&elsewhere)
        .await;
    let github = MockServer::start().await;
    Mock::given(path("/users/torvalds"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/users/torvalds", elsewhere.uri())),
        )
        .mount(&github)
        .await;
    let upstream = github.uri();
    let app = spawn_app(&[
        ("GETIMAGES_UPSTREAM_GITHUB", upstream.as_str()),
        ("GETIMAGES_PROXY", proxy.url.as_str()),
        ("GETIMAGES_PROXY_PROVIDERS", "github"),
        ("GETIMAGES_GITHUB_TOKEN", "ghp_secret"),
    ]);

    success(&app.api_lookup("torvalds", Some("github")).await);

    let asked = github.received_requests().await.unwrap();
    assert!(
        asked[0]
            .headers
            .get("authorization")
            .is_some_and(|v| v == "Bearer ghp_secret")
    );
    let followed = elsewhere.received_requests().await.unwrap();
    assert!(!followed.is_empty(), "the redirect was followed");
    assert!(
        followed
            .iter()
            .all(|r| !r.headers.contains_key("authorization")),
        "the token went to another host"
    );
}
