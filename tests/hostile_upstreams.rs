//! Hostile upstreams: pages that never answer, trickle, reset, never end, loop, explode
//! when inflated, nest 20 MB deep, or carry broken bytes. Each lookup ends with a clear
//! error within the deadline (plus a margin), the server keeps serving everyone else while
//! one hangs, and its memory stays bounded.
//!
//! No outcome here depends on how busy the machine is: a lookup that must time out gets a
//! short deadline, one that must fail for another reason (too large, unreadable) gets a
//! deadline it cannot reach by accident, and "still serving" means answering before a
//! hanging lookup's deadline, not within some fixed time.

mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use flate2::Compression;
use flate2::write::GzEncoder;
use support::*;

/// `GETIMAGES_LOOKUP_TIMEOUT` where a lookup is meant to time out.
const SHORT_DEADLINE: Duration = Duration::from_secs(2);

/// `GETIMAGES_LOOKUP_TIMEOUT` where a lookup must end for another reason first (a body
/// past the cap, a page refused up front): reading 5 MiB, even a dozen at once in a debug
/// build on a busy machine, takes a small part of it.
const LONG_DEADLINE: Duration = Duration::from_secs(20);

/// How much later than the deadline an answer may come (scheduling, a loaded machine). A
/// lookup without a deadline would hang for [`CONNECTION_LIFETIME`], well past it.
const MARGIN: Duration = Duration::from_secs(8);

/// `GETIMAGES_MAX_PAGE_BYTES` of the app under test (the default).
const MAX_PAGE_BYTES: usize = 5 * 1024 * 1024;

/// The most resident memory the server may use after the worst of it.
const MAX_RSS_KIB: u64 = 200 * 1024;

/// How long any hostile connection may live, so every thread here ends.
const CONNECTION_LIFETIME: Duration = Duration::from_secs(40);

/// The og:image of the well-behaved pages.
const AVATAR: &str = "https://cdn.example/avatar.png";

/// The app under test and its lookup deadline.
struct HostileApp {
    app: App,
    deadline: Duration,
}

/// The app, told to read pages on loopback, with lookup `deadline` and no rate limit.
fn spawn_hostile_app(deadline: Duration, extra: &[(&str, &str)]) -> HostileApp {
    let max_page = MAX_PAGE_BYTES.to_string();
    let deadline_ms = format!("{}ms", deadline.as_millis());
    let mut envs = vec![
        ("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1"),
        ("GETIMAGES_LOOKUP_TIMEOUT", deadline_ms.as_str()),
        ("GETIMAGES_CONNECT_TIMEOUT", "1s"),
        ("GETIMAGES_MAX_PAGE_BYTES", max_page.as_str()),
        ("GETIMAGES_RATE_LIMIT", "0"),
    ];
    envs.extend_from_slice(extra);
    HostileApp {
        app: spawn_app(&envs),
        deadline,
    }
}

/// A lookup reply and how long it took.
struct Timed {
    reply: Reply,
    took: Duration,
}

/// The test's client: a hang fails the test instead of blocking it.
fn client(app: &HostileApp) -> Client {
    Client::new(&app.app, app.deadline + MARGIN + Duration::from_secs(6))
}

/// `/api/v1/lookup` of the page at `url`, timed.
async fn lookup(client: &Client, url: &str) -> Timed {
    let q = url_encoded(url);
    let started = Instant::now();
    let reply = client.get(&format!("/api/v1/lookup?q={q}")).await;
    Timed {
        reply,
        took: started.elapsed(),
    }
}

/// The server's resident memory, in KiB.
fn rss_kib(app: &HostileApp) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", app.app.process.pid()))
        .expect("/proc/<pid>/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS line")
}

fn assert_memory_bounded(app: &HostileApp, after: &str) {
    let rss = rss_kib(app);
    assert!(
        rss < MAX_RSS_KIB,
        "{rss} KiB resident after {after} (limit {MAX_RSS_KIB} KiB)"
    );
}

/// A well-behaved page on loopback, so we can see the server still does its job.
async fn normal_page() -> wiremock::MockServer {
    upstream_serving(
        "/me",
        "text/html",
        &format!("<title>Me</title><meta property=\"og:image\" content=\"{AVATAR}\">"),
    )
    .await
}

/// The server still answers health checks and finds a normal page's image (a fresh URL
/// each time, so the page is really fetched), in less than half the app's deadline: it did
/// not wait behind a hostile lookup.
async fn assert_still_serving(app: &HostileApp, normal: &str, n: usize, after: &str) {
    let client = client(app);
    let health = client.get("/healthz").await;
    assert_eq!(health.status, 200, "/healthz after {after}");
    let found = lookup(&client, &format!("{normal}/me?n={n}")).await;
    let data = success(&found.reply);
    assert_eq!(image_url(&data, "avatar"), Some(AVATAR), "after {after}");
    assert!(
        found.took < app.deadline / 2,
        "a normal lookup took {:?} after {after}",
        found.took
    );
}

