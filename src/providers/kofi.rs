//! Ko-fi: a creator's page (`https://ko-fi.com/{name}`): the profile picture
//! (`img#profilePicture`, as unavatar reads it), else the og:image.

use url::Url;

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};

/// Ko-fi creators.
pub const PROVIDER: Provider = Provider {
    id: "kofi",
    name: "Ko-fi",
    aliases: &["ko-fi"],
    input: "page name",
    example: "kikobeats",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 100,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["ko-fi.com"],
        paths: &["/{handle}"],
        reserved: Reserved(&[
            "about",
            "account",
            "album",
            "blog",
            "c",
            "explore",
            "features",
            "gold",
            "home",
            "i",
            "login",
            "manage",
            "post",
            "s",
            "search",
            "shop",
            "signup",
            "streamalerts",
            "summary",
        ]),
    },
    handle: |raw| super::ascii_handle(raw, "_", 60).map(|h| h.to_ascii_lowercase()),
    profile_url: |handle| format!("https://ko-fi.com/{handle}"),
    strategies: &[Strategy::page(pick)],
    // Ko-fi's own artwork (its cup logo, the stand-in for a creator without a picture) is
    // served from the site's /img/ folder, a creator's upload from storage.ko-fi.com.
    placeholders: &["ko-fi.com/img/"],
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let page = pick::page(fetched)?;
    let avatar = page
        .largest_src("img#profilePicture")
        .filter(|u| !super::is_placeholder(u.as_str()))
        .or_else(|| page.og_image());
    // og:title reads "Support {name} on Ko-fi! ❤️. ko-fi.com/{handle} …".
    let name = page.meta(&["og:title"]).and_then(|title| {
        let rest = title.strip_prefix("Support ")?;
        rest.find(" on Ko-fi").map(|end| rest[..end].to_owned())
    });
    pick::Found::default()
        .name(name.as_deref())
        .avatar(avatar.as_ref().map(Url::as_str))
        .or_no_image()
}
