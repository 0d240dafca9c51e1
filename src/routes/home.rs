//! `GET /`: the lookup form.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use crate::pages::{HomePage, LookupForm};

/// The home page, its platform picker listing every provider.
pub async fn home() -> HttpResponse {
    super::html(
        StatusCode::OK,
        &HomePage {
            form: LookupForm::home(),
        },
    )
}
