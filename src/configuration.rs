//! Settings: every value is a CLI flag and an environment variable.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroUsize;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use url::Url;

use crate::budget::MemoryBudget;
use crate::cache::{CacheSettings, RedisSettings, RedisUrl};
use crate::fetch::credentials::{Credential, Declared};
use crate::fetch::guard::Guard;
use crate::fetch::{ProxySettings, ProxyUse};
use crate::imaging;
use crate::lookup::{Lifetimes, LookupSettings};
use crate::providers::{self, Provider};
use crate::telemetry::LogFormat;

/// Prefix of the per-provider upstream override variables.
const UPSTREAM_ENV_PREFIX: &str = "GETIMAGES_UPSTREAM_";

/// Everything the server can be told at start-up, in sections, each handed to the part it
/// configures.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "getimages",
    version,
    about = "Paste a social profile, get its avatar and banner at full resolution.",
    after_help = "Durations take units: 500ms, 30s, 2m, 1h. Every flag can also be set by the \
                  environment variable shown beside it. Without a command, getimages serves."
)]
pub struct Settings {
    /// What to do instead of serving.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Where and how long the server listens.
    #[command(flatten)]
    pub server: Server,

    /// What the server logs, and how.
    #[command(flatten)]
    pub logs: Logs,

    /// How platforms are asked.
    #[command(flatten)]
    pub lookups: Lookups,

    /// What is kept, for how long, and where: memory, disk and Redis.
    #[command(flatten)]
    pub cache: Cache,

    /// How large an image the proxy fetches and decodes.
    #[command(flatten)]
    pub images: Images,

    /// What the process may hold and one client may ask.
    #[command(flatten)]
    pub limits: Limits,

    /// The outbound proxy for platform requests.
    #[command(flatten)]
    pub proxy: Proxy,

    /// The operator's API credentials for platforms.
    #[command(flatten)]
    pub credentials: Credentials,

    /// Hooks for tests and local development: DNS answered here, loopback counted as
    /// public, providers sent elsewhere, test routes.
    #[command(flatten)]
    pub test_hooks: TestHooks,
}

/// Where and how long the server listens.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Server")]
pub struct Server {
    /// TCP port to listen on (ignored when a socket is inherited through LISTEN_FDS).
    #[arg(long, env = "PORT", default_value_t = 8080)]
    pub port: u16,

    /// Address to listen on.
    #[arg(long, env = "GETIMAGES_HOST", default_value = "0.0.0.0")]
    pub host: IpAddr,

    /// Serve Prometheus metrics at /metrics on this port (same address as the site; 0 picks
    /// a free port). Unset, there is no /metrics; it is never on the public port, and a
    /// scrape never counts as activity.
    #[arg(long, env = "GETIMAGES_METRICS_PORT", value_name = "PORT")]
    pub metrics_port: Option<u16>,

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
}

/// What the server logs, and how.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Logs")]
pub struct Logs {
    /// Log filter, in tracing's EnvFilter syntax (e.g. info, getimages=debug).
    #[arg(long = "log", env = "RUST_LOG", default_value = "info")]
    pub log_filter: String,

    /// Log line format.
    #[arg(long, env = "GETIMAGES_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Log lines waiting for the writer thread before new ones are dropped (and counted in
    /// /metrics); 0 writes each line to stderr as it is logged, in the request's own time.
    #[arg(long, env = "GETIMAGES_LOG_BUFFER_LINES", default_value_t = 8192)]
    pub log_buffer_lines: usize,
}

/// How platforms are asked.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Lookups")]
pub struct Lookups {
    /// Deadline for one whole profile lookup.
    #[arg(long, env = "GETIMAGES_LOOKUP_TIMEOUT", default_value = "8s", value_parser = parse_duration)]
    pub lookup_timeout: Duration,

    /// Time allowed to connect to a platform.
    #[arg(long, env = "GETIMAGES_CONNECT_TIMEOUT", default_value = "3s", value_parser = parse_duration)]
    pub connect_timeout: Duration,

