//! Pinterest: the profile page's embedded Redux state (`__PWS_INITIAL_PROPS__`, or the older
//! `__PWS_DATA__`): the user record's `image_xlarge_url`, else og:image.

use serde_json::Value;
use url::Url;

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::{Page, json};
use crate::fetch::Agent;

/// Country domains Pinterest serves profiles on (`pinterest.<tld>`, also `xx.pinterest.com`).
const TLDS: &[&str] = &[
    "com", "at", "ca", "ch", "cl", "co.kr", "co.uk", "com.au", "com.mx", "de", "dk", "es", "fr",
    "ie", "it", "jp", "nz", "ph", "pt", "ru", "se",
];

/// Pinterest's avatar sizes, `30x30_RS` to `280x280_RS`: the largest it keeps for avatars.
const LARGEST: &str = "280x280_RS";

/// First path segments that are Pinterest's own pages, never a profile.
const RESERVED: Reserved = Reserved(&[
    "_",
    "about",
    "business",
    "categories",
    "discover",
    "explore",
    "search",
    "ideas",
    "login",
    "logout",
    "news_hub",
    "password",
    "pin",
    "pin-builder",
    "resource",
    "settings",
    "signup",
    "today",
    "topics",
    "videos",
]);

/// Pinterest users.
pub const PROVIDER: Provider = Provider {
    id: "pinterest",
    name: "Pinterest",
    input: "username",
    example: "pinterest",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 280,
    takes_username: true,
    recognize: Recognize::Custom(recognize),
    handle: |raw| super::ascii_handle(raw, "_", 30),
    profile_url: |handle| format!("https://www.pinterest.com/{handle}/"),
    strategies: &[Strategy {
        agent: Agent::Browser,
        ..Strategy::page(pick)
    }],
    // i.pinimg.com scales avatars by a path segment: /75x75_RS/ → /280x280_RS/.
    upgrade: |url| {
        let Ok(mut parsed) = Url::parse(url) else {
            return url.to_owned();
        };
        if parsed.host_str() != Some("i.pinimg.com") {
            return url.to_owned();
        }
        let segments: Vec<String> = parsed
            .path_segments()
            .into_iter()
            .flatten()
            .map(|s| {
                let sized = s.strip_suffix("_RS").is_some_and(|dims| {
                    dims.split_once('x').is_some_and(|(w, h)| {
                        w.bytes().all(|b| b.is_ascii_digit())
                            && h.bytes().all(|b| b.is_ascii_digit())
                    })
                });
                if sized {
                    LARGEST.to_owned()
                } else {
                    s.to_owned()
                }
            })
            .collect();
        parsed.set_path(&segments.join("/"));
        parsed.into()
    },
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, handle: &str) -> Result<pick::Found, PickError> {
    let page = pick::page(fetched)?;
    let Some(user) = user_record(page, handle) else {
        // The title is "Name (username) - Profile | Pinterest".
        let found = pick::from_metadata(&page.metadata());
        let name = found
            .name
            .as_deref()
            .map(|n| n.split(" (").next().unwrap_or(n).to_owned());
        return pick::Found { name, ..found }.or_no_image();
    };
    let avatar = json::first_str(
        &user,
        &[
            "image_xlarge_url",
            "image_large_url",
            "image_medium_url",
            "imageXlargeUrl",
            "imageLargeUrl",
        ],
    )
    .map(str::to_owned)
    .or_else(|| page.og_image().map(String::from));
    pick::Found::default()
        .name(json::first_str(
            &user,
            &["full_name", "fullName", "username"],
        ))
        .avatar(avatar.as_deref())
        .or_no_image()
}

/// The user record for `handle` in the page's embedded state.
fn user_record(page: &Page, handle: &str) -> Option<Value> {
    ["__PWS_INITIAL_PROPS__", "__PWS_DATA__"]
        .iter()
        .filter_map(|id| page.script_json(id))
        .find_map(|state| {
            // The Redux `users` map first; the same record also appears nested (board
            // owners), sometimes with fewer sizes.
            ["initialReduxState.users", "props.initialReduxState.users"]
                .iter()
                .filter_map(|p| json::at(&state, p))
                .chain(std::iter::once(&state))
                .find_map(|scope| json::find_object(scope, "username", handle))
                .cloned()
        })
}

/// `pinterest.<tld>/{name}/` and `xx.pinterest.<tld>/{name}/` for every country domain.
fn recognize(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    let (_, after) = host.split_once("pinterest.")?;
    let prefix = &host[..host.len() - after.len() - "pinterest.".len()];
    let prefix_ok =
        prefix.is_empty() || prefix == "www." || (prefix.len() == 3 && prefix.ends_with('.'));
    if !prefix_ok || !TLDS.contains(&after) {
        return None;
    }
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let first = *segments.first()?;
    (!RESERVED.contains(first)).then(|| first.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avatars_are_asked_at_280px() {
        assert_eq!(
            (PROVIDER.upgrade)(
                "https://i.pinimg.com/75x75_RS/3a/66/f8/3a66f807ecd9a390077624a2fcf002ea.jpg"
            ),
            "https://i.pinimg.com/280x280_RS/3a/66/f8/3a66f807ecd9a390077624a2fcf002ea.jpg"
        );
        let pin = "https://i.pinimg.com/originals/3f/3d/3a/3f3d3ae5efc0673fc33ef8dd145c049a.gif";
        assert_eq!((PROVIDER.upgrade)(pin), pin);
    }

    #[test]
    fn country_domains_are_recognized() {
        let handle = |u: &str| PROVIDER.recognize_url(&Url::parse(u).unwrap());
        assert_eq!(
            handle("https://www.pinterest.co.uk/nasa/_saved/"),
            Some("nasa".into())
        );
        assert_eq!(
            handle("https://br.pinterest.com/nasa/"),
            Some("nasa".into())
        );
        assert_eq!(handle("https://www.pinterest.com/pin/123/"), None);
        assert_eq!(handle("https://notpinterest.com/nasa/"), None);
    }
}
