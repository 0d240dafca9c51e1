//! Helpers for lookup tests: loopback upstreams that play a platform, the app spawned to
//! talk to them, and short ways to ask it things over HTTP.

// Each test crate uses part of this.
#![allow(dead_code)]

#[path = "../support/mod.rs"]
pub mod support;

use std::path::PathBuf;

use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub use support::TestApp;

/// The app under test and an HTTP client that does not follow redirects.
pub struct App {
    /// The server process.
    pub process: TestApp,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    client: reqwest::Client,
}

/// A reply as the test sees it.
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
    /// Body as text (invalid UTF-8 replaced).
    pub text: String,
    /// Body as sent.
    pub bytes: Vec<u8>,
}

impl Reply {
    /// The body as JSON; panics showing the body when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Starts the app with `envs` (on top of the test defaults).
pub fn spawn_app(envs: &[(&str, &str)]) -> App {
    let process = support::spawn_app(envs);
    let base = format!("http://127.0.0.1:{}", process.port);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("test client");
    App {
        process,
        base,
        client,
    }
}

/// Starts the app with provider `id`'s requests sent to `upstream`.
pub fn spawn_app_for(id: &str, upstream: &MockServer) -> App {
    let var = format!(
        "GETIMAGES_UPSTREAM_{}",
        id.to_ascii_uppercase().replace('-', "_")
    );
    spawn_app(&[(var.as_str(), upstream.uri().as_str())])
}

impl App {
    /// `GET path_and_query`, redirects not followed.
    pub async fn get(&self, path_and_query: &str) -> Reply {
        let response = self
            .client
            .get(format!("{}{path_and_query}", self.base))
            .send()
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "GET {path_and_query} failed: {e}\n--- server log ---\n{}",
                    self.process.stderr()
                )
            });
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response
            .bytes()
            .await
            .map(|b| b.to_vec())
            .unwrap_or_default();
        Reply {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        }
    }

    /// `GET /api/v1/lookup?q=…[&provider=…]`.
    pub async fn api_lookup(&self, q: &str, provider: Option<&str>) -> Reply {
        self.get(&lookup_path("/api/v1/lookup", q, provider)).await
    }

    /// `GET /lookup?q=…[&provider=…]` (the results page).
    pub async fn page_lookup(&self, q: &str, provider: Option<&str>) -> Reply {
        self.get(&lookup_path("/lookup", q, provider)).await
    }
}

fn lookup_path(route: &str, q: &str, provider: Option<&str>) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("q", q);
    if let Some(p) = provider {
        query.append_pair("provider", p);
    }
    format!("{route}?{}", query.finish())
}

/// A client for the app that follows no redirects and gives up after a timeout, so a hang
/// fails the test instead of blocking it. Cheap to clone into tasks.
#[derive(Clone)]
pub struct Client {
    base: String,
    http: reqwest::Client,
}

impl Client {
    /// A client for `app` whose requests give up after `timeout`.
    pub fn new(app: &App, timeout: std::time::Duration) -> Self {
        Self {
            base: app.base.clone(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(timeout)
                .build()
                .expect("test client"),
        }
    }

    /// `GET path_and_query`; panics when the request or its body fails.
    pub async fn get(&self, path_and_query: &str) -> Reply {
        let response = self
            .http
            .get(format!("{}{path_and_query}", self.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path_and_query}: {e}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response
            .bytes()
            .await
            .unwrap_or_else(|e| panic!("GET {path_and_query}, body: {e}"))
            .to_vec();
        Reply {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        }
    }
}

/// A fixture file under `tests/fixtures/`.
pub fn fixture(relative: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// A loopback server answering `GET route` with `body` as `content_type`, status 200.
pub async fn upstream_serving(route: &str, content_type: &str, body: &str) -> MockServer {
    let server = MockServer::start().await;
    serve(&server, route, 200, content_type, body).await;
    server
}

/// Makes `server` answer `GET route` with `status`, `content_type` and `body`.
pub async fn serve(server: &MockServer, route: &str, status: u16, content_type: &str, body: &str) {
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(
            ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), content_type),
        )
        .mount(server)
        .await;
}

/// A loopback server playing an image CDN: `/avatar.png` (256×256) and `/banner.png`
/// (1500×500) from `tests/fixtures/images/`.
pub async fn image_cdn() -> MockServer {
    let server = MockServer::start().await;
    for name in ["avatar.png", "banner.png"] {
        let bytes = std::fs::read(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/images")
                .join(name),
        )
        .expect("image fixture");
        Mock::given(method("GET"))
            .and(path(format!("/{name}")))
            .respond_with(ResponseTemplate::new(200).set_body_raw(bytes, "image/png"))
            .mount(&server)
            .await;
    }
    server
}

/// The `data` of a successful lookup reply; panics showing the reply otherwise.
pub fn success(reply: &Reply) -> Value {
    let json = reply.json();
    assert_eq!(reply.status, 200, "{json}");
    assert_eq!(json["status"], "success", "{json}");
    json["data"].clone()
}

/// The URL of the image of `kind` in lookup `data`.
pub fn image_url<'a>(data: &'a Value, kind: &str) -> Option<&'a str> {
    data["images"]
        .as_array()?
        .iter()
        .find(|i| i["kind"] == kind)?["url"]
        .as_str()
}

/// Asserts a failed lookup reply has `status` and `code`.
pub fn assert_failure(reply: &Reply, status: u16, code: &str) {
    let json = reply.json();
    assert_eq!(reply.status, status, "{json}");
    assert_eq!(json["code"], code, "{json}");
}
