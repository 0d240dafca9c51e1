//! Every provider, through the real HTTP API, against a loopback server playing the
//! platform (`GETIMAGES_UPSTREAM_<ID>`), with fixtures shaped like the platform's answers.

#[path = "../harness/mod.rs"]
mod harness;

mod github;
mod mastodon;
mod real_pages;
mod x;
