//! The generic provider: any public web page, read through its metadata.

use url::Url;

use super::{PickError, Provider, Strategy, pick};
use crate::fetch::block;

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
    strategies: &[Strategy::page(read)],
    ..Provider::DEFAULT
};

/// Reads any web page: its metadata's image, else its best icon. A wall's icon is not the
/// page's picture: a page with no image of its own that carries a wall's signs
/// (`block::suspected`) has none, and is left to the block detector.
pub fn read(response: &pick::Response<'_>, _: &str) -> Result<pick::Found, PickError> {
    let found = pick::metadata(response)?;
    let found = if found.images.is_empty() && block::suspected(response).is_none() {
        let icon = pick::page(response)?.best_icon();
        found.avatar(icon.as_ref().map(Url::as_str))
    } else {
        found
    };
    found.or_no_image()
}
