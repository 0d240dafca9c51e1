//! Spotify: the public page of a user (`open.spotify.com/user/{id}`) or an artist
//! (`open.spotify.com/artist/{id}`), read through its og:image on Spotify's image CDN.

use url::Url;

use super::{PickError, Provider, Recognize, Strategy, pick};

/// Prefix of an artist's handle (`artist/{id}`); a user's handle is the bare id.
const ARTIST: &str = "artist/";

/// Image ids start with a size code. As the Web API's `images` arrays list them: an
/// artist's picture is 640 (`ab6761610000e5eb`), 320 (`…5174`) or 160 (`…f178`) wide, a
/// user's 300 (`ab6775700000ee85`) or 64 (`ab67757000003b82`); the rest of the id is the
/// same picture's.
const SIZES: &[(&str, &str)] = &[
    ("ab67616100005174", "ab6761610000e5eb"),
    ("ab6761610000f178", "ab6761610000e5eb"),
    ("ab67757000003b82", "ab6775700000ee85"),
];

/// Spotify users and artists.
pub const PROVIDER: Provider = Provider {
    id: "spotify",
    name: "Spotify",
    input: "user id, or artist/{id}",
    example: "spotify",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 300,
    takes_username: true,
    recognize: Recognize::Custom(recognize),
    handle: normalize,
    profile_url: |handle| match handle.strip_prefix(ARTIST) {
        Some(artist) => format!("https://open.spotify.com/artist/{artist}"),
        None => format!("https://open.spotify.com/user/{handle}"),
    },
    strategies: &[Strategy::page(pick)],
    upgrade,
    // The web player's own artwork (its logo, the share card of a page without a picture).
    placeholders: &["open.spotifycdn.com/cdn/images/"],
    ..Provider::DEFAULT
};

/// `open.spotify.com/user/{id}` and `/artist/{id}`, with or without a locale segment
/// (`/intl-de/artist/{id}`).
fn recognize(url: &Url) -> Option<String> {
    if !url.host_str()?.eq_ignore_ascii_case("open.spotify.com") {
        return None;
    }
    let mut segments = url
        .path_segments()?
        .filter(|s| !s.is_empty())
        .skip_while(|s| s.starts_with("intl-"));
    match (segments.next()?, segments.next()?) {
        ("user", id) => Some(id.to_owned()),
        ("artist", id) => Some(format!("{ARTIST}{id}")),
        _ => None,
    }
}

/// A user id (letters, digits, `.`, `_`, `-`; kept as typed, since Spotify's are
/// case-sensitive), or `artist/{id}` (also `artist:{id}`) with a 22-character base-62 id.
fn normalize(raw: &str) -> Option<String> {
    let raw = raw.trim().trim_end_matches('/');
    let artist = raw
        .strip_prefix(ARTIST)
        .or_else(|| raw.strip_prefix("artist:"));
    if let Some(id) = artist {
        let ok = id.len() == 22 && id.chars().all(|c| c.is_ascii_alphanumeric());
        return ok.then(|| format!("{ARTIST}{id}"));
    }
    let id = raw.strip_prefix("user/").unwrap_or(raw);
    super::ascii_handle(id, "._-", 64)
}

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let found = pick::from_metadata(fetched.metadata()?);
    found.or_no_image()
}

/// `i.scdn.co/image/{code}{picture}` (or `image-cdn-*.spotifycdn.com`) at its largest.
fn upgrade(url: &str) -> String {
    let Some((host, id)) = url.split_once("/image/") else {
        return url.to_owned();
    };
    if !(host.ends_with("scdn.co") || host.ends_with("spotifycdn.com")) {
        return url.to_owned();
    }
    SIZES
        .iter()
        .find_map(|(small, large)| Some(format!("{host}/image/{large}{}", id.strip_prefix(small)?)))
        .unwrap_or_else(|| url.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_grow_to_the_largest_size_of_their_kind() {
        assert_eq!(
            upgrade("https://i.scdn.co/image/ab67616100005174e726280500259dbdb97a8be4"),
            "https://i.scdn.co/image/ab6761610000e5ebe726280500259dbdb97a8be4"
        );
        assert_eq!(
            upgrade(
                "https://image-cdn-ak.spotifycdn.com/image/ab67757000003b82cbbf8dfe1fe9e0f8c4d86461"
            ),
            "https://image-cdn-ak.spotifycdn.com/image/ab6775700000ee85cbbf8dfe1fe9e0f8c4d86461"
        );
        let largest = "https://i.scdn.co/image/ab6761610000e5ebe726280500259dbdb97a8be4";
        assert_eq!(upgrade(largest), largest);
        let elsewhere = "https://example.com/image/ab67616100005174e7";
        assert_eq!(upgrade(elsewhere), elsewhere);
    }

    #[test]
    fn users_and_artists_are_told_apart() {
        let at = |u: &str| recognize(&Url::parse(u).unwrap());
        assert_eq!(
            at("https://open.spotify.com/intl-de/artist/0TnOYISbd1XYRBk9myaseg?si=x"),
            Some("artist/0TnOYISbd1XYRBk9myaseg".into())
        );
        assert_eq!(
            at("https://open.spotify.com/user/spotify"),
            Some("spotify".into())
        );
        assert_eq!(
            at("https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC"),
            None
        );
        assert_eq!(
            normalize("artist:0TnOYISbd1XYRBk9myaseg"),
            Some("artist/0TnOYISbd1XYRBk9myaseg".into())
        );
        assert_eq!(normalize("artist/short"), None);
    }
}
