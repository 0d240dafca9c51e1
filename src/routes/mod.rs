//! HTTP routes: one module per resource, handlers kept thin.

mod api;
mod assets;
mod avatar;
mod health;
mod home;
mod image;
mod lookup;
mod not_found;
mod test_support;

use actix_web::{guard, web};

use crate::ratelimit::LookupLimiter;

/// Registers every route; `test_routes` adds the `/__test/*` helpers for the test suite.
/// Lookups (the routes that may ask a platform) share one per-client `rate` limit.
pub fn configure(cfg: &mut web::ServiceConfig, test_routes: bool, limiter: &LookupLimiter) {
    let limited = || limiter.middleware();
    cfg.route("/", read().to(home::home))
        .route("/healthz", read().to(health::healthz))
        .route("/static/{name}", read().to(assets::serve))
        .service(
            web::resource("/lookup")
                .wrap(limited())
                .route(read().to(lookup::results)),
        )
        .service(
            web::resource("/api/v1/lookup")
                .wrap(limited())
                .route(read().to(api::lookup)),
        )
        .route("/api/v1/providers", read().to(api::providers))
        .route("/image", read().to(image::image));
    if test_routes {
        cfg.route("/__test/stream", read().to(test_support::stream));
    }
    // Last: any other two-part path is an unavatar-style `/{provider}/{id}`.
    cfg.service(
        web::resource("/{provider}/{id:.+}")
            .wrap(limited())
            .route(read().to(avatar::avatar)),
    );
    cfg.default_service(web::to(not_found::not_found));
}

/// A route for GET and HEAD (actix strips the body from HEAD responses).
fn read() -> actix_web::Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}
