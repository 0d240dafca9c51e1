use crate::support::*;

const ICON_300: &str =
    "https://live.staticflickr.com/5674/buddyicons/66956608@N00_l.jpg?1371136166#66956608@N00";

#[tokio::test]
async fn a_flickr_member_gets_the_large_buddy_icon_and_the_cover_photo() {
    let upstream = upstream_serving(
        "/people/flickr/",
        "text/html; charset=utf-8",
        &fixture("flickr/flickr.html"),
    )
    .await;
    let app = spawn_app_for("flickr", &upstream);

    let data = success(&app.api_lookup("flickr", Some("flickr")).await);

    assert_eq!(data["provider"], "flickr");
    assert_eq!(data["id"], "flickr");
    assert_eq!(data["name"], "Flickr");
    assert_eq!(data["profile_url"], "https://www.flickr.com/people/flickr/");
    // The header shows the `_r` (96px) icon.
    assert_eq!(image_url(&data, "avatar"), Some(ICON_300));
    assert_eq!(
        image_url(&data, "banner"),
        Some("https://live.staticflickr.com/65535/coverphoto/66956608@N00_h.jpg?1604019931")
    );
}

#[tokio::test]
async fn flickr_photostream_and_people_urls_are_recognized() {
    let upstream = upstream_serving(
        "/people/flickr/",
        "text/html",
        &fixture("flickr/flickr.html"),
    )
    .await;
    let app = spawn_app_for("flickr", &upstream);

    for q in [
        "https://www.flickr.com/photos/flickr/albums",
        "https://flickr.com/people/flickr/",
    ] {
        let data = success(&app.api_lookup(q, None).await);
        assert_eq!(data["provider"], "flickr", "{q}");
        assert_eq!(data["id"], "flickr", "{q}");
        assert_eq!(image_url(&data, "avatar"), Some(ICON_300), "{q}");
    }
}

#[tokio::test]
async fn a_flickr_member_with_the_default_buddy_icon_has_no_avatar() {
    let page = fixture("flickr/flickr.html")
        .replace(
            "//live.staticflickr.com/5674/buddyicons/66956608@N00_r.jpg?1371136166#66956608@N00",
            "//combo.staticflickr.com/pw/images/buddyicon08_r.png#66956608@N00",
        )
        .replace(
            "https://live.staticflickr.com/5674/buddyicons/66956608@N00_r.jpg?1371136166#66956608@N00",
            "https://combo.staticflickr.com/pw/images/buddyicon08_r.png#66956608@N00",
        );
    let upstream = upstream_serving("/people/flickr/", "text/html", &page).await;
    let app = spawn_app_for("flickr", &upstream);

    let data = success(&app.api_lookup("flickr", Some("flickr")).await);

    assert_eq!(image_url(&data, "avatar"), None);
    assert!(image_url(&data, "banner").is_some());
}
