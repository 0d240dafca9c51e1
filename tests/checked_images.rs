//! Checked images: a lookup asks each image it found for its first bytes (a ranged GET)
//! before answering. A size-upgraded URL that does not serve an image gives way to the URL
//! the platform served; the API's width, height and bytes, and the results page's "W × H ·
//! N KB", come from the image itself; a huge image is never downloaded in full.
//!
//! Keybase plays the platform: it serves `…_200_200.jpg`, which the lookup upgrades to
//! `…_360_360.jpg`. Both live on a loopback image CDN.

mod support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use image::{DynamicImage, ImageFormat};
use serde_json::{Value, json};
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Where Keybase keeps a user's picture, served (200 px) and upgraded (360 px).
const SERVED: &str = "/keybase_processed_uploads/chris_200_200.jpg";
const UPGRADED: &str = "/keybase_processed_uploads/chris_360_360.jpg";

/// A `side`×`side` JPEG.
fn jpeg(side: u32) -> Vec<u8> {
    encoded(&DynamicImage::new_rgb8(side, side), ImageFormat::Jpeg)
}

/// A Keybase API whose user `chris` has the picture at `picture_url`.
async fn keybase_with_picture(picture_url: &str) -> MockServer {
    let mut answer: Value = serde_json::from_str(&fixture("keybase/chris.json")).unwrap();
    answer["them"][0]["pictures"]["primary"]["url"] = json!(picture_url);
    upstream_serving(
        "/_/api/1.0/user/lookup.json",
        "application/json",
        &answer.to_string(),
    )
    .await
}

/// The app with Keybase played by `api`, loopback image hosts allowed and images checked.
fn app_with_keybase(api: &MockServer) -> App {
    let upstream = api.uri();
    spawn_app(&[
        ("GETIMAGES_UPSTREAM_KEYBASE", upstream.as_str()),
        ("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1"),
        ("GETIMAGES_CHECK_IMAGES", "1"),
    ])
}

/// An image CDN serving the 200 px picture at [`SERVED`], with `upgraded` answering
/// [`UPGRADED`].
async fn cdn_with(upgraded: ResponseTemplate) -> MockServer {
    let cdn = MockServer::start().await;
    serve_bytes(&cdn, SERVED, 200, "image/jpeg", jpeg(200)).await;
    Mock::given(method("GET"))
        .and(path(UPGRADED))
        .respond_with(upgraded)
        .mount(&cdn)
        .await;
    cdn
}

/// A CDN answer that honours the range the way real CDNs do: 206, the whole of a small
/// file, and a `Content-Range` stating `total` bytes.
fn partial(body: Vec<u8>, total: u64) -> ResponseTemplate {
    let last = body.len() - 1;
    ResponseTemplate::new(206)
        .insert_header("content-range", format!("bytes 0-{last}/{total}").as_str())
        .set_body_raw(body, "image/jpeg")
}

/// The avatar of a Keybase lookup of `chris`.
async fn avatar_of(app: &App) -> Value {
    let data = success(&app.api_lookup("chris", Some("keybase")).await);
    data["images"][0].clone()
}

#[tokio::test]
async fn an_upgraded_url_that_is_not_an_image_falls_back_to_the_one_the_platform_served() {
    let not_images = [
        ("missing", ResponseTemplate::new(404)),
        (
            "a page",
            ResponseTemplate::new(200)
                .set_body_raw("<html><title>Oops</title></html>", "text/html"),
        ),
        (
            "broken bytes",
            ResponseTemplate::new(200).set_body_raw(b"not a picture".to_vec(), "image/jpeg"),
        ),
    ];
    for (what, answer) in not_images {
        let cdn = cdn_with(answer).await;
        let api = keybase_with_picture(&format!("{}{SERVED}", cdn.uri())).await;
        let app = app_with_keybase(&api);

        let avatar = avatar_of(&app).await;
        assert_eq!(avatar["url"], format!("{}{SERVED}", cdn.uri()), "{what}");
        assert_eq!(
            (&avatar["width"], &avatar["height"]),
            (&json!(200), &json!(200))
        );
        assert_eq!(avatar["bytes"], json!(jpeg(200).len()), "{what}");
        let asked: Vec<String> = cdn
            .received_requests()
            .await
            .unwrap()
            .iter()
            .map(|r| r.url.path().to_owned())
            .collect();
        assert!(
            asked.iter().any(|p| p == UPGRADED),
            "{what}: the upgrade was not checked: {asked:?}"
        );
    }
}

