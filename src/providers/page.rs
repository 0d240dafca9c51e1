//! The generic provider: any public web page, read through its metadata.

use url::Url;

use super::{Provider, pick};

/// Any other http(s) page; the handle is the URL itself.
pub const PROVIDER: Provider = Provider {
    id: "page",
    name: "Any web page",
    aliases: &["url", "web"],
    input: "a page URL",
    example: "https://example.com/about",
    handle: |raw| {
        let url = Url::parse(raw.trim()).ok()?;
        matches!(url.scheme(), "http" | "https")
            .then(|| url.host_str().is_some())
            .filter(|has_host| *has_host)
            .map(|_| url.into())
    },
    profile_url: |url| url.to_owned(),
    pick: |fetched, url| {
        let found = pick::metadata(fetched)?;
        let found = if found.images.is_empty() {
            let icon = pick::page(fetched)?.best_icon();
            found.avatar(icon.as_ref().map(Url::as_str))
        } else {
            found
        };
        found.or_not_found(url)
    },
    ..Provider::DEFAULT
};
