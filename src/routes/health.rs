//! `GET /healthz`: liveness for the platform's checks; never counts as activity.

use actix_web::HttpResponse;
use actix_web::http::header::{self, HeaderValue};

/// Always `200 ok` while the server runs.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(HeaderValue::from_static("text/plain; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .body("ok")
}
