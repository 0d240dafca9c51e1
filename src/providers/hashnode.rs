//! Hashnode: the public GraphQL API (`https://gql.hashnode.com`), whose `user` query answers
//! without a token.

use serde_json::json;

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::json::str_at;
use crate::fetch::Request;

/// The fields we read.
const USER_QUERY: &str =
    "query($username: String!) { user(username: $username) { username name profilePicture } }";

/// Hashnode users.
pub const PROVIDER: Provider = Provider {
    id: "hashnode",
    name: "Hashnode",
    input: "username",
    example: "sandeep",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 400,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["hashnode.com"],
        paths: &["/@{handle}"],
        reserved: Reserved::NONE,
    },
    handle: |raw| super::ascii_handle(raw, "_-", 40),
    profile_url: |handle| format!("https://hashnode.com/@{handle}"),
    strategies: &[Strategy::api(
        |handle| {
            let body = json!({ "query": USER_QUERY, "variables": { "username": handle } });
            Request::post_json("https://gql.hashnode.com/", body.to_string())
        },
        pick,
    )],
    upgrade,
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let answer = pick::json(fetched)?;
    if str_at(&answer, "errors.0.message").is_some() {
        return Err(PickError::Unreadable("user record"));
    }
    let user = answer
        .get("data")
        .and_then(|d| d.get("user"))
        .filter(|u| !u.is_null())
        .ok_or(PickError::NotFound)?;
    let mut found = pick::Found::default()
        .name(str_at(user, "name").or(str_at(user, "username")))
        .avatar(str_at(user, "profilePicture"));
    if let Some(username) = str_at(user, "username") {
        found.profile_url = Some(format!("https://hashnode.com/@{username}"));
    }
    found.or_no_image()
}

/// cdn.hashnode.com resizes, crops and re-encodes an upload as its query asks (pages ask for
/// `w=400&h=400&fit=crop&crop=faces&auto=compress,format&format=webp` or less); without a
/// query it serves the upload as stored.
fn upgrade(url: &str) -> String {
    if !url.contains("cdn.hashnode.com/") {
        return url.to_owned();
    }
    pick::without_query(url, &["w", "h", "fit", "crop", "auto", "format"])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resized_uploads_are_asked_for_as_stored() {
        assert_eq!(
            upgrade(
                "https://cdn.hashnode.com/res/hashnode/image/upload/v1553188817552/Ttjno27W7.png?w=400&h=400&fit=crop&crop=faces&auto=compress,format&format=webp"
            ),
            "https://cdn.hashnode.com/res/hashnode/image/upload/v1553188817552/Ttjno27W7.png"
        );
        let other = "https://example.com/a.png?w=40";
        assert_eq!(upgrade(other), other);
    }
}
