use crate::support::*;

const ORIGINAL: &str = "https://dev-to-uploads.s3.amazonaws.com/uploads/user/profile_image/1/f451a206-11c8-4e3d-8936-143d0a7e65bb.png";

#[tokio::test]
async fn a_dev_user_gets_the_original_upload_without_the_resizing_proxy() {
    let upstream = upstream_serving(
        "/api/users/by_username",
        "application/json; charset=utf-8",
        &fixture("dev/ben.json"),
    )
    .await;
    let app = spawn_app_for("dev", &upstream);

    for (q, provider) in [("https://dev.to/ben", None), ("@ben", Some("devto"))] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "dev", "{q}");
        assert_eq!(data["id"], "ben");
        assert_eq!(data["name"], "Ben Halpern");
        assert_eq!(data["profile_url"], "https://dev.to/ben");
        assert_eq!(image_url(&data, "avatar"), Some(ORIGINAL));
    }
}

#[tokio::test]
async fn an_unknown_dev_user_is_not_found() {
    let upstream = wiremock::MockServer::start().await;
    serve(
        &upstream,
        "/api/users/by_username",
        404,
        "application/json",
        &fixture("dev/not-found.json"),
    )
    .await;
    let app = spawn_app_for("dev", &upstream);

    let reply = app.api_lookup("https://dev.to/nobody_here", None).await;
    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "has no profile");
}
