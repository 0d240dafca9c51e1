//! Gitea and Forgejo servers other than Codeberg: the server's own user API
//! (`https://{host}/api/v1/users/{name}`), which both answer without a token, as Codeberg's
//! does. The handle names the server, as a fediverse handle does: `user@host`.

use url::Url;

use super::codeberg::{RESERVED, read_user};
use super::{PickError, Provider, Recognize, Strategy, pick};
use crate::fetch::Request;

/// Public servers whose `/{name}` URLs are Gitea's or Forgejo's: Gitea's own and Forgejo's
/// test server. Any other server is asked by its `user@host` handle.
const HOSTS: &[&str] = &["gitea.com", "next.forgejo.org"];

/// Users and organizations on any Gitea or Forgejo server.
pub const PROVIDER: Provider = Provider {
    id: "gitea",
    name: "Gitea / Forgejo",
    aliases: &["forgejo-host"],
    input: "user@host (any Gitea or Forgejo server)",
    example: "gitea@gitea.com",
    missing_handle: "nosuchuser8d2kq7@gitea.com",
    // No size documented for the example's picture: a modest floor above thumbnails.
    avatar_floor_px: 100,
    recognize: Recognize::Custom(recognize),
    handle: normalize,
    profile_url: |handle| {
        let (user, host) = split(handle);
        format!("https://{host}/{user}")
    },
    strategies: &[Strategy::api(
        |handle| {
            let (user, host) = split(handle);
            Request::get(format!("https://{host}/api/v1/users/{user}"))
        },
        pick,
    )],
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    read_user(fetched)
}

/// `user@host`: a Forgejo username and a plausible host name.
fn normalize(raw: &str) -> Option<String> {
    let (user, host) = raw.trim().trim_start_matches('@').rsplit_once('@')?;
    let user = super::codeberg::normalize(user)?;
    let host = host.trim().trim_end_matches('/').to_ascii_lowercase();
    let host_ok = host.contains('.')
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    host_ok.then(|| format!("{user}@{host}"))
}

fn split(handle: &str) -> (&str, &str) {
    handle.rsplit_once('@').unwrap_or((handle, "gitea.com"))
}

/// `https://gitea.com/{name}` (and a repository under it) on the servers in [`HOSTS`].
fn recognize(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    if url.scheme() != "https" || !HOSTS.contains(&host.as_str()) {
        return None;
    }
    let first = url.path_segments()?.find(|s| !s.is_empty())?;
    if RESERVED.contains(first) {
        return None;
    }
    Some(format!("{first}@{host}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_servers_urls_give_user_and_host() {
        let url = |s: &str| Url::parse(s).unwrap();
        assert_eq!(
            PROVIDER.recognize_url(&url("https://gitea.com/gitea/tea")),
            Some("gitea@gitea.com".into())
        );
        assert_eq!(
            PROVIDER.recognize_url(&url("https://gitea.com/explore/repos")),
            None
        );
        assert_eq!(
            PROVIDER.recognize_url(&url("https://git.example.org/alice")),
            None
        );
        assert_eq!(
            normalize("@alice@Git.Example.org/"),
            Some("alice@git.example.org".into())
        );
        assert_eq!(normalize("alice"), None);
    }
}
