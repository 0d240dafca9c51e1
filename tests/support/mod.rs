//! What the integration tests share. Every test crate includes it as `mod support;` and
//! `use support::*;`.
//!
//! - [`server`]: the real `getimages` binary as a separate process ([`spawn_server`],
//!   [`Server`]), and [`raw_http`], a tiny client that never keeps a connection alive.
//! - [`supervisor`]: a socket-activation [`Supervisor`] that starts fresh server processes.
//! - [`app`]: the app as an HTTP client sees it ([`spawn_app`], [`App`], [`Client`],
//!   [`Reply`]) and the assertions on its answers.
//! - [`upstreams`]: loopback servers that play a platform or an image CDN, and the
//!   requests they received.
//! - [`github`]: the fake GitHub API ([`github_api`], [`GithubApi`]).
//! - [`files`]: fixtures under `tests/fixtures/` and temporary folders.
//! - [`images`]: test images, encoded or hand-edited.
//! - [`proxy`]: a loopback HTTP forward proxy that records what it forwards.
//! - [`redis_server`]: a real `redis-server` on a loopback port (the bench `cache_tiers`
//!   includes it too).
//! - [`search`]: every platform a bare name is searched on, played by fakes, and a [`Gate`]
//!   that holds a platform's answers until the test lets them go.
//!
//! Every wait has a timeout, so a bug fails a test instead of hanging it.

// Each test crate compiles this module on its own and uses only part of it: the rest of its
// items, and their re-exports below, go unused there.
#![allow(dead_code, unused_imports)]

pub mod app;
pub mod files;
pub mod github;
pub mod images;
pub mod proxy;
pub mod raw_http;
pub mod redis_server;
pub mod search;
pub mod server;
pub mod supervisor;
pub mod upstreams;

pub use app::*;
pub use files::*;
pub use github::*;
pub use images::*;
pub use proxy::*;
pub use raw_http::*;
pub use redis_server::*;
pub use search::*;
pub use server::*;
pub use supervisor::*;
pub use upstreams::*;