    /// Most lookups asking platforms at once, across all requests (single lookups, searches,
    /// refreshes); the others wait for a turn within their deadline. Answers from the cache
    /// never wait.
    #[arg(long, env = "GETIMAGES_MAX_OUTBOUND_LOOKUPS", default_value_t = 16,
          value_parser = clap::value_parser!(u16).range(1..))]
    pub max_outbound_lookups: u16,

    /// Largest page or API answer read from a platform, in bytes.
    #[arg(long, env = "GETIMAGES_MAX_PAGE_BYTES", default_value_t = 5 * 1024 * 1024)]
    pub max_page_bytes: usize,

    /// Check each found image before answering, with a ranged GET of its first 64 KiB: a
    /// size-upgraded URL that is not an image gives way to the URL the platform served,
    /// and the API's width, height and bytes are read from the image itself.
    #[arg(long, env = "GETIMAGES_CHECK_IMAGES", default_value_t = true, action = clap::ArgAction::Set,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub check_images: bool,
}

/// What is kept, for how long, and where: memory, disk and Redis.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Cache")]
pub struct Cache {
    /// How long a found profile is cached.
    #[arg(long, env = "GETIMAGES_CACHE_TTL", default_value = "24h", value_parser = parse_duration)]
    pub cache_ttl: Duration,

    /// How long "profile not found" is cached.
    #[arg(long, env = "GETIMAGES_CACHE_MISS_TTL", default_value = "5m", value_parser = parse_duration)]
    pub cache_miss_ttl: Duration,

    /// How long past its TTL a lookup may still be served (marked STALE) while a fresh one
    /// is fetched in the background.
    #[arg(long, env = "GETIMAGES_CACHE_STALE", default_value = "7d", value_parser = parse_duration)]
    pub cache_stale: Duration,

    /// Most lookup answers kept in memory.
    #[arg(long, env = "GETIMAGES_CACHE_ENTRIES", default_value_t = 10_000)]
    pub cache_entries: u64,

    /// About the most bytes of lookup answers kept in memory (bytes, or with a unit such as
    /// 16MiB); the least recently used go first.
    #[arg(long, env = "GETIMAGES_CACHE_ANSWER_BYTES", value_name = "BYTES",
          default_value = "16MiB", value_parser = parse_bytes)]
    pub cache_answer_bytes: u64,

    /// Folder for the disk cache of lookups and images [default: a getimages folder in the
    /// OS cache dir]; an empty value keeps the cache in memory only.
    #[arg(long, env = "GETIMAGES_CACHE_DIR", value_name = "DIR")]
    pub cache_dir: Option<String>,

    /// Most bytes the disk cache keeps; the least recently used entries go first.
    #[arg(long, env = "GETIMAGES_CACHE_MAX_BYTES", default_value_t = 1024 * 1024 * 1024)]
    pub cache_max_bytes: u64,

    /// Most bytes the memory cache of images and lookups keeps [default: 64MiB, or an eighth
    /// of the memory limit when that is less]. Bytes, or with a unit: `32MiB`; 0 turns it off.
    #[arg(long, env = "GETIMAGES_MEMORY_CACHE_BYTES", value_name = "BYTES", value_parser = parse_size)]
    pub memory_cache_bytes: Option<u64>,

    /// A Redis shared by every server process, as a third cache tier behind memory and
    /// disk: redis://[user:password@]host[:port][/db] (rediss:// is refused: no TLS in this
    /// build). Unset, there is no Redis tier.
    #[arg(long, env = "GETIMAGES_REDIS_URL", value_name = "URL", value_parser = parse_redis_url)]
    pub redis_url: Option<RedisUrl>,

    /// Put before every Redis key, so several apps can share one database.
    #[arg(long, env = "GETIMAGES_REDIS_PREFIX", default_value = "getimages:v1:")]
    pub redis_prefix: String,

    /// Largest entry stored in Redis, in bytes; larger image variants stay local.
    #[arg(long, env = "GETIMAGES_REDIS_MAX_VALUE_BYTES", default_value_t = 1024 * 1024)]
    pub redis_max_value_bytes: u64,

    /// Longest a Redis read may take before it counts as a miss (writes run in the
    /// background).
    #[arg(long, env = "GETIMAGES_REDIS_TIMEOUT", default_value = "50ms", value_parser = parse_duration)]
    pub redis_timeout: Duration,
}

/// How large an image the proxy fetches and decodes.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Images")]
pub struct Images {
    /// Largest image fetched for /image, in bytes.
    #[arg(long, env = "GETIMAGES_MAX_IMAGE_BYTES", default_value_t = 15 * 1024 * 1024)]
    pub max_image_bytes: usize,

    /// Largest image decoded, in pixels (width × height) [default: 40 million, or fewer when
    /// the memory budget cannot decode that many as 8-bit RGBA].
    #[arg(long, env = "GETIMAGES_MAX_IMAGE_PIXELS")]
    pub max_image_pixels: Option<u64>,
}

