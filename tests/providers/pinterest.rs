use crate::support::*;

#[tokio::test]
async fn a_pinterest_profile_gets_the_280px_avatar_of_its_own_user_record() {
    let upstream = upstream_serving(
        "/pinterest/",
        "text/html; charset=utf-8",
        &fixture("pinterest/pinterest.html"),
    )
    .await;
    let app = spawn_app_for("pinterest", &upstream);

    let data = success(&app.api_lookup("pinterest", Some("pinterest")).await);

    assert_eq!(data["provider"], "pinterest");
    assert_eq!(data["id"], "pinterest");
    assert_eq!(data["name"], "Pinterest");
    assert_eq!(data["profile_url"], "https://www.pinterest.com/pinterest/");
    assert_eq!(
        image_url(&data, "avatar"),
        Some("https://i.pinimg.com/280x280_RS/ca/94/d0/ca94d0af95d038459ed4d6bfde48f6e7.jpg")
    );
}

#[tokio::test]
async fn a_country_domain_profile_url_is_recognized_and_a_small_og_image_upgraded() {
    let upstream = upstream_serving(
        "/nasagoddard/",
        "text/html; charset=utf-8",
        &fixture("pinterest/og-only.html"),
    )
    .await;
    let app = spawn_app_for("pinterest", &upstream);

    let data = success(
        &app.api_lookup("https://www.pinterest.co.uk/nasagoddard/_created/", None)
            .await,
    );

    assert_eq!(data["provider"], "pinterest");
    assert_eq!(data["id"], "nasagoddard");
    assert_eq!(data["name"], "Nasa Goddard");
    assert_eq!(
        image_url(&data, "avatar"),
        Some("https://i.pinimg.com/280x280_RS/7e/0d/42/7e0d4288634224881967d954723021b4.jpg")
    );
}
