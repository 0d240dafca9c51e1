//! The server's life as a scale-to-zero machine sees it: it starts, serves, and stops
//! itself (exit 0) once nobody has used it for the idle timeout, without ever dropping a
//! visitor's request. Every test runs the real binary as a separate process on loopback.

mod support;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use support::*;

/// The idle timeout these tests run with.
const IDLE: Duration = Duration::from_secs(1);

/// The server must be gone within this long after its last request finished: the idle
/// timeout plus one second for the stop itself.
const STOP_WINDOW: Duration = Duration::from_secs(2);

/// Generous bound for anything that should happen "soon", so a bug fails instead of hangs.
const PATIENCE: Duration = Duration::from_secs(10);

fn assert_stopped_in_window(app: &Server, exit: Exit, last_response: Instant) {
    assert!(
        exit.status.success(),
        "expected exit code 0, got {}\n--- stderr ---\n{}",
        exit.status,
        app.stderr()
    );
    let after = exit.at.duration_since(last_response);
    assert!(
        (IDLE..STOP_WINDOW).contains(&after),
        "stopped {after:?} after the last response; expected between {IDLE:?} and \
         {STOP_WINDOW:?}\n--- stderr ---\n{}",
        app.stderr()
    );
}

#[test]
fn an_unused_server_stops_itself_with_exit_0_after_the_idle_timeout() {
    // Through the buffered log writer, as deployed: its last lines still reach stderr.
    let mut app = spawn_server(&[
        ("GETIMAGES_IDLE_TIMEOUT", "1s"),
        ("GETIMAGES_LOG_BUFFER_LINES", "8192"),
    ]);

    let home = app.get("/");
    assert_eq!(home.status, 200);

    let exit = app.wait_for_exit(PATIENCE);
    assert_stopped_in_window(&app, exit, home.finished_at);
    assert!(
        app.stderr().contains("idle for 1s, stopping"),
        "{}",
        app.stderr()
    );
}

#[test]
fn the_last_requests_log_line_is_written_before_an_idle_stop() {
    // Through the buffered log writer, as deployed, which writes its lines in batches.
    let mut app = spawn_server(&[
        ("GETIMAGES_IDLE_TIMEOUT", "1s"),
        ("GETIMAGES_LOG_BUFFER_LINES", "8192"),
    ]);

    let last = app.get("/");
    assert_eq!(last.status, 200);
    let id = last
        .header("x-request-id")
        .expect("x-request-id")
        .to_owned();

    let exit = app.wait_for_exit(PATIENCE);
    assert!(exit.status.success(), "{}", app.stderr());
    let log = app.stderr();
    let line = log
        .lines()
        .find(|line| line.contains(&format!("request_id={id} ")))
        .unwrap_or_else(|| panic!("no line of request {id}:\n{log}"));
    assert!(
        line.contains("path=\"/\"") && line.contains("status=200"),
        "{line}"
    );
    assert!(log.contains("idle for 1s, stopping"), "{log}");
}

#[test]
fn health_checks_are_logged_at_debug_only() {
    let mut quiet = spawn_server(&[("GETIMAGES_IDLE_TIMEOUT", "1s")]);
    assert_eq!(quiet.get("/healthz").status, 200);
    assert_eq!(quiet.get("/").status, 200);
    quiet.wait_for_exit(PATIENCE);
    let log = quiet.stderr();
    assert!(log.contains("path=\"/\""), "{log}");
    assert!(!log.contains("/healthz"), "{log}");

    let mut verbose = spawn_server(&[("GETIMAGES_IDLE_TIMEOUT", "1s"), ("RUST_LOG", "debug")]);
    assert_eq!(verbose.get("/healthz").status, 200);
    verbose.wait_for_exit(PATIENCE);
    let log = verbose.stderr();
    assert!(
        log.lines().any(|l| l.contains("DEBUG")
            && l.contains("path=\"/healthz\"")
            && l.contains("status=200")),
        "{log}"
    );
}