/// What the process may hold and one client may ask.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Limits")]
pub struct Limits {
    /// Memory the image path and lookups may hold at once (fetched bodies and pages, page
    /// parses, decoded pixels, encode buffers), in bytes or with a unit (160MiB, 1GiB)
    /// [default: what the memory limit (the cgroup's, or the machine's memory) leaves once
    /// the memory caches, 32MiB of base and a 10% margin are set aside].
    #[arg(long, env = "GETIMAGES_MEMORY_BUDGET", value_name = "BYTES", value_parser = parse_bytes)]
    pub memory_budget: Option<u64>,

    /// Lookups (/lookup, /api/v1/lookup, /{provider}/{id}) one client may make per minute
    /// on average; 0 turns rate limiting off.
    #[arg(long, env = "GETIMAGES_RATE_LIMIT", default_value_t = 60)]
    pub rate_limit: u32,

    /// Lookups one client may make at once before the per-minute average applies.
    #[arg(long, env = "GETIMAGES_RATE_LIMIT_BURST", default_value_t = 20)]
    pub rate_limit_burst: u32,

    /// Searches of a bare name across every platform (/api/v1/search, and /lookup with a
    /// bare name) one client may make per minute on average; 0 turns the limit off. One
    /// search asks every platform that takes usernames, so it has a limit of its own.
    #[arg(long, env = "GETIMAGES_SEARCH_RATE_LIMIT", default_value_t = 10)]
    pub search_rate_limit: u32,

    /// Searches one client may make at once before the per-minute average applies.
    #[arg(long, env = "GETIMAGES_SEARCH_RATE_LIMIT_BURST", default_value_t = 3)]
    pub search_rate_limit_burst: u32,

    /// Images (/image) one client may fetch per minute on average; 0 turns the limit off.
    #[arg(long, env = "GETIMAGES_IMAGE_RATE_LIMIT", default_value_t = 300)]
    pub image_rate_limit: u32,

    /// Images one client may fetch at once before the per-minute average applies.
    #[arg(long, env = "GETIMAGES_IMAGE_RATE_LIMIT_BURST", default_value_t = 60)]
    pub image_rate_limit_burst: u32,

    /// Take the client's address from the Fly-Client-IP header (only behind Fly's proxy,
    /// which sets it; anyone could send it otherwise).
    #[arg(long, env = "GETIMAGES_TRUST_FLY_CLIENT_IP", default_value_t = false,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub trust_fly_client_ip: bool,

    /// Longest query string accepted (414 beyond it).
    #[arg(long, env = "GETIMAGES_MAX_QUERY_BYTES", default_value_t = 8192)]
    pub max_query_bytes: usize,

    /// Most bytes of request headers accepted (431 beyond it).
    #[arg(long, env = "GETIMAGES_MAX_HEADER_BYTES", default_value_t = 16 * 1024)]
    pub max_header_bytes: usize,

    /// How long a client may take to send a request's headers before the connection is
    /// closed (slow-header attacks).
    #[arg(long, env = "GETIMAGES_CLIENT_REQUEST_TIMEOUT", default_value = "5s", value_parser = parse_duration)]
    pub client_request_timeout: Duration,
}

/// The outbound proxy for platform requests.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Proxy")]
pub struct Proxy {
    /// An outbound proxy for platform requests: http://, https://, socks5:// or socks5h://
    /// (user:password@ allowed). Every name is resolved and checked here first, as without
    /// a proxy. Ambient HTTP_PROXY/HTTPS_PROXY/ALL_PROXY variables are never used.
    #[arg(long, env = "GETIMAGES_PROXY", value_name = "URL", value_parser = parse_proxy, hide_env_values = true)]
    pub proxy: Option<Url>,

    /// Which lookups go through GETIMAGES_PROXY: `blocked` (a lookup a platform blocked is
    /// asked once more through the proxy), `all`, or a comma-separated list of provider ids
    /// that always use it (the others retry through it when blocked).
    #[arg(long, env = "GETIMAGES_PROXY_PROVIDERS", default_value = "blocked", value_parser = parse_proxy_use)]
    pub proxy_providers: ProxyUse,
}

/// The operator's API credentials for platforms, set by the flags and variables each
/// provider declares (`Provider::credentials`), all under one `--help` heading.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    /// The values set, by flag.
    values: HashMap<&'static str, String>,
}

