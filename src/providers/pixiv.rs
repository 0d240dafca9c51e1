//! Pixiv: the web client's public user record (`https://www.pixiv.net/ajax/user/{id}`), which
//! answers without a login for any user id and states the picture in two sizes (`image`,
//! 50 px, and `imageBig`, 170 px). It refuses clients that do not look like a browser, so it
//! is asked as one.
//!
//! Pixiv's image CDN (`i.pximg.net`) answers 403 to a request without Pixiv's `Referer`; the
//! fetcher sends one for its hosts (`fetch::image_headers`).
//!
//! unavatar has no Pixiv provider.

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::json::{first_str, str_at};
use crate::fetch::{Agent, Request};

/// Pixiv users, by numeric id (`pixiv.net/users/11`, `pixiv.net/en/users/11`).
pub const PROVIDER: Provider = Provider {
    id: "pixiv",
    name: "Pixiv",
    input: "user id",
    example: "11",
    missing_handle: "99999999999",
    // The 170 px picture the user record names (`imageBig`).
    avatar_floor_px: 170,
    recognize: Recognize::Rules {
        hosts: &["pixiv.net"],
        paths: &["/users/{handle}", "/en/users/{handle}", "/u/{handle}"],
        reserved: Reserved::NONE,
    },
    handle: |raw| {
        let id = raw.trim();
        let digits = !id.is_empty() && id.len() <= 12 && id.bytes().all(|b| b.is_ascii_digit());
        digits.then(|| id.to_owned())
    },
    profile_url: |id| format!("https://www.pixiv.net/users/{id}"),
    strategies: &[Strategy {
        agent: Agent::Browser,
        ..Strategy::api(
            |id| Request::get(format!("https://www.pixiv.net/ajax/user/{id}?full=1")),
            pick,
        )
    }],
    upgrade,
    placeholders: &["s.pximg.net/common/images/no_profile"],
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let answer = pick::json(fetched)?;
    if answer.get("error").and_then(serde_json::Value::as_bool) == Some(true) {
        return Err(PickError::NotFound);
    }
    let Some(user) = answer.get("body").filter(|b| b.is_object()) else {
        return Err(PickError::Unreadable("user record"));
    };
    pick::Found::default()
        .name(str_at(user, "name"))
        .avatar(first_str(user, &["imageBig", "image"]))
        .banner(str_at(user, "background.url"))
        .or_no_image()
}

/// Profile pictures are `i.pximg.net/user-profile/img/…/{file}_{size}.{ext}` in the two
/// sizes the user record names, `_50` and `_170` (`image`, `imageBig`): 170 is the largest
/// Pixiv states, so a 50 px one found elsewhere (a page's og:image) is asked at 170.
fn upgrade(url: &str) -> String {
    if !url.contains(".pximg.net/user-profile/") {
        return url.to_owned();
    }
    let Some((stem, ext)) = url.rsplit_once('.') else {
        return url.to_owned();
    };
    match stem.strip_suffix("_50") {
        Some(file) => format!("{file}_170.{ext}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifty_pixel_pictures_grow_to_170() {
        assert_eq!(
            upgrade("https://i.pximg.net/user-profile/img/2013/10/18/06/03/29/6951029_7f2b_50.png"),
            "https://i.pximg.net/user-profile/img/2013/10/18/06/03/29/6951029_7f2b_170.png"
        );
        let big = "https://i.pximg.net/user-profile/img/2020/06/29/21/20/14/18907670_b3f8_170.jpg";
        assert_eq!(upgrade(big), big);
        let work =
            "https://i.pximg.net/img-master/img/2018/05/13/00/41/08/68715808_p0_master1200.jpg";
        assert_eq!(upgrade(work), work);
    }
}
