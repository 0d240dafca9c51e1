//! Pixelfed: the profile page (`https://{instance}/{user}`), whose og:image is the account's
//! picture (`resources/views/profile/show.blade.php` writes `$profile->avatarUrl()` there for
//! every profile open to crawlers). Its v1 account API routes sit behind a login
//! (`routes/api.php`), so the page is the way.

use url::Url;

use super::fediverse::{normalize, split};
use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};

/// Large Pixelfed servers, whose `/{user}` URLs are Pixelfed's.
const HOSTS: &[&str] = &["pixelfed.social", "pixelfed.de"];

/// Pixelfed's own first path segments, never an account.
const RESERVED: Reserved = Reserved(&[
    "account", "api", "c", "discover", "i", "login", "p", "password", "register", "settings",
    "site", "storage", "users",
]);

/// Pixelfed accounts on any instance; the handle is `user@instance`.
pub const PROVIDER: Provider = Provider {
    id: "pixelfed",
    name: "Pixelfed",
    input: "@user@instance",
    example: "dansup@pixelfed.social",
    missing_handle: "nosuchuser8d2kq7@pixelfed.social",
    // No size documented for the example's picture: a modest floor above thumbnails.
    avatar_floor_px: 100,
    recognize: Recognize::Custom(recognize),
    handle: normalize,
    profile_url: |handle| {
        let (user, instance) = split(handle);
        format!("https://{instance}/{user}")
    },
    strategies: &[Strategy::page(pick)],
    // Accounts without a picture get the server's default avatar.
    placeholders: &["/storage/avatars/default."],
    ..Provider::DEFAULT
};

/// The og:image; the title ("{user} on {server}") is not a name, so the user stands for it.
fn pick(fetched: &pick::Response, handle: &str) -> Result<pick::Found, PickError> {
    let metadata = fetched.metadata()?;
    let (user, _) = split(handle);
    let avatar = metadata.og_image().map(String::from);
    pick::Found::default()
        .name(Some(user))
        .avatar(avatar.as_deref())
        .or_no_image()
}

/// `https://pixelfed.social/{user}` on the servers in [`HOSTS`].
fn recognize(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    if url.scheme() != "https" || !HOSTS.contains(&host.as_str()) {
        return None;
    }
    let first = url.path_segments()?.find(|s| !s.is_empty())?;
    if RESERVED.contains(first) || first.starts_with('@') {
        return None;
    }
    Some(format!("{first}@{host}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixelfed_urls_give_user_and_instance() {
        let url = |s: &str| Url::parse(s).unwrap();
        assert_eq!(
            PROVIDER.recognize_url(&url("https://pixelfed.social/dansup")),
            Some("dansup@pixelfed.social".into())
        );
        for other in [
            "https://pixelfed.social/discover",
            "https://pixelfed.social/p/dansup/123",
            "https://pixelfed.example/dansup",
        ] {
            assert_eq!(PROVIDER.recognize_url(&url(other)), None, "{other}");
        }
    }
}
