use crate::support::*;

#[tokio::test]
async fn a_stack_overflow_profile_url_gets_the_2048px_gravatar() {
    let upstream = upstream_serving(
        "/2.3/users/22656",
        "application/json; charset=utf-8",
        &fixture("stackoverflow/jon-skeet.json"),
    )
    .await;
    let app = spawn_app_for("stackoverflow", &upstream);

    for (q, provider) in [
        ("https://stackoverflow.com/users/22656/jon-skeet", None),
        ("stackoverflow.com/u/22656", None),
        ("22656/jon-skeet", Some("stackoverflow")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "stackoverflow", "{q}");
        assert_eq!(data["id"], "22656");
        assert_eq!(data["name"], "Jon Skeet");
        assert_eq!(
            data["profile_url"],
            "https://stackoverflow.com/users/22656/jon-skeet"
        );
        assert_eq!(
            image_url(&data, "avatar"),
            Some(
                "https://www.gravatar.com/avatar/6d8ebb117e8d83d74ea95fbdd0f87e13?s=2048&d=identicon&r=PG"
            )
        );
    }
}

#[tokio::test]
async fn an_uploaded_stack_overflow_picture_is_served_unscaled() {
    let upstream = upstream_serving(
        "/2.3/users/3581234",
        "application/json",
        &fixture("stackoverflow/uploaded.json"),
    )
    .await;
    let app = spawn_app_for("stackoverflow", &upstream);

    let data = success(&app.api_lookup("3581234", Some("so")).await);

    assert_eq!(data["name"], "Conor O'Brien");
    assert_eq!(
        image_url(&data, "avatar"),
        Some("https://i.sstatic.net/Xq3Fz.jpg")
    );
}

#[tokio::test]
async fn an_unknown_stack_overflow_id_is_not_found() {
    let upstream = upstream_serving(
        "/2.3/users/999999999",
        "application/json",
        &fixture("stackoverflow/not-found.json"),
    )
    .await;
    let app = spawn_app_for("stackoverflow", &upstream);

    let reply = app.api_lookup("999999999", Some("stackoverflow")).await;
    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "Stack Overflow has no profile \"999999999\".");
}
