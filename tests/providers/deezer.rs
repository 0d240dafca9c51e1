use crate::support::*;

#[tokio::test]
async fn a_deezer_user_gets_the_1000px_picture() {
    let upstream = upstream_serving(
        "/user/2529",
        "application/json",
        &fixture("deezer/user-2529.json"),
    )
    .await;
    let app = spawn_app_for("deezer", &upstream);

    for (q, provider) in [
        ("https://www.deezer.com/profile/2529", None),
        ("https://www.deezer.com/fr/profile/2529", None),
        ("user:2529", Some("deezer")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "deezer", "{q}");
        assert_eq!(data["id"], "user:2529");
        assert_eq!(data["name"], "dadbond");
        assert_eq!(data["profile_url"], "https://www.deezer.com/profile/2529");
        assert_eq!(
            image_url(&data, "avatar"),
            Some(
                "https://e-cdns-images.dzcdn.net/images/user/35b2a990ccc09d4d0e90390484d221e3/1000x1000-000000-80-0-0.jpg"
            )
        );
    }
}

#[tokio::test]
async fn a_deezer_artist_is_asked_by_its_id() {
    let upstream = upstream_serving(
        "/artist/27",
        "application/json",
        &fixture("deezer/artist-27.json"),
    )
    .await;
    let app = spawn_app_for("deezer", &upstream);

    for (q, provider) in [
        ("https://www.deezer.com/en/artist/27", None),
        ("27", Some("deezer")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["id"], "artist:27", "{q}");
        assert_eq!(data["name"], "Daft Punk");
        assert_eq!(
            image_url(&data, "avatar"),
            Some(
                "https://e-cdns-images.dzcdn.net/images/artist/638e69b9caaf9f9f3f8826febea7b543/1000x1000-000000-80-0-0.jpg"
            )
        );
    }
}

#[tokio::test]
async fn deezers_no_data_error_is_not_found() {
    let upstream = upstream_serving(
        "/artist/999999999",
        "application/json",
        &fixture("deezer/not-found.json"),
    )
    .await;
    let app = spawn_app_for("deezer", &upstream);

    let reply = app.api_lookup("artist:999999999", Some("deezer")).await;
    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "Deezer has no profile \"artist:999999999\".");
}

#[tokio::test]
async fn an_artist_without_artwork_has_no_picture() {
    let upstream = upstream_serving(
        "/artist/5080",
        "application/json",
        &fixture("deezer/no-artwork.json"),
    )
    .await;
    let app = spawn_app_for("deezer", &upstream);

    let reply = app.api_lookup("5080", Some("deezer")).await;
    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(
        &reply,
        "\"artist:5080\" on Deezer has no public profile picture",
    );
}

#[tokio::test]
async fn deezers_quota_is_reported_as_blocked() {
    let upstream = upstream_serving(
        "/artist/27",
        "application/json",
        &fixture("deezer/quota.json"),
    )
    .await;
    let app = spawn_app_for("deezer", &upstream);

    let reply = app.api_lookup("27", Some("deezer")).await;
    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "stopped us with its request quota");
}
