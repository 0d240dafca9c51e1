use wiremock::MockServer;

use crate::support::*;

#[tokio::test]
async fn a_spotify_user_gets_the_300px_picture_through_every_way_of_asking() {
    let upstream = upstream_serving(
        "/user/spotify",
        "text/html; charset=utf-8",
        &fixture("spotify/user.html"),
    )
    .await;
    let app = spawn_app_for("spotify", &upstream);

    for (q, provider) in [
        ("https://open.spotify.com/user/spotify", None),
        ("https://open.spotify.com/user/spotify?si=4f2a9c", None),
        ("spotify", Some("spotify")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "spotify", "{q}");
        assert_eq!(data["id"], "spotify", "{q}");
        assert_eq!(data["name"], "Spotify", "{q}");
        assert_eq!(data["profile_url"], "https://open.spotify.com/user/spotify");
        assert_eq!(
            image_url(&data, "avatar"),
            Some("https://i.scdn.co/image/ab6775700000ee8555c25988a6ac314394d3fbf5"),
            "{q}"
        );
    }
}

#[tokio::test]
async fn a_spotify_artist_gets_the_640px_picture() {
    let upstream = upstream_serving(
        "/artist/4tZwfgrHOc3mvqYlEYSvVi",
        "text/html; charset=utf-8",
        &fixture("spotify/artist.html"),
    )
    .await;
    let app = spawn_app_for("spotify", &upstream);

    for (q, provider) in [
        (
            "https://open.spotify.com/intl-fr/artist/4tZwfgrHOc3mvqYlEYSvVi",
            None,
        ),
        ("artist/4tZwfgrHOc3mvqYlEYSvVi", Some("spotify")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["id"], "artist/4tZwfgrHOc3mvqYlEYSvVi", "{q}");
        assert_eq!(data["name"], "Daft Punk", "{q}");
        assert_eq!(
            data["profile_url"],
            "https://open.spotify.com/artist/4tZwfgrHOc3mvqYlEYSvVi"
        );
        assert_eq!(
            image_url(&data, "avatar"),
            Some("https://i.scdn.co/image/ab6761610000e5eba7bfd7835b5c1eee0c95fa6e"),
            "{q}"
        );
    }
}

#[tokio::test]
async fn a_smaller_spotify_picture_is_raised_to_the_largest_of_its_kind() {
    // Written here: a page whose og:image is the 320px artist picture.
    let page = r#"<html><head><meta property="og:title" content="Daft Punk">
        <meta property="og:image" content="https://i.scdn.co/image/ab67616100005174a7bfd7835b5c1eee0c95fa6e">
        </head></html>"#;
    let upstream = upstream_serving("/artist/4tZwfgrHOc3mvqYlEYSvVi", "text/html", page).await;
    let app = spawn_app_for("spotify", &upstream);

    let data = success(
        &app.api_lookup("artist:4tZwfgrHOc3mvqYlEYSvVi", Some("spotify"))
            .await,
    );

    assert_eq!(
        image_url(&data, "avatar"),
        Some("https://i.scdn.co/image/ab6761610000e5eba7bfd7835b5c1eee0c95fa6e")
    );
}

#[tokio::test]
async fn an_unknown_spotify_user_is_not_found() {
    let upstream = MockServer::start().await;
    serve(
        &upstream,
        "/user/no.such.user.zz9",
        404,
        "text/html",
        &fixture("spotify/not-found.html"),
    )
    .await;
    let app = spawn_app_for("spotify", &upstream);

    let reply = app.api_lookup("no.such.user.zz9", Some("spotify")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
}
