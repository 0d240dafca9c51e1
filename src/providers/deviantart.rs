//! DeviantArt: the profile page's own avatar (the `user-link` image of the profile's owner),
//! else its og:image.

use url::Url;

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::fetch::Agent;

/// First path segments on deviantart.com that are its own pages, never a profile.
const RESERVED: Reserved = Reserved(&[
    "about",
    "core-membership",
    "daily-deviations",
    "join",
    "popular",
    "search",
    "settings",
    "shop",
    "status-updates",
    "team",
    "topic",
    "users",
    "watch",
    "tag",
    "notifications",
    "developers",
    "submit",
    "art",
]);

/// Subdomains of deviantart.com that are not artists.
const NOT_USERS: Reserved = Reserved(&[
    "about", "backend", "chat", "fav", "help", "shop", "sta", "www", "my",
]);

/// DeviantArt artists.
pub const PROVIDER: Provider = Provider {
    id: "deviantart",
    name: "DeviantArt",
    aliases: &["da"],
    input: "username",
    example: "spyed",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 100,
    takes_username: true,
    recognize: Recognize::Custom(recognize),
    handle: |raw| {
        let h = super::ascii_handle(raw, "-", 20)?;
        (!h.starts_with('-')).then_some(h)
    },
    profile_url: |handle| format!("https://www.deviantart.com/{handle}"),
    strategies: &[Strategy {
        agent: Agent::Browser,
        ..Strategy::page(pick)
    }],
    // a.deviantart.net keeps two sizes of an avatar: /avatars/ (50×50) and /avatars-big/
    // (the full upload, up to 150×150); the `?n` version suffix is kept.
    upgrade: |url| {
        if url.contains("a.deviantart.net/avatars/") {
            url.replacen(
                "a.deviantart.net/avatars/",
                "a.deviantart.net/avatars-big/",
                1,
            )
        } else {
            url.to_owned()
        }
    },
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, handle: &str) -> Result<pick::Found, PickError> {
    let page = pick::page(fetched)?;
    // The page also shows other members (watchers, commenters): only the owner's link.
    let img = scraper::Selector::parse("img[src]").ok();
    let own = page
        .select("a.user-link[data-username]")
        .filter(|a| {
            a.value()
                .attr("data-username")
                .is_some_and(|u| u.eq_ignore_ascii_case(handle))
        })
        .find_map(|a| a.select(img.as_ref()?).next())
        .and_then(|img| page.resolve(img.value().attr("src")?));
    let avatar = own.or_else(|| page.og_image()).filter(|u| !is_default(u));
    let name = page.title().map(|t| {
        // "spyed User Profile | DeviantArt"
        let t = t.trim_end_matches(" | DeviantArt");
        t.trim_end_matches(" User Profile").to_owned()
    });
    pick::Found::default()
        .name(name.as_deref().map(pick::clean_title).as_deref())
        .avatar(avatar.as_ref().map(Url::as_str))
        .or_no_image()
}

/// `deviantart.com/{name}` and the older `{name}.deviantart.com`.
fn recognize(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    if host == "deviantart.com" {
        let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
        let first = *segments.first()?;
        return (!RESERVED.contains(first)).then(|| first.to_owned());
    }
    let sub = host.strip_suffix(".deviantart.com")?;
    (!sub.contains('.') && !NOT_USERS.contains(sub)).then(|| sub.to_owned())
}

/// The picture of accounts that never uploaded one (`avatars/default.gif`).
fn is_default(url: &Url) -> bool {
    let path = url.path();
    path.contains("/avatars")
        && path
            .rsplit('/')
            .next()
            .is_some_and(|f| f.starts_with("default."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_subdomain_profiles_are_recognized() {
        let handle = |u: &str| PROVIDER.recognize_url(&Url::parse(u).unwrap());
        assert_eq!(
            handle("https://spyed.deviantart.com/gallery"),
            Some("spyed".into())
        );
        assert_eq!(
            handle("https://www.deviantart.com/spyed/gallery"),
            Some("spyed".into())
        );
        assert_eq!(handle("https://www.deviantart.com/search?q=x"), None);
        assert_eq!(handle("https://www.deviantart.com/"), None);
    }
}
