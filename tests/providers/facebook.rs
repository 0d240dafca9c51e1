use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

/// The 480px `profilePicLarge` of the page's embedded profile record (og:image is 200px).
const NASA_480: &str = "https://scontent-iad3-1.xx.fbcdn.net/v/t39.30808-1/449213397_10115997338768391_3016544349097767064_n.jpg?stp=dst-jpg_s480x480_tt6&_nc_cat=1&ccb=1-7&_nc_sid=2d3e12&_nc_ohc=3rA8hX0Fq2UQ7kNvgFDXzI1&_nc_zt=24&_nc_ht=scontent-iad3-1.xx&_nc_gid=A7xQ3ZrJk6pW2Yf4VnBtLcS&oh=00_AYBv9Q1cR4tJm8xW2pZ6yE0kN3uH5sD7fL1gA9oT4iVqKw&oe=6790D6C8";

const NASA_COVER: &str = "https://scontent-iad3-1.xx.fbcdn.net/v/t39.30808-6/448791374_1018123826346082_7061395873221938112_n.jpg?stp=dst-jpg_s960x960_tt6&_nc_cat=108&ccb=1-7&_nc_sid=cc71e4&_nc_ohc=Wn7XqPz2aJ8Q7kNvgGcHbZ4&_nc_zt=23&_nc_ht=scontent-iad3-1.xx&_nc_gid=A7xQ3ZrJk6pW2Yf4VnBtLcS&oh=00_AYA1qTz3cL0vS5mH8kR2dW9nB6yJfE4uX7pGiQ3oN5aZrA&oe=6790E1B2";

#[tokio::test]
async fn a_facebook_page_gets_its_largest_signed_picture_and_cover() {
    let upstream = upstream_serving(
        "/NASA",
        "text/html; charset=utf-8",
        &fixture("facebook/nasa.html"),
    )
    .await;
    let app = spawn_app_for("facebook", &upstream);

    let data = success(&app.api_lookup("NASA", Some("facebook")).await);

    assert_eq!(data["provider"], "facebook");
    assert_eq!(data["id"], "NASA");
    assert_eq!(
        data["name"],
        "NASA - National Aeronautics and Space Administration"
    );
    assert_eq!(data["profile_url"], "https://www.facebook.com/NASA");
    assert_eq!(image_url(&data, "avatar"), Some(NASA_480));
    assert_eq!(image_url(&data, "banner"), Some(NASA_COVER));
}

#[tokio::test]
async fn facebook_page_urls_are_recognized() {
    let upstream = upstream_serving("/NASA", "text/html", &fixture("facebook/nasa.html")).await;
    let app = spawn_app_for("facebook", &upstream);

    for q in [
        "https://www.facebook.com/NASA/",
        "https://m.facebook.com/NASA/photos",
        "fb.com/NASA",
    ] {
        let data = success(&app.api_lookup(q, None).await);
        assert_eq!(data["provider"], "facebook", "{q}");
        assert_eq!(data["id"], "NASA", "{q}");
        assert_eq!(image_url(&data, "avatar"), Some(NASA_480), "{q}");
    }
}

#[tokio::test]
async fn a_numeric_profile_link_is_fetched_by_id_and_survives_a_truncated_json_blob() {
    let upstream = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/profile.php"))
        .and(query_param("id", "100089455712345"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("facebook/person.html"), "text/html; charset=utf-8"),
        )
        .mount(&upstream)
        .await;
    let app = spawn_app_for("facebook", &upstream);

    for q in [
        "https://www.facebook.com/profile.php?id=100089455712345",
        "https://www.facebook.com/people/Jane-Doe/100089455712345/",
    ] {
        let data = success(&app.api_lookup(q, None).await);
        assert_eq!(data["id"], "100089455712345", "{q}");
        assert_eq!(data["name"], "Jane Doe", "{q}");
        assert_eq!(
            data["profile_url"],
            "https://www.facebook.com/profile.php?id=100089455712345"
        );
        assert_eq!(
            image_url(&data, "avatar"),
            Some(
                "https://scontent-ord5-2.xx.fbcdn.net/v/t39.30808-1/316114508_1281958809013576_7689457327476519862_n.jpg?stp=dst-jpg_s200x200_tt6&_nc_cat=103&ccb=1-7&_nc_sid=50d2ac&_nc_ohc=eIEKQo5I6lkQ7kNvgFZ4skT&_nc_zt=24&_nc_ht=scontent-ord5-2.xx&_nc_gid=AopjTHTfaUNnweNHEbkHrKE&oh=00_AYAYstRle-BohcPGZn36lda1sbmzFrwr8CYrFegHXtjYGg&oe=66F0F9E1"
            ),
            "{q}"
        );
    }
}

