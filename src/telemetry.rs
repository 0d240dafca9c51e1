//! Logging: tracing set up once, one span per request carrying its id (so every line a
//! request's lookup or image work logs can be found together), and one line per request.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

use crate::configuration::LogFormat;

/// Installs the global tracing subscriber; an invalid filter falls back to `info` with a warning.
pub fn init(filter: &str, format: LogFormat) {
    let (env_filter, bad_filter) = match EnvFilter::try_new(filter) {
        Ok(f) => (f, None),
        Err(e) => (EnvFilter::new("info"), Some(e)),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(env_filter)
        .with_writer(std::io::stderr);
    let installed = match format {
        LogFormat::Text => builder.with_target(false).try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    if installed.is_ok()
        && let Some(e) = bad_filter
    {
        tracing::warn!("ignoring invalid log filter {filter:?}: {e}");
    }
}

static NEXT_REQUEST_ID: AtomicU64 = AtomicU64::new(1);

/// Middleware: runs the request inside a `request` span holding its id, method and path,
/// logs its status and latency, and tags the response with an `x-request-id` that matches.
pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = NEXT_REQUEST_ID.fetch_add(1, Ordering::Relaxed);
    let span = tracing::info_span!(
        "request",
        request_id = id,
        method = %req.method(),
        path = req.path()
    );
    let result = next.call(req).instrument(span.clone()).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let _entered = span.enter();
    match &result {
        Ok(res) => tracing::info!(status = res.status().as_u16(), latency_ms, "request"),
        Err(e) => tracing::warn!(latency_ms, error = %e, "request failed"),
    }
    result.map(|mut res| {
        res.headers_mut().insert(
            HeaderName::from_static("x-request-id"),
            HeaderValue::from(id),
        );
        res
    })
}
