//! Fallback for unknown paths: a 404 page.

use actix_web::HttpResponse;

use super::error::{PageError, Problem};

/// The 404 page.
pub async fn not_found() -> Result<HttpResponse, PageError> {
    Err(PageError(no_such_page()))
}

/// What an unknown path answers.
fn no_such_page() -> Problem {
    Problem::no_such_page(
        "There is nothing at this address. Paste a profile on the home page instead.",
    )
}
