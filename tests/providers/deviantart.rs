use crate::support::*;

const SPYED_BIG: &str = "https://a.deviantart.net/avatars-big/s/p/spyed.gif?12";

#[tokio::test]
async fn a_deviantart_profile_gets_its_owner_s_big_avatar() {
    let upstream = upstream_serving(
        "/spyed",
        "text/html; charset=utf-8",
        &fixture("deviantart/spyed.html"),
    )
    .await;
    let app = spawn_app_for("deviantart", &upstream);

    let data = success(&app.api_lookup("spyed", Some("deviantart")).await);

    assert_eq!(data["provider"], "deviantart");
    assert_eq!(data["id"], "spyed");
    assert_eq!(data["name"], "spyed");
    assert_eq!(data["profile_url"], "https://www.deviantart.com/spyed");
    // The header shows the 50px /avatars/ variant; watchers' avatars are not the profile's.
    assert_eq!(image_url(&data, "avatar"), Some(SPYED_BIG));
}

#[tokio::test]
async fn deviantart_profile_urls_old_and_new_are_recognized() {
    let upstream = upstream_serving("/spyed", "text/html", &fixture("deviantart/spyed.html")).await;
    let app = spawn_app_for("deviantart", &upstream);

    for q in [
        "https://www.deviantart.com/spyed/gallery",
        "https://spyed.deviantart.com/",
    ] {
        let data = success(&app.api_lookup(q, None).await);
        assert_eq!(data["provider"], "deviantart", "{q}");
        assert_eq!(data["id"], "spyed", "{q}");
        assert_eq!(image_url(&data, "avatar"), Some(SPYED_BIG), "{q}");
    }
}
