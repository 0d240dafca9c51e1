//! DEV Community (dev.to): the public API's user record
//! (`https://dev.to/api/users/by_username?url={handle}`).

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::json::str_at;
use crate::fetch::Request;

/// DEV Community members.
pub const PROVIDER: Provider = Provider {
    id: "dev",
    name: "DEV Community",
    aliases: &["devto", "dev.to"],
    input: "username",
    example: "ben",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 320,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["dev.to"],
        paths: &["/{handle}"],
        reserved: Reserved(&[
            "about",
            "admin",
            "api",
            "badges",
            "code-of-conduct",
            "connect",
            "contact",
            "dashboard",
            "enter",
            "faq",
            "latest",
            "listings",
            "new",
            "notifications",
            "pod",
            "podcasts",
            "privacy",
            "readinglist",
            "reports",
            "search",
            "settings",
            "signout_confirm",
            "sponsors",
            "t",
            "tags",
            "terms",
            "top",
            "users",
            "videos",
        ]),
    },
    handle: |raw| super::ascii_handle(raw, "_", 30).map(|h| h.to_ascii_lowercase()),
    profile_url: |handle| format!("https://dev.to/{handle}"),
    strategies: &[Strategy::api(
        |handle| Request::get(format!("https://dev.to/api/users/by_username?url={handle}")),
        pick,
    )],
    upgrade: original,
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let user = pick::json(fetched)?;
    pick::Found::default()
        .name(str_at(&user, "name").or(str_at(&user, "username")))
        .avatar(str_at(&user, "profile_image"))
        .or_no_image()
}

/// DEV serves profile images through a resizing proxy whose path ends with the original's
/// URL, percent-encoded (`https://media2.dev.to/dynamic/image/width=640,…/https%3A%2F%2F
/// dev-to-uploads.s3.amazonaws.com%2F…`) or not (the older Cloudinary
/// `res.cloudinary.com/practicaldev/image/fetch/…/https://…`). The original upload is the
/// largest; other URLs are kept.
fn original(url: &str) -> String {
    let Some(rest) = url.split_once("://").map(|(_, rest)| rest) else {
        return url.to_owned();
    };
    let embedded = [
        "/https%3A%2F%2F",
        "/https%3a%2f%2f",
        "/https://",
        "/http://",
    ]
    .iter()
    .filter_map(|marker| rest.find(marker))
    .min()
    .map(|at| &rest[at + 1..]);
    let Some(embedded) = embedded else {
        return url.to_owned();
    };
    let decoded = percent_decode(embedded);
    match url::Url::parse(&decoded) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => parsed.into(),
        _ => url.to_owned(),
    }
}

/// `%XX` escapes decoded (invalid ones kept as they are).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resizing_proxy_is_stripped() {
        assert_eq!(
            original(
                "https://media2.dev.to/dynamic/image/width=640,height=640,fit=cover,gravity=auto,format=auto/https%3A%2F%2Fdev-to-uploads.s3.amazonaws.com%2Fuploads%2Fuser%2Fprofile_image%2F1%2Ff451a206-11c8-4e3d-8936-143d0a7e65bb.png"
            ),
            "https://dev-to-uploads.s3.amazonaws.com/uploads/user/profile_image/1/f451a206-11c8-4e3d-8936-143d0a7e65bb.png"
        );
        assert_eq!(
            original(
                "https://res.cloudinary.com/practicaldev/image/fetch/s--Xy--/c_fill,f_auto,fl_progressive,h_320,q_auto,w_320/https://dev-to-uploads.s3.amazonaws.com/uploads/user/profile_image/1/a.png"
            ),
            "https://dev-to-uploads.s3.amazonaws.com/uploads/user/profile_image/1/a.png"
        );
        assert_eq!(
            original("https://dev-to-uploads.s3.amazonaws.com/uploads/user/profile_image/1/a.png"),
            "https://dev-to-uploads.s3.amazonaws.com/uploads/user/profile_image/1/a.png"
        );
    }
}
