//! `GET /static/{name}`: embedded CSS and icons with ETags and long cache lifetimes.

use actix_web::http::header::{self, EntityTag, IfNoneMatch};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};

use crate::assets;
use crate::pages;

/// Serves an embedded asset; `304` when the client already has this version.
pub async fn serve(req: HttpRequest, name: web::Path<String>) -> HttpResponse {
    let Some(asset) = assets::find(&name) else {
        return pages::error(
            actix_web::http::StatusCode::NOT_FOUND,
            "Page not found",
            "There is no such file.",
        );
    };
    let etag = EntityTag::new_strong(format!("{:016x}", asset.hash));
    let fresh = match req.get_header::<IfNoneMatch>() {
        Some(IfNoneMatch::Any) => true,
        Some(IfNoneMatch::Items(tags)) => tags.iter().any(|t| t.weak_eq(&etag)),
        None => false,
    };
    // A versioned URL never changes content, so it may be cached for a year.
    let cache = if req.query_string().starts_with("v=") {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600"
    };
    let mut res = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header(header::ETag(etag))
        .insert_header((header::CACHE_CONTROL, cache));
    if fresh {
        res.finish()
    } else {
        res.content_type(asset.content_type).body(asset.body)
    }
}
