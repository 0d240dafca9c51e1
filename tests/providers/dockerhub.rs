use crate::support::*;

#[tokio::test]
async fn a_docker_hub_account_gets_the_2048px_gravatar() {
    let upstream = upstream_serving(
        "/v2/users/bitnami/",
        "application/json",
        &fixture("dockerhub/bitnami.json"),
    )
    .await;
    let app = spawn_app_for("dockerhub", &upstream);

    for (q, provider) in [
        ("https://hub.docker.com/u/bitnami", None),
        ("https://hub.docker.com/r/bitnami/nginx", None),
        ("Bitnami", Some("docker")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "dockerhub", "{q}");
        assert_eq!(data["id"], "bitnami");
        assert_eq!(data["name"], "Bitnami by VMware");
        assert_eq!(data["profile_url"], "https://hub.docker.com/u/bitnami");
        assert_eq!(
            image_url(&data, "avatar"),
            Some(
                "https://www.gravatar.com/avatar/b8d0e9b5a0f08e7f6b3a3f7a60e1d7c2?s=2048&r=g&d=mm"
            )
        );
    }
}

#[tokio::test]
async fn a_docker_hub_account_without_a_picture_is_not_found() {
    let upstream = upstream_serving(
        "/v2/users/quietdev/",
        "application/json",
        &fixture("dockerhub/no-picture.json"),
    )
    .await;
    let app = spawn_app_for("dockerhub", &upstream);

    let reply = app.api_lookup("quietdev", Some("dockerhub")).await;
    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(
        &reply,
        "\"quietdev\" on Docker Hub has no public profile picture",
    );
}
