//! Shared helpers for tests that run the real `getimages` binary as a separate process.
//!
//! - [`spawn_app`] starts the server on a free loopback port and waits until it listens.
//! - [`TestApp`] is that process: its port, its captured stderr, its exit; killed on drop.
//! - [`get`] is a tiny HTTP/1.1 client that never keeps a connection alive, so a test's
//!   client can never be what holds the server up.
//! - [`Supervisor`] hands a listening socket to fresh server processes, as systemd does.
//!
//! Every wait has a timeout, so a bug fails a test instead of hanging it.

// Each test file compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// The server binary cargo built for this test run.
pub const APP: &str = env!("CARGO_BIN_EXE_getimages");

/// How long a server may take to say it is listening (generous: CI machines are slow).
const STARTUP_TIMEOUT: Duration = Duration::from_secs(15);

/// How long a single HTTP exchange may take before the test fails.
const HTTP_TIMEOUT: Duration = Duration::from_secs(15);

/// A `Command` for the server with a clean environment: loopback, any free port, test
/// routes on, plain log lines, and no setting leaked from the environment running the tests.
/// `envs` come last and override the defaults.
pub fn app_command(envs: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(APP);
    cmd.env_clear()
        .env("GETIMAGES_HOST", "127.0.0.1")
        .env("PORT", "0")
        .env("GETIMAGES_TEST_ROUTES", "1")
        // Memory-only cache unless a test gives a folder: tests must not share one.
        .env("GETIMAGES_CACHE_DIR", "")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1");
    if let Ok(backtrace) = std::env::var("RUST_BACKTRACE") {
        cmd.env("RUST_BACKTRACE", backtrace);
    }
    cmd.envs(envs.iter().copied());
    cmd
}

