//! Threads: the public profile page (threads.net, now also threads.com) as served to
//! link-preview crawlers; its og:image is the profile picture, the same signed
//! Instagram-CDN file as the account's Instagram picture. Threads shows no banner.

use url::Url;

use super::PickError;
use super::{Provider, Recognize, Reserved, Strategy, pick};

/// Threads accounts.
pub const PROVIDER: Provider = Provider {
    id: "threads",
    name: "Threads",
    input: "@username",
    example: "zuck",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 150,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["threads.net", "threads.com"],
        paths: &["/@{handle}"],
        reserved: Reserved::NONE,
    },
    // Threads usernames are the account's Instagram username.
    handle: |raw| {
        super::ascii_handle(raw.trim().trim_end_matches('/'), "._", 30)
            .map(|h| h.to_ascii_lowercase())
    },
    profile_url: |handle| format!("https://www.threads.net/@{handle}"),
    strategies: &[Strategy::page(pick)],
    // Signed over its query (`oh=`, `oe=`): kept as served.
    upgrade: super::same_size,
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let page = pick::page(fetched)?;
    let avatar = page.og_image();
    // "Name (@handle) • Threads, Say more" → "Name".
    let name = page.title().map(|t| pick::clean_title(&t));
    pick::Found::default()
        .name(name.as_deref())
        .avatar(avatar.as_ref().map(Url::as_str))
        .or_no_image()
}
