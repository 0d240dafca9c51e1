//! Lemmy: the instance's public user API (`https://{instance}/api/v3/user?username={user}`),
//! which answers without a token with the picture and the banner. Also asked by the Mastodon
//! chain, for `@user@instance` on a server that turns out to be Lemmy (which has no `/@user`
//! page).

use url::Url;

use super::fediverse::{normalize, split};
use super::{PickError, Provider, Recognize, Strategy, pick};
use crate::extract::json::str_at;
use crate::fetch::Request;

/// Large Lemmy servers, whose `/u/{user}` URLs are Lemmy's.
const HOSTS: &[&str] = &[
    "lemmy.world",
    "lemmy.ml",
    "sh.itjust.works",
    "lemmy.ca",
    "programming.dev",
    "lemmy.dbzer0.com",
    "beehaw.org",
    "feddit.org",
];

/// Lemmy accounts on any instance; the handle is `user@instance`.
pub const PROVIDER: Provider = Provider {
    id: "lemmy",
    name: "Lemmy",
    input: "@user@instance",
    example: "nutomic@lemmy.ml",
    missing_handle: "nosuchuser8d2kq7@lemmy.ml",
    // No size documented for the example's picture: a modest floor above thumbnails.
    avatar_floor_px: 100,
    promises_banner: true,
    recognize: Recognize::Custom(recognize),
    handle: normalize,
    profile_url: |handle| {
        let (user, instance) = split(handle);
        format!("https://{instance}/u/{user}")
    },
    strategies: &[Strategy::api(request, pick)],
    upgrade,
    ..Provider::DEFAULT
};

/// The user API's request for `handle`.
pub(super) fn request(handle: &str) -> Request {
    let (user, instance) = split(handle);
    Request::get(format!("https://{instance}/api/v3/user?username={user}"))
}

/// Reads the user API's answer (a missing user is its 404, `couldnt_find_person`).
pub(super) fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let answer = pick::json(fetched)?;
    let Some(person) = answer.get("person_view").and_then(|v| v.get("person")) else {
        return Err(PickError::Unreadable("Lemmy user"));
    };
    let mut found = pick::Found::default()
        .name(str_at(person, "display_name").or(str_at(person, "name")))
        .avatar(str_at(person, "avatar"))
        .banner(str_at(person, "banner"));
    found.profile_url = str_at(person, "actor_id").map(str::to_owned);
    found.or_no_image()
}

/// Pictures are served by the instance's pict-rs (`/pictrs/image/{file}`), which resizes them
/// to a `thumbnail` size when asked; without it, it serves the upload as stored.
pub(super) fn upgrade(url: &str) -> String {
    if !url.contains("/pictrs/image/") {
        return url.to_owned();
    }
    pick::without_query(url, &["thumbnail"])
}

/// `https://lemmy.world/u/user` on the servers in [`HOSTS`].
fn recognize(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    if url.scheme() != "https" || !HOSTS.contains(&host.as_str()) {
        return None;
    }
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let ["u", user, ..] = segments.as_slice() else {
        return None;
    };
    if user.contains('@') {
        return Some((*user).to_owned());
    }
    Some(format!("{user}@{host}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lemmy_urls_give_user_and_instance() {
        let url = |s: &str| Url::parse(s).unwrap();
        assert_eq!(
            PROVIDER.recognize_url(&url("https://lemmy.ml/u/nutomic")),
            Some("nutomic@lemmy.ml".into())
        );
        assert_eq!(
            PROVIDER.recognize_url(&url("https://lemmy.world/u/alice@lemmy.ml")),
            Some("alice@lemmy.ml".into())
        );
        assert_eq!(
            PROVIDER.recognize_url(&url("https://lemmy.ml/c/lemmy")),
            None
        );
    }

    #[test]
    fn thumbnails_become_the_stored_upload() {
        assert_eq!(
            upgrade("https://lemmy.ml/pictrs/image/8a1b.png?thumbnail=96&format=webp"),
            "https://lemmy.ml/pictrs/image/8a1b.png?format=webp"
        );
    }
}