#[tokio::test]
async fn an_upgraded_url_that_serves_an_image_is_kept_and_measured_from_its_first_bytes() {
    let cdn = cdn_with(partial(jpeg(360), 38_240)).await;
    let api = keybase_with_picture(&format!("{}{SERVED}", cdn.uri())).await;
    let app = app_with_keybase(&api);

    let avatar = avatar_of(&app).await;
    assert_eq!(avatar["url"], format!("{}{UPGRADED}", cdn.uri()));
    assert_eq!(
        (&avatar["width"], &avatar["height"], &avatar["bytes"]),
        (&json!(360), &json!(360), &json!(38_240))
    );
    let checks = cdn.received_requests().await.unwrap();
    let check = checks
        .iter()
        .find(|r| r.url.path() == UPGRADED)
        .expect("the upgraded URL was asked");
    assert_eq!(
        check.headers.get("range").and_then(|v| v.to_str().ok()),
        Some("bytes=0-65535")
    );
}

#[tokio::test]
async fn the_results_page_shows_each_images_size_and_weight() {
    let cdn = cdn_with(partial(jpeg(360), 38_240)).await;
    let api = keybase_with_picture(&format!("{}{SERVED}", cdn.uri())).await;
    let app = app_with_keybase(&api);

    let page = app.page_lookup("chris", Some("keybase")).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        page.text.contains("360 × 360 · 38 KB"),
        "no size on the page: {}",
        page.text
    );
}

#[tokio::test]
async fn an_upgraded_url_that_never_answers_gives_way_to_the_served_one_at_the_deadline() {
    let cdn = cdn_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(60))).await;
    let api = keybase_with_picture(&format!("{}{SERVED}", cdn.uri())).await;
    let upstream = api.uri();
    let app = spawn_app(&[
        ("GETIMAGES_UPSTREAM_KEYBASE", upstream.as_str()),
        ("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1"),
        ("GETIMAGES_CHECK_IMAGES", "1"),
        ("GETIMAGES_LOOKUP_TIMEOUT", "2s"),
    ]);

    // The profile was found: the visitor gets the platform's own URL, not a timeout.
    let avatar = avatar_of(&app).await;
    assert_eq!(avatar["url"], format!("{}{SERVED}", cdn.uri()));
}

/// One HTTP exchange as [`huge_image_host`] saw it.
#[derive(Default)]
struct Seen {
    /// Each request's head, as sent.
    requests: Vec<String>,
}

/// A loopback image host that ignores `Range` and answers any request with a PNG that
/// claims `total` bytes: its real header (`banner.png`, 1500×500), padding up to 256 KiB,
/// then nothing more while the connection stays open. A client that reads the whole body
/// waits for bytes that never come; one that reads a prefix has its answer at once.
fn huge_image_host(total: u64) -> (String, Arc<Mutex<Seen>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Seen::default()));
    let record = Arc::clone(&seen);
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let record = Arc::clone(&record);
            thread::spawn(move || {
                // Every connection ends: when the client closes it, or after this long.
                let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
                let _ = stream.set_write_timeout(Some(Duration::from_secs(30)));
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match stream.read(&mut byte) {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                record
                    .lock()
                    .unwrap()
                    .requests
                    .push(String::from_utf8_lossy(&head).into_owned());
                let mut body = fixture_bytes("images/banner.png");
                body.resize(256 * 1024, 0);
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: image/png\r\ncontent-length: {total}\r\n\r\n"
                );
                if stream.write_all(answer.as_bytes()).is_err() || stream.write_all(&body).is_err()
                {
                    return;
                }
                // Hold the connection open, sending nothing, until the client leaves.
                let mut rest = [0u8; 1024];
                while matches!(stream.read(&mut rest), Ok(n) if n > 0) {}
            });
        }
    });
    (origin, seen)
}

#[tokio::test]
async fn a_huge_image_is_measured_from_its_first_bytes_and_never_downloaded_in_full() {
    let total = 2_000_000_000;
    let (origin, seen) = huge_image_host(total);
    let picture = format!("{origin}/keybase_processed_uploads/chris_360_360.png");
    let api = keybase_with_picture(&picture).await;
    let app = app_with_keybase(&api);

    let avatar = avatar_of(&app).await;
    assert_eq!(avatar["url"], picture);
    assert_eq!(
        (&avatar["width"], &avatar["height"], &avatar["bytes"]),
        (&json!(1500), &json!(500), &json!(total))
    );
    let requests = &seen.lock().unwrap().requests;
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert!(
        requests[0]
            .to_ascii_lowercase()
            .contains("range: bytes=0-65535"),
        "{}",
        requests[0]
    );
}
