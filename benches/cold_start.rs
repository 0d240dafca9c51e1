//! Cold start: how long from exec to the first `200` on `/`, and what memory that costs.
//!
//! A scale-to-zero server pays its start-up on the first visitor's request, so this measures
//! exactly that: spawn the binary, poll-connect to its port in a tight loop, send one raw
//! `GET /`, and stop the clock at the response. Then it reads the process's resident memory
//! (`VmRSS`) and peak (`VmHWM`) from `/proc/PID/status` and its minor page faults from
//! `/proc/PID/stat`, and kills it.
//!
//! `cargo bench --bench cold_start` measures the binary we ship: it runs `cargo build
//! --release --locked --bin getimages` into its own target folder (`target/shipped`), so no
//! dev-dependency's features are unified in as they are in the bench's own build, and
//! measures it [`RUNS`] times, each on a fresh port. Beside it, from the same run and
//! interleaved, it measures actix-web alone (`benches/bare-actix`, built the same way), the
//! floor any actix server starts from. The output names the binaries and the machine.
//! `GETIMAGES_BIN=/path/to/getimages` measures another build instead (e.g. the musl one), and
//! `BARE_ACTIX_BIN=/path/to/bare-actix` another bare actix-web (the musl one beside it).
//! The child inherits the environment, so `GETIMAGES_WORKERS=1 cargo bench ...` works too.
//! Each run is made twice, back to back: as configured, and with `GETIMAGES_REDIS_URL`
//! pointing at a loopback port where nothing listens, to show that the Redis tier (which
//! connects on first use) costs the start nothing, and a line compares the medians. Each
//! table gives min, median, p95 and max; the last line sets our first 200 beside bare
//! actix-web's (median, p95, max), with the ratio of the medians and our p95 over our median.
//! Under `cargo test --all-targets` it does a single run of each as a smoke check.
//! Timings are reported, never asserted: they depend on the machine.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode};
use std::time::{Duration, Instant};

mod support;

use support::{free_port, median, percentile, server_binary, spawn_quiet};

/// Measured starts under `cargo bench`: enough for a p95 that is not just the slowest two.
const RUNS: usize = 60;
/// Give up on a start that has not answered by then.
const START_LIMIT: Duration = Duration::from_secs(10);

