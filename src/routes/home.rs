//! `GET /`: the lookup form.

use std::sync::LazyLock;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

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

/// The home page, its platform picker listing every provider.
pub async fn home() -> HttpResponse {
    match *PAGE {
        Some(html) => super::html_bytes(StatusCode::OK, html),
        None => super::render_failed(),
    }
}
