use crate::support::*;

#[tokio::test]
async fn a_vimeo_member_gets_the_portrait_at_1024px() {
    let upstream = upstream_serving(
        "/staff",
        "text/html; charset=utf-8",
        &fixture("vimeo/staff.html"),
    )
    .await;
    let app = spawn_app_for("vimeo", &upstream);

    for (q, provider) in [
        ("https://vimeo.com/staff", None),
        ("vimeo.com/staff/videos", None),
        ("staff", Some("vimeo")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "vimeo", "{q}");
        assert_eq!(data["id"], "staff");
        assert_eq!(data["name"], "Vimeo Staff");
        assert_eq!(data["profile_url"], "https://vimeo.com/staff");
        assert_eq!(
            image_url(&data, "avatar"),
            Some(
                "https://i.vimeocdn.com/portrait/121530512_1024x1024?subrect=0%2C0%2C1000%2C1000&r=cover&sig=4b0fa2c9b5e51f0a6f3e7c0f2f6d9ad1e1d86b6bb4d0d9f8c3a0e2d4b6a8c1f0&v=1&region=us"
            )
        );
    }
}

#[tokio::test]
async fn a_vimeo_video_url_is_not_taken_for_a_member() {
    let upstream = wiremock::MockServer::start().await;
    let app = spawn_app_for("vimeo", &upstream);

    let reply = app
        .api_lookup("https://vimeo.com/76979871", Some("vimeo"))
        .await;
    assert_failure(&reply, 400, "EINPUT");
    assert_says(&reply, "is not a Vimeo username");
}

#[tokio::test]
async fn a_vimeo_member_with_the_stock_portrait_has_no_picture() {
    let upstream = upstream_serving(
        "/user12345678",
        "text/html",
        r#"<html><head><title>Jane Doe on Vimeo</title>
        <meta property="og:title" content="Jane Doe">
        <meta property="og:image" content="https://i.vimeocdn.com/portrait/defaults-blue_640x640.png">
        </head><body></body></html>"#,
    )
    .await;
    let app = spawn_app_for("vimeo", &upstream);

    let reply = app.api_lookup("https://vimeo.com/user12345678", None).await;
    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(
        &reply,
        "\"user12345678\" on Vimeo has no public profile picture",
    );
}
