//! Settings: every value is a CLI flag and an environment variable.

use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::time::Duration;

use clap::{Parser, ValueEnum};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Everything the server can be told at start-up.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "getimages",
    version,
    about = "Paste a social profile, get its avatar and banner at full resolution.",
    after_help = "Durations take units: 500ms, 30s, 2m, 1h. Every flag can also be set by the \
                  environment variable shown beside it."
)]
pub struct Settings {
    /// TCP port to listen on (ignored when a socket is inherited through LISTEN_FDS).
    #[arg(long, env = "PORT", default_value_t = 8080)]
    pub port: u16,

    /// Address to listen on.
    #[arg(long, env = "GETIMAGES_HOST", default_value = "0.0.0.0")]
    pub host: IpAddr,

    /// Stop the process (exit 0) after this long without a request; 0 never stops.
    #[arg(long, env = "GETIMAGES_IDLE_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub idle_timeout: Duration,

    /// Comma-separated request paths that do not count as activity (/healthz never does).
    #[arg(long, env = "GETIMAGES_IDLE_IGNORE_PATHS", value_delimiter = ',')]
    pub idle_ignore_paths: Vec<String>,

    /// How long a graceful stop waits for requests in flight before closing them.
    #[arg(long, env = "GETIMAGES_SHUTDOWN_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub shutdown_timeout: Duration,

    /// How long an idle keep-alive connection stays open (never longer than the idle timeout).
    #[arg(long, env = "GETIMAGES_KEEP_ALIVE", default_value = "5s", value_parser = parse_duration)]
    pub keep_alive: Duration,

    /// Worker threads serving requests [default: number of CPUs].
    #[arg(long, env = "GETIMAGES_WORKERS")]
    pub workers: Option<NonZeroUsize>,

    /// Log filter, in tracing's EnvFilter syntax (e.g. info, getimages=debug).
    #[arg(long = "log", env = "RUST_LOG", default_value = "info")]
    pub log_filter: String,

    /// Log line format.
    #[arg(long, env = "GETIMAGES_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Serve /__test/* routes used by the test suite. Never enable in production.
    // Boolish, so the variable takes 1/0, true/false, yes/no, on/off, not only true/false.
    #[arg(long, env = "GETIMAGES_TEST_ROUTES", default_value_t = false,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub test_routes: bool,
}

impl Settings {
    /// The idle timeout, or `None` when the server should never stop by itself.
    pub fn idle_timeout(&self) -> Option<Duration> {
        (!self.idle_timeout.is_zero()).then_some(self.idle_timeout)
    }

    /// Keep-alive capped by the idle timeout, so idle connections are gone by the idle deadline
    /// and never hold a graceful stop open.
    pub fn effective_keep_alive(&self) -> Duration {
        match self.idle_timeout() {
            Some(idle) => self.keep_alive.min(idle),
            None => self.keep_alive,
        }
    }
}

/// Parses `0`, a bare number of seconds, or a humantime duration such as `30s` or `2m`.
fn parse_duration(value: &str) -> Result<Duration, String> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    humantime::parse_duration(value)
        .map_err(|e| format!("{e} (expected a duration such as 500ms, 30s, 2m or 0)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Settings, clap::Error> {
        Settings::try_parse_from(std::iter::once("getimages").chain(args.iter().copied()))
    }

    #[test]
    fn durations_accept_units_and_bare_seconds() {
        let s = parse(&["--idle-timeout", "2m"]).unwrap();
        assert_eq!(s.idle_timeout(), Some(Duration::from_secs(120)));
        let s = parse(&["--idle-timeout", "45"]).unwrap();
        assert_eq!(s.idle_timeout(), Some(Duration::from_secs(45)));
        let s = parse(&["--idle-timeout", "0"]).unwrap();
        assert_eq!(s.idle_timeout(), None);
    }

    #[test]
    fn bad_values_are_rejected_with_usage_exit_code() {
        let err = parse(&["--idle-timeout", "soon"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("expected a duration"), "{err}");
        assert_eq!(parse(&["--port", "70000"]).unwrap_err().exit_code(), 2);
        assert_eq!(parse(&["--host", "not-an-ip"]).unwrap_err().exit_code(), 2);
    }

    #[test]
    fn test_routes_flag_needs_no_value() {
        assert!(parse(&["--test-routes"]).unwrap().test_routes);
        assert!(!parse(&[]).unwrap().test_routes);
    }

    #[test]
    fn keep_alive_never_outlives_the_idle_timeout() {
        let s = parse(&["--idle-timeout", "1s", "--keep-alive", "5s"]).unwrap();
        assert_eq!(s.effective_keep_alive(), Duration::from_secs(1));
        let s = parse(&["--idle-timeout", "0", "--keep-alive", "5s"]).unwrap();
        assert_eq!(s.effective_keep_alive(), Duration::from_secs(5));
    }
}
