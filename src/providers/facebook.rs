//! Facebook: the public profile or Page as served to Facebook's own link-preview crawler:
//! `og:image`, plus the `profilePic*` and `cover_photo` URIs of the embedded Relay JSON.
//!
//! fbcdn URLs are signed (`oh=`/`oe=` cover the size in `stp=`), so they cannot be
//! rewritten to another size: of the variants the page carries, the largest is kept.

use url::Url;

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::{Page, json};

/// Keys of the embedded profile record that hold the profile picture (`{"uri": ...}`).
const PICTURE_KEYS: &[&str] = &[
    "profilePicLarge",
    "profilePicMedium",
    "profilePicSmall",
    "profilePicNormal",
];

/// The default silhouette every account without a picture gets.
const SILHOUETTE: &str = "/t1.30497-1/";

/// Facebook's hosts, also served as `www.`, `m.`, `web.`, `mbasic.`, `touch.`, `business.`.
const HOSTS: &[&str] = &["facebook.com", "fb.com"];

/// First path segments that are Facebook's own pages, never a profile.
const RESERVED: Reserved = Reserved(&[
    "about",
    "ads",
    "bookmarks",
    "business",
    "careers",
    "checkpoint",
    "dialog",
    "events",
    "friends",
    "gaming",
    "groups",
    "hashtag",
    "help",
    "home.php",
    "l.php",
    "login",
    "login.php",
    "marketplace",
    "media",
    "messages",
    "notes",
    "notifications",
    "pages",
    "people",
    "permalink.php",
    "pg",
    "photo",
    "photo.php",
    "policies",
    "privacy",
    "profile.php",
    "r.php",
    "recover",
    "reel",
    "reg",
    "search",
    "settings",
    "share",
    "sharer",
    "sharer.php",
    "signup",
    "stories",
    "story.php",
    "terms",
    "video.php",
    "watch",
]);

/// Facebook profiles and Pages.
pub const PROVIDER: Provider = Provider {
    id: "facebook",
    name: "Facebook",
    aliases: &["fb"],
    input: "username or numeric id",
    example: "zuck",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 200,
    promises_banner: true,
    takes_username: true,
    recognize: Recognize::Custom(recognize),
    handle: |raw| {
        let h = super::ascii_handle(raw, ".-", 50)?;
        let ok = !h.starts_with(['.', '-']) && !h.ends_with(['.', '-']);
        ok.then_some(h)
    },
    profile_url,
    strategies: &[Strategy::page(pick)],
    placeholders: &["static.xx.fbcdn.net/rsrc.php"],
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let page = pick::page(fetched)?;
    let avatar = largest_picture(page);
    let name = page
        .meta(&["og:title"])
        .or_else(|| page.title())
        .map(|t| t.trim_end_matches(" | Facebook").to_owned());
    pick::Found::default()
        .name(name.as_deref())
        .avatar(avatar.as_ref().map(Url::as_str))
        .banner(cover_photo(page).as_ref().map(Url::as_str))
        .or_no_image()
}

/// `facebook.com/{name}`, `/profile.php?id={id}`, `/people/{name}/{id}`,
/// `/pages/{name}/{id}` and `/pg/{name}`
/// on facebook.com, fb.com and their `www.`, `m.`, `web.`, `mbasic.` hosts.
fn recognize(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    let base = ["www.", "m.", "web.", "mbasic.", "touch.", "business."]
        .iter()
        .find_map(|p| host.strip_prefix(p))
        .unwrap_or(&host);
    if !HOSTS.contains(&base) {
        return None;
    }
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        ["profile.php", ..] => url
            .query_pairs()
            .find(|(k, _)| k == "id")
            .map(|(_, v)| v.into_owned())
            .filter(|id| id.bytes().all(|b| b.is_ascii_digit())),
        ["people" | "pages", _, id, ..] if id.bytes().all(|b| b.is_ascii_digit()) => {
            Some((*id).to_owned())
        }
        ["pg", name, ..] => Some((*name).to_owned()),
        [first, ..] if RESERVED.contains(first) => None,
        [first, ..] => Some((*first).to_owned()),
        [] => None,
    }
}

fn profile_url(handle: &str) -> String {
    if handle.bytes().all(|b| b.is_ascii_digit()) {
        format!("https://www.facebook.com/profile.php?id={handle}")
    } else {
        format!("https://www.facebook.com/{handle}")
    }
}

