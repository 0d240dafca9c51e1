//! Buy Me a Coffee: a creator's page (`https://buymeacoffee.com/{name}`), read through the
//! page state its app is rendered from (the `data-page` JSON of `#app`, as unavatar reads it).

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::json::{parse_lenient, str_at};

/// Buy Me a Coffee creators.
pub const PROVIDER: Provider = Provider {
    id: "buymeacoffee",
    name: "Buy Me a Coffee",
    aliases: &["bmc"],
    input: "page name",
    example: "kikobeats",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 100,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["buymeacoffee.com"],
        paths: &["/{handle}"],
        reserved: Reserved(&[
            "about",
            "apps",
            "blog",
            "brand",
            "dashboard",
            "explore",
            "explore-creators",
            "extras",
            "faq",
            "features",
            "login",
            "membership",
            "pricing",
            "privacy-policy",
            "signup",
            "terms",
        ]),
    },
    handle: |raw| super::ascii_handle(raw, "_-", 60).map(|h| h.to_ascii_lowercase()),
    profile_url: |handle| format!("https://buymeacoffee.com/{handle}"),
    strategies: &[Strategy::page(pick)],
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let page = pick::page(fetched)?;
    let state = page
        .select("#app[data-page]")
        .next()
        .and_then(|app| parse_lenient(app.value().attr("data-page")?))
        .ok_or(PickError::Unreadable("page state"))?;
    let creator = |key: &str| str_at(&state, &format!("props.creator_data.data.{key}"));
    pick::Found::default()
        .name(creator("name"))
        .avatar(creator("dp"))
        .or_no_image()
}
