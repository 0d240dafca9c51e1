//! Misskey: the instance's public user API (`POST https://{instance}/api/users/show` with
//! `{"username": …, "host": null}`), which answers without a token with the picture and the
//! banner. Also asked by the Mastodon chain, for `@user@instance` on a server that turns out
//! to be Misskey.

use serde_json::json;
use url::Url;

use super::fediverse::{normalize, split};
use super::{PickError, Provider, Recognize, Strategy, pick};
use crate::extract::json::str_at;
use crate::fetch::Request;

/// Large Misskey servers, whose `/@user` URLs are Misskey's rather than Mastodon's.
const HOSTS: &[&str] = &["misskey.io", "misskey.design", "misskey.art"];

/// Misskey accounts on any instance; the handle is `user@instance`.
pub const PROVIDER: Provider = Provider {
    id: "misskey",
    name: "Misskey",
    input: "@user@instance",
    example: "syuilo@misskey.io",
    missing_handle: "nosuchuser8d2kq7@misskey.io",
    // No size documented for the example's picture: a modest floor above thumbnails.
    avatar_floor_px: 100,
    promises_banner: true,
    recognize: Recognize::Custom(recognize),
    handle: normalize,
    profile_url: |handle| {
        let (user, instance) = split(handle);
        format!("https://{instance}/@{user}")
    },
    strategies: &[Strategy::api(request, pick)],
    ..Provider::DEFAULT
};

/// The user API's request for `handle`: the local user `user` of `instance`.
pub(super) fn request(handle: &str) -> Request {
    let (user, instance) = split(handle);
    let body = json!({ "username": user, "host": null });
    Request::post_json(
        format!("https://{instance}/api/users/show"),
        body.to_string(),
    )
}

/// Reads the user API's answer (a missing user is its 404, `NO_SUCH_USER`).
pub(super) fn pick(fetched: &pick::Response, handle: &str) -> Result<pick::Found, PickError> {
    let user = pick::json(fetched)?;
    if str_at(&user, "username").is_none() {
        return Err(PickError::Unreadable("Misskey user"));
    }
    let (_, instance) = split(handle);
    let mut found = pick::Found::default()
        .name(str_at(&user, "name").or(str_at(&user, "username")))
        .avatar(str_at(&user, "avatarUrl"))
        .banner(str_at(&user, "bannerUrl"));
    found.profile_url = str_at(&user, "username").map(|u| format!("https://{instance}/@{u}"));
    found.or_no_image()
}

/// `https://misskey.io/@user` on the servers in [`HOSTS`]; other hosts' `/@user` pages go to
/// the Mastodon chain, which asks this API too.
fn recognize(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    if url.scheme() != "https" || !HOSTS.contains(&host.as_str()) {
        return None;
    }
    let first = url.path_segments()?.find(|s| !s.is_empty())?;
    let user = first.strip_prefix('@').filter(|u| !u.is_empty())?;
    if user.contains('@') {
        return Some(user.to_owned());
    }
    Some(format!("{user}@{host}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misskey_io_urls_give_user_and_instance() {
        let url = |s: &str| Url::parse(s).unwrap();
        assert_eq!(
            PROVIDER.recognize_url(&url("https://misskey.io/@syuilo")),
            Some("syuilo@misskey.io".into())
        );
        assert_eq!(
            PROVIDER.recognize_url(&url("https://mastodon.social/@Gargron")),
            None
        );
        assert_eq!(
            PROVIDER.recognize_url(&url("https://misskey.io/notes/9x")),
            None
        );
    }
}
