//! Linktree: a page (`https://linktr.ee/{name}`), read through the Next.js data it embeds
//! (`__NEXT_DATA__`: the account's `profilePictureUrl`).

use url::Url;

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::json::{first_str, str_at};

/// Linktree pages.
pub const PROVIDER: Provider = Provider {
    id: "linktree",
    name: "Linktree",
    aliases: &["linktr.ee"],
    input: "username",
    example: "linktree",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 200,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["linktr.ee"],
        paths: &["/{handle}"],
        reserved: Reserved(&["admin", "login", "register", "s", "discover", "marketplace"]),
    },
    handle: |raw| super::ascii_handle(raw, "._-", 64).map(|h| h.to_ascii_lowercase()),
    profile_url: |handle| format!("https://linktr.ee/{handle}"),
    strategies: &[Strategy::page(pick)],
    upgrade,
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let page = pick::page(fetched)?;
    let data = page
        .script_json("__NEXT_DATA__")
        .ok_or(PickError::Unreadable("page data"))?;
    let account = crate::extract::json::at(&data, "props.pageProps.account")
        .ok_or(PickError::Unreadable("page data"))?;
    pick::Found::default()
        .name(first_str(account, &["pageTitle", "username"]))
        .avatar(str_at(account, "profilePictureUrl"))
        .or_no_image()
}

/// Uploads on `ugc.production.linktr.ee` are served through an optimizer preset
/// (`?io=true&size=avatar-v3_0`); without it the CDN serves the file as uploaded, the
/// largest there is.
fn upgrade(url: &str) -> String {
    let Ok(mut parsed) = Url::parse(url) else {
        return url.to_owned();
    };
    if parsed.host_str() != Some("ugc.production.linktr.ee") {
        return url.to_owned();
    }
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, _)| k != "io" && k != "size")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(kept);
    }
    parsed.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_lose_the_optimizer_preset() {
        assert_eq!(
            upgrade(
                "https://ugc.production.linktr.ee/f7a610c9-b297-45b4-90ae-4003efa79a53_IMG.jpeg?io=true&size=avatar-v3_0"
            ),
            "https://ugc.production.linktr.ee/f7a610c9-b297-45b4-90ae-4003efa79a53_IMG.jpeg"
        );
        let other = "https://linktr.ee/og/image/linktree.jpg?size=1";
        assert_eq!(upgrade(other), other);
    }
}
