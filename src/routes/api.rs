//! The JSON API: `GET /api/v1/lookup` and `GET /api/v1/providers`, JSend-shaped.

use std::sync::Arc;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::error::{ApiError, Problem};
use super::query::{FromPairs, Params, once, pairs};
use crate::cache::CacheStatus;
use crate::lookup::{Answer, Input, Lookup, LookupError, Profile, ProfileQuery};
use crate::providers;

/// The query string of a lookup.
#[derive(Debug, Deserialize)]
pub struct LookupParams {
    /// A profile URL, `@user@instance`, email address or handle.
    #[serde(default)]
    pub q: String,
    /// A provider id, to read `q` as that platform's handle.
    pub provider: Option<String>,
}

impl FromPairs for LookupParams {
    fn from_pairs(query: &str) -> Option<Self> {
        let mut q = None;
        let mut provider = None;
        for (name, value) in pairs(query) {
            match &*name {
                "q" => once(&mut q, value)?,
                "provider" => once(&mut provider, value)?,
                _ => {}
            }
        }
        Some(Self {
            q: q.unwrap_or_default(),
            provider,
        })
    }
}

impl LookupParams {
    /// The one profile asked for, parsed once; `user@host` is told apart as a fediverse
    /// account or an e-mail address by asking its host. A bare name is refused with the way
    /// to search it.
    pub async fn profile(&self, lookup: &Lookup) -> Result<ProfileQuery, Problem> {
        match Input::parse(&self.q, self.provider.as_deref()).map_err(|e| Problem::from(&e))? {
            Input::Profile(query) => Ok(query),
            Input::Account(account) => lookup.resolve(&account).await.map_err(|e| (&e).into()),
            Input::Name(name) => Err(Problem::input(format!(
                "\"{0}\" is a name on no platform in particular: pick its platform \
                 (provider=…), or search every platform with /api/v1/search?q={0}.",
                name.as_str()
            ))),
        }
    }
}

/// `GET /api/v1/lookup?q=…[&provider=…]`.
pub async fn lookup(
    lookup: web::Data<Lookup>,
    params: Params<LookupParams>,
) -> Result<HttpResponse, ApiError> {
    let query = params.profile(&lookup).await?;
    let (answer, cache) = lookup.lookup(&query).await;
    Ok(profile_json(&*found(answer, cache)?, cache))
}

/// The found profile of a lookup's `answer`, or its failure carrying the cache headers a
/// lookup answer has.
pub fn found(answer: Answer, cache: CacheStatus) -> Result<Arc<Profile>, Problem> {
    answer.map_err(|e| failed_lookup(&e, cache))
}

/// A lookup's failure as answered from `cache`: a not-found is cacheable, the rest not.
pub fn failed_lookup(e: &LookupError, cache: CacheStatus) -> Problem {
    Problem::from(e).cached(cache, e.is_cacheable())
}

/// `application/json`, as a header value made at compile time.
const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// The JSON answer for a found profile, with cache headers: `{"data":…,"status":"success"}`,
/// the profile's JSON made once (see [`Profile::json`]).
pub fn profile_json(profile: &Profile, cache: CacheStatus) -> HttpResponse {
    const HEAD: &[u8] = br#"{"data":"#;
    const TAIL: &[u8] = br#","status":"success"}"#;
    let data = profile.json();
    let mut body = Vec::with_capacity(HEAD.len() + data.len() + TAIL.len());
    body.extend_from_slice(HEAD);
    body.extend_from_slice(data);
    body.extend_from_slice(TAIL);
    let mut response = HttpResponse::Ok().content_type(JSON).body(body);
    super::set_found_cache_headers(&mut response, cache);
    response
}

#[derive(Serialize)]
struct ProviderInfo {
    id: &'static str,
    name: &'static str,
    aliases: &'static [&'static str],
    input: &'static str,
    example: &'static str,
    example_url: String,
    /// Whether a bare name is searched here (`/api/v1/search`).
    searched: bool,
}

/// `GET /api/v1/providers`: every platform, what it takes, and an example.
pub async fn providers() -> HttpResponse {
    let list: Vec<ProviderInfo> = providers::ALL
        .iter()
        .map(|p| ProviderInfo {
            id: p.id,
            name: p.name,
            aliases: p.aliases,
            input: p.input,
            example: p.example,
            example_url: format!("/{}/{}", p.id, p.example),
            searched: p.takes_username,
        })
        .collect();
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .json(json!({ "status": "success", "data": list }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_is_read_by_hand_as_serde_reads_it() {
        crate::routes::query::tests::reads_as_serde::<LookupParams>();
    }
}
