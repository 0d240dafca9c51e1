//! unavatar-style image URLs: `GET /{provider}/{id}` answers with the avatar itself,
//! through the image proxy and its cache.
//!
//! `?size=N` makes it an N×N square, `?format=` converts it, `?json` answers with the
//! lookup JSON instead; `?fallback=<url>` redirects there when no avatar is found, and
//! `?fallback=false` (or none) answers 404.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use url::Url;

use super::api::{error_json, profile_json, set_cache_headers};
use super::image::transform_from;
use crate::imaging::{Fit, Transform};
use crate::lookup::{Lookup, LookupError, ProfileQuery};
use crate::providers;
use crate::proxy::ImageProxy;

/// Answers with the profile's avatar (or JSON with `?json`).
pub async fn avatar(
    req: HttpRequest,
    lookup: web::Data<Lookup>,
    proxy: web::Data<ImageProxy>,
    path: web::Path<(String, String)>,
    params: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let (provider, id) = path.into_inner();
    if providers::by_id(&provider).is_none() {
        return super::not_found::not_found().await;
    }
    let query = match ProfileQuery::parse(&id, Some(&provider)) {
        Ok(query) => query,
        Err(e) => return error_json(&e),
    };
    let (answer, cache) = lookup.lookup(&query).await;
    if params.contains_key("json") {
        return profile_json(&answer, cache);
    }
    let failure = match answer.as_ref().map(|p| p.avatar()) {
        Ok(Some(avatar)) => {
            let transform = match transform_from(&params, "size", "size") {
                Ok(t) => Transform {
                    fit: Fit::Cover,
                    ..t
                },
                Err(e) => return error_json(&e),
            };
            return match Url::parse(avatar) {
                Ok(url) => super::image::serve(&req, &proxy, &url, &transform, None).await,
                Err(_) => error_json(&LookupError::Upstream(format!("bad avatar URL {avatar}"))),
            };
        }
        Ok(None) => LookupError::NotFound(format!("{id} has no avatar.")),
        Err(e) => e.clone(),
    };
    match params.get("fallback").map(String::as_str) {
        None | Some("false") => {
            let mut response = error_json(&failure);
            set_cache_headers(&mut response, Err(&failure), cache);
            response
        }
        Some(fallback) => match fallback_url(&lookup, fallback) {
            Ok(url) => redirect(url.as_str()),
            Err(e) => error_json(&e),
        },
    }
}

/// A visitor-supplied fallback must be an http(s) URL we would fetch ourselves.
fn fallback_url(lookup: &Lookup, raw: &str) -> Result<Url, LookupError> {
    let url = Url::parse(raw.trim())
        .map_err(|_| LookupError::Input(format!("fallback \"{raw}\" is not a URL.")))?;
    lookup.check_public(&url)?;
    Ok(url)
}

fn redirect(location: &str) -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, location))
        .finish()
}
