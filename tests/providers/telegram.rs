use crate::support::*;

const DUROV_PHOTO: &str = "https://cdn4.telesco.pe/file/Vq0pEBb7eEwL5wTDAmEsQ5CgWuqOBlVljhHeW5V4_zEsYdTzxTyIMpYsx2qWF6TzVn4CaWE_KoVGJDFPPyOaLyrZvZ9rHMSRxNh2jsPBWeDxZIvdy3zIhwHCkNpB6eRdkwpn5Nbrvgz2P7dIvy2hYEZfZV8QdUuFYb5BP4dz_-9NmOS4tlNVJ2u0_WVqB4rkmJHZ4QIC9n_JRvXYOd8ajnDuDOj0w1kT2w6kq2yXeL-o5GLLTRKR7qGxu4VaQvU6trCZcVeeWy5c2u4YuF2P1jWkJ67iFhF5qUCAuXqXodu-bqDVZfOjKQZhRVKTSQHP-iu4SvxV3S2bI3pmCzKMpw.jpg";

#[tokio::test]
async fn a_telegram_username_gets_the_profile_photo_and_name() {
    let upstream = upstream_serving(
        "/durov",
        "text/html; charset=utf-8",
        &fixture("telegram/durov.html"),
    )
    .await;
    let app = spawn_app_for("telegram", &upstream);

    let data = success(&app.api_lookup("@durov", Some("telegram")).await);

    assert_eq!(data["provider"], "telegram");
    assert_eq!(data["id"], "durov");
    assert_eq!(data["name"], "Pavel Durov");
    assert_eq!(data["profile_url"], "https://t.me/durov");
    assert_eq!(image_url(&data, "avatar"), Some(DUROV_PHOTO));
    assert_eq!(image_url(&data, "banner"), None);
}

#[tokio::test]
async fn t_me_and_telegram_me_links_are_recognized() {
    let upstream = upstream_serving("/durov", "text/html", &fixture("telegram/durov.html")).await;
    let app = spawn_app_for("telegram", &upstream);

    for q in [
        "https://t.me/durov",
        "t.me/s/durov",
        "https://telegram.me/durov?start=1",
    ] {
        let data = success(&app.api_lookup(q, None).await);
        assert_eq!(data["provider"], "telegram", "{q}");
        assert_eq!(data["id"], "durov", "{q}");
        assert_eq!(image_url(&data, "avatar"), Some(DUROV_PHOTO), "{q}");
    }
}

#[tokio::test]
async fn telegram_service_links_are_not_profiles() {
    let app = spawn_app(&[]);

    let reply = app
        .api_lookup(
            "https://t.me/joinchat/AAAAAEkk2WdoDrB4-Q8-gg",
            Some("telegram"),
        )
        .await;

    assert_failure(&reply, 400, "EINPUT");
    assert_says(&reply, "is not a Telegram username");
}

#[tokio::test]
async fn an_unknown_telegram_username_is_not_found() {
    // t.me answers 200 with a generic "contact @name" card and the Telegram logo.
    let upstream = upstream_serving(
        "/nobody_here_42",
        "text/html; charset=utf-8",
        &fixture("telegram/not-found.html"),
    )
    .await;
    let app = spawn_app_for("telegram", &upstream);

    let reply = app.api_lookup("nobody_here_42", Some("telegram")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "Telegram has no profile \"nobody_here_42\".");
}

#[tokio::test]
async fn a_telegram_account_without_a_photo_is_not_given_the_telegram_logo() {
    let upstream = upstream_serving(
        "/quiet_anna",
        "text/html; charset=utf-8",
        &fixture("telegram/no-photo.html"),
    )
    .await;
    let app = spawn_app_for("telegram", &upstream);

    let reply = app.api_lookup("https://t.me/quiet_anna", None).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(
        &reply,
        "\"quiet_anna\" on Telegram has no public profile picture",
    );
    assert!(!reply.text.contains("t_logo"), "{}", reply.text);
}

#[tokio::test]
async fn telegram_rate_limiting_is_reported_as_blocked() {
    let upstream = wiremock::MockServer::start().await;
    serve(
        &upstream,
        "/durov",
        429,
        "text/html",
        "<html><head><title>Too Many Requests</title></head><body>Too Many Requests: retry after 35</body></html>",
    )
    .await;
    serve_everywhere(&upstream, 429, "text/html", "<html><head><title>Too Many Requests</title></head><body>Too Many Requests: retry after 35</body></html>").await;
    let app = spawn_app_for("telegram", &upstream);

    let reply = app.api_lookup("durov", Some("telegram")).await;
    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "stopped us with a rate limit");
}

#[tokio::test]
async fn a_telegram_page_that_is_not_a_profile_card_is_not_found() {
    let upstream = upstream_serving(
        "/durov",
        "text/html",
        "<html><head><title>Telegram</title></head><body><div class=\"tgme_page\"></div></body></html>",
    )
    .await;
    let app = spawn_app_for("telegram", &upstream);

    let reply = app.api_lookup("durov", Some("telegram")).await;
    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "Telegram has no profile \"durov\".");
}
