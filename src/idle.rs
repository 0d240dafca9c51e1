//! The idle watcher: knows when nobody has used the server for the idle timeout.
//!
//! Activity is a request starting and a response body finishing, so a long streaming
//! response keeps the server up until its last byte. Requests in flight are counted and the
//! server is never idle while one is. The watcher sleeps until the exact deadline instead of
//! polling. Health checks do not count, or the platform's checks would keep it up forever.
//!
//! A connection the server has taken but on which no request has begun yet is counted too:
//! its request is on its way, and stopping would drop it unanswered (actix drops what a
//! worker has not started serving). So a stop waits until every worker thread has run since
//! the acceptor paused (so each has taken what was handed to it) and no such connection is
//! left.
//!
//! Public surface: [`IdleWatcher`] (the handle: `middleware`, `idle`, `begin_stop`,
//! `worker_started`, `connection_opened`, `settled`, `since_activity` for the metrics) and
//! [`IdleTracking`] (the actix middleware it hands out).

use std::future::{Ready, ready};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use actix_rt::{Arbiter, ArbiterHandle};
use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::Extensions;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::ConnectionType;
use actix_web::web::Bytes;
use tokio::sync::Notify;
use tokio::time::Instant;

/// Paths that never count as activity, whatever the settings say.
const ALWAYS_IGNORED: &[&str] = &["/healthz"];

/// Handle to the idle state shared by the middleware and the watcher task.
#[derive(Clone)]
pub struct IdleWatcher {
    state: Arc<State>,
}

struct State {
    timeout: Option<Duration>,
    ignored: Vec<String>,
    /// Reference point for `last_activity`, which is stored as nanoseconds since it.
    epoch: Instant,
    last_activity: AtomicU64,
    in_flight: AtomicUsize,
    /// Bumped on every activity, so a stop decision can tell whether anything came since.
    generation: AtomicU64,
    stopping: AtomicBool,
    /// Woken when the last request in flight finishes.
    drained: Notify,
    /// Connections taken on which no request has begun yet.
    fresh: AtomicUsize,
    /// Each worker thread, to learn when it has taken the connections handed to it.
    workers: Mutex<Vec<ArbiterHandle>>,
}

/// Why the watcher says the server may stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Idle {
    /// How long there has been no activity.
    pub idle_for: Duration,
    generation: u64,
}

impl IdleWatcher {
    /// The idle timeout (`None`: never idle).
    pub fn timeout(&self) -> Option<Duration> {
        self.state.timeout
    }

    /// A watcher for `timeout` (`None`: never idle) that ignores `/healthz` and `ignored` paths.
    pub fn new(timeout: Option<Duration>, ignored: &[String]) -> Self {
        let ignored = ignored
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .chain(ALWAYS_IGNORED.iter().map(|p| (*p).to_owned()))
            .collect();
        Self {
            state: Arc::new(State {
                timeout,
                ignored,
                epoch: Instant::now(),
                last_activity: AtomicU64::new(0),
                in_flight: AtomicUsize::new(0),
                generation: AtomicU64::new(0),
                stopping: AtomicBool::new(false),
                drained: Notify::new(),
                fresh: AtomicUsize::new(0),
                workers: Mutex::new(Vec::new()),
            }),
        }
    }

    /// The actix middleware that reports activity to this watcher.
    pub fn middleware(&self) -> IdleTracking {
        IdleTracking {
            watcher: self.clone(),
        }
    }

    /// Time since the last activity (or since start, when there was none).
    pub fn since_activity(&self) -> Duration {
        self.last_activity().elapsed()
    }

    /// Requests currently in flight (counted from start until their body is finished).
    pub fn in_flight(&self) -> usize {
        self.state.in_flight.load(Ordering::SeqCst)
    }

    /// Resolves once the server has had no request in flight and no activity for the whole
    /// timeout; never resolves when the timeout is `None`.
    pub async fn idle(&self) -> Idle {
        let Some(timeout) = self.state.timeout else {
            return std::future::pending().await;
        };
        loop {
            let drained = self.state.drained.notified();
            tokio::pin!(drained);
            // Register before reading the count, so a finish in between still wakes us.
            drained.as_mut().enable();
            if self.in_flight() > 0 {
                drained.await;
                continue;
            }
            let generation = self.state.generation.load(Ordering::SeqCst);
            let deadline = self.last_activity() + timeout;
            let now = Instant::now();
            if now >= deadline {
                if self.in_flight() > 0 {
                    continue;
                }
                return Idle {
                    idle_for: now - self.last_activity(),
                    generation,
                };
            }
            tokio::time::sleep_until(deadline).await;
        }
    }

