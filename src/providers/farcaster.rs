//! Farcaster (Warpcast): the Farcaster client's public user record
//! (`https://api.farcaster.xyz/v2/user-by-username?username={handle}`), which needs no key and
//! states the picture (`pfp.url`) and the profile's banner (`profile.bannerImageUrl`).
//!
//! unavatar has no Farcaster provider; the public hubs answer only by FID, and Neynar's API
//! takes a paid key, so the client's own API is the one public way from a username.

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::json::{first_str, str_at};
use crate::fetch::Request;

/// Farcaster accounts (`farcaster.xyz/dwr`, `warpcast.com/dwr`).
pub const PROVIDER: Provider = Provider {
    id: "farcaster",
    name: "Farcaster",
    aliases: &["warpcast"],
    input: "username (name or name.eth)",
    example: "dwr.eth",
    missing_handle: "zz-no-such-fname",
    avatar_floor_px: 200,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["farcaster.xyz", "warpcast.com"],
        paths: &["/{handle}"],
        reserved: Reserved(&[
            "~",
            "apps",
            "channel",
            "compose",
            "download",
            "frames",
            "inbox",
            "login",
            "notifications",
            "search",
            "settings",
            "signup",
            "terms",
            "privacy",
        ]),
    },
    handle,
    profile_url: |handle| format!("https://farcaster.xyz/{handle}"),
    strategies: &[Strategy::api(
        |handle| {
            Request::get(format!(
                "https://api.farcaster.xyz/v2/user-by-username?username={handle}"
            ))
        },
        pick,
    )],
    upgrade,
    ..Provider::DEFAULT
};

/// An fname (1–16 of `a-z 0-9 -`, not starting with `-`) or an ENS name (`name.eth`),
/// lower-cased, `@` dropped.
fn handle(raw: &str) -> Option<String> {
    let h = super::ascii_handle(raw, "-.", 64)?.to_ascii_lowercase();
    let name = h.strip_suffix(".eth").unwrap_or(&h);
    let fname = !name.is_empty()
        && !name.starts_with('-')
        && !name.contains('.')
        && (h.ends_with(".eth") || name.len() <= 16);
    fname.then_some(h)
}

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let answer = pick::json(fetched)?;
    let Some(user) = answer.get("result").and_then(|r| r.get("user")) else {
        return Err(PickError::NotFound);
    };
    pick::Found::default()
        .name(first_str(user, &["displayName", "username"]))
        .avatar(str_at(user, "pfp.url"))
        .banner(str_at(user, "profile.bannerImageUrl"))
        .or_no_image()
}

/// Pictures uploaded through the client live on Cloudflare Images
/// (`imagedelivery.net/{account}/{id}/{variant}`); the client asks for small variants
/// (`rectcrop3`, `anim=false`), and `original` is the upload itself, the largest served
/// (Cloudflare Images' documented variant name). Other hosts (i.imgur.com, IPFS gateways)
/// serve one size.
fn upgrade(url: &str) -> String {
    let Some(rest) = url.strip_prefix("https://imagedelivery.net/") else {
        return url.to_owned();
    };
    let parts: Vec<&str> = rest.splitn(3, '/').collect();
    match parts.as_slice() {
        [account, id, _variant] => format!("https://imagedelivery.net/{account}/{id}/original"),
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnames_and_ens_names_are_handles() {
        assert_eq!(handle("@DWR"), Some("dwr".into()));
        assert_eq!(handle("dwr.eth"), Some("dwr.eth".into()));
        assert_eq!(handle("v-2"), Some("v-2".into()));
        assert_eq!(handle("-dash"), None);
        assert_eq!(handle("seventeen-letters"), None);
        assert_eq!(handle("a.b.eth"), None);
        assert_eq!(handle("name.com"), None);
    }

    #[test]
    fn cloudflare_images_grow_to_the_original() {
        assert_eq!(
            upgrade("https://imagedelivery.net/BXluQx4ige9GuW0Ia56BHw/3e1f-aa/rectcrop3"),
            "https://imagedelivery.net/BXluQx4ige9GuW0Ia56BHw/3e1f-aa/original"
        );
        let imgur = "https://i.imgur.com/yiyfA1g.jpg";
        assert_eq!(upgrade(imgur), imgur);
    }
}
