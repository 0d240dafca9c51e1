//! Per-client rate limiting (governor's token bucket) of lookups, searches and `/image`,
//! each with its own buckets, keyed by the client's address: the peer address, or
//! `Fly-Client-IP` when the operator says the Fly proxy is in front (a client could forge
//! that header otherwise). An IPv6 client is its /64, the block one host is usually given,
//! so that walking its own addresses does not reset its budget.
//!
//! The buckets run on the monotonic clock (`Instant`), not governor's default TSC clock,
//! whose calibration busy-waits 0.5 to 200 ms before the first request; and they are made
//! on the first request a limit counts, none at all when a limit is off.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::{NonZeroU32, NonZeroUsize};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{self, ContentType, HeaderMap};
use actix_web::{HttpRequest, HttpResponse};
use dashmap::DashMap;
use futures_util::future::{Either, MapOk, Ready, TryFutureExt, ready};
use governor::clock::{Clock, MonotonicClock};
use governor::state::keyed::DashMapStateStore;
use governor::{NotUntil, Quota, RateLimiter};

use super::error::Problem;

/// The header Fly's proxy sets to the visitor's address.
const FLY_CLIENT_IP: &str = "fly-client-ip";

/// Every client's bucket of one kind of request.
type Buckets = RateLimiter<IpAddr, DashMapStateStore<IpAddr>, MonotonicClock>;

/// A refusal's wait (`NotUntil` of the monotonic clock).
type Refused = NotUntil<<MonotonicClock as Clock>::Instant>;

/// Who is asking: the key each client's bucket is kept under.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp {
    trust_fly_client_ip: bool,
    /// What is limited, in the refusal's message ("lookups", "images").
    what: &'static str,
}

/// How long a refused client waits, in whole seconds.
fn wait_of(negative: &Refused) -> u64 {
    whole_seconds(negative.wait_time_from(MonotonicClock.now()))
}

impl ClientIp {
    /// `429 ERATELIMIT`, retry after `wait` seconds.
    fn refusal(&self, wait: u64) -> Problem {
        Problem::new(
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            "ERATELIMIT",
            "Slow down",
            format!(
                "Too many {} from your address; try again in {wait} s.",
                self.what
            ),
        )
        .retry_after(u32::try_from(wait).unwrap_or(u32::MAX))
    }

    /// The bucket key of the client that sent `headers` from `peer`.
    fn key(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> Option<IpAddr> {
        if self.trust_fly_client_ip
            && let Some(ip) = headers
                .get(FLY_CLIENT_IP)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok())
        {
            return Some(client_key(ip));
        }
        peer.map(|a| client_key(a.ip()))
    }
}

/// The bucket key of a client at `ip`: an IPv4 address (IPv4-mapped IPv6 included) as it
/// is, an IPv6 address as its /64.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(v6.to_bits() & !u128::from(u64::MAX))),
        },
    }
}

/// `wait` in whole seconds, rounded up, at least 1: a retry after that many seconds is
/// let through.
fn whole_seconds(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

/// Rate limit settings of one kind of request.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    /// Requests a client may make per minute on average; 0 turns limiting off.
    pub per_minute: u32,
    /// Requests a client may make at once before the average applies.
    pub burst: u32,
    /// Read the client from `Fly-Client-IP`.
    pub trust_fly_client_ip: bool,
    /// What is limited, as the refusal says it ("lookups", "images").
    pub what: &'static str,
}

impl RateLimit {
    /// Whether requests are limited at all.
    pub fn is_enabled(&self) -> bool {
        self.per_minute > 0
    }

    /// The shared limiter. Build it once: every middleware made from it shares its buckets,
    /// across routes and workers, which `cpus` threads use at once.
    pub fn limiter(&self, cpus: NonZeroUsize) -> ClientLimiter {
        let per_minute = u64::from(self.per_minute.clamp(1, 60_000));
        let burst = NonZeroU32::new(self.burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(Duration::from_millis(60_000 / per_minute))
            // Refused only for a zero period, which the clamp rules out.
            .expect("a period of at least a millisecond")
            .allow_burst(burst);
        ClientLimiter {
            client: ClientIp {
                trust_fly_client_ip: self.trust_fly_client_ip,
                what: self.what,
            },
            quota: self.is_enabled().then_some(quota),
            // As many as dashmap makes by default, from the CPUs read at start rather than
            // read again.
            shards: (cpus.get() * 4).next_power_of_two(),
            buckets: Arc::default(),
        }
    }
}

/// One kind of request's limiter, its buckets shared by every route it wraps.
#[derive(Clone)]
pub struct ClientLimiter {
    client: ClientIp,
    /// `None` when this kind of request is not limited.
    quota: Option<Quota>,
    /// Shards of the buckets' map, each behind its own lock.
    shards: usize,
    /// Made on the first request that counts.
    buckets: Arc<OnceLock<Buckets>>,
}

impl ClientLimiter {
    /// Takes one request of `req`'s client from its bucket, or refuses it as the middleware
    /// does (`429 ERATELIMIT` with `retry-after`), for the caller to answer as a page or
    /// JSON: for a route where only some requests count (a bare name on `/lookup` is a
    /// search).
    pub fn admit(&self, req: &HttpRequest) -> Result<(), Problem> {
        match self.check(req.headers(), req.peer_addr()) {
            Some(Err(negative)) => Err(self.client.refusal(wait_of(&negative))),
            _ => Ok(()),
        }
    }