/// Hooks for tests and local development: DNS answered here, loopback counted as public,
/// providers sent elsewhere, test routes.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Tests and development")]
pub struct TestHooks {
    /// Answer DNS for these names ourselves, as NAME=IP (repeatable; the variable takes a
    /// comma-separated list). The SSRF guard still checks the address.
    #[arg(long = "resolve", env = "GETIMAGES_RESOLVE", value_name = "NAME=IP",
          value_delimiter = ',', value_parser = parse_resolve)]
    pub resolve: Vec<(String, IpAddr)>,

    /// Addresses the SSRF guard counts as public, for tests that need a "public" server on
    /// loopback (comma-separated). Never set in production.
    #[arg(
        long = "treat-as-public",
        env = "GETIMAGES_TREAT_AS_PUBLIC",
        value_name = "IP",
        value_delimiter = ','
    )]
    pub treat_as_public: Vec<IpAddr>,

    /// Let lookups reach loopback and private addresses. For tests and local development only.
    #[arg(long, env = "GETIMAGES_ALLOW_PRIVATE_NETWORKS", default_value_t = false,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub allow_private_networks: bool,

    /// Send a provider's requests to another origin, as ID=URL (repeatable; also
    /// GETIMAGES_UPSTREAM_<ID>=URL with the id upper-cased and - as _). For tests.
    #[arg(long = "upstream", value_name = "ID=URL", value_parser = parse_upstream)]
    pub upstreams: Vec<(String, Url)>,

    /// Serve /__test/* routes used by the test suite. Never enable in production.
    // Boolish, so the variable takes 1/0, true/false, yes/no, on/off, not only true/false.
    #[arg(long, env = "GETIMAGES_TEST_ROUTES", default_value_t = false,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub test_routes: bool,

    /// [`TestHooks::upstream_overrides`]' answer, read once: `main` checks it before the
    /// logs are set up, and the fetcher takes it later (each read copies the environment).
    #[arg(skip)]
    overrides: OnceLock<Result<Vec<(String, Url)>, String>>,
}

/// What `getimages` does instead of serving.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Check each platform live: look its example profile up and say whether it still works.
    ///
    /// One provider at a time, uncached, each within the lookup timeout. A line per provider:
    /// ok, degraded (a later way found it), blocked (twice), not found, changed (answered with
    /// no picture), unreachable, placeholder (a handle that cannot exist came back with a
    /// picture), too small (below the platform's floor) or no banner, with the way of asking
    /// that worked, the time, the avatar's size, each way's own outcome and the avatar URL.
    /// Exits 0 when every one checked is ok (or degraded, with --allow-degraded), 1
    /// otherwise, 2 on bad arguments. The server's settings apply (flags before `check`, or
    /// variables), upstream overrides included.
    Check(CheckArgs),
}

/// What `getimages check` checks, and how it reports.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// Provider ids or aliases to check [default: every platform].
    #[arg(value_name = "PROVIDER", value_parser = parse_provider)]
    pub providers: Vec<&'static Provider>,

    /// Print a JSON array of {provider, handle, outcome, strategy, ms, avatar, width, height,
    /// bytes, banner, retried, ways, control, message} instead of one line per provider.
    #[arg(long)]
    pub json: bool,

    /// Count `degraded` (a later way found the avatar after the first failed) as passing:
    /// exit 0 when every platform is ok or degraded.
    #[arg(long, env = "GETIMAGES_CHECK_ALLOW_DEGRADED", default_value_t = false,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub allow_degraded: bool,

    /// How long to wait before asking a blocked platform once more; only the second block
    /// is reported as `blocked`.
    #[arg(long, env = "GETIMAGES_CHECK_RETRY_DELAY", default_value = "10s", value_parser = parse_duration)]
    pub retry_delay: Duration,
}

impl Settings {
    /// The settings from the command line and the environment; on a bad value, prints what
    /// was wrong and exits with code 2 (help and version print and exit 0).
    pub fn load() -> Self {
        Self::try_parse().unwrap_or_else(|e| {
            let args: Vec<String> = std::env::args().skip(1).collect();
            match env_error(&e, &args) {
                Some(message) => {
                    eprint!("{message}");
                    std::process::exit(2);
                }
                None => e.exit(),
            }
        })
    }

