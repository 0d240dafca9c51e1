//! Dribbble: the profile page's header avatar (`.profile-avatar`), else its og:image.

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::fetch::Agent;

/// Query parameters cdn.dribbble.com scales or re-encodes by; without them it serves the
/// upload as stored.
const SCALING: &[&str] = &["resize", "vertical", "crop", "compress", "format"];

/// Dribbble designers and teams.
pub const PROVIDER: Provider = Provider {
    id: "dribbble",
    name: "Dribbble",
    input: "username",
    example: "simplebits",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 96,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["dribbble.com"],
        paths: &["/{handle}"],
        reserved: Reserved(&[
            "about",
            "account",
            "designers",
            "following",
            "for-designers",
            "freelance-jobs",
            "goods",
            "hiring",
            "jobs",
            "learn",
            "login",
            "pro",
            "search",
            "session",
            "shots",
            "signup",
            "stories",
            "tags",
            "teams",
            "uploads",
        ]),
    },
    handle: |raw| super::ascii_handle(raw, "-_", 40),
    profile_url: |handle| format!("https://dribbble.com/{handle}"),
    strategies: &[Strategy {
        agent: Agent::Browser,
        ..Strategy::page(pick)
    }],
    // Avatars are stored as /users/{id}/avatars/{mini,small,normal}/{hash}.{ext}: `normal`
    // is the largest; `resize=` and friends only scale it down.
    upgrade: |url| {
        if !url.contains("cdn.dribbble.com/") {
            return url.to_owned();
        }
        let url = url
            .replace("/avatars/mini/", "/avatars/normal/")
            .replace("/avatars/small/", "/avatars/normal/");
        let Some((base, query)) = url.split_once('?') else {
            return url;
        };
        // Keep the bare cache-busting timestamp (`?1573311855`) and anything else.
        let kept: Vec<&str> = query
            .split('&')
            .filter(|part| {
                let key = part.split('=').next().unwrap_or("");
                !part.is_empty() && !SCALING.contains(&key)
            })
            .collect();
        if kept.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", kept.join("&"))
        }
    },
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let page = pick::page(fetched)?;
    let avatar = page
        .largest_src("img.profile-avatar")
        .or_else(|| page.largest_src(".profile-avatar img"))
        .or_else(|| page.og_image());
    pick::Found::default()
        .name(page.title().as_deref().map(pick::clean_title).as_deref())
        .avatar(avatar.as_ref().map(url::Url::as_str))
        .or_no_image()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_parameters_and_small_variants_are_dropped() {
        assert_eq!(
            (PROVIDER.upgrade)(
                "https://cdn.dribbble.com/users/1/avatars/small/dc.jpg?1371679243&format=webp&resize=96x96&vertical=center"
            ),
            "https://cdn.dribbble.com/users/1/avatars/normal/dc.jpg?1371679243"
        );
        assert_eq!(
            (PROVIDER.upgrade)("https://cdn.dribbble.com/userupload/1/file/a.png?resize=400x300"),
            "https://cdn.dribbble.com/userupload/1/file/a.png"
        );
    }
}
