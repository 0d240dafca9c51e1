//! Reddit users: with an app's OAuth client set (`GETIMAGES_REDDIT_CLIENT_ID`/`_SECRET`),
//! the OAuth API's `/user/{name}/about` with an app-only token first; then the public HTML
//! user page (the avatar `<img>`, else og:image), since
//! the unauthenticated `about.json` has answered "blocked by network security" to servers
//! since May 2026; then `about.json` (`icon_img`, else `snoovatar_img`; banner from the
//! user's profile subreddit), which still answers from some addresses. Subreddits are not
//! profiles here.

use url::Url;

use super::PickError;
use super::{Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::json::{first_str, str_at};
use crate::fetch::Request;
use crate::fetch::credentials::{Declared, Field};

/// Reddit users.
pub const PROVIDER: Provider = Provider {
    id: "reddit",
    name: "Reddit",
    input: "username (u/name)",
    example: "spez",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 256,
    promises_banner: true,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &[
            "reddit.com",
            "old.reddit.com",
            "new.reddit.com",
            "np.reddit.com",
        ],
        paths: &["/user/{handle}", "/u/{handle}"],
        reserved: Reserved::NONE,
    },
    // 3 to 20 letters, digits, underscores and hyphens; `u/` and `/u/` prefixes dropped.
    handle: |raw| {
        let raw = raw.trim().trim_start_matches('/');
        let raw = raw
            .strip_prefix("u/")
            .or_else(|| raw.strip_prefix("user/"))
            .unwrap_or(raw);
        super::ascii_handle(raw.trim_end_matches('/'), "_-", 20).filter(|h| h.len() >= 3)
    },
    profile_url: |handle| format!("https://www.reddit.com/user/{handle}/"),
    // With GETIMAGES_REDDIT_CLIENT_ID/_SECRET set, the OAuth API is asked first.
    strategies: &[
        Strategy::api(
            |handle| {
                Request::get(format!("https://oauth.reddit.com/user/{handle}/about"))
                    .requiring_credentials()
            },
            pick_about,
        ),
        Strategy {
            name: "page",
            ..Strategy::page(pick_page)
        },
        Strategy {
            name: "about.json",
            ..Strategy::api(
                |handle| Request::get(format!("https://www.reddit.com/user/{handle}/about.json")),
                pick_about,
            )
        },
    ],
    upgrade,
    placeholders: &[
        "redditstatic.com/avatars/defaults",
        "www.redditstatic.com/icon",
    ],
    credentials: Some(Declared::OAuth {
        id: Field {
            flag: "reddit-client-id",
            env: "GETIMAGES_REDDIT_CLIENT_ID",
            help: "A Reddit app's client id (a \"script\" or \"web\" app at \
                   reddit.com/prefs/apps): with GETIMAGES_REDDIT_CLIENT_SECRET, Reddit is asked \
                   first through its OAuth API with an app-only token",
        },
        secret: Field {
            flag: "reddit-client-secret",
            env: "GETIMAGES_REDDIT_CLIENT_SECRET",
            help: "The Reddit app's secret (see GETIMAGES_REDDIT_CLIENT_ID)",
        },
        // App-only tokens, `client_credentials` grant.
        token_url: "https://www.reddit.com/api/v1/access_token",
    }),
    ..Provider::DEFAULT
};

/// The user page: the `<img>` whose alt names the avatar (as unavatar reads it), else the
/// og:image; the name from the title.
fn pick_page(response: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let page = pick::page(response)?;
    let img = page
        .select(r#"img[alt*="avatar" i]"#)
        .filter_map(|img| img.value().attr("src"))
        .filter_map(|src| page.resolve(src))
        .map(String::from)
        .find(|url| !super::is_placeholder(url));
    let found = pick::from_metadata(&page.metadata());
    let found = match img {
        Some(url) => pick::Found {
            images: Vec::new(),
            ..found
        }
        .avatar(Some(&url)),
        None => found,
    };
    found.or_no_image()
}

/// `about.json`'s user record.
fn pick_about(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let about = pick::json(fetched)?;
    let Some(user) = about
        .get("data")
        .filter(|_| str_at(&about, "kind") == Some("t2"))
    else {
        return Err(PickError::Unreadable("user record"));
    };
    // Reddit HTML-escapes the URLs in its JSON (`&amp;`).
    let unescape = |s: &str| s.replace("&amp;", "&");
    // A default icon is a placeholder (redditstatic.com/avatars/defaults): the snoovatar, if
    // any, is then the picture.
    let icon = str_at(user, "icon_img")
        .filter(|u| !super::is_placeholder(u))
        .or_else(|| str_at(user, "snoovatar_img"))
        .map(unescape);
    let banner = str_at(user, "subreddit.banner_img").map(unescape);
    let name = first_str(user, &["subreddit.title", "name"]);
    let mut found = pick::Found::default()
        .name(name)
        .avatar(icon.as_deref())
        .banner(banner.as_deref());
    found.profile_url = str_at(user, "name").map(|n| format!("https://www.reddit.com/user/{n}/"));
    found.or_no_image()
}

/// Reddit serves resized copies of profile pictures and banners through query parameters
/// (`?width=256&height=256&crop=256:256,smart&s=…`); on styles.redditmedia.com and i.redd.it
/// the bare URL is the uploaded original.
fn upgrade(url: &str) -> String {
    let url = url.replace("&amp;", "&");
    let Ok(mut parsed) = Url::parse(&url) else {
        return url;
    };
    if matches!(
        parsed.host_str(),
        Some("styles.redditmedia.com" | "i.redd.it")
    ) {
        parsed.set_query(None);
        return parsed.into();
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resizing_parameters_are_dropped() {
        assert_eq!(
            upgrade(
                "https://styles.redditmedia.com/t5_3k30p/styles/profileIcon_abc.png?width=256&amp;height=256&amp;crop=256:256,smart&amp;s=1f2e"
            ),
            "https://styles.redditmedia.com/t5_3k30p/styles/profileIcon_abc.png"
        );
        assert_eq!(
            upgrade("https://preview.redd.it/x.png?width=64&amp;s=1"),
            "https://preview.redd.it/x.png?width=64&s=1"
        );
    }
}
