//! Vimeo: the server-rendered profile page (`https://vimeo.com/{handle}`), read through its
//! JSON-LD `Person` and og:image.

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};

/// Size we ask Vimeo's image CDN for.
const LARGEST: &str = "1024x1024";

/// Vimeo members (`vimeo.com/staff`, `vimeo.com/user12345`).
pub const PROVIDER: Provider = Provider {
    id: "vimeo",
    name: "Vimeo",
    input: "username",
    example: "staff",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 1024,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["vimeo.com"],
        paths: &["/{handle}"],
        reserved: Reserved(&[
            "about",
            "album",
            "api",
            "blog",
            "business",
            "categories",
            "channels",
            "create",
            "enterprise",
            "explore",
            "features",
            "for-hire",
            "groups",
            "help",
            "home",
            "integrations",
            "join",
            "jobs",
            "live",
            "log_in",
            "manage",
            "ondemand",
            "ott",
            "partners",
            "pricing",
            "privacy",
            "purchases",
            "search",
            "settings",
            "showcase",
            "solutions",
            "stock",
            "terms",
            "upgrade",
            "upload",
            "videoschool",
            "watch",
            "watchlater",
        ]),
    },
    handle: |raw| {
        let h = super::ascii_handle(raw, "_", 64)?;
        // All-digit paths are videos (`vimeo.com/76979871`), not people.
        (!h.chars().all(|c| c.is_ascii_digit())).then_some(h)
    },
    profile_url: |handle| format!("https://vimeo.com/{handle}"),
    strategies: &[Strategy::page(pick)],
    upgrade,
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let page = pick::page(fetched)?;
    let mut found = pick::from_metadata(&page.metadata());
    // Members without a picture get Vimeo's stock portrait.
    found
        .images
        .retain(|image| !image.url.contains("/portrait/defaults-"));
    found.or_no_image()
}

/// Portraits are `i.vimeocdn.com/portrait/{id}_{w}x{h}` (any extension and query kept); the
/// CDN renders whatever size the path names, and its `sig` does not cover the size (the same
/// signature is served for `_60x60` and `_640x640`), so the size is raised to 1024×1024.
fn upgrade(url: &str) -> String {
    let Some((before, file)) = url
        .split_once("/portrait/")
        .filter(|(host, _)| host.ends_with("vimeocdn.com"))
    else {
        return url.to_owned();
    };
    let end = file.find(['?', '.', '#']).unwrap_or(file.len());
    let (name, tail) = file.split_at(end);
    let Some((id, size)) = name.rsplit_once('_') else {
        return url.to_owned();
    };
    let is_size = size
        .split_once('x')
        .is_some_and(|(w, h)| w.parse::<u32>().is_ok() && h.parse::<u32>().is_ok());
    if !is_size {
        return url.to_owned();
    }
    format!("{before}/portrait/{id}_{LARGEST}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portraits_grow_to_1024() {
        assert_eq!(
            upgrade("https://i.vimeocdn.com/portrait/34768143_640x640?sig=f177&v=1"),
            "https://i.vimeocdn.com/portrait/34768143_1024x1024?sig=f177&v=1"
        );
        assert_eq!(
            upgrade("https://i.vimeocdn.com/portrait/6740843_300x300.jpg"),
            "https://i.vimeocdn.com/portrait/6740843_1024x1024.jpg"
        );
        let other = "https://i.vimeocdn.com/video/746710587_640.jpg";
        assert_eq!(upgrade(other), other);
    }
}
