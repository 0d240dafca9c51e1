//! GitLab: the public REST API's user search by exact username
//! (`https://gitlab.com/api/v4/users?username={handle}`), which needs no token.

use super::PickError;
use super::{Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::json::str_at;
use crate::fetch::Request;

/// GitLab.com users.
pub const PROVIDER: Provider = Provider {
    id: "gitlab",
    name: "GitLab",
    aliases: &["gl"],
    input: "username",
    example: "sytses",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 192,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["gitlab.com"],
        paths: &["/{handle}"],
        reserved: Reserved(&[
            "-",
            "admin",
            "api",
            "assets",
            "dashboard",
            "explore",
            "groups",
            "help",
            "import",
            "jwt",
            "oauth",
            "profile",
            "projects",
            "public",
            "s",
            "search",
            "snippets",
            "uploads",
            "users",
        ]),
    },
    handle: normalize,
    profile_url: |handle| format!("https://gitlab.com/{handle}"),
    strategies: &[Strategy::api(
        |handle| Request::get(format!("https://gitlab.com/api/v4/users?username={handle}")),
        pick,
    )],
    upgrade,
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let users = pick::json(fetched)?;
    if !users.is_array() {
        return Err(PickError::Unreadable("list of users"));
    }
    let Some(user) = users.get(0) else {
        return pick::Found::default().or_no_image();
    };
    let mut found = pick::Found::default()
        .name(str_at(user, "name").or(str_at(user, "username")))
        .avatar(str_at(user, "avatar_url"));
    found.profile_url = str_at(user, "web_url").map(str::to_owned);
    found.or_no_image()
}

/// A GitLab username: letters, digits, `_`, `-` and `.`, not starting with `-` or `.` and not
/// ending with `.`, `.git` or `.atom`.
fn normalize(raw: &str) -> Option<String> {
    let h = super::ascii_handle(raw, "_-.", 255)?;
    let lower = h.to_ascii_lowercase();
    let ok = !h.starts_with(['-', '.'])
        && !h.ends_with('.')
        && !lower.ends_with(".git")
        && !lower.ends_with(".atom");
    ok.then_some(h)
}

/// Uploaded avatars (`/uploads/-/system/user/avatar/{id}/avatar.png`) are resized by a
/// `width` parameter; without it GitLab serves the upload as stored. Gravatar fallbacks get
/// Gravatar's largest size.
fn upgrade(url: &str) -> String {
    if url.contains("/uploads/-/system/") {
        return pick::without_query(url, &["width"]);
    }
    super::gravatar::full_size(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploaded_avatars_lose_the_width_and_gravatars_grow() {
        assert_eq!(
            upgrade("https://gitlab.com/uploads/-/system/user/avatar/4/avatar.png?width=96"),
            "https://gitlab.com/uploads/-/system/user/avatar/4/avatar.png"
        );
        assert_eq!(
            upgrade("https://secure.gravatar.com/avatar/abc?s=80&d=identicon"),
            "https://secure.gravatar.com/avatar/abc?s=2048&d=identicon"
        );
    }

    #[test]
    fn usernames_follow_gitlab_rules() {
        assert_eq!(normalize("@john.doe_1"), Some("john.doe_1".into()));
        for bad in ["-x", ".x", "x.", "repo.git", "feed.atom", "a b", "ü"] {
            assert_eq!(normalize(bad), None, "{bad}");
        }
    }
}
