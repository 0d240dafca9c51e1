//! Thingiverse: the maker's profile page (`https://www.thingiverse.com/{handle}`), read
//! through its og:image, as unavatar reads it. The og:image is a resizer URL
//! (`resize.thingiverse.com/?url={original}&w=…`); the picture is the original it names.

use url::Url;

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::fetch::Agent;

/// Thingiverse makers.
pub const PROVIDER: Provider = Provider {
    id: "thingiverse",
    name: "Thingiverse",
    input: "username",
    example: "vitaminrad",
    missing_handle: "no-such-maker-zz9",
    avatar_floor_px: 200,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["thingiverse.com"],
        paths: &["/{handle}"],
        reserved: Reserved(&[
            "about",
            "app",
            "apps",
            "challenges",
            "collections",
            "customizable",
            "dashboard",
            "developers",
            "education",
            "explore",
            "featured",
            "groups",
            "help",
            "legal",
            "login",
            "make",
            "messages",
            "newest",
            "notifications",
            "popular",
            "privacy",
            "register",
            "search",
            "settings",
            "tag",
            "terms",
            "thingiverse-pro",
        ]),
    },
    handle: |raw| super::ascii_handle(raw, "_-", 64),
    profile_url: |handle| format!("https://www.thingiverse.com/{handle}"),
    strategies: &[Strategy {
        agent: Agent::Browser,
        ..Strategy::page(pick)
    }],
    upgrade: original,
    // The stock avatar makers without a picture get.
    placeholders: &["/site/img/default/avatar"],
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let metadata = fetched.metadata()?;
    let name = metadata.title_text().map(|t| pick::clean_title(&t));
    let avatar = metadata.og_image().map(|url| original(url.as_str()));
    pick::Found::default()
        .name(name.as_deref())
        .avatar(avatar.as_deref())
        .or_no_image()
}

/// The original a `resize.thingiverse.com/?url=…` URL names; any other URL as it is.
fn original(url: &str) -> String {
    Url::parse(url)
        .ok()
        .filter(|u| u.host_str() == Some("resize.thingiverse.com"))
        .and_then(|u| {
            u.query_pairs()
                .find(|(k, _)| k == "url")
                .map(|(_, v)| v.into_owned())
        })
        .filter(|v| v.starts_with("https://"))
        .unwrap_or_else(|| url.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resizer_urls_give_way_to_the_original() {
        assert_eq!(
            original(
                "https://resize.thingiverse.com/?url=https://cdn.thingiverse.com/renders/76/a7/80/22/dc/IMG_0309.jpg&w=292&h=219&fit=contain&cbg=white&n=-1"
            ),
            "https://cdn.thingiverse.com/renders/76/a7/80/22/dc/IMG_0309.jpg"
        );
        let plain = "https://cdn.thingiverse.com/avatar.jpg";
        assert_eq!(original(plain), plain);
    }
}
