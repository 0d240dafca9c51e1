use crate::support::*;

#[tokio::test]
async fn a_bandcamp_artist_gets_the_1200px_band_photo() {
    let upstream = upstream_serving(
        "/music",
        "text/html; charset=utf-8",
        &fixture("bandcamp/minotaurshock.html"),
    )
    .await;
    let app = spawn_app_for("bandcamp", &upstream);

    for (q, provider) in [
        ("https://minotaurshock.bandcamp.com/", None),
        ("https://minotaurshock.bandcamp.com/album/orchard", None),
        ("minotaurshock.bandcamp.com", Some("bandcamp")),
        ("MinotaurShock", Some("bandcamp")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "bandcamp", "{q}");
        assert_eq!(data["id"], "minotaurshock");
        assert_eq!(data["name"], "Minotaur Shock");
        assert_eq!(
            data["profile_url"],
            "https://minotaurshock.bandcamp.com/music"
        );
        // The sidebar shows the 120 px `_21`; `_10` is the large view it links.
        assert_eq!(
            image_url(&data, "avatar"),
            Some("https://f4.bcbits.com/img/0004816723_10.jpg")
        );
    }
}

#[tokio::test]
async fn a_bandcamp_artist_without_a_photo_has_no_picture() {
    let upstream = upstream_serving(
        "/music",
        "text/html; charset=utf-8",
        &fixture("bandcamp/no-photo.html"),
    )
    .await;
    let app = spawn_app_for("bandcamp", &upstream);

    let reply = app.api_lookup("quiettapes", Some("bandcamp")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(
        &reply,
        "\"quiettapes\" on Bandcamp has no public profile picture",
    );
}

#[tokio::test]
async fn an_unknown_bandcamp_artist_is_not_found() {
    let upstream = wiremock::MockServer::start().await;
    serve(
        &upstream,
        "/music",
        404,
        "text/html; charset=utf-8",
        &fixture("bandcamp/not-found.html"),
    )
    .await;
    let app = spawn_app_for("bandcamp", &upstream);

    let reply = app
        .api_lookup("https://nobody-zz.bandcamp.com/", None)
        .await;

    assert_failure(&reply, 404, "ENOTFOUND");
}
