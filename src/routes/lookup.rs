//! `GET /lookup`: the results page for the home page's form.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::api::{LookupParams, found};
use super::error::{PageError, Problem};
use crate::lookup::Lookup;
use crate::pages::{LookupForm, ResultsPage};

/// Looks the profile up and shows its images, or an error page; either keeps the form
/// filled in with what the visitor asked for.
pub async fn results(
    lookup: web::Data<Lookup>,
    params: web::Query<LookupParams>,
) -> Result<HttpResponse, PageError> {
    let provider = params.provider.as_deref();
    let refill = |problem: Problem| PageError(problem.asked(&params.q, provider));
    let query = params.query().map_err(|e| refill(Problem::from(&e)))?;
    let (answer, cache) = lookup.lookup(&query).await;
    let profile = found(answer, cache).map_err(refill)?;
    let mut response = super::html(
        StatusCode::OK,
        &ResultsPage {
            form: LookupForm::filled(&params.q, provider),
            profile: &profile,
        },
    );
    super::set_found_cache_headers(&mut response, cache);
    Ok(response)
}
