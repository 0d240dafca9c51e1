//! Start-up and lifecycle: bind (or inherit) the listener, serve, and stop on idle or signal.

use std::net::{SocketAddr, TcpListener};
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::dev::{Server, ServerHandle};
use actix_web::{App, HttpServer, web};

use crate::budget::{self, MemoryBudget};
use crate::cache::TieredCache;
use crate::configuration::{self, Settings};
use crate::fetch::guard::Guard;
use crate::fetch::{FetchSettings, Fetcher};
use crate::idle::IdleWatcher;
use crate::lookup::Lookup;
use crate::machine::Machine;
use crate::proxy::ImageProxy;
use crate::routes::ratelimit::{Limiters, RateLimit};
use crate::routes::security::{self, RequestLimits};
use crate::{listener, routes, telemetry};

/// After pausing the acceptor, how long to wait for connections it had already taken
/// before deciding the stop is final.
const STOP_GRACE: Duration = Duration::from_millis(50);

/// How long each worker thread may take to run once while a stop is decided; a worker
/// busier than that calls the stop off.
const SETTLE_WITHIN: Duration = Duration::from_secs(1);

/// Why the server stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// Nobody used it for the idle timeout.
    Idle(Duration),
    /// SIGTERM or SIGINT.
    Signal(&'static str),
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configured address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address that was asked for.
        addr: SocketAddr,
        /// What the OS said.
        source: std::io::Error,
    },
    /// An inherited socket (`LISTEN_FDS`) could not be used.
    #[error("cannot use the socket passed in LISTEN_FDS: {0}")]
    Inherited(std::io::Error),
    /// A setting read from the environment is invalid.
    #[error("{0}")]
    Setting(String),
    /// The HTTP server could not be set up on the listener.
    #[error("cannot start the HTTP server: {0}")]
    Server(std::io::Error),
}

/// A bound, ready server: `build`, then `port`, then `run_until_stopped`.
pub struct Application {
    addr: SocketAddr,
    inherited: bool,
    server: Server,
    metrics: Option<MetricsServer>,
    watcher: IdleWatcher,
    started: Instant,
    /// The listening socket, shared with the server, to see whether connections wait in
    /// its queue before deciding to stop.
    queue: Option<TcpListener>,
}

/// The metrics port's own server: no idle tracking, no request logs, one worker.
struct MetricsServer {
    addr: SocketAddr,
    server: Server,
}

impl Application {
    /// Binds the listener (or takes the one from socket activation) and prepares the server
    /// for the machine, whose shape is read once, here. Nothing slow happens here: no network
    /// calls, no large allocations; caches and HTTP clients are made on first use.
    pub fn build(settings: &Settings) -> Result<Self, StartError> {
        let started = Instant::now();
        let machine = Machine::read();
        let (listener, inherited) = take_listener(&settings.server)?;
        let addr = listener.local_addr().map_err(StartError::Inherited)?;
        let queue = listener.try_clone().ok();
        let services = Services::new(settings, &machine)?;
        let watcher = IdleWatcher::new(
            settings.server.idle_timeout(),
            &settings.server.idle_ignore_paths,
        );
        let server = http_server(settings, &machine, services, &watcher, listener)?;
        let metrics = metrics_server(&settings.server, &watcher)?;
        Ok(Self {
            addr,
            inherited,
            server,
            metrics,
            watcher,
            started,
            queue,
        })
    }

    /// The port actually bound (useful with port 0 in tests).
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The metrics port actually bound, if metrics are served.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|m| m.addr.port())
    }

    /// Serves until idle or a signal, stops gracefully, and says why.
    pub async fn run_until_stopped(self) -> std::io::Result<StopReason> {
        let source = if self.inherited {
            " (socket from LISTEN_FDS)"
        } else {
            ""
        };
        // A newcomer's first run ends by itself: say so where they look first.
        let stopping = match self.watcher.timeout() {
            Some(idle) => format!(
                "; stops itself after {} without a request (GETIMAGES_IDLE_TIMEOUT=0 keeps it up)",
                humantime::format_duration(idle)
            ),
            None => "; never stops on idle (GETIMAGES_IDLE_TIMEOUT=0)".to_owned(),
        };
        tracing::info!(
            "listening on http://{}{source} (ready in {} ms){stopping}",
            self.addr,
            self.started.elapsed().as_millis()
        );
        let metrics = self.metrics.map(|m| {
            tracing::info!("metrics on http://{}/metrics", m.addr);
            let handle = m.server.handle();
            (tokio::spawn(m.server), handle)
        });
        let lifecycle = tokio::spawn(stop_when_done(
            self.server.handle(),
            self.watcher,
            self.queue,
            !self.inherited,
        ));
        self.server.await?;
        if let Some((server, handle)) = metrics {
            handle.stop(false).await;
            server.await.map_err(std::io::Error::other)??;
        }
        lifecycle.await.map_err(std::io::Error::other)
    }
}

