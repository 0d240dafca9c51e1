//! Metrics as an operator sees them in Fly's Grafana: `/metrics` on its own port, in
//! Prometheus text, with the requests, lookups, cache and idle state of the server; never
//! on the public port, and a scrape never keeps a scale-to-zero server up.

mod support;

use std::thread;
use std::time::{Duration, Instant};

use support::*;

/// The value of the sample line starting with `series ` (name and labels), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.parse().ok())
}

fn scrape(port: u16) -> String {
    let reply = get(port, "/metrics").expect("a scrape");
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(
        reply
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/openmetrics-text")),
        "{:?}",
        reply.headers
    );
    reply.body
}

#[tokio::test]
async fn metrics_count_requests_lookups_and_cache_reads_on_their_own_port() {
    let upstream = github_api().await;
    let var = upstream.uri();
    let mut app = spawn_app(&[
        ("GETIMAGES_UPSTREAM_GITHUB", var.as_str()),
        ("GETIMAGES_METRICS_PORT", "0"),
        ("GETIMAGES_IDLE_TIMEOUT", "5m"),
    ]);
    let metrics_port = app.process.metrics_port();

    assert_eq!(app.api_lookup("torvalds", Some("github")).await.status, 200);
    assert_eq!(app.api_lookup("torvalds", Some("github")).await.status, 200);
    assert_eq!(app.get("/no-such-page").await.status, 404);
    let text = scrape(metrics_port);

    let found = r#"getimages_lookups_total{provider="github",outcome="found"}"#;
    assert_eq!(sample(&text, found), Some(1.0), "{text}");
    let answered = r#"getimages_http_requests_total{route="/api/v1/lookup",status="200"}"#;
    assert_eq!(sample(&text, answered), Some(2.0), "{text}");
    let unmatched = r#"getimages_http_requests_total{route="unmatched",status="404"}"#;
    assert_eq!(sample(&text, unmatched), Some(1.0), "{text}");
    let latencies = r#"getimages_http_request_duration_seconds_count{route="/api/v1/lookup"}"#;
    assert_eq!(sample(&text, latencies), Some(2.0), "{text}");
    assert!(
        sample(&text, "getimages_fetched_bytes_total").unwrap_or(0.0) > 0.0,
        "{text}"
    );
    assert!(
        sample(&text, "getimages_cache_misses_total").unwrap_or(0.0) >= 1.0,
        "{text}"
    );
    let memory = r#"getimages_cache_hits_total{tier="memory"}"#;
    assert!(
        sample(&text, memory).unwrap_or(0.0) >= 1.0,
        "the second lookup: {text}"
    );
    assert_eq!(
        sample(&text, "getimages_idle_timeout_seconds"),
        Some(300.0),
        "{text}"
    );
    assert!(
        sample(&text, "getimages_resident_memory_bytes").unwrap_or(0.0) > 1e6,
        "{text}"
    );
    assert_eq!(
        sample(&text, "getimages_log_lines_dropped_total"),
        Some(0.0),
        "{text}"
    );
    assert!(text.contains("# TYPE getimages_image_transform_duration_seconds histogram"));
    assert!(
        text.contains("# TYPE getimages_cache_hits counter"),
        "{text}"
    );
    assert!(text.ends_with("# EOF\n"), "{text}");

    let public = app.get("/metrics").await;
    assert_eq!(public.status, 404, "metrics must not be on the public port");
    assert_eq!(
        get(metrics_port, "/").unwrap().status,
        404,
        "only /metrics there"
    );
}

#[tokio::test]
async fn without_a_metrics_port_there_are_no_metrics() {
    let app = spawn_app(&[]);

    assert_eq!(app.get("/metrics").await.status, 404);
    assert!(!app.process.stderr().contains("metrics on"));
}

#[test]
fn scrapes_do_not_keep_the_server_up() {
    let mut app = spawn_server(&[
        ("GETIMAGES_IDLE_TIMEOUT", "1s"),
        ("GETIMAGES_METRICS_PORT", "0"),
    ]);
    let metrics_port = app.metrics_port();
    let home = app.get("/");
    assert_eq!(home.status, 200);

    // Like Fly's scraper, only faster: every 100 ms until the server is gone.
    let mut idle_seen = Vec::new();
    let patience = Instant::now() + Duration::from_secs(10);
    while let Ok(reply) = get(metrics_port, "/metrics") {
        idle_seen.extend(sample(&reply.body, "getimages_idle_seconds"));
        assert!(Instant::now() < patience, "still up after 10 s of scrapes");
        thread::sleep(Duration::from_millis(100));
    }
    let exit = app.wait_for_exit(Duration::from_secs(10));

    assert!(exit.status.success(), "{}\n{}", exit.status, app.stderr());
    assert!(
        app.stderr().contains("idle for 1s, stopping"),
        "{}",
        app.stderr()
    );
    assert!(
        idle_seen.len() >= 3,
        "only {} scrapes answered",
        idle_seen.len()
    );
    assert!(
        idle_seen.windows(2).all(|w| w[0] <= w[1]),
        "a scrape reset the idle time: {idle_seen:?}"
    );
}
