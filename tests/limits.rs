//! Inbound limits: per-client rate limiting of lookups and of images, long query strings,
//! huge headers (answered, never reset), clients that send their headers too slowly, and
//! unknown paths, which take nothing from the lookup budget.

mod support;

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use support::*;

async fn lookup_with_client_ip(app: &App, ip: &str) -> Reply {
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/lookup?q=jack", app.base))
        .header("fly-client-ip", ip)
        .send()
        .await
        .unwrap();
    Reply::read(response).await.unwrap()
}

#[tokio::test]
async fn a_client_over_its_lookup_budget_gets_429_with_retry_after() {
    let app = spawn_app(&[
        ("GETIMAGES_RATE_LIMIT", "6"),
        ("GETIMAGES_RATE_LIMIT_BURST", "3"),
    ]);

    // Bad input still counts: the limit is on asking, not on succeeding.
    for _ in 0..3 {
        assert_eq!(app.api_lookup("jack", None).await.status, 400);
    }
    let limited = app.api_lookup("jack", None).await;

    assert_failure(&limited, 429, "ERATELIMIT");
    assert_says(&limited, "Too many lookups from your address");
    let retry: u64 = limited
        .header("retry-after")
        .expect("retry-after")
        .parse()
        .unwrap();
    assert!((1..=10).contains(&retry), "retry-after {retry}");
    assert_eq!(
        app.get("/lookup?q=jack").await.status,
        429,
        "the HTML route shares the budget"
    );
    assert_eq!(app.get("/github/x").await.status, 429, "so do image URLs");
    assert_eq!(app.get("/").await.status, 200, "pages are not limited");
    assert_eq!(app.get("/healthz").await.status, 200);
}

#[tokio::test]
async fn fly_client_ip_is_used_only_when_trusted() {
    let envs = [
        ("GETIMAGES_RATE_LIMIT", "1"),
        ("GETIMAGES_RATE_LIMIT_BURST", "1"),
    ];

    let untrusted = spawn_app(&envs);
    assert_eq!(
        lookup_with_client_ip(&untrusted, "203.0.113.1")
            .await
            .status,
        400
    );
    // A forged header does not buy a new budget.
    assert_eq!(
        lookup_with_client_ip(&untrusted, "203.0.113.2")
            .await
            .status,
        429
    );

    let trusted = spawn_app(&[envs[0], envs[1], ("GETIMAGES_TRUST_FLY_CLIENT_IP", "1")]);
    assert_eq!(
        lookup_with_client_ip(&trusted, "203.0.113.1").await.status,
        400
    );
    assert_eq!(
        lookup_with_client_ip(&trusted, "203.0.113.1").await.status,
        429
    );
    assert_eq!(
        lookup_with_client_ip(&trusted, "203.0.113.2").await.status,
        400
    );
}

#[tokio::test]
async fn images_have_their_own_budget_keyed_by_the_clients_64() {
    let app = spawn_app(&[
        ("GETIMAGES_IMAGE_RATE_LIMIT", "6"),
        ("GETIMAGES_IMAGE_RATE_LIMIT_BURST", "2"),
        ("GETIMAGES_TRUST_FLY_CLIENT_IP", "1"),
    ]);
    let image = |ip: &'static str| {
        let base = app.base.clone();
        async move {
            let response = reqwest::Client::new()
                .get(format!("{base}/image?url=nonsense"))
                .header("fly-client-ip", ip)
                .send()
                .await
                .unwrap();
            Reply::read(response).await.unwrap()
        }
    };

    assert_eq!(image("2001:db8:0:7::1").await.status, 400);
    assert_eq!(image("2001:db8:0:7::2").await.status, 400);
    let limited = image("2001:db8:0:7:ffff::3").await;
    assert_failure(&limited, 429, "ERATELIMIT");
    assert_says(&limited, "Too many images from your address");
    assert_eq!(
        image("2001:db8:0:8::1").await.status,
        400,
        "the next /64 is another client"
    );
    assert_eq!(
        lookup_with_client_ip(&app, "2001:db8:0:7::1").await.status,
        400,
        "lookups keep their own budget"
    );
}

#[tokio::test]
async fn retry_after_is_the_real_wait_rounded_up_and_a_retry_then_passes() {
    // One request every half second: the wait after the burst is under a second.
    let app = spawn_app(&[
        ("GETIMAGES_RATE_LIMIT", "120"),
        ("GETIMAGES_RATE_LIMIT_BURST", "1"),
    ]);
    assert_eq!(app.api_lookup("jack", None).await.status, 400);
    let limited = app.api_lookup("jack", None).await;
    assert_failure(&limited, 429, "ERATELIMIT");
    assert_eq!(limited.header("retry-after"), Some("1"));
    assert_says(&limited, "try again in 1 s");

    // A client waits as long as Retry-After says, and no longer.
    let retry_after = limited.header("retry-after").unwrap().parse().unwrap();
    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    assert_eq!(app.api_lookup("jack", None).await.status, 400);
}