    /// How `memory_limit` (the machine's, read once at start) is spent: the budget (the
    /// setting, or what the limit leaves once the memory caches, the base and a margin are
    /// set aside), and the caches.
    pub fn memory_split(&self, memory_limit: Option<u64>) -> crate::budget::Split {
        crate::budget::Split::of(
            memory_limit,
            self.cache.memory_cache_bytes,
            self.cache.cache_answer_bytes,
            self.limits.memory_budget,
        )
    }

    /// The lookup service's settings: the deadline and turns of [`Lookups`], and how long
    /// and how many of its answers the [`Cache`] keeps.
    pub fn lookup(&self) -> LookupSettings {
        LookupSettings {
            timeout: self.lookups.lookup_timeout,
            lifetimes: self.cache.lifetimes(),
            max_entries: self.cache.cache_entries,
            check_images: self.lookups.check_images,
            max_bytes: self.cache.cache_answer_bytes,
            max_outbound: usize::from(self.lookups.max_outbound_lookups),
        }
    }
}

impl Server {
    /// The address to bind when no socket is inherited.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::new(self.host, self.port)
    }

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

impl Cache {
    /// The tiered cache of lookups and images, with `memory_bytes` for its memory tier (the
    /// setting, or the memory split's share).
    pub fn tiers(&self, memory_bytes: u64) -> CacheSettings {
        CacheSettings {
            memory_bytes,
            dir: self.dir(),
            max_disk_bytes: self.cache_max_bytes,
            redis: self.redis(),
        }
    }

    /// How long lookup answers are kept.
    pub fn lifetimes(&self) -> Lifetimes {
        Lifetimes {
            ttl: self.cache_ttl,
            miss_ttl: self.cache_miss_ttl,
            stale: self.cache_stale,
        }
    }

    /// The disk cache folder: the flag or variable, the OS default when unset, `None` when set
    /// to an empty value.
    fn dir(&self) -> Option<std::path::PathBuf> {
        crate::cache::dir_from_setting(self.cache_dir.as_deref())
    }

    /// The Redis tier, if one is set.
    fn redis(&self) -> Option<RedisSettings> {
        Some(RedisSettings {
            url: self.redis_url.clone()?,
            prefix: self.redis_prefix.clone(),
            max_value_bytes: self.redis_max_value_bytes,
            read_timeout: self.redis_timeout,
        })
    }
}

impl Images {
    /// The image transform's limits: the source size, and the pixel limit, which is the
    /// setting or 40 million (the decode time we accept), fewer when one decode's share of
    /// `budget` cannot hold that many as 8-bit RGBA.
    pub fn limits(&self, budget: &MemoryBudget) -> imaging::Limits {
        imaging::Limits {
            max_source_bytes: self.max_image_bytes,
            max_pixels: self
                .max_image_pixels
                .unwrap_or((budget.most_for_decode() / 4).min(40_000_000)),
            max_alloc: budget.most_for_decode(),
        }
    }
}

impl Proxy {
    /// The outbound proxy and which lookups use it, if one is set.
    pub fn settings(&self) -> Option<ProxySettings> {
        Some(ProxySettings {
            url: self.proxy.clone()?,
            used: self.proxy_providers.clone(),
        })
    }
}

impl Credentials {
    /// The credentials set, by provider id: each provider's declared credential whose every
    /// value is set.
    pub fn by_provider(&self) -> HashMap<&'static str, Arc<Credential>> {
        declaring()
            .filter_map(|(provider, declared)| {
                let values: Vec<Option<String>> = declared
                    .fields()
                    .iter()
                    .map(|(field, _)| self.values.get(field.flag).cloned())
                    .collect();
                Some((provider.id, Arc::new(declared.credential(&values)?)))
            })
            .collect()
    }
}

/// The providers that declare credentials, with their declarations.
fn declaring() -> impl Iterator<Item = (&'static Provider, Declared)> {
    providers::ALL
        .iter()
        .filter_map(|provider| Some((*provider, provider.credentials?)))
}