    /// Notes the worker thread this is called on (the app factory runs once on each), for
    /// [`IdleWatcher::settled`].
    pub fn worker_started(&self) {
        let mut workers = self.state.workers.lock().unwrap_or_else(|e| e.into_inner());
        workers.push(Arbiter::current());
    }

    /// Counts a connection just taken (actix's `on_connect`) until its first request begins
    /// or it closes.
    pub fn connection_opened(&self, data: &mut Extensions) {
        self.state.fresh.fetch_add(1, Ordering::SeqCst);
        data.insert(FreshConnection {
            state: Arc::clone(&self.state),
            begun: AtomicBool::new(false),
        });
    }

    /// Connections taken on which no request has begun yet.
    pub fn fresh_connections(&self) -> usize {
        self.state.fresh.load(Ordering::SeqCst)
    }

    /// Whether every worker thread has run within `within`: called after the acceptor
    /// paused, each has then taken every connection the acceptor handed it (a worker runs its
    /// tasks in the order they were woken, and the hand-over woke it first).
    pub async fn settled(&self, within: Duration) -> bool {
        let workers = self
            .state
            .workers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let pings = workers.iter().filter_map(|worker| {
            let (ran, ran_rx) = tokio::sync::oneshot::channel();
            worker
                .spawn(async move {
                    let _ = ran.send(());
                })
                .then_some(ran_rx)
        });
        let all = futures_util::future::join_all(pings);
        tokio::time::timeout(within, all)
            .await
            .is_ok_and(|ran| ran.iter().all(Result::is_ok))
    }

    /// Marks the server as stopping: responses from now on close their connection.
    /// Returns `false`, and clears the mark, when activity came after `idle` was decided, or
    /// a connection waits for its first request to begin.
    pub fn begin_stop(&self, idle: Idle) -> bool {
        self.state.stopping.store(true, Ordering::SeqCst);
        if self.in_flight() > 0
            || self.fresh_connections() > 0
            || self.state.generation.load(Ordering::SeqCst) != idle.generation
        {
            self.state.stopping.store(false, Ordering::SeqCst);
            return false;
        }
        true
    }

    /// Marks the server as stopping for a reason other than idleness (a signal).
    pub fn force_stopping(&self) {
        self.state.stopping.store(true, Ordering::SeqCst);
    }

    fn last_activity(&self) -> Instant {
        self.state.epoch + Duration::from_nanos(self.state.last_activity.load(Ordering::SeqCst))
    }

    fn touch(&self) {
        let nanos = u64::try_from(self.state.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.state.last_activity.fetch_max(nanos, Ordering::SeqCst);
        self.state.generation.fetch_add(1, Ordering::SeqCst);
    }

    fn counts(&self, path: &str) -> bool {
        !self.state.ignored.iter().any(|p| p == path)
    }

    fn start_request(&self) -> InFlight {
        self.state.in_flight.fetch_add(1, Ordering::SeqCst);
        self.touch();
        InFlight {
            watcher: self.clone(),
        }
    }
}

/// One request in flight; finishing it (dropping this) is activity too.
struct InFlight {
    watcher: IdleWatcher,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.watcher.touch();
        if self.watcher.state.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.watcher.state.drained.notify_waiters();
        }
    }
}

/// A connection on which no request has begun yet, counted in [`State::fresh`] until one
/// does or it closes (kept in the connection's data, dropped with it).
struct FreshConnection {
    state: Arc<State>,
    begun: AtomicBool,
}

impl FreshConnection {
    /// Its first request has begun: no longer fresh.
    fn begin(&self) {
        if !self.begun.swap(true, Ordering::SeqCst) {
            self.state.fresh.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl Drop for FreshConnection {
    fn drop(&mut self) {
        self.begin();
    }
}

/// Actix middleware factory that reports each request to an [`IdleWatcher`].
pub struct IdleTracking {
    watcher: IdleWatcher,
}

impl<S, B> Transform<S, ServiceRequest> for IdleTracking
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<TrackedBody<B>>;
    type Error = actix_web::Error;
    type Transform = IdleTrackingService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(IdleTrackingService {
            service,
            watcher: self.watcher.clone(),
        }))
    }
}

