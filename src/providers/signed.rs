//! Signed image URLs: CDNs that sign a URL (Instagram's and Facebook's `oe`/`oh`, TikTok's
//! `x-expires`/`x-signature`, S3's `X-Amz-Signature`, CloudFront's `Expires`/`Signature`,
//! LinkedIn's `e`/`t` on `licdn.com`) refuse any change to it, and stop serving it when it
//! expires. Such URLs are never rewritten, and an answer holding one is
//! kept no longer than it lives.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use url::Url;

/// Query parameters (lower case) that sign a URL.
const SIGNATURES: &[&str] = &[
    "oe",
    "oh",
    "x-expires",
    "x-signature",
    "x-amz-signature",
    "signature",
    "expires",
];

/// Query parameters (lower case) that sign a URL on LinkedIn's CDN only: names too short to
/// mean it anywhere else.
const LINKEDIN_SIGNATURES: &[&str] = &["t", "e"];

/// Whether `url` is on LinkedIn's CDN (`media.licdn.com`).
fn is_linkedin(url: &Url) -> bool {
    url.host_str()
        .is_some_and(|h| h == "licdn.com" || h.ends_with(".licdn.com"))
}

/// Whether `url` is signed: any change to it (a size rewrite) makes the CDN refuse it.
pub fn is_signed(url: &str) -> bool {
    Url::parse(url).is_ok_and(|u| {
        let linkedin = is_linkedin(&u);
        u.query_pairs().any(|(k, _)| {
            SIGNATURES.iter().any(|s| k.eq_ignore_ascii_case(s))
                || linkedin
                    && LINKEDIN_SIGNATURES
                        .iter()
                        .any(|s| k.eq_ignore_ascii_case(s))
        })
    })
}

/// When a signed `url` stops being served: `oe` (hexadecimal Unix seconds, Meta's CDNs),
/// `x-expires` or `expires` (decimal Unix seconds), and on LinkedIn's CDN `e` (decimal Unix
/// seconds).
pub fn expires_at(url: &str) -> Option<SystemTime> {
    let url = Url::parse(url).ok()?;
    let linkedin = is_linkedin(&url);
    url.query_pairs().find_map(|(k, v)| {
        let seconds = match k.to_ascii_lowercase().as_str() {
            "oe" => u64::from_str_radix(&v, 16).ok()?,
            "x-expires" | "expires" => v.parse().ok()?,
            "e" if linkedin => v.parse().ok()?,
            _ => return None,
        };
        UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_cdn_urls_are_told_and_their_expiry_read() {
        let tiktok = "https://p16-sign.tiktokcdn-eu.com/a~tplv-tiktokx-cropcenter:720:720.jpeg?\
                      x-expires=1765267200&x-signature=abc%3D";
        assert!(is_signed(tiktok));
        assert_eq!(
            expires_at(tiktok),
            Some(UNIX_EPOCH + Duration::from_secs(1_765_267_200))
        );
        let instagram =
            "https://scontent.cdninstagram.com/v/t51/p.jpg?stp=dst&oh=00_AY&oe=6756A1B2";
        assert!(is_signed(instagram));
        assert_eq!(
            expires_at(instagram),
            Some(UNIX_EPOCH + Duration::from_secs(0x6756_A1B2))
        );
        let linkedin = "https://media.licdn.com/dms/image/v2/C5603AQ/profile-displayphoto-\
                        shrink_800_800/0/1516934876044?e=1767225600&v=beta&t=Xq3v";
        assert!(is_signed(linkedin));
        assert_eq!(
            expires_at(linkedin),
            Some(UNIX_EPOCH + Duration::from_secs(1_767_225_600))
        );
        let elsewhere = "https://cdn.example/a.png?e=1767225600&t=1";
        assert!(!is_signed(elsewhere) && expires_at(elsewhere).is_none());
        let plain = "https://avatars.githubusercontent.com/u/1024025?v=4";
        assert!(!is_signed(plain));
        assert_eq!(expires_at(plain), None);
    }
}