// ---------------------------------------------------------------------------------------
// The hostile server.

/// A loopback HTTP server that misbehaves as each request's path says (see [`misbehave`]).
/// One thread per connection, each living at most [`CONNECTION_LIFETIME`].
struct Hostile {
    origin: String,
    /// The path (and query) of every request read so far, in order.
    received: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl Hostile {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("non-blocking");
        let origin = format!("http://{}", listener.local_addr().expect("address"));
        let stop = Arc::new(AtomicBool::new(false));
        let received = Arc::new(Mutex::new(Vec::new()));
        let (stopped, log) = (Arc::clone(&stop), Arc::clone(&received));
        let acceptor = thread::spawn(move || {
            while !stopped.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let log = Arc::clone(&log);
                        thread::spawn(move || serve_connection(stream, &log));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Self {
            origin,
            received,
            stop,
            acceptor: Some(acceptor),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// Waits until a request for each of `paths` (with their queries) has been read; fails
    /// the test if one has not after [`MARGIN`].
    async fn wait_for_requests(&self, paths: &[&str]) {
        let deadline = Instant::now() + MARGIN;
        loop {
            let received = self.received.lock().unwrap().clone();
            if paths.iter().all(|p| received.iter().any(|r| r == p)) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "never asked for all of {paths:?}; asked for {received:?}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn serve_connection(mut stream: TcpStream, received: &Mutex<Vec<String>>) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(CONNECTION_LIFETIME));
    let _ = stream.set_write_timeout(Some(CONNECTION_LIFETIME));
    let Some(path) = read_request_path(&mut stream) else {
        return;
    };
    received.lock().unwrap().push(path.clone());
    let route = path.split('?').next().unwrap_or("").to_owned();
    // A write failing means the app hung up: that ends the misbehaviour.
    let _ = misbehave(&route, stream);
}

/// Reads a request's head and returns its path.
fn read_request_path(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 64 * 1024 || stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    let line = String::from_utf8_lossy(&head);
    line.split_whitespace().nth(1).map(str::to_owned)
}

fn write_head(
    stream: &mut TcpStream,
    status: &str,
    headers: &[(&str, &str)],
    content_length: Option<usize>,
) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(len) = content_length {
        head.push_str(&format!("Content-Length: {len}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.flush()
}

const HTML: (&str, &str) = ("Content-Type", "text/html; charset=utf-8");

/// Misbehaves as `route` says, on a connection whose request has been read.
fn misbehave(route: &str, mut stream: TcpStream) -> std::io::Result<()> {
    let started = Instant::now();
    let alive = || started.elapsed() < CONNECTION_LIFETIME;
    match route {
        // Accepts, reads the request, never answers; waits for the app to hang up.
        "/slow-headers" => {
            let mut sink = [0u8; 1024];
            while alive() && stream.read(&mut sink)? > 0 {}
        }
        // Promises a page, then sends a byte every 500 ms.
        "/slowloris" => {
            write_head(&mut stream, "200 OK", &[HTML], Some(10_000))?;
            while alive() {
                stream.write_all(b"<")?;
                thread::sleep(Duration::from_millis(500));
            }
        }
        // Half a page, then a TCP reset.
        "/reset" => {
            write_head(&mut stream, "200 OK", &[HTML], Some(100_000))?;
            stream.write_all(&[b' '; 4096])?;
            thread::sleep(Duration::from_millis(100));
            reset(stream);
        }
        // Half a page, then a clean close.
        "/truncated" => {
            write_head(&mut stream, "200 OK", &[HTML], Some(100_000))?;
            stream.write_all(&[b' '; 4096])?;
        }
        // A page that never ends: no length, 64 KiB after 64 KiB until the app hangs up.
        "/endless" => {
            write_head(&mut stream, "200 OK", &[HTML], None)?;
            let block = [b'a'; 64 * 1024];
            while alive() {
                stream.write_all(&block)?;
            }
        }
        // The same in chunks.
        "/endless-chunked" => {
            write_head(
                &mut stream,
                "200 OK",
                &[HTML, ("Transfer-Encoding", "chunked")],
                None,
            )?;
            let mut chunk = b"10000\r\n".to_vec();
            chunk.extend_from_slice(&[b'a'; 0x10000]);
            chunk.extend_from_slice(b"\r\n");
            while alive() {
                stream.write_all(&chunk)?;
            }
        }
        "/error-500" => {
            let body = b"<h1>Internal Server Error</h1>";
            write_head(
                &mut stream,
                "500 Internal Server Error",
                &[HTML],
                Some(body.len()),
            )?;
            stream.write_all(body)?;
        }
        "/loop-a" | "/loop-b" => {
            let next = if route == "/loop-a" {
                "/loop-b"
            } else {
                "/loop-a"
            };
            write_head(&mut stream, "302 Found", &[("Location", next)], Some(0))?;
        }
        // 64 KiB of gzip that inflates to 64 MiB.
        "/gzip-bomb" => {
            let bomb = gzip_bomb();
            write_head(
                &mut stream,
                "200 OK",
                &[HTML, ("Content-Encoding", "gzip")],
                Some(bomb.len()),
            )?;
            stream.write_all(bomb)?;
        }
        // 20 MiB of nested tags, with its length, or streamed without one.
        "/nested" | "/nested-streamed" => {
            let page = nested_tags();
            let length = (route == "/nested").then_some(page.len());
            write_head(&mut stream, "200 OK", &[HTML], length)?;
            stream.write_all(page)?;
        }
        // 200 KB of nested tags with an og:image: well under the size cap.
        "/nested-under-cap" => {
            let mut page = format!(
                "<!doctype html><html><head><title>Deep</title>\
                 <meta property=\"og:image\" content=\"{AVATAR}\"></head><body>"
            )
            .into_bytes();
            page.extend_from_slice(&b"<div>".repeat(40_000));
            write_head(&mut stream, "200 OK", &[HTML], Some(page.len()))?;
            stream.write_all(&page)?;
        }
        "/invalid-utf8" => {
            let page = invalid_utf8_page();
            write_head(&mut stream, "200 OK", &[HTML], Some(page.len()))?;
            stream.write_all(&page)?;
        }
        "/deep-json-ld" | "/deep-json-ld-only" => {
            let page = deep_json_ld_page(route == "/deep-json-ld");
            write_head(&mut stream, "200 OK", &[HTML], Some(page.len()))?;
            stream.write_all(page.as_bytes())?;
        }
        // Reads the request and hangs up without a word.
        "/empty-reply" => {}
        // Not HTTP at all.
        "/garbage" => stream.write_all(b"SSH-2.0-OpenSSH_9.6\r\n\x00\xff\xfe garbage\r\n\r\n")?,
        _ => {
            write_head(&mut stream, "404 Not Found", &[], Some(0))?;
        }
    }
    Ok(())
}

/// Closes `stream` with a TCP reset instead of a clean close.
fn reset(stream: TcpStream) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: the fd is open (owned by `stream`, closed only when it drops below), and the
    // option value points at a live `linger` of the size passed.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&raw const linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
    drop(stream);
}

/// A small gzip body inflating to 64 MiB, well past `GETIMAGES_MAX_PAGE_BYTES`.
fn gzip_bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..64 {
            encoder.write_all(&zeros).expect("gzip");
        }
        let bomb = encoder.finish().expect("gzip");
        assert!(bomb.len() < 128 * 1024, "bomb is {} bytes", bomb.len());
        bomb
    })
}

/// 20 MiB of `<div>`s, each inside the last.
fn nested_tags() -> &'static [u8] {
    static PAGE: OnceLock<Vec<u8>> = OnceLock::new();
    PAGE.get_or_init(|| {
        let mut page = b"<!doctype html><html><head><title>Deep</title></head><body>".to_vec();
        page.extend_from_slice(&b"<div>".repeat(20 * 1024 * 1024 / 5));
        page
    })
}

/// A page whose og:image is fine, with invalid UTF-8 around it.
fn invalid_utf8_page() -> Vec<u8> {
    let mut page = b"<!doctype html><html><head><title>Caf\xe9 \xff\xfe</title>".to_vec();
    page.extend_from_slice(
        b"<meta name=\"description\" content=\"\xc3\x28 \xa0\xa1 \xf0\x28\x8c\xbc\">",
    );
    page.extend_from_slice(format!("<meta property=\"og:image\" content=\"{AVATAR}\">").as_bytes());
    page.extend_from_slice(b"</head><body>\xed\xa0\x80 \xf8\x88\x80\x80\x80</body></html>");
    page
}

/// A page with a JSON-LD block nested a million levels deep (2 MB), with or without an
/// og:image beside it.
fn deep_json_ld_page(with_og_image: bool) -> String {
    let depth = 1_000_000;
    let og = if with_og_image {
        format!("<meta property=\"og:image\" content=\"{AVATAR}\">")
    } else {
        String::new()
    };
    format!(
        "<!doctype html><html><head><title>Deep</title>{og}\
         <script type=\"application/ld+json\">{}{{\"@type\":\"Person\",\"image\":\"{AVATAR}\"}}{}</script>\
         </head><body></body></html>",
        "[".repeat(depth),
        "]".repeat(depth)
    )
}

// ---------------------------------------------------------------------------------------
// The tests.

/// What a hostile route must come to.
enum Outcome {
    /// A failure with this status and code.
    Fails(u16, &'static str),
    /// The page's og:image, found despite the rest.
    Finds(&'static str),
}

#[tokio::test]
async fn each_hostile_upstream_fails_clearly_within_the_deadline_and_the_server_carries_on() {
    use Outcome::*;
    let hostile = Hostile::start();
    let normal = normal_page().await;
    // Upstreams that stall are met with a short deadline; the rest must fail on their own,
    // long before theirs.
    let stalling = spawn_hostile_app(SHORT_DEADLINE, &[]);
    let reading = spawn_hostile_app(LONG_DEADLINE, &[]);
    let rows = [
        ("/slow-headers", Fails(504, "ETIMEOUT")),
        ("/slowloris", Fails(504, "ETIMEOUT")),
        ("/reset", Fails(502, "EUPSTREAM")),
        ("/truncated", Fails(502, "EUPSTREAM")),
        ("/endless", Fails(502, "EUPSTREAM")),
        ("/endless-chunked", Fails(502, "EUPSTREAM")),
        ("/error-500", Fails(502, "EUPSTREAM")),
        ("/loop-a", Fails(502, "EUPSTREAM")),
        ("/gzip-bomb", Fails(502, "EUPSTREAM")),
        ("/nested", Fails(502, "EUPSTREAM")),
        ("/nested-streamed", Fails(502, "EUPSTREAM")),
        ("/empty-reply", Fails(502, "EUPSTREAM")),
        ("/garbage", Fails(502, "EUPSTREAM")),
        ("/invalid-utf8", Finds(AVATAR)),
        ("/deep-json-ld", Finds(AVATAR)),
        ("/deep-json-ld-only", Fails(404, "ENOTFOUND")),
    ];

    for (n, (route, outcome)) in rows.iter().enumerate() {
        let app = match outcome {
            Fails(504, _) => &stalling,
            _ => &reading,
        };
        let Timed { reply, took } = lookup(&client(app), &hostile.url(route)).await;

        match outcome {
            Fails(status, code) => {
                let json = reply.json();
                assert_eq!(
                    (reply.status, json["code"].as_str()),
                    (*status, Some(*code)),
                    "{route}: {json}"
                );
                assert!(
                    json["message"].as_str().is_some_and(|m| m.len() > 10),
                    "{route}: {json}"
                );
            }
            Finds(image) => {
                let data = success(&reply);
                assert_eq!(image_url(&data, "avatar"), Some(*image), "{route}");
            }
        }
        assert!(
            took < app.deadline + MARGIN,
            "{route} took {took:?} (deadline {:?})",
            app.deadline
        );
        assert_still_serving(app, &normal.uri(), n, route).await;
        assert_memory_bounded(app, route);
    }
}

#[tokio::test]
async fn a_hanging_upstream_does_not_hold_up_anyone_else() {
    let hostile = Hostile::start();
    let normal = normal_page().await;
    // One worker: the others are served by the same thread the hanging lookups wait on.
    // The deadline is long enough that the others are surely served before it.
    let app = spawn_hostile_app(Duration::from_secs(10), &[("GETIMAGES_WORKERS", "1")]);
    let client = client(&app);

    let routes = ["/slow-headers", "/slowloris", "/slow-headers?again"];
    let hanging: Vec<_> = routes
        .into_iter()
        .map(|route| {
            let (client, url) = (client.clone(), hostile.url(route));
            tokio::spawn(async move { lookup(&client, &url).await })
        })
        .collect();
    hostile.wait_for_requests(&routes).await;

    for n in 0..5 {
        assert_still_serving(&app, &normal.uri(), n, "three hanging lookups").await;
    }
    assert!(
        hanging.iter().all(|h| !h.is_finished()),
        "the hanging lookups ended before the others were served"
    );
    for handle in hanging {
        let Timed { reply, took } = handle.await.expect("hanging lookup");
        assert_failure(&reply, 504, "ETIMEOUT");
        assert!(took < app.deadline + MARGIN, "took {took:?}");
    }
}

#[tokio::test]
async fn memory_stays_bounded_under_bombs_and_endless_bodies_at_once() {
    let hostile = Hostile::start();
    let normal = normal_page().await;
    // Each lookup must end at the size cap, not at the deadline, however slow inflating a
    // dozen bombs at once is on this machine.
    let app = spawn_hostile_app(LONG_DEADLINE, &[]);
    let client = client(&app);
    let before = rss_kib(&app);

    // Distinct URLs, so each is its own fetch rather than one shared in flight.
    let lookups = (0..12).map(|n| {
        let route = ["/gzip-bomb", "/endless", "/endless-chunked"][n % 3];
        let url = hostile.url(&format!("{route}?n={n}"));
        let client = client.clone();
        async move { (url.clone(), lookup(&client, &url).await) }
    });
    let replies = futures_util::future::join_all(lookups).await;

    for (url, Timed { reply, took }) in &replies {
        let json = reply.json();
        assert_eq!(
            (reply.status, json["code"].as_str()),
            (502, Some("EUPSTREAM")),
            "{url} after {took:?}: {json}"
        );
        assert!(
            json["message"]
                .as_str()
                .is_some_and(|m| m.contains("larger than")),
            "{url}: {json}"
        );
    }
    assert_memory_bounded(&app, "12 bombs and endless bodies at once");
    assert_still_serving(&app, &normal.uri(), 0, "bombs").await;
    eprintln!(
        "VmRSS {before} KiB before, {} KiB after 12 bombs and endless bodies",
        rss_kib(&app)
    );
}

/// Parsing cost grows with nesting depth times size, so a small page of endlessly nested
/// tags must be refused up front, and parsing never runs on a request worker.
#[tokio::test]
async fn nested_tags_under_the_size_cap_neither_outlast_the_deadline_nor_hold_up_others() {
    let hostile = Hostile::start();
    let normal = normal_page().await;
    let app = spawn_hostile_app(LONG_DEADLINE, &[("GETIMAGES_WORKERS", "1")]);
    let client = client(&app);

    let deep = {
        let (client, url) = (client.clone(), hostile.url("/nested-under-cap"));
        tokio::spawn(async move { lookup(&client, &url).await })
    };
    hostile.wait_for_requests(&["/nested-under-cap"]).await;

    assert_still_serving(&app, &normal.uri(), 0, "a deeply nested page").await;
    let Timed { reply, took } = deep.await.expect("nested lookup");
    assert!(took < app.deadline, "took {took:?}: {}", reply.text);
    assert_eq!(reply.status, 502, "{}", reply.text);
    assert!(reply.text.contains("EUPSTREAM"), "{}", reply.text);
    assert!(reply.text.contains("nests its elements"), "{}", reply.text);
}

#[tokio::test]
async fn a_page_whose_parse_would_outgrow_the_budget_is_refused_unparsed() {
    // 5 MiB of `<i>x</i>`: 655,000 elements, about 178 MiB of tree once parsed (measured).
    // Without an image in its metadata, the generic reader needs the tree for the page's
    // icons; with one, the metadata read in one pass is enough, and no tree is parsed.
    let dense = "<i>x</i>".repeat((5 * 1024 * 1024 - 1024) / 8);
    let page = format!("<title>Dense</title>{dense}");
    let upstream = upstream_serving("/dense", "text/html", &page).await;
    let with_og_image =
        format!("<title>Dense</title><meta property=\"og:image\" content=\"{AVATAR}\">{dense}");
    let stated = upstream_serving("/dense", "text/html", &with_og_image).await;
    let normal = normal_page().await;
    // The budget a 256 MiB Machine gets by default.
    let app = HostileApp {
        app: spawn_app(&[
            ("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1"),
            ("GETIMAGES_MEMORY_BUDGET", "153MiB"),
            ("GETIMAGES_RATE_LIMIT", "0"),
        ]),
        deadline: Duration::from_secs(8),
    };
    let client = client(&app);

    let refused = lookup(&client, &format!("{}/dense", upstream.uri())).await;

    assert_failure(&refused.reply, 502, "EUPSTREAM");
    assert_says(&refused.reply, "would take about");
    assert_says(
        &refused.reply,
        "more than this server's memory budget allows",
    );
    assert_memory_bounded(&app, "a page of 655,000 elements");
    let found = lookup(&client, &format!("{}/me", normal.uri())).await;
    assert_eq!(image_url(&success(&found.reply), "avatar"), Some(AVATAR));
    let read = lookup(&client, &format!("{}/dense", stated.uri())).await;
    assert_eq!(image_url(&success(&read.reply), "avatar"), Some(AVATAR));
    assert_memory_bounded(&app, "the metadata of a page of 655,000 elements");
}
