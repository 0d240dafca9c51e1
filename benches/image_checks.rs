//! What checking found images adds to a lookup: the same Keybase lookup (a loopback fake
//! API and image host) with `GETIMAGES_CHECK_IMAGES` off and on, when the upgraded URL
//! exists (one ranged GET) and when it is missing (a 404, then a ranged GET of the URL the
//! platform served).
//!
//! Four servers run side by side (checks off/on × upgrade there/missing); each request asks
//! a new handle, so every one is a cache MISS that asks the platform, and the servers are
//! asked in turn, so load on the machine falls on all four alike. Timed on the client, over
//! a kept-alive loopback connection.
//!
//! `cargo bench --bench image_checks` builds the server with the release settings and
//! times [`REQUESTS`] lookups per server; `GETIMAGES_BIN=/path/to/getimages` measures
//! another build. Under `cargo test --all-targets` it makes a few lookups as a smoke check.
//! Timings are reported, never asserted: they depend on the machine.

use std::net::{Ipv4Addr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod support;

use support::{Process, free_port, row, run_rounds, server_binary, spawn_quiet};

/// Lookups timed per server under `cargo bench`.
const REQUESTS: u32 = 200;
/// Give up on a server that is not listening by then.
const READY_LIMIT: Duration = Duration::from_secs(10);

/// The picture Keybase serves, and the one its upgrade asks for.
const SERVED: &str = "/keybase_processed_uploads/u_200_200.png";
const UPGRADED: &str = "/keybase_processed_uploads/u_360_360.png";

/// One server under test and the lookup times measured on it.
struct Case {
    name: &'static str,
    checked: bool,
    base: String,
    millis: Vec<f64>,
    _process: Process,
}

fn main() -> ExitCode {
    run_rounds("image_checks", REQUESTS, 2, run)
}

async fn run(requests: u32) -> Result<(), String> {
    let bin = server_binary()?;
    let there = keybase(true).await?;
    let missing = keybase(false).await?;
    let cases = [
        ("off, upgrade there", &there, "0"),
        ("on, upgrade there", &there, "1"),
        ("off, upgrade missing", &missing, "0"),
        ("on, upgrade missing", &missing, "1"),
    ];
    let mut servers = Vec::new();
    for (name, platform, check) in cases {
        let (process, base) = server(&bin, &platform.uri(), check)?;
        servers.push(Case {
            name,
            checked: check == "1",
            base,
            millis: Vec::new(),
            _process: process,
        });
    }
    let client = reqwest::Client::new();
    for case in &servers {
        lookup(&client, &case.base, "warm").await?;
    }
    for i in 0..requests {
        for case in &mut servers {
            let started = Instant::now();
            let avatar = lookup(&client, &case.base, &format!("u{i}")).await?;
            case.millis.push(started.elapsed().as_secs_f64() * 1000.0);
            // A smoke check that the case measures what it says, not a timing.
            if case.checked && avatar["width"].is_null() {
                return Err(format!(
                    "{}: the avatar was not measured: {avatar}",
                    case.name
                ));
            }
        }
    }
    println!();
    println!("Keybase lookup (cache MISS) over loopback, {requests} lookups per row");
    println!();
    println!(
        "{:<28} {:>8} {:>8} {:>8} {:>8}",
        "image checks", "min", "median", "p90", "max"
    );
    for case in servers {
        row(&format!("{} (ms)", case.name), case.millis.into_iter());
    }
    println!();
    Ok(())
}

/// A loopback Keybase: its API answers every user with the picture at [`SERVED`], which it
/// also serves (the 256×256 avatar fixture), and [`UPGRADED`] too when `upgrade_there`.
async fn keybase(upgrade_there: bool) -> Result<MockServer, String> {
    let avatar = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/images/avatar.png");
    let bytes = std::fs::read(&avatar).map_err(|e| format!("{}: {e}", avatar.display()))?;
    let server = MockServer::start().await;
    let answer = serde_json::json!({
        "status": {"code": 0, "name": "OK"},
        "them": [{
            "pictures": {"primary": {"url": format!("{}{SERVED}", server.uri())}},
            "profile": {"full_name": "U"}
        }]
    });
    Mock::given(method("GET"))
        .and(path("/_/api/1.0/user/lookup.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .mount(&server)
        .await;
    let pictures: &[&str] = if upgrade_there {
        &[SERVED, UPGRADED]
    } else {
        &[SERVED]
    };
    for picture in pictures {
        Mock::given(method("GET"))
            .and(path(*picture))
            .respond_with(ResponseTemplate::new(200).set_body_raw(bytes.clone(), "image/png"))
            .mount(&server)
            .await;
    }
    Ok(server)
}

/// The server asking Keybase at `keybase`, image checks `check` ("0"/"1"), no rate
/// limit; ready to serve, and its base URL.
fn server(bin: &Path, keybase: &str, check: &str) -> Result<(Process, String), String> {
    let port = free_port()?;
    let child = spawn_quiet(
        Command::new(bin)
            .env_clear()
            .env("PORT", port.to_string())
            .env("GETIMAGES_HOST", "127.0.0.1")
            .env("GETIMAGES_IDLE_TIMEOUT", "0")
            .env("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1")
            .env("GETIMAGES_CACHE_DIR", "")
            .env("GETIMAGES_RATE_LIMIT", "0")
            .env("GETIMAGES_UPSTREAM_KEYBASE", keybase)
            .env("GETIMAGES_CHECK_IMAGES", check)
            .env("RUST_LOG", "warn"),
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

/// Looks Keybase user `handle` up through the API; the avatar it answers.
async fn lookup(client: &reqwest::Client, base: &str, handle: &str) -> Result<Value, String> {
    let url = format!("{base}/api/v1/lookup?q={handle}&provider=keybase");
    let response = client
        .get(&url)
        .send()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    let status = response.status();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| format!("GET {url}, body: {e}"))?;
    let body: Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("GET {url}: not JSON: {e}"))?;
    if !status.is_success() {
        return Err(format!("GET {url}: {status} {body}"));
    }
    Ok(body["data"]["images"][0].clone())
}