/// What one cold start cost.
struct Sample {
    /// Exec until the port accepts a connection.
    accepting: Duration,
    /// Exec until the `200` response to `GET /` has been read in full.
    first_ok: Duration,
    /// Resident memory right after that response, in KiB.
    rss_kib: u64,
    /// Peak resident memory up to then, in KiB.
    hwm_kib: u64,
    /// Minor page faults up to then, every thread's.
    minor_faults: u64,
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; `cargo test` does not.
    let measuring = std::env::args().any(|a| a == "--bench");
    match run(if measuring { RUNS } else { 1 }) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cold_start: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(runs: usize) -> Result<(), String> {
    let measuring = runs > 1;
    let bin = match std::env::var_os("GETIMAGES_BIN") {
        None if measuring => build_release(None, "getimages")?,
        _ => server_binary()?,
    };
    let bare = match std::env::var_os("BARE_ACTIX_BIN") {
        Some(path) if measuring => Some(PathBuf::from(path)),
        None if measuring => Some(build_release(
            Some("benches/bare-actix/Cargo.toml"),
            "bare-actix",
        )?),
        _ => None,
    };
    let size = file_size(&bin)?;
    let nowhere = format!("redis://127.0.0.1:{}", free_port()?);
    let (mut samples, mut with_redis, mut bare_samples) = (Vec::new(), Vec::new(), Vec::new());
    // Interleaved, so a machine that gets busier mid-run skews every series alike.
    for _ in 0..runs {
        samples.push(cold_start(&bin, &[])?);
        with_redis.push(cold_start(&bin, &[("GETIMAGES_REDIS_URL", &nowhere)])?);
        if let Some(bare) = &bare {
            bare_samples.push(cold_start(bare, &[])?);
        }
    }
    if let ([one], [redis]) = (samples.as_slice(), with_redis.as_slice()) {
        println!(
            "cold_start smoke check: first 200 on / {:.1} ms after exec ({:.1} ms with a \
             Redis URL where nothing listens), VmRSS {:.1} MiB, {} minor page faults \
             (`cargo bench --bench cold_start` measures {RUNS} release runs)",
            one.first_ok.as_secs_f64() * 1000.0,
            redis.first_ok.as_secs_f64() * 1000.0,
            one.rss_kib as f64 / 1024.0,
            one.minor_faults
        );
    } else {
        println!("{}", machine());
        print_report(&format!("{}", bin.display()), size, &samples);
        print_report(
            &format!("the same with GETIMAGES_REDIS_URL={nowhere} (nothing listens)"),
            size,
            &with_redis,
        );
        // Sorted milliseconds to the first 200.
        let first_ok = |samples: &[Sample]| {
            let mut ms: Vec<f64> = samples
                .iter()
                .map(|s| s.first_ok.as_secs_f64() * 1000.0)
                .collect();
            ms.sort_by(f64::total_cmp);
            ms
        };
        let ours = first_ok(&samples);
        let (without, with) = (median(&ours), median(&first_ok(&with_redis)));
        println!(
            "median first 200: {without:.2} ms without Redis, {with:.2} ms with it: {:+.1}%",
            (with / without - 1.0) * 100.0
        );
        if let Some(bare) = &bare {
            print_report(
                &format!("bare actix-web, {}", bare.display()),
                file_size(bare)?,
                &bare_samples,
            );
            let theirs = first_ok(&bare_samples);
            let (p95, max) = (percentile(&ours, 0.95), ours[ours.len() - 1]);
            let bare_median = median(&theirs);
            println!(
                "first 200 on /, getimages beside bare actix-web from the same run: median \
                 {without:.2} ms vs {bare_median:.2} ms ({:.2}x); p95 {p95:.2} ms vs {:.2} ms; \
                 max {max:.2} ms vs {:.2} ms; getimages' p95 is {:.2}x its median",
                without / bare_median,
                percentile(&theirs, 0.95),
                theirs[theirs.len() - 1],
                p95 / without
            );
        }
    }
    Ok(())
}

/// `cargo build --release --locked` of `bin` (in `manifest`'s package, else ours) into
/// `target/shipped`, a target folder of its own, as the Dockerfile builds it: without the
/// dev-dependencies a bench's own build unifies in.
fn build_release(manifest: Option<&str>, bin: &str) -> Result<PathBuf, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = root.join("target/shipped");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .current_dir(root)
        .args([
            "build",
            "--release",
            "--locked",
            "--bin",
            bin,
            "--target-dir",
        ])
        .arg(&target);
    if let Some(manifest) = manifest {
        build.args(["--manifest-path", manifest]);
    }
    eprintln!("cold_start: building {bin} (release, {})", target.display());
    let status = build
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("cargo build of {bin} failed: {status}"));
    }
    Ok(target.join("release").join(bin))
}

fn file_size(bin: &Path) -> Result<u64, String> {
    std::fs::metadata(bin)
        .map(|m| m.len())
        .map_err(|e| format!("cannot read {}: {e}", bin.display()))
}

/// The CPU model, CPU count, load and kernel, so a figure says where it was measured.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim());
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "machine: {model}, {cpus} CPUs, load average {}, Linux {}",
        load.join(" "),
        kernel.trim()
    )
}

