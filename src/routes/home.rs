//! `GET /`: the lookup form.

use std::sync::LazyLock;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use askama::Template;

use super::compressed::{self, Compressed};
use crate::pages::{HomePage, LookupForm};

/// The home page, the same for every visitor: rendered on first use, then the same bytes.
/// `None` if it failed to render (logged once, and answered as any page that fails).
static PAGE: LazyLock<Option<&'static str>> = LazyLock::new(|| {
    let page = HomePage {
        form: LookupForm::home(),
    };
    page.render()
        .inspect_err(|e| tracing::error!("template failed to render: {e}"))
        .ok()
        // Lives as long as the process, like a static page.
        .map(|html| &*html.leak())
});

/// The home page brotli- and gzip-compressed, once a client asks for either.
static FORMS: Compressed = Compressed::new();

/// The home page, its platform picker listing every provider; compressed for a client
/// that accepts it (a browser: 19 KB of HTML is 4 KB as gzip, less as brotli).
pub async fn home(req: HttpRequest) -> HttpResponse {
    let Some(html) = *PAGE else {
        return super::render_failed();
    };
    let (body, coding) = FORMS.get(html.as_bytes(), compressed::preferred(&req));
    let mut response = HttpResponseBuilder::new(StatusCode::OK);
    response.content_type(super::HTML);
    compressed::describe(&mut response, coding);
    response.body(body)
}
