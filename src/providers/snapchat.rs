//! Snapchat: the public profile page (`https://www.snapchat.com/@{name}`, where
//! `snapchat.com/add/{name}` redirects), read through the Next.js data it embeds
//! (`__NEXT_DATA__`): a public profile's picture and hero image, or an ordinary account's
//! Bitmoji.

use serde_json::Value;

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::json::at;

/// Snapchat accounts.
pub const PROVIDER: Provider = Provider {
    id: "snapchat",
    name: "Snapchat",
    aliases: &["snap"],
    input: "username",
    example: "nasa",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 1080,
    promises_banner: true,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["snapchat.com", "story.snapchat.com"],
        paths: &["/add/{handle}", "/@{handle}"],
        reserved: Reserved::NONE,
    },
    handle: normalize,
    profile_url: |handle| format!("https://www.snapchat.com/@{handle}"),
    strategies: &[Strategy::page(pick)],
    upgrade,
    ..Provider::DEFAULT
};

/// Letters, digits, `.`, `_` and `-`, starting with a letter or digit, up to 32 long (older
/// accounts predate today's 3-to-15 rule), lower-cased.
fn normalize(raw: &str) -> Option<String> {
    let name = super::ascii_handle(raw, "._-", 32)?;
    name.starts_with(|c: char| c.is_ascii_alphanumeric())
        .then(|| name.to_ascii_lowercase())
}

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let page = pick::page(fetched)?;
    let data = page
        .script_json("__NEXT_DATA__")
        .ok_or(PickError::Unreadable("page data"))?;
    let props = at(&data, "props.pageProps").unwrap_or(&Value::Null);
    let not_found = ["pageMetadata.pageType", "pageProps.pageMetadata.pageType"]
        .iter()
        .any(|p| text(at(props, p)) == Some("NOT_FOUND"));
    if not_found {
        return Err(PickError::NotFound);
    }
    let profile = at(props, "userProfile").unwrap_or(&Value::Null);
    let case = text(profile.get("$case")).unwrap_or_default();
    let info = profile.get(case).unwrap_or(&Value::Null);
    let found = match case {
        // A public profile (creators, brands): its picture and its hero image.
        "publicProfileInfo" => pick::Found::default()
            .name(text(info.get("title")))
            .avatar(text(info.get("profilePictureUrl")))
            .banner(text(info.get("squareHeroImageUrl"))),
        // An ordinary account shows a username, a Snapcode and, when it has one, a Bitmoji.
        "userInfo" => pick::Found::default()
            .name(text(info.get("displayName")))
            .avatar(text(at(info, "bitmoji3d.avatarImage.url"))),
        _ => {
            return Err(PickError::Unreadable("page data"));
        }
    };
    found.or_no_image()
}

/// A string, or the `{"value": …}` wrapper Snapchat's payload puts around some.
fn text(value: Option<&Value>) -> Option<&str> {
    let value = value?;
    value
        .as_str()
        .or_else(|| value.get("value")?.as_str())
        .filter(|s| !s.trim().is_empty())
}

/// Profile pictures come through Snapchat's image resizer at 90 pixels
/// (`cf-st.sc-cdn.net/aps/bolt/{source}._RS0,90_FMjpeg`); the same resizer serves the
/// profile's hero image at 1080 (`_RS0,1080_`), so the picture is asked at 1080 too.
fn upgrade(url: &str) -> String {
    if !url.contains(".sc-cdn.net/aps/bolt/") {
        return url.to_owned();
    }
    let Some(start) = url.rfind("._RS") else {
        return url.to_owned();
    };
    let rest = &url[start + "._RS".len()..];
    let Some((mode, after)) = rest.split_once(',') else {
        return url.to_owned();
    };
    let Some(end) = after.find('_') else {
        return url.to_owned();
    };
    let (size, tail) = after.split_at(end);
    if !size.chars().all(|c| c.is_ascii_digit()) || size.is_empty() {
        return url.to_owned();
    }
    format!("{}._RS{mode},1080{tail}", &url[..start])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resized_pictures_are_asked_at_1080() {
        let served = "https://cf-st.sc-cdn.net/aps/bolt/aHR0cHM6Ly9jZi1zdC5zYy1jZG4ubmV0L2QvUVg2VHZkaDBHNUMzcXVidWhWaTJhP2JvPUVnMGFBQm9BTWdFRVNBSlFHV0FCJnVjPTI1._RS0,90_FMjpeg";
        assert_eq!(
            upgrade(served),
            served.replace("._RS0,90_FMjpeg", "._RS0,1080_FMjpeg")
        );
        let hero = served.replace(",90_", ",1080_");
        assert_eq!(upgrade(&hero), hero);
        let bitmoji = "https://images.bitmoji.com/3d/avatar/201714142-99447061956_1-s5-v1.webp";
        assert_eq!(upgrade(bitmoji), bitmoji);
    }

    #[test]
    fn usernames_start_with_a_letter_or_digit() {
        assert_eq!(normalize("@NASA"), Some("nasa".into()));
        assert_eq!(normalize("team.snapchat"), Some("team.snapchat".into()));
        assert_eq!(normalize("-dash"), None);
    }
}
