use crate::support::*;

#[tokio::test]
async fn a_dribbble_profile_gets_the_unscaled_avatar() {
    let upstream = upstream_serving(
        "/simplebits",
        "text/html; charset=utf-8",
        &fixture("dribbble/simplebits.html"),
    )
    .await;
    let app = spawn_app_for("dribbble", &upstream);

    let data = success(&app.api_lookup("simplebits", Some("dribbble")).await);

    assert_eq!(data["provider"], "dribbble");
    assert_eq!(data["id"], "simplebits");
    assert_eq!(data["name"], "Dan Cederholm");
    assert_eq!(data["profile_url"], "https://dribbble.com/simplebits");
    // The header's srcset asks `resize=240x240`; without it the CDN serves the upload.
    assert_eq!(
        image_url(&data, "avatar"),
        Some("https://cdn.dribbble.com/users/1/avatars/normal/dc.jpg?1371679243")
    );
}

#[tokio::test]
async fn a_dribbble_shot_url_is_not_a_profile_but_a_profile_url_is() {
    let upstream = upstream_serving(
        "/simplebits",
        "text/html",
        &fixture("dribbble/simplebits.html"),
    )
    .await;
    let app = spawn_app_for("dribbble", &upstream);

    let data = success(
        &app.api_lookup("https://dribbble.com/simplebits/about", None)
            .await,
    );
    assert_eq!(data["provider"], "dribbble");
    assert_eq!(data["id"], "simplebits");

    let reply = app
        .api_lookup("https://dribbble.com/shots/123-Sasquatch", Some("dribbble"))
        .await;
    assert_failure(&reply, 400, "EINPUT");
    assert_says(&reply, "is not a Dribbble username");
}
