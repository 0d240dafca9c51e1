//! A `redis-server` for tests and benches: started on a free loopback port without
//! persistence (`--save '' --appendonly no`), killed when dropped. The Debian package
//! `redis-server` provides it; `scripts/test.sh` installs it.

use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How long anything we wait for (Redis starting, a background write landing) may take.
pub const WAIT: Duration = Duration::from_secs(15);

/// A `redis-server` on a loopback port, killed when dropped.
pub struct RedisServer {
    /// The loopback port it listens on.
    pub port: u16,
    child: Child,
}

impl RedisServer {
    pub fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free loopback port")
            .port();
        Self::start_on(port)
    }

    /// Starts one on `port` (again, after [`Self::kill`]) and waits until it answers.
    pub fn start_on(port: u16) -> Self {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start redis-server ({e}); run scripts/test.sh, which installs \
                     it (Debian package redis-server)"
                )
            });
        let server = Self { port, child };
        wait_until("redis-server answers PING", || {
            server
                .try_connection()
                .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c).ok())
                .is_some()
        });
        server
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn try_connection(&self) -> Option<redis::Connection> {
        let client = redis::Client::open(self.url()).ok()?;
        client
            .get_connection_with_timeout(Duration::from_secs(1))
            .ok()
    }

    /// Runs `command` on it; panics if it cannot.
    pub fn query<T: redis::FromRedisValue>(&self, command: &redis::Cmd) -> T {
        let mut connection = self.try_connection().expect("connect to redis-server");
        command.query(&mut connection).expect("redis command")
    }

    pub fn value(&self, key: &str) -> Option<Vec<u8>> {
        self.query(redis::cmd("GET").arg(key))
    }

    pub fn keys(&self) -> Vec<String> {
        self.query(redis::cmd("KEYS").arg("getimages:*"))
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Polls `done` until it is true; panics naming `what` after [`WAIT`].
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        thread::sleep(Duration::from_millis(20));
    }
}
