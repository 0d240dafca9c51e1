//! Request cost: the heap allocations (and the time) one request takes on the cheap routes
//! and on cache hits, beside actix-web alone answering `/` in the same process.
//!
//! A counting global allocator in this binary counts every `alloc`, `alloc_zeroed` and
//! `realloc` call, on every thread. The server runs in-process ([`Application`], built from
//! flags as the binary builds it, one worker, rate limits off, memory cache only), and the
//! client is a raw HTTP/1.1 keep-alive connection that allocates nothing while it measures,
//! so every allocation counted between two requests is the server's. The lookup's platform
//! (GitHub's API) and the image host are wiremock fakes on loopback, asked only while
//! warming up: each route is asked a few times first (a miss, then hits), then measured.
//!
//! It runs once per log level (`info`, the default, and `warn`), each in a child process of
//! its own since the log subscriber is global, with the buffered log writer the server runs
//! with and its lines discarded.
//!
//! `cargo bench --bench request_cost` measures [`REQUESTS`] requests per route. Under
//! `cargo test --all-targets` it does a few as a smoke check. Counts and times are reported,
//! never asserted.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};
use clap::Parser;
use getimages::configuration::Settings;
use getimages::startup::Application;
use getimages::telemetry::{self, LogFormat};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Counts every allocation call, then hands it to the system allocator.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is passed on unchanged to `System`, which upholds the contract.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's guarantees for `layout` are passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: `ptr` came from this allocator (so from `System`) with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as for `realloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Measured requests per route under `cargo bench`.
const REQUESTS: u32 = 20_000;
/// Measured requests per route as a smoke check under `cargo test`.
const SMOKE_REQUESTS: u32 = 20;
/// Requests per route before measuring: the first fills the cache, the rest are hits.
const WARM_UP: u32 = 50;
/// The child process measuring one log level reads it here.
const LEVEL_VAR: &str = "REQUEST_COST_LOG";
/// Most bytes of one response (the largest is the WebP, about 10 KB).
const RESPONSE_ROOM: usize = 1024 * 1024;

fn main() -> ExitCode {
    let measuring = std::env::args().any(|a| a == "--bench");
    let requests = if measuring { REQUESTS } else { SMOKE_REQUESTS };
    let result = match std::env::var(LEVEL_VAR) {
        Ok(level) => measure(&level, requests),
        Err(_) => ["info", "warn"]
            .iter()
            .try_for_each(|level| run_child(level, measuring)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            println!("request_cost: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Measures `level` in a child process (the log subscriber can be installed once), its
/// log lines discarded, and prints its table.
fn run_child(level: &str, measuring: bool) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find myself: {e}"))?;
    let mut child = Command::new(exe);
    child
        .env_clear()
        .env(LEVEL_VAR, level)
        .stdin(Stdio::null())
        .stderr(Stdio::null());
    if measuring {
        child.arg("--bench");
    }
    let out = child
        .output()
        .map_err(|e| format!("cannot start the {level} run: {e}"))?;
    print!("{}", String::from_utf8_lossy(&out.stdout));
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("the {level} run failed: {}", out.status))
    }
}

/// One route measured.
struct Case {
    what: &'static str,
    port: u16,
    path: String,
    /// The `x-cache-status` its warm-up must end on, if any.
    cached: bool,
}

fn measure(level: &str, requests: u32) -> Result<(), String> {
    let upstreams = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("no runtime: {e}"))?;
    let (github, images) = upstreams.block_on(async { (github_api().await, image_host().await) });
    let _logs = telemetry::init(level, LogFormat::Text, 8192)?;
    let settings = Settings::try_parse_from([
        "getimages",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--workers",
        "1",
        "--idle-timeout",
        "0",
        "--cache-dir",
        "",
        "--check-images",
        "false",
        "--rate-limit",
        "0",
        "--image-rate-limit",
        "0",
        "--allow-private-networks",
        "--upstream",
        &format!("github={}", github.uri()),
    ])
    .map_err(|e| format!("bad settings: {e}"))?;
    let ours = serve(move || {
        let app = Application::build(&settings).map_err(|e| e.to_string())?;
        let port = app.port();
        Ok((port, async move {
            let _ = app.run_until_stopped().await;
        }))
    })?;
    let bare = serve(|| {
        let server = HttpServer::new(|| {
            App::new().route(
                "/",
                web::get().to(|| async {
                    HttpResponse::Ok()
                        .content_type("text/html; charset=utf-8")
                        .body("<!doctype html><title>bare</title><p>bare actix-web</p>")
                }),
            )
        })
        .workers(1)
        .disable_signals()
        .bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| e.to_string())?;
        let port = server.addrs()[0].port();
        let server = server.run();
        Ok((port, async move {
            let _ = server.await;
        }))
    })?;
    let banner: String =
        url::form_urlencoded::byte_serialize(format!("{}/banner.jpg", images.uri()).as_bytes())
            .collect();
    let cases = [
        Case {
            what: "bare actix-web /",
            port: bare,
            path: "/".into(),
            cached: false,
        },
        Case {
            what: "/",
            port: ours,
            path: "/".into(),
            cached: false,
        },
        Case {
            what: "/healthz",
            port: ours,
            path: "/healthz".into(),
            cached: false,
        },
        Case {
            what: "lookup HIT (/api/v1/lookup)",
            port: ours,
            path: "/api/v1/lookup?q=torvalds&provider=github".into(),
            cached: true,
        },
        Case {
            what: "400² WebP HIT (/image)",
            port: ours,
            path: format!("/image?url={banner}&w=400&h=400&format=webp"),
            cached: true,
        },
    ];
    println!();
    println!(
        "request_cost, RUST_LOG={level}: {requests} requests per route over one kept-alive \
         connection, one server worker; allocations are alloc + alloc_zeroed + realloc calls \
         on every thread"
    );
    println!("{:<32} {:>12} {:>10}", "route", "allocs/req", "µs/req");
    for case in &cases {
        let (allocations, time) = measure_case(case, requests)?;
        println!(
            "{:<32} {:>12.1} {:>10.1}",
            case.what,
            allocations as f64 / f64::from(requests),
            time.as_secs_f64() * 1e6 / f64::from(requests)
        );
    }
    drop(upstreams);
    Ok(())
}