#[test]
fn health_checks_do_not_keep_the_server_up() {
    let mut app = spawn_server(&[("GETIMAGES_IDLE_TIMEOUT", "1s")]);
    let port = app.port;
    let stopped = Arc::new(AtomicBool::new(false));
    let healthy = Arc::new(AtomicUsize::new(0));
    let checker = {
        let (stopped, healthy) = (Arc::clone(&stopped), Arc::clone(&healthy));
        thread::spawn(move || {
            // Like the platform's checker: every 200 ms, until the machine is gone.
            while !stopped.load(Ordering::SeqCst) {
                if get(port, "/healthz").is_ok_and(|r| r.status == 200 && r.body == "ok") {
                    healthy.fetch_add(1, Ordering::SeqCst);
                }
                thread::sleep(Duration::from_millis(200));
            }
        })
    };

    let home = app.get("/");
    assert_eq!(home.status, 200);
    let exit = app.wait_for_exit(PATIENCE);
    stopped.store(true, Ordering::SeqCst);
    checker.join().unwrap();

    assert_stopped_in_window(&app, exit, home.finished_at);
    let checks = healthy.load(Ordering::SeqCst);
    assert!(
        checks >= 3,
        "only {checks} health checks answered while it ran"
    );
}

#[test]
fn a_long_download_finishes_whole_before_the_server_stops() {
    let mut app = spawn_server(&[("GETIMAGES_IDLE_TIMEOUT", "1s")]);
    let started = Instant::now();

    let download = app.get("/__test/stream?ms=3000");

    assert_eq!(download.status, 200);
    let expected: String = (1..=10).map(|n| format!("chunk {n}\n")).collect();
    assert_eq!(download.body, expected, "the download was cut short");
    assert!(
        started.elapsed() >= Duration::from_millis(2700),
        "the stream took only {:?}",
        started.elapsed()
    );
    let exit = app.wait_for_exit(PATIENCE);
    assert_stopped_in_window(&app, exit, download.finished_at);
}

/// A signal stops the server gracefully: a download in flight still completes, then exit 0.
fn a_signal_stops_the_server_gracefully(signal: libc::c_int, name: &str) {
    // No idle stop here: only the signal may stop it.
    let mut app = spawn_server(&[("GETIMAGES_IDLE_TIMEOUT", "0")]);
    let port = app.port;
    let download = thread::spawn(move || get(port, "/__test/stream?ms=1500"));
    app.wait_for_log("/__test/stream", PATIENCE);

    app.signal(signal);

    let download = download.join().unwrap().unwrap_or_else(|e| {
        panic!(
            "download failed after {name}: {e}\n--- stderr ---\n{}",
            app.stderr()
        )
    });
    assert_eq!(download.status, 200);
    assert!(
        download.body.ends_with("chunk 10\n"),
        "cut short: {:?}",
        download.body
    );
    let exit = app.wait_for_exit(PATIENCE);
    assert!(
        exit.status.success(),
        "expected exit code 0 after {name}, got {}\n--- stderr ---\n{}",
        exit.status,
        app.stderr()
    );
    let log = app.stderr();
    assert!(
        log.contains(&format!("received {name}, stopping gracefully")),
        "{log}"
    );
}

#[test]
fn sigterm_stops_the_server_gracefully_with_exit_0() {
    a_signal_stops_the_server_gracefully(libc::SIGTERM, "SIGTERM");
}

#[test]
fn sigint_stops_the_server_gracefully_with_exit_0() {
    a_signal_stops_the_server_gracefully(libc::SIGINT, "SIGINT");
}

#[test]
fn a_taken_port_fails_the_start_with_a_clear_message() {
    let squatter = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = squatter.local_addr().unwrap().port();

    let mut app = Server::launch(
        app_command(&[("GETIMAGES_HOST", "127.0.0.1"), ("PORT", &port.to_string())]),
        port,
    );
    let exit = app.wait_for_exit(PATIENCE);

    assert!(
        !exit.status.success(),
        "started on a taken port: {}",
        app.stderr()
    );
    let expected = format!("cannot listen on 127.0.0.1:{port}: Address already in use");
    assert!(app.stderr().contains(&expected), "{}", app.stderr());
}

