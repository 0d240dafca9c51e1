//! Bilibili: the public user card API
//! (`https://api.bilibili.com/x/web-interface/card?mid={uid}&photo=true`), which gives the
//! picture, the name and, with `photo=true`, the space banner, without a login.
//!
//! Its image CDN (`i0.hdslb.com`…) refuses a `Referer` from another site; `/image` sends
//! none, which it serves.

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::json::{at, str_at};
use crate::fetch::Request;

/// Bilibili users, by UID.
pub const PROVIDER: Provider = Provider {
    id: "bilibili",
    name: "Bilibili",
    aliases: &["bili"],
    input: "user id (UID)",
    example: "2",
    missing_handle: "99999999999999999999",
    avatar_floor_px: 100,
    promises_banner: true,
    recognize: Recognize::Rules {
        hosts: &["space.bilibili.com", "bilibili.com"],
        paths: &["/space/{handle}", "/{handle}"],
        reserved: Reserved::NONE,
    },
    handle: |raw| {
        let id = raw
            .trim()
            .trim_start_matches("UID:")
            .trim_start_matches('0');
        let ok = !id.is_empty() && id.len() <= 20 && id.chars().all(|c| c.is_ascii_digit());
        ok.then(|| id.to_owned())
    },
    profile_url: |handle| format!("https://space.bilibili.com/{handle}"),
    strategies: &[Strategy::api(
        |handle| {
            Request::get(format!(
                "https://api.bilibili.com/x/web-interface/card?mid={handle}&photo=true"
            ))
        },
        pick,
    )],
    upgrade,
    // Users who never uploaded a picture get `noface`.
    placeholders: &[
        "hdslb.com/bfs/face/member/noface",
        "static.hdslb.com/images/member/noface",
    ],
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let answer = pick::json(fetched)?;
    // Bilibili answers 200 with its own code: 0 is an answer, -404 no such user, and -412
    // (request intercepted), -352 (risk control) and -799 (too often) are its anti-bot walls.
    let code = at(&answer, "code").and_then(serde_json::Value::as_i64);
    match code {
        Some(0) => {}
        Some(-404) => {
            return Err(PickError::NotFound);
        }
        Some(-412 | -352 | -799) => {
            return Err(PickError::Blocked("its risk control"));
        }
        _ => {
            return Err(PickError::Unreadable("user card"));
        }
    }
    pick::Found::default()
        .name(str_at(&answer, "data.card.name"))
        .avatar(str_at(&answer, "data.card.face"))
        .banner(str_at(&answer, "data.space.l_img"))
        .or_no_image()
}

/// Pictures on hdslb.com come as `http://` and, on pages, with an image-processing suffix
/// (`….jpg@100w_100h_1c.webp`) that asks BFS, Bilibili's image store, for a resized copy:
/// asked over https and without the suffix, it serves the upload as stored.
fn upgrade(url: &str) -> String {
    let Some(rest) = url.strip_prefix("http://").or(url.strip_prefix("https://")) else {
        return url.to_owned();
    };
    let host = rest.split('/').next().unwrap_or_default();
    if !host.ends_with(".hdslb.com") {
        return url.to_owned();
    }
    let stored = match rest.rfind('@') {
        Some(at) if rest[..at].contains("/bfs/") => &rest[..at],
        _ => rest,
    };
    format!("https://{stored}")
}

#[cfg(test)]
mod tests {
    use url::Url;

    use super::*;

    #[test]
    fn pictures_are_asked_over_https_as_stored() {
        assert_eq!(
            upgrade("http://i1.hdslb.com/bfs/face/34c5b30a990c7ce4a809626d8153fa7895ec7b63.gif"),
            "https://i1.hdslb.com/bfs/face/34c5b30a990c7ce4a809626d8153fa7895ec7b63.gif"
        );
        assert_eq!(
            upgrade("https://i0.hdslb.com/bfs/face/abc.jpg@100w_100h_1c.webp"),
            "https://i0.hdslb.com/bfs/face/abc.jpg"
        );
        let other = "http://example.com/bfs/a.jpg@1w";
        assert_eq!(upgrade(other), other);
    }

    #[test]
    fn space_urls_give_the_uid() {
        let url = |s: &str| Url::parse(s).unwrap();
        assert_eq!(
            PROVIDER.recognize_url(&url("https://space.bilibili.com/2/video")),
            Some("2".into())
        );
        assert_eq!(
            PROVIDER.recognize_url(&url("https://m.bilibili.com/space/2")),
            Some("2".into())
        );
        assert_eq!(
            PROVIDER.recognize_url(&url("https://www.bilibili.com/video/BV1xx411c7mD")),
            None
        );
    }
}
