//! Logging: tracing set up once, one span per request carrying its id (so every line a
//! request's lookup or image work logs can be found together), and one line per request.
//!
//! Lines go through a bounded buffer to a writer thread, so a busy server is never slowed
//! (or blocked) by its own logs: when the buffer is full a line is dropped and counted
//! ([`dropped_lines`], in /metrics).

use std::io::{BufWriter, IsTerminal};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use clap::ValueEnum;
use tracing::Instrument;
use tracing_appender::non_blocking::{ErrorCounter, NonBlocking, NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::writer::BoxMakeWriter;

/// Bytes of log lines joined into one write to stderr under load.
const WRITE_BUFFER_BYTES: usize = 64 * 1024;

/// How log lines are written (`--log-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The writer's count of dropped lines, once [`init`] has run.
static DROPPED: OnceLock<ErrorCounter> = OnceLock::new();

/// Installs the global tracing subscriber, or says why `filter` is not a log filter. Text
/// lines are coloured only on a terminal, and never when `NO_COLOR` is set (no-color.org).
/// Lines go through a writer thread with room for `buffered_lines` (8192 by default:
/// about 2 MB of typical lines, a burst of several seconds at full speed), or straight to
/// stderr when it is 0. Keep the returned guard for the life of the process: dropping it
/// writes out the lines still buffered.
pub fn init(
    filter: &str,
    format: LogFormat,
    buffered_lines: usize,
) -> Result<Option<WorkerGuard>, String> {
    let env_filter = EnvFilter::try_new(filter)
        .map_err(|e| format!("invalid value {filter:?} for --log / RUST_LOG: {e}"))?;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let (writer, guard) = if buffered_lines == 0 {
        (BoxMakeWriter::new(std::io::stderr), None)
    } else {
        let (writer, guard) = buffered(buffered_lines);
        (BoxMakeWriter::new(writer), Some(guard))
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(env_filter)
        .with_ansi(std::io::stderr().is_terminal() && !no_color)
        .with_writer(writer);
    // A subscriber already installed (tests that build several apps) is fine.
    let _ = match format {
        LogFormat::Text => builder.with_target(false).try_init(),
        // "spans" lists every span, the current one last; "span" would repeat that one, and
        // the formatter re-reads a span's fields each time it writes them.
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
    };
    Ok(guard)
}

/// The non-blocking writer: a bounded, lossy queue to one writer thread.
fn buffered(lines: usize) -> (NonBlocking, WorkerGuard) {
    let (writer, guard) = NonBlockingBuilder::default()
        .buffered_lines_limit(lines)
        .lossy(true)
        .thread_name("getimages-log")
        // The writer thread flushes whenever it has drained the queue, so buffering only
        // joins the lines of a burst into one write instead of one system call per line.
        .finish(BufWriter::with_capacity(
            WRITE_BUFFER_BYTES,
            std::io::stderr(),
        ));
    let _ = DROPPED.set(writer.error_counter());
    (writer, guard)
}

/// Log lines dropped so far because the buffer was full.
pub fn dropped_lines() -> u64 {
    DROPPED.get().map_or(0, |c| c.dropped_lines() as u64)
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
        Ok(res) => {
            tracing::info!(status = res.status().as_u16(), latency_ms, "request");
            let route = res.request().match_pattern();
            let route = route.as_deref().unwrap_or("unmatched");
            crate::metrics::request(route, res.status().as_u16(), started.elapsed());
        }
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
