//! Inbound hardening: security headers on every response (a strict Content-Security-Policy
//! on HTML pages), and caps on query string and header sizes.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

use super::error::Problem;

/// The policy for our pages: our own scripts, styles and images (every profile image is
/// shown through `/image`), nothing inline, never framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
     base-uri 'none'; frame-ancestors 'none'";

/// Adds the headers after the handler ran, without touching the body.
pub async fn headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let headers = res.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if is_html {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    Ok(res)
}

/// Inbound size limits, checked before any handler runs.
#[derive(Debug, Clone, Copy)]
pub struct RequestLimits {
    /// Longest query string (414 beyond it).
    pub max_query_bytes: usize,
    /// Most bytes of header names and values together (431 beyond it). actix itself closes
    /// the connection past 128 KiB or 96 headers.
    pub max_header_bytes: usize,
}

/// Refuses requests over `limits` with 414 or 431.
pub async fn limit_request(
    limits: RequestLimits,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    let refusal = if req.query_string().len() > limits.max_query_bytes {
        Some((
            StatusCode::URI_TOO_LONG,
            format!(
                "The query string is longer than {} bytes.",
                limits.max_query_bytes
            ),
        ))
    } else if header_bytes > limits.max_header_bytes {
        Some((
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!(
                "The request headers are larger than {} bytes.",
                limits.max_header_bytes
            ),
        ))
    } else {
        None
    };
    if let Some((status, message)) = refusal {
        let problem = Problem::input(message).with_status(status);
        return Ok(req.into_response(problem.json()).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}
