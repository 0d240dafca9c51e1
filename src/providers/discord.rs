//! Discord: a server, by one of its invites, through the public invite API
//! (`https://discord.com/api/v10/invites/{code}`, no token needed): the server's icon, and its
//! banner, else the splash its invite page shows, on Discord's CDN.

use url::Url;

use super::{PickError, Provider, Recognize, Strategy, pick};
use crate::extract::json::str_at;
use crate::fetch::Request;

/// The largest size Discord's CDN takes (`?size=`, any power of two from 16 to 4096: the
/// "Image Formatting" page of Discord's API reference).
const LARGEST: &str = "4096";

/// Discord servers, by invite.
pub const PROVIDER: Provider = Provider {
    id: "discord",
    name: "Discord",
    input: "invite code or link (discord.gg/code)",
    example: "discord-developers",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 512,
    promises_banner: true,
    recognize: Recognize::Custom(recognize),
    handle: normalize,
    profile_url: |code| format!("https://discord.com/invite/{code}"),
    strategies: &[Strategy::api(
        |code| {
            Request::get(format!(
                "https://discord.com/api/v10/invites/{code}?with_counts=true"
            ))
        },
        pick,
    )],
    upgrade,
    ..Provider::DEFAULT
};

/// `discord.gg/{code}`, and `discord.com/invite/{code}` (also on `discordapp.com`, `ptb.` and
/// `canary.`).
fn recognize(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let mut segments = url.path_segments()?.filter(|s| !s.is_empty());
    if host == "discord.gg" {
        return segments.next().map(str::to_owned);
    }
    let app = ["discord.com", "discordapp.com"]
        .iter()
        .any(|d| host == *d || host == format!("ptb.{d}") || host == format!("canary.{d}"));
    match (app, segments.next()?, segments.next()) {
        (true, "invite", Some(code)) => Some(code.to_owned()),
        _ => None,
    }
}

/// An invite code: ASCII letters, digits and hyphens, 2 to 32 long, kept as typed (random codes
/// are case-sensitive).
fn normalize(raw: &str) -> Option<String> {
    let code = super::ascii_handle(raw.trim().trim_end_matches('/'), "-", 32)?;
    (code.len() >= 2).then_some(code)
}

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let invite = pick::json(fetched)?;
    let guild = invite.get("guild");
    let at = |key: &str| guild.and_then(|g| str_at(g, key));
    let Some(id) = at("id").or(str_at(&invite, "guild_id")) else {
        // An invite to a group chat, not a server: no server icon.
        return Err(PickError::NoImage);
    };
    let image = |kind: &str, hash: Option<&str>| {
        hash.map(|hash| {
            let ext = if hash.starts_with("a_") { "gif" } else { "png" };
            format!("https://cdn.discordapp.com/{kind}/{id}/{hash}.{ext}")
        })
    };
    let banner = image("banners", at("banner")).or_else(|| image("splashes", at("splash")));
    pick::Found::default()
        .name(at("name"))
        .avatar(image("icons", at("icon")).as_deref())
        .banner(banner.as_deref())
        .or_no_image()
}

/// Any picture on Discord's CDN at [`LARGEST`], whatever `size` it was asked at.
fn upgrade(url: &str) -> String {
    let Ok(mut parsed) = Url::parse(url) else {
        return url.to_owned();
    };
    if parsed.host_str() != Some("cdn.discordapp.com") {
        return url.to_owned();
    }
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, _)| k != "size")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    parsed
        .query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("size", LARGEST);
    parsed.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invite_links_give_their_code() {
        let at = |u: &str| recognize(&Url::parse(u).unwrap());
        assert_eq!(
            at("https://discord.gg/Discord-Developers"),
            Some("Discord-Developers".into())
        );
        assert_eq!(
            at("https://discord.com/invite/aBc123?event=1"),
            Some("aBc123".into())
        );
        assert_eq!(
            at("https://canary.discordapp.com/invite/rust"),
            Some("rust".into())
        );
        assert_eq!(at("https://discord.com/channels/123/456"), None);
        assert_eq!(at("https://example.com/invite/rust"), None);
    }

    #[test]
    fn cdn_pictures_are_asked_at_4096() {
        assert_eq!(
            upgrade("https://cdn.discordapp.com/icons/1/abc.png"),
            "https://cdn.discordapp.com/icons/1/abc.png?size=4096"
        );
        assert_eq!(
            upgrade("https://cdn.discordapp.com/splashes/1/abc.jpg?size=512&quality=lossless"),
            "https://cdn.discordapp.com/splashes/1/abc.jpg?quality=lossless&size=4096"
        );
        let other = "https://media.discordapp.net/attachments/1/2/a.png?size=64";
        assert_eq!(upgrade(other), other);
    }
}
