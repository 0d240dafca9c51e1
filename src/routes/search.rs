//! A bare name searched on every platform that takes usernames: `GET /api/v1/search` (JSON,
//! or NDJSON streamed a line per platform), and the results page `/lookup` shows for a bare
//! name, streamed card by card as platforms answer, JavaScript or not.

use std::cell::RefCell;
use std::convert::Infallible;
use std::rc::Rc;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use bytes::Bytes;
use futures_util::future;
use futures_util::stream::{self, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::{ApiError, Problem};
use super::ratelimit::Limiters;
use crate::lookup::search::{self, Kind, Outcome, Searched};
use crate::lookup::{Input, Lookup, Name};
use crate::pages::{LookupForm, SearchCard, SearchPage, SearchSummary};
use crate::providers::{self, Provider};

/// NDJSON, one JSON object a line: what `Accept` asks for to get the answers streamed.
const NDJSON: &str = "application/x-ndjson";

/// The query string of `/api/v1/search`.
#[derive(Debug, Deserialize)]
pub struct SearchParams {
    /// The name (`jack`, `@jack`), or a profile URL whose handle is searched.
    #[serde(default)]
    q: String,
    /// Comma-separated provider ids to ask, instead of every platform that takes usernames.
    providers: Option<String>,
}

/// `GET /api/v1/search?q=jack[&providers=github,x]`: every platform's outcome, as one JSON
/// answer, or streamed as NDJSON when `Accept` asks for it.
pub async fn api(
    req: HttpRequest,
    lookup: web::Data<Lookup>,
    params: web::Query<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    let name = searched_name(&params.q)?;
    let on = chosen(params.providers.as_deref())?;
    let timeout = lookup.timeout().as_secs_f32();
    let answers = lookup.into_inner().search(&name, &on);
    if accepts_ndjson(&req) {
        let lines = answers.map(move |searched| {
            let mut line = serde_json::to_vec(&outcome_json(&searched, timeout))
                .unwrap_or_else(|_| b"{}".to_vec());
            line.push(b'\n');
            Ok::<_, Infallible>(Bytes::from(line))
        });
        return Ok(streaming(NDJSON).streaming(lines));
    }
    let mut all: Vec<Searched> = answers.collect().await;
    all.sort_by_key(|s| position(s.provider));
    let results: Vec<Value> = all.iter().map(|s| outcome_json(s, timeout)).collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({
            "status": "success",
            "data": { "query": name.as_str(), "results": results },
        })))
}

/// The results page for a bare name: the page's head, form and an empty grid at once, then
/// each platform's card as it is found, then what the others answered.
pub fn page(
    req: &HttpRequest,
    lookup: web::Data<Lookup>,
    limiters: &Limiters,
    name: Name,
    asked: &str,
) -> Result<HttpResponse, Problem> {
    limiters.searches.admit(req)?;
    let on: Vec<&'static Provider> = search::platforms().collect();
    let timeout = lookup.timeout().as_secs_f32();
    let rendered = SearchPage {
        form: LookupForm::filled(asked, None),
        name: name.as_str(),
        platforms: on.len(),
    }
    .render()
    .map_err(|e| {
        tracing::error!("template failed to render: {e}");
        unrendered()
    })?;
    let (head, rest) = rendered
        .split_once(SearchPage::CARDS)
        .ok_or_else(unrendered)?;
    let (middle, tail) = rest
        .split_once(SearchPage::SUMMARY)
        .ok_or_else(unrendered)?;
    let (head, middle, tail) = (head.to_owned(), middle.to_owned(), tail.to_owned());
    let others = Rc::new(RefCell::new(Vec::new()));
    let kept = Rc::clone(&others);
    let cards = lookup
        .into_inner()
        .search(&name, &on)
        .filter_map(move |searched| {
            let card = match &searched.outcome {
                Outcome::Found(profile) => SearchCard::new(profile).render().ok(),
                _ => None,
            };
            kept.borrow_mut().push(searched);
            future::ready(card)
        });
    let end = stream::once(async move {
        let mut all = std::mem::take(&mut *others.borrow_mut());
        // By outcome, then by name, so a visitor scans each list alphabetically.
        all.sort_by_key(|s| (s.outcome.kind(), s.provider.name.to_ascii_lowercase()));
        let found = all
            .iter()
            .filter(|s| s.outcome.kind() == Kind::Found)
            .count();
        let lines: Vec<(Kind, &'static str, String)> = all
            .iter()
            .filter(|s| s.outcome.kind() != Kind::Found)
            .map(|s| (s.outcome.kind(), s.provider.name, message(s, timeout)))
            .collect();
        let summary = SearchSummary::new(found, all.len(), &lines)
            .render()
            .unwrap_or_default();
        format!("{middle}{summary}{tail}")
    });
    let body = stream::once(future::ready(head))
        .chain(cards)
        .chain(end)
        .map(|html| Ok::<_, Infallible>(Bytes::from(html)));
    Ok(streaming("text/html; charset=utf-8").streaming(body))
}

/// `500`: the page could not be written.
fn unrendered() -> Problem {
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "EINTERNAL",
        "Something went wrong",
        "The results page failed to render.",
    )
}

