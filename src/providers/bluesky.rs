//! Bluesky: the public AppView's `app.bsky.actor.getProfiles` record (avatar, banner,
//! display name). `getProfiles` rather than `getProfile`: for an unknown account the latter
//! answers HTTP 400 (`InvalidRequest`, "Profile not found"), which cannot be told apart from
//! a malformed request, while `getProfiles` answers 200 with no profile. Then the
//! `bsky.app/profile/{handle}` page, whose JSON-LD names the avatar.

use super::PickError;
use super::{Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::json::{at, first_str, str_at};
use crate::fetch::Request;

/// Bluesky accounts; the handle is a domain name (`name.bsky.social`) or a DID.
pub const PROVIDER: Provider = Provider {
    id: "bluesky",
    name: "Bluesky",
    aliases: &["bsky"],
    input: "handle (name.bsky.social) or DID",
    example: "jay.bsky.team",
    missing_handle: "nosuchuser8d2kq7.bsky.social",
    avatar_floor_px: 1000,
    promises_banner: true,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["bsky.app"],
        paths: &["/profile/{handle}"],
        reserved: Reserved::NONE,
    },
    handle: normalize,
    profile_url: |handle| format!("https://bsky.app/profile/{handle}"),
    strategies: &[
        Strategy::api(
            |handle| {
                Request::get(format!(
                    "https://public.api.bsky.app/xrpc/app.bsky.actor.getProfiles?actors={handle}"
                ))
            },
            pick,
        ),
        Strategy::page(|response, _| pick::metadata(response)?.or_no_image()),
    ],
    upgrade,
    ..Provider::DEFAULT
};

/// A DID (`did:plc:…`, `did:web:…`) as is, or a handle: a domain name, lower-cased, `@`
/// dropped; a bare name gets `.bsky.social`.
fn normalize(raw: &str) -> Option<String> {
    let raw = raw.trim().trim_start_matches('@');
    if let Some(rest) = raw.strip_prefix("did:") {
        let (method, id) = rest.split_once(':')?;
        let ok = matches!(method, "plc" | "web")
            && !id.is_empty()
            && raw.len() <= 2048
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '%'));
        return ok.then(|| raw.to_owned());
    }
    let handle = raw.to_ascii_lowercase();
    let handle = if handle.contains('.') {
        handle
    } else {
        format!("{handle}.bsky.social")
    };
    let labels_ok = handle.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    });
    let tld_ok = handle
        .rsplit('.')
        .next()
        .is_some_and(|tld| tld.starts_with(|c: char| c.is_ascii_alphabetic()));
    (labels_ok && tld_ok && handle.len() <= 253).then_some(handle)
}

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let answer = pick::json(fetched)?;
    let Some(profiles) = at(&answer, "profiles").and_then(|p| p.as_array()) else {
        return Err(PickError::Unreadable("profile list"));
    };
    let Some(profile) = profiles.first() else {
        return Err(PickError::NotFound);
    };
    let mut found = pick::Found::default()
        .name(first_str(profile, &["displayName", "handle"]))
        .avatar(str_at(profile, "avatar"))
        .banner(str_at(profile, "banner"));
    found.profile_url = str_at(profile, "handle")
        .filter(|h| *h != "handle.invalid")
        .map(|h| format!("https://bsky.app/profile/{h}"));
    found.or_no_image()
}

/// cdn.bsky.app serves blobs through presets: `avatar_thumbnail` is a small rendition of the
/// same blob `avatar` serves at 1000×1000, the largest.
fn upgrade(url: &str) -> String {
    if url.starts_with("https://cdn.bsky.app/img/avatar_thumbnail/") {
        url.replacen("/img/avatar_thumbnail/", "/img/avatar/", 1)
    } else {
        url.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_and_dids_are_normalized() {
        assert_eq!(
            normalize("@Jay.bsky.team").as_deref(),
            Some("jay.bsky.team")
        );
        assert_eq!(normalize("alice").as_deref(), Some("alice.bsky.social"));
        assert_eq!(
            normalize("did:plc:oky5czdrnfjpqslsw2a5iclo").as_deref(),
            Some("did:plc:oky5czdrnfjpqslsw2a5iclo")
        );
        assert_eq!(normalize("not a handle"), None);
        assert_eq!(normalize("did:nope:x"), None);
    }

    #[test]
    fn thumbnails_are_asked_for_at_full_size() {
        assert_eq!(
            upgrade("https://cdn.bsky.app/img/avatar_thumbnail/plain/did:plc:x/bafkrei@jpeg"),
            "https://cdn.bsky.app/img/avatar/plain/did:plc:x/bafkrei@jpeg"
        );
    }
}
