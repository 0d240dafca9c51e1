//! Every provider, through the real HTTP API, against a loopback server playing the
//! platform (`GETIMAGES_UPSTREAM_<ID>`), with fixtures shaped like the platform's answers.

#[path = "../harness/mod.rs"]
mod harness;

mod behance;
mod codepen;
mod deviantart;
mod dribbble;
mod facebook;
mod flickr;
mod github;
mod mastodon;
mod medium;
mod pinterest;
mod real_pages;
mod soundcloud;
mod telegram;
mod x;
