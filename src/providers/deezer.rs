//! Deezer: the public API's artist and user records (`https://api.deezer.com/artist/{id}`,
//! `https://api.deezer.com/user/{id}`), read without a key.

use url::Url;

use super::{PickError, Provider, Recognize, Strategy, pick};
use crate::extract::json::{str_at, u32_at};
use crate::fetch::Request;

/// Deezer artists and user profiles, by numeric id.
pub const PROVIDER: Provider = Provider {
    id: "deezer",
    name: "Deezer",
    input: "artist id (27), or artist:27 / user:2529",
    example: "artist:27",
    missing_handle: "artist:999999999999",
    avatar_floor_px: 1000,
    recognize: Recognize::Custom(recognize),
    handle: normalize,
    profile_url: |handle| {
        let (kind, id) = split(handle);
        let path = if kind == "user" { "profile" } else { "artist" };
        format!("https://www.deezer.com/{path}/{id}")
    },
    // `picture_xl` (1000×1000) is the largest picture the API names.
    strategies: &[Strategy::api(
        |handle| {
            let (kind, id) = split(handle);
            Request::get(format!("https://api.deezer.com/{kind}/{id}"))
        },
        pick,
    )],
    // Artists and users without a picture get an empty image hash
    // (`/images/artist//1000x1000-….jpg`), which the CDN answers with a generic picture.
    placeholders: &["dzcdn.net/images/artist//", "dzcdn.net/images/user//"],
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let record = pick::json(fetched)?;
    // Deezer answers its errors with 200 and an `error` object: 800 is "no data", 4 its quota.
    if let Some(error) = record.get("error") {
        return Err(match u32_at(error, "code") {
            Some(800) => PickError::NotFound,
            Some(4) => PickError::Blocked("its request quota"),
            _ => PickError::Unreadable("record"),
        });
    }
    let mut found = pick::Found::default()
        .name(str_at(&record, "name"))
        .avatar(str_at(&record, "picture_xl").or(str_at(&record, "picture_big")));
    found.profile_url = str_at(&record, "link").map(str::to_owned);
    found.or_no_image()
}

/// `artist:27`, `user:2529` (`profile:2529` too, as Deezer's own URLs say), or a bare id,
/// which is an artist's.
fn normalize(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let (kind, id) = match raw.split_once([':', '/']) {
        Some((kind, id)) => (kind.trim().to_ascii_lowercase(), id.trim()),
        None => ("artist".to_owned(), raw),
    };
    let kind = match kind.as_str() {
        "artist" => "artist",
        "user" | "profile" => "user",
        _ => return None,
    };
    let id = id.trim_start_matches('0');
    let ok = !id.is_empty() && id.len() <= 12 && id.chars().all(|c| c.is_ascii_digit());
    ok.then(|| format!("{kind}:{id}"))
}

fn split(handle: &str) -> (&str, &str) {
    handle.split_once(':').unwrap_or(("artist", handle))
}

/// `deezer.com/artist/27` and `deezer.com/profile/2529`, with or without a language segment
/// (`/en/artist/27`).
fn recognize(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    if host != "deezer.com" && host != "www.deezer.com" {
        return None;
    }
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let rest = match segments.as_slice() {
        [lang, rest @ ..] if lang.len() == 2 && lang.chars().all(|c| c.is_ascii_alphabetic()) => {
            rest
        }
        rest => rest,
    };
    match rest {
        [kind @ ("artist" | "profile"), id, ..] => Some(format!("{kind}:{id}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_name_an_artist_unless_they_say_user() {
        assert_eq!(normalize("27"), Some("artist:27".into()));
        assert_eq!(normalize("Artist:27"), Some("artist:27".into()));
        assert_eq!(normalize("profile/2529"), Some("user:2529".into()));
        for bad in ["album:302127", "user:", "artist:x1", "0"] {
            assert_eq!(normalize(bad), None, "{bad}");
        }
    }

    #[test]
    fn urls_with_or_without_a_language_are_recognized() {
        let url = |s: &str| Url::parse(s).unwrap();
        assert_eq!(
            PROVIDER.recognize_url(&url("https://www.deezer.com/en/artist/27")),
            Some("artist:27".into())
        );
        assert_eq!(
            PROVIDER.recognize_url(&url("https://www.deezer.com/profile/2529/loved")),
            Some("user:2529".into())
        );
        assert_eq!(
            PROVIDER.recognize_url(&url("https://www.deezer.com/fr/album/302127")),
            None
        );
    }
}
