//! `GET /lookup`: the results page for the home page's form.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::api::{LookupParams, set_cache_headers};
use crate::lookup::{Lookup, LookupError, ProfileQuery};
use crate::pages::{self, ResultsPage};
use crate::providers;

/// Looks the profile up and shows its images, or a friendly error page.
pub async fn results(lookup: web::Data<Lookup>, params: web::Query<LookupParams>) -> HttpResponse {
    let query = match ProfileQuery::parse(&params.q, params.provider.as_deref()) {
        Ok(query) => query,
        Err(e) => return error_page(&e),
    };
    let (answer, cache) = lookup.lookup(&query).await;
    let mut response = match &answer {
        Ok(profile) => pages::render(
            StatusCode::OK,
            &ResultsPage {
                query: &params.q,
                profile,
                provider_name: providers::by_id(profile.provider).map_or("the web", |p| p.name),
            },
        ),
        Err(e) => error_page(e),
    };
    set_cache_headers(&mut response, answer.as_ref().map(|_| ()), cache);
    response
}

/// The error page for a failed lookup, with its status.
pub fn error_page(e: &LookupError) -> HttpResponse {
    pages::error(e.status(), e.title(), &e.to_string())
}
