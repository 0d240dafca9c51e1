//! actix-web and nothing else: `GET /` answers a small HTML page, on `PORT` at
//! `GETIMAGES_HOST`, the variables the cold-start bench sets for getimages. With
//! `BARE_FILES` (`name=path,…`), `GET /file/{name}` answers that file's bytes, read once at
//! start, so that a route of ours can be set beside actix-web sending the same body.

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::web::{Bytes, Path};
use actix_web::{App, HttpResponse, HttpServer, web};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8080);
    let host = std::env::var("GETIMAGES_HOST").unwrap_or_else(|_| "127.0.0.1".into());
    let mut files = HashMap::new();
    for entry in std::env::var("BARE_FILES").unwrap_or_default().split(',') {
        if let Some((name, path)) = entry.split_once('=') {
            files.insert(name.to_owned(), Bytes::from(std::fs::read(path)?));
        }
    }
    let files = Arc::new(files);
    HttpServer::new(move || {
        let files = Arc::clone(&files);
        App::new()
            .route(
                "/",
                web::get().to(|| async {
                    HttpResponse::Ok()
                        .content_type("text/html; charset=utf-8")
                        .body("<!doctype html><title>bare</title><p>bare actix-web</p>")
                }),
            )
            .route(
                "/file/{name}",
                web::get().to(move |name: Path<String>| {
                    let body = files.get(name.as_str()).cloned();
                    async move {
                        match body {
                            Some(body) => HttpResponse::Ok()
                                .content_type("application/octet-stream")
                                .body(body),
                            None => HttpResponse::NotFound().finish(),
                        }
                    }
                }),
            )
    })
    .bind((host.as_str(), port))?
    .run()
    .await
}