impl clap::Args for Credentials {
    /// A flag and variable for every credential setting a provider declares; a setting of a
    /// provider needs its others (an OAuth client id, its secret).
    fn augment_args(command: clap::Command) -> clap::Command {
        let mut command = command.next_help_heading("Credentials");
        for (_, declared) in declaring() {
            let fields = declared.fields();
            for (field, secret) in &fields {
                let mut arg = Arg::new(field.flag)
                    .long(field.flag)
                    .env(field.env)
                    .help(field.help)
                    // `<GITHUB_TOKEN>`: the variable's name without the prefix.
                    .value_name(field.env.strip_prefix("GETIMAGES_").unwrap_or(field.env))
                    .action(ArgAction::Set)
                    .value_parser(clap::value_parser!(String))
                    .hide_env_values(*secret);
                for (other, _) in fields.iter().filter(|(other, _)| other.flag != field.flag) {
                    arg = arg.requires(other.flag);
                }
                command = command.arg(arg);
            }
        }
        command
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        Self::augment_args(command)
    }
}

impl FromArgMatches for Credentials {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut credentials = Self::default();
        credentials.update_from_arg_matches(matches)?;
        Ok(credentials)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        for (_, declared) in declaring() {
            for (field, _) in declared.fields() {
                if let Some(value) = matches.get_one::<String>(field.flag) {
                    self.values.insert(field.flag, value.clone());
                }
            }
        }
        Ok(())
    }
}

impl TestHooks {
    /// The SSRF guard: names answered here, addresses counted as public, and private
    /// networks let through when asked.
    pub fn guard(&self) -> Guard {
        let mut resolve: HashMap<String, Vec<IpAddr>> = HashMap::new();
        for (name, ip) in &self.resolve {
            resolve.entry(name.clone()).or_default().push(*ip);
        }
        let guard = Guard::new(resolve, self.treat_as_public.iter().copied().collect());
        if self.allow_private_networks {
            guard.allowing_private_networks()
        } else {
            guard
        }
    }

    /// Every upstream override: `--upstream` flags, then `GETIMAGES_UPSTREAM_<ID>` variables,
    /// keyed by provider id (lower case, `_` read as `-`). A bad variable is an error naming it.
    /// Other variables may hold any bytes: only these must be text. Read once, on first use.
    pub fn upstream_overrides(&self) -> Result<Vec<(String, Url)>, String> {
        self.overrides
            .get_or_init(|| self.read_upstream_overrides())
            .clone()
    }

    /// [`TestHooks::upstream_overrides`], read from the flags and the environment.
    fn read_upstream_overrides(&self) -> Result<Vec<(String, Url)>, String> {
        let mut out = Vec::new();
        for (id, url) in &self.upstreams {
            out.push((provider_id(id, "--upstream")?, url.clone()));
        }
        for (name, value) in std::env::vars_os() {
            if !name
                .as_encoded_bytes()
                .starts_with(UPSTREAM_ENV_PREFIX.as_bytes())
            {
                continue;
            }
            let name = name.to_string_lossy();
            let value = value
                .to_str()
                .ok_or_else(|| format!("invalid value for {name}: not UTF-8"))?;
            let id = &name[UPSTREAM_ENV_PREFIX.len()..];
            let id = provider_id(&id.to_ascii_lowercase().replace('_', "-"), &name)?;
            let url = parse_origin(value).map_err(|e| format!("invalid value for {name}: {e}"))?;
            out.push((id, url));
        }
        Ok(out)
    }
}

/// clap's message for a bad value, reworded to name the environment variable when the value
/// came from one (`PORT=abc` is about PORT, not `--port`, which nobody typed); `None` when
/// the value came from the command line or the error is not about a value.
fn env_error(e: &clap::Error, args: &[String]) -> Option<String> {
    if !matches!(
        e.kind(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation
    ) {
        return None;
    }
    let Some(ContextValue::String(shown)) = e.get(ContextKind::InvalidArg) else {
        return None;
    };
    let long = shown.strip_prefix("--")?.split([' ', '=']).next()?;
    let typed = args.iter().any(|a| {
        a.strip_prefix("--")
            .is_some_and(|a| a.split('=').next() == Some(long))
    });
    if typed {
        return None;
    }
    let command = Settings::command();
    let arg = command
        .get_arguments()
        .find(|a| a.get_long() == Some(long))?;
    let var = arg.get_env()?.to_string_lossy().into_owned();
    std::env::var_os(&var)?;
    Some(e.render().to_string().replacen(
        &format!("'{shown}'"),
        &format!("{var} (the variable of --{long})"),
        1,
    ))
}

/// The canonical id of the provider `id` names (an alias is accepted), or an error naming
/// `setting`: an override for no provider would silently do nothing.
fn provider_id(id: &str, setting: &str) -> Result<String, String> {
    providers::by_id(id)
        .map(|p| p.id.to_owned())
        .ok_or_else(|| {
            format!(
                "invalid value for {setting}: there is no provider {id:?} (the ids are listed \
                 by GET /api/v1/providers)"
            )
        })
}

/// Parses a provider id or alias for `getimages check`.
fn parse_provider(id: &str) -> Result<&'static Provider, String> {
    providers::by_id(id).ok_or_else(|| {
        let ids: Vec<&str> = providers::ALL.iter().map(|p| p.id).collect();
        format!(
            "there is no provider {id:?}; the ids are {}",
            ids.join(", ")
        )
    })
}

