//! Tumblr: the blog's own page (`https://{handle}.tumblr.com/`). Themed blogs name their
//! avatar in og:image and the icon links (`{Favicon}` is the 128 px avatar); blogs without a
//! theme redirect to `www.tumblr.com/{handle}`, whose embedded state (`___INITIAL_STATE___`)
//! lists the avatar sizes and the theme's header image.

use serde_json::Value;
use url::Url;

use super::PickError;
use super::{Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::Page;
use crate::extract::json::{self, str_at};
use crate::fetch::Request;

/// Subdomains of tumblr.com that are not blogs.
const NOT_BLOGS: Reserved = Reserved(&[
    "api",
    "assets",
    "help",
    "media",
    "secure",
    "static",
    "staff-help",
    "va",
    "vt",
    "www",
]);

/// First path segments on www.tumblr.com that are not blogs.
const RESERVED: Reserved = Reserved(&[
    "about",
    "abuse",
    "activity",
    "apps",
    "blog",
    "business",
    "changes",
    "communities",
    "customize",
    "dashboard",
    "docs",
    "explore",
    "following",
    "help",
    "inbox",
    "jobs",
    "likes",
    "login",
    "logout",
    "messaging",
    "new",
    "oauth",
    "policy",
    "press",
    "privacy",
    "reblog",
    "register",
    "search",
    "security",
    "settings",
    "support",
    "tagged",
    "themes",
    "tips",
]);

/// Tumblr blogs.
pub const PROVIDER: Provider = Provider {
    id: "tumblr",
    name: "Tumblr",
    input: "blog name",
    example: "staff",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 512,
    takes_username: true,
    recognize: Recognize::Custom(recognize),
    handle: |raw| {
        let h = super::ascii_handle(raw, "-", 32)?;
        (!h.starts_with('-') && !h.ends_with('-')).then(|| h.to_ascii_lowercase())
    },
    profile_url: |handle| format!("https://{handle}.tumblr.com/"),
    // Blog pages send EU servers to a consent page; the blog's page on www.tumblr.com is
    // served to a crawler.
    strategies: &[
        Strategy::page_at(
            |handle| Request::get(format!("https://www.tumblr.com/{handle}")),
            pick,
        ),
        Strategy {
            name: "blog page",
            ..Strategy::page(pick)
        },
    ],
    upgrade,
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, handle: &str) -> Result<pick::Found, PickError> {
    // Visitors from some countries are sent to a consent page first.
    if fetched.url.path().starts_with("/privacy/consent") {
        return Err(PickError::Blocked("its consent page"));
    }
    let page = pick::page(fetched)?;
    let state = page.script_json("___INITIAL_STATE___");
    let blog = state.as_ref().and_then(|s| blog_in(s, handle));

    let from_state = blog.and_then(largest_avatar);
    let avatar = from_state
        .or_else(|| page_avatar(page))
        .filter(|u| !u.contains("/default_avatar/"));

    let banner = blog
        .and_then(|b| {
            json::first_str(
                b,
                &[
                    "theme.headerImage",
                    "theme.headerImageFocused",
                    "headerImage",
                ],
            )
        })
        .filter(|u| !u.contains("/default_header/"))
        .and_then(|u| page.resolve(u));

    let name = blog
        .and_then(|b| str_at(b, "title"))
        .map(str::to_owned)
        .or_else(|| page.title().map(|t| pick::clean_title(&t)));

    let mut found = pick::Found::default()
        .name(name.as_deref())
        .avatar(avatar.as_deref())
        .banner(banner.as_ref().map(Url::as_str));
    found.profile_url = blog.and_then(|b| str_at(b, "url")).map(str::to_owned);
    found.or_no_image()
}

/// The avatar a themed blog's page names: the first Tumblr avatar file among og:image and
/// the icon links, else whatever og:image is.
fn page_avatar(page: &Page) -> Option<String> {
    [
        page.og_image(),
        page.link("apple-touch-icon"),
        page.best_icon(),
    ]
    .into_iter()
    .flatten()
    .map(String::from)
    .find(|u| is_avatar(u))
    .or_else(|| page.og_image().map(String::from))
}

/// The blog record named `handle` in Tumblr's embedded state: an object with that `name` and
/// an `avatar` list.
fn blog_in<'a>(value: &'a Value, handle: &str) -> Option<&'a Value> {
    match value {
        Value::Object(map) => {
            let named = map
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(handle));
            if named && map.get("avatar").is_some_and(Value::is_array) {
                return Some(value);
            }
            map.values().find_map(|v| blog_in(v, handle))
        }
        Value::Array(items) => items.iter().find_map(|v| blog_in(v, handle)),
        _ => None,
    }
}

