//! Twitch: the public GraphQL API its own web player uses, which gives the profile picture
//! (asked for at 600×600) and the channel banner. The channel page has only the picture.

use serde_json::json;

use super::PickError;
use super::{Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::json::str_at;
use crate::fetch::Request;

/// The public client id of twitch.tv's own web app, which the GraphQL endpoint requires.
const WEB_CLIENT_ID: &str = "kimne78kx3ncx6brgo4mv6wki5h1ko";

/// The fields we read: name, picture at its largest, banner.
const USER_QUERY: &str = "query($login: String!) { user(login: $login) { login displayName \
     profileImageURL(width: 600) bannerImageURL } }";

/// Twitch channels.
pub const PROVIDER: Provider = Provider {
    id: "twitch",
    name: "Twitch",
    input: "channel name",
    example: "ninja",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 600,
    promises_banner: true,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["twitch.tv"],
        paths: &["/{handle}"],
        reserved: Reserved(&[
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
        ]),
    },
    // Logins are 4 to 25 letters, digits and underscores (older ones may be shorter).
    handle: |raw| {
        let h = super::ascii_handle(raw, "_", 25)?;
        (!h.starts_with('_')).then(|| h.to_ascii_lowercase())
    },
    profile_url: |handle| format!("https://www.twitch.tv/{handle}"),
    strategies: &[Strategy::api(
        |handle| {
            let body = json!({ "query": USER_QUERY, "variables": { "login": handle } });
            Request::post_json("https://gql.twitch.tv/gql", body.to_string())
                .with_headers(&[("Client-Id", WEB_CLIENT_ID)])
        },
        pick,
    )],
    upgrade,
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let answer = pick::json(fetched)?;
    // Twitch answers 200 with `errors` when it distrusts the client (integrity checks).
    if str_at(&answer, "errors.0.message").is_some() {
        return Err(PickError::Blocked("an integrity check"));
    }
    let user = answer
        .get("data")
        .and_then(|d| d.get("user"))
        .filter(|u| !u.is_null())
        .ok_or(PickError::NotFound)?;
    // Channels without a picture get one of Twitch's user-default-pictures.
    let avatar = str_at(user, "profileImageURL").filter(|u| !u.contains("/user-default-pictures"));
    pick::Found::default()
        .name(str_at(user, "displayName").or(str_at(user, "login")))
        .avatar(avatar)
        .banner(str_at(user, "bannerImageURL"))
        .or_no_image()
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
    use url::Url;

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
