//! Telegram: the public `t.me/{username}` preview page (users, bots, channels and groups).

use super::PickError;
use super::{Provider, Recognize, Reserved, Strategy, pick};
use crate::fetch::Agent;

/// Telegram users, bots, channels and public groups.
pub const PROVIDER: Provider = Provider {
    id: "telegram",
    name: "Telegram",
    aliases: &["tg"],
    input: "username",
    example: "durov",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 640,
    promises_banner: false,
    takes_username: true,
    // `/s/{name}` is a channel's public message feed, same avatar.
    recognize: Recognize::Rules {
        hosts: &["t.me", "telegram.me", "telegram.dog"],
        paths: &["/s/{handle}", "/{handle}"],
        reserved: Reserved(&[
            "addemoji",
            "addlist",
            "addstickers",
            "addtheme",
            "boost",
            "c",
            "confirmphone",
            "contact",
            "giftcode",
            "invoice",
            "iv",
            "joinchat",
            "login",
            "proxy",
            "setlanguage",
            "share",
            "socks",
        ]),
    },
    handle: normalize,
    profile_url: |handle| format!("https://t.me/{handle}"),
    strategies: &[Strategy {
        agent: Agent::Browser,
        ..Strategy::page(pick)
    }],
    // cdn*.telesco.pe/file/<token>.jpg is signed and served in one size (640×640).
    upgrade: super::same_size,
    placeholders: &["telegram.org/img/t_logo"],
    credentials: None,
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let page = pick::page(fetched)?;
    let title = page
        .select(".tgme_page_title")
        .next()
        .map(|t| t.text().collect::<String>());
    // An unknown username still gets a 200 page: the generic "contact @name" card,
    // without a title and with the Telegram logo as its og:image.
    let Some(title) = title.filter(|t| !t.trim().is_empty()) else {
        return Err(PickError::NotFound);
    };
    let avatar = page
        .largest_src("img.tgme_page_photo_image")
        .or_else(|| page.og_image());
    pick::Found::default()
        .name(Some(&title))
        .avatar(avatar.as_ref().map(url::Url::as_str))
        .or_no_image()
}

/// 4 to 32 letters, digits and underscores, starting with a letter.
fn normalize(raw: &str) -> Option<String> {
    let h = super::ascii_handle(raw, "_", 32)?;
    let ok = h.len() >= 4 && h.starts_with(|c: char| c.is_ascii_alphabetic()) && !h.ends_with('_');
    ok.then_some(h)
}
