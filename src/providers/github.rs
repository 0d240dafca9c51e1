//! GitHub: the public REST API's user record.

use super::{Provider, Reads, Recognize, Reserved, Target, pick};
use crate::extract::json::str_at;
use crate::fetch::Agent;

/// GitHub users and organizations.
pub const PROVIDER: Provider = Provider {
    id: "github",
    name: "GitHub",
    aliases: &["gh"],
    input: "username",
    example: "torvalds",
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
    agent: Agent::Api,
    profile_url: |handle| format!("https://github.com/{handle}"),
    reads: Reads::Json(|handle| Target::get(format!("https://api.github.com/users/{handle}"))),
    pick: |fetched, handle| {
        let user = pick::json(fetched)?;
        let mut found = pick::Found::default()
            .name(str_at(&user, "name").or(str_at(&user, "login")))
            .avatar(str_at(&user, "avatar_url"));
        found.profile_url = str_at(&user, "html_url").map(str::to_owned);
        found.or_not_found(&format!("GitHub user {handle}"))
    },
    // Without `s=` GitHub serves the avatar as stored, its largest size.
    upgrade: |url| pick::without_query(url, &["s", "size"]),
    placeholders: &["github.githubassets.com/images/modules/open_graph"],
};