/// The per-worker service behind [`IdleTracking`].
pub struct IdleTrackingService<S> {
    service: S,
    watcher: IdleWatcher,
}

impl<S, B> Service<ServiceRequest> for IdleTrackingService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<TrackedBody<B>>;
    type Error = actix_web::Error;
    type Future = Tracked<S::Future>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        if let Some(connection) = req.conn_data::<FreshConnection>() {
            connection.begin();
        }
        let guard = self
            .watcher
            .counts(req.path())
            .then(|| self.watcher.start_request());
        Tracked {
            response: self.service.call(req),
            guard,
            watcher: self.watcher.clone(),
        }
    }
}

pin_project_lite::pin_project! {
    /// A request's answer on its way, counted as in flight; if it is dropped first (the
    /// client gone), the count drops with it.
    pub struct Tracked<F> {
        #[pin]
        response: F,
        guard: Option<InFlight>,
        watcher: IdleWatcher,
    }
}

impl<F, B> Future for Tracked<F>
where
    F: Future<Output = Result<ServiceResponse<B>, actix_web::Error>>,
{
    type Output = Result<ServiceResponse<TrackedBody<B>>, actix_web::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let answered = std::task::ready!(this.response.poll(cx));
        // The body carries the count on from here; a failed request is finished now.
        let guard = this.guard.take();
        let mut res = answered?;
        if this.watcher.state.stopping.load(Ordering::SeqCst) {
            res.response_mut()
                .head_mut()
                .set_connection_type(ConnectionType::Close);
        }
        Poll::Ready(Ok(res.map_body(|_, body| TrackedBody { body, guard })))
    }
}

pin_project_lite::pin_project! {
    /// A response body that counts as in flight until its last byte is sent or it is dropped.
    pub struct TrackedBody<B> {
        #[pin]
        body: B,
        guard: Option<InFlight>,
    }
}

impl<B: MessageBody> MessageBody for TrackedBody<B> {
    type Error = B::Error;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.project();
        let polled = this.body.poll_next(cx);
        if matches!(polled, Poll::Ready(None | Some(Err(_)))) {
            this.guard.take();
        }
        polled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watcher(timeout_ms: u64) -> IdleWatcher {
        IdleWatcher::new(Some(Duration::from_millis(timeout_ms)), &[])
    }

    #[tokio::test(start_paused = true)]
    async fn idle_fires_at_the_deadline_after_the_last_activity() {
        let w = watcher(1000);
        let start = Instant::now();
        drop(w.start_request());
        tokio::time::advance(Duration::from_millis(400)).await;
        drop(w.start_request());
        let idle = w.idle().await;
        let waited = start.elapsed();
        assert!(waited >= Duration::from_millis(1400), "{waited:?}");
        assert!(waited < Duration::from_millis(1450), "{waited:?}");
        assert!(idle.idle_for >= Duration::from_millis(1000));
    }

    #[tokio::test(start_paused = true)]
    async fn never_idle_while_a_request_is_in_flight() {
        let w = watcher(100);
        let request = w.start_request();
        let idle = tokio::time::timeout(Duration::from_secs(5), w.idle()).await;
        assert!(idle.is_err(), "went idle during a request");
        let finished_at = Instant::now();
        drop(request);
        w.idle().await;
        assert!(finished_at.elapsed() >= Duration::from_millis(100));
    }

    #[tokio::test(start_paused = true)]
    async fn zero_timeout_never_goes_idle() {
        let w = IdleWatcher::new(None, &[]);
        let idle = tokio::time::timeout(Duration::from_secs(3600), w.idle()).await;
        assert!(idle.is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn a_stop_decision_is_withdrawn_when_a_request_came_after_it() {
        let w = watcher(100);
        let idle = w.idle().await;
        let late = w.start_request();
        assert!(!w.begin_stop(idle));
        drop(late);
        let idle = w.idle().await;
        assert!(w.begin_stop(idle));
    }

    #[test]
    fn health_checks_and_configured_paths_do_not_count() {
        let w = IdleWatcher::new(Some(Duration::from_secs(1)), &[" /ping ".into(), "".into()]);
        assert!(!w.counts("/healthz"));
        assert!(!w.counts("/ping"));
        assert!(w.counts("/"));
        assert!(w.counts("/healthz/x"));
    }
}
