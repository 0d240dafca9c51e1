//! Steam Community: the public profile page (`/id/{vanity}` or `/profiles/{steamid64}`). The
//! avatar is the header's `_full` picture (og:image as fallback); the banner is the profile
//! background, when the profile has one. A private profile's og:image is Steam's generic
//! share picture (`steam_share_image.jpg`), never taken; its avatar is in the `.playerAvatar`
//! `<picture>`'s `srcset`.

use url::Url;

use super::PickError;
use super::{Provider, Recognize, Reserved, Strategy, pick};
use crate::fetch::Agent;

/// The hash of Steam's default "?" avatar.
const DEFAULT_AVATAR: &str = "fef49e7fa7e1997310d705b2a6158ff8dc1cdfeb";

/// The header avatar, not the avatar frame drawn over it (`.profile_avatar_frame img`).
const AVATAR_IMG: &str =
    ".playerAvatarAutoSizeInner > img, .playerAvatarAutoSizeInner > picture > img";

/// Where a private profile's avatar is: the `.playerAvatar` `<picture>`'s sources.
const PRIVATE_AVATAR: &str = ".playerAvatar picture > source[srcset]";

/// Steam Community profiles.
pub const PROVIDER: Provider = Provider {
    id: "steam",
    name: "Steam",
    aliases: &["steamcommunity"],
    input: "custom URL name or SteamID64",
    example: "gabelogannewell",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 184,
    promises_banner: true,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["steamcommunity.com"],
        paths: &["/id/{handle}", "/profiles/{handle}"],
        reserved: Reserved::NONE,
    },
    // Custom URL names are 2 to 32 letters, digits, underscores and hyphens; SteamID64s are
    // 17 digits.
    handle: |raw| super::ascii_handle(raw.trim().trim_end_matches('/'), "_-", 32),
    profile_url,
    strategies: &[Strategy {
        agent: Agent::Browser,
        ..Strategy::page(pick)
    }],
    upgrade,
    placeholders: &["steam_share_image.jpg"],
    credentials: None,
};

/// `/profiles/{id}` for a SteamID64 (17 digits, 7656119…), `/id/{name}` otherwise.
fn profile_url(handle: &str) -> String {
    let is_id64 = handle.len() == 17
        && handle.starts_with("7656119")
        && handle.chars().all(|c| c.is_ascii_digit());
    if is_id64 {
        format!("https://steamcommunity.com/profiles/{handle}")
    } else {
        format!("https://steamcommunity.com/id/{handle}")
    }
}

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let page = pick::page(fetched)?;
    // Unknown profiles get a 200 error page (with Steam's logo as og:image).
    let missing = page
        .select("#message h3, .error_ctn h3")
        .any(|h| h.text().collect::<String>().contains("could not be found"));
    if missing {
        return Err(PickError::NotFound);
    }
    let avatar = page
        .largest_src(AVATAR_IMG)
        .or_else(|| page.largest_src(PRIVATE_AVATAR))
        .or_else(|| page.og_image())
        .filter(|u| !u.path().contains(DEFAULT_AVATAR));
    let background = page.background_image(".profile_page.has_profile_background");
    let name = page
        .select(".actual_persona_name")
        .next()
        .map(|n| n.text().collect::<String>())
        .or_else(|| {
            page.title()
                .map(|t| t.trim_start_matches("Steam Community ::").to_owned())
        });
    pick::Found::default()
        .name(name.as_deref())
        .avatar(avatar.as_ref().map(Url::as_str))
        .banner(background.as_ref().map(Url::as_str))
        .or_no_image()
}

/// Steam avatars come as `<hash>.jpg` (32 px), `<hash>_medium.jpg` (64 px) and
/// `<hash>_full.jpg` (184 px, the largest) on avatars.*.steamstatic.com (and the older
/// steamcdn-a.akamaihd.net `/avatars/` paths).
fn upgrade(url: &str) -> String {
    let is_avatar = url.contains("avatars.") || url.contains("/avatars/");
    if !is_avatar || url.contains("_full.") {
        return url.to_owned();
    }
    if url.contains("_medium.") {
        return pick::replace_last(url, "_medium.", "_full.");
    }
    let Some(dot) = url.rfind('.') else {
        return url.to_owned();
    };
    let stem = &url[..dot];
    let hash_len = stem
        .chars()
        .rev()
        .take_while(char::is_ascii_hexdigit)
        .count();
    if hash_len == 40 {
        format!("{stem}_full{}", &url[dot..])
    } else {
        url.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avatars_are_asked_for_full() {
        let hash = "c5d56249ee5d28a07db4ac9f7f60af961fab5426";
        let full = format!("https://avatars.fastly.steamstatic.com/{hash}_full.jpg");
        assert_eq!(
            upgrade(&format!(
                "https://avatars.fastly.steamstatic.com/{hash}_medium.jpg"
            )),
            full
        );
        assert_eq!(
            upgrade(&format!(
                "https://avatars.fastly.steamstatic.com/{hash}.jpg"
            )),
            full
        );
        assert_eq!(upgrade(&full), full);
        let bg = "https://cdn.fastly.steamstatic.com/steamcommunity/public/images/items/1/ab.jpg";
        assert_eq!(upgrade(bg), bg);
    }
}
