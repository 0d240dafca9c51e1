//! GitHub: the public REST API's user record (with the operator's token when set: keyless,
//! it allows 60 requests an hour per address), then `github.com/{user}.png`, which redirects
//! to the avatar without that limit.

use super::{Ask, NotFound, PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::json::str_at;
use crate::fetch::credentials::{Declared, Field};
use crate::fetch::{Agent, Request};

/// GitHub users and organizations.
pub const PROVIDER: Provider = Provider {
    id: "github",
    name: "GitHub",
    aliases: &["gh"],
    input: "username",
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
        let h = super::plain_handle(raw, "-", 39)?;
        (!h.starts_with('-')).then_some(h)
    },
    profile_url: |handle| format!("https://github.com/{handle}"),
    strategies: &[
        Strategy::api(
            |handle| {
                Request::get(format!("https://api.github.com/users/{handle}")).with_credentials()
            },
            pick,
        ),
        Strategy {
            name: "avatar redirect",
            agent: Agent::Browser,
            ask: Ask::At(|handle| Request::get(format!("https://github.com/{handle}.png"))),
            read: |response, handle| pick::image_answer(response, &format!("GitHub user {handle}")),
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
    let user = pick::json(fetched)?;
    let mut found = pick::Found::default()
        .name(str_at(&user, "name").or(str_at(&user, "login")))
        .avatar(str_at(&user, "avatar_url"));
    found.profile_url = str_at(&user, "html_url").map(str::to_owned);
    found.or_not_found(&format!("GitHub user {handle}"))
}