/// Starts the server with `envs` on a free loopback port and waits until it listens.
pub fn spawn_app(envs: &[(&str, &str)]) -> TestApp {
    let mut app = TestApp::launch(app_command(envs), 0);
    let line = app.wait_for_log("listening on http://", STARTUP_TIMEOUT);
    app.port =
        listening_port(&line).unwrap_or_else(|| panic!("no address in the log line {line:?}"));
    app
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
pub struct TestApp {
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

impl TestApp {
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

impl Drop for TestApp {
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

fn kill_and_reap(child: &mut Child) {
    if let Ok(None) = child.try_wait() {
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// A process's stderr, copied into memory by a background thread.
#[derive(Clone)]
struct Log {
    text: Arc<Mutex<String>>,
    closed: Arc<AtomicBool>,
}

impl Log {
    fn capture(stream: impl Read + Send + 'static) -> Self {
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

    fn text(&self) -> String {
        self.text.lock().unwrap().clone()
    }

    fn line_containing(&self, needle: &str) -> Option<String> {
        let text = self.text.lock().unwrap();
        text.lines().find(|l| l.contains(needle)).map(str::to_owned)
    }

    /// Waits (bounded) until the writing end is closed and every line has been read.
    fn wait_closed(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !self.closed.load(Ordering::SeqCst) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(2));
        }
    }
}

/// A complete HTTP response as the client saw it.
#[derive(Debug)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names (lower-cased) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: String,
    /// When the body's last byte arrived and the server closed the connection.
    pub finished_at: Instant,
}

impl HttpResponse {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// `GET path` on `127.0.0.1:port` over a fresh connection with `Connection: close`, read to
/// the end. A client that keeps nothing alive, like a visitor's single page load.
pub fn get(port: u16, path: &str) -> io::Result<HttpResponse> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&addr, HTTP_TIMEOUT)?;
    stream.set_read_timeout(Some(HTTP_TIMEOUT))?;
    stream.set_write_timeout(Some(HTTP_TIMEOUT))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let finished_at = Instant::now();
    parse_response(&raw, finished_at).ok_or_else(|| {
        io::Error::other(format!("bad response: {:?}", String::from_utf8_lossy(&raw)))
    })
}

fn parse_response(raw: &[u8], finished_at: Instant) -> Option<HttpResponse> {
    let head_end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..head_end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = &raw[head_end + 4..];
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let decoded = if chunked {
        dechunk(body)?
    } else {
        if let Some((_, len)) = headers.iter().find(|(n, _)| n == "content-length") {
            let len: usize = len.parse().ok()?;
            body = body.get(..len)?;
        }
        body.to_vec()
    };
    Some(HttpResponse {
        status,
        headers,
        body: String::from_utf8(decoded).ok()?,
        finished_at,
    })
}

/// Decodes a chunked body; `None` unless it ends with the terminating zero-size chunk.
fn dechunk(mut raw: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = raw.windows(2).position(|w| w == b"\r\n")?;
        let size_field = std::str::from_utf8(&raw[..line_end]).ok()?;
        let size = usize::from_str_radix(size_field.split(';').next()?.trim(), 16).ok()?;
        raw = &raw[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(raw.get(..size)?);
        raw = raw.get(size + 2..)?;
    }
}

/// A socket-activation supervisor, like systemd with `Accept=no`: it owns a listening
/// socket and, whenever a connection waits and no server runs, starts the server with
/// that socket as fd 3 (`LISTEN_FDS=1`). The server stops itself when idle; the socket,
/// and any connection queued on it, outlives it.
pub struct Supervisor {
    /// The port the supervisor listens on.
    pub port: u16,
    shared: Arc<SupervisorState>,
    thread: Option<JoinHandle<()>>,
}

/// One server process the supervisor started.
#[derive(Debug)]
pub struct ServerRun {
    /// How it ended; `None` if the supervisor had to kill it (it ran too long, or the
    /// supervisor was stopped while it ran).
    pub status: Option<ExitStatus>,
    /// Its stderr.
    pub stderr: String,
}

struct SupervisorState {
    stop: AtomicBool,
    /// A server process is running (or being started).
    running: AtomicBool,
    started: Mutex<usize>,
    runs: Mutex<Vec<ServerRun>>,
}

impl Supervisor {
    /// How long one server process may run before the supervisor kills it as stuck.
    const MAX_RUN: Duration = Duration::from_secs(20);

    /// Listens on a free loopback port and starts supervising; servers get `envs`.
    pub fn start(envs: &[(&str, &str)]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local address").port();
        let shared = Arc::new(SupervisorState {
            stop: AtomicBool::new(false),
            running: AtomicBool::new(false),
            started: Mutex::new(0),
            runs: Mutex::new(Vec::new()),
        });
        let envs: Vec<(String, String)> = envs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let state = Arc::clone(&shared);
        let thread = thread::spawn(move || supervise(&listener, &envs, &state));
        Self {
            port,
            shared,
            thread: Some(thread),
        }
    }

    /// How many server processes have been started so far.
    pub fn started(&self) -> usize {
        *self.shared.started.lock().unwrap()
    }

    /// Waits (at most `timeout`) until the last server has stopped with no connection
    /// waiting, then stops supervising and returns every server run in order.
    pub fn finish(mut self, timeout: Duration) -> Vec<ServerRun> {
        let deadline = Instant::now() + timeout;
        // Settled means: nothing running, and it stays so across a poll interval or two.
        let mut quiet_since: Option<Instant> = None;
        while Instant::now() < deadline {
            if self.shared.running.load(Ordering::SeqCst) {
                quiet_since = None;
            } else if quiet_since.get_or_insert_with(Instant::now).elapsed()
                > Duration::from_millis(100)
            {
                break;
            }
            thread::sleep(Duration::from_millis(5));
        }
        self.stop();
        std::mem::take(&mut *self.shared.runs.lock().unwrap())
    }

    fn stop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        self.stop();
    }
}

fn supervise(listener: &TcpListener, envs: &[(String, String)], state: &SupervisorState) {
    let fd = listener.as_raw_fd();
    while !state.stop.load(Ordering::SeqCst) {
        if !is_readable(fd, Duration::from_millis(20)) {
            continue;
        }
        state.running.store(true, Ordering::SeqCst);
        *state.started.lock().unwrap() += 1;
        let run = run_server(fd, envs, state);
        state.runs.lock().unwrap().push(run);
        state.running.store(false, Ordering::SeqCst);
    }
}

/// Starts one server on the inherited socket and waits for it to end.
fn run_server(fd: RawFd, envs: &[(String, String)], state: &SupervisorState) -> ServerRun {
    let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut cmd = app_command(&envs);
    // listenfd 1.0 accepts a missing LISTEN_PID (its documented relaxation of systemd's
    // protocol); we cannot know the child's pid before it exists, so leave it unset.
    cmd.env("LISTEN_FDS", "1")
        .env_remove("LISTEN_PID")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // SAFETY: runs in the forked child before exec; only async-signal-safe calls
    // (dup2, fcntl) and no allocation.
    unsafe {
        cmd.pre_exec(move || {
            if fd != 3 && libc::dup2(fd, 3) == -1 {
                return Err(io::Error::last_os_error());
            }
            let flags = libc::fcntl(3, libc::F_GETFD);
            if flags == -1 || libc::fcntl(3, libc::F_SETFD, flags & !libc::FD_CLOEXEC) == -1 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            return ServerRun {
                status: None,
                stderr: format!("cannot start the server: {e}"),
            };
        }
    };
    let stderr = Log::capture(child.stderr.take().expect("piped stderr"));
    let started = Instant::now();
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break Some(status);
        }
        if state.stop.load(Ordering::SeqCst) || started.elapsed() > Supervisor::MAX_RUN {
            kill_and_reap(&mut child);
            break None;
        }
        thread::sleep(Duration::from_millis(2));
    };
    stderr.wait_closed(Duration::from_secs(2));
    ServerRun {
        status,
        stderr: stderr.text(),
    }
}

/// Whether a connection is waiting to be accepted on listening socket `fd`.
fn is_readable(fd: RawFd, timeout: Duration) -> bool {
    let mut pollfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    let timeout_ms = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
    // SAFETY: `pollfd` is a valid, exclusively borrowed array of one element.
    let ready = unsafe { libc::poll(&mut pollfd, 1, timeout_ms) };
    ready > 0 && pollfd.revents & libc::POLLIN != 0
}
