//! `GET /image`: an image fetched through our proxy, resized and converted on request.

use std::collections::HashMap;

use actix_web::http::header::{self, EntityTag, IfNoneMatch};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, HttpResponseBuilder, web};
use serde_json::json;
use url::Url;

use crate::imaging::{DEFAULT_QUALITY, Fit, FormatChoice, Transform};
use crate::lookup::{CacheStatus, Lookup, LookupError};
use crate::proxy::{ImageProxy, ProxyError, Variant};

/// Largest width or height that may be asked for.
pub const MAX_SIDE: u32 = 4096;

/// `GET /image?url=…[&w=&h=&fit=&format=&q=&download=1&name=]`.
pub async fn image(
    req: HttpRequest,
    lookup: web::Data<Lookup>,
    proxy: web::Data<ImageProxy>,
    params: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let request = match parse(&params) {
        Ok(request) => request,
        Err(e) => return error_json(&ProxyError::Fetch(e)),
    };
    if let Err(e) = lookup.check_public(&request.url) {
        return error_json(&ProxyError::Fetch(e));
    }
    let download = request.download.then_some(request.name.as_str());
    serve(&req, &proxy, &request.url, &request.transform, download).await
}

/// Fetches (or takes from the cache) and sends one image; `download` names the file to save.
pub async fn serve(
    req: &HttpRequest,
    proxy: &ImageProxy,
    url: &Url,
    transform: &Transform,
    download: Option<&str>,
) -> HttpResponse {
    match proxy.get(url, transform).await {
        Ok((variant, cache)) => respond(req, &variant, cache, transform, download),
        Err(e) => error_json(&e),
    }
}

fn respond(
    req: &HttpRequest,
    variant: &Variant,
    cache: CacheStatus,
    transform: &Transform,
    download: Option<&str>,
) -> HttpResponse {
    let etag = EntityTag::new_strong(variant.etag.trim_matches('"').to_owned());
    // A transformed variant of a URL never changes; the original may, upstream.
    let control = if transform.is_identity() {
        "public, max-age=86400"
    } else {
        "public, max-age=31536000, immutable"
    };
    let not_modified = match req.get_header::<IfNoneMatch>() {
        Some(IfNoneMatch::Any) => true,
        Some(IfNoneMatch::Items(tags)) => tags.iter().any(|t| t.strong_eq(&etag)),
        None => false,
    };
    let mut builder = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    builder
        .insert_header(header::ETag(etag))
        .insert_header((header::CACHE_CONTROL, control))
        .insert_header(("x-cache-status", cache.as_str()))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if let Some(name) = download {
        let extension = extension_of(&variant.content_type);
        builder.insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}.{extension}\"",
                safe_file_name(name)
            ),
        ));
    }
    if not_modified {
        return builder.finish();
    }
    builder
        .content_type(variant.content_type.as_str())
        .body(variant.bytes.clone())
}

/// An error as JSON, like the lookup API's.
pub fn error_json(e: &ProxyError) -> HttpResponse {
    HttpResponseBuilder::new(e.status())
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({
            "status": if e.status().is_client_error() { "fail" } else { "error" },
            "code": e.code(),
            "message": e.to_string(),
        }))
}

struct ImageRequest {
    url: Url,
    transform: Transform,
    download: bool,
    name: String,
}

fn parse(params: &HashMap<String, String>) -> Result<ImageRequest, LookupError> {
    let raw = params
        .get("url")
        .map(|u| u.trim())
        .filter(|u| !u.is_empty())
        .ok_or_else(|| LookupError::Input("Say which image: /image?url=https://…".into()))?;
    let url =
        Url::parse(raw).map_err(|_| LookupError::Input(format!("\"{raw}\" is not a URL.")))?;
    Ok(ImageRequest {
        url,
        transform: transform_from(params, "w", "h")?,
        download: params
            .get("download")
            .is_some_and(|v| matches!(v.as_str(), "" | "1" | "true" | "yes")),
        name: params
            .get("name")
            .cloned()
            .unwrap_or_else(|| "image".into()),
    })
}

/// The transform in `params`, sizes read from `width_key` and `height_key`.
pub fn transform_from(
    params: &HashMap<String, String>,
    width_key: &str,
    height_key: &str,
) -> Result<Transform, LookupError> {
    let side = |key: &str| -> Result<Option<u32>, LookupError> {
        match params.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => match v.parse::<u32>() {
                Ok(n) if (1..=MAX_SIDE).contains(&n) => Ok(Some(n)),
                _ => Err(LookupError::Input(format!(
                    "{key} must be a number of pixels from 1 to {MAX_SIDE}."
                ))),
            },
        }
    };
    let fit = match params.get("fit") {
        None => Fit::default(),
        Some(v) => Fit::from_query(v)
            .ok_or_else(|| LookupError::Input("fit must be cover, contain or inside.".into()))?,
    };
    let format = match params.get("format") {
        None => FormatChoice::Original,
        Some(v) => FormatChoice::from_query(v).ok_or_else(|| {
            LookupError::Input("format must be jpeg, png, webp, gif or original.".into())
        })?,
    };
    let quality = match params.get("q") {
        None => DEFAULT_QUALITY,
        Some(v) => v
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|q| (1..=100).contains(q))
            .ok_or_else(|| LookupError::Input("q must be a quality from 1 to 100.".into()))?,
    };
    Ok(Transform {
        width: side(width_key)?,
        height: side(height_key)?,
        fit,
        format,
        quality,
        upscale: params
            .get("upscale")
            .is_some_and(|v| matches!(v.as_str(), "1" | "true" | "yes")),
    })
}

fn extension_of(content_type: &str) -> &'static str {
    match content_type {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "image/gif" => "gif",
        _ => "img",
    }
}

/// A file name every OS accepts: ASCII letters, digits, `-`, `_` and `.`, no leading dot,
/// at most 100 characters, never a reserved Windows device name.
pub fn safe_file_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
            c
        } else {
            '-'
        };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    let trimmed: String = out
        .trim_matches(|c| c == '-' || c == '.')
        .chars()
        .take(100)
        .collect();
    let stem = trimmed.split('.').next().unwrap_or("").to_ascii_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit());
    if trimmed.is_empty() {
        "image".into()
    } else if reserved {
        format!("image-{trimmed}")
    } else {
        trimmed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_everywhere() {
        assert_eq!(
            safe_file_name("github-torvalds-avatar"),
            "github-torvalds-avatar"
        );
        assert_eq!(safe_file_name("../../etc/passwd"), "etc-passwd");
        assert_eq!(safe_file_name("a\"b\r\nc;d"), "a-b-c-d");
        assert_eq!(
            safe_file_name("mastodon-Gargron@mastodon.social-avatar"),
            "mastodon-Gargron-mastodon.social-avatar"
        );
        assert_eq!(safe_file_name("CON"), "image-CON");
        assert_eq!(safe_file_name("émoji😀"), "moji");
        assert_eq!(safe_file_name(""), "image");
        assert_eq!(safe_file_name(&"x".repeat(300)).len(), 100);
    }

    #[test]
    fn sizes_and_options_are_checked() {
        let params = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect()
        };
        let t = transform_from(&params(&[("w", "400"), ("format", "webp")]), "w", "h").unwrap();
        assert_eq!(t.width, Some(400));
        assert!(!t.is_identity());
        for bad in [
            ("w", "0"),
            ("w", "99999"),
            ("h", "abc"),
            ("q", "0"),
            ("fit", "stretch"),
            ("format", "bmp"),
        ] {
            assert!(
                transform_from(&params(&[bad]), "w", "h").is_err(),
                "{bad:?}"
            );
        }
    }
}