/// The widest entry of a blog's `avatar` list (`[{width, height, url}, …]`).
fn largest_avatar(blog: &Value) -> Option<String> {
    blog.get("avatar")?
        .as_array()?
        .iter()
        .filter_map(|a| Some((json::u32_at(a, "width").unwrap_or(0), str_at(a, "url")?)))
        .max_by_key(|(width, _)| *width)
        .map(|(_, url)| url.to_owned())
}

/// A Tumblr avatar file: `…/avatar_{id}_{size}.{ext}`.
fn is_avatar(url: &str) -> bool {
    url.rsplit('/')
        .next()
        .is_some_and(|file| file.starts_with("avatar_"))
}

/// Tumblr renders avatars at 16, 24, 30, 40, 48, 64, 96, 128 and 512 px, named
/// `avatar_{id}_{size}.{ext}` on `64.media.tumblr.com`; 512 is the largest.
fn upgrade(url: &str) -> String {
    let Some((dir, file)) = url.rsplit_once('/') else {
        return url.to_owned();
    };
    if !file.starts_with("avatar_") || !dir.contains(".tumblr.com") {
        return url.to_owned();
    }
    let (stem, ext) = file.split_once('.').unwrap_or((file, ""));
    let Some((id, size)) = stem.rsplit_once('_') else {
        return url.to_owned();
    };
    if id == "avatar" || size.parse::<u32>().is_err() {
        return url.to_owned();
    }
    let dot = if ext.is_empty() { "" } else { "." };
    format!("{dir}/{id}_512{dot}{ext}")
}

/// `{blog}.tumblr.com`, `tumblr.com/{blog}`, `www.tumblr.com/blog/view/{blog}` and
/// `www.tumblr.com/blog/{blog}`.
fn recognize(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    if let Some(sub) = host.strip_suffix(".tumblr.com")
        && sub != "www"
    {
        return (!sub.contains('.') && !NOT_BLOGS.contains(sub)).then(|| sub.to_owned());
    }
    if host != "tumblr.com" && host != "www.tumblr.com" {
        return None;
    }
    match segments.as_slice() {
        ["blog", "view", blog, ..] => Some((*blog).to_owned()),
        ["blog", blog, ..] if *blog != "view" => Some((*blog).to_owned()),
        [first, ..] if !RESERVED.contains(first) => Some((*first).to_owned()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avatars_grow_to_512() {
        assert_eq!(
            upgrade("https://64.media.tumblr.com/avatar_f71055191601_128.pnj"),
            "https://64.media.tumblr.com/avatar_f71055191601_512.pnj"
        );
        let header = "https://64.media.tumblr.com/8ed/tumblr_static_x_2048_v2.png";
        assert_eq!(upgrade(header), header);
    }

    #[test]
    fn blog_urls_give_the_blog_name() {
        for (url, want) in [
            ("https://staff.tumblr.com/", Some("staff")),
            ("https://staff.tumblr.com/post/123/hello", Some("staff")),
            ("https://www.tumblr.com/staff", Some("staff")),
            ("https://tumblr.com/staff/712345/hello", Some("staff")),
            ("https://www.tumblr.com/blog/view/staff", Some("staff")),
            ("https://www.tumblr.com/dashboard", None),
            ("https://64.media.tumblr.com/avatar_x_128.pnj", None),
            ("https://www.tumblr.com/", None),
        ] {
            let got = recognize(&Url::parse(url).unwrap());
            assert_eq!(got.as_deref(), want, "{url}");
        }
    }

    #[test]
    fn a_themed_blog_s_avatar_is_preferred_to_another_og_image() {
        let page = Page::parse(
            r#"<meta property="og:image" content="https://64.media.tumblr.com/a1/b2/s1280x1920/c3.jpg">
               <link rel="shortcut icon" href="https://64.media.tumblr.com/avatar_ab12_128.pnj">"#,
            Url::parse("https://staff.tumblr.com/").unwrap(),
        );
        assert_eq!(
            page_avatar(&page).as_deref(),
            Some("https://64.media.tumblr.com/avatar_ab12_128.pnj")
        );
    }
}
