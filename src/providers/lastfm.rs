//! Last.fm: the user's profile page (`https://www.last.fm/user/{handle}`), whose header shows
//! the avatar (`.header-avatar img`); the og:image when the header is not there. Last.fm's
//! API states the same picture but takes an API key, so the page is read.
//!
//! unavatar has no Last.fm provider.

use url::Url;

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};

/// Last.fm users.
pub const PROVIDER: Provider = Provider {
    id: "lastfm",
    name: "Last.fm",
    aliases: &["last.fm"],
    input: "username",
    example: "rj",
    missing_handle: "nosuchuser9zz",
    avatar_floor_px: 300,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["last.fm", "lastfm.com"],
        paths: &["/user/{handle}"],
        reserved: Reserved::NONE,
    },
    handle: |raw| {
        let h = super::ascii_handle(raw, "_-", 15)?;
        (h.len() >= 2 && h.starts_with(|c: char| c.is_ascii_alphabetic())).then_some(h)
    },
    profile_url: |handle| format!("https://www.last.fm/user/{handle}"),
    strategies: &[Strategy::page(pick)],
    upgrade,
    // The grey silhouette every user without a picture gets.
    placeholders: &["/818148bf682d429dc215c1705eb27b98"],
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let page = pick::page(fetched)?;
    let avatar = page
        .largest_src(".header-avatar img")
        .or_else(|| page.og_image());
    let name = page
        .select(".header-title-display-name")
        .next()
        .map(|t| t.text().collect::<String>())
        .or_else(|| {
            page.select("h1.header-title")
                .next()
                .map(|t| t.text().collect())
        });
    pick::Found::default()
        .name(name.as_deref())
        .avatar(avatar.as_ref().map(Url::as_str))
        .or_no_image()
}

/// Last.fm's images are `lastfm.freetls.fastly.net/i/u/{size}/{file}`, the size a name
/// (`avatar170s`, `300x300`, `64s`); `ar0` is the image at its uploaded size (public Last.fm
/// clients ask for it), the largest served.
fn upgrade(url: &str) -> String {
    let Some((before, rest)) = url
        .split_once("/i/u/")
        .filter(|(host, _)| host.ends_with("lastfm.freetls.fastly.net"))
    else {
        return url.to_owned();
    };
    match rest.split_once('/') {
        Some((_size, file)) if !file.is_empty() => format!("{before}/i/u/ar0/{file}"),
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avatars_grow_to_the_upload() {
        assert_eq!(
            upgrade(
                "https://lastfm.freetls.fastly.net/i/u/avatar170s/4a9b8c7d6e5f40a1b2c3d4e5f6a7b8c9.png"
            ),
            "https://lastfm.freetls.fastly.net/i/u/ar0/4a9b8c7d6e5f40a1b2c3d4e5f6a7b8c9.png"
        );
        let bare = "https://lastfm.freetls.fastly.net/i/u/4a9b.png";
        assert_eq!(upgrade(bare), bare);
    }
}
