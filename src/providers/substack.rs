//! Substack: a publication's home page (`https://{name}.substack.com/`). The avatar is the
//! publication logo: the largest candidate of the welcome pop-up's logo, else the JSON-LD
//! publisher logo (post pages), else the og:image. Substack shows no banner.

use url::Url;

use super::PickError;
use super::{Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::json::str_at;
use crate::fetch::Agent;

/// Subdomains of substack.com that are Substack's own, never a publication.
const RESERVED: Reserved = Reserved(&[
    "www", "api", "cdn", "open", "support", "status", "email", "mail", "help", "reader",
]);

/// Substack publications; the handle is the subdomain.
pub const PROVIDER: Provider = Provider {
    id: "substack",
    name: "Substack",
    input: "publication name (name.substack.com)",
    example: "failingwithdata",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 256,
    takes_username: true,
    recognize: Recognize::Custom(recognize),
    handle: normalize,
    profile_url: |handle| format!("https://{handle}.substack.com/"),
    strategies: &[Strategy {
        agent: Agent::Browser,
        ..Strategy::page(pick)
    }],
    // The logo URLs are substackcdn transforms the page itself uses; kept as served.
    upgrade: super::same_size,
    ..Provider::DEFAULT
};

/// Any page of `{name}.substack.com` (home, `/p/post`, `/about`…) is the publication's.
fn recognize(url: &Url) -> Option<String> {
    super::subdomain_of(url, ".substack.com", RESERVED)
}

/// A subdomain label: letters, digits and hyphens, lower-cased; `name.substack.com` accepted.
fn normalize(raw: &str) -> Option<String> {
    super::subdomain_handle(raw, ".substack.com", RESERVED)
}

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let page = pick::page(fetched)?;
    let avatar = page
        .largest_src(r#"[data-testid="intro-popup-logo"] img"#)
        .or_else(|| page.json_ld_image())
        .or_else(|| page.og_image());
    let name = page
        .select(".intro-popup h1.publication-name")
        .next()
        .map(|h| h.text().collect::<String>())
        .or_else(|| {
            // A post page: the article's publisher is the publication.
            page.json_ld()
                .iter()
                .find_map(|b| str_at(b, "publisher.name").map(str::to_owned))
        })
        .or_else(|| page.title().map(|t| pick::clean_title(&t)));
    pick::Found::default()
        .name(name.as_deref())
        .avatar(avatar.as_ref().map(Url::as_str))
        .or_no_image()
}