/// Parses `NAME=IP` for `--resolve`.
fn parse_resolve(value: &str) -> Result<(String, IpAddr), String> {
    let (name, ip) = value
        .split_once('=')
        .ok_or_else(|| "expected NAME=IP, e.g. example.test=203.0.113.7".to_owned())?;
    let ip = ip
        .trim()
        .parse()
        .map_err(|e| format!("{ip}: {e} (expected an IP address)"))?;
    Ok((name.trim().to_ascii_lowercase(), ip))
}

/// Parses `--redis-url`; the message names the variable too, since that is how it is
/// usually set.
fn parse_redis_url(value: &str) -> Result<RedisUrl, String> {
    RedisUrl::parse(value).map_err(|e| format!("{e} (GETIMAGES_REDIS_URL)"))
}

/// Parses `--proxy`: an http(s) or SOCKS5 URL with a host.
fn parse_proxy(value: &str) -> Result<Url, String> {
    let url = Url::parse(value.trim()).map_err(|e| format!("{e} (GETIMAGES_PROXY)"))?;
    if !matches!(url.scheme(), "http" | "https" | "socks5" | "socks5h") || url.host_str().is_none()
    {
        return Err(format!(
            "GETIMAGES_PROXY must be an http://, https://, socks5:// or socks5h:// URL, not {}",
            url.scheme()
        ));
    }
    Ok(url)
}