#[test]
fn a_bad_setting_fails_the_start_with_exit_2_and_names_the_problem() {
    let mut app = Server::launch(app_command(&[("GETIMAGES_IDLE_TIMEOUT", "soon")]), 0);
    let exit = app.wait_for_exit(PATIENCE);

    assert_eq!(exit.status.code(), Some(2), "{}", app.stderr());
    let log = app.stderr();
    for part in [
        "'soon'",
        "GETIMAGES_IDLE_TIMEOUT (the variable of --idle-timeout)",
        "expected a duration",
    ] {
        assert!(log.contains(part), "message lacks {part:?}: {log}");
    }
}

#[test]
fn a_bad_port_names_what_the_user_set_the_variable_or_the_flag() {
    let mut from_env = Server::launch(app_command(&[("PORT", "abc")]), 0);
    let exit = from_env.wait_for_exit(PATIENCE);
    assert_eq!(exit.status.code(), Some(2), "{}", from_env.stderr());
    let log = from_env.stderr();
    assert!(log.contains("invalid value 'abc' for PORT"), "{log}");

    let mut command = app_command(&[]);
    command.args(["--port", "abc"]);
    let mut from_flag = Server::launch(command, 0);
    let exit = from_flag.wait_for_exit(PATIENCE);
    assert_eq!(exit.status.code(), Some(2), "{}", from_flag.stderr());
    let log = from_flag.stderr();
    assert!(
        log.contains("invalid value 'abc' for '--port <PORT>'"),
        "{log}"
    );
}

#[test]
fn a_bad_log_filter_or_an_override_for_no_provider_fails_the_start_with_exit_2() {
    for (var, value, says) in [
        ("RUST_LOG", "getimages=loud", "RUST_LOG"),
        (
            "GETIMAGES_UPSTREAM_NOSUCH",
            "http://127.0.0.1:9",
            "there is no provider \"nosuch\"",
        ),
    ] {
        let mut app = Server::launch(app_command(&[(var, value)]), 0);
        let exit = app.wait_for_exit(PATIENCE);

        assert_eq!(exit.status.code(), Some(2), "{var}: {}", app.stderr());
        assert!(app.stderr().contains(says), "{var}: {}", app.stderr());
    }
}

#[test]
fn a_variable_that_is_not_text_stops_the_start_only_when_it_is_ours() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    // A supervisor may hand down anything, such as a Latin-1 value from an old unit file.
    let mut command = app_command(&[]);
    command.env("LEGACY_SETTING", OsStr::from_bytes(b"caf\xe9"));
    let server = spawn_command(command);
    assert_eq!(server.get("/healthz").status, 200, "{}", server.stderr());

    let mut command = app_command(&[]);
    command.env(
        "GETIMAGES_UPSTREAM_GITHUB",
        OsStr::from_bytes(b"http://caf\xe9.test"),
    );
    let mut app = Server::launch(command, 0);
    let exit = app.wait_for_exit(PATIENCE);
    assert_eq!(exit.status.code(), Some(2), "{}", app.stderr());
    assert!(
        app.stderr()
            .contains("invalid value for GETIMAGES_UPSTREAM_GITHUB: not UTF-8"),
        "{}",
        app.stderr()
    );
}

