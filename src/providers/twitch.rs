//! Twitch: the public channel page's og:image (the profile picture at 300×300, asked for at
//! 600×600). The channel banner is only in Twitch's GraphQL API, not on the page, so none is
//! returned.

use url::Url;

use super::{Provider, Target, pick};
use crate::fetch::{Agent, Fetched};
use crate::lookup::LookupError;

/// Twitch channels.
pub const PROVIDER: Provider = Provider {
    id: "twitch",
    name: "Twitch",
    aliases: &[],
    input: "channel name",
    example: "ninja",
    hosts: &["twitch.tv"],
    paths: &["/{handle}"],
    reserved: &[
        "bits",
        "broadcast",
        "creatorcamp",
        "directory",
        "downloads",
        "drops",
        "embed",
        "event",
        "following",
        "friends",
        "inventory",
        "jobs",
        "login",
        "messages",
        "moderator",
        "p",
        "payments",
        "popout",
        "prime",
        "privacy",
        "search",
        "settings",
        "signup",
        "store",
        "subscriptions",
        "team",
        "turbo",
        "u",
        "videos",
        "wallet",
    ],
    recognize: None,
    // Logins are 4 to 25 letters, digits and underscores (older ones may be shorter).
    handle: |raw| {
        let h = super::plain_handle(raw, "_", 25)?;
        (h.is_ascii() && !h.starts_with('_')).then(|| h.to_ascii_lowercase())
    },
    agent: Agent::Crawler,
    request: |handle| Target::page(format!("https://www.twitch.tv/{handle}")),
    profile_url: |handle| format!("https://www.twitch.tv/{handle}"),
    pick,
    upgrade,
};

fn pick(fetched: &Fetched, handle: &str) -> Result<pick::Found, LookupError> {
    let page = pick::page(fetched)?;
    // An unknown channel still gets a 200 page, whose og:image is Twitch's own logo
    // (ttv-static-metadata) and whose title is just "Twitch"; a channel without a picture
    // has one of the user-default-pictures.
    let avatar = page
        .og_image()
        .filter(|u| u.path().contains("/jtv_user_pictures/"));
    let name = page
        .title()
        .map(|t| pick::clean_title(&t))
        .filter(|t| !t.eq_ignore_ascii_case("twitch"));
    pick::Found::default()
        .name(name.as_deref())
        .avatar(avatar.as_ref().map(Url::as_str))
        .or_not_found(&format!("The Twitch channel {handle}"))
}

/// `…-profile_image-300x300.png` → `…-profile_image-600x600.png` (also the older
/// `login-profile_image-<hash>-300x300.jpeg`): static-cdn.jtvnw.net renders profile
/// pictures at 600, 300, 150, 70, 50 and 28 pixels, 600 being the largest.
fn upgrade(url: &str) -> String {
    if !url.contains("-profile_image-") {
        return url.to_owned();
    }
    let Some(dash) = url.rfind('-') else {
        return url.to_owned();
    };
    let tail = &url[dash + 1..];
    let Some((w, rest)) = tail.split_once('x') else {
        return url.to_owned();
    };
    let h_len = rest.chars().take_while(char::is_ascii_digit).count();
    let sized = !w.is_empty() && w.chars().all(|c| c.is_ascii_digit()) && h_len > 0;
    if !sized || !rest[h_len..].starts_with('.') {
        return url.to_owned();
    }
    format!("{}-600x600{}", &url[..dash], &rest[h_len..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twitchs_own_pages_are_not_channels() {
        let url = |s: &str| Url::parse(s).unwrap();
        assert_eq!(
            PROVIDER.recognize_url(&url("https://www.twitch.tv/Ninja/videos")),
            Some("ninja".into())
        );
        for other in [
            "https://www.twitch.tv/directory/category/fortnite",
            "https://www.twitch.tv/settings/profile",
            "https://www.twitch.tv/",
        ] {
            assert_eq!(PROVIDER.recognize_url(&url(other)), None, "{other}");
        }
    }

    #[test]
    fn profile_pictures_are_asked_for_at_600px() {
        assert_eq!(
            upgrade(
                "https://static-cdn.jtvnw.net/jtv_user_pictures/90d40495-f467-4911-9035-72d8d10a49c5-profile_image-300x300.png"
            ),
            "https://static-cdn.jtvnw.net/jtv_user_pictures/90d40495-f467-4911-9035-72d8d10a49c5-profile_image-600x600.png"
        );
        assert_eq!(
            upgrade(
                "https://static-cdn.jtvnw.net/jtv_user_pictures/ninja-profile_image-ff7f3a4f4a5a1d2e-70x70.jpeg"
            ),
            "https://static-cdn.jtvnw.net/jtv_user_pictures/ninja-profile_image-ff7f3a4f4a5a1d2e-600x600.jpeg"
        );
        let other = "https://static-cdn.jtvnw.net/jtv_user_pictures/x-profile_banner-480.png";
        assert_eq!(upgrade(other), other);
    }
}
