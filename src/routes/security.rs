//! Inbound hardening: security headers on every response (a strict Content-Security-Policy
//! on HTML pages), caps on query string and header sizes, and connections that close
//! lingering, so a refusal reaches a client still sending.

use std::any::Any;
use std::cell::RefCell;
use std::net::Shutdown;
use std::os::fd::AsFd;
use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{
    Extensions, Service, ServiceRequest, ServiceResponse, Transform, forward_ready,
};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use futures_util::future::{Either, MapOk, Ready, TryFutureExt, ready};

use super::error::Problem;

/// The policy for our pages: our own scripts, styles and images (every profile image is
/// shown through `/image`), nothing inline, never framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
     base-uri 'none'; frame-ancestors 'none'";

/// Inbound size limits, checked before any handler runs.
#[derive(Debug, Clone, Copy)]
pub struct RequestLimits {
    /// Longest query string (414 beyond it).
    pub max_query_bytes: usize,
    /// Most bytes of header names and values together (431 beyond it). Past a 128 KiB
    /// request head or 96 headers actix answers 431 itself, before this is checked.
    pub max_header_bytes: usize,
}

impl RequestLimits {
    /// The refusal of a request over the limits: 414 for its query string, 431 for its
    /// headers.
    fn refusal(&self, req: &ServiceRequest) -> Option<HttpResponse> {
        let (status, message) = if req.query_string().len() > self.max_query_bytes {
            (
                StatusCode::URI_TOO_LONG,
                format!(
                    "The query string is longer than {} bytes.",
                    self.max_query_bytes
                ),
            )
        } else if header_bytes(req) > self.max_header_bytes {
            (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                format!(
                    "The request headers are larger than {} bytes.",
                    self.max_header_bytes
                ),
            )
        } else {
            return None;
        };
        Some(Problem::input(message).with_status(status).json())
    }
}

/// The bytes of `req`'s header names and values together.
fn header_bytes(req: &ServiceRequest) -> usize {
    req.headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum()
}

/// The middleware at the edge: refuses requests over the [`RequestLimits`] (414, 431)
/// before any handler runs, and adds the security headers to every answer, refusals
/// included.
pub struct Hardening(pub RequestLimits);

impl<S, B> Transform<S, ServiceRequest> for Hardening
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = HardeningService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(HardeningService {
            service,
            limits: self.0,
        }))
    }
}

/// [`Hardening`] in front of the app's service.
pub struct HardeningService<S> {
    service: S,
    limits: RequestLimits,
}

/// The left body: the app answered.
type Answered<B> = fn(ServiceResponse<B>) -> ServiceResponse<EitherBody<B>>;

impl<S, B> Service<ServiceRequest> for HardeningService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = Either<MapOk<S::Future, Answered<B>>, Ready<Result<Self::Response, Self::Error>>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        match self.limits.refusal(&req) {
            None => {
                let answered: Answered<B> = |res| with_headers(res.map_into_left_body());
                Either::Left(self.service.call(req).map_ok(answered))
            }
            Some(refusal) => Either::Right(ready(Ok(with_headers(
                req.into_response(refusal).map_into_right_body(),
            )))),
        }
    }
}

/// `res` with the security headers: on every answer `nosniff` and `no-referrer`, on a
/// page the [`CONTENT_SECURITY_POLICY`] and `X-Frame-Options: DENY` too.
fn with_headers<B>(mut res: ServiceResponse<B>) -> ServiceResponse<B> {
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    // Made at compile time, not checked byte by byte on every response.
    const NOSNIFF: HeaderValue = HeaderValue::from_static("nosniff");
    const NO_REFERRER: HeaderValue = HeaderValue::from_static("no-referrer");
    const CSP: HeaderValue = HeaderValue::from_static(CONTENT_SECURITY_POLICY);
    const DENY: HeaderValue = HeaderValue::from_static("DENY");
    let headers = res.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, NOSNIFF);
    headers.insert(header::REFERRER_POLICY, NO_REFERRER);
    if is_html {
        headers.insert(header::CONTENT_SECURITY_POLICY, CSP);
        headers.insert(header::X_FRAME_OPTIONS, DENY);
    }
    res
}

/// How long a connection actix is done with is still read from before it is closed.
const LINGER: Duration = Duration::from_secs(2);

/// The most a closing connection is read (and dropped) before it is closed anyway.
const LINGER_MAX_BYTES: usize = 4 << 20;

thread_local! {
    /// Where lingering connections' bytes are read and dropped: one buffer for each worker
    /// thread, not one for each connection.
    static DISCARDED: RefCell<Box<[u8]>> = RefCell::new(vec![0; 16 * 1024].into());
}

/// For `HttpServer::on_connect`: keeps a second handle on each TCP connection, so that
/// when actix is done with it the connection closes lingering: a half-close after the last
/// answer, then what the client still sends is read and dropped, for up to [`LINGER`] or
/// [`LINGER_MAX_BYTES`].
///
/// actix answers a request head past its 128 KiB buffer (a 1 MB query or header) with 431
/// and closes the socket at once, the rest of the request unread. The kernel then resets
/// the connection, and a client still sending sees the reset, not the answer.
pub fn linger_on_close(connection: &dyn Any, data: &mut Extensions) {
    let Some(tcp) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() else {
        return;
    };
    if let Ok(fd) = tcp.as_fd().try_clone_to_owned() {
        data.insert(LingeringClose(Some(fd.into())));
    }
}

/// A connection's socket, held beside actix's own; it lingers when the connection's data
/// is dropped, which is when actix has finished with the connection.
struct LingeringClose(Option<std::net::TcpStream>);

impl Drop for LingeringClose {
    fn drop(&mut self) {
        let Some(socket) = self.0.take() else {
            return;
        };
        // Outside a runtime (a worker that is stopping) the socket simply closes.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(linger(socket));
        }
    }
}

/// Half-closes `socket` (actix has written all it will) and drops what the client still
/// sends until it closes its side, or for [`LINGER`] at most.
async fn linger(socket: std::net::TcpStream) {
    let _ = socket.shutdown(Shutdown::Write);
    let Ok(socket) = socket
        .set_nonblocking(true)
        .and_then(|()| tokio::net::TcpStream::from_std(socket))
    else {
        return;
    };
    let drain = async {
        let mut read = 0;
        while read < LINGER_MAX_BYTES {
            if socket.readable().await.is_err() {
                return;
            }
            match DISCARDED.with_borrow_mut(|buf| socket.try_read(buf)) {
                Ok(0) => return,
                Ok(n) => read += n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => return,
            }
        }
    };
    let _ = tokio::time::timeout(LINGER, drain).await;
}
