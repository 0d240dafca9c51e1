//! actix-web and nothing else: `GET /` answers a small HTML page, on `PORT` at
//! `GETIMAGES_HOST`, the variables the cold-start bench sets for getimages.

use actix_web::{App, HttpResponse, HttpServer, web};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8080);
    let host = std::env::var("GETIMAGES_HOST").unwrap_or_else(|_| "127.0.0.1".into());
    HttpServer::new(|| {
        App::new().route(
            "/",
            web::get().to(|| async {
                HttpResponse::Ok()
                    .content_type("text/html; charset=utf-8")
                    .body("<!doctype html><title>bare</title><p>bare actix-web</p>")
            }),
        )
    })
    .bind((host.as_str(), port))?
    .run()
    .await
}