#[tokio::test]
async fn facebook_site_pages_are_not_profiles() {
    let app = spawn_app(&[]);

    for q in [
        "https://www.facebook.com/groups/rustlang",
        "https://www.facebook.com/watch/?v=123",
    ] {
        let reply = app.api_lookup(q, Some("facebook")).await;
        assert_failure(&reply, 400, "EINPUT");
        assert_says(&reply, "is not a Facebook username or numeric id");
    }
}

#[tokio::test]
async fn an_unknown_facebook_profile_is_not_found() {
    let upstream = MockServer::start().await;
    serve(
        &upstream,
        "/ghost.account.404",
        404,
        "text/html",
        &fixture("facebook/not-found.html"),
    )
    .await;
    let app = spawn_app_for("facebook", &upstream);

    let reply = app.api_lookup("ghost.account.404", Some("facebook")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "has no profile");
}

#[tokio::test]
async fn the_content_not_available_page_is_not_found_not_the_facebook_logo() {
    // Facebook often answers 200 with its generic page and logo as og:image.
    let upstream = upstream_serving(
        "/deleted.account",
        "text/html; charset=utf-8",
        &fixture("facebook/not-found.html"),
    )
    .await;
    let app = spawn_app_for("facebook", &upstream);

    let reply = app.api_lookup("deleted.account", Some("facebook")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(
        &reply,
        "\"deleted.account\" on Facebook has no public profile picture",
    );
    assert!(!reply.text.contains("fb_icon_325x325"), "{}", reply.text);
}

#[tokio::test]
async fn the_default_silhouette_is_not_a_profile_picture() {
    let upstream = upstream_serving(
        "/john.smith.1234",
        "text/html; charset=utf-8",
        &fixture("facebook/no-picture.html"),
    )
    .await;
    let app = spawn_app_for("facebook", &upstream);

    let reply = app.api_lookup("john.smith.1234", Some("facebook")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(
        &reply,
        "\"john.smith.1234\" on Facebook has no public profile picture",
    );
}

#[tokio::test]
async fn the_facebook_login_wall_is_reported_as_blocked() {
    let upstream = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/zuck"))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "location",
            "/login/?next=https%3A%2F%2Fwww.facebook.com%2Fzuck",
        ))
        .mount(&upstream)
        .await;
    serve(
        &upstream,
        "/login/",
        200,
        "text/html; charset=utf-8",
        "<!DOCTYPE html><html><head><title>Log in to Facebook</title>\
         <meta property=\"og:image\" content=\"https://www.facebook.com/images/fb_icon_325x325.png\" />\
         </head><body><form id=\"login_form\"><button id=\"loginbutton\">Log in</button></form></body></html>",
    )
    .await;
    serve_everywhere(&upstream, 200, "text/html; charset=utf-8", "<!DOCTYPE html><html><head><title>Log in to Facebook</title>\
         <meta property=\"og:image\" content=\"https://www.facebook.com/images/fb_icon_325x325.png\" />\
         </head><body><form id=\"login_form\"><button id=\"loginbutton\">Log in</button></form></body></html>").await;
    let app = spawn_app_for("facebook", &upstream);

    let reply = app.api_lookup("zuck", Some("facebook")).await;
    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "stopped us with");
}

#[tokio::test]
async fn a_facebook_rate_limit_is_reported_as_blocked() {
    let upstream = MockServer::start().await;
    serve(&upstream, "/zuck", 429, "text/html", "").await;
    serve_everywhere(&upstream, 429, "text/html", "").await;
    let app = spawn_app_for("facebook", &upstream);

    let reply = app.api_lookup("zuck", Some("facebook")).await;
    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "stopped us with a rate limit");
}
