//! The request a thread is serving, for the lines logged while it does: its id, method and
//! path head each line as a `request{…}` span's fields would, without a tracing span made,
//! entered, left and closed for every request (which cost a request as much as the rest of
//! its logging). Work that outlives the request's poll carries an owned copy: a span made
//! inside it ([`Origins`]) and a future another request may poll ([`in_current_request`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_web::http::{Method, Uri};
use tracing::instrument::{Instrument, Instrumented};
use tracing::span::{Attributes, Id};
use tracing::{Span, Subscriber};
use tracing_subscriber::layer::{self, Layer};
use tracing_subscriber::registry::LookupSpan;

/// A request's fields as its lines show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestFields<'a> {
    /// The number its `x-request-id` carries.
    pub id: u64,
    /// The method, as sent.
    pub method: &'a str,
    /// The path, as sent (percent-encoded), without the query.
    pub path: &'a str,
}

/// A request as its lines name it: its id, method and URI (whose path they show).
#[derive(Debug, Clone)]
pub struct Request {
    id: u64,
    method: Method,
    uri: Uri,
}

impl Request {
    /// The request numbered `id`.
    pub fn new(id: u64, method: Method, uri: Uri) -> Self {
        Self { id, method, uri }
    }

    /// The fields, as a line shows them.
    pub fn fields(&self) -> RequestFields<'_> {
        RequestFields {
            id: self.id,
            method: self.method.as_str(),
            path: self.uri.path(),
        }
    }
}

scoped_tls::scoped_thread_local! {
    /// The request the thread works for, while it polls that request's future or work made
    /// inside it: a reference set for the poll, not a copy.
    static CURRENT: Request
}

/// Runs `f` with `request`, if any, as the one the thread works for.
pub fn serving<R>(request: Option<&Request>, f: impl FnOnce() -> R) -> R {
    match request {
        Some(request) => CURRENT.set(request, f),
        None => f(),
    }
}

/// Calls `f` with the fields of the request the thread works for, if any.
pub fn with_current<R>(f: impl FnOnce(Option<RequestFields<'_>>) -> R) -> R {
    if CURRENT.is_set() {
        CURRENT.with(|request| f(Some(request.fields())))
    } else {
        f(None)
    }
}

/// The request the thread works for, owned.
fn current_origin() -> Option<Arc<Request>> {
    CURRENT
        .is_set()
        .then(|| CURRENT.with(|request| Arc::new(request.clone())))
}

/// `future` in the current tracing span and working for the current request, wherever it
/// is polled: for work that one request makes and others may join.
pub fn in_current_request<F: Future>(future: F) -> InRequest<F> {
    InRequest {
        inner: future.instrument(Span::current()),
        origin: current_origin(),
    }
}

pin_project_lite::pin_project! {
    /// A future working for the request it was made in ([`in_current_request`]).
    pub struct InRequest<F> {
        #[pin]
        inner: Instrumented<F>,
        origin: Option<Arc<Request>>,
    }
}

impl<F: Future> Future for InRequest<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        serving(this.origin.as_deref(), || this.inner.poll(cx))
    }
}

/// A layer that gives a span made with no parent, while the thread works for a request,
/// that request (an `Arc<Request>` in its extensions): a background refresh started by a
/// request logs under it, as it did under the request's span.
pub struct Origins;

impl<S> Layer<S> for Origins
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, _: &Attributes<'_>, id: &Id, ctx: layer::Context<'_, S>) {
        let Some(span) = ctx.span(id) else {
            return;
        };
        if span.parent().is_none()
            && let Some(origin) = current_origin()
        {
            span.extensions_mut().insert(origin);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use tracing_subscriber::layer::SubscriberExt;

    fn fields() -> Option<(u64, String, String)> {
        with_current(|f| f.map(|f| (f.id, f.method.to_owned(), f.path.to_owned())))
    }

    fn request(id: u64, method: Method, uri: &str) -> Request {
        Request::new(id, method, uri.parse().unwrap())
    }

    #[test]
    fn a_request_is_current_while_served_and_the_one_before_after() {
        assert_eq!(fields(), None);
        let outer = request(1, Method::GET, "/a?q=1");
        let inner = request(2, Method::HEAD, "/b");
        serving(Some(&outer), || {
            assert_eq!(fields(), Some((1, "GET".into(), "/a".into())));
            serving(Some(&inner), || {
                assert_eq!(fields(), Some((2, "HEAD".into(), "/b".into())));
            });
            serving(None, || assert_eq!(fields().map(|f| f.0), Some(1)));
            assert_eq!(fields(), Some((1, "GET".into(), "/a".into())));
        });
        assert_eq!(fields(), None);
    }

    #[test]
    fn work_made_in_a_request_works_for_it_wherever_it_is_polled() {
        let made_in = request(9, Method::GET, "/image?url=x");
        let work = serving(Some(&made_in), || in_current_request(async { fields() }));
        let other = request(10, Method::GET, "/other");
        serving(Some(&other), || {
            let seen = futures_util::FutureExt::now_or_never(work).flatten();
            assert_eq!(seen, Some((9, "GET".into(), "/image".into())));
            assert_eq!(fields().map(|f| f.0), Some(10));
        });
    }

    #[test]
    fn a_root_span_made_in_a_request_carries_it_and_a_child_does_not() {
        let subscriber = tracing_subscriber::registry().with(Origins);
        let served = request(4, Method::GET, "/x");
        tracing::subscriber::with_default(subscriber, || {
            let origin_of = |span: &Span| {
                tracing::dispatcher::get_default(|dispatch| {
                    let registry = dispatch.downcast_ref::<tracing_subscriber::Registry>()?;
                    let data = registry.span(&span.id()?)?;
                    let origin = data.extensions().get::<Arc<Request>>()?.fields().id;
                    Some(origin)
                })
            };
            let outside = tracing::info_span!("outside");
            let (root, child) = serving(Some(&served), || {
                let root = tracing::info_span!("refresh");
                let child = tracing::info_span!(parent: &root, "child");
                (root, child)
            });
            assert_eq!(origin_of(&outside), None);
            assert_eq!(origin_of(&root), Some(4));
            assert_eq!(origin_of(&child), None);
        });
    }
}
