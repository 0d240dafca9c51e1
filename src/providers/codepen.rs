//! CodePen: the profile page's og:image (the avatar on assets.codepen.io).

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};

/// The largest square CodePen asks of its image service for avatars.
const FULL: &str = "512";

/// CodePen users.
pub const PROVIDER: Provider = Provider {
    id: "codepen",
    name: "CodePen",
    input: "username",
    example: "chriscoyier",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 256,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["codepen.io"],
        paths: &["/{handle}"],
        reserved: Reserved(&[
            "about",
            "accounts",
            "challenges",
            "collection",
            "features",
            "hire",
            "login",
            "pen",
            "pricing",
            "privacy",
            "pro",
            "project",
            "search",
            "settings",
            "signup",
            "spark",
            "support",
            "team",
            "topics",
            "trending",
            "your-work",
        ]),
    },
    handle: |raw| super::ascii_handle(raw, "-_", 40),
    profile_url: |handle| format!("https://codepen.io/{handle}"),
    strategies: &[Strategy::page(pick)],
    // assets.codepen.io resizes by `width`/`height` (the page asks 80 or 256): ask 512.
    upgrade: |url| {
        if !url.contains("assets.codepen.io/") || !url.contains("height=") {
            return url.to_owned();
        }
        let url = pick::with_query(url, "height", FULL);
        pick::with_query(&url, "width", FULL)
    },
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    // og:title is "Name on CodePen".
    pick::metadata(fetched)?.or_no_image()
}
