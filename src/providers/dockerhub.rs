//! Docker Hub: the public Hub API's account record
//! (`https://hub.docker.com/v2/users/{handle}/`), which answers for users and organizations.

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::json::str_at;
use crate::fetch::Request;

/// Docker Hub users and organizations.
pub const PROVIDER: Provider = Provider {
    id: "dockerhub",
    name: "Docker Hub",
    aliases: &["docker"],
    input: "Docker ID",
    example: "bitnami",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 512,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["hub.docker.com"],
        paths: &["/u/{handle}", "/orgs/{handle}", "/r/{handle}"],
        reserved: Reserved::NONE,
    },
    handle: |raw| {
        let h = super::ascii_handle(raw, "-_", 255)?;
        (h.len() >= 2).then(|| h.to_ascii_lowercase())
    },
    profile_url: |handle| format!("https://hub.docker.com/u/{handle}"),
    strategies: &[Strategy::api(
        |handle| Request::get(format!("https://hub.docker.com/v2/users/{handle}/")),
        pick,
    )],
    // Docker Hub's pictures are Gravatars (`?s=80&r=g&d=mm`).
    upgrade: super::gravatar::full_size,
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let account = pick::json(fetched)?;
    pick::Found::default()
        .name(str_at(&account, "full_name").or(str_at(&account, "username")))
        .avatar(str_at(&account, "gravatar_url"))
        .or_no_image()
}
