//! The real `getimages` binary as a separate process: [`spawn_server`] starts it on a free
//! loopback port and waits until it listens; [`Server`] is that process, with its captured
//! stderr and its exit, killed on drop.

use std::io::{self, BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::raw_http::{HttpResponse, get};

/// The server binary cargo built for this test run.
pub const APP: &str = env!("CARGO_BIN_EXE_getimages");

/// How long a server may take to say it is listening (generous: CI machines are slow).
const STARTUP_TIMEOUT: Duration = Duration::from_secs(15);

/// Where a platform no test has faked is sent: a loopback port nothing listens on (discard).
pub const NOWHERE: &str = "http://127.0.0.1:9";

/// A `Command` for the server with a clean environment: loopback, any free port, test
/// routes on, plain log lines, found images not checked, every platform sent to
/// [`NOWHERE`], and no setting leaked from the environment running the tests.
/// `envs` come last and override the defaults; `("GETIMAGES_UPSTREAM_<ID>", "")` sends that
/// platform to its real address, for a test that pins its name with `GETIMAGES_RESOLVE`.
pub fn app_command(envs: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(APP);
    cmd.env_clear()
        .env("GETIMAGES_HOST", "127.0.0.1")
        .env("PORT", "0")
        .env("GETIMAGES_TEST_ROUTES", "1")
        // Memory-only cache unless a test gives a folder: tests must not share one.
        .env("GETIMAGES_CACHE_DIR", "")
        // Providers answer real CDN URLs, which a test must never reach: images are checked
        // only where a test serves them (`GETIMAGES_CHECK_IMAGES=1`).
        .env("GETIMAGES_CHECK_IMAGES", "0")
        // Tests read the log right after what they wait for: lines are written as they are
        // logged (tests/lifecycle.rs and the smoke script run the buffered writer).
        .env("GETIMAGES_LOG_BUFFER_LINES", "0")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1");
    // No platform is reached for real, even by a test that forgot one (a bare name searches
    // every platform): each one's requests go to the discard port, which refuses them,
    // unless the test points it at its own fake.
    for provider in getimages::providers::ALL.iter().filter(|p| !p.is_generic()) {
        let var = format!("GETIMAGES_UPSTREAM_{}", provider.id.to_ascii_uppercase());
        cmd.env(var, NOWHERE);
    }
    if let Ok(backtrace) = std::env::var("RUST_BACKTRACE") {
        cmd.env("RUST_BACKTRACE", backtrace);
    }
    for &(key, value) in envs {
        // An empty platform override means none: the platform's real address, which the
        // test pins with GETIMAGES_RESOLVE.
        if key.starts_with("GETIMAGES_UPSTREAM_") && value.is_empty() {
            cmd.env_remove(key);
        } else {
            cmd.env(key, value);
        }
    }
    cmd
}

/// Starts the server with `envs` on a free loopback port and waits until it listens.
pub fn spawn_server(envs: &[(&str, &str)]) -> Server {
    spawn_command(app_command(envs))
}

/// Starts the server `command` describes (see [`app_command`]) and waits until it listens.
pub fn spawn_command(command: Command) -> Server {
    let mut server = Server::launch(command, 0);
    let line = server.wait_for_log("listening on http://", STARTUP_TIMEOUT);
    server.port =
        listening_port(&line).unwrap_or_else(|| panic!("no address in the log line {line:?}"));
    server
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

fn listening_port(line: &str) -> Option<u16> {
    let (_, rest) = line.split_once("listening on http://")?;
    let addr = rest.split_whitespace().next()?;
    addr.parse::<SocketAddr>().ok().map(|a| a.port())
}

/// A running server process (or a wrapper that execs it); killed when dropped.
pub struct Server {
    /// The loopback port it serves on.
    pub port: u16,
    child: Child,
    stderr: Log,
}

/// How and when a process ended.
#[derive(Debug, Clone, Copy)]
pub struct Exit {
    /// The exit status.
    pub status: ExitStatus,
    /// When the test saw it exit (within a few milliseconds).
    pub at: Instant,
}

impl Server {
    /// Starts `command` with stderr captured, without waiting for anything.
    pub fn launch(mut command: Command, port: u16) -> Self {
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
        let stderr = Log::capture(child.stderr.take().expect("piped stderr"));
        Self {
            port,
            child,
            stderr,
        }
    }

    /// The process id (for reading `/proc/<pid>/status`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything the process wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.text()
    }

    /// `GET path` on this server with a fresh connection; panics (showing the server's log)
    /// when there is no complete response.
    pub fn get(&self, path: &str) -> HttpResponse {
        get(self.port, path).unwrap_or_else(|e| {
            panic!(
                "GET {path} failed: {e}\n--- server stderr ---\n{}",
                self.stderr()
            )
        })
    }

    /// Waits for the first stderr line containing `needle` and returns it; panics if the
    /// process exits or `timeout` passes first.
    pub fn wait_for_log(&mut self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(line) = self.stderr.line_containing(needle) {
                return line;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                // The reader may still be copying the last lines out of the pipe.
                self.stderr.wait_closed(Duration::from_secs(2));
                if let Some(line) = self.stderr.line_containing(needle) {
                    return line;
                }
                panic!(
                    "exited ({status}) before logging {needle:?}\n--- stderr ---\n{}",
                    self.stderr()
                );
            }
            assert!(
                Instant::now() < deadline,
                "no log line with {needle:?} within {timeout:?}\n--- stderr ---\n{}",
                self.stderr()
            );
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// The metrics port the server logged (it was started with `GETIMAGES_METRICS_PORT`).
    pub fn metrics_port(&mut self) -> u16 {
        let line = self.wait_for_log("metrics on http://", STARTUP_TIMEOUT);
        let (_, rest) = line.split_once("metrics on http://").unwrap();
        let addr = rest.split('/').next().unwrap_or_default();
        addr.parse::<SocketAddr>()
            .unwrap_or_else(|_| panic!("no address in the log line {line:?}"))
            .port()
    }

    /// Waits for the process to exit; panics (showing its log) if it is still running
    /// after `timeout`.
    pub fn wait_for_exit(&mut self, timeout: Duration) -> Exit {
        let exit = wait_with_timeout(&mut self.child, timeout).unwrap_or_else(|| {
            panic!(
                "still running after {timeout:?}\n--- stderr ---\n{}",
                self.stderr()
            )
        });
        self.stderr.wait_closed(Duration::from_secs(2));
        exit
    }

    /// Sends `signal` (e.g. `libc::SIGTERM`) to the process.
    pub fn signal(&self, signal: libc::c_int) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("pid fits pid_t");
        // SAFETY: kill(2) has no memory-safety preconditions; the child is not yet reaped
        // (we own it and only reap in wait_for_exit/drop), so the pid is still ours.
        let rc = unsafe { libc::kill(pid, signal) };
        assert_eq!(rc, 0, "kill: {}", io::Error::last_os_error());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        kill_and_reap(&mut self.child);
    }
}

/// Polls `child` until it exits or `timeout` passes.
fn wait_with_timeout(child: &mut Child, timeout: Duration) -> Option<Exit> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                return Some(Exit {
                    status,
                    at: Instant::now(),
                });
            }
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(2)),
            Ok(None) => return None,
            Err(e) => panic!("cannot wait for child: {e}"),
        }
    }
}

pub(super) fn kill_and_reap(child: &mut Child) {
    if let Ok(None) = child.try_wait() {
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// A process's stderr, copied into memory by a background thread.
#[derive(Clone)]
pub(super) struct Log {
    text: Arc<Mutex<String>>,
    closed: Arc<AtomicBool>,
}

impl Log {
    pub(super) fn capture(stream: impl Read + Send + 'static) -> Self {
        let log = Self {
            text: Arc::default(),
            closed: Arc::default(),
        };
        let writer = log.clone();
        thread::spawn(move || {
            let mut reader = BufReader::new(stream);
            let mut line = Vec::new();
            while matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0) {
                writer
                    .text
                    .lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&line));
                line.clear();
            }
            writer.closed.store(true, Ordering::SeqCst);
        });
        log
    }

    pub(super) fn text(&self) -> String {
        self.text.lock().unwrap().clone()
    }

    fn line_containing(&self, needle: &str) -> Option<String> {
        let text = self.text.lock().unwrap();
        text.lines().find(|l| l.contains(needle)).map(str::to_owned)
    }

    /// Waits (bounded) until the writing end is closed and every line has been read.
    pub(super) fn wait_closed(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !self.closed.load(Ordering::SeqCst) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(2));
        }
    }
}
