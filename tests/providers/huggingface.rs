use crate::support::*;

#[tokio::test]
async fn a_hugging_face_user_gets_the_uploaded_avatar() {
    let upstream = upstream_serving(
        "/api/users/julien-c/overview",
        "application/json; charset=utf-8",
        &fixture("huggingface/julien-c.json"),
    )
    .await;
    let app = spawn_app_for("huggingface", &upstream);

    for (q, provider) in [
        ("https://huggingface.co/julien-c", None),
        ("hf.co/julien-c", None),
        ("julien-c", Some("hf")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "huggingface", "{q}");
        assert_eq!(data["id"], "julien-c");
        assert_eq!(data["name"], "Julien Chaumond");
        assert_eq!(data["profile_url"], "https://huggingface.co/julien-c");
        assert_eq!(
            image_url(&data, "avatar"),
            Some(
                "https://cdn-avatars.huggingface.co/v1/production/uploads/5dd96eb166059660ed1ee413/NQtzmrDdbG0H8qkZvRyGk.jpeg"
            )
        );
    }
}

#[tokio::test]
async fn a_relative_hugging_face_avatar_is_made_absolute() {
    let upstream = upstream_serving(
        "/api/users/ada-example/overview",
        "application/json",
        &fixture("huggingface/default-avatar.json"),
    )
    .await;
    let app = spawn_app_for("huggingface", &upstream);

    let data = success(&app.api_lookup("ada-example", Some("huggingface")).await);

    assert_eq!(
        image_url(&data, "avatar"),
        Some("https://huggingface.co/avatars/8f3b2a1c9d4e5f60718293a4b5c6d7e8.svg")
    );
}

#[tokio::test]
async fn hugging_face_model_pages_are_not_profiles() {
    let upstream = wiremock::MockServer::start().await;
    let app = spawn_app_for("huggingface", &upstream);

    let reply = app
        .api_lookup("https://huggingface.co/models", Some("huggingface"))
        .await;
    assert_failure(&reply, 400, "EINPUT");
    assert_says(&reply, "is not a Hugging Face username");
}
