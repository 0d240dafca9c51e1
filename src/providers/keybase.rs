//! Keybase: the public user lookup API, asked only for pictures and profile
//! (`https://keybase.io/_/api/1.0/user/lookup.json?usernames={handle}&fields=pictures,profile`).

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::json::{first_str, str_at};
use crate::fetch::Request;

/// Keybase users.
pub const PROVIDER: Provider = Provider {
    id: "keybase",
    name: "Keybase",
    input: "username",
    example: "chris",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 360,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["keybase.io"],
        paths: &["/{handle}"],
        reserved: Reserved(&[
            "_", "account", "blog", "decrypt", "docs", "download", "encrypt", "inv", "jobs",
            "login", "pgp", "settings", "sign", "signup", "team", "verify",
        ]),
    },
    handle: |raw| super::ascii_handle(raw, "_", 16).map(|h| h.to_ascii_lowercase()),
    profile_url: |handle| format!("https://keybase.io/{handle}"),
    strategies: &[Strategy::api(
        |handle| {
            Request::get(format!(
                "https://keybase.io/_/api/1.0/user/lookup.json?usernames={handle}&fields=pictures,profile"
            ))
        },
        pick,
    )],
    upgrade,
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let answer = pick::json(fetched)?;
    // Unknown names come back as `null` in `them` (or, for some, without `them` at all).
    let Some(user) = answer
        .get("them")
        .and_then(|them| them.get(0))
        .filter(|u| u.is_object())
    else {
        return pick::Found::default().or_no_image();
    };
    pick::Found::default()
        .name(first_str(
            user,
            &["profile.full_name", "basics.username_cased"],
        ))
        .avatar(str_at(user, "pictures.primary.url"))
        .or_no_image()
}

/// Keybase keeps processed copies at `…_40_40.jpg`, `…_200_200.jpg` and `…_360_360.jpg`
/// (the largest; the upload itself is not public).
fn upgrade(url: &str) -> String {
    if !url.contains("keybase_processed_uploads/") {
        return url.to_owned();
    }
    ["_40_40.", "_200_200."]
        .iter()
        .find(|size| url.contains(*size))
        .map_or_else(
            || url.to_owned(),
            |size| pick::replace_last(url, size, "_360_360."),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn processed_uploads_grow_to_360() {
        assert_eq!(
            upgrade("https://s3.amazonaws.com/keybase_processed_uploads/5912a329_200_200.jpg"),
            "https://s3.amazonaws.com/keybase_processed_uploads/5912a329_360_360.jpg"
        );
        let largest = "https://s3.amazonaws.com/keybase_processed_uploads/2571dc61_360_360.jpg";
        assert_eq!(upgrade(largest), largest);
    }
}
