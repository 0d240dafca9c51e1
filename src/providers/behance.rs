//! Behance: the profile page's og:image (the avatar on Adobe's mir-s3 CDN).

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};

/// The sizes Behance keeps of an avatar, as the path segment after `/user/`; 276 is the
/// largest.
const SIZES: &[&str] = &["50", "100", "115", "138", "230"];

/// Behance creatives.
pub const PROVIDER: Provider = Provider {
    id: "behance",
    name: "Behance",
    input: "username",
    example: "jessicawalsh",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 276,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["behance.net"],
        paths: &["/{handle}"],
        reserved: Reserved(&[
            "about",
            "assets",
            "blog",
            "collection",
            "featured",
            "for_you",
            "galleries",
            "gallery",
            "hire",
            "joblist",
            "jobs",
            "live",
            "login",
            "misc",
            "moodboard",
            "onboarding",
            "search",
            "signup",
        ]),
    },
    handle: |raw| super::ascii_handle(raw, "_-", 60),
    profile_url: |handle| format!("https://www.behance.net/{handle}"),
    strategies: &[Strategy::page(pick)],
    // mir-s3-cdn-cf.behance.net/user/{size}/{file}: 50, 100, 115, 138, 230 → 276.
    upgrade: |url| {
        if !url.contains(".behance.net/user/") {
            return url.to_owned();
        }
        SIZES
            .iter()
            .find(|s| url.contains(&format!("/user/{s}/")))
            .map_or_else(
                || url.to_owned(),
                |s| url.replacen(&format!("/user/{s}/"), "/user/276/", 1),
            )
    },
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let page = pick::page(fetched)?;
    let avatar = page
        .og_image()
        .filter(|u| !u.as_str().contains("/img/profile/no-image"));
    pick::Found::default()
        .name(page.title().as_deref().map(pick::clean_title).as_deref())
        .avatar(avatar.as_ref().map(url::Url::as_str))
        .or_no_image()
}
