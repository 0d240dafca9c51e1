//! `GET /metrics` on the metrics port: Prometheus text for Fly's scraper. That port has no
//! idle tracking, so a scrape never keeps a scale-to-zero Machine up.

use actix_web::{HttpResponse, web};

use crate::idle::IdleWatcher;
use crate::metrics::{self, Readings};
use crate::telemetry;

/// Every series, with the idle watcher's state and the dropped log lines read now.
pub async fn metrics(watcher: web::Data<IdleWatcher>) -> HttpResponse {
    let readings = Readings {
        idle: watcher.since_activity(),
        idle_timeout: watcher.timeout(),
        dropped_log_lines: telemetry::dropped_lines(),
    };
    HttpResponse::Ok()
        .content_type(metrics::CONTENT_TYPE)
        .insert_header(("cache-control", "no-store"))
        .body(metrics::render(&readings))
}
