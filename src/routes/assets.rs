//! `GET /static/…`: embedded CSS and icons with ETags and long cache lifetimes,
//! compressed for clients that accept it. Each file is a route of its own, a fixed path the
//! router matches without a pattern.

use actix_web::http::header::{self, EntityTag};
use actix_web::{HttpRequest, HttpResponse};

use super::compressed::{self, Compressed};
use crate::assets;

/// Each of [`assets::ALL`]'s compressed forms, in the same order.
static FORMS: [Compressed; assets::ALL.len()] = [const { Compressed::new() }; assets::ALL.len()];

/// Serves the `index`th of [`assets::ALL`]; `304` when the client already has this version.
pub async fn serve(req: HttpRequest, index: usize) -> HttpResponse {
    let (asset, forms) = (assets::ALL[index], &FORMS[index]);
    let (body, coding) = forms.get(asset.body, compressed::preferred(&req));
    let etag = EntityTag::new_strong(format!("{:016x}{}", asset.hash, coding.etag_suffix()));
    let fresh = super::client_has(&req, &etag);
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
    compressed::describe(&mut res, coding);
    if fresh {
        res.finish()
    } else {
        res.content_type(asset.content_type).body(body)
    }
}
