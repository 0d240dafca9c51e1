//! Strava: the athlete's public page (`https://www.strava.com/athletes/{id}`), read through
//! its og:image, as unavatar reads it. An athlete who hides their page from people who are
//! not logged in is sent to the login page, which the fetcher reports as a block.

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::fetch::Agent;

/// Strava athletes, by id or the name in their page's address.
pub const PROVIDER: Provider = Provider {
    id: "strava",
    name: "Strava",
    input: "athlete id",
    example: "7201594",
    missing_handle: "999999999999",
    avatar_floor_px: 250,
    recognize: Recognize::Rules {
        hosts: &["strava.com"],
        paths: &["/athletes/{handle}", "/pros/{handle}"],
        reserved: Reserved::NONE,
    },
    handle: |raw| super::ascii_handle(raw, "-_", 40).map(|h| h.to_ascii_lowercase()),
    profile_url: |id| format!("https://www.strava.com/athletes/{id}"),
    strategies: &[Strategy {
        agent: Agent::Browser,
        ..Strategy::page(pick)
    }],
    upgrade,
    // The stock figure athletes without a picture get.
    placeholders: &["/assets/avatar/athlete/"],
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    pick::metadata(fetched)?.or_no_image()
}

/// Athletes' pictures are `…cloudfront.net/pictures/athletes/{id}/{n}/{v}/{size}.jpg`:
/// `medium` (62 px) and `large` (124 px), the two Strava's API names (`profile_medium`,
/// `profile`), and `full`, the upload, which the athlete page's og:image names.
fn upgrade(url: &str) -> String {
    if !url.contains("/pictures/athletes/") {
        return url.to_owned();
    }
    for size in ["/medium.", "/large."] {
        if let Some(at) = url.rfind(size) {
            return format!("{}/full.{}", &url[..at], &url[at + size.len()..]);
        }
    }
    url.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn athlete_pictures_grow_to_the_upload() {
        assert_eq!(
            upgrade(
                "https://dgalywyr863hv.cloudfront.net/pictures/athletes/7201594/2189962/2/large.jpg"
            ),
            "https://dgalywyr863hv.cloudfront.net/pictures/athletes/7201594/2189962/2/full.jpg"
        );
        let full =
            "https://dgalywyr863hv.cloudfront.net/pictures/athletes/7201594/2189962/2/full.jpg";
        assert_eq!(upgrade(full), full);
    }
}
