//! Printables: the site's public GraphQL API (`https://api.printables.com/graphql/`), asked
//! for users whose handle matches (`searchUsers2`), as unavatar asks it since the profile
//! pages went behind a Cloudflare challenge (unavatar #651). The answer names the picture's
//! path on `media.printables.com`, which serves it as uploaded.

use serde_json::json;

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::json::str_at;
use crate::fetch::Request;

/// The user search, with the fields we read.
const SEARCH: &str = "query SearchUsers($query: String!) { result: searchUsers2(query: $query, limit: 10) { items { handle publicUsername avatarFilePath } } }";

/// Printables makers (`printables.com/@PrusaResearch`).
pub const PROVIDER: Provider = Provider {
    id: "printables",
    name: "Printables",
    input: "@handle",
    example: "PrusaResearch",
    missing_handle: "no_such_maker_zz9",
    avatar_floor_px: 200,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["printables.com"],
        paths: &["/@{handle}"],
        reserved: Reserved::NONE,
    },
    handle: |raw| super::ascii_handle(raw, "_-", 64),
    profile_url: |handle| format!("https://www.printables.com/@{handle}"),
    strategies: &[Strategy::api(
        |handle| {
            let body = json!({
                "operationName": "SearchUsers",
                "query": SEARCH,
                "variables": { "query": handle },
            });
            Request::post_json("https://api.printables.com/graphql/", body.to_string())
                .with_headers(&[("origin", "https://www.printables.com")])
        },
        pick,
    )],
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, handle: &str) -> Result<pick::Found, PickError> {
    let answer = pick::json(fetched)?;
    let Some(items) = answer
        .pointer("/data/result/items")
        .and_then(serde_json::Value::as_array)
    else {
        return Err(PickError::Unreadable("list of users"));
    };
    let Some(user) = items
        .iter()
        .find(|u| str_at(u, "handle").is_some_and(|h| h.eq_ignore_ascii_case(handle)))
    else {
        return Err(PickError::NotFound);
    };
    let avatar = str_at(user, "avatarFilePath").map(|path| {
        format!(
            "https://media.printables.com/{}",
            path.trim_start_matches('/')
        )
    });
    pick::Found::default()
        .name(str_at(user, "publicUsername").or(str_at(user, "handle")))
        .avatar(avatar.as_deref())
        .or_no_image()
}
