//! Stack Overflow: the public Stack Exchange API's user record
//! (`https://api.stackexchange.com/2.3/users/{id}?site=stackoverflow`), keyless within its
//! daily quota (300 requests a day per address), then the HTML user page's metadata.

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::json::str_at;
use crate::fetch::Request;

/// Stack Overflow users, by numeric id.
pub const PROVIDER: Provider = Provider {
    id: "stackoverflow",
    name: "Stack Overflow",
    aliases: &["so"],
    input: "user id (22656 or 22656/jon-skeet)",
    example: "22656",
    missing_handle: "999999999",
    avatar_floor_px: 256,
    recognize: Recognize::Rules {
        hosts: &["stackoverflow.com"],
        paths: &["/users/{handle}", "/u/{handle}"],
        reserved: Reserved::NONE,
    },
    handle: normalize,
    profile_url: |id| format!("https://stackoverflow.com/users/{id}"),
    strategies: &[
        Strategy::api(
            |id| {
                Request::get(format!(
                    "https://api.stackexchange.com/2.3/users/{id}?site=stackoverflow"
                ))
            },
            pick,
        ),
        Strategy::page(|response, _| pick::metadata(response)?.or_no_image()),
    ],
    upgrade,
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let answer = pick::json(fetched)?;
    let Some(user) = answer.get("items").and_then(|items| items.get(0)) else {
        return Err(PickError::NotFound);
    };
    let name = str_at(user, "display_name").map(decode_entities);
    let mut found = pick::Found::default()
        .name(name.as_deref())
        .avatar(str_at(user, "profile_image"));
    found.profile_url = str_at(user, "link").map(str::to_owned);
    found.or_no_image()
}

/// `22656`, `22656/jon-skeet` or `/users/22656/…` → `22656`.
fn normalize(raw: &str) -> Option<String> {
    let raw = raw.trim().trim_start_matches('/');
    let raw = raw.strip_prefix("users/").unwrap_or(raw);
    let id = raw.split('/').next()?.trim();
    (!id.is_empty() && id.len() <= 12 && id.chars().all(|c| c.is_ascii_digit()) && id != "0")
        .then(|| id.trim_start_matches('0').to_owned())
        .filter(|id| !id.is_empty())
}

/// The API escapes HTML in names (`O&#39;Brien`); read them as text.
fn decode_entities(name: &str) -> String {
    if !name.contains('&') {
        return name.to_owned();
    }
    scraper::Html::parse_fragment(name)
        .root_element()
        .text()
        .collect()
}

/// Stack Exchange profile images: Gravatars (`?s=256&d=identicon&r=PG`) get Gravatar's
/// largest size; uploads on its image host (`i.sstatic.net`, formerly `i.stack.imgur.com`)
/// are resized by `s`, and served as uploaded without it. Others (Google, Facebook) are kept.
fn upgrade(url: &str) -> String {
    let own_host = url::Url::parse(url).is_ok_and(|u| {
        u.host_str()
            .is_some_and(|h| matches!(h, "i.sstatic.net" | "i.stack.imgur.com"))
    });
    if own_host {
        pick::without_query(url, &["s"])
    } else {
        super::gravatar::full_size(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_id_slug_pairs_are_accepted() {
        assert_eq!(normalize("22656"), Some("22656".into()));
        assert_eq!(normalize("22656/jon-skeet"), Some("22656".into()));
        for bad in ["jon-skeet", "", "0", "12a"] {
            assert_eq!(normalize(bad), None, "{bad}");
        }
    }

    #[test]
    fn profile_images_grow() {
        assert_eq!(
            upgrade("https://www.gravatar.com/avatar/6d8e?s=256&d=identicon&r=PG"),
            "https://www.gravatar.com/avatar/6d8e?s=2048&d=identicon&r=PG"
        );
        assert_eq!(
            upgrade("https://i.sstatic.net/5Q4Wh.jpg?s=256"),
            "https://i.sstatic.net/5Q4Wh.jpg"
        );
        assert_eq!(
            upgrade("https://lh3.googleusercontent.com/a/x=k-s256"),
            "https://lh3.googleusercontent.com/a/x=k-s256"
        );
    }

    #[test]
    fn escaped_names_are_decoded() {
        assert_eq!(
            decode_entities("Conor O&#39;Brien &amp; co"),
            "Conor O'Brien & co"
        );
    }
}
