use crate::support::*;

#[tokio::test]
async fn a_soundcloud_profile_gets_the_500px_avatar_and_the_header_visual() {
    let upstream = upstream_serving(
        "/forss",
        "text/html; charset=utf-8",
        &fixture("soundcloud/forss.html"),
    )
    .await;
    let app = spawn_app_for("soundcloud", &upstream);

    let data = success(&app.api_lookup("Forss", Some("soundcloud")).await);

    assert_eq!(data["provider"], "soundcloud");
    assert_eq!(data["id"], "forss");
    assert_eq!(data["name"], "Forss");
    assert_eq!(data["profile_url"], "https://soundcloud.com/forss");
    // The hydration record says `-large` (100×100).
    assert_eq!(
        image_url(&data, "avatar"),
        Some("https://i1.sndcdn.com/avatars-000004193858-jnf2pd-t500x500.jpg")
    );
    assert_eq!(
        image_url(&data, "banner"),
        Some("https://i1.sndcdn.com/visuals-000000000183-Fk3y2P-original.jpg")
    );
}

#[tokio::test]
async fn a_soundcloud_track_url_is_recognized_as_its_artist() {
    let upstream = upstream_serving("/forss", "text/html", &fixture("soundcloud/forss.html")).await;
    let app = spawn_app_for("soundcloud", &upstream);

    for q in [
        "https://soundcloud.com/forss",
        "https://m.soundcloud.com/forss/flickermood",
    ] {
        let data = success(&app.api_lookup(q, None).await);
        assert_eq!(data["provider"], "soundcloud", "{q}");
        assert_eq!(data["id"], "forss", "{q}");
    }
}

#[tokio::test]
async fn the_soundcloud_default_avatar_is_not_a_picture() {
    let upstream = upstream_serving(
        "/quietlistener",
        "text/html; charset=utf-8",
        &fixture("soundcloud/no-avatar.html"),
    )
    .await;
    let app = spawn_app_for("soundcloud", &upstream);

    let reply = app.api_lookup("quietlistener", Some("soundcloud")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(
        &reply,
        "\"quietlistener\" on SoundCloud has no public profile picture",
    );
}
