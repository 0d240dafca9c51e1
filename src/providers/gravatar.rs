//! Gravatar: the public profile JSON (`https://gravatar.com/{hash}.json`), asked for by the
//! SHA-256 of the e-mail address, a hash, or the profile's username. It covers only open
//! profiles: for an avatar-only account it answers 404, so the avatar itself is asked next
//! (`/avatar/{hash}?d=404`, which answers 404 when there is no avatar).
//!
//! Other providers whose avatars live on Gravatar's CDN use [`full_size`].

use sha2::{Digest, Sha256};
use url::Url;

use super::{Ask, NotFound, PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::json::{first_str, str_at};
use crate::fetch::{Agent, Request};

/// Largest size Gravatar renders (`s` is capped at 2048).
const MAX_SIZE: &str = "2048";

/// First path segments on gravatar.com that are its own pages, never a profile.
const RESERVED: Reserved = Reserved(&[
    "about",
    "avatar",
    "bg",
    "blog",
    "checkout",
    "connect",
    "css",
    "developers",
    "emails",
    "enterprise",
    "images",
    "js",
    "login",
    "pricing",
    "privacy",
    "profile",
    "profiles",
    "signup",
    "site",
    "support",
    "tos",
    "userimage",
    "wp-admin",
    "wp-content",
]);

/// Gravatar profiles.
pub const PROVIDER: Provider = Provider {
    id: "gravatar",
    name: "Gravatar",
    aliases: &["email"],
    input: "e-mail address",
    example: "beau@dentedreality.com.au",
    missing_handle: "nosuchuser8d2kq7@getimages.invalid",
    avatar_floor_px: 2048,
    recognize: Recognize::Custom(recognize),
    handle: normalize,
    profile_url: |handle| format!("https://gravatar.com/{}", key(handle)),
    strategies: &[
        Strategy {
            not_found: NotFound::TryNext,
            ..Strategy::api(
                |handle| Request::get(format!("https://gravatar.com/{}.json", key(handle))),
                pick,
            )
        },
        Strategy {
            name: "avatar",
            agent: Agent::Browser,
            ask: Ask::At(|handle| {
                Request::get(format!(
                    "https://gravatar.com/avatar/{}?s={MAX_SIZE}&d=404",
                    key(handle)
                ))
            }),
            read: |response, _| pick::image_answer(response),
            not_found: NotFound::Final,
        },
    ],
    upgrade: full_size,
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let profile = pick::json(fetched)?;
    let Some(entry) = profile.get("entry").and_then(|e| e.get(0)) else {
        return Err(PickError::NoImage);
    };
    let mut found = pick::Found::default()
        .name(first_str(
            entry,
            &["displayName", "name.formatted", "preferredUsername"],
        ))
        .avatar(first_str(entry, &["thumbnailUrl", "photos.0.value"]))
        .banner(str_at(entry, "profileBackground.url"));
    found.profile_url = str_at(entry, "profileUrl").map(|u| u.replacen("http://", "https://", 1));
    found.or_no_image()
}

/// A Gravatar avatar URL at 2048 px, the largest Gravatar renders (`s=2048`, replacing any
/// `s`/`size`; other parameters such as `d` kept). Other URLs are returned unchanged.
pub fn full_size(url: &str) -> String {
    let Ok(mut parsed) = Url::parse(url) else {
        return url.to_owned();
    };
    let is_gravatar = parsed
        .host_str()
        .is_some_and(|h| h == "gravatar.com" || h.ends_with(".gravatar.com"));
    if !is_gravatar || !parsed.path().starts_with("/avatar/") {
        return url.to_owned();
    }
    let kept = pick::query_without(&parsed, &["s", "size"]);
    parsed
        .query_pairs_mut()
        .clear()
        .append_pair("s", MAX_SIZE)
        .extend_pairs(kept);
    parsed.into()
}

/// What the profile is asked for by: an e-mail's SHA-256, else the hash or username as given.
fn key(handle: &str) -> String {
    if handle.contains('@') {
        Sha256::digest(handle.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    } else {
        handle.to_owned()
    }
}

/// An e-mail address (trimmed, lower-cased), an MD5 or SHA-256 hash (lower-cased), or a
/// Gravatar username.
fn normalize(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let raw = match raw.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("mailto:") => &raw[7..],
        _ => raw,
    };
    if let Some((local, domain)) = raw.split_once('@') {
        // No `:` in the local part (never valid unquoted), so `mailto:mailto:a@b.c` is
        // refused rather than read as one address now and another once normalized.
        let ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains(':')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && raw.len() <= 254
            && !raw.chars().any(|c| c.is_whitespace() || c.is_control());
        return ok.then(|| raw.to_lowercase());
    }
    if is_hash(raw) {
        return Some(raw.to_ascii_lowercase());
    }
    let user = super::ascii_handle(raw, "-_.", 64)?;
    (!user.starts_with('.')).then(|| user.to_ascii_lowercase())
}

/// An MD5 (32) or SHA-256 (64) hex digest, the two hashes Gravatar accepts.
fn is_hash(s: &str) -> bool {
    matches!(s.len(), 32 | 64) && s.chars().all(|c| c.is_ascii_hexdigit())
}

/// `gravatar.com/{username}`, `gravatar.com/{hash}` and `*.gravatar.com/avatar/{hash}` on any
/// Gravatar host (`en.`, `secure.`, `0.`…).
fn recognize(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    if host != "gravatar.com" && !host.ends_with(".gravatar.com") {
        return None;
    }
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        ["avatar", hash, ..] => {
            let hash = hash.split('.').next()?;
            is_hash(hash).then(|| hash.to_owned())
        }
        [first, ..] if !RESERVED.contains(first) => {
            Some(first.strip_suffix(".json").unwrap_or(first).to_owned())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_hashed_with_sha256_after_normalizing() {
        let handle = normalize("  MyEmailAddress@Example.com ").unwrap();
        assert_eq!(handle, "myemailaddress@example.com");
        assert_eq!(
            key(&handle),
            "84059b07d4be67b806386c0aad8070a23f18836bbaae342275dc0a83414c32ee"
        );
    }

    /// Found by fuzzing: `mailTo:` was kept, lower-cased, then stripped on the next pass.
    #[test]
    fn a_mailto_link_is_read_once_in_any_case() {
        assert_eq!(
            normalize("MailTo:Ana@Example.com").unwrap(),
            "ana@example.com"
        );
        assert_eq!(normalize("mailTo::0a@c.=n"), None);
        assert_eq!(normalize("mailto:mailto:a@b.co"), None);
    }

    #[test]
    fn avatar_urls_get_the_largest_size() {
        assert_eq!(
            full_size("https://secure.gravatar.com/avatar/abc?s=80&d=identicon"),
            "https://secure.gravatar.com/avatar/abc?s=2048&d=identicon"
        );
        assert_eq!(
            full_size("https://www.gravatar.com/avatar/abc?d=retro&size=100"),
            "https://www.gravatar.com/avatar/abc?s=2048&d=retro"
        );
        assert_eq!(
            full_size("https://secure.gravatar.com/bg/1/abc"),
            "https://secure.gravatar.com/bg/1/abc"
        );
        assert_eq!(
            full_size("https://cdn.example/a.png"),
            "https://cdn.example/a.png"
        );
    }

    #[test]
    fn gravatar_urls_give_a_hash_or_username() {
        let hash = "205e460b479e2e5b48aec07710c08d50";
        for (url, want) in [
            (
                format!("https://secure.gravatar.com/avatar/{hash}?s=80"),
                Some(hash),
            ),
            (
                format!("https://0.gravatar.com/avatar/{hash}.jpg"),
                Some(hash),
            ),
            ("https://en.gravatar.com/beau".into(), Some("beau")),
            ("https://gravatar.com/beau.json".into(), Some("beau")),
            ("https://gravatar.com/support/faq".into(), None),
            ("https://gravatar.com/".into(), None),
            ("https://notgravatar.com/beau".into(), None),
        ] {
            let got = recognize(&Url::parse(&url).unwrap());
            assert_eq!(got.as_deref(), want, "{url}");
        }
    }
}
