use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

#[tokio::test]
async fn a_strava_athlete_gets_the_uploaded_picture() {
    let upstream = upstream_serving(
        "/athletes/7201594",
        "text/html; charset=utf-8",
        &fixture("strava/7201594.html"),
    )
    .await;
    let app = spawn_app_for("strava", &upstream);

    for (q, provider) in [
        ("https://www.strava.com/athletes/7201594", None),
        ("https://strava.com/athletes/7201594/posts", None),
        ("7201594", Some("strava")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "strava", "{q}");
        assert_eq!(data["id"], "7201594");
        assert_eq!(data["name"], "Kiko Beats");
        assert_eq!(
            data["profile_url"],
            "https://www.strava.com/athletes/7201594"
        );
        assert_eq!(
            image_url(&data, "avatar"),
            Some(
                "https://dgalywyr863hv.cloudfront.net/pictures/athletes/7201594/2189962/2/full.jpg"
            )
        );
    }
}

#[tokio::test]
async fn a_strava_athlete_with_the_stock_figure_has_no_picture() {
    let upstream = upstream_serving(
        "/athletes/5550123",
        "text/html; charset=utf-8",
        &fixture("strava/no-picture.html"),
    )
    .await;
    let app = spawn_app_for("strava", &upstream);

    let reply = app.api_lookup("5550123", Some("strava")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(
        &reply,
        "\"5550123\" on Strava has no public profile picture",
    );
}

#[tokio::test]
async fn an_unknown_strava_athlete_is_not_found() {
    let upstream = MockServer::start().await;
    serve(
        &upstream,
        "/athletes/999999999999",
        404,
        "text/html",
        "<html><title>Strava</title></html>",
    )
    .await;
    let app = spawn_app_for("strava", &upstream);

    let reply = app
        .api_lookup("https://www.strava.com/athletes/999999999999", None)
        .await;

    assert_failure(&reply, 404, "ENOTFOUND");
}

#[tokio::test]
async fn a_hidden_strava_athlete_sent_to_the_login_page_is_reported_as_blocked() {
    let upstream = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/athletes/7201594"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/login"))
        .mount(&upstream)
        .await;
    serve_everywhere(&upstream, 200, "text/html", &fixture("strava/login.html")).await;
    let app = spawn_app_for("strava", &upstream);

    let reply = app.api_lookup("7201594", Some("strava")).await;

    assert_failure(&reply, 502, "EBLOCKED");
}
