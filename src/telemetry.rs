//! Logging: tracing set up once, one span per request carrying its id (so every line a
//! request's lookup or image work logs can be found together), and one line per request.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

use crate::configuration::LogFormat;

/// Installs the global tracing subscriber, or says why `filter` is not a log filter. Text
/// lines are coloured only on a terminal, and never when `NO_COLOR` is set (no-color.org).
pub fn init(filter: &str, format: LogFormat) -> Result<(), String> {
    let env_filter = EnvFilter::try_new(filter)
        .map_err(|e| format!("invalid value {filter:?} for --log / RUST_LOG: {e}"))?;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(env_filter)
        .with_ansi(std::io::stderr().is_terminal() && !no_color)
        .with_writer(std::io::stderr);
    // A subscriber already installed (tests that build several apps) is fine.
    let _ = match format {
        LogFormat::Text => builder.with_target(false).try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    Ok(())
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
