use crate::support::*;

#[tokio::test]
async fn a_codepen_profile_gets_the_512px_avatar() {
    let upstream = upstream_serving(
        "/chriscoyier",
        "text/html; charset=utf-8",
        &fixture("codepen/chriscoyier.html"),
    )
    .await;
    let app = spawn_app_for("codepen", &upstream);

    let data = success(&app.api_lookup("chriscoyier", Some("codepen")).await);

    assert_eq!(data["provider"], "codepen");
    assert_eq!(data["id"], "chriscoyier");
    assert_eq!(data["name"], "Chris Coyier");
    assert_eq!(data["profile_url"], "https://codepen.io/chriscoyier");
    // og:image asks for 256×256.
    assert_eq!(
        image_url(&data, "avatar"),
        Some(
            "https://assets.codepen.io/3/internal/avatars/users/default.png?fit=crop&format=auto&version=1592243234&height=512&width=512"
        )
    );
}

#[tokio::test]
async fn a_codepen_pen_url_is_recognized_as_its_author() {
    let upstream = upstream_serving(
        "/chriscoyier",
        "text/html",
        &fixture("codepen/chriscoyier.html"),
    )
    .await;
    let app = spawn_app_for("codepen", &upstream);

    let data = success(
        &app.api_lookup("https://codepen.io/chriscoyier/pen/gfdDu", None)
            .await,
    );

    assert_eq!(data["provider"], "codepen");
    assert_eq!(data["id"], "chriscoyier");
}
