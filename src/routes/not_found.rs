//! Fallback for unknown paths: a 404 page.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use crate::pages;

/// The 404 page.
pub async fn not_found() -> HttpResponse {
    pages::error(
        StatusCode::NOT_FOUND,
        "Page not found",
        "There is nothing at this address. Paste a profile on the home page instead.",
    )
}
