//! Cache tiers: what one `/image` request costs when its variant comes from disk, from
//! Redis, or from the platform (fetched from a loopback fake, decoded, resized, encoded).
//!
//! Three servers run side by side, each with the memory tier off
//! (`GETIMAGES_MEMORY_CACHE_BYTES=0`) so that every HIT reaches the tier under test: one
//! with only a disk tier, one with only Redis (a `redis-server` this bench starts on a free
//! loopback port, without persistence), and one with no cache at all, whose every request
//! goes to the platform. The same variants (one per width) are asked of each, over one
//! kept-alive connection, after a warm-up that fills the disk and Redis.
//!
//! `cargo bench --bench cache_tiers` builds the server with the release settings and times
//! [`REQUESTS`] requests per tier. `GETIMAGES_BIN=/path/to/getimages` measures another
//! build. Under `cargo test --all-targets` it does a few requests as a smoke check.
//! Needs `redis-server` (installed by `scripts/test.sh`; see `tests/redis_server/`). Timings are reported, never
//! asserted: they depend on the machine.

use std::net::{Ipv4Addr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

// The tests' redis-server helper; the bench uses part of it.
#[allow(dead_code)]
#[path = "../tests/support/redis_server.rs"]
mod redis_server;
mod support;

use redis_server::{RedisServer, wait_until};
use support::{Process, free_port, row, run_rounds, server_binary, spawn_quiet};

/// Requests timed per tier under `cargo bench`.
const REQUESTS: u32 = 200;
/// Give up on a server, or on Redis, that is not ready by then.
const READY_LIMIT: Duration = Duration::from_secs(10);

fn main() -> ExitCode {
    run_rounds("cache_tiers", REQUESTS, 3, run)
}

async fn run(requests: u32) -> Result<(), String> {
    let bin = server_binary()?;
    let platform = image_platform().await?;
    let redis = RedisServer::start();
    let redis_url = redis.url();
    let dir = std::env::temp_dir().join(format!("getimages-bench-{}", std::process::id()));
    let dir_str = dir.to_string_lossy().into_owned();
    let avatar: String =
        url::form_urlencoded::byte_serialize(format!("{}/avatar.png", platform.uri()).as_bytes())
            .collect();
    let paths: Vec<String> = (0..requests)
        .map(|i| format!("/image?url={avatar}&w={}&format=png", 32 + i))
        .collect();

    let tiers = [
        ("disk HIT", vec![("GETIMAGES_CACHE_DIR", dir_str.as_str())]),
        (
            "Redis HIT",
            vec![("GETIMAGES_REDIS_URL", redis_url.as_str())],
        ),
        ("platform (MISS)", vec![]),
    ];
    println!();
    println!("/image latency over loopback, {requests} requests per tier, memory tier off");
    println!();
    println!(
        "{:<28} {:>8} {:>8} {:>8} {:>8}",
        "", "min", "median", "p90", "max"
    );
    for (name, envs) in tiers {
        let (_server, base) = server(&bin, &envs)?;
        let client = reqwest::Client::new();
        let expected = if name.contains("HIT") {
            for path in &paths {
                get(&client, &base, path).await?;
            }
            if name.starts_with("Redis") {
                wait_until("every variant is in Redis", || {
                    redis.keys().len() >= paths.len()
                });
            }
            "HIT"
        } else {
            "MISS"
        };
        let mut millis = Vec::with_capacity(paths.len());
        for path in &paths {
            let started = Instant::now();
            let status = get(&client, &base, path).await?;
            millis.push(started.elapsed().as_secs_f64() * 1000.0);
            if status != expected {
                return Err(format!("{name}: {path} was a {status}, not a {expected}"));
            }
        }
        row(&format!("{name} (ms)"), millis.into_iter());
    }
    println!();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// A loopback image host serving the 256×256 avatar fixture.
async fn image_platform() -> Result<MockServer, String> {
    let avatar = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/images/avatar.png");
    let bytes = std::fs::read(&avatar).map_err(|e| format!("{}: {e}", avatar.display()))?;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/avatar.png"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(bytes, "image/png"))
        .mount(&server)
        .await;
    Ok(server)
}

/// The server with the memory tier off, no disk tier unless `envs` give one, and `envs`;
/// ready to serve, and its base URL.
fn server(bin: &Path, envs: &[(&str, &str)]) -> Result<(Process, String), String> {
    let port = free_port()?;
    let child = spawn_quiet(
        Command::new(bin)
            .env_clear()
            .env("PORT", port.to_string())
            .env("GETIMAGES_HOST", "127.0.0.1")
            .env("GETIMAGES_IDLE_TIMEOUT", "0")
            .env("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1")
            .env("GETIMAGES_MEMORY_CACHE_BYTES", "0")
            .env("GETIMAGES_CACHE_DIR", "")
            .env("RUST_LOG", "warn")
            .envs(envs.iter().copied()),
    )?;
    let process = Process(child);
    let started = Instant::now();
    while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
        if started.elapsed() > READY_LIMIT {
            return Err(format!("{} did not listen on {port}", bin.display()));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok((process, format!("http://127.0.0.1:{port}")))
}

/// `GET path`, read in full; its `x-cache-status`.
async fn get(client: &reqwest::Client, base: &str, path: &str) -> Result<String, String> {
    let response = client
        .get(format!("{base}{path}"))
        .send()
        .await
        .map_err(|e| format!("GET {path}: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("GET {path}: {}", response.status()));
    }
    let status = response
        .headers()
        .get("x-cache-status")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    response
        .bytes()
        .await
        .map_err(|e| format!("GET {path}, body: {e}"))?;
    Ok(status)
}
