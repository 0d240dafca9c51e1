//! LinkedIn: the public profile page of a member (`/in/{name}`) or a company
//! (`/company/{name}`), read through its og:image. LinkedIn answers HTTP 999 to datacenter
//! addresses (a strong block in `fetch::block`), so from a server it needs the outbound proxy.

use url::Url;

use super::{PickError, Provider, Recognize, Strategy, pick};

/// Prefix of a company's handle (`company/microsoft`); a member's handle is the bare name.
const COMPANY: &str = "company/";

/// LinkedIn members and companies.
pub const PROVIDER: Provider = Provider {
    id: "linkedin",
    name: "LinkedIn",
    aliases: &["li"],
    input: "member name (/in/name) or company/name",
    example: "williamhgates",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 800,
    takes_username: true,
    recognize: Recognize::Custom(recognize),
    handle: normalize,
    profile_url: |handle| match handle.strip_prefix(COMPANY) {
        Some(company) => format!("https://www.linkedin.com/company/{company}/"),
        None => format!("https://www.linkedin.com/in/{handle}/"),
    },
    strategies: &[Strategy::page(pick)],
    // media.licdn.com pictures are signed (`e=` expiry, `t=` token over the path, size
    // included), so they are used as served: 800×800 for a member, 200×200 for a logo.
    upgrade: super::same_size,
    // Pictures LinkedIn draws itself (the grey silhouette, the company ghost, its logo) come
    // from static.licdn.com; members' and companies' own come from media.licdn.com.
    placeholders: &["static.licdn.com"],
    ..Provider::DEFAULT
};

/// `linkedin.com/in/{name}` and `linkedin.com/company/{name}`, on `www.` or a country
/// subdomain (`uk.linkedin.com`).
fn recognize(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    let sub = host.strip_suffix("linkedin.com")?;
    if !(sub.is_empty() || sub.strip_suffix('.').is_some_and(|s| !s.contains('.'))) {
        return None;
    }
    let mut segments = url.path_segments()?.filter(|s| !s.is_empty());
    match (segments.next()?, segments.next()?) {
        ("in", name) => Some(name.to_owned()),
        ("company", name) => Some(format!("{COMPANY}{name}")),
        _ => None,
    }
}

/// A member's public name or `company/{name}` (also `company:{name}`): letters, digits,
/// hyphens and underscores, 3 to 100 long, lower-cased (LinkedIn's URLs ignore case).
fn normalize(raw: &str) -> Option<String> {
    let raw = raw.trim().to_lowercase();
    let (prefix, name) = match raw
        .strip_prefix(COMPANY)
        .or_else(|| raw.strip_prefix("company:"))
    {
        Some(company) => (COMPANY, company),
        None => ("", raw.strip_prefix("in/").unwrap_or(&raw)),
    };
    let name = super::plain_handle(name.trim_end_matches('/'), "-_", 100)?;
    (name.chars().count() >= 3).then(|| format!("{prefix}{name}"))
}

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let metadata = fetched.metadata()?;
    let found = match metadata.og_image() {
        Some(image) => pick::Found::default()
            .name(
                metadata
                    .title_text()
                    .as_deref()
                    .map(pick::clean_title)
                    .as_deref(),
            )
            .avatar(Some(image.as_str())),
        None => pick::from_metadata(metadata),
    };
    found.or_no_image()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_and_companies_are_told_apart() {
        let at = |u: &str| recognize(&Url::parse(u).unwrap());
        assert_eq!(
            at("https://www.linkedin.com/in/williamhgates/"),
            Some("williamhgates".into())
        );
        assert_eq!(
            at("https://uk.linkedin.com/company/microsoft/about/"),
            Some("company/microsoft".into())
        );
        assert_eq!(at("https://www.linkedin.com/feed/"), None);
        assert_eq!(at("https://www.linkedin.com/in/"), None);
        assert_eq!(at("https://notlinkedin.com/in/jane"), None);
        assert_eq!(
            normalize("Company:Microsoft"),
            Some("company/microsoft".into())
        );
        assert_eq!(normalize("in/Jane-Doe"), Some("jane-doe".into()));
        assert_eq!(normalize("jd"), None);
    }
}