#[tokio::test]
async fn an_overlong_query_string_is_refused() {
    let app = spawn_app(&[]);

    let reply = app
        .get(&format!("/api/v1/lookup?q={}", "a".repeat(10_000)))
        .await;

    assert_failure(&reply, 414, "EINPUT");
    assert_says(&reply, "The query string is longer than 8192 bytes");
}

#[tokio::test]
async fn huge_request_headers_are_refused() {
    let app = spawn_app(&[]);

    let client = reqwest::Client::new();
    let big = client
        .get(format!("{}/", app.base))
        .header("x-padding", "a".repeat(20 * 1024))
        .send()
        .await
        .unwrap();
    let big = Reply::read(big).await.unwrap();
    assert_failure(&big, 431, "EINPUT");
    assert_says(&big, "The request headers are larger than");

    // Past actix's own 128 KiB, actix answers 431 itself (no body), and the connection
    // closes once the client has sent the rest.
    let huge = client
        .get(format!("{}/", app.base))
        .header("x-padding", "a".repeat(200 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), 431);
    assert_eq!(
        app.get("/healthz").await.status,
        200,
        "the server still serves"
    );
}

/// What a client saw that sent a whole request on one thread while reading on another, as
/// a client with more to send than the server reads does.
struct Exchange {
    /// Whether the whole request was sent.
    sent: io::Result<()>,
    /// How the answer ended: `Ok` at the server's close, or the error (a reset).
    ended: io::Result<usize>,
    /// What was read.
    answer: String,
}

impl Exchange {
    /// Sends `request` to the app on `port` and reads until the server closes.
    fn run(port: u16, request: String) -> Self {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut writer = stream.try_clone().unwrap();
        let sending = std::thread::spawn(move || writer.write_all(request.as_bytes()));
        let mut answer = Vec::new();
        let ended = stream.read_to_end(&mut answer);
        Self {
            sent: sending.join().unwrap(),
            ended,
            answer: String::from_utf8_lossy(&answer).into_owned(),
        }
    }

    /// The answer's status code.
    fn status(&self) -> Option<u16> {
        self.answer.split(' ').nth(1)?.parse().ok()
    }
}

#[tokio::test]
async fn a_query_string_far_past_every_limit_is_answered_not_reset() {
    let app = spawn_app(&[]);
    let port = app.process.port;
    let q = "a".repeat(1 << 20);
    let request = format!("GET /api/v1/lookup?q={q} HTTP/1.1\r\nHost: x\r\n\r\n");

    let seen = tokio::task::spawn_blocking(move || Exchange::run(port, request))
        .await
        .unwrap();

    // Past actix's 128 KiB request head, actix answers 431 before our 414 can.
    assert!(seen.sent.is_ok(), "{:?}", seen.sent);
    assert!(
        seen.ended.is_ok(),
        "{:?} after {:?}",
        seen.ended,
        seen.answer
    );
    assert!(
        matches!(seen.status(), Some(414 | 431)),
        "{:?}",
        seen.answer
    );
    assert_eq!(app.get("/healthz").await.status, 200);
}

#[tokio::test]
async fn a_header_far_past_every_limit_gets_431_not_a_reset() {
    let app = spawn_app(&[]);
    let port = app.process.port;
    let padding = "a".repeat(1 << 20);
    let request = format!("GET / HTTP/1.1\r\nHost: x\r\nX-Padding: {padding}\r\n\r\n");

    let seen = tokio::task::spawn_blocking(move || Exchange::run(port, request))
        .await
        .unwrap();

    assert!(seen.sent.is_ok(), "{:?}", seen.sent);
    assert!(
        seen.ended.is_ok(),
        "{:?} after {:?}",
        seen.ended,
        seen.answer
    );
    assert_eq!(seen.status(), Some(431), "{:?}", seen.answer);
    assert_eq!(app.get("/healthz").await.status, 200);
}

#[tokio::test]
async fn unknown_paths_are_a_404_that_takes_nothing_from_the_lookup_budget() {
    let app = spawn_app(&[
        ("GETIMAGES_RATE_LIMIT", "1"),
        ("GETIMAGES_RATE_LIMIT_BURST", "3"),
    ]);

    for _ in 0..30 {
        let probe = app.get("/wp-admin/x/y").await;
        assert_eq!(probe.status, 404, "{}", probe.text);
        assert!(
            probe.text.contains("There is nothing at this address"),
            "{}",
            probe.text
        );
    }

    // The whole burst is left: three lookups are answered (a bare name is bad input
    // here), and only the fourth is limited.
    for _ in 0..3 {
        assert_eq!(app.api_lookup("jack", None).await.status, 400);
    }
    assert_failure(&app.api_lookup("jack", None).await, 429, "ERATELIMIT");
}

#[tokio::test]
async fn a_client_that_sends_headers_too_slowly_is_cut_off() {
    let app = spawn_app(&[("GETIMAGES_CLIENT_REQUEST_TIMEOUT", "1s")]);
    let port = app.process.port;

    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
        let started = Instant::now();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        (
            started.elapsed(),
            String::from_utf8_lossy(&answer).into_owned(),
        )
    })
    .await
    .unwrap();

    let (took, text) = answer;
    assert!(took < Duration::from_secs(5), "held for {took:?}");
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
    assert_eq!(app.get("/healthz").await.status, 200);
}
