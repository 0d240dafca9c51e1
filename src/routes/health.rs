//! `GET /healthz`: liveness for the platform's checks; never counts as activity.

use actix_web::HttpResponse;

/// Always `200 ok` while the server runs.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .body("ok")
}
