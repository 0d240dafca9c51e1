//! [`Supervisor`] hands a listening socket to fresh server processes, as systemd does.

use std::io;
use std::net::TcpListener;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::server::{Log, app_command, kill_and_reap};

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
