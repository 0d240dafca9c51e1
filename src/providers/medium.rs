//! Medium: the `medium.com/@{username}` profile page's JSON-LD person, else its og:image.

use url::Url;

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::fetch::Agent;

/// The grey figure Medium shows for accounts without a picture.
const DEFAULT_AVATAR: &str = "1*dmbNkD5D-u45r44go_cf0g.png";

/// The size asked of miro for avatars: a 1200×1200 crop.
const FULL: &str = "resize:fill:1200:1200";

/// Subdomains of medium.com that are not writers.
const NOT_USERS: Reserved = Reserved(&[
    "help",
    "policy",
    "blog",
    "about",
    "link",
    "m",
    "cdn-images-1",
    "miro",
]);

/// Medium writers.
pub const PROVIDER: Provider = Provider {
    id: "medium",
    name: "Medium",
    input: "username",
    example: "ev",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 400,
    takes_username: true,
    recognize: Recognize::Custom(recognize),
    handle: |raw| super::ascii_handle(raw, "_.-", 50),
    profile_url: |handle| format!("https://medium.com/@{handle}"),
    strategies: &[Strategy {
        agent: Agent::Browser,
        ..Strategy::page(pick)
    }],
    // miro.medium.com serves any size of an image id through its transform segment:
    // `/v2/resize:fill:176:176/{id}` (optionally after `da:true/`), the older
    // `/fit/c/176/176/{id}` and `/max/400/{id}`, and `cdn-images-1.medium.com` alike.
    // All become `/v2/[da:true/]resize:fill:1200:1200/{id}`.
    upgrade: |url| {
        let Ok(parsed) = Url::parse(url) else {
            return url.to_owned();
        };
        let host = parsed.host_str().unwrap_or("");
        if host != "miro.medium.com" && host != "cdn-images-1.medium.com" {
            return url.to_owned();
        }
        let segments: Vec<&str> = parsed.path_segments().into_iter().flatten().collect();
        let (keep, id) = match segments.as_slice() {
            ["v2", "da:true", transform, id] if transform.starts_with("resize:") => {
                ("da:true/", *id)
            }
            ["v2", transform, id] if transform.starts_with("resize:") => ("", *id),
            ["fit", "c", _, _, id] | ["max", _, id] => ("", *id),
            _ => return url.to_owned(),
        };
        format!("https://miro.medium.com/v2/{keep}{FULL}/{id}")
    },
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let page = pick::page(fetched)?;
    let avatar = page
        .json_ld_image()
        .or_else(|| page.og_image())
        .filter(|u| !u.as_str().contains(DEFAULT_AVATAR));
    // The title is "Name – Medium".
    let name = page.title().map(|t| {
        [" – Medium", " - Medium", " | Medium"]
            .iter()
            .find_map(|suffix| t.strip_suffix(suffix))
            .unwrap_or(&t)
            .to_owned()
    });
    pick::Found::default()
        .name(name.as_deref())
        .avatar(avatar.as_ref().map(Url::as_str))
        .or_no_image()
}

/// `medium.com/@name` and `name.medium.com`.
fn recognize(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    if host == "medium.com" {
        let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
        return super::match_path("/@{handle}", &segments);
    }
    let sub = host.strip_suffix(".medium.com")?;
    (!sub.contains('.') && !NOT_USERS.contains(sub)).then(|| sub.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_miro_shape_becomes_the_1200_crop() {
        for small in [
            "https://miro.medium.com/v2/resize:fill:176:176/1*abc.jpeg",
            "https://miro.medium.com/fit/c/176/176/1*abc.jpeg",
            "https://cdn-images-1.medium.com/fit/c/200/200/1*abc.jpeg",
            "https://miro.medium.com/max/400/1*abc.jpeg",
        ] {
            assert_eq!(
                (PROVIDER.upgrade)(small),
                "https://miro.medium.com/v2/resize:fill:1200:1200/1*abc.jpeg"
            );
        }
        assert_eq!(
            (PROVIDER.upgrade)("https://miro.medium.com/v2/da:true/resize:fill:88:88/0*xyz"),
            "https://miro.medium.com/v2/da:true/resize:fill:1200:1200/0*xyz"
        );
    }

    #[test]
    fn subdomain_profiles_are_recognized() {
        let handle = |u: &str| PROVIDER.recognize_url(&Url::parse(u).unwrap());
        assert_eq!(handle("https://v3d.medium.com/"), Some("v3d".into()));
        assert_eq!(handle("https://medium.com/@ev/latest"), Some("ev".into()));
        assert_eq!(handle("https://medium.com/tag/rust"), None);
        assert_eq!(handle("https://help.medium.com/"), None);
    }
}
