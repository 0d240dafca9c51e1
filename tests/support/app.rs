//! The app under test as a client sees it: [`spawn_app`] starts it, [`App`] and [`Client`]
//! ask it things over HTTP, and [`Reply`] is what comes back.

use std::time::Duration;

use serde_json::Value;
use wiremock::MockServer;

use super::server::{Server, spawn_server};

/// How long an [`App`] request may take before the test fails.
const APP_TIMEOUT: Duration = Duration::from_secs(30);

/// The app under test and an HTTP client that does not follow redirects.
pub struct App {
    /// The server process.
    pub process: Server,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    client: Client,
}

/// Starts the app with `envs` (on top of the test defaults).
pub fn spawn_app(envs: &[(&str, &str)]) -> App {
    let process = spawn_server(envs);
    let base = format!("http://127.0.0.1:{}", process.port);
    let client = Client::for_base(&base, APP_TIMEOUT);
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
    /// `GET path_and_query`, redirects not followed; panics showing the server's log when
    /// there is no complete response.
    pub async fn get(&self, path_and_query: &str) -> Reply {
        self.client.send(path_and_query).await.unwrap_or_else(|e| {
            panic!(
                "GET {path_and_query} failed: {e}\n--- server log ---\n{}",
                self.process.stderr()
            )
        })
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
    let mut path = format!("{route}?q={}", url_encoded(q));
    if let Some(p) = provider {
        path.push_str(&format!("&provider={}", url_encoded(p)));
    }
    path
}

/// `value` encoded for a query string (`application/x-www-form-urlencoded`).
pub fn url_encoded(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
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
    pub fn new(app: &App, timeout: Duration) -> Self {
        Self::for_base(&app.base, timeout)
    }

    fn for_base(base: &str, timeout: Duration) -> Self {
        Self {
            base: base.to_owned(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(timeout)
                .build()
                .expect("test client"),
        }
    }

    /// `GET path_and_query`; panics when the request or its body fails.
    pub async fn get(&self, path_and_query: &str) -> Reply {
        self.send(path_and_query)
            .await
            .unwrap_or_else(|e| panic!("GET {path_and_query}: {e}"))
    }

    async fn send(&self, path_and_query: &str) -> reqwest::Result<Reply> {
        let response = self
            .http
            .get(format!("{}{path_and_query}", self.base))
            .send()
            .await?;
        Reply::read(response).await
    }
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
    /// Reads `response` to the end of its body.
    pub async fn read(response: reqwest::Response) -> reqwest::Result<Self> {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await?.to_vec();
        Ok(Self {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        })
    }

    /// The body as JSON; panics showing the body when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
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

/// Asserts a failed reply (a lookup, an image, a refused request) has `status` and `code`.
pub fn assert_failure(reply: &Reply, status: u16, code: &str) {
    let json = reply.json();
    assert_eq!(reply.status, status, "{json}");
    assert_eq!(json["code"], code, "{json}");
}

/// Asserts the message a failed reply gives the user contains `words`.
pub fn assert_says(reply: &Reply, words: &str) {
    let json = reply.json();
    let message = json["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no message: {json}"));
    assert!(message.contains(words), "want {words:?} in: {json}");
}
