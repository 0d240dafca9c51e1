//! Patreon: a creator's page (`https://www.patreon.com/{name}`): the avatar its JSON-LD
//! `ProfilePage` states, else the original-size avatar in the page's React Server Components
//! payload (`avatarPhotoImageUrls.original`), where newer creator pages keep it.

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::json::str_at;

/// How far past `avatarPhotoImageUrls` its `original` may sit (the object lists a handful of
/// sizes), so that a later, unrelated `original` is never read.
const AVATAR_WINDOW: usize = 4096;

/// Patreon creators.
pub const PROVIDER: Provider = Provider {
    id: "patreon",
    name: "Patreon",
    input: "creator name",
    example: "kurzgesagt",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 200,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["patreon.com"],
        paths: &["/c/{handle}", "/{handle}"],
        reserved: Reserved(&[
            "about",
            "api",
            "apps",
            "bepatron",
            "checkout",
            "create",
            "explore",
            "home",
            "join",
            "library",
            "login",
            "messages",
            "notifications",
            "policy",
            "posts",
            "pricing",
            "product",
            "search",
            "settings",
            "signup",
            "user",
        ]),
    },
    handle: |raw| super::ascii_handle(raw, "_-", 64).map(|h| h.to_ascii_lowercase()),
    profile_url: |handle| format!("https://www.patreon.com/{handle}"),
    strategies: &[Strategy::page(pick)],
    // c10.patreonusercontent.com URLs carry their size in a path segment covered by their
    // `token-hash`, so they are used as served; the payload's `original` is the largest.
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let page = pick::page(fetched)?;
    let person = page
        .json_ld()
        .into_iter()
        .find_map(|block| block.get("mainEntity").cloned());
    let from_json_ld = person
        .as_ref()
        .and_then(|p| str_at(p, "image.contentUrl").or_else(|| str_at(p, "image")))
        .map(str::to_owned);
    let avatar = from_json_ld.or_else(|| rsc_avatar(fetched.text()));
    let name = person
        .as_ref()
        .and_then(|p| str_at(p, "name").map(str::to_owned))
        .or_else(|| page.title().map(|t| pick::clean_title(&t)));
    pick::Found::default()
        .name(name.as_deref())
        .avatar(avatar.as_deref())
        .or_no_image()
}

/// `avatarPhotoImageUrls…"original":"…"` in the page's flight payload, whose JSON sits inside
/// a JavaScript string (`self.__next_f.push([1,"…"])`), its quotes escaped.
fn rsc_avatar(text: &str) -> Option<String> {
    let start = text.find("avatarPhotoImageUrls")?;
    let mut end = text.len().min(start + AVATAR_WINDOW);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let window = &text[start..end];
    let after = &window[window.find("original")? + "original".len()..];
    let value = after
        .strip_prefix(r#"\":\""#)
        .map(|v| &v[..v.find(r#"\""#).unwrap_or(v.len())])
        .or_else(|| {
            let v = after.strip_prefix(r#"":""#)?;
            Some(&v[..v.find('"')?])
        })?;
    let url = unescape(value);
    url.starts_with("https://").then_some(url)
}

/// JavaScript string escapes as the payload writes them: `\uXXXX`, `\/`, `\\`.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(c);
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flight_payloads_original_avatar_is_read_unescaped() {
        let page = r#"<script>self.__next_f.push([1,"{\"avatarPhotoImageUrls\":{\"default\":\"https://c10.patreonusercontent.com/4/a/eyJ3Ijo2MjB9/1.png?token-hash=d\u0026token-time=1\",\"original\":\"https://c10.patreonusercontent.com/4/a/eyJxIjoxMDB9/1.png?token-hash=o\u0026token-time=1\"}}"])</script>"#;
        assert_eq!(
            rsc_avatar(page).as_deref(),
            Some(
                "https://c10.patreonusercontent.com/4/a/eyJxIjoxMDB9/1.png?token-hash=o&token-time=1"
            )
        );
        assert_eq!(rsc_avatar("no avatar here"), None);
        let far = format!(
            "avatarPhotoImageUrls{}\\\"original\\\":\\\"https://x/1.png\\\"",
            " ".repeat(AVATAR_WINDOW)
        );
        assert_eq!(rsc_avatar(&far), None);
    }
}
