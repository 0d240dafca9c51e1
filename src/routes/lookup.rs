//! `GET /lookup`: the results page for the home page's form: one profile's images, or, for a
//! bare name, a search across platforms (see `search`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::api::{LookupParams, found};
use super::error::{PageError, Problem};
use super::query::Params;
use super::ratelimit::Limiters;
use super::search;
use crate::lookup::{Input, Lookup};
use crate::pages::{LookupForm, ResultsPage};

/// Looks the profile up and shows its images, searches a bare name on every platform, or
/// shows an error page; each keeps the form filled in with what the visitor asked for.
pub async fn results(
    req: HttpRequest,
    lookup: web::Data<Lookup>,
    limiters: web::Data<Limiters>,
    params: Params<LookupParams>,
) -> Result<HttpResponse, PageError> {
    let provider = params.provider.as_deref();
    let refill = |problem: Problem| PageError(problem.asked(&params.q, provider));
    let query = match Input::parse(&params.q, provider).map_err(|e| refill(Problem::from(&e)))? {
        Input::Name(name) => {
            return search::page(&req, lookup, &limiters, name, &params.q).map_err(refill);
        }
        Input::Account(account) => lookup
            .resolve(&account)
            .await
            .map_err(|e| refill(Problem::from(&e)))?,
        Input::Profile(query) => query,
    };
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
