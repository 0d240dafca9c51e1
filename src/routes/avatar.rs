//! unavatar-style image URLs: `GET /{provider}/{id}` answers with the avatar itself,
//! through the image proxy and its cache.
//!
//! `?size=N` makes it exactly N×N, N from 1 to 4096 (cropped square, and enlarged when the
//! avatar is smaller), `?format=` converts it, `?json` answers with the lookup JSON
//! instead; `?fallback=<url>` redirects there when no avatar is found, and `?fallback=false`
//! (or none) answers 404.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use url::Url;

use super::api::{failed_lookup, found, profile_json};
use super::error::{ApiError, Problem};
use super::image::TransformParams;
use super::query::{FromPairs, Params, once, pairs};
use crate::fetch::guard::Guard;
use crate::imaging::{Fit, Transform};
use crate::lookup::{Lookup, ProfileQuery};
use crate::proxy::ImageProxy;

/// The query string of `/{provider}/{id}`.
#[derive(Debug, Default, Deserialize)]
pub struct AvatarParams {
    /// Present to answer with the lookup JSON instead of the image.
    json: Option<String>,
    /// Where to send the visitor when there is no avatar; `false` for a 404.
    fallback: Option<String>,
    /// The side of the square, in pixels.
    size: Option<String>,
    /// Format and quality (the fit is always cover, and a size is always met).
    #[serde(flatten)]
    options: TransformParams,
}

impl FromPairs for AvatarParams {
    fn from_pairs(query: &str) -> Option<Self> {
        let mut params = Self::default();
        for (name, value) in pairs(query) {
            let slot = match &*name {
                "json" => &mut params.json,
                "fallback" => &mut params.fallback,
                "size" => &mut params.size,
                other => match params.options.slot(other) {
                    Some(slot) => slot,
                    None => continue,
                },
            };
            once(slot, value)?;
        }
        Some(params)
    }
}

/// Answers with the profile's avatar (or JSON with `?json`).
pub async fn avatar(
    req: HttpRequest,
    lookup: web::Data<Lookup>,
    proxy: web::Data<ImageProxy>,
    guard: web::Data<Guard>,
    path: web::Path<(String, String)>,
    params: Params<AvatarParams>,
) -> Result<HttpResponse, ApiError> {
    // The route's guard lets only a platform's id or alias through.
    let (provider, id) = path.into_inner();
    let query = ProfileQuery::parse(&id, Some(&provider))?;
    let (answer, cache) = lookup.lookup(&query).await;
    if params.json.is_some() {
        return Ok(profile_json(&*found(answer, cache)?, cache));
    }
    let failure = match answer.as_ref().map(|p| p.avatar()) {
        Ok(Some(avatar)) => {
            let size = ("size", params.size.as_deref());
            let asked = params.options.transform(size, size)?;
            // A size is a promise of N×N: a smaller avatar is enlarged to keep it.
            let transform = Transform {
                fit: Fit::Cover,
                upscale: asked.upscale || asked.width.is_some(),
                ..asked
            };
            let url = Url::parse(avatar).map_err(|_| Problem::bad_avatar_url(avatar))?;
            return super::image::serve(&req, &proxy, &url, &transform, None).await;
        }
        Ok(None) => Problem::no_avatar(&id).cached(cache, true),
        Err(e) => failed_lookup(e, cache),
    };
    match params.fallback.as_deref() {
        None | Some("false") => Err(ApiError(failure)),
        Some(fallback) => Ok(redirect(fallback_url(&guard, fallback)?.as_str())),
    }
}

/// A visitor-supplied fallback must be an http(s) URL we would fetch ourselves.
fn fallback_url(guard: &Guard, raw: &str) -> Result<Url, Problem> {
    let url = Url::parse(raw.trim())
        .map_err(|_| Problem::input(format!("fallback \"{raw}\" is not a URL.")))?;
    guard
        .check_url(&url)
        .map_err(|reason| Problem::from(&reason))?;
    Ok(url)
}

fn redirect(location: &str) -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, location))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avatar_queries_are_read_by_hand_as_serde_reads_them() {
        crate::routes::query::tests::reads_as_serde::<AvatarParams>();
    }
}
