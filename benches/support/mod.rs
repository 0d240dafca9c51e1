//! What the benches share: the server binary and a guard that stops it, free ports, and the
//! table rows they print.

// Each bench compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use std::future::Future;
use std::net::{Ipv4Addr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};

/// Runs the async bench `run` on a current-thread runtime with `full` rounds under `cargo
/// bench` (which passes `--bench`), or `smoke` rounds as a check under `cargo test`; a failure
/// is printed after `name` and exits 1.
pub fn run_rounds<F, Fut>(name: &str, full: u32, smoke: u32, run: F) -> ExitCode
where
    F: FnOnce(u32) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let measuring = std::env::args().any(|a| a == "--bench");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(run(if measuring { full } else { smoke })) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A server process, killed (and reaped) when dropped.
pub struct Process(pub Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `GETIMAGES_BIN` if set, else the binary cargo built alongside this bench.
pub fn server_binary() -> Result<PathBuf, String> {
    let bin = std::env::var_os("GETIMAGES_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_getimages")));
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(format!(
            "no server binary at {} (build it with `cargo build --release`, or point \
             GETIMAGES_BIN at one)",
            bin.display()
        ))
    }
}

/// Starts `command` with no input and its output discarded.
pub fn spawn_quiet(command: &mut Command) -> Result<Child, String> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", command.get_program()))
}

/// A port that was free a moment ago (the OS picks it; we release it for the server).
pub fn free_port() -> Result<u16, String> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("cannot find a free port: {e}"))
}

/// One table row: min, median, p90 (nearest rank) and max of `values`.
pub fn row(label: &str, values: impl Iterator<Item = f64>) {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = median(&v);
    let p90 = percentile(&v, 0.9);
    println!(
        "{label:<28} {:>8.2} {median:>8.2} {p90:>8.2} {:>8.2}",
        v[0],
        v[n - 1]
    );
}

/// The `p` quantile of sorted `v` (0 < `p` <= 1), by nearest rank.
pub fn percentile(v: &[f64], p: f64) -> f64 {
    let n = v.len();
    v[((p * n as f64).ceil() as usize).clamp(1, n) - 1]
}

/// The median of sorted `v` (the mean of the middle two when their number is even).
pub fn median(v: &[f64]) -> f64 {
    let n = v.len();
    if n.is_multiple_of(2) {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    } else {
        v[n / 2]
    }
}
