//! Mastodon (and compatible fediverse servers): the instance's public account lookup API,
//! then, on a host without it, Misskey's and Lemmy's user APIs (the same ways their own
//! providers ask), then the profile page read as any web page.

use url::Url;

use super::fediverse::{normalize, split};
use super::{NotFound, PickError, Provider, Recognize, Strategy, pick};
use crate::extract::json::str_at;
use crate::fetch::Request;

/// Mastodon on any instance; the handle is `user@instance`.
pub const PROVIDER: Provider = Provider {
    id: "mastodon",
    name: "Mastodon",
    aliases: &["fediverse"],
    input: "@user@instance",
    example: "Gargron@mastodon.social",
    missing_handle: "nosuchuser8d2kq7@mastodon.social",
    avatar_floor_px: 400,
    promises_banner: true,
    recognize: Recognize::Custom(recognize),
    handle: normalize,
    profile_url: |handle| {
        let (user, instance) = split(handle);
        format!("https://{instance}/@{user}")
    },
    strategies: &[
        Strategy {
            // A host that is not Mastodon answers its API with 404 too: the next way is asked.
            not_found: NotFound::TryNext,
            ..Strategy::api(
                |handle| {
                    let (user, instance) = split(handle);
                    Request::get(format!(
                        "https://{instance}/api/v1/accounts/lookup?acct={user}"
                    ))
                },
                pick,
            )
        },
        Strategy {
            name: "misskey api",
            not_found: NotFound::TryNext,
            ..Strategy::api(super::misskey::request, super::misskey::pick)
        },
        Strategy {
            name: "lemmy api",
            not_found: NotFound::TryNext,
            ..Strategy::api(super::lemmy::request, super::lemmy::pick)
        },
    ],
    // Lemmy's pict-rs thumbnails, when the Lemmy API found the account.
    upgrade: super::lemmy::upgrade,
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let account = pick::json(fetched)?;
    let mut found = pick::Found::default()
        .name(str_at(&account, "display_name").or(str_at(&account, "username")))
        .avatar(str_at(&account, "avatar"))
        .banner(str_at(&account, "header"));
    found.profile_url = str_at(&account, "url").map(str::to_owned);
    found.or_no_image()
}

/// `https://instance/@user` or `https://instance/users/user` on any host. Fediverse servers
/// answer over https on the default port: an `http://` or port-numbered `/@name` page is some
/// other site's, read as the page the visitor gave.
fn recognize(url: &Url) -> Option<String> {
    if url.scheme() != "https" || url.port().is_some() {
        return None;
    }
    let host = url.host_str()?;
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let user = match segments.as_slice() {
        [first, ..] if first.starts_with('@') && first.len() > 1 => &first[1..],
        ["users", user, ..] => user,
        _ => return None,
    };
    // A remote account shown on another server: /@user@origin.
    if user.contains('@') {
        return Some(user.to_owned());
    }
    Some(format!("{user}@{host}"))
}
