//! GitHub: the public REST API's user record (with the operator's token when set: keyless,
//! it allows 60 requests an hour per address), then `github.com/{user}.png`, which redirects
//! to the avatar without that limit.
//!
//! An e-mail address typed with GitHub picked is asked of the API's commit search
//! (`search/commits?q=author-email:{address}`, keyless at 10 searches a minute): the account
//! most of those public commits are linked to is the address's, as unavatar finds it when no
//! profile shows the address publicly. One request, so only that way is taken.
use serde_json::Value;

use super::{Ask, NotFound, PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::json::str_at;
use crate::fetch::credentials::{Declared, Field};
use crate::fetch::{Agent, Request};

/// Commits asked of the commit search for an e-mail address: enough for a clear majority.
const COMMITS: u32 = 20;

/// GitHub users and organizations.
pub const PROVIDER: Provider = Provider {
    id: "github",
    name: "GitHub",
    aliases: &["gh"],
    input: "username, or an e-mail address",
    example: "torvalds",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 400,
    promises_banner: false,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["github.com"],
        paths: &["/{handle}"],
        reserved: Reserved(&[
            "about",
            "apps",
            "collections",
            "customer-stories",
            "enterprise",
            "explore",
            "features",
            "login",
            "marketplace",
            "new",
            "notifications",
            "orgs",
            "organizations",
            "pricing",
            "pulls",
            "issues",
            "search",
            "security",
            "settings",
            "signup",
            "sponsors",
            "topics",
            "trending",
            "codespaces",
            "site",
            "readme",
        ]),
    },
    handle: |raw| {
        if raw.contains('@') && !raw.trim().starts_with('@') {
            return email(raw);
        }
        let h = super::plain_handle(raw, "-", 39)?;
        (!h.starts_with('-')).then_some(h)
    },
    profile_url: |handle| format!("https://github.com/{handle}"),
    strategies: &[
        Strategy::api(
            |handle| {
                let url = if handle.contains('@') {
                    let query: String = url::form_urlencoded::byte_serialize(
                        format!("author-email:{handle}").as_bytes(),
                    )
                    .collect();
                    format!("https://api.github.com/search/commits?q={query}&per_page={COMMITS}")
                } else {
                    format!("https://api.github.com/users/{handle}")
                };
                Request::get(url).with_credentials()
            },
            pick,
        ),
        Strategy {
            name: "avatar redirect",
            agent: Agent::Browser,
            ask: Ask::At(|handle| Request::get(format!("https://github.com/{handle}.png"))),
            read: |response, _| pick::image_answer(response),
            not_found: NotFound::Final,
        },
    ],
    // Without `s=` GitHub serves the avatar as stored, its largest size.
    upgrade: |url| pick::without_query(url, &["s", "size"]),
    credentials: Some(Declared::Token(Field {
        flag: "github-token",
        env: "GETIMAGES_GITHUB_TOKEN",
        help: "A GitHub token (any scope-less personal access token) sent to the GitHub API \
               only: lifts its keyless limit of 60 requests an hour per address",
    })),
    placeholders: &["github.githubassets.com/images/modules/open_graph"],
};

fn pick(fetched: &pick::Response, handle: &str) -> Result<pick::Found, PickError> {
    if handle.contains('@') {
        return committer(fetched, handle);
    }
    let user = pick::json(fetched)?;
    let mut found = pick::Found::default()
        .name(str_at(&user, "name").or(str_at(&user, "login")))
        .avatar(str_at(&user, "avatar_url"));
    found.profile_url = str_at(&user, "html_url").map(str::to_owned);
    found.or_no_image()
}

/// The account most of the commit search's commits are linked to (their `author`, a user;
/// the first met wins a tie), as its profile.
fn committer(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let answer = pick::json(fetched)?;
    let Some(commits) = answer.get("items").and_then(Value::as_array) else {
        return Err(PickError::Unreadable("list of commits"));
    };
    let mut counted: Vec<(&Value, usize)> = Vec::new();
    for author in commits
        .iter()
        .filter_map(|c| c.get("author"))
        .filter(|a| str_at(a, "type") == Some("User") && str_at(a, "login").is_some())
    {
        let login = str_at(author, "login");
        match counted
            .iter_mut()
            .find(|(a, _)| str_at(a, "login") == login)
        {
            Some((_, n)) => *n += 1,
            None => counted.push((author, 1)),
        }
    }
    let best = counted.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let Some((user, _)) = counted.into_iter().find(|(_, n)| *n == best) else {
        return Err(PickError::NotFound);
    };
    let mut found = pick::Found::default()
        .name(str_at(user, "login"))
        .avatar(str_at(user, "avatar_url"));
    found.profile_url = str_at(user, "html_url").map(str::to_owned);
    found.or_no_image()
}

/// An e-mail address, trimmed and lower-cased: one `@`, a local part of 1 to 64 characters
/// and a dotted domain, no spaces.
fn email(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let (local, domain) = raw.split_once('@')?;
    let ok = !local.is_empty()
        && local.len() <= 64
        && raw.len() <= 254
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !raw
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == ':');
    ok.then(|| raw.to_lowercase())
}
