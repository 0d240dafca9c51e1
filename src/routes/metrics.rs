//! `GET /metrics` on the metrics port: Prometheus text for Fly's scraper. That port has no
//! idle tracking, so a scrape never keeps a scale-to-zero Machine up.

use actix_web::{HttpResponse, web};

use crate::idle::IdleWatcher;

/// Every series, with the idle watcher's state read now.
pub async fn metrics(watcher: web::Data<IdleWatcher>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(crate::metrics::CONTENT_TYPE)
        .insert_header(("cache-control", "no-store"))
        .body(crate::metrics::render(&watcher))
}
