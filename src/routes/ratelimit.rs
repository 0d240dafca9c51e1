//! Per-client rate limiting of lookups (actix-governor's token bucket), keyed by the
//! client's IP: the peer address, or `Fly-Client-IP` when the operator says the Fly proxy
//! is in front (a client could forge that header otherwise).

use std::net::IpAddr;

use actix_governor::governor::NotUntil;
use actix_governor::governor::clock::{Clock, DefaultClock, QuantaInstant};
use actix_governor::governor::middleware::NoOpMiddleware;
use std::time::Duration;

use actix_governor::{
    Governor, GovernorConfig, GovernorConfigBuilder, KeyExtractor, SimpleKeyExtractionError,
};
use actix_web::dev::ServiceRequest;
use actix_web::middleware::Condition;
use actix_web::{HttpResponse, HttpResponseBuilder};

use super::error::Problem;

/// The header Fly's proxy sets to the visitor's address.
const FLY_CLIENT_IP: &str = "fly-client-ip";

/// Who is asking: the key each client's bucket is kept under.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp {
    trust_fly_client_ip: bool,
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
            return Ok(ip);
        }
        req.peer_addr()
            .map(|a| a.ip())
            .ok_or_else(|| SimpleKeyExtractionError::new("cannot tell who is asking"))
    }

    fn exceed_rate_limit_response(
        &self,
        negative: &NotUntil<QuantaInstant>,
        mut response: HttpResponseBuilder,
    ) -> HttpResponse {
        let wait = negative
            .wait_time_from(DefaultClock::default().now())
            .as_secs()
            .max(1);
        let problem = Problem::new(
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            "ERATELIMIT",
            "Slow down",
            format!("Too many lookups from your address; try again in {wait} s."),
        );
        response.json(problem.body())
    }
}

/// Rate limit settings.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    /// Lookups a client may make per minute on average; 0 turns limiting off.
    pub per_minute: u32,
    /// Lookups a client may make at once before the average applies.
    pub burst: u32,
    /// Read the client from `Fly-Client-IP`.
    pub trust_fly_client_ip: bool,
}

impl RateLimit {
    /// Whether lookups are limited at all.
    pub fn is_enabled(&self) -> bool {
        self.per_minute > 0
    }

    /// The shared limiter. Build it once: every middleware made from it shares its buckets,
    /// across routes and workers.
    pub fn limiter(&self) -> LookupLimiter {
        let per_minute = u64::from(self.per_minute.clamp(1, 60_000));
        let config = GovernorConfigBuilder::default()
            .period(Duration::from_millis(60_000 / per_minute))
            .burst_size(self.burst.max(1))
            .key_extractor(ClientIp {
                trust_fly_client_ip: self.trust_fly_client_ip,
            })
            .finish()
            // The builder refuses only a zero period or burst, which the clamps rule out.
            .expect("non-zero period and burst");
        LookupLimiter {
            enabled: self.is_enabled(),
            config,
        }
    }
}

/// The lookup routes' shared limiter.
#[derive(Clone)]
pub struct LookupLimiter {
    enabled: bool,
    config: GovernorConfig<ClientIp, NoOpMiddleware<QuantaInstant>>,
}

impl LookupLimiter {
    /// A middleware for one route, sharing this limiter's buckets (a no-op when disabled).
    pub fn middleware(&self) -> Condition<Governor<ClientIp, NoOpMiddleware<QuantaInstant>>> {
        Condition::new(self.enabled, Governor::new(&self.config))
    }
}
