//! Metrics: what Prometheus scrapes from `GET /metrics` (Fly's `[metrics]` section).
//!
//! Recording is a one-line call at the place where an outcome is already known (the
//! request log line, the lookup's outcome, the cache tier that answered); [`render`] writes
//! everything in the Prometheus text format, with the gauges read at scrape time.
//!
//! This module imports no other module of the crate, so every layer may record here: the
//! figures that other modules own (the idle watcher's, the log writer's) are handed to
//! [`render`] as [`Readings`] by whoever serves the scrape.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

/// The content type of [`render`]'s output: OpenMetrics text, which Prometheus and Fly's
/// scraper read (it is the Prometheus text format plus `# EOF`).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LookupLabels {
    provider: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TierLabels {
    tier: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: &'static str,
}

/// Every series, registered once in `registry`.
struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    request_seconds: Family<RouteLabels, Histogram>,
    lookups: Family<LookupLabels, Counter>,
    lookup_seconds: Family<LookupLabels, Histogram>,
    cache_hits: Family<TierLabels, Counter>,
    cache_misses: Counter,
    transforms: Family<ResultLabels, Counter>,
    transform_seconds: Histogram,
    fetched_bytes: Counter,
    idle_seconds: Gauge<f64, AtomicU64>,
    idle_timeout_seconds: Gauge<f64, AtomicU64>,
    resident_bytes: Gauge,
    dropped_log_lines: Counter,
}

/// 1 ms to about 16 s, doubling.
fn seconds_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let mut m = Metrics {
        registry: Registry::with_prefix("getimages"),
        requests: Family::default(),
        request_seconds: Family::new_with_constructor(seconds_histogram),
        lookups: Family::default(),
        lookup_seconds: Family::new_with_constructor(seconds_histogram),
        cache_hits: Family::default(),
        cache_misses: Counter::default(),
        transforms: Family::default(),
        transform_seconds: seconds_histogram(),
        fetched_bytes: Counter::default(),
        idle_seconds: Gauge::default(),
        idle_timeout_seconds: Gauge::default(),
        resident_bytes: Gauge::default(),
        dropped_log_lines: Counter::default(),
    };
    let r = &mut m.registry;
    r.register(
        "http_requests",
        "Requests answered, by route and status",
        m.requests.clone(),
    );
    r.register_with_unit(
        "http_request_duration",
        "Time to answer a request, by route",
        Unit::Seconds,
        m.request_seconds.clone(),
    );
    r.register(
        "lookups",
        "Profile lookups asked of a platform, by provider and outcome",
        m.lookups.clone(),
    );
    r.register_with_unit(
        "lookup_duration",
        "Time a platform took to answer a lookup, by provider and outcome",
        Unit::Seconds,
        m.lookup_seconds.clone(),
    );
    r.register(
        "cache_hits",
        "Cache reads answered, by the tier that answered",
        m.cache_hits.clone(),
    );
    r.register(
        "cache_misses",
        "Cache reads no tier could answer",
        m.cache_misses.clone(),
    );
    r.register(
        "image_transforms",
        "Images decoded and re-encoded, by result",
        m.transforms.clone(),
    );
    r.register_with_unit(
        "image_transform_duration",
        "Time one image transform took",
        Unit::Seconds,
        m.transform_seconds.clone(),
    );
    r.register_with_unit(
        "fetched",
        "Body bytes read from platforms and image hosts",
        Unit::Bytes,
        m.fetched_bytes.clone(),
    );
    r.register_with_unit(
        "idle",
        "Time since the last request that counts as activity",
        Unit::Seconds,
        m.idle_seconds.clone(),
    );
    r.register_with_unit(
        "idle_timeout",
        "The configured idle timeout (0: never stops by itself)",
        Unit::Seconds,
        m.idle_timeout_seconds.clone(),
    );
    r.register_with_unit(
        "resident_memory",
        "Resident set size of the process (VmRSS)",
        Unit::Bytes,
        m.resident_bytes.clone(),
    );
    r.register(
        "log_lines_dropped",
        "Log lines dropped because the log buffer was full",
        m.dropped_log_lines.clone(),
    );
    m
});

