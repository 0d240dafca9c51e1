//! Hugging Face: the public Hub API's user overview
//! (`https://huggingface.co/api/users/{handle}/overview`).

use url::Url;

use super::{NotFound, Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::json::str_at;
use crate::fetch::Request;

/// Hugging Face users.
pub const PROVIDER: Provider = Provider {
    id: "huggingface",
    name: "Hugging Face",
    aliases: &["hf"],
    input: "username",
    example: "julien-c",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 200,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["huggingface.co", "hf.co"],
        paths: &["/{handle}"],
        reserved: Reserved(&[
            "api",
            "blog",
            "chat",
            "collections",
            "datasets",
            "docs",
            "enterprise",
            "inference-endpoints",
            "join",
            "learn",
            "login",
            "models",
            "new",
            "new-dataset",
            "new-space",
            "notifications",
            "organizations",
            "papers",
            "posts",
            "pricing",
            "privacy",
            "search",
            "settings",
            "spaces",
            "tasks",
            "terms-of-service",
        ]),
    },
    handle: |raw| {
        let h = super::ascii_handle(raw, "-_.", 96)?;
        (!h.starts_with(['-', '.'])).then_some(h)
    },
    profile_url: |handle| format!("https://huggingface.co/{handle}"),
    strategies: &[
        Strategy {
            // A 404 from the users API may be an organization.
            not_found: NotFound::TryNext,
            ..Strategy::api(
                |handle| {
                    Request::get(format!(
                        "https://huggingface.co/api/users/{handle}/overview"
                    ))
                },
                pick,
            )
        },
        Strategy {
            name: "organizations api",
            ..Strategy::api(
                |handle| {
                    Request::get(format!(
                        "https://huggingface.co/api/organizations/{handle}/overview"
                    ))
                },
                pick,
            )
        },
    ],
    upgrade,
    ..Provider::DEFAULT
};

/// A user's or an organization's overview: `avatarUrl`, `fullname`, `name` or `user`.
fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, super::PickError> {
    let user = pick::json(fetched)?;
    // Default avatars are site-relative (`/avatars/….svg`).
    let avatar = str_at(&user, "avatarUrl")
        .and_then(|raw| Url::parse("https://huggingface.co/").ok()?.join(raw).ok());
    pick::Found::default()
        .name(
            str_at(&user, "fullname")
                .or(str_at(&user, "user"))
                .or(str_at(&user, "name")),
        )
        .avatar(avatar.as_ref().map(Url::as_str))
        .or_no_image()
}

/// Uploads on `cdn-avatars.huggingface.co` are served as uploaded. Older avatars went through
/// a cloudimg.io resizer (`https://….cloudimg.io/v7/https://cdn-uploads.huggingface.co/…
/// ?w=200&h=200&f=face`), whose path ends with the original's URL: that is taken, without the
/// resizer's parameters. Gravatars get Gravatar's largest size.
fn upgrade(url: &str) -> String {
    if let Ok(parsed) = Url::parse(url)
        && parsed
            .host_str()
            .is_some_and(|h| h.ends_with(".cloudimg.io"))
        && let Some(at) = parsed.path().find("/https:/")
    {
        let rest = parsed.path()[at + "/https:".len()..].trim_start_matches('/');
        if let Ok(original) = Url::parse(&format!("https://{rest}")) {
            return original.into();
        }
    }
    super::gravatar::full_size(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resizer_is_stripped_and_gravatars_grow() {
        assert_eq!(
            upgrade(
                "https://aeiljuispo.cloudimg.io/v7/https://cdn-uploads.huggingface.co/production/uploads/1621947938344-noauth.png?w=200&h=200&f=face"
            ),
            "https://cdn-uploads.huggingface.co/production/uploads/1621947938344-noauth.png"
        );
        assert_eq!(
            upgrade("https://www.gravatar.com/avatar/abc?d=retro&size=100"),
            "https://www.gravatar.com/avatar/abc?s=2048&d=retro"
        );
        let own = "https://cdn-avatars.huggingface.co/v1/production/uploads/1583857146757-5e67bdd61009063689407479.jpeg";
        assert_eq!(upgrade(own), own);
    }
}