    /// A middleware for one route, sharing this limiter's buckets (a no-op when disabled).
    pub fn middleware(&self) -> Limit {
        Limit(self.clone())
    }

    /// Takes one request of the client at `peer` (or the one `headers` name) from its
    /// bucket: `None` when the limit is off or the client cannot be told.
    fn check(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> Option<Result<(), Refused>> {
        let quota = self.quota?;
        let key = self.client.key(headers, peer)?;
        let buckets = self.buckets.get_or_init(|| {
            RateLimiter::new(
                quota,
                DashMap::with_shard_amount(self.shards),
                MonotonicClock,
            )
        });
        Some(buckets.check_key(&key))
    }

    /// The middleware's answer to a request this limiter refuses, if it does.
    fn refuse(&self, req: &ServiceRequest) -> Option<HttpResponse> {
        // Off: every request passes, whoever sends it.
        self.quota.as_ref()?;
        let Some(checked) = self.check(req.headers(), req.peer_addr()) else {
            return Some(
                HttpResponse::InternalServerError()
                    .content_type(ContentType::plaintext())
                    .body("cannot tell who is asking"),
            );
        };
        let negative = checked.err()?;
        let wait = wait_of(&negative);
        Some(
            HttpResponse::TooManyRequests()
                .insert_header((header::RETRY_AFTER, wait))
                .insert_header(("x-ratelimit-after", wait))
                .json(self.client.refusal(wait).body()),
        )
    }
}

/// The middleware of one limiter on one route: a client over its limit is answered `429`
/// before the handler runs.
pub struct Limit(ClientLimiter);

impl<S, B> Transform<S, ServiceRequest> for Limit
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = LimitService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(LimitService {
            service,
            limiter: self.0.clone(),
        }))
    }
}

/// [`Limit`] in front of one route's service.
pub struct LimitService<S> {
    service: S,
    limiter: ClientLimiter,
}

/// The left body: the route answered.
type Answered<B> = fn(ServiceResponse<B>) -> ServiceResponse<EitherBody<B>>;

impl<S, B> Service<ServiceRequest> for LimitService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = Either<MapOk<S::Future, Answered<B>>, Ready<Result<Self::Response, Self::Error>>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        match self.limiter.refuse(&req) {
            None => {
                let answered: Answered<B> = ServiceResponse::map_into_left_body;
                Either::Left(self.service.call(req).map_ok(answered))
            }
            Some(refusal) => {
                Either::Right(ready(Ok(req.into_response(refusal).map_into_right_body())))
            }
        }
    }
}

/// The limiters of the routes: lookups, searches, and `/image`.
#[derive(Clone)]
pub struct Limiters {
    /// Routes that may ask a platform.
    pub lookups: ClientLimiter,
    /// Searches of a bare name across platforms.
    pub searches: ClientLimiter,
    /// The image proxy.
    pub images: ClientLimiter,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_client_is_its_64_and_a_mapped_ipv4_client_its_address() {
        let key = |s: &str| client_key(s.parse().unwrap());
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:ffff::9"));
        assert_eq!(
            key("2001:db8:1:2:aaaa::1"),
            "2001:db8:1:2::".parse::<IpAddr>().unwrap()
        );
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:203.0.113.7"), key("203.0.113.7"));
        assert_eq!(key("203.0.113.7"), "203.0.113.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn the_wait_is_whole_seconds_rounded_up() {
        assert_eq!(whole_seconds(Duration::from_millis(1)), 1);
        assert_eq!(whole_seconds(Duration::from_millis(999)), 1);
        assert_eq!(whole_seconds(Duration::from_millis(1001)), 2);
        assert_eq!(whole_seconds(Duration::ZERO), 1);
    }
}
