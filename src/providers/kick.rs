//! Kick: the channel API its own web app reads (`https://kick.com/api/v2/channels/{slug}`),
//! which gives the streamer's picture and the channel banner without a login.

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::json::str_at;
use crate::fetch::Request;

/// Kick channels.
pub const PROVIDER: Provider = Provider {
    id: "kick",
    name: "Kick",
    input: "channel name",
    example: "adinross",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 150,
    promises_banner: true,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["kick.com"],
        paths: &["/{handle}"],
        reserved: Reserved(&[
            "api",
            "auth",
            "browse",
            "categories",
            "category",
            "community-guidelines",
            "dashboard",
            "following",
            "help",
            "login",
            "privacy-policy",
            "search",
            "settings",
            "signup",
            "terms-of-service",
            "video",
        ]),
    },
    handle: normalize,
    profile_url: |handle| format!("https://kick.com/{handle}"),
    strategies: &[Strategy::api(
        |handle| Request::get(format!("https://kick.com/api/v2/channels/{handle}")),
        pick,
    )],
    upgrade,
    placeholders: &["/profile_image/conversion/default"],
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let channel = pick::json(fetched)?;
    let mut found = pick::Found::default()
        .name(str_at(&channel, "user.username").or(str_at(&channel, "slug")))
        .avatar(str_at(&channel, "user.profile_pic"))
        .banner(str_at(&channel, "banner_image.url"));
    if let Some(slug) = str_at(&channel, "slug") {
        found.profile_url = Some(format!("https://kick.com/{slug}"));
    }
    found.or_no_image()
}

/// A channel's slug: its username in lower case, `_` written `-` (the username `sino_tf` has
/// the slug `sino-tf`). Usernames are letters, digits and `_`, up to 25 long.
fn normalize(raw: &str) -> Option<String> {
    let h = super::ascii_handle(raw, "_-", 25)?;
    let ok = !h.starts_with(['_', '-']);
    ok.then(|| h.to_ascii_lowercase().replace('_', "-"))
}

/// `…/profile_image/conversion/{uuid}-thumb.webp` → `…-fullsize.webp`: Kick converts each
/// uploaded picture into a small `-thumb` and a `-fullsize` rendering, and the channel API
/// answers with the `-fullsize` one (captured answers in `tests/fixtures/kick/`); listings
/// elsewhere on Kick carry the `-thumb` one.
fn upgrade(url: &str) -> String {
    if url.contains("/profile_image/conversion/") && url.ends_with("-thumb.webp") {
        return pick::replace_last(url, "-thumb.webp", "-fullsize.webp");
    }
    url.to_owned()
}

#[cfg(test)]
mod tests {
    use url::Url;

    use super::*;

    #[test]
    fn a_channel_url_gives_its_slug() {
        let url = |s: &str| Url::parse(s).unwrap();
        assert_eq!(
            PROVIDER.recognize_url(&url("https://kick.com/Sino_TF/videos")),
            Some("sino-tf".into())
        );
        for other in [
            "https://kick.com/categories/irl",
            "https://kick.com/browse",
            "https://kick.com/",
        ] {
            assert_eq!(PROVIDER.recognize_url(&url(other)), None, "{other}");
        }
    }

    #[test]
    fn thumbnails_become_the_full_size_conversion() {
        assert_eq!(
            upgrade(
                "https://files.kick.com/images/user/9201758/profile_image/conversion/ce71aee0-c427-49b9-a7e0-bb7cd7a30d2d-thumb.webp"
            ),
            "https://files.kick.com/images/user/9201758/profile_image/conversion/ce71aee0-c427-49b9-a7e0-bb7cd7a30d2d-fullsize.webp"
        );
        let banner = "https://files.kick.com/images/channel/1/banner_image/a06ec435";
        assert_eq!(upgrade(banner), banner);
    }
}
