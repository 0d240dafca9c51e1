//! SoundCloud: the profile page's `window.__sc_hydration` user record (avatar and the
//! "visuals" header), falling back to its og:image.

use serde_json::Value;

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::json::{first_str, str_at};
use crate::fetch::Agent;

/// Size suffixes sndcdn puts on avatar file names (`avatars-…-large.jpg`).
const AVATAR_SIZES: &[&str] = &[
    "-mini",
    "-tiny",
    "-small",
    "-badge",
    "-t67x67",
    "-large",
    "-t300x300",
    "-crop",
    "-t120x120",
    "-t200x200",
    "-t240x240",
    "-t250x250",
    "-t50x50",
    "-t60x60",
    "-t80x80",
];

/// SoundCloud artists and listeners.
pub const PROVIDER: Provider = Provider {
    id: "soundcloud",
    name: "SoundCloud",
    aliases: &["sc"],
    input: "username",
    example: "forss",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 500,
    promises_banner: true,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["soundcloud.com"],
        paths: &["/{handle}"],
        reserved: Reserved(&[
            "charts",
            "connect",
            "discover",
            "feed",
            "imprint",
            "jobs",
            "logout",
            "messages",
            "mobile",
            "notifications",
            "pages",
            "people",
            "pro",
            "search",
            "settings",
            "signin",
            "signup",
            "stations",
            "stream",
            "terms-of-use",
            "tracks",
            "upload",
            "you",
        ]),
    },
    handle: |raw| {
        let h = super::ascii_handle(raw, "-_", 50)?.to_ascii_lowercase();
        (!h.starts_with(['-', '_'])).then_some(h)
    },
    profile_url: |handle| format!("https://soundcloud.com/{handle}"),
    strategies: &[Strategy {
        agent: Agent::Browser,
        ..Strategy::page(pick)
    }],
    // Avatars come in fixed sizes named in the file (`-large` is 100×100); `-t500x500` is
    // the largest. Header visuals are kept as given (`-original` or `-t2480x520`).
    upgrade: |url| {
        if !url.contains("/avatars-") {
            return url.to_owned();
        }
        AVATAR_SIZES
            .iter()
            .find(|s| url.contains(&format!("{s}.")))
            .map_or_else(
                || url.to_owned(),
                |s| pick::replace_last(url, s, "-t500x500"),
            )
    },
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let page = pick::page(fetched)?;
    let user = page
        .script_assigned("window.__sc_hydration")
        .and_then(|state| user_record(&state).cloned());
    let Some(user) = user else {
        return pick::from_metadata(&page.metadata()).or_no_image();
    };
    let mut found = pick::Found::default()
        .name(first_str(&user, &["username", "full_name", "permalink"]))
        .avatar(str_at(&user, "avatar_url"))
        .banner(str_at(&user, "visuals.visuals.0.visual_url"));
    if found.avatar_url().is_none() {
        let og = page.og_image();
        found = found.avatar(og.as_ref().map(url::Url::as_str));
    }
    found.profile_url = str_at(&user, "permalink_url").map(str::to_owned);
    found.or_no_image()
}

/// The `user` entry of the hydration array.
fn user_record(state: &Value) -> Option<&Value> {
    state
        .as_array()?
        .iter()
        .find(|entry| str_at(entry, "hydratable") == Some("user"))
        .and_then(|entry| entry.get("data"))
}