/// Counts one answered request on `route` (the matched pattern, e.g. `/{provider}/{id}`).
pub fn request(route: &'static str, status: u16, elapsed: Duration) {
    thread_local! {
        static SEEN: Seen<(&'static str, u16), (Histogram, Counter)> = const { Seen::new() };
    }
    SEEN.with(|seen| {
        seen.with(
            (route, status),
            |(seconds, requests)| {
                seconds.observe(elapsed.as_secs_f64());
                requests.inc();
            },
            || {
                let m = &*METRICS;
                (
                    m.request_seconds
                        .get_or_create(&RouteLabels { route })
                        .clone(),
                    m.requests
                        .get_or_create(&RequestLabels { route, status })
                        .clone(),
                )
            },
        );
    });
}

/// The series a thread has recorded into, by their labels: `Family::get_or_create` hashes
/// the labels and takes a lock for every record, and a request records into the same few
/// series again and again. A handle is the series itself (a counter or histogram clone
/// shares its value), and is kept only once the family has made the series, so /metrics
/// lists the same series as before. At most [`Seen::ROOM`] are kept; others are looked up.
struct Seen<L, M> {
    series: std::cell::RefCell<Vec<(L, M)>>,
}

impl<L: PartialEq + Copy, M> Seen<L, M> {
    const ROOM: usize = 64;

    const fn new() -> Self {
        Self {
            series: std::cell::RefCell::new(Vec::new()),
        }
    }

    /// Runs `record` on the series of `labels`, made by `make` the first time.
    fn with(&self, labels: L, record: impl FnOnce(&M), make: impl FnOnce() -> M) {
        let Ok(mut series) = self.series.try_borrow_mut() else {
            return record(&make());
        };
        if let Some((_, found)) = series.iter().find(|(seen, _)| *seen == labels) {
            return record(found);
        }
        let made = make();
        record(&made);
        if series.len() < Self::ROOM {
            series.push((labels, made));
        }
    }
}

/// Counts one lookup asked of `provider`, with its outcome (`found`, `not_found`, ...).
pub fn lookup(provider: &'static str, outcome: &'static str, elapsed: Duration) {
    let labels = LookupLabels { provider, outcome };
    METRICS.lookups.get_or_create(&labels).inc();
    METRICS
        .lookup_seconds
        .get_or_create(&labels)
        .observe(elapsed.as_secs_f64());
}

/// Counts a cache read answered by `tier` (`memory`, `disk`, `redis`), or by none.
pub fn cache_read(tier: Option<&'static str>) {
    thread_local! {
        static SEEN: Seen<&'static str, Counter> = const { Seen::new() };
    }
    match tier {
        Some(tier) => SEEN.with(|seen| {
            let record = |hits: &Counter| {
                hits.inc();
            };
            seen.with(tier, record, || {
                METRICS
                    .cache_hits
                    .get_or_create(&TierLabels { tier })
                    .clone()
            });
        }),
        None => {
            METRICS.cache_misses.inc();
        }
    }
}

/// Counts one image transform and its time.
pub fn image_transform(ok: bool, elapsed: Duration) {
    let result = if ok { "ok" } else { "failed" };
    METRICS
        .transforms
        .get_or_create(&ResultLabels { result })
        .inc();
    METRICS.transform_seconds.observe(elapsed.as_secs_f64());
}

/// Counts body bytes read from an upstream.
pub fn fetched(bytes: usize) {
    METRICS.fetched_bytes.inc_by(bytes as u64);
}

/// The figures other modules own, read by the caller at scrape time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Readings {
    /// Time since the last request that counts as activity.
    pub idle: Duration,
    /// The configured idle timeout; `None` when the server never stops by itself.
    pub idle_timeout: Option<Duration>,
    /// Log lines the log writer has dropped so far.
    pub dropped_log_lines: u64,
}

/// Every series in the Prometheus text format, with `readings` and the process's memory
/// read now.
pub fn render(readings: &Readings) -> String {
    let m = &*METRICS;
    m.idle_seconds.set(readings.idle.as_secs_f64());
    m.idle_timeout_seconds
        .set(readings.idle_timeout.unwrap_or_default().as_secs_f64());
    if let Some(bytes) = resident_bytes() {
        m.resident_bytes
            .set(i64::try_from(bytes).unwrap_or(i64::MAX));
    }
    // The log writer keeps its own count; the counter mirrors it.
    m.dropped_log_lines
        .inner()
        .store(readings.dropped_log_lines, Ordering::Relaxed);
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = prometheus_client::encoding::text::encode(&mut out, &m.registry);
    out
}

/// VmRSS from /proc/self/status, in bytes: the kernel states it in kB there, so no page
/// size is needed (statm counts pages, which differ between architectures).
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_series_is_rendered_in_prometheus_text_format() {
        lookup("github", "found", Duration::from_millis(12));
        cache_read(Some("disk"));
        let text = render(&Readings {
            idle_timeout: Some(Duration::from_secs(30)),
            ..Readings::default()
        });
        assert!(
            text.contains(r#"getimages_lookups_total{provider="github",outcome="found"} "#),
            "{text}"
        );
        assert!(
            text.contains(r#"getimages_cache_hits_total{tier="disk"} "#),
            "{text}"
        );
        assert!(
            text.contains("getimages_idle_timeout_seconds 30.0"),
            "{text}"
        );
        assert!(
            text.contains("# TYPE getimages_resident_memory_bytes gauge"),
            "{text}"
        );
        let rss = text
            .lines()
            .find_map(|l| l.strip_prefix("getimages_resident_memory_bytes "))
            .and_then(|v| v.parse::<u64>().ok())
            .expect("an RSS figure");
        assert!(rss > 0);
        assert!(text.ends_with("# EOF\n"), "{text}");
    }

    #[test]
    fn a_series_recorded_again_on_a_thread_counts_in_its_family() {
        let route = "/__test/metrics";
        for _ in 0..3 {
            request(route, 418, Duration::from_millis(2));
        }
        // Another thread finds the same series in the family.
        std::thread::spawn(move || request(route, 418, Duration::from_millis(2)))
            .join()
            .unwrap();
        let text = render(&Readings::default());
        assert!(
            text.contains(
                r#"getimages_http_requests_total{route="/__test/metrics",status="418"} 4"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"getimages_http_request_duration_seconds_count{route="/__test/metrics"} 4"#
            ),
            "{text}"
        );
    }
}
