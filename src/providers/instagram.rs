//! Instagram: the public profile page as served to link-preview crawlers; its og:image is
//! the profile picture. Instagram shows no banner.

use url::Url;

use super::PickError;
use super::{Provider, Recognize, Reserved, Strategy, pick};

/// Instagram accounts.
pub const PROVIDER: Provider = Provider {
    id: "instagram",
    name: "Instagram",
    aliases: &["ig"],
    input: "username",
    example: "instagram",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 150,
    promises_banner: false,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["instagram.com"],
        paths: &["/{handle}"],
        reserved: Reserved(&[
            "about",
            "accounts",
            "api",
            "challenge",
            "developer",
            "direct",
            "directory",
            "emails",
            "explore",
            "graphql",
            "legal",
            "p",
            "privacy",
            "reel",
            "reels",
            "static",
            "stories",
            "terms",
            "tv",
            "web",
        ]),
    },
    // Up to 30 letters, digits, periods and underscores.
    handle: |raw| {
        super::ascii_handle(raw.trim().trim_end_matches('/'), "._", 30)
            .map(|h| h.to_ascii_lowercase())
    },
    profile_url: |handle| format!("https://www.instagram.com/{handle}/"),
    strategies: &[Strategy::page(pick)],
    // The og:image (`…/t51.2885-19/…_n.jpg?stp=dst-jpg_s150x150…&oh=…&oe=…`) is signed over
    // its query: any size change breaks the signature, so it is kept as served.
    upgrade: super::same_size,
    placeholders: &["static.cdninstagram.com/rsrc.php"],
    credentials: None,
};

fn pick(fetched: &pick::Response, handle: &str) -> Result<pick::Found, PickError> {
    // A login redirect (/accounts/login/?next=…) was refused when fetched (`fetch::block`).
    let page = pick::page(fetched)?;
    let avatar = page.og_image();
    // "Name (@handle) • Instagram photos and videos" → "Name".
    let name = page
        .title()
        .map(|t| pick::clean_title(&t))
        .filter(|t| !t.eq_ignore_ascii_case("instagram") || handle == "instagram");
    pick::Found::default()
        .name(name.as_deref())
        .avatar(avatar.as_ref().map(Url::as_str))
        .or_no_image()
}