/// The biggest profile picture among og:image and the embedded `profilePic*` URIs.
fn largest_picture(page: &Page) -> Option<Url> {
    let embedded: Vec<String> = page
        .scripts_json_containing("profilePic")
        .iter()
        .flat_map(|blob| {
            PICTURE_KEYS
                .iter()
                .filter_map(|key| json::find_key(blob, key))
                .filter_map(|pic| json::str_at(pic, "uri").map(str::to_owned))
                .collect::<Vec<_>>()
        })
        .collect();
    page.meta(&["og:image", "twitter:image"])
        .into_iter()
        .chain(embedded)
        .filter(|u| !u.contains(SILHOUETTE))
        .filter_map(|u| page.resolve(&u))
        .filter(is_picture)
        .max_by_key(side)
}

/// Whether `url` is a picture on Facebook's content CDN (`scontent*.fbcdn.net`), not one of
/// its site assets (`static.xx.fbcdn.net/rsrc.php`, `facebook.com/images/fb_icon_325x325.png`).
fn is_picture(url: &Url) -> bool {
    url.host_str()
        .is_some_and(|h| h.ends_with(".fbcdn.net") && !h.starts_with("static."))
}

/// The cover photo of the embedded profile record.
fn cover_photo(page: &Page) -> Option<Url> {
    page.scripts_json_containing("cover_photo")
        .iter()
        .find_map(|blob| {
            let cover = json::find_key(blob, "cover_photo")?;
            json::first_str(cover, &["photo.image.uri", "photo.image.url"])
                .and_then(|u| page.resolve(u))
                .filter(is_picture)
        })
}

/// The longer side an fbcdn URL is scaled to: `s200x200`/`p320x320` in its `stp=` transform
/// (or as a path segment in older URLs); none means the stored original, the largest.
fn side(url: &Url) -> u32 {
    let stp = url
        .query_pairs()
        .find(|(k, _)| k == "stp")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let tokens = stp
        .split('_')
        .map(str::to_owned)
        .chain(url.path_segments().into_iter().flatten().map(str::to_owned));
    tokens
        .filter_map(|t| {
            let dims = t.strip_prefix(['s', 'p'])?;
            let (w, h) = dims.split_once('x')?;
            Some(w.parse::<u32>().ok()?.max(h.parse::<u32>().ok()?))
        })
        .min()
        .unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scaled_size_is_read_from_stp_or_the_path() {
        let side_of = |u: &str| side(&Url::parse(u).unwrap());
        assert_eq!(
            side_of(
                "https://scontent.xx.fbcdn.net/v/t39.30808-1/1_n.jpg?stp=c0.0.1.1a_cp0_dst-jpg_s40x40_tt6&oh=x"
            ),
            40
        );
        assert_eq!(
            side_of("https://scontent.xx.fbcdn.net/v/t1.6435-9/p480x480/1_n.jpg?oh=x"),
            480
        );
        assert_eq!(
            side_of("https://scontent.xx.fbcdn.net/v/t39.30808-1/1_n.jpg?_nc_cat=1&oh=x"),
            u32::MAX
        );
    }

    #[test]
    fn profile_urls_of_every_shape_are_recognized() {
        let handle = |u: &str| PROVIDER.recognize_url(&Url::parse(u).unwrap());
        assert_eq!(handle("https://www.facebook.com/zuck"), Some("zuck".into()));
        assert_eq!(
            handle("https://m.facebook.com/profile.php?id=100044561550831"),
            Some("100044561550831".into())
        );
        assert_eq!(
            handle("https://www.facebook.com/people/Jane-Doe/100089/"),
            Some("100089".into())
        );
        assert_eq!(handle("https://fb.com/NASA/photos"), Some("NASA".into()));
        assert_eq!(
            handle("https://www.facebook.com/pages/Cafe-Luna/123456789"),
            Some("123456789".into())
        );
        assert_eq!(handle("https://www.facebook.com/groups/rust"), None);
        assert_eq!(handle("https://www.facebook.com/watch/?v=1"), None);
        assert_eq!(handle("https://www.facebook.com/"), None);
        assert_eq!(handle("https://www.facebook.com/people/Jane-Doe/"), None);
        assert_eq!(handle("https://www.facebook.com/profile.php"), None);
    }
}