/// Starts the server once with `envs` added, measures it, and kills it.
fn cold_start(bin: &Path, envs: &[(&str, &str)]) -> Result<Sample, String> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()?));
    let started = Instant::now();
    let mut child = spawn_quiet(
        Command::new(bin)
            .env("PORT", addr.port().to_string())
            .env("GETIMAGES_HOST", addr.ip().to_string())
            // A socket-activated shell must not hand its socket to the child.
            .env_remove("LISTEN_FDS")
            .env_remove("LISTEN_PID")
            .env_remove("LISTEN_FDNAMES")
            .envs(envs.iter().copied()),
    )?;
    let sample = measure(&mut child, addr, started);
    // Kill whatever happened; a leftover server would skew the next run.
    let _ = child.kill();
    let _ = child.wait();
    sample
}

fn measure(child: &mut Child, addr: SocketAddr, started: Instant) -> Result<Sample, String> {
    let mut stream = loop {
        match TcpStream::connect(addr) {
            Ok(stream) => break stream,
            Err(_) if started.elapsed() < START_LIMIT => {
                if let Ok(Some(status)) = child.try_wait() {
                    return Err(format!("server exited before listening: {status}"));
                }
                std::thread::yield_now();
            }
            Err(e) => return Err(format!("no listener on {addr} after {START_LIMIT:?}: {e}")),
        }
    };
    let accepting = started.elapsed();

    let request = format!("GET / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream
        .set_read_timeout(Some(START_LIMIT))
        .and_then(|()| stream.write_all(request.as_bytes()))
        .map_err(|e| format!("cannot send the request: {e}"))?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .map_err(|e| format!("cannot read the response: {e}"))?;
    let first_ok = started.elapsed();

    let status_line = response
        .split(|&b| b == b'\r')
        .next()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    if !status_line.starts_with("HTTP/1.1 200") {
        return Err(format!("expected 200 on /, got {status_line:?}"));
    }
    let (rss_kib, hwm_kib) = memory_kib(child.id())?;
    Ok(Sample {
        accepting,
        first_ok,
        rss_kib,
        hwm_kib,
        minor_faults: minor_faults(child.id())?,
    })
}

/// `VmRSS` and `VmHWM` of a process, in KiB.
fn memory_kib(pid: u32) -> Result<(u64, u64), String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("cannot read /proc/{pid}/status: {e}"))?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| format!("no {name} in /proc/{pid}/status"))
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

/// Minor page faults of a process so far (`minflt`, the 10th field of `/proc/PID/stat`).
fn minor_faults(pid: u32) -> Result<u64, String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map_err(|e| format!("cannot read /proc/{pid}/stat: {e}"))?;
    // The fields after the command's name, which is in parentheses and may hold spaces.
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(7))
        .and_then(|field| field.parse().ok())
        .ok_or_else(|| format!("no minflt in /proc/{pid}/stat"))
}

fn print_report(what: &str, size: u64, samples: &[Sample]) {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!();
    println!(
        "cold start of {what} ({:.1} MiB), {} run{}, {cpus} CPUs",
        size as f64 / 1024.0 / 1024.0,
        samples.len(),
        if samples.len() == 1 { "" } else { "s" },
    );
    println!();
    println!(
        "{:<28} {:>8} {:>8} {:>8} {:>8}",
        "", "min", "median", "p95", "max"
    );
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mib = |kib: u64| kib as f64 / 1024.0;
    row(
        "exec -> accepting (ms)",
        samples.iter().map(|s| ms(s.accepting)),
    );
    row(
        "exec -> first 200 on / (ms)",
        samples.iter().map(|s| ms(s.first_ok)),
    );
    row(
        "VmRSS after it (MiB)",
        samples.iter().map(|s| mib(s.rss_kib)),
    );
    row(
        "VmHWM after it (MiB)",
        samples.iter().map(|s| mib(s.hwm_kib)),
    );
    row(
        "minor page faults by then",
        samples.iter().map(|s| s.minor_faults as f64),
    );
    println!();
}

/// One table row: min, median, p95 (nearest rank) and max of `values`.
fn row(label: &str, values: impl Iterator<Item = f64>) {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    println!(
        "{label:<28} {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
        v[0],
        median(&v),
        percentile(&v, 0.95),
        v[v.len() - 1]
    );
}