/// What every worker's app shares: the lookup service, the image proxy and the URL guard,
/// over one fetcher, one cache and one memory budget.
struct Services {
    lookup: web::Data<Lookup>,
    proxy: web::Data<ImageProxy>,
    guard: web::Data<Guard>,
}

impl Services {
    /// The services, sized for `machine`: the memory limit split between the budget, the
    /// memory caches and the rest (logged), the workers' CPUs for transforms.
    fn new(settings: &Settings, machine: &Machine) -> Result<Self, StartError> {
        let guard = settings.test_hooks.guard();
        let fetcher = Arc::new(fetcher(settings, guard.clone())?);
        let split = settings.memory_split(machine.memory_limit);
        let cache = TieredCache::new(settings.cache.tiers(split.memory_cache));
        if let Some(url) = &settings.cache.redis_url {
            tracing::info!("cache shared through Redis at {url:?} (connected on first use)");
        }
        match split.margin() {
            Some(margin) if margin < 0 => tracing::warn!("{split}: more than the limit"),
            _ => tracing::info!("{split}"),
        }
        let budget = MemoryBudget::new(split.budget, budget::ADMISSION_WAIT);
        let lookup = web::Data::new(Lookup::new(
            fetcher.clone(),
            guard.clone(),
            &cache,
            budget.clone(),
            settings.lookup(),
        ));
        let limits = settings.images.limits(&budget);
        tracing::info!(
            "memory budget {} MiB, shared by images and lookups: images up to {} pixels",
            budget.bytes() / (1024 * 1024),
            limits.max_pixels
        );
        let proxy = web::Data::new(ImageProxy::new(
            fetcher,
            cache,
            limits,
            budget,
            machine.cpus,
        ));
        Ok(Self {
            lookup,
            proxy,
            guard: web::Data::new(guard),
        })
    }
}

/// The HTTP server on `listener`: each worker's app (`services`, the middlewares, the
/// routes), the connection settings, one worker per CPU unless set; started, not yet awaited.
fn http_server(
    settings: &Settings,
    machine: &Machine,
    services: Services,
    watcher: &IdleWatcher,
    listener: TcpListener,
) -> Result<Server, StartError> {
    let Services {
        lookup,
        proxy,
        guard,
    } = services;
    let server_settings = &settings.server;
    let app_watcher = watcher.clone();
    let test_routes = settings.test_hooks.test_routes;
    let limiters = limiters(&settings.limits, machine.cpus);
    let request_limits = request_limits(&settings.limits);
    let connection_watcher = watcher.clone();
    let server = HttpServer::new(move || {
        app_watcher.worker_started();
        App::new()
            .app_data(lookup.clone())
            .app_data(proxy.clone())
            .app_data(guard.clone())
            .wrap(app_watcher.middleware())
            .wrap(security::Hardening(request_limits))
            .wrap(telemetry::RequestLog)
            .configure(|cfg| routes::configure(cfg, test_routes, &limiters))
    })
    .disable_signals()
    // Streamed answers (a search's NDJSON lines and results page) go out as written, not
    // held back by Nagle's algorithm until the client's delayed ACK (40 ms) comes. And a
    // connection closes lingering, so a client still sending reads our last answer (a
    // request head past actix's buffer is answered 431, then the socket was reset).
    .on_connect(move |connection, data| {
        connection_watcher.connection_opened(data);
        if let Some(tcp) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
            let _ = tcp.set_nodelay(true);
        }
        security::linger_on_close(connection, data);
    })
    // A client that hangs up (EOF) drops its request's handler, so an abandoned image
    // fetch and transform stop and give their memory back; HTTP/1 clients do not
    // half-close while waiting for an answer.
    .h1_allow_half_closed(false)
    .keep_alive(server_settings.effective_keep_alive())
    .client_request_timeout(settings.limits.client_request_timeout)
    .shutdown_timeout(server_settings.shutdown_timeout.as_secs().max(1))
    // One per CPU unless set, from the CPUs counted at start.
    .workers(server_settings.workers.unwrap_or(machine.cpus).get())
    .listen(listener)
    .map_err(StartError::Server)?
    .run();
    Ok(server)
}

/// The per-client rate limits `limits` sets (lookups, searches, images), their buckets
/// sharded for `cpus`.
fn limiters(limits: &configuration::Limits, cpus: NonZeroUsize) -> Limiters {
    let limit = |per_minute, burst, what| {
        RateLimit {
            per_minute,
            burst,
            trust_fly_client_ip: limits.trust_fly_client_ip,
            what,
        }
        .limiter(cpus)
    };
    Limiters {
        lookups: limit(limits.rate_limit, limits.rate_limit_burst, "lookups"),
        searches: limit(
            limits.search_rate_limit,
            limits.search_rate_limit_burst,
            "searches",
        ),
        images: limit(
            limits.image_rate_limit,
            limits.image_rate_limit_burst,
            "images",
        ),
    }
}

