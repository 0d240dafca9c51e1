//! Codeberg: the Forgejo API's user record (`https://codeberg.org/api/v1/users/{name}`),
//! public and read without a token, for users and organizations alike.

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::json::str_at;
use crate::fetch::Request;

/// First path segments that are Forgejo's and Gitea's own pages, never an account.
pub(super) const RESERVED: Reserved = Reserved(&[
    "-",
    "admin",
    "api",
    "assets",
    "avatars",
    "explore",
    "issues",
    "login",
    "milestones",
    "notifications",
    "org",
    "pulls",
    "repo",
    "user",
]);

/// Codeberg users and organizations.
pub const PROVIDER: Provider = Provider {
    id: "codeberg",
    name: "Codeberg",
    aliases: &["forgejo"],
    input: "username",
    example: "forgejo",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 100,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["codeberg.org"],
        paths: &["/{handle}"],
        reserved: RESERVED,
    },
    handle: normalize,
    profile_url: |handle| format!("https://codeberg.org/{handle}"),
    // `avatar_url` is the stored picture, or the one Forgejo drew for an account that uploaded
    // none: used as served.
    strategies: &[Strategy::api(
        |handle| Request::get(format!("https://codeberg.org/api/v1/users/{handle}")),
        pick,
    )],
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    read_user(fetched)
}

/// Reads a Forgejo or Gitea `/api/v1/users/{name}` answer.
pub(super) fn read_user(fetched: &pick::Response) -> Result<pick::Found, PickError> {
    let user = pick::json(fetched)?;
    let mut found = pick::Found::default()
        .name(str_at(&user, "full_name").or(str_at(&user, "login")))
        .avatar(str_at(&user, "avatar_url"));
    found.profile_url = str_at(&user, "html_url").map(str::to_owned);
    found.or_no_image()
}

/// A Forgejo username: letters, digits, `-`, `_` and `.`, neither starting nor ending with
/// a punctuation mark, up to 40 long.
pub(super) fn normalize(raw: &str) -> Option<String> {
    let h = super::ascii_handle(raw, "-_.", 40)?;
    let edges = ['-', '_', '.'];
    (!h.starts_with(edges) && !h.ends_with(edges)).then_some(h)
}

#[cfg(test)]
mod tests {
    use url::Url;

    use super::*;

    #[test]
    fn a_repository_url_gives_its_owner() {
        let url = |s: &str| Url::parse(s).unwrap();
        assert_eq!(
            PROVIDER.recognize_url(&url("https://codeberg.org/forgejo/forgejo/issues")),
            Some("forgejo".into())
        );
        for other in [
            "https://codeberg.org/explore/repos",
            "https://codeberg.org/user/login",
        ] {
            assert_eq!(PROVIDER.recognize_url(&url(other)), None, "{other}");
        }
        for bad in ["-x", "x.", "a b"] {
            assert_eq!(normalize(bad), None, "{bad}");
        }
    }
}
