//! `GET /lookup`: the results page for the home page's form.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::api::{LookupParams, found};
use super::error::PageError;
use crate::lookup::Lookup;
use crate::pages::ResultsPage;

/// Looks the profile up and shows its images, or a friendly error page.
pub async fn results(
    lookup: web::Data<Lookup>,
    params: web::Query<LookupParams>,
) -> Result<HttpResponse, PageError> {
    let (answer, cache) = lookup.lookup(&params.query()?).await;
    let profile = found(answer, cache)?;
    let mut response = super::html(
        StatusCode::OK,
        &ResultsPage {
            query: &params.q,
            profile: &profile,
        },
    );
    super::set_found_cache_headers(&mut response, cache);
    Ok(response)
}
