//! The HTTP edge: one module per resource with thin handlers, the middlewares in front of
//! them ([`security`], [`ratelimit`]), and [`error`], where every failure becomes a
//! response.

mod api;
mod assets;
mod avatar;
mod compressed;
pub mod error;
mod health;
mod home;
mod image;
mod lookup;
mod metrics;
mod not_found;
mod query;
pub mod ratelimit;
mod search;
pub mod security;
mod shared_body;
mod test_support;

use actix_web::http::header::{self, EntityTag, HeaderName, HeaderValue, IfNoneMatch};
use actix_web::http::{Method, StatusCode};
use actix_web::{
    HttpMessage, HttpRequest, HttpResponse, HttpResponseBuilder, Resource, guard, web,
};
use askama::Template;

use crate::cache::CacheStatus;
use crate::telemetry::Route;
use error::{ApiError, Problem};
use ratelimit::Limiters;

/// `cache-control` of a found profile.
const FOUND_CACHE_CONTROL: &str = "public, max-age=3600";

/// `cache-control` of a profile that was not found (a miss is cached for a while too).
const MISS_CACHE_CONTROL: &str = "public, max-age=300";

/// Registers the metrics port's one route, `GET /metrics` (anything else is a 404).
pub fn configure_metrics(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", read().to(metrics::metrics));
}

/// Registers every route; `test_routes` adds the `/__test/*` helpers for the test suite.
/// Lookups (the routes that may ask a platform) share one per-client rate limit; searches
/// across platforms and `/image` have their own.
pub fn configure(cfg: &mut web::ServiceConfig, test_routes: bool, limiters: &Limiters) {
    let limited = || limiters.lookups.middleware();
    // A query string that does not fit a route's parameters is the caller's mistake.
    cfg.app_data(web::QueryConfig::default().error_handler(|e, _| {
        ApiError(Problem::input(format!(
            "The query string cannot be read: {e}."
        )))
        .into()
    }));
    // `/lookup` answers a bare name with a search, which takes from the search limit too.
    cfg.app_data(web::Data::new(limiters.clone()));
    // Fixed paths first: the router tries routes in order, and each pattern with a
    // `{param}` is a regex run on every path that reaches it.
    cfg.service(readable("/").to(home::home))
        .service(readable("/healthz").to(health::healthz))
        .service(
            resource("/lookup")
                .wrap(limited())
                .route(read().to(lookup::results)),
        )
        .service(
            resource("/api/v1/lookup")
                .wrap(limited())
                .route(read().to(api::lookup)),
        )
        .service(
            resource("/api/v1/search")
                .wrap(limiters.searches.middleware())
                .route(read().to(search::api)),
        )
        .service(readable("/api/v1/providers").to(api::providers))
        .service(
            resource("/image")
                .wrap(limiters.images.middleware())
                .route(read().to(image::image)),
        );
    for (index, asset) in crate::assets::ALL.iter().enumerate() {
        cfg.service(readable(asset.path).to(move |req| assets::serve(req, index)));
    }
    if test_routes {
        cfg.service(readable("/__test/stream").to(test_support::stream));
    }
    // Last: any other path whose first part names a platform is an unavatar-style
    // `/{provider}/{id}`. Other paths (`/wp-admin/x/y`) are the cheap 404 below, outside
    // the lookup limit.
    cfg.service(
        resource("/{provider}/{id:.+}")
            .guard(guard::fn_guard(names_a_provider))
            .wrap(limited())
            .route(read().to(avatar::avatar)),
    );
    cfg.default_service(web::to(not_found::not_found));
}

/// Whether the path's first part is a provider's id or alias, read as the router reads it.
fn names_a_provider(ctx: &guard::GuardContext) -> bool {
    let url = actix_web::dev::Url::new(ctx.head().uri.clone());
    let first = url.path().trim_start_matches('/').split('/').next();
    first.and_then(crate::providers::by_id).is_some()
}

/// A route for GET and HEAD (actix strips the body from HEAD responses).
fn read() -> actix_web::Route {
    web::route().guard(reads())
}

/// GET or HEAD.
fn reads() -> impl guard::Guard {
    Reads(guard::Any(guard::Get()).or(guard::Head()))
}

/// GET or HEAD, told from the method alone. actix's method guards also note, in the
/// request's extensions, each method they were checked for (a map insert and a `Vec` per
/// request), for the `Allow` header of a 405; that note is read only when no route takes the
/// method, so only another method is left to them to note.
struct Reads(guard::AnyGuard);

impl guard::Guard for Reads {
    fn check(&self, ctx: &guard::GuardContext<'_>) -> bool {
        let method = &ctx.head().method;
        *method == Method::GET || *method == Method::HEAD || self.0.check(ctx)
    }
}

/// The resource at `path`, carrying it as the route the request metrics name (see
/// [`Route`]), so the logging middleware never matches the path again to find it.
fn resource(path: &'static str) -> Resource {
    web::resource(path).app_data(Route(path))
}

/// A resource only GET and HEAD reach, as `ServiceConfig::route` registers one: a request
/// with another method goes on to the routes after it.
fn readable(path: &'static str) -> Resource {
    resource(path).guard(reads())
}

/// `text/html; charset=utf-8`, as a header value made once.
const HTML: HeaderValue = HeaderValue::from_static("text/html; charset=utf-8");

/// Renders a template into an HTML response with `status`.
fn html(status: StatusCode, page: &impl Template) -> HttpResponse {
    match page.render() {
        Ok(html) => HttpResponseBuilder::new(status)
            .content_type(HTML)
            .body(html),
        Err(e) => {
            tracing::error!("template failed to render: {e}");
            render_failed()
        }
    }
}

/// The answer when a page failed to render.
fn render_failed() -> HttpResponse {
    HttpResponse::InternalServerError()
        .content_type("text/plain; charset=utf-8")
        .body("internal error: a page failed to render")
}

/// Adds `x-cache-status` and the `cache-control` of a found profile.
fn set_found_cache_headers(response: &mut HttpResponse, cache: CacheStatus) {
    const CONTROL: HeaderValue = HeaderValue::from_static(FOUND_CACHE_CONTROL);
    let headers = response.headers_mut();
    headers.insert(X_CACHE_STATUS, cache_status(cache));
    headers.insert(header::CACHE_CONTROL, CONTROL);
}

/// `x-cache-status`.
const X_CACHE_STATUS: HeaderName = HeaderName::from_static("x-cache-status");

/// `status` as the value of `x-cache-status`, made at compile time rather than checked byte
/// by byte on every response.
fn cache_status(status: CacheStatus) -> HeaderValue {
    const HIT: HeaderValue = HeaderValue::from_static(CacheStatus::Hit.as_str());
    const MISS: HeaderValue = HeaderValue::from_static(CacheStatus::Miss.as_str());
    const STALE: HeaderValue = HeaderValue::from_static(CacheStatus::Stale.as_str());
    match status {
        CacheStatus::Hit => HIT,
        CacheStatus::Miss => MISS,
        CacheStatus::Stale => STALE,
    }
}

/// Whether the client already holds `etag` (`If-None-Match`, compared weakly as RFC 9110
/// asks for GET and HEAD).
fn client_has(req: &HttpRequest, etag: &EntityTag) -> bool {
    match req.get_header::<IfNoneMatch>() {
        Some(IfNoneMatch::Any) => true,
        Some(IfNoneMatch::Items(tags)) => tags.iter().any(|t| t.weak_eq(etag)),
        None => false,
    }
}
