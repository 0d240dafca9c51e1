//! What a search of a bare name across every platform costs, beside a single lookup from the
//! same run: time to the first card (the first `found` NDJSON line), total time, requests
//! made to the platforms, and the server's peak resident memory.
//!
//! Every platform that takes usernames is a loopback fake: GitHub knows each name asked, X
//! and Instagram answer 429 (blocked), Twitch never answers (the search's deadline,
//! `GETIMAGES_LOOKUP_TIMEOUT=2s`, ends it), and the rest answer 404. Each round asks a new
//! name, so every platform is a cache MISS.
//!
//! `cargo bench --bench search` builds the server with the release settings and runs
//! [`ROUNDS`] rounds; `GETIMAGES_BIN=/path/to/getimages` measures another build. Under
//! `cargo test --all-targets` it runs one round as a smoke check. Timings are reported,
//! never asserted.

use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use serde_json::Value;
use wiremock::matchers::{any, method, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

mod support;

use support::{Process, free_port, row, run_rounds, server_binary, spawn_quiet};

/// Rounds under `cargo bench`.
const ROUNDS: u32 = 10;
/// The search's deadline: what the hanging platform costs every search.
const DEADLINE: &str = "2s";

fn main() -> ExitCode {
    run_rounds("search", ROUNDS, 1, run)
}

/// The fakes, by role.
struct Platforms {
    github: MockServer,
    blocking: MockServer,
    hanging: MockServer,
    nobody: MockServer,
}

impl Platforms {
    async fn start() -> Self {
        let github = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path_regex(r"^/users/[a-z0-9]+$"))
            .respond_with(|request: &Request| {
                let login = request.url.path().trim_start_matches("/users/").to_owned();
                ResponseTemplate::new(200).set_body_json(serde_json::json!({
                    "login": login,
                    "name": login,
                    "avatar_url": "https://avatars.githubusercontent.com/u/1?v=4",
                }))
            })
            .mount(&github)
            .await;
        let blocking = answering(429).await;
        let hanging = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(404).set_delay(Duration::from_secs(60)))
            .mount(&hanging)
            .await;
        let nobody = answering(404).await;
        Self {
            github,
            blocking,
            hanging,
            nobody,
        }
    }

    /// The fake playing platform `id`.
    fn of(&self, id: &str) -> &MockServer {
        match id {
            "github" => &self.github,
            "x" | "instagram" => &self.blocking,
            "twitch" => &self.hanging,
            _ => &self.nobody,
        }
    }

    /// Requests the fakes have received so far.
    async fn requests(&self) -> usize {
        let mut total = 0;
        for fake in [&self.github, &self.blocking, &self.hanging, &self.nobody] {
            total += fake.received_requests().await.map_or(0, |r| r.len());
        }
        total
    }
}

async fn answering(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status).set_body_string("{}"))
        .mount(&server)
        .await;
    server
}

/// One round's figures.
#[derive(Default)]
struct Round {
    first_card_ms: f64,
    search_ms: f64,
    search_requests: usize,
    lookup_ms: f64,
    lookup_requests: usize,
}

async fn run(rounds: u32) -> Result<(), String> {
    let bin = server_binary()?;
    let platforms = Platforms::start().await;
    let port = free_port()?;
    let mut command = Command::new(&bin);
    command
        .env_clear()
        .env("GETIMAGES_HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("GETIMAGES_CACHE_DIR", "")
        .env("GETIMAGES_CHECK_IMAGES", "0")
        .env("GETIMAGES_IDLE_TIMEOUT", "0")
        .env("GETIMAGES_LOOKUP_TIMEOUT", DEADLINE)
        .env("GETIMAGES_SEARCH_RATE_LIMIT", "0")
        .env("GETIMAGES_RATE_LIMIT", "0")
        .env("RUST_LOG", "warn");
    for provider in getimages::lookup::search::platforms() {
        let var = format!("GETIMAGES_UPSTREAM_{}", provider.id.to_ascii_uppercase());
        command.env(var, platforms.of(provider.id).uri());
    }
    let process = Process(spawn_quiet(&mut command)?);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    wait_until_ready(&client, &base).await?;

    let mut figures = Vec::new();
    for n in 0..rounds {
        let mut round = Round::default();
        let before = platforms.requests().await;
        let started = Instant::now();
        let mut response = client
            .get(format!("{base}/api/v1/search?q=name{n}"))
            .header("accept", "application/x-ndjson")
            .send()
            .await
            .map_err(|e| format!("search: {e}"))?;
        let mut pending = String::new();
        let mut lines = 0;
        while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
            pending.push_str(&String::from_utf8_lossy(&chunk));
            while let Some((line, rest)) = pending.split_once('\n') {
                let json: Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
                if json["outcome"] == "found" && round.first_card_ms == 0.0 {
                    round.first_card_ms = millis(started);
                }
                lines += 1;
                pending = rest.to_owned();
            }
        }
        round.search_ms = millis(started);
        round.search_requests = platforms.requests().await - before;
        if round.first_card_ms == 0.0 || lines == 0 {
            return Err(format!("round {n}: no card in {lines} lines"));
        }

        let before = platforms.requests().await;
        let started = Instant::now();
        let single = client
            .get(format!("{base}/api/v1/lookup?q=single{n}&provider=github"))
            .send()
            .await
            .map_err(|e| format!("lookup: {e}"))?;
        if single.status() != 200 {
            return Err(format!("single lookup answered {}", single.status()));
        }
        single.bytes().await.map_err(|e| e.to_string())?;
        round.lookup_ms = millis(started);
        round.lookup_requests = platforms.requests().await - before;
        figures.push(round);
    }
    let peak = peak_rss_kib(process.0.id());

    let platforms_asked = getimages::lookup::search::platforms().count();
    println!(
        "search of a bare name across {platforms_asked} platforms vs a single lookup, \
         {rounds} rounds ({} ms deadline), ms",
        humantime::parse_duration(DEADLINE).map_or(0, |d| d.as_millis())
    );
    println!(
        "{:<28} {:>8} {:>8} {:>8} {:>8}",
        "", "min", "median", "p90", "max"
    );
    row(
        "search: first card",
        figures.iter().map(|r| r.first_card_ms),
    );
    row("search: whole answer", figures.iter().map(|r| r.search_ms));
    row("single lookup", figures.iter().map(|r| r.lookup_ms));
    row(
        "platform requests / search",
        figures.iter().map(|r| r.search_requests as f64),
    );
    row(
        "platform requests / lookup",
        figures.iter().map(|r| r.lookup_requests as f64),
    );
    match peak {
        Some(kib) => println!("server peak RSS (VmHWM): {:.1} MiB", kib as f64 / 1024.0),
        None => println!("server peak RSS: unknown (no /proc)"),
    }
    Ok(())
}

fn millis(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

async fn wait_until_ready(client: &reqwest::Client, base: &str) -> Result<(), String> {
    for _ in 0..200 {
        if let Ok(reply) = client.get(format!("{base}/healthz")).send().await
            && reply.status().is_success()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err("the server did not start listening".into())
}

/// The process's peak resident memory, from `/proc/PID/status`.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