/// The name a search looks for: a bare name, or the handle of a profile URL on a platform
/// that takes usernames.
fn searched_name(q: &str) -> Result<Name, Problem> {
    let refused = || {
        Problem::input(format!(
            "Search takes a name such as jack or @jack; \"{}\" is not one.",
            q.trim()
        ))
    };
    if q.trim().is_empty() {
        return Err(Problem::input(
            "Paste a profile URL, a handle or a name to search, such as jack.",
        ));
    }
    match Input::parse(q, None).map_err(|_| refused())? {
        Input::Name(name) => Ok(name),
        Input::Profile(query) if query.provider.takes_username => {
            Name::parse(&query.handle).ok_or_else(refused)
        }
        _ => Err(refused()),
    }
}

/// The platforms `providers` names (every one that takes usernames when it names none).
fn chosen(providers: Option<&str>) -> Result<Vec<&'static Provider>, Problem> {
    let named: Vec<&str> = providers
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .collect();
    if named.is_empty() {
        return Ok(search::platforms().collect());
    }
    let mut on: Vec<&'static Provider> = Vec::new();
    for id in named {
        let provider = providers::by_id(id)
            .ok_or_else(|| Problem::input(format!("Unknown platform \"{id}\".")))?;
        if !provider.takes_username {
            return Err(Problem::input(format!(
                "{} takes a {}, not a name to search.",
                provider.name, provider.input
            )));
        }
        if !on.contains(&provider) {
            on.push(provider);
        }
    }
    Ok(on)
}

/// One platform's outcome as the API writes it.
fn outcome_json(searched: &Searched, timeout: f32) -> Value {
    let mut out = json!({
        "provider": searched.provider.id,
        "outcome": searched.outcome.kind().as_str(),
        "ms": searched.elapsed.as_millis() as u64,
    });
    if let Some(handle) = &searched.handle {
        out["handle"] = json!(handle);
    }
    if let Some(cache) = searched.cache {
        out["cache"] = json!(cache.as_str());
    }
    match &searched.outcome {
        Outcome::Found(profile) => out["profile"] = json!(**profile),
        _ => out["message"] = json!(message(searched, timeout)),
    }
    out
}

/// What a visitor reads of a platform that did not find the name.
fn message(searched: &Searched, timeout: f32) -> String {
    let provider = searched.provider;
    match &searched.outcome {
        Outcome::Found(_) => format!("{} has it.", provider.name),
        Outcome::Failed(e) => super::error::lookup_message(e),
        Outcome::PastDeadline => super::error::past_deadline(provider.name, timeout),
        Outcome::Invalid => format!(
            "Not a valid {} {} (for example: {}).",
            provider.name, provider.input, provider.example
        ),
    }
}

/// Where `provider` comes in the API's list, to order answers the same every time.
fn position(provider: &Provider) -> usize {
    providers::ALL
        .iter()
        .position(|p| *p == provider)
        .unwrap_or(usize::MAX)
}

/// Whether the client asked for NDJSON.
fn accepts_ndjson(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains(NDJSON))
}

/// A 200 that streams as `content_type`, never cached, and never buffered by a proxy in
/// front (nginx reads `x-accel-buffering`).
fn streaming(content_type: &'static str) -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(content_type)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("x-accel-buffering", "no"));
    response
}