#[tokio::test]
async fn a_cache_folder_the_server_cannot_write_is_reported_once_and_lookups_still_work() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;

    // Like a fresh Fly volume owned by root under a server running as 65532.
    let dir = temp_dir("unwritable-cache");
    let upstream = github_api().await;
    let upstream_uri = upstream.uri();
    let dir_setting = dir.display().to_string();
    let mut command = app_command(&[
        ("GETIMAGES_CACHE_DIR", &dir_setting),
        ("GETIMAGES_UPSTREAM_GITHUB", &upstream_uri),
    ]);
    // Root writes anywhere, so as root the server runs as the image's user instead.
    if unsafe { libc::geteuid() } == 0 {
        command.uid(65532).gid(65532);
    } else {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    }
    let app = spawn_command(command);

    let port = app.port;
    let statuses = tokio::task::spawn_blocking(move || {
        [
            "/api/v1/lookup?q=torvalds&provider=github",
            "/github/nobody",
            "/api/v1/lookup?q=torvalds&provider=github",
        ]
        .map(|path| get(port, path).map(|r| r.status).unwrap_or(0))
    })
    .await
    .unwrap();

    assert_eq!(statuses[0], 200, "{}", app.stderr());
    assert_ne!(statuses[1], 500, "{}", app.stderr());
    assert_eq!(statuses[2], 200, "served from memory: {}", app.stderr());
    let log = app.stderr();
    let warnings = log.matches("the cache folder is not writable").count();
    assert_eq!(warnings, 1, "{log}");
    assert!(
        log.contains("chown -R 65532:65532"),
        "the fix is named: {log}"
    );
    assert!(!log.contains("could not write cache file"), "{log}");
    let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn log_lines_carry_no_colour_codes_when_stderr_is_not_a_terminal() {
    // The test harness sets NO_COLOR; an empty one counts as unset (no-color.org).
    let mut app = spawn_server(&[("NO_COLOR", "")]);
    assert_eq!(app.get("/").status, 200);
    app.signal(libc::SIGTERM);
    app.wait_for_exit(PATIENCE);

    let log = app.stderr();
    assert!(log.contains("listening on"), "{log}");
    assert!(
        !log.contains('\u{1b}'),
        "escape codes in a piped log: {log:?}"
    );
}

#[test]
fn under_systemd_socket_activation_a_request_starts_the_server_which_then_stops_itself() {
    let activate = Path::new("/usr/bin/systemd-socket-activate");
    assert!(
        activate.exists(),
        "{} is missing: install the Debian package `systemd` \
         (apt-get install systemd), or run scripts/test.sh which does",
        activate.display()
    );
    let port = free_port();
    let mut command = Command::new(activate);
    // systemd-socket-activate passes only the variables given with -E to the server.
    command.arg(format!("--listen=127.0.0.1:{port}"));
    for setting in ["GETIMAGES_IDLE_TIMEOUT=1s", "RUST_LOG=info", "NO_COLOR=1"] {
        command.arg(format!("--setenv={setting}"));
    }
    command.arg(APP).env_clear();
    let mut app = Server::launch(command, port);
    app.wait_for_log(&format!("Listening on 127.0.0.1:{port}"), PATIENCE);

    let home = app.get("/");

    assert_eq!(home.status, 200);
    let exit = app.wait_for_exit(PATIENCE);
    assert_stopped_in_window(&app, exit, home.finished_at);
    let listening = app.wait_for_log("listening on http://", Duration::ZERO);
    assert!(
        listening.contains(&format!("127.0.0.1:{port} (socket from LISTEN_FDS)")),
        "{listening}"
    );
    assert!(
        listening.contains("stops itself after 1s without a request")
            && listening.contains("GETIMAGES_IDLE_TIMEOUT=0 keeps it up"),
        "the start-up line says the server stops on idle, and how to keep it up: {listening}"
    );
}

/// When the next visitor comes, relative to the previous response.
#[derive(Debug, Clone, Copy)]
enum Moment {
    /// Well within the idle timeout: the same server answers.
    Soon,
    /// Right at the idle deadline (1 s ± 60 ms): the server may be deciding to stop.
    AtTheDeadline,
    /// After the server has stopped: a new one must start.
    AfterTheStop,
}

impl Moment {
    fn pick() -> Self {
        match fastrand::u8(0..20) {
            0..=8 => Self::AtTheDeadline,
            9..=12 => Self::Soon,
            _ => Self::AfterTheStop,
        }
    }

    fn gap(self) -> Duration {
        Duration::from_millis(match self {
            Self::Soon => fastrand::u64(0..=600),
            Self::AtTheDeadline => fastrand::u64(940..=1060),
            Self::AfterTheStop => fastrand::u64(1150..=1400),
        })
    }
}

