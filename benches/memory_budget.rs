//! Peak memory under the image loads that used to get the server OOM-killed on a 256 MB
//! Machine, with the memory budget in force: one 40-megapixel 16-bit PNG, 32 concurrent
//! 4000×3000 JPEG misses, 100 abandoned misses of a 12 MB PNG, and 100 clients that never
//! read a 12 MB image.
//!
//! Each load runs against a fresh server process (so its peak is its own) with the budget a
//! 256 MB Machine gets by default (`GETIMAGES_MEMORY_BUDGET=142MiB` beside a 32 MiB memory
//! cache, or the variables as set when running the bench), and reports the answers' statuses and the process's peak
//! resident memory (`VmHWM` from `/proc/PID/status`) after the load. Images come from a
//! loopback upstream in this process.
//!
//! `cargo bench --bench memory_budget` measures the release build (`GETIMAGES_BIN` another
//! one); under `cargo test --all-targets` each load runs at a tenth of its size as a smoke
//! check. Figures are reported, never asserted: the cgroup test (`tests/memory_budget.rs`)
//! asserts survival.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, ExitCode};
use std::time::{Duration, Instant};

use wiremock::matchers::path_regex;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[allow(dead_code)]
#[path = "../tests/support/images.rs"]
mod images;
mod support;

use support::{free_port, server_binary, spawn_quiet};

/// The budget a 256 MB Machine gets by default (see `budget::Split`).
const DEFAULT_BUDGET: &str = "142MiB";

/// The memory cache a 256 MB Machine gets by default (an eighth of its memory).
const DEFAULT_MEMORY_CACHE: &str = "32MiB";

/// How long a server may take to listen.
const START_LIMIT: Duration = Duration::from_secs(10);

