//! Product Hunt: a member's page (`https://www.producthunt.com/@{name}`), read through the
//! Apollo state it is rendered with (`ApolloSSRDataTransport`): the profile's `avatarUrl`.

use serde_json::Value;
use url::Url;

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::json::{find_key, find_object, parse_prefix, str_at};

/// Where the page hands its Apollo state to the client.
const TRANSPORT: &str = "ApolloSSRDataTransport";

/// Product Hunt members.
pub const PROVIDER: Provider = Provider {
    id: "producthunt",
    name: "Product Hunt",
    aliases: &["ph"],
    input: "username",
    example: "rrhoover",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 100,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["producthunt.com"],
        paths: &["/@{handle}"],
        reserved: Reserved::NONE,
    },
    handle: |raw| super::ascii_handle(raw, "_", 64).map(|h| h.to_ascii_lowercase()),
    profile_url: |handle| format!("https://www.producthunt.com/@{handle}"),
    strategies: &[Strategy::page(pick)],
    upgrade,
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, handle: &str) -> Result<pick::Found, PickError> {
    let page = pick::page(fetched)?;
    let states: Vec<Value> = page
        .select("script:not([src])")
        .filter_map(|script| {
            let text: String = script.text().collect();
            let at = text.find(TRANSPORT)?;
            let push = text[at..].find(".push(")? + at + ".push(".len();
            parse_prefix(&text[push..])
        })
        .collect();
    if states.is_empty() {
        return Err(PickError::Unreadable("page data"));
    }
    // The member's own record: the one named by the handle, else the page's `profile`.
    let profile = states
        .iter()
        .find_map(|s| find_object(s, "username", handle))
        .or_else(|| states.iter().find_map(|s| find_key(s, "profile")));
    pick::Found::default()
        .name(profile.and_then(|p| str_at(p, "name")))
        .avatar(profile.and_then(|p| str_at(p, "avatarUrl")))
        .or_no_image()
}

/// Avatars are on imgix (`ph-avatars.imgix.net/{id}/{file}?w=…&h=…&fit=crop`), which renders
/// the uploaded image itself when the URL asks for no transformation.
fn upgrade(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) if parsed.host_str() == Some("ph-avatars.imgix.net") => {
            parsed.set_query(None);
            parsed.into()
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avatars_are_asked_as_uploaded() {
        assert_eq!(
            upgrade("https://ph-avatars.imgix.net/2/0f4b1e6e.png?auto=compress&w=60&h=60&fit=crop"),
            "https://ph-avatars.imgix.net/2/0f4b1e6e.png"
        );
        let other = "https://ph-files.imgix.net/logo.png?w=60";
        assert_eq!(upgrade(other), other);
    }
}
