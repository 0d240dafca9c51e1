use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const AVATAR: &str = "https://yt3.googleusercontent.com/lkH37D712tiyphnu0Id0D5MwwQ7IRuwgQLVD05iMXlDWO-kDHut3uI4MgIEAQ9StK0qOST7fiA=s900-c-k-c0x00ffffff-no-rj";
const BANNER: &str = "https://yt3.googleusercontent.com/2Jb8rX7Wc0kFQv0lb6JqLd6-TsJmVIo0bFv2w4W0ZkN0Pm7rZtLRHuBz2Fn9nY4u2PNcGvOGBA=w2560-fcrop64=1,00005a57ffffa5a8-k-c0xffffffff-no-nd-rj";

async fn channel_page(route: &str, fixture_name: &str) -> MockServer {
    upstream_serving(route, "text/html; charset=utf-8", &fixture(fixture_name)).await
}

#[tokio::test]
async fn a_youtube_handle_gets_the_900px_avatar_and_the_2560px_banner() {
    let upstream = channel_page("/@mkbhd", "youtube/mkbhd.html").await;
    let app = spawn_app_for("youtube", &upstream);

    let data = success(&app.api_lookup("@mkbhd", Some("youtube")).await);

    assert_eq!(data["provider"], "youtube");
    assert_eq!(data["id"], "mkbhd");
    assert_eq!(data["name"], "Marques Brownlee");
    assert_eq!(data["profile_url"], "https://www.youtube.com/@mkbhd");
    assert_eq!(image_url(&data, "avatar"), Some(AVATAR));
    assert_eq!(image_url(&data, "banner"), Some(BANNER));
}

#[tokio::test]
async fn youtube_channel_urls_of_every_kind_are_recognized() {
    let upstream = MockServer::start().await;
    for route in [
        "/@mkbhd",
        "/channel/UCBJycsmduvYEL83R_U4JriQ",
        "/user/marquesbrownlee",
        "/c/mkbhd",
    ] {
        serve(
            &upstream,
            route,
            200,
            "text/html",
            &fixture("youtube/mkbhd.html"),
        )
        .await;
    }
    let app = spawn_app_for("youtube", &upstream);

    for (q, id) in [
        ("https://www.youtube.com/@mkbhd/videos", "mkbhd"),
        ("https://m.youtube.com/@mkbhd", "mkbhd"),
        (
            "https://www.youtube.com/channel/UCBJycsmduvYEL83R_U4JriQ",
            "UCBJycsmduvYEL83R_U4JriQ",
        ),
        ("youtube.com/user/marquesbrownlee", "user/marquesbrownlee"),
        ("https://www.youtube.com/c/mkbhd/featured", "c/mkbhd"),
    ] {
        let data = success(&app.api_lookup(q, None).await);
        assert_eq!(data["provider"], "youtube", "{q}");
        assert_eq!(data["id"], id, "{q}");
        assert_eq!(image_url(&data, "avatar"), Some(AVATAR), "{q}");
    }
}

#[tokio::test]
async fn a_legacy_url_links_to_the_channels_handle() {
    let upstream = channel_page("/user/marquesbrownlee", "youtube/mkbhd.html").await;
    let app = spawn_app_for("youtube", &upstream);

    let data = success(
        &app.api_lookup("https://www.youtube.com/user/marquesbrownlee", None)
            .await,
    );

    assert_eq!(data["profile_url"], "https://www.youtube.com/@mkbhd");
}

#[tokio::test]
async fn the_older_channel_header_gives_small_renditions_that_are_upgraded() {
    let upstream = channel_page(
        "/channel/UC-lHJZR3Gqxm24_Vd_AJ5Yw",
        "youtube/legacy-header.html",
    )
    .await;
    let app = spawn_app_for("youtube", &upstream);

    let data = success(
        &app.api_lookup("UC-lHJZR3Gqxm24_Vd_AJ5Yw", Some("youtube"))
            .await,
    );

    assert_eq!(data["name"], "PewDiePie");
    assert_eq!(
        image_url(&data, "avatar"),
        Some(
            "https://yt3.ggpht.com/ytc/AIdro_kX4Zq6f0P1tKoxFJz6sM0dHrvVpcdZ2u3uB1e4wA=s900-c-k-c0x00ffffff-no-rj"
        )
    );
    assert_eq!(
        image_url(&data, "banner"),
        Some(
            "https://yt3.ggpht.com/9mD1mWbJkQn0v2wHqgX7tQ1uVq5cX8VfYkT2c3Jb8wZ1sE4mR6kP0oL9nA7iU5yH3gF=w2560-fcrop64=1,00005a57ffffa5a8-k-c0xffffffff-no-nd-rj"
        )
    );
}

#[tokio::test]
async fn an_unknown_youtube_handle_is_not_found() {
    let upstream = MockServer::start().await;
    serve(
        &upstream,
        "/@no-such-channel-zz9",
        404,
        "text/html",
        "<html><head><title>404 Not Found</title></head><body></body></html>",
    )
    .await;
    let app = spawn_app_for("youtube", &upstream);

    let reply = app
        .api_lookup("@no-such-channel-zz9", Some("youtube"))
        .await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "has no profile");
}

#[tokio::test]
async fn googles_unusual_traffic_page_is_reported_as_blocked() {
    let upstream = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/@mkbhd"))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "location",
            "/sorry/index?continue=https://www.youtube.com/%40mkbhd&q=EgQKAAAB",
        ))
        .mount(&upstream)
        .await;
    serve(
        &upstream,
        "/sorry/index",
        200,
        "text/html",
        "<html><head><title>https://www.youtube.com/%40mkbhd</title></head><body><div id=\"infoDiv\">Our systems have detected unusual traffic from your computer network.</div></body></html>",
    )
    .await;
    let app = spawn_app_for("youtube", &upstream);

    let reply = app.api_lookup("mkbhd", Some("youtube")).await;

    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(
        &reply,
        "YouTube stopped us with a consent or unusual-traffic check",
    );
}

#[tokio::test]
async fn a_youtube_page_without_channel_data_or_image_is_not_found() {
    let upstream = upstream_serving(
        "/@mkbhd",
        "text/html",
        "<!DOCTYPE html><html><head><title>YouTube</title></head><body><script nonce=\"x\">var ytInitialData = {\"responseContext\":{\"mainAppWebResponseContext\":{\"loggedOut\":true}}, \"contents\": ;</script></body></html>",
    )
    .await;
    let app = spawn_app_for("youtube", &upstream);

    let reply = app.api_lookup("mkbhd", Some("youtube")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "\"mkbhd\" on YouTube has no public profile picture");
}