#[test]
fn socket_activated_servers_come_and_go_without_losing_a_request() {
    const CYCLES: usize = 20;
    // A guard against a hang, not a speed goal: 20 cycles take 40–45 s alone, but with
    // the file's other tests beside them one run managed only 15 in 56 s (none lost).
    const BUDGET: Duration = Duration::from_secs(110);
    let seed = fastrand::u64(..);
    fastrand::seed(seed);
    let supervisor = Supervisor::start(&[("GETIMAGES_IDLE_TIMEOUT", "1s")]);
    let began = Instant::now();
    let mut failures = Vec::new();
    let mut requests = 0;

    let mut moment = Moment::Soon;
    let mut gap = Duration::ZERO;
    let mut last_response = Instant::now();
    while supervisor.started() < CYCLES && began.elapsed() < BUDGET {
        thread::sleep((last_response + gap).saturating_duration_since(Instant::now()));
        requests += 1;
        match get(supervisor.port, "/") {
            Ok(r) if r.status == 200 => last_response = r.finished_at,
            outcome => {
                let outcome = outcome.map(|r| r.status);
                failures.push(format!(
                    "request {requests} ({moment:?}, {gap:?}): {outcome:?}"
                ));
                last_response = Instant::now();
            }
        }
        moment = Moment::pick();
        gap = moment.gap();
    }
    let runs = supervisor.finish(Duration::from_secs(5));

    let bad_runs: Vec<_> = runs
        .iter()
        .enumerate()
        .filter(|(_, run)| !run.status.is_some_and(|s| s.success()))
        .collect();
    let report = format!(
        "seed {seed}: {} requests, {} servers started in {:?}\nfailed requests: {failures:#?}\n\
         servers that did not exit 0: {bad_runs:#?}",
        requests,
        runs.len(),
        began.elapsed(),
    );
    assert!(failures.is_empty(), "{report}");
    assert!(bad_runs.is_empty(), "{report}");
    assert!(
        runs.len() >= CYCLES,
        "too few start/stop cycles within {BUDGET:?}: {report}"
    );
    println!("{report}");
}

#[test]
fn a_request_at_the_idle_deadline_is_served_or_refused_never_reset() {
    let mut outcomes = Vec::new();
    for run in 0..5u64 {
        let mut app = spawn_server(&[("GETIMAGES_IDLE_TIMEOUT", "1s")]);
        let last = app.get("/").finished_at;
        // 10 to 50 ms past the deadline: the server is pausing and deciding to stop.
        let late = IDLE + Duration::from_millis(10 + run * 10);
        thread::sleep((last + late).saturating_duration_since(Instant::now()));
        let outcome = get(app.port, "/");
        match &outcome {
            Ok(reply) => assert_eq!(reply.status, 200, "run {run}"),
            Err(e) => assert_eq!(
                e.kind(),
                std::io::ErrorKind::ConnectionRefused,
                "run {run}: the request was taken and then dropped ({e})\n--- stderr ---\n{}",
                app.stderr()
            ),
        }
        outcomes.push(outcome.map(|r| r.status).map_err(|e| e.kind()));
        let exit = app.wait_for_exit(PATIENCE);
        assert!(exit.status.success(), "run {run}: {:?}", exit.status);
    }
    println!("at the deadline: {outcomes:?}");
}

#[test]
fn a_connection_taken_before_the_deadline_is_answered_whenever_its_request_comes() {
    use std::io::{Read, Write};
    let mut app = spawn_server(&[("GETIMAGES_IDLE_TIMEOUT", "1s")]);
    let last = app.get("/").finished_at;
    // Taken well before the deadline; its request comes after the deadline has passed,
    // while the server would be deciding to stop.
    thread::sleep((last + Duration::from_millis(600)).saturating_duration_since(Instant::now()));
    let mut visitor = std::net::TcpStream::connect(("127.0.0.1", app.port)).unwrap();
    visitor.set_read_timeout(Some(PATIENCE)).unwrap();
    thread::sleep(
        (last + IDLE + Duration::from_millis(400)).saturating_duration_since(Instant::now()),
    );
    visitor
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    let read = visitor.read_to_string(&mut reply);
    assert!(
        read.is_ok() && reply.starts_with("HTTP/1.1 200"),
        "the connection taken before the deadline was dropped ({read:?}, {reply:?})\n\
         --- stderr ---\n{}",
        app.stderr()
    );
    // A health check is no activity: the server still stops, once the connection is done.
    let exit = app.wait_for_exit(PATIENCE);
    assert!(exit.status.success(), "{:?}\n{}", exit.status, app.stderr());
}
