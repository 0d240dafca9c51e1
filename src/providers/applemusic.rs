//! Apple Music: an artist's page (`https://music.apple.com/us/artist/{id}`), read through its
//! JSON-LD `MusicGroup` (`image`, `name`), as unavatar reads it; the og:image when there is
//! none. Artists are asked by their numeric id: the iTunes Search API that turns a name into
//! an id names no picture, so a name would take two requests.

use url::Url;

use super::{PickError, Provider, Recognize, Strategy, pick};
use crate::extract::json::str_at;

/// The size asked of Apple's image service, which renders the size the file name states
/// (`{w}x{h}bb.{ext}`) and never beyond the source: Apple asks artists for images of at
/// least 2400×2400 (Apple Music for Artists' image guidelines).
const LARGEST: &str = "2400x2400bb";

/// Apple Music artists.
pub const PROVIDER: Provider = Provider {
    id: "applemusic",
    name: "Apple Music",
    aliases: &["apple-music", "itunes"],
    input: "artist id",
    example: "5468295",
    missing_handle: "999999999999",
    avatar_floor_px: 1000,
    recognize: Recognize::Custom(recognize),
    handle: |raw| {
        let id = raw.trim();
        let digits = !id.is_empty() && id.len() <= 12 && id.bytes().all(|b| b.is_ascii_digit());
        digits.then(|| id.to_owned())
    },
    profile_url: |id| format!("https://music.apple.com/us/artist/{id}"),
    strategies: &[Strategy::page(pick)],
    upgrade,
    ..Provider::DEFAULT
};

/// `music.apple.com/{country}/artist/{slug}/{id}` (the slug may be missing); the id is the
/// last segment.
fn recognize(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    if host != "music.apple.com" && host != "itunes.apple.com" {
        return None;
    }
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let artist = segments.iter().position(|s| *s == "artist")?;
    let id = segments.get(artist + 1..)?.last()?;
    Some(id.strip_prefix("id").unwrap_or(id).to_owned())
}

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let page = pick::page(fetched)?;
    let group = page
        .json_ld()
        .into_iter()
        .find(|block| str_at(block, "@type").is_some_and(|t| matches!(t, "MusicGroup" | "Person")));
    let avatar = group
        .as_ref()
        .and_then(|g| str_at(g, "image"))
        .and_then(|raw| page.resolve(raw))
        .or_else(|| page.og_image());
    let name = group
        .as_ref()
        .and_then(|g| str_at(g, "name").map(str::to_owned))
        .or_else(|| page.title().map(|t| pick::clean_title(&t)));
    pick::Found::default()
        .name(name.as_deref())
        .avatar(avatar.as_ref().map(Url::as_str))
        .or_no_image()
}

/// `…mzstatic.com/image/thumb/…/{source}/{w}x{h}{crop}.{ext}`: the last segment becomes
/// [`LARGEST`], the extension kept.
fn upgrade(url: &str) -> String {
    if !url.contains(".mzstatic.com/image/thumb/") {
        return url.to_owned();
    }
    let Some((before, last)) = url.rsplit_once('/') else {
        return url.to_owned();
    };
    let Some((size, ext)) = last.rsplit_once('.') else {
        return url.to_owned();
    };
    let sized = size
        .split_once('x')
        .is_some_and(|(w, _)| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()));
    if !sized {
        return url.to_owned();
    }
    format!("{before}/{LARGEST}.{ext}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artist_pictures_grow_to_2400() {
        assert_eq!(
            upgrade(
                "https://is1-ssl.mzstatic.com/image/thumb/Features125/v4/1d/9f/2c/1d9f2c5e-7a1b-3c4d-5e6f-7a8b9c0d1e2f/pr_source.png/486x486bb.png"
            ),
            "https://is1-ssl.mzstatic.com/image/thumb/Features125/v4/1d/9f/2c/1d9f2c5e-7a1b-3c4d-5e6f-7a8b9c0d1e2f/pr_source.png/2400x2400bb.png"
        );
        assert_eq!(
            upgrade(
                "https://is1-ssl.mzstatic.com/image/thumb/AMCArtistImages/v4/ab/cd/pr_source.jpg/1200x630cw.jpg"
            ),
            "https://is1-ssl.mzstatic.com/image/thumb/AMCArtistImages/v4/ab/cd/pr_source.jpg/2400x2400bb.jpg"
        );
        let other = "https://music.apple.com/assets/favicon.png";
        assert_eq!(upgrade(other), other);
    }

    #[test]
    fn artist_urls_give_the_id() {
        let id = |u: &str| recognize(&Url::parse(u).unwrap());
        assert_eq!(
            id("https://music.apple.com/us/artist/daft-punk/5468295"),
            Some("5468295".into())
        );
        assert_eq!(
            id("https://music.apple.com/fr/artist/5468295"),
            Some("5468295".into())
        );
        assert_eq!(
            id("https://itunes.apple.com/us/artist/daft-punk/id5468295"),
            Some("5468295".into())
        );
        assert_eq!(
            id("https://music.apple.com/us/album/discovery/697194953"),
            None
        );
    }
}
