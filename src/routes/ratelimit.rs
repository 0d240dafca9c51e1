//! Per-client rate limiting (actix-governor's token bucket) of lookups and of `/image`, each
//! with its own buckets, keyed by the client's address: the peer address, or
//! `Fly-Client-IP` when the operator says the Fly proxy is in front (a client could forge
//! that header otherwise). An IPv6 client is its /64, the block one host is usually given,
//! so that walking its own addresses does not reset its budget.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use actix_governor::governor::NotUntil;
use actix_governor::governor::clock::{Clock, DefaultClock, QuantaInstant};
use actix_governor::governor::middleware::NoOpMiddleware;
use std::time::Duration;

use actix_governor::{
    Governor, GovernorConfig, GovernorConfigBuilder, KeyExtractor, SimpleKeyExtractionError,
};
use actix_web::dev::ServiceRequest;
use actix_web::http::header::{self, HeaderMap};
use actix_web::middleware::Condition;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};

use super::error::Problem;

/// The header Fly's proxy sets to the visitor's address.
const FLY_CLIENT_IP: &str = "fly-client-ip";

/// Who is asking: the key each client's bucket is kept under.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp {
    trust_fly_client_ip: bool,
    /// What is limited, in the refusal's message ("lookups", "images").
    what: &'static str,
}

impl KeyExtractor for ClientIp {
    type Key = IpAddr;
    type KeyExtractionError = SimpleKeyExtractionError<&'static str>;

    fn extract(&self, req: &ServiceRequest) -> Result<IpAddr, Self::KeyExtractionError> {
        self.key(req.headers(), req.peer_addr())
            .ok_or_else(|| SimpleKeyExtractionError::new("cannot tell who is asking"))
    }

    fn exceed_rate_limit_response(
        &self,
        negative: &NotUntil<QuantaInstant>,
        mut response: HttpResponseBuilder,
    ) -> HttpResponse {
        let wait = wait_of(negative);
        // actix-governor rounds its headers down (to 0 under a second); say the real wait.
        response
            .insert_header((header::RETRY_AFTER, wait))
            .insert_header(("x-ratelimit-after", wait));
        response.json(self.refusal(wait).body())
    }
}

/// How long a refused client waits, in whole seconds.
fn wait_of(negative: &NotUntil<QuantaInstant>) -> u64 {
    whole_seconds(negative.wait_time_from(DefaultClock::default().now()))
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
    /// across routes and workers.
    pub fn limiter(&self) -> ClientLimiter {
        let per_minute = u64::from(self.per_minute.clamp(1, 60_000));
        let config = GovernorConfigBuilder::default()
            .period(Duration::from_millis(60_000 / per_minute))
            .burst_size(self.burst.max(1))
            .key_extractor(ClientIp {
                trust_fly_client_ip: self.trust_fly_client_ip,
                what: self.what,
            })
            .finish()
            // The builder refuses only a zero period or burst, which the clamps rule out.
            .expect("non-zero period and burst");
        ClientLimiter {
            enabled: self.is_enabled(),
            client: ClientIp {
                trust_fly_client_ip: self.trust_fly_client_ip,
                what: self.what,
            },
            config,
        }
    }
}

/// One kind of request's limiter, its buckets shared by every route it wraps.
#[derive(Clone)]
pub struct ClientLimiter {
    enabled: bool,
    client: ClientIp,
    config: GovernorConfig<ClientIp, NoOpMiddleware<QuantaInstant>>,
}

impl ClientLimiter {
    /// Takes one request of `req`'s client from its bucket, or refuses it as the middleware
    /// does (`429 ERATELIMIT` with `retry-after`), for the caller to answer as a page or
    /// JSON: for a route where only some requests count (a bare name on `/lookup` is a
    /// search).
    pub fn admit(&self, req: &HttpRequest) -> Result<(), Problem> {
        if !self.enabled {
            return Ok(());
        }
        let Some(key) = self.client.key(req.headers(), req.peer_addr()) else {
            return Ok(());
        };
        self.config
            .limiter()
            .check_key(&key)
            .map_err(|negative| self.client.refusal(wait_of(&negative)))
    }

    /// A middleware for one route, sharing this limiter's buckets (a no-op when disabled).
    pub fn middleware(&self) -> Condition<Governor<ClientIp, NoOpMiddleware<QuantaInstant>>> {
        Condition::new(self.enabled, Governor::new(&self.config))
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