fn main() -> ExitCode {
    let measuring = std::env::args().any(|a| a == "--bench");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    match runtime.block_on(run(if measuring { 1 } else { 10 })) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("memory_budget: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs every load, each `1/scale` of its full size.
async fn run(scale: usize) -> Result<(), String> {
    let bin = server_binary()?;
    let budget = std::env::var("GETIMAGES_MEMORY_BUDGET").unwrap_or(DEFAULT_BUDGET.into());
    let cache =
        std::env::var("GETIMAGES_MEMORY_CACHE_BYTES").unwrap_or(DEFAULT_MEMORY_CACHE.into());
    let upstream = upstream().await;
    let base = upstream.uri();
    println!(
        "memory_budget: {} with GETIMAGES_MEMORY_BUDGET={budget} GETIMAGES_MEMORY_CACHE_BYTES={cache}{}",
        bin.display(),
        if scale > 1 {
            " (smoke check: loads at a tenth of their size)"
        } else {
            ""
        }
    );
    println!(
        "{:<44} {:>12} {:>10}  answers",
        "load", "VmHWM (MiB)", "time (s)"
    );

    let load = Load::start(&bin, &budget, &cache)?;
    let answers = get_all(load.port, vec![image_path(&base, "huge/1.png", "w=100")]).await;
    load.report("one 40 MP 16-bit RGBA PNG, w=100", &answers)?;

    let load = Load::start(&bin, &budget, &cache)?;
    let paths = (0..32 / scale)
        .map(|n| image_path(&base, &format!("photo/{n}.jpg"), "w=400&h=400&format=webp"))
        .collect();
    let answers = get_all(load.port, paths).await;
    load.report(
        &format!("{} concurrent 4000×3000 JPEG misses", 32 / scale),
        &answers,
    )?;

    let load = Load::start(&bin, &budget, &cache)?;
    for n in 0..100 / scale {
        let path = image_path(&base, &format!("big/{n}.png"), "w=100");
        let mut stream = TcpStream::connect(("127.0.0.1", load.port))
            .map_err(|e| format!("cannot connect: {e}"))?;
        write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .map_err(|e| format!("cannot send: {e}"))?;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    load.report(
        &format!("{} abandoned 12 MB PNG misses", 100 / scale),
        &BTreeMap::new(),
    )?;

    let load = Load::start(&bin, &budget, &cache)?;
    let original = image_path(&base, "big/original.png", "");
    let mut readers = Vec::new();
    let mut statuses = BTreeMap::new();
    for _ in 0..100 / scale {
        let (stream, status) = never_read(load.port, &original)?;
        *statuses.entry(status).or_insert(0) += 1;
        readers.push(stream);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    load.report(
        &format!("{} slow readers of a 12 MB image", 100 / scale),
        &statuses,
    )?;
    drop(readers);
    Ok(())
}

/// A server process for one load.
struct Load {
    child: Child,
    port: u16,
    started: Instant,
}

impl Load {
    fn start(bin: &std::path::Path, budget: &str, cache: &str) -> Result<Self, String> {
        let port = free_port()?;
        let mut command = Command::new(bin);
        command.env_clear();
        // The allocator's tuning, when given, reaches the server (to compare settings).
        if let Ok(arenas) = std::env::var("MALLOC_ARENA_MAX") {
            command.env("MALLOC_ARENA_MAX", arenas);
        }
        let child = spawn_quiet(
            command
                .env("GETIMAGES_HOST", "127.0.0.1")
                .env("PORT", port.to_string())
                .env("GETIMAGES_CACHE_DIR", "")
                .env("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1")
                .env("GETIMAGES_IMAGE_RATE_LIMIT", "0")
                .env("GETIMAGES_IDLE_TIMEOUT", "0")
                .env("GETIMAGES_MEMORY_BUDGET", budget)
                .env("GETIMAGES_MEMORY_CACHE_BYTES", cache),
        )?;
        let deadline = Instant::now() + START_LIMIT;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return Err("the server did not listen in time".into());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(Self {
            child,
            port,
            started: Instant::now(),
        })
    }

    /// Prints the load's row: the peak memory so far, the time taken, the answers.
    fn report(mut self, what: &str, answers: &BTreeMap<u16, usize>) -> Result<(), String> {
        let elapsed = self.started.elapsed().as_secs_f64();
        let hwm = peak_kib(self.child.id())?;
        let alive = matches!(self.child.try_wait(), Ok(None));
        let answers = if answers.is_empty() {
            "(clients gone)".to_owned()
        } else {
            answers
                .iter()
                .map(|(status, n)| format!("{n}×{status}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        println!(
            "{what:<44} {:>12.1} {elapsed:>10.1}  {answers}{}",
            hwm as f64 / 1024.0,
            if alive { "" } else { " (server died)" }
        );
        let _ = self.child.kill();
        let _ = self.child.wait();
        Ok(())
    }
}

/// `/image?url=<base>/<name>&<extra>`.
fn image_path(base: &str, name: &str, extra: &str) -> String {
    let url: String =
        url::form_urlencoded::byte_serialize(format!("{base}/{name}").as_bytes()).collect();
    if extra.is_empty() {
        format!("/image?url={url}")
    } else {
        format!("/image?url={url}&{extra}")
    }
}

/// Serves `/huge/*.png` (40 MP 16-bit RGBA, small on the wire), `/photo/*.jpg` (a
/// 4000×3000 photo-like JPEG) and `/big/*.png` (12 MB of noise).
async fn upstream() -> MockServer {
    let server = MockServer::start().await;
    let photo = images::photo_jpeg();
    for (route, body) in [
        ("^/huge/", images::huge_png()),
        ("^/photo/", photo),
        ("^/big/", images::noise_png()),
    ] {
        let content_type = if route == "^/photo/" {
            "image/jpeg"
        } else {
            "image/png"
        };
        Mock::given(path_regex(route))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body, content_type))
            .mount(&server)
            .await;
    }
    server
}

/// Asks for every path at once; how many answers had each status.
async fn get_all(port: u16, paths: Vec<String>) -> BTreeMap<u16, usize> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .expect("a client");
    let asks = paths.into_iter().map(|path| {
        let client = client.clone();
        async move {
            match client
                .get(format!("http://127.0.0.1:{port}{path}"))
                .send()
                .await
            {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let _ = response.bytes().await;
                    status
                }
                Err(_) => 0,
            }
        }
    });
    let mut counts = BTreeMap::new();
    for status in futures_util::future::join_all(asks).await {
        *counts.entry(status).or_insert(0) += 1;
    }
    counts
}

/// Sends a request, reads the status line and nothing more.
fn never_read(port: u16, path: &str) -> Result<(TcpStream, u16), String> {
    let mut stream =
        TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("cannot connect: {e}"))?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .map_err(|e| format!("cannot send: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(|e| e.to_string())?;
    let mut head = [0u8; 12];
    stream
        .read_exact(&mut head)
        .map_err(|e| format!("no answer: {e}"))?;
    let status = std::str::from_utf8(&head[9..12])
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok((stream, status))
}

/// `VmHWM` of a process, in KiB.
fn peak_kib(pid: u32) -> Result<u64, String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("cannot read /proc/{pid}/status: {e}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| format!("no VmHWM in /proc/{pid}/status"))
}
