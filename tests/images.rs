//! `/image` and the two-tier cache as users see them: every kind of upstream image (and
//! every kind of broken or hostile one) gives the right picture or the right error, and the
//! disk cache survives a restart.

mod support;

use image::codecs::gif::{GifEncoder, Repeat};
use image::{DynamicImage, Frame, ImageFormat, Rgba, RgbaImage};
use support::*;
use wiremock::MockServer;

/// A colourful test picture.
fn picture(width: u32, height: u32) -> DynamicImage {
    DynamicImage::ImageRgba8(RgbaImage::from_fn(width, height, |x, y| {
        Rgba([
            (x * 255 / width.max(1)) as u8,
            (y * 255 / height.max(1)) as u8,
            160,
            255,
        ])
    }))
}

fn animated_gif() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut out);
        encoder.set_repeat(Repeat::Infinite).unwrap();
        for shade in [40u8, 200] {
            let frame = RgbaImage::from_pixel(50, 40, Rgba([shade, 80, 120, 255]));
            encoder.encode_frame(Frame::new(frame)).unwrap();
        }
    }
    out
}

/// A 40×20 JPEG whose EXIF says "rotate 90° clockwise to display" (orientation 6).
fn jpeg_with_orientation_6() -> Vec<u8> {
    let jpeg = encoded(
        &DynamicImage::ImageRgb8(picture(40, 20).to_rgb8()),
        ImageFormat::Jpeg,
    );
    let tiff: &[u8] = &[
        b'M', b'M', 0, 42, 0, 0, 0, 8, // big-endian TIFF header, IFD at 8
        0, 1, // one entry
        0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, // Orientation (SHORT) = 6
        0, 0, 0, 0, // no next IFD
    ];
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(tiff);
    let length = (payload.len() + 2) as u16;
    let mut out = jpeg[..2].to_vec(); // SOI
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A PNG that claims 20000×20000 pixels in a few hundred bytes.
fn png_bomb() -> Vec<u8> {
    let mut out = Vec::new();
    let encoder = image::codecs::png::PngEncoder::new(&mut out);
    // Write a real 1×1 PNG, then patch its header to claim 20000×20000.
    image::ImageEncoder::write_image(encoder, &[0, 0, 0], 1, 1, image::ExtendedColorType::Rgb8)
        .unwrap();
    out[16..20].copy_from_slice(&20000u32.to_be_bytes());
    out[20..24].copy_from_slice(&20000u32.to_be_bytes());
    fix_png_crcs(&mut out);
    out
}

struct Cdn {
    server: MockServer,
    photo: Vec<u8>,
    gif: Vec<u8>,
}

/// A loopback image CDN with every case the tests need.
async fn cdn() -> Cdn {
    let server = MockServer::start().await;
    let photo = encoded(
        &DynamicImage::ImageRgb8(picture(800, 600).to_rgb8()),
        ImageFormat::Jpeg,
    );
    let gif = animated_gif();
    let truncated = photo[..photo.len() / 2].to_vec();
    let files: Vec<(&str, Vec<u8>, &str)> = vec![
        ("/photo.jpg", photo.clone(), "image/jpeg"),
        (
            "/alpha.png",
            encoded(&picture(300, 200), ImageFormat::Png),
            "image/png",
        ),
        (
            "/pic.webp",
            encoded(&picture(300, 200), ImageFormat::WebP),
            "image/webp",
        ),
        ("/anim.gif", gif.clone(), "image/gif"),
        ("/rotated.jpg", jpeg_with_orientation_6(), "image/jpeg"),
        (
            "/dot.png",
            encoded(&picture(1, 1), ImageFormat::Png),
            "image/png",
        ),
        ("/bomb.png", png_bomb(), "image/png"),
        ("/truncated.jpg", truncated, "image/jpeg"),
        (
            "/lying.png",
            b"<!doctype html><html><body>Not an image</body></html>".to_vec(),
            "image/png",
        ),
        ("/huge.jpg", vec![0xFF; 50 * 1024 * 1024], "image/jpeg"),
    ];
    for (route, bytes, content_type) in files {
        serve_bytes(&server, route, 200, content_type, bytes).await;
    }
    Cdn { server, photo, gif }
}

fn private_app() -> App {
    spawn_app(&[("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1")])
}

fn image_path(cdn: &Cdn, file: &str, extra: &str) -> String {
    let url = url_encoded(&format!("{}{file}", cdn.server.uri()));
    if extra.is_empty() {
        format!("/image?url={url}")
    } else {
        format!("/image?url={url}&{extra}")
    }
}

fn decode(reply: &Reply) -> DynamicImage {
    assert_eq!(reply.status, 200, "{}", reply.text);
    image::load_from_memory(&reply.bytes).expect("the response decodes as an image")
}

#[tokio::test]
async fn originals_are_served_untouched_with_their_type() {
    let cdn = cdn().await;
    let app = private_app();

    let photo = app.get(&image_path(&cdn, "/photo.jpg", "")).await;
    assert_eq!(photo.status, 200);
    assert_eq!(photo.header("content-type"), Some("image/jpeg"));
    assert_eq!(photo.bytes, cdn.photo);

    let gif = app
        .get(&image_path(&cdn, "/anim.gif", "format=original"))
        .await;
    assert_eq!(gif.header("content-type"), Some("image/gif"));
    assert_eq!(gif.bytes, cdn.gif, "an animated GIF keeps every frame");

    for (file, mime) in [("/alpha.png", "image/png"), ("/pic.webp", "image/webp")] {
        let reply = app.get(&image_path(&cdn, file, "")).await;
        assert_eq!(reply.header("content-type"), Some(mime));
        assert_eq!(decode(&reply).width(), 300);
    }
}

#[tokio::test]
async fn resized_and_converted_variants_decode_to_what_was_asked() {
    let cdn = cdn().await;
    let app = private_app();

    let small = decode(&app.get(&image_path(&cdn, "/photo.jpg", "w=200")).await);
    assert_eq!(
        (small.width(), small.height()),
        (200, 150),
        "aspect ratio kept"
    );

    let square = app
        .get(&image_path(
            &cdn,
            "/photo.jpg",
            "w=64&h=64&fit=cover&format=png",
        ))
        .await;
    assert_eq!(square.header("content-type"), Some("image/png"));
    let square = decode(&square);
    assert_eq!((square.width(), square.height()), (64, 64));

    let webp = app
        .get(&image_path(&cdn, "/alpha.png", "w=150&format=webp"))
        .await;
    assert_eq!(webp.header("content-type"), Some("image/webp"));
    assert_eq!(image::guess_format(&webp.bytes).unwrap(), ImageFormat::WebP);
    assert_eq!(decode(&webp).width(), 150);

    let jpeg = app
        .get(&image_path(&cdn, "/pic.webp", "format=jpeg&q=60"))
        .await;
    assert_eq!(image::guess_format(&jpeg.bytes).unwrap(), ImageFormat::Jpeg);

    let gif = app.get(&image_path(&cdn, "/anim.gif", "w=25")).await;
    assert_eq!(decode(&gif).width(), 25);

    let not_enlarged = decode(&app.get(&image_path(&cdn, "/dot.png", "w=100")).await);
    assert_eq!((not_enlarged.width(), not_enlarged.height()), (1, 1));
}

#[tokio::test]
async fn webp_is_lossy_at_the_quality_asked_and_lossless_at_q100() {
    let cdn = cdn().await;
    let app = private_app();
    // The RIFF chunk after "WEBP" names the codec: `VP8 ` lossy, `VP8L` lossless.
    let codec = |reply: &Reply| {
        assert_eq!(reply.header("content-type"), Some("image/webp"));
        decode(reply);
        reply.bytes[12..16].to_vec()
    };
    let lossy = app
        .get(&image_path(&cdn, "/photo.jpg", "w=400&format=webp&q=80"))
        .await;
    assert_eq!(codec(&lossy), b"VP8 ");
    let lossless = app
        .get(&image_path(&cdn, "/photo.jpg", "w=400&format=webp&q=100"))
        .await;
    assert_eq!(codec(&lossless), b"VP8L");
    assert!(lossy.bytes.len() < lossless.bytes.len());
}

#[tokio::test]
async fn a_resized_animation_is_its_first_frame_and_says_so() {
    let cdn = cdn().await;
    let app = private_app();
    let untouched = app.get(&image_path(&cdn, "/anim.gif", "")).await;
    assert_eq!(untouched.header("x-image-note"), None);

    let variant = image_path(&cdn, "/anim.gif", "w=10");
    for status in ["MISS", "HIT"] {
        let reply = app.get(&variant).await;
        assert_eq!(reply.header("x-cache-status"), Some(status));
        assert_eq!(decode(&reply).width(), 10);
        assert_eq!(
            reply.header("x-image-note"),
            Some(getimages::imaging::FIRST_FRAME_NOTE),
            "{status}"
        );
    }
    let still = app.get(&image_path(&cdn, "/photo.jpg", "w=10")).await;
    assert_eq!(still.header("x-image-note"), None);
}

#[tokio::test]
async fn exif_orientation_is_applied() {
    let cdn = cdn().await;
    let app = private_app();

    let upright = decode(
        &app.get(&image_path(&cdn, "/rotated.jpg", "format=png"))
            .await,
    );

    assert_eq!((upright.width(), upright.height()), (20, 40));
}

#[tokio::test]
async fn broken_hostile_and_oversized_images_get_clear_errors() {
    let cdn = cdn().await;
    let app = private_app();

    for (file, status, code, says) in [
        (
            "/bomb.png",
            422,
            "ETOOMANYPIXELS",
            "the image is 20000×20000, more than",
        ),
        (
            "/truncated.jpg",
            422,
            "EDECODE",
            "the image cannot be decoded",
        ),
        (
            "/lying.png",
            415,
            "ENOTIMAGE",
            "not a JPEG, PNG, WebP or GIF image",
        ),
        (
            "/huge.jpg",
            413,
            "ETOOLARGE",
            "larger than the 15 MiB we read",
        ),
        ("/missing.png", 404, "ENOTFOUND", "There is no image at"),
    ] {
        let reply = app.get(&image_path(&cdn, file, "w=100")).await;
        assert_failure(&reply, status, code);
        assert_says(&reply, says);
    }
    // The server is still fine.
    assert_eq!(
        app.get(&image_path(&cdn, "/photo.jpg", "w=10"))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn bad_parameters_and_private_addresses_are_refused() {
    let cdn = cdn().await;
    let app = spawn_app(&[]);

    for (path, status, code, says) in [
        ("/image".to_owned(), 400, "EINPUT", "Say which image"),
        (
            "/image?url=not-a-url".to_owned(),
            400,
            "EINPUT",
            "is not a URL",
        ),
        (
            "/image?url=file%3A%2F%2F%2Fetc%2Fpasswd".to_owned(),
            400,
            "EINPUT",
            "Only http and https links",
        ),
        (
            image_path(&cdn, "/photo.jpg", "w=0"),
            400,
            "EINPUT",
            "w must be a number of pixels",
        ),
        (
            image_path(&cdn, "/photo.jpg", "format=bmp"),
            400,
            "EINPUT",
            "format must be jpeg, png, webp, gif or original",
        ),
        (
            image_path(&cdn, "/photo.jpg", "w=10&w=20"),
            400,
            "EINPUT",
            "The query string cannot be read",
        ),
        // The CDN is on loopback, and this app does not allow private networks.
        (
            image_path(&cdn, "/photo.jpg", ""),
            403,
            "EFORBIDDEN",
            "is not a public internet address",
        ),
    ] {
        let reply = app.get(&path).await;
        assert_failure(&reply, status, code);
        assert_says(&reply, says);
    }
    assert_eq!(cdn.server.received_requests().await.unwrap().len(), 0);
}

#[tokio::test]
async fn variants_are_cached_validated_and_downloadable() {
    let cdn = cdn().await;
    let app = private_app();
    let variant = image_path(&cdn, "/photo.jpg", "w=120&format=webp");

    let first = app.get(&variant).await;
    let second = app.get(&variant).await;

    assert_eq!(first.header("x-cache-status"), Some("MISS"));
    assert_eq!(second.header("x-cache-status"), Some("HIT"));
    assert_eq!(first.bytes, second.bytes);
    assert_eq!(
        first.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    // An image is never read as anything else, a hit as much as a miss.
    for reply in [&first, &second] {
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    }
    let etag = first.header("etag").expect("an ETag").to_owned();
    assert!(etag.starts_with('"'), "strong ETag: {etag}");
    assert_eq!(cdn.server.received_requests().await.unwrap().len(), 1);

    let client = reqwest::Client::new();
    let revalidated = client
        .get(format!("{}{variant}", app.base))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), 304);
    assert!(revalidated.bytes().await.unwrap().is_empty());

    let download = app
        .get(&image_path(
            &cdn,
            "/alpha.png",
            "download=1&name=github-torvalds%2F..%5Cavatar",
        ))
        .await;
    assert_eq!(
        download.header("content-disposition"),
        Some("attachment; filename=\"github-torvalds-..-avatar.png\"")
    );
}

/// Process A looks a profile up and fetches its avatar; process B, on the same cache folder
/// with every upstream gone, serves both from disk.
#[tokio::test]
async fn a_restarted_server_serves_from_the_disk_cache_without_the_upstream() {
    let dir = temp_dir("cache");
    let dir_str = dir.to_string_lossy().into_owned();
    let images = image_cdn().await;
    let mut account: serde_json::Value =
        serde_json::from_str(&fixture("mastodon/gargron.json")).unwrap();
    account["avatar"] = format!("{}/avatar.png", images.uri()).into();
    let instance = upstream_serving(
        "/api/v1/accounts/lookup",
        "application/json",
        &account.to_string(),
    )
    .await;
    let upstream = instance.uri();
    let envs = [
        ("GETIMAGES_UPSTREAM_MASTODON", upstream.as_str()),
        ("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1"),
        ("GETIMAGES_CACHE_DIR", dir_str.as_str()),
    ];
    let avatar_path = "/mastodon/Gargron@mastodon.social?size=64";

    let (lookup_a, avatar_a) = {
        let a = spawn_app(&envs);
        let lookup = a.api_lookup("@Gargron@mastodon.social", None).await;
        let avatar = a.get(avatar_path).await;
        (lookup, avatar)
        // `a` is dropped (killed) here.
    };
    assert_eq!(lookup_a.header("x-cache-status"), Some("MISS"));
    assert_eq!(avatar_a.status, 200);
    drop(instance);
    drop(images);

    let b = spawn_app(&envs);
    let lookup_b = b.api_lookup("@Gargron@mastodon.social", None).await;
    let avatar_b = b.get(avatar_path).await;

    assert_eq!(lookup_b.header("x-cache-status"), Some("HIT"));
    assert_eq!(success(&lookup_b), success(&lookup_a));
    assert_eq!(avatar_b.status, 200, "{}", avatar_b.text);
    assert_eq!(avatar_b.header("x-cache-status"), Some("HIT"));
    assert_eq!(avatar_b.bytes, avatar_a.bytes);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_corrupt_cache_file_is_a_miss_not_an_error() {
    let dir = temp_dir("cache");
    let dir_str = dir.to_string_lossy().into_owned();
    let cdn = cdn().await;
    let variant = image_path(&cdn, "/photo.jpg", "w=80&format=png");
    let envs = [
        ("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1"),
        ("GETIMAGES_CACHE_DIR", dir_str.as_str()),
    ];
    let first = {
        let a = spawn_app(&envs);
        a.get(&variant).await
    };
    assert_eq!(first.status, 200);

    // Damage every cache file: flip a byte in the middle.
    let mut damaged = 0;
    for sub in std::fs::read_dir(&dir).unwrap().flatten() {
        if !sub.path().is_dir() {
            continue;
        }
        for file in std::fs::read_dir(sub.path()).unwrap().flatten() {
            let mut bytes = std::fs::read(file.path()).unwrap();
            let middle = bytes.len() / 2;
            bytes[middle] ^= 0xFF;
            std::fs::write(file.path(), bytes).unwrap();
            damaged += 1;
        }
    }
    assert!(damaged > 0, "the first process wrote nothing to {dir:?}");

    let b = spawn_app(&envs);
    let again = b.get(&variant).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.header("x-cache-status"), Some("MISS"));
    assert_eq!(decode(&again).width(), 80);
    let log = b.process.stderr();
    assert!(
        log.lines().any(|l| l.contains("WARN")
            && l.contains("corrupt cache file")
            && l.contains("image:")),
        "the damage is logged at warn with the entry's key:\n{log}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_entry_copied_over_another_keys_file_is_a_miss() {
    let dir = temp_dir("cache-copied");
    let dir_str = dir.to_string_lossy().into_owned();
    let cdn = cdn().await;
    let (small, large) = (
        image_path(&cdn, "/photo.jpg", "w=30&format=png"),
        image_path(&cdn, "/photo.jpg", "w=90&format=png"),
    );
    let envs = [
        ("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1"),
        ("GETIMAGES_CACHE_DIR", dir_str.as_str()),
    ];
    let files = |dir: &std::path::Path| -> Vec<std::path::PathBuf> {
        std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .filter(|sub| sub.path().is_dir())
            .flat_map(|sub| std::fs::read_dir(sub.path()).unwrap().flatten())
            .map(|f| f.path())
            .collect()
    };
    {
        let a = spawn_app(&envs);
        assert_eq!(a.get(&small).await.status, 200);
        let before = files(&dir);
        assert_eq!(a.get(&large).await.status, 200);
        let after = files(&dir);
        let small_file = &before[0];
        let large_file = after.iter().find(|f| !before.contains(f)).unwrap();
        // Someone copies the small variant's file over the large one's.
        std::fs::copy(small_file, large_file).unwrap();
    }

    let b = spawn_app(&envs);
    let reply = b.get(&large).await;
    assert_eq!(reply.header("x-cache-status"), Some("MISS"));
    assert_eq!(decode(&reply).width(), 90, "not the other key's picture");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn identical_misses_at_once_make_one_upstream_fetch() {
    let upstream = MockServer::start().await;
    let png = encoded(&picture(400, 300), ImageFormat::Png);
    // Slow enough that all 50 ask while the first fetch is still under way.
    wiremock::Mock::given(wiremock::matchers::path("/slow.png"))
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .set_body_raw(png, "image/png")
                .set_delay(std::time::Duration::from_millis(500)),
        )
        .expect(1)
        .mount(&upstream)
        .await;
    let app = private_app();
    let client = Client::new(&app, std::time::Duration::from_secs(30));
    let path = format!(
        "/image?url={}&w=100&format=webp",
        url_encoded(&format!("{}/slow.png", upstream.uri()))
    );
    let asks = (0..50).map(|_| {
        let (client, path) = (client.clone(), path.clone());
        async move { client.get(&path).await }
    });
    let replies = futures_util::future::join_all(asks).await;
    for reply in &replies {
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(
            reply.bytes, replies[0].bytes,
            "every waiter gets the same image"
        );
    }
    assert_eq!(decode(&replies[0]).width(), 100);
    upstream.verify().await;
}

#[tokio::test]
async fn a_fifo_at_a_cache_entry_is_a_miss_and_the_idle_stop_still_comes() {
    let dir = temp_dir("cache-fifo");
    let dir_str = dir.to_string_lossy().into_owned();
    let cdn = cdn().await;
    let variant = image_path(&cdn, "/photo.jpg", "w=60&format=png");
    let envs = [
        ("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1"),
        ("GETIMAGES_CACHE_DIR", dir_str.as_str()),
        ("GETIMAGES_IDLE_TIMEOUT", "1s"),
    ];
    assert_eq!(spawn_app(&envs).get(&variant).await.status, 200);

    // A read of a FIFO blocks until someone writes to it: nobody will.
    let mut planted = 0;
    for sub in std::fs::read_dir(&dir).unwrap().flatten() {
        if !sub.path().is_dir() {
            continue;
        }
        for file in std::fs::read_dir(sub.path()).unwrap().flatten() {
            std::fs::remove_file(file.path()).unwrap();
            let path = std::ffi::CString::new(file.path().to_string_lossy().as_bytes()).unwrap();
            // SAFETY: `path` is a valid NUL-terminated string that outlives the call.
            assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
            planted += 1;
        }
    }
    assert!(planted > 0, "the first process wrote nothing to {dir:?}");

    let mut app = spawn_app(&envs);
    let again = app.get(&variant).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.header("x-cache-status"), Some("MISS"));
    assert_eq!(decode(&again).width(), 60);
    let exit = app
        .process
        .wait_for_exit(std::time::Duration::from_secs(15));
    assert!(exit.status.success(), "idle stop: {:?}", exit.status);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A 1 MiB tmpfs mounted at a fresh folder, unmounted when dropped. Needs root, as CI has.
struct SmallFilesystem(std::path::PathBuf);

impl SmallFilesystem {
    fn mount() -> Self {
        let dir = temp_dir("cache-tmpfs");
        std::fs::create_dir_all(&dir).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
            .arg(&dir)
            .status()
            .expect("run mount");
        assert!(
            mounted.success(),
            "this test mounts a 1 MiB tmpfs at {dir:?}: run it as root, as CI does"
        );
        Self(dir)
    }
}

impl Drop for SmallFilesystem {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn a_cache_on_a_small_filesystem_is_clipped_to_it_and_evicts_when_the_disk_fills() {
    let fs = SmallFilesystem::mount();
    let dir_str = fs.0.to_string_lossy().into_owned();
    let noise = image::RgbImage::from_fn(300, 300, |x, y| {
        image::Rgb([(x * 31 + y * 17) as u8, (x * y) as u8, (x ^ y) as u8])
    });
    let upstream = MockServer::start().await;
    serve_bytes(
        &upstream,
        "/noise.png",
        200,
        "image/png",
        encoded(&DynamicImage::ImageRgb8(noise), ImageFormat::Png),
    )
    .await;
    let variant = |w: u32| {
        format!(
            "/image?url={}&w={w}&format=png",
            url_encoded(&format!("{}/noise.png", upstream.uri()))
        )
    };
    let envs = [
        ("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1"),
        ("GETIMAGES_CACHE_DIR", dir_str.as_str()),
        ("GETIMAGES_IMAGE_RATE_LIMIT", "0"),
    ];
    let app = spawn_app(&envs);
    assert_eq!(app.get(&variant(100)).await.status, 200);
    let log = app.process.stderr();
    assert!(
        log.contains("disk cache budget clipped to what the filesystem can hold"),
        "the 1 GiB default budget is clipped to the 1 MiB filesystem:\n{log}"
    );

    // Something else fills the disk, leaving 40 KB.
    {
        use std::io::Write;
        let mut other = std::fs::File::create(fs.0.join("other-things")).unwrap();
        while other.write_all(&[0u8; 4096]).is_ok() {}
        let len = other.metadata().unwrap().len();
        other.set_len(len.saturating_sub(40_000)).unwrap();
    }
    for w in 101..141 {
        let reply = app.get(&variant(w)).await;
        assert_eq!(reply.status, 200, "w={w}: {}", reply.text);
    }
    let log = app.process.stderr();
    let full = log.matches("disk full").count();
    assert!(
        (1..=3).contains(&full),
        "a full disk is noticed and evicted, not warned about on every write ({full} times):\n{log}"
    );
    assert!(
        !log.contains("could not write cache file"),
        "no write warnings:\n{log}"
    );
}

#[tokio::test]
async fn clients_that_never_read_one_large_image_share_one_copy_of_it() {
    use std::io::{Read, Write};
    let cdn = MockServer::start().await;
    serve_bytes(&cdn, "/noise.png", 200, "image/png", noise_png()).await;
    // Sent from disk (the memory cache is off), each admitted: a copy per client would fit
    // five times in 64 MiB, and the sixth would wait and be refused as busy.
    let app = spawn_app(&[
        ("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1"),
        ("GETIMAGES_MEMORY_CACHE_BYTES", "0"),
        ("GETIMAGES_MEMORY_BUDGET", "64MiB"),
    ]);
    let path = format!(
        "/image?url={}",
        url_encoded(&format!("{}/noise.png", cdn.uri()))
    );
    assert_eq!(app.get(&path).await.status, 200);
    let readers: Vec<std::net::TcpStream> = (0..8)
        .map(|n| {
            let mut stream = std::net::TcpStream::connect(("127.0.0.1", app.process.port)).unwrap();
            write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
            stream
                .set_read_timeout(Some(std::time::Duration::from_secs(30)))
                .unwrap();
            let mut status = [0u8; 12];
            stream.read_exact(&mut status).unwrap();
            assert_eq!(&status, b"HTTP/1.1 200", "reader {n}");
            stream
        })
        .collect();
    drop(readers);
}
