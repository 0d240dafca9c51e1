//! X (Twitter): the server-rendered profile page it serves to link-preview crawlers.

use super::{Provider, Recognize, Reserved, pick};

/// Size suffixes X puts on avatar file names, smallest first.
const SIZES: &[&str] = &["_mini", "_normal", "_bigger", "_x96", "_200x200"];

/// X, formerly Twitter.
pub const PROVIDER: Provider = Provider {
    id: "x",
    name: "X (Twitter)",
    aliases: &["twitter"],
    input: "username",
    example: "jack",
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
    pick: |fetched, handle| {
        let page = pick::page(fetched)?;
        let banner = page
            .select(r#"img[src*="/profile_banners/"]"#)
            .find_map(|img| img.value().attr("src").and_then(|s| page.resolve(s)));
        let found = pick::from_metadata(page);
        let found = pick::Found {
            name: found.name.map(|n| n.trim_end_matches(" on X").to_owned()),
            ..found
        };
        found
            .banner(banner.as_ref().map(url::Url::as_str))
            .or_not_found(&format!("@{handle} on X"))
    },
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
    ..Provider::DEFAULT
};
