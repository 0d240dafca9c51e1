//! Letterboxd: the member's profile page (`https://letterboxd.com/{handle}/`), whose header
//! shows the avatar (`.profile-avatar img`, 220 px); the og:image when the header is not
//! there. Letterboxd sits behind Cloudflare, which challenges datacenter addresses.
//!
//! unavatar has no Letterboxd provider; its API takes a key Letterboxd grants on request.

use url::Url;

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::fetch::Agent;

/// The crop we ask Letterboxd's resizer for: its avatars are
/// `a.ltrbxd.com/resized/avatar/…/avtr-0-{w}-0-{h}-crop.jpg`, rendered at the size the name
/// states. 1000 is the largest crop we have seen it serve (public Letterboxd tools ask for
/// it); where it stops answering, the image check falls back to the crop the page served.
const LARGEST: &str = "avtr-0-1000-0-1000-crop";

/// Letterboxd members.
pub const PROVIDER: Provider = Provider {
    id: "letterboxd",
    name: "Letterboxd",
    input: "username",
    example: "dave",
    missing_handle: "nosuchmember9zz",
    // The 1000 px crop asked (`LARGEST`).
    avatar_floor_px: 1000,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["letterboxd.com"],
        paths: &["/{handle}"],
        reserved: Reserved(&[
            "about",
            "activity",
            "actor",
            "api-beta",
            "apps",
            "contact",
            "crew",
            "director",
            "films",
            "journal",
            "legal",
            "list",
            "lists",
            "members",
            "pro",
            "reviews",
            "search",
            "settings",
            "showdown",
            "sign-in",
            "create-account",
            "tag",
            "welcome",
            "year-in-review",
        ]),
    },
    handle: |raw| {
        let h = super::ascii_handle(raw, "_", 15)?.to_ascii_lowercase();
        (h.len() >= 2).then_some(h)
    },
    profile_url: |handle| format!("https://letterboxd.com/{handle}/"),
    strategies: &[Strategy {
        agent: Agent::Browser,
        ..Strategy::page(pick)
    }],
    upgrade,
    placeholders: &["s.ltrbxd.com/static/img/avatar"],
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let page = pick::page(fetched)?;
    let avatar = page
        .largest_src(".profile-avatar img")
        .or_else(|| page.og_image());
    let name = page
        .select(".profile-name .displayname, .profile-name h1")
        .next()
        .map(|t| t.text().collect::<String>())
        .or_else(|| page.meta(&["og:title"]).map(|t| pick::clean_title(&t)));
    pick::Found::default()
        .name(name.as_deref())
        .avatar(avatar.as_ref().map(Url::as_str))
        .or_no_image()
}

/// Any `avtr-0-{w}-0-{h}-crop` crop becomes the 1000 px one; its `?v=` stays.
fn upgrade(url: &str) -> String {
    if !url.contains("ltrbxd.com/resized/avatar/") {
        return url.to_owned();
    }
    let Some(start) = url.rfind("avtr-0-") else {
        return url.to_owned();
    };
    let Some(len) = url[start..].find("-crop") else {
        return url.to_owned();
    };
    let size = &url[start + "avtr-0-".len()..start + len];
    let sized = size
        .split('-')
        .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    if !sized {
        return url.to_owned();
    }
    format!(
        "{}{LARGEST}{}",
        &url[..start],
        &url[start + len + "-crop".len()..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avatar_crops_grow_to_1000() {
        assert_eq!(
            upgrade(
                "https://a.ltrbxd.com/resized/avatar/upload/1/4/4/4/1/0/3/shard/avtr-0-220-0-220-crop.jpg?v=484d4bfb0a"
            ),
            "https://a.ltrbxd.com/resized/avatar/upload/1/4/4/4/1/0/3/shard/avtr-0-1000-0-1000-crop.jpg?v=484d4bfb0a"
        );
        let other = "https://a.ltrbxd.com/resized/film-poster/5/1/8/7/5187-0-230-0-345-crop.jpg";
        assert_eq!(upgrade(other), other);
    }
}
