//! Bandcamp: an artist's or label's discography page (`https://{name}.bandcamp.com/music`),
//! whose sidebar shows the band photo (`img.band-photo`); the og:image (the photo, or the
//! newest release's cover) when there is none. `/music` rather than the home page, which an
//! artist can point at a release.
//!
//! unavatar has no Bandcamp provider.

use url::Url;

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};

/// Subdomains of bandcamp.com that are Bandcamp's own, never an artist.
const RESERVED: Reserved = Reserved(&[
    "www",
    "api",
    "blog",
    "daily",
    "f4",
    "s4",
    "t4",
    "get",
    "help",
    "popplers5",
    "merch",
]);

/// The size Bandcamp links as a photo's large view (the sidebar's popup): 1200 px.
const LARGE: &str = "_10";

/// Bandcamp artists and labels; the handle is the subdomain.
pub const PROVIDER: Provider = Provider {
    id: "bandcamp",
    name: "Bandcamp",
    input: "artist or label (name.bandcamp.com)",
    example: "minotaurshock",
    missing_handle: "no-such-artist-zz9",
    avatar_floor_px: 300,
    takes_username: true,
    recognize: Recognize::Custom(recognize),
    handle: normalize,
    profile_url: |handle| format!("https://{handle}.bandcamp.com/music"),
    strategies: &[Strategy::page(pick)],
    upgrade,
    ..Provider::DEFAULT
};

/// Any page of `{name}.bandcamp.com` (home, `/music`, `/album/…`) is the artist's.
fn recognize(url: &Url) -> Option<String> {
    super::subdomain_of(url, ".bandcamp.com", RESERVED)
}

/// A subdomain label: letters, digits and hyphens, lower-cased; `name.bandcamp.com` accepted.
fn normalize(raw: &str) -> Option<String> {
    super::subdomain_handle(raw, ".bandcamp.com", RESERVED)
}

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let page = pick::page(fetched)?;
    let avatar = page
        .largest_src("img.band-photo")
        .or_else(|| page.og_image());
    let name = page
        .select("#band-name-location .title")
        .next()
        .map(|t| t.text().collect::<String>())
        .or_else(|| page.meta(&["og:site_name"]));
    pick::Found::default()
        .name(name.as_deref())
        .avatar(avatar.as_ref().map(Url::as_str))
        .or_no_image()
}

/// Bandcamp's images are `{n}.bcbits.com/img/{id}_{format}.jpg`, the format a number
/// (`_21` is the sidebar's 120 px photo, `_16` 700 px, `_10` 1200 px); the sidebar links
/// `_10` as the photo's large view, so that is asked.
fn upgrade(url: &str) -> String {
    let Some((before, file)) = url
        .rsplit_once("/img/")
        .filter(|(host, _)| host.ends_with(".bcbits.com"))
    else {
        return url.to_owned();
    };
    let Some((id, format)) = file.rsplit_once('_') else {
        return url.to_owned();
    };
    let Some((number, ext)) = format.split_once('.') else {
        return url.to_owned();
    };
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return url.to_owned();
    }
    format!("{before}/img/{id}{LARGE}.{ext}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_photos_grow_to_the_1200px_format() {
        assert_eq!(
            upgrade("https://f4.bcbits.com/img/0012345678_21.jpg"),
            "https://f4.bcbits.com/img/0012345678_10.jpg"
        );
        assert_eq!(
            upgrade("https://f4.bcbits.com/img/a3081644212_5.jpg"),
            "https://f4.bcbits.com/img/a3081644212_10.jpg"
        );
        let other = "https://s4.bcbits.com/img/bc_logo.png";
        assert_eq!(upgrade(other), other);
    }

    #[test]
    fn artist_subdomains_are_handles() {
        let url = |u: &str| recognize(&Url::parse(u).unwrap());
        assert_eq!(
            url("https://minotaurshock.bandcamp.com/album/orchard"),
            Some("minotaurshock".into())
        );
        assert_eq!(url("https://daily.bandcamp.com/features"), None);
        assert_eq!(
            normalize("MinotaurShock.bandcamp.com"),
            Some("minotaurshock".into())
        );
    }
}
