use crate::support::*;

const EV_1200: &str =
    "https://miro.medium.com/v2/resize:fill:1200:1200/1*g8X1zgf7FZ6rMOmQ1ZkX2Q.jpeg";

#[tokio::test]
async fn a_medium_writer_gets_the_1200px_avatar() {
    let upstream = upstream_serving(
        "/@ev",
        "text/html; charset=utf-8",
        &fixture("medium/ev.html"),
    )
    .await;
    let app = spawn_app_for("medium", &upstream);

    let data = success(&app.api_lookup("@ev", Some("medium")).await);

    assert_eq!(data["provider"], "medium");
    assert_eq!(data["id"], "ev");
    assert_eq!(data["name"], "Ev Williams");
    assert_eq!(data["profile_url"], "https://medium.com/@ev");
    assert_eq!(image_url(&data, "avatar"), Some(EV_1200));
    assert_eq!(image_url(&data, "banner"), None);
}

#[tokio::test]
async fn medium_profile_and_subdomain_urls_are_recognized() {
    let upstream = upstream_serving("/@ev", "text/html", &fixture("medium/ev.html")).await;
    let app = spawn_app_for("medium", &upstream);

    for q in ["https://medium.com/@ev", "https://ev.medium.com/about"] {
        let data = success(&app.api_lookup(q, None).await);
        assert_eq!(data["provider"], "medium", "{q}");
        assert_eq!(data["id"], "ev", "{q}");
        assert_eq!(image_url(&data, "avatar"), Some(EV_1200), "{q}");
    }
}

#[tokio::test]
async fn the_medium_default_avatar_is_not_a_picture() {
    let upstream = upstream_serving(
        "/@jordanlee",
        "text/html; charset=utf-8",
        &fixture("medium/default-avatar.html"),
    )
    .await;
    let app = spawn_app_for("medium", &upstream);

    let reply = app.api_lookup("https://medium.com/@jordanlee", None).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(
        &reply,
        "\"jordanlee\" on Medium has no public profile picture",
    );
}
