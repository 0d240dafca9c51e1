//! The JSON API: `GET /api/v1/lookup` and `GET /api/v1/providers`, JSend-shaped.

use actix_web::http::header;
use actix_web::{HttpResponse, HttpResponseBuilder, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::lookup::{CacheStatus, Lookup, LookupError, Profile, ProfileQuery};
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

/// `GET /api/v1/lookup?q=…[&provider=…]`.
pub async fn lookup(lookup: web::Data<Lookup>, params: web::Query<LookupParams>) -> HttpResponse {
    let query = match ProfileQuery::parse(&params.q, params.provider.as_deref()) {
        Ok(query) => query,
        Err(e) => return error_json(&e),
    };
    let (answer, cache) = lookup.lookup(&query).await;
    profile_json(&answer, cache)
}

/// The JSON answer for a lookup result, with cache headers.
pub fn profile_json(
    answer: &Result<std::sync::Arc<Profile>, LookupError>,
    cache: CacheStatus,
) -> HttpResponse {
    let mut response = match answer {
        Ok(profile) => {
            HttpResponse::Ok().json(json!({ "status": "success", "data": profile.as_ref() }))
        }
        Err(e) => HttpResponseBuilder::new(e.status()).json(error_body(e)),
    };
    set_cache_headers(&mut response, answer.as_ref().map(|_| ()), cache);
    response
}

/// An error as JSON: `{"status":"fail"|"error","code":…,"message":…}`.
pub fn error_json(e: &LookupError) -> HttpResponse {
    HttpResponseBuilder::new(e.status())
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(error_body(e))
}

fn error_body(e: &LookupError) -> serde_json::Value {
    json!({
        "status": if e.is_client_error() { "fail" } else { "error" },
        "code": e.code(),
        "message": e.to_string(),
    })
}

/// Adds `x-cache-status` and a `cache-control` matching how long the answer holds.
pub fn set_cache_headers(
    response: &mut HttpResponse,
    outcome: Result<(), &LookupError>,
    cache: CacheStatus,
) {
    let control = match outcome {
        Ok(()) => "public, max-age=3600",
        Err(e) if e.is_cacheable() => "public, max-age=300",
        Err(_) => "no-store",
    };
    let headers = response.headers_mut();
    headers.insert(
        header::HeaderName::from_static("x-cache-status"),
        header::HeaderValue::from_static(cache.as_str()),
    );
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static(control),
    );
}

#[derive(Serialize)]
struct ProviderInfo {
    id: &'static str,
    name: &'static str,
    aliases: &'static [&'static str],
    input: &'static str,
    example: &'static str,
    example_url: String,
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
        })
        .collect();
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .json(json!({ "status": "success", "data": list }))
}
