//! Loopback servers (wiremock) that play a platform or an image CDN.

use std::time::{Duration, Instant};

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::files::fixture_bytes;

/// A loopback server answering `GET route` with `body` as `content_type`, status 200.
pub async fn upstream_serving(route: &str, content_type: &str, body: &str) -> MockServer {
    let server = MockServer::start().await;
    serve(&server, route, 200, content_type, body).await;
    server
}

/// Makes `server` answer `GET route` with `status`, `content_type` and `body`.
pub async fn serve(server: &MockServer, route: &str, status: u16, content_type: &str, body: &str) {
    serve_bytes(
        server,
        route,
        status,
        content_type,
        body.as_bytes().to_vec(),
    )
    .await;
}

/// Makes `server` answer `GET route` with `status`, `content_type` and `bytes`.
pub async fn serve_bytes(
    server: &MockServer,
    route: &str,
    status: u16,
    content_type: &str,
    bytes: Vec<u8>,
) {
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(status).set_body_raw(bytes, content_type))
        .mount(server)
        .await;
}

/// Makes `server` answer every request no other mock of it answers (any method, any path)
/// with `status`, `content_type` and `body`: a platform that answers every way of asking
/// the same.
pub async fn serve_everywhere(server: &MockServer, status: u16, content_type: &str, body: &str) {
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), content_type),
        )
        .with_priority(u8::MAX)
        .mount(server)
        .await;
}

/// A loopback server playing an image CDN: `/avatar.png` (256×256) and `/banner.png`
/// (1500×500) from `tests/fixtures/images/`.
pub async fn image_cdn() -> MockServer {
    let server = MockServer::start().await;
    for name in ["avatar.png", "banner.png"] {
        let bytes = fixture_bytes(&format!("images/{name}"));
        serve_bytes(&server, &format!("/{name}"), 200, "image/png", bytes).await;
    }
    server
}

/// How many requests `server` has received for `route` (a path, without the query).
pub async fn requests_to(server: &MockServer, route: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == route)
        .count()
}

/// Waits until `server` has received `n` requests for `route`; fails the test after 10 s.
pub async fn wait_for_requests_to(server: &MockServer, route: &str, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let received = requests_to(server, route).await;
        if received >= n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{received} requests for {route} after 10 s, not {n}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