/// Parses `--proxy-providers`: `blocked`, `all`, or provider ids.
fn parse_proxy_use(value: &str) -> Result<ProxyUse, String> {
    match value.trim() {
        "" | "blocked" => Ok(ProxyUse::WhenBlocked),
        "all" => Ok(ProxyUse::All),
        list => list
            .split(',')
            .map(|id| {
                crate::providers::by_id(id)
                    .map(|p| p.id)
                    .ok_or_else(|| format!("no provider {id} (GETIMAGES_PROXY_PROVIDERS)"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(ProxyUse::Providers),
    }
}

/// Parses `ID=URL` for `--upstream`.
fn parse_upstream(value: &str) -> Result<(String, Url), String> {
    let (id, url) = value
        .split_once('=')
        .ok_or_else(|| "expected ID=URL, e.g. github=http://127.0.0.1:9001".to_owned())?;
    Ok((id.trim().to_ascii_lowercase(), parse_origin(url)?))
}

fn parse_origin(value: &str) -> Result<Url, String> {
    let url = Url::parse(value.trim()).map_err(|e| format!("{e} (expected an http(s) URL)"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("{value} is not an http(s) URL"));
    }
    Ok(url)
}

/// Parses a number of bytes, bare or with a unit (`160MiB`, `1.5 GiB`, `200MB`).
fn parse_bytes(value: &str) -> Result<u64, String> {
    let bytes = parse_size(value)?;
    if bytes < 1024 * 1024 {
        return Err(format!("{value} is less than 1 MiB"));
    }
    Ok(bytes)
}

/// Parses a size in bytes, `0` included: `32MiB`, `1GiB`, `33554432`.
fn parse_size(value: &str) -> Result<u64, String> {
    Ok(value
        .trim()
        .parse::<bytesize::ByteSize>()
        .map_err(|e| format!("{e} (expected bytes such as 160MiB, 1GiB or 167772160)"))?
        .as_u64())
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
    fn an_empty_cache_dir_turns_the_disk_cache_off() {
        let dir = |args: &[&str]| parse(args).unwrap().cache.dir();
        assert_eq!(dir(&["--cache-dir", ""]), None);
        assert_eq!(dir(&["--cache-dir", "/cache"]), Some("/cache".into()));
    }

    #[test]
    fn durations_accept_units_and_bare_seconds() {
        let s = parse(&["--idle-timeout", "2m"]).unwrap();
        assert_eq!(s.server.idle_timeout(), Some(Duration::from_secs(120)));
        let s = parse(&["--idle-timeout", "45"]).unwrap();
        assert_eq!(s.server.idle_timeout(), Some(Duration::from_secs(45)));
        let s = parse(&["--idle-timeout", "0"]).unwrap();
        assert_eq!(s.server.idle_timeout(), None);
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
        assert!(parse(&["--test-routes"]).unwrap().test_hooks.test_routes);
        assert!(!parse(&[]).unwrap().test_hooks.test_routes);
    }

    #[test]
    fn upstream_overrides_take_id_equals_url() {
        let s = parse(&["--upstream", "X=http://127.0.0.1:9001"]).unwrap();
        assert_eq!(s.test_hooks.upstreams[0].0, "x");
        assert_eq!(
            s.test_hooks.upstreams[0].1.as_str(),
            "http://127.0.0.1:9001/"
        );
        assert_eq!(parse(&["--upstream", "x"]).unwrap_err().exit_code(), 2);
        assert_eq!(
            parse(&["--upstream", "x=ftp://a"]).unwrap_err().exit_code(),
            2
        );
    }

    #[test]
    fn a_redis_url_is_checked_at_start_up() {
        assert!(
            parse(&[]).unwrap().cache.redis().is_none(),
            "no Redis unless asked"
        );
        let s = parse(&["--redis-url", "redis://127.0.0.1:6379"]).unwrap();
        let redis = s.cache.redis().unwrap();
        assert_eq!(redis.prefix, "getimages:v1:");
        assert_eq!(redis.max_value_bytes, 1024 * 1024);
        assert_eq!(redis.read_timeout, Duration::from_millis(50));

        let err = parse(&["--redis-url", "rediss://example.test:6379"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("--redis-url"), "{err}");
        assert!(err.to_string().contains("not supported"), "{err}");
        let err = parse(&["--redis-url", "localhost:6379"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("GETIMAGES_REDIS_URL"), "{err}");
    }

    #[test]
    fn the_memory_cache_takes_units_and_zero_turns_it_off() {
        let s = parse(&["--memory-cache-bytes", "32MiB"]).unwrap();
        assert_eq!(s.memory_split(None).memory_cache, 32 * 1024 * 1024);
        let s = parse(&["--memory-cache-bytes", "0"]).unwrap();
        assert_eq!(s.memory_split(None).memory_cache, 0);
        assert!(parse(&["--memory-cache-bytes", "lots"]).is_err());
    }

    #[test]
    fn a_memory_budget_takes_units() {
        let s = parse(&["--memory-budget", "160MiB"]).unwrap();
        assert_eq!(s.memory_split(None).budget, 160 * 1024 * 1024);
        let s = parse(&["--memory-budget", "200000000"]).unwrap();
        assert_eq!(s.limits.memory_budget, Some(200_000_000));
        let err = parse(&["--memory-budget", "lots"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("expected bytes"), "{err}");
        assert_eq!(
            parse(&["--memory-budget", "10KiB"])
                .unwrap_err()
                .exit_code(),
            2
        );
    }

    #[test]
    fn credentials_are_the_settings_their_providers_declare() {
        let s = parse(&["--github-token", "ghp_x"]).unwrap();
        let credentials = s.credentials.by_provider();
        assert!(
            matches!(credentials["github"].as_ref(), Credential::Header(v) if v == "Bearer ghp_x")
        );
        assert!(!credentials.contains_key("reddit"));

        let s = parse(&["--reddit-client-id", "id", "--reddit-client-secret", "pw"]).unwrap();
        let credentials = s.credentials.by_provider();
        let Credential::OAuth(client) = credentials["reddit"].as_ref() else {
            panic!("Reddit's OAuth client");
        };
        assert_eq!(
            client.token_url,
            "https://www.reddit.com/api/v1/access_token"
        );
        assert!(!credentials.contains_key("github"));

        let err = parse(&["--reddit-client-id", "id"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("--reddit-client-secret"), "{err}");
    }

    #[test]
    fn keep_alive_never_outlives_the_idle_timeout() {
        let s = parse(&["--idle-timeout", "1s", "--keep-alive", "5s"]).unwrap();
        assert_eq!(s.server.effective_keep_alive(), Duration::from_secs(1));
        let s = parse(&["--idle-timeout", "0", "--keep-alive", "5s"]).unwrap();
        assert_eq!(s.server.effective_keep_alive(), Duration::from_secs(5));
    }
}
