use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

/// Where the fake Pixiv CDN keeps the picture.
const PICTURE: &str = "/user-profile/img/2021/09/02/00/03/49/21339747_704230a8_170.png";

/// A Pixiv answering its user record for `id` with `status` and `body`; the profile page,
/// asked next when the record fails, answers the same.
async fn pixiv_answering(id: &str, status: u16, content_type: &str, body: &str) -> MockServer {
    let server = MockServer::start().await;
    serve(
        &server,
        &format!("/ajax/user/{id}"),
        status,
        content_type,
        body,
    )
    .await;
    serve_everywhere(&server, status, content_type, body).await;
    server
}

/// A Pixiv image CDN as `i.pximg.net` is: the picture for a request that says it comes from
/// Pixiv (`Referer: https://www.pixiv.net/`), 403 for any other.
async fn pximg() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(PICTURE))
        .and(header("referer", "https://www.pixiv.net/"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture_bytes("images/avatar.png"), "image/png"),
        )
        .mount(&server)
        .await;
    serve_everywhere(
        &server,
        403,
        "text/html",
        "<html><body>403 Forbidden</body></html>",
    )
    .await;
    server
}

#[tokio::test]
async fn a_pixiv_user_gets_the_170px_picture_and_the_background() {
    let upstream = pixiv_answering(
        "4526277",
        200,
        "application/json; charset=utf-8",
        &fixture("pixiv/4526277.json"),
    )
    .await;
    let app = spawn_app_for("pixiv", &upstream);

    for (q, provider) in [
        ("https://www.pixiv.net/users/4526277", None),
        ("https://www.pixiv.net/en/users/4526277/illustrations", None),
        ("pixiv.net/u/4526277", None),
        ("4526277", Some("pixiv")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "pixiv", "{q}");
        assert_eq!(data["id"], "4526277");
        assert_eq!(data["name"], "Nekojira");
        assert_eq!(data["profile_url"], "https://www.pixiv.net/users/4526277");
        assert_eq!(
            image_url(&data, "avatar"),
            Some(
                "https://i.pximg.net/user-profile/img/2021/09/02/00/03/49/21339747_704230a8a408159fcfac3a840a2e4e78_170.jpg"
            )
        );
        assert_eq!(
            image_url(&data, "banner"),
            Some(
                "https://i.pximg.net/c/1920x960_80_a2_g5/background/img/2021/09/02/00/03/18/4526277_58456186e3c2a1d6f1f6c04f0a7f5b2e.jpg"
            )
        );
    }
}

#[tokio::test]
async fn a_pixiv_name_is_not_a_user_id() {
    let upstream = MockServer::start().await;
    let app = spawn_app_for("pixiv", &upstream);

    let reply = app.api_lookup("nekojira", Some("pixiv")).await;

    assert_failure(&reply, 400, "EINPUT");
}

#[tokio::test]
async fn an_unknown_pixiv_user_is_not_found() {
    let upstream = pixiv_answering(
        "99999999999",
        404,
        "application/json; charset=utf-8",
        &fixture("pixiv/not-found.json"),
    )
    .await;
    let app = spawn_app_for("pixiv", &upstream);

    let reply = app
        .api_lookup("https://www.pixiv.net/users/99999999999", None)
        .await;

    assert_failure(&reply, 404, "ENOTFOUND");
}

#[tokio::test]
async fn a_pixiv_user_with_the_stock_picture_is_not_found() {
    let upstream = pixiv_answering(
        "98765432",
        200,
        "application/json; charset=utf-8",
        &fixture("pixiv/no-picture.json"),
    )
    .await;
    let app = spawn_app_for("pixiv", &upstream);

    let reply = app.api_lookup("98765432", Some("pixiv")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(
        &reply,
        "\"98765432\" on Pixiv has no public profile picture",
    );
}

#[tokio::test]
async fn a_pixiv_cloudflare_challenge_is_reported_as_blocked() {
    let upstream = pixiv_answering(
        "4526277",
        403,
        "text/html; charset=UTF-8",
        &fixture("pixiv/cloudflare-challenge.html"),
    )
    .await;
    let app = spawn_app_for("pixiv", &upstream);

    let reply = app.api_lookup("4526277", Some("pixiv")).await;

    assert_failure(&reply, 502, "EBLOCKED");
}

#[tokio::test]
async fn pixiv_pictures_are_fetched_with_pixivs_referer() {
    let cdn = pximg().await;
    let picture = format!("http://i.pximg.net:{}{PICTURE}", cdn.address().port());
    // The fake refuses a request without the Referer, as i.pximg.net does.
    let bare = reqwest::get(format!("{}{PICTURE}", cdn.uri()))
        .await
        .unwrap();
    assert_eq!(bare.status(), 403);

    let mut record: Value = serde_json::from_str(&fixture("pixiv/4526277.json")).unwrap();
    record["body"]["imageBig"] = json!(picture);
    let upstream = pixiv_answering("4526277", 200, "application/json", &record.to_string()).await;
    let upstream_uri = upstream.uri();
    let app = spawn_app(&[
        ("GETIMAGES_UPSTREAM_PIXIV", upstream_uri.as_str()),
        // The CDN's name answered with the fake's address, which the guard counts as public.
        ("GETIMAGES_RESOLVE", "i.pximg.net=127.0.0.1"),
        ("GETIMAGES_TREAT_AS_PUBLIC", "127.0.0.1"),
        ("GETIMAGES_CHECK_IMAGES", "1"),
    ]);

    // The lookup's image check reads the picture's size from the picture itself.
    let data = success(&app.api_lookup("4526277", Some("pixiv")).await);
    let avatar = &data["images"][0];
    assert_eq!(avatar["url"], picture.as_str());
    assert_eq!(
        (&avatar["width"], &avatar["height"]),
        (&json!(256), &json!(256))
    );

    // The image proxy serves it.
    let reply = app
        .get(&format!("/image?url={}", url_encoded(&picture)))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.bytes, fixture_bytes("images/avatar.png"));
}
