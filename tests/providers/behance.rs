use crate::support::*;

#[tokio::test]
async fn a_behance_profile_gets_the_276px_avatar() {
    let upstream = upstream_serving(
        "/jessicawalsh",
        "text/html; charset=utf-8",
        &fixture("behance/jessicawalsh.html"),
    )
    .await;
    let app = spawn_app_for("behance", &upstream);

    let data = success(&app.api_lookup("jessicawalsh", Some("behance")).await);

    assert_eq!(data["provider"], "behance");
    assert_eq!(data["id"], "jessicawalsh");
    assert_eq!(data["name"], "Jessica Walsh");
    assert_eq!(data["profile_url"], "https://www.behance.net/jessicawalsh");
    // og:image is the 138px variant.
    assert_eq!(
        image_url(&data, "avatar"),
        Some("https://mir-s3-cdn-cf.behance.net/user/276/4ba1ab477672439.5d9fd8f0c0bb8.jpg")
    );
}

#[tokio::test]
async fn a_behance_profile_url_is_recognized_but_a_gallery_is_not() {
    let upstream = upstream_serving(
        "/jessicawalsh",
        "text/html",
        &fixture("behance/jessicawalsh.html"),
    )
    .await;
    let app = spawn_app_for("behance", &upstream);

    let data = success(
        &app.api_lookup("https://www.behance.net/jessicawalsh/moodboards", None)
            .await,
    );
    assert_eq!(data["provider"], "behance");
    assert_eq!(data["id"], "jessicawalsh");

    let reply = app
        .api_lookup(
            "https://www.behance.net/gallery/1234567/Poster",
            Some("behance"),
        )
        .await;
    assert_failure(&reply, 400, "EINPUT");
    assert_says(&reply, "is not a Behance username");
}