/// The request size limits `limits` sets.
fn request_limits(limits: &configuration::Limits) -> RequestLimits {
    RequestLimits {
        max_query_bytes: limits.max_query_bytes,
        max_header_bytes: limits.max_header_bytes,
    }
}

/// The metrics port's server, when the settings ask for one.
fn metrics_server(
    settings: &configuration::Server,
    watcher: &IdleWatcher,
) -> Result<Option<MetricsServer>, StartError> {
    let Some(port) = settings.metrics_port else {
        return Ok(None);
    };
    let addr = SocketAddr::new(settings.host, port);
    let listener = TcpListener::bind(addr).map_err(|source| StartError::Bind { addr, source })?;
    let addr = listener.local_addr().map_err(StartError::Server)?;
    let watcher = web::Data::new(watcher.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(watcher.clone())
            .configure(routes::configure_metrics)
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .listen(listener)
    .map_err(StartError::Server)?
    .run();
    Ok(Some(MetricsServer { addr, server }))
}

/// The shared HTTP clients the settings describe (the server's, and `getimages check`'s).
/// Cheap: clients are built on first use.
pub fn fetcher(settings: &Settings, guard: Guard) -> Result<Fetcher, StartError> {
    let upstreams = settings
        .test_hooks
        .upstream_overrides()
        .map_err(StartError::Setting)?;
    for (id, url) in &upstreams {
        tracing::info!("requests of provider {id} go to {url}");
    }
    Ok(Fetcher::new(FetchSettings {
        connect_timeout: settings.lookups.connect_timeout,
        request_timeout: settings.lookups.lookup_timeout,
        max_body_bytes: settings.lookups.max_page_bytes,
        upstreams: upstreams.into_iter().collect(),
        guard,
        proxy: settings.proxy.settings(),
        credentials: settings.credentials.by_provider(),
    }))
}

/// Waits for idleness or a signal, then stops the server gracefully.
///
/// `queue` is the listening socket: connections the kernel took while the acceptor was
/// paused wait in it, and closing it would reset them, so the stop is called off while any
/// does. When the socket is ours (`owned`: not inherited from a supervisor, which keeps it
/// open for the next process), new connection attempts are held off while deciding, and
/// from then on until it is closed, so none slips into the queue after the check.
async fn stop_when_done(
    handle: ServerHandle,
    watcher: IdleWatcher,
    queue: Option<TcpListener>,
    owned: bool,
) -> StopReason {
    let reason = loop {
        tokio::select! {
            idle = watcher.idle() => {
                // Stop taking connections, let the ones already taken arrive, then decide.
                handle.pause().await;
                tokio::time::sleep(STOP_GRACE).await;
                let held = owned && queue.as_ref().is_some_and(listener::hold);
                let waiting = queue.as_ref().is_some_and(listener::has_waiting);
                // Each worker has taken what the acceptor handed it before the pause, so
                // a connection taken and not yet answered is known to the watcher.
                let settled = watcher.settled(SETTLE_WITHIN).await;
                if settled && !waiting && watcher.begin_stop(idle) {
                    // The configured timeout reads better than the measured 1s 1ms.
                    let timeout = watcher.timeout().unwrap_or(idle.idle_for);
                    tracing::info!("idle for {}, stopping", humantime::format_duration(timeout));
                    tracing::debug!("last activity {} ago", humantime::format_duration(round_to_ms(idle.idle_for)));
                    break StopReason::Idle(idle.idle_for);
                }
                if held && let Some(queue) = &queue {
                    listener::release(queue);
                }
                handle.resume().await;
                // A connection whose request has not begun: give it time to begin.
                tokio::time::sleep(STOP_GRACE).await;
            }
            signal = shutdown_signal() => {
                watcher.force_stopping();
                tracing::info!("received {signal}, stopping gracefully ({} requests in flight)", watcher.in_flight());
                break StopReason::Signal(signal);
            }
        }
    };
    // Our copy of the socket must not keep it open once the server closes its own.
    drop(queue);
    handle.stop(true).await;
    reason
}

fn round_to_ms(d: Duration) -> Duration {
    Duration::from_millis(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Resolves on SIGTERM or SIGINT with the signal's name.
async fn shutdown_signal() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::warn!("cannot install signal handlers; only idle stop will work");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    }
}

/// The socket from systemd-style activation if there is one, else a freshly bound one.
fn take_listener(settings: &configuration::Server) -> Result<(TcpListener, bool), StartError> {
    let mut fds = listenfd::ListenFd::from_env();
    if fds.len() > 0 {
        let listener = fds
            .take_tcp_listener(0)
            .map_err(StartError::Inherited)?
            .ok_or_else(|| {
                StartError::Inherited(std::io::Error::other("fd 3 is not a TCP listener"))
            })?;
        listener
            .set_nonblocking(true)
            .map_err(StartError::Inherited)?;
        return Ok((listener, true));
    }
    let addr = settings.addr();
    let listener = TcpListener::bind(addr).map_err(|source| StartError::Bind { addr, source })?;
    Ok((listener, false))
}
