//! X (Twitter): the server-rendered profile page it serves to link-preview crawlers, then
//! `x.com/intent/user?screen_name=` (what unavatar asks today), which carries the same
//! metadata for handles whose profile page has none (those starting with `_`, for one).

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::fetch::Request;

/// Size suffixes X puts on avatar file names, smallest first.
const SIZES: &[&str] = &["_mini", "_normal", "_bigger", "_x96", "_200x200"];

/// X, formerly Twitter.
pub const PROVIDER: Provider = Provider {
    id: "x",
    name: "X (Twitter)",
    aliases: &["twitter"],
    input: "username",
    example: "jack",
    missing_handle: "nosuch8d2kq7w3",
    avatar_floor_px: 400,
    promises_banner: true,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["x.com", "twitter.com", "mobile.twitter.com", "mobile.x.com"],
        paths: &["/{handle}"],
        reserved: Reserved(&[
            "home",
            "explore",
            "notifications",
            "messages",
            "settings",
            "i",
            "search",
            "login",
            "signup",
            "tos",
            "privacy",
            "intent",
            "share",
            "hashtag",
            "compose",
            "account",
        ]),
    },
    handle: |raw| super::plain_handle(raw, "_", 15),
    profile_url: |handle| format!("https://x.com/{handle}"),
    strategies: &[
        Strategy::page(pick),
        Strategy {
            name: "intent",
            ..Strategy::page_at(
                |handle| Request::get(format!("https://x.com/intent/user?screen_name={handle}")),
                pick,
            )
        },
    ],
    upgrade: |url| {
        if url.contains("/profile_banners/") {
            return url.to_owned();
        }
        SIZES
            .iter()
            .find(|s| url.contains(&format!("{s}.")))
            .map_or_else(
                || url.to_owned(),
                |s| pick::replace_last(url, s, "_400x400"),
            )
    },
    placeholders: &[
        "abs.twimg.com/rweb/ssr/default",
        "abs.twimg.com/responsive-web",
        "abs.twimg.com/sticky/default_profile_images",
        "/default_profile_images/",
    ],
    credentials: None,
};

/// A profile page (or the intent page): og/JSON-LD metadata, and the banner `<img>`.
fn pick(response: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let page = pick::page(response)?;
    let banner = page
        .select(r#"img[src*="/profile_banners/"]"#)
        .find_map(|img| img.value().attr("src").and_then(|s| page.resolve(s)));
    let found = pick::from_metadata(&page.metadata());
    let found = pick::Found {
        name: found.name.map(|n| n.trim_end_matches(" on X").to_owned()),
        ..found
    };
    found
        .banner(banner.as_ref().map(url::Url::as_str))
        .or_no_image()
}