/// Warms `case` up, then makes `requests` requests: the allocations they took, and how long.
fn measure_case(case: &Case, requests: u32) -> Result<(u64, Duration), String> {
    let mut client = Client::connect(case.port, &case.path)?;
    let mut last = String::new();
    for _ in 0..WARM_UP {
        last = client.get()?.to_owned();
    }
    if case.cached && !last.contains("x-cache-status: HIT") {
        return Err(format!(
            "{} is no cache hit after warming up:\n{last}",
            case.path
        ));
    }
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let started = Instant::now();
    for _ in 0..requests {
        client.get()?;
    }
    let time = started.elapsed();
    Ok((ALLOCATIONS.load(Ordering::Relaxed) - before, time))
}

/// Runs a server that `start` makes on an actix system of its own thread; its port.
fn serve<F, Fut>(start: F) -> Result<u16, String>
where
    F: FnOnce() -> Result<(u16, Fut), String> + Send + 'static,
    Fut: Future<Output = ()> + 'static,
{
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            match start() {
                Ok((port, server)) => {
                    let _ = tx.send(Ok(port));
                    server.await;
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                }
            }
        });
    });
    rx.recv().map_err(|_| "the server thread died".to_owned())?
}

/// A kept-alive connection asking one path again and again, allocating nothing per request.
struct Client {
    stream: TcpStream,
    request: Vec<u8>,
    buffer: Vec<u8>,
}

impl Client {
    fn connect(port: u16, path: &str) -> Result<Self, String> {
        let stream = TcpStream::connect(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
            .map_err(|e| format!("cannot connect to {port}: {e}"))?;
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .and_then(|()| stream.set_nodelay(true))
            .map_err(|e| format!("cannot set up the connection: {e}"))?;
        Ok(Self {
            stream,
            request: format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").into_bytes(),
            buffer: vec![0; RESPONSE_ROOM],
        })
    }

    /// Sends the request and reads the whole `200` response; its head.
    fn get(&mut self) -> Result<&str, String> {
        self.stream
            .write_all(&self.request)
            .map_err(|e| format!("cannot send: {e}"))?;
        let mut read = 0;
        let (head, length) = loop {
            let n = self
                .stream
                .read(&mut self.buffer[read..])
                .map_err(|e| format!("cannot read: {e}"))?;
            if n == 0 {
                return Err("the server closed the connection".into());
            }
            read += n;
            if let Some(end) = self.buffer[..read]
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
            {
                let head = std::str::from_utf8(&self.buffer[..end])
                    .map_err(|_| "a response head that is not text".to_owned())?;
                break (end + 4, content_length(head)?);
            }
        };
        let whole = head + length;
        if whole > self.buffer.len() {
            return Err(format!("a response of {whole} bytes, more than expected"));
        }
        while read < whole {
            let n = self
                .stream
                .read(&mut self.buffer[read..whole])
                .map_err(|e| format!("cannot read the body: {e}"))?;
            if n == 0 {
                return Err("the server closed the connection mid-body".into());
            }
            read += n;
        }
        let head = std::str::from_utf8(&self.buffer[..head - 4]).unwrap_or_default();
        if !head.starts_with("HTTP/1.1 200") {
            return Err(format!("expected a 200:\n{head}"));
        }
        Ok(head)
    }
}

/// The `content-length` of a response head (every route measured sends one).
fn content_length(head: &str) -> Result<usize, String> {
    head.split("\r\n")
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .ok_or_else(|| format!("no content-length in:\n{head}"))
}

fn fixture(name: &str) -> Vec<u8> {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// GitHub's users API, answering for torvalds.
async fn github_api() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/users/torvalds"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("github/torvalds.json"), "application/json"),
        )
        .mount(&server)
        .await;
    server
}

/// An image host serving the 1500×500 banner JPEG.
async fn image_host() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/banner.jpg"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(fixture("images/banner.jpg"), "image/jpeg"),
        )
        .mount(&server)
        .await;
    server
}
