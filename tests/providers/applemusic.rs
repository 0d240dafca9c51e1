use wiremock::MockServer;

use crate::support::*;

#[tokio::test]
async fn an_apple_music_artist_gets_the_2400px_picture() {
    let upstream = upstream_serving(
        "/us/artist/5468295",
        "text/html; charset=utf-8",
        &fixture("applemusic/5468295.html"),
    )
    .await;
    let app = spawn_app_for("applemusic", &upstream);

    for (q, provider) in [
        ("https://music.apple.com/us/artist/daft-punk/5468295", None),
        ("https://music.apple.com/fr/artist/5468295", None),
        ("5468295", Some("apple-music")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "applemusic", "{q}");
        assert_eq!(data["id"], "5468295");
        assert_eq!(data["name"], "Daft Punk");
        assert_eq!(
            data["profile_url"],
            "https://music.apple.com/us/artist/5468295"
        );
        // The JSON-LD names the 486 px picture.
        assert_eq!(
            image_url(&data, "avatar"),
            Some(
                "https://is1-ssl.mzstatic.com/image/thumb/Features125/v4/1d/9f/2c/1d9f2c5e-7a1b-3c4d-5e6f-7a8b9c0d1e2f/pr_source.png/2400x2400bb.png"
            )
        );
    }
}

#[tokio::test]
async fn an_apple_music_artist_without_a_picture_has_none() {
    let upstream = upstream_serving(
        "/us/artist/1500000001",
        "text/html; charset=utf-8",
        &fixture("applemusic/no-picture.html"),
    )
    .await;
    let app = spawn_app_for("applemusic", &upstream);

    let reply = app.api_lookup("1500000001", Some("applemusic")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(
        &reply,
        "\"1500000001\" on Apple Music has no public profile picture",
    );
}

#[tokio::test]
async fn an_unknown_apple_music_artist_is_not_found() {
    let upstream = MockServer::start().await;
    serve(
        &upstream,
        "/us/artist/999999999999",
        404,
        "text/html",
        "<html><title>Apple Music</title></html>",
    )
    .await;
    let app = spawn_app_for("applemusic", &upstream);

    let reply = app.api_lookup("999999999999", Some("applemusic")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
}

#[tokio::test]
async fn an_album_is_not_an_artist() {
    let upstream = MockServer::start().await;
    let app = spawn_app_for("applemusic", &upstream);

    let reply = app
        .api_lookup(
            "https://music.apple.com/us/album/discovery/697194953",
            Some("applemusic"),
        )
        .await;

    assert_failure(&reply, 400, "EINPUT");
}
