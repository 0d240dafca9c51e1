//! Every platform a bare name is searched on, played by loopback fakes: one that has never
//! heard of anybody (404 to every request) for all of them, unless a test gives a platform
//! its own; and a [`Gate`], a platform that holds every answer until the test opens it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::watch;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The ids of the platforms a bare name is searched on.
pub fn searched_ids() -> Vec<&'static str> {
    getimages::lookup::search::platforms()
        .map(|p| p.id)
        .collect()
}

/// `GETIMAGES_UPSTREAM_<ID>` for every searched platform (and Mastodon and Gravatar, which a
/// `user@host` reaches): `own`'s fake where it names one, else `everyone_else`.
pub fn search_envs(everyone_else: &str, own: &[(&str, &str)]) -> Vec<(String, String)> {
    searched_ids()
        .into_iter()
        .chain(["mastodon", "gravatar"])
        .map(|id| {
            let origin = own
                .iter()
                .find(|(named, _)| *named == id)
                .map_or(everyone_else, |(_, origin)| *origin);
            (
                format!("GETIMAGES_UPSTREAM_{}", id.to_ascii_uppercase()),
                origin.to_owned(),
            )
        })
        .collect()
}

/// `envs` as the `&str` pairs `spawn_app` takes.
pub fn as_pairs(envs: &[(String, String)]) -> Vec<(&str, &str)> {
    envs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// A platform where nobody exists: 404 to every request.
pub async fn nobody_anywhere() -> MockServer {
    let server = MockServer::start().await;
    super::serve_everywhere(&server, 404, "application/json", r#"{"error":"Not Found"}"#).await;
    server
}

/// A GitHub API that knows `login`, with the avatar at `avatar_url`; 404 to anything else.
pub async fn github_knowing(login: &str, avatar_url: &str) -> MockServer {
    let server = nobody_anywhere().await;
    let user = serde_json::json!({
        "login": login,
        "name": format!("{login} on GitHub"),
        "avatar_url": avatar_url,
        "html_url": format!("https://github.com/{login}"),
    });
    Mock::given(method("GET"))
        .and(path(format!("/users/{login}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(user))
        .mount(&server)
        .await;
    server
}

/// A platform that answers every request with 404, but only once the test opens the gate;
/// it counts the requests it has read.
pub struct Gate {
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    open: watch::Sender<bool>,
    requests: Arc<AtomicUsize>,
}

impl Gate {
    /// Starts it, closed.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind gate");
        let origin = format!("http://{}", listener.local_addr().expect("gate address"));
        let (open, watching) = watch::channel(false);
        let requests = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&requests);
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let (mut opened, counted) = (watching.clone(), Arc::clone(&counted));
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 8192];
                    let mut read = 0;
                    while !buf[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buf[read..]).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => read += n,
                        }
                        if read == buf.len() {
                            return;
                        }
                    }
                    counted.fetch_add(1, Ordering::SeqCst);
                    if opened.wait_for(|open| *open).await.is_err() {
                        return;
                    }
                    let body = r#"{"error":"Not Found"}"#;
                    let answer = format!(
                        "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\n\
                         content-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(answer.as_bytes()).await;
                });
            }
        });
        Self {
            origin,
            open,
            requests,
        }
    }

    /// Lets every answer held, and every later one, go.
    pub fn open(&self) {
        let _ = self.open.send(true);
    }

    /// Requests read so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// Waits until at least `n` requests have come in (panics after 10 s).
    pub async fn wait_for_requests(&self, n: usize) {
        for _ in 0..200 {
            if self.requests() >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the gate saw {} requests, not {n}", self.requests());
    }
}
