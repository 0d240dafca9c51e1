//! Per-client rate limiting (actix-governor's token bucket) of lookups and of `/image`, each
//! with its own buckets, keyed by the client's address: the peer address, or
//! `Fly-Client-IP` when the operator says the Fly proxy is in front (a client could forge
//! that header otherwise). An IPv6 client is its /64, the block one host is usually given,
//! so that walking its own addresses does not reset its budget.

use std::net::{IpAddr, Ipv6Addr};

use actix_governor::governor::NotUntil;
use actix_governor::governor::clock::{Clock, DefaultClock, QuantaInstant};
use actix_governor::governor::middleware::NoOpMiddleware;
use std::time::Duration;

use actix_governor::{
    Governor, GovernorConfig, GovernorConfigBuilder, KeyExtractor, SimpleKeyExtractionError,
};
use actix_web::dev::ServiceRequest;
use actix_web::http::header;
use actix_web::middleware::Condition;
use actix_web::{HttpResponse, HttpResponseBuilder};

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
        if self.trust_fly_client_ip
            && let Some(ip) = req
                .headers()
                .get(FLY_CLIENT_IP)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok())
        {
            return Ok(client_key(ip));
        }
        req.peer_addr()
            .map(|a| client_key(a.ip()))
            .ok_or_else(|| SimpleKeyExtractionError::new("cannot tell who is asking"))
    }

    fn exceed_rate_limit_response(
        &self,
        negative: &NotUntil<QuantaInstant>,
        mut response: HttpResponseBuilder,
    ) -> HttpResponse {
        let wait = whole_seconds(negative.wait_time_from(DefaultClock::default().now()));
        // actix-governor rounds its headers down (to 0 under a second); say the real wait.
        response
            .insert_header((header::RETRY_AFTER, wait))
            .insert_header(("x-ratelimit-after", wait));
        let problem = Problem::new(
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            "ERATELIMIT",
            "Slow down",
            format!(
                "Too many {} from your address; try again in {wait} s.",
                self.what
            ),
        );
        response.json(problem.body())
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
            config,
        }
    }
}

/// One kind of request's limiter, its buckets shared by every route it wraps.
#[derive(Clone)]
pub struct ClientLimiter {
    enabled: bool,
    config: GovernorConfig<ClientIp, NoOpMiddleware<QuantaInstant>>,
}

impl ClientLimiter {
    /// A middleware for one route, sharing this limiter's buckets (a no-op when disabled).
    pub fn middleware(&self) -> Condition<Governor<ClientIp, NoOpMiddleware<QuantaInstant>>> {
        Condition::new(self.enabled, Governor::new(&self.config))
    }
}

/// The limiters of the routes: lookups, and `/image`.
#[derive(Clone)]
pub struct Limiters {
    /// Routes that may ask a platform.
    pub lookups: ClientLimiter,
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
