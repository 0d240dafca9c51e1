//! The fake GitHub API: `GET /users/torvalds` answers `tests/fixtures/github/torvalds.json`
//! and `GET /users/nobody` GitHub's own 404, with what a test needs changed on top
//! ([`GithubApi`]). A search's GitHub, which knows any login, is in [`super::search`].

use std::time::Duration;

use serde_json::Value;
use wiremock::matchers::{any, header, method, path};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

use super::files::fixture;

/// torvalds's avatar in `tests/fixtures/github/torvalds.json`.
pub const TORVALDS_AVATAR: &str = "https://avatars.githubusercontent.com/u/1024025?v=4";

/// A GitHub API that knows torvalds and nobody else.
pub async fn github_api() -> MockServer {
    GithubApi::new().start().await
}

/// A fake GitHub API to start, as a test needs it.
#[derive(Debug, Clone, Default)]
pub struct GithubApi {
    avatar: Option<String>,
    delay: Duration,
    only_with: Option<(&'static str, &'static str)>,
}

impl GithubApi {
    /// Knows torvalds, his avatar on GitHub's CDN, and answers 404 for nobody.
    pub fn new() -> Self {
        Self::default()
    }

    /// torvalds's avatar is at `url` (an image host of the test's) instead.
    pub fn avatar_at(self, url: impl Into<String>) -> Self {
        Self {
            avatar: Some(url.into()),
            ..self
        }
    }

    /// torvalds is answered after `delay`.
    pub fn answering_after(self, delay: Duration) -> Self {
        Self { delay, ..self }
    }

    /// Answers only requests carrying `name: value` (the test proxy's `via`, say), and 403,
    /// a block of our address, to every other request.
    pub fn only_with_header(self, name: &'static str, value: &'static str) -> Self {
        Self {
            only_with: Some((name, value)),
            ..self
        }
    }

    /// Starts it on a loopback port.
    pub async fn start(self) -> MockServer {
        let server = MockServer::start().await;
        let mut torvalds = fixture("github/torvalds.json");
        if let Some(avatar) = &self.avatar {
            let mut user: Value = serde_json::from_str(&torvalds).expect("torvalds.json");
            user["avatar_url"] = avatar.as_str().into();
            torvalds = user.to_string();
        }
        self.users("/users/torvalds")
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(torvalds, "application/json")
                    .set_delay(self.delay),
            )
            .mount(&server)
            .await;
        self.users("/users/nobody")
            .respond_with(
                ResponseTemplate::new(404)
                    .set_body_raw(fixture("github/not-found.json"), "application/json"),
            )
            .mount(&server)
            .await;
        if self.only_with.is_some() {
            Mock::given(any())
                .respond_with(ResponseTemplate::new(403).set_body_raw("blocked", "text/plain"))
                .with_priority(u8::MAX)
                .mount(&server)
                .await;
        }
        server
    }

    /// `GET route`, carrying the header it must, if any.
    fn users(&self, route: &str) -> MockBuilder {
        let mock = Mock::given(method("GET")).and(path(route));
        match self.only_with {
            Some((name, value)) => mock.and(header(name, value)),
            None => mock,
        }
    }
}
