use wiremock::MockServer;

use crate::support::*;

#[tokio::test]
async fn a_buy_me_a_coffee_page_gets_the_creators_picture_from_its_page_state() {
    let upstream = upstream_serving(
        "/kikobeats",
        "text/html; charset=utf-8",
        &fixture("buymeacoffee/kikobeats.html"),
    )
    .await;
    let app = spawn_app_for("buymeacoffee", &upstream);

    for (q, provider) in [
        ("https://buymeacoffee.com/kikobeats", None),
        ("https://www.buymeacoffee.com/KikoBeats/posts", None),
        ("kikobeats", Some("bmc")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "buymeacoffee", "{q}");
        assert_eq!(data["id"], "kikobeats", "{q}");
        assert_eq!(data["name"], "Kiko Beats", "{q}");
        assert_eq!(data["profile_url"], "https://buymeacoffee.com/kikobeats");
        // The creator's picture, not the og:image card.
        assert_eq!(
            image_url(&data, "avatar"),
            Some(
                "https://cdn.buymeacoffee.com/uploads/profile_pictures/2019/04/abf02d8c433f9b9b36272b48e66ceba8.jpg"
            ),
            "{q}"
        );
    }
}

#[tokio::test]
async fn an_unknown_buy_me_a_coffee_page_is_not_found() {
    let upstream = MockServer::start().await;
    serve(
        &upstream,
        "/no-such-creator-zz9",
        404,
        "text/html",
        &fixture("buymeacoffee/not-found.html"),
    )
    .await;
    let app = spawn_app_for("buymeacoffee", &upstream);

    let reply = app
        .api_lookup("no-such-creator-zz9", Some("buymeacoffee"))
        .await;

    assert_failure(&reply, 404, "ENOTFOUND");
}
