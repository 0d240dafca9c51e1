//! `/__test/*`: routes only the test suite turns on (`--test-routes`).

use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::web::{self, Bytes};
use futures_util::stream;
use serde::Deserialize;

/// Query for [`stream`].
#[derive(Deserialize)]
pub struct StreamQuery {
    /// How long the body takes, in milliseconds (at most one minute).
    ms: u64,
}

/// Streams ten chunks spread over `ms` milliseconds: a long response in flight.
pub async fn stream(query: web::Query<StreamQuery>) -> HttpResponse {
    let step = Duration::from_millis(query.ms.min(60_000) / 10);
    let chunks = stream::unfold(0u8, move |sent| async move {
        if sent == 10 {
            return None;
        }
        tokio::time::sleep(step).await;
        let chunk = Bytes::from(format!("chunk {}\n", sent + 1));
        Some((Ok::<_, actix_web::Error>(chunk), sent + 1))
    });
    HttpResponse::Ok()
        .content_type("text/plain")
        .streaming(chunks)
}
