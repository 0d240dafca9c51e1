//! TikTok: the public profile page. The avatar is the user record's `avatarLarger` (1080×1080)
//! in the page's `__UNIVERSAL_DATA_FOR_REHYDRATION__` JSON (`SIGI_STATE` on older
//! deployments); the og:image, only 720×720, is the fallback. TikTok shows no banner. Its
//! avatar URLs are signed per size (`x-signature`), so they are used exactly as served.

use serde_json::Value;

use super::PickError;
use super::{Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::json::{find_object, first_str, str_at};
use crate::fetch::Agent;

/// Embedded app state, newest layout first.
const STATE_SCRIPTS: &[&str] = &["__UNIVERSAL_DATA_FOR_REHYDRATION__", "SIGI_STATE"];

/// TikTok accounts.
pub const PROVIDER: Provider = Provider {
    id: "tiktok",
    name: "TikTok",
    input: "@username",
    example: "carlosazaustre",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 300,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["tiktok.com"],
        paths: &["/@{handle}"],
        reserved: Reserved::NONE,
    },
    // 2 to 24 letters, digits, underscores and periods.
    handle: |raw| super::plain_handle(raw, "._", 24),
    profile_url: |handle| format!("https://www.tiktok.com/@{handle}"),
    strategies: &[Strategy {
        agent: Agent::Browser,
        ..Strategy::page(pick)
    }],
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, handle: &str) -> Result<pick::Found, PickError> {
    let page = pick::page(fetched)?;
    let states: Vec<Value> = STATE_SCRIPTS
        .iter()
        .filter_map(|id| page.script_json(id))
        .collect();
    let user = states
        .iter()
        .find_map(|state| find_object(state, "uniqueId", handle));
    // A missing account still gets a 200 page: the user-detail scope has a non-zero
    // statusCode (10221, 10202…) and no user record.
    let missing = user.is_none()
        && states.iter().any(|state| {
            detail(state)
                .and_then(|d| d.get("statusCode"))
                .and_then(Value::as_i64)
                .is_some_and(|code| code != 0)
        });
    if missing {
        return Err(PickError::NotFound);
    }
    let og_image = page.og_image();
    let title = page.title().map(|t| pick::clean_title(&t));
    let avatar = user
        .and_then(|u| first_str(u, &["avatarLarger", "avatarMedium"]))
        .or(og_image.as_ref().map(url::Url::as_str));
    let name = user
        .and_then(|u| str_at(u, "nickname"))
        .or(title.as_deref());
    pick::Found::default()
        .name(name)
        .avatar(avatar)
        .or_no_image()
}

/// The `webapp.user-detail` scope (its key has a dot, so no dotted path reaches it).
fn detail(state: &Value) -> Option<&Value> {
    state.get("__DEFAULT_SCOPE__")?.get("webapp.user-detail")
}
