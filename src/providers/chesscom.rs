//! Chess.com: the Published-Data API's player profile
//! (`https://api.chess.com/pub/player/{username}`), public and read without a key.

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::json::str_at;
use crate::fetch::Request;

/// Chess.com members.
pub const PROVIDER: Provider = Provider {
    id: "chesscom",
    name: "Chess.com",
    aliases: &["chess"],
    input: "username",
    example: "hikaru",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 200,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["chess.com"],
        paths: &["/member/{handle}", "/players/{handle}"],
        reserved: Reserved::NONE,
    },
    handle: normalize,
    profile_url: |handle| format!("https://www.chess.com/member/{handle}"),
    // The avatar comes at 200×200 and is used as served: the hash after the size
    // (`….200x200o.3810c0ef7901.jpeg`) differs between sizes (the API's 50×50 streamer
    // pictures carry others), so a larger size cannot be asked for by rewriting the URL.
    strategies: &[Strategy::api(
        |handle| Request::get(format!("https://api.chess.com/pub/player/{handle}")),
        pick,
    )],
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let player = pick::json(fetched)?;
    let mut found = pick::Found::default()
        .name(str_at(&player, "name").or(str_at(&player, "username")))
        .avatar(str_at(&player, "avatar"));
    found.profile_url = str_at(&player, "url").map(str::to_owned);
    found.or_no_image()
}

/// A Chess.com username, in lower case as the API wants it: 3 to 25 letters, digits, `_`
/// and `-`.
fn normalize(raw: &str) -> Option<String> {
    let h = super::ascii_handle(raw, "_-", 25)?;
    (h.len() >= 3).then(|| h.to_ascii_lowercase())
}
