//! The Redis tier as a deployment of several Machines sees it: what one server looked up or
//! resized, another serves without the platform; Redis faults cost no request anything;
//! and Redis never touches start-up or the idle stop.
//!
//! Each test starts its own `redis-server` (Debian package `redis-server`, installed by
//! `scripts/test.sh`) on a free loopback port, without persistence, and kills it when done.

mod support;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use support::*;
use wiremock::MockServer;

/// The key a GitHub lookup of torvalds is stored under, with the default prefix.
const TORVALDS_KEY: &str = "getimages:v1:lookup:github:torvalds";

/// A GitHub API that knows torvalds, and an image CDN his avatar can point at.
async fn platform() -> (MockServer, MockServer) {
    let images = image_cdn().await;
    let github = GithubApi::new()
        .avatar_at(format!("{}/avatar.png", images.uri()))
        .start()
        .await;
    (github, images)
}

/// An origin where nothing listens: the platform, down.
fn platform_down() -> String {
    format!("http://127.0.0.1:{}", free_port())
}

/// A server using `redis` and `github`, allowed to fetch images from loopback.
fn app_with(redis_url: &str, github: &str, more: &[(&str, &str)]) -> App {
    let mut envs = vec![
        ("GETIMAGES_REDIS_URL", redis_url),
        ("GETIMAGES_UPSTREAM_GITHUB", github),
        ("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1"),
    ];
    envs.extend_from_slice(more);
    spawn_app(&envs)
}

/// `/image` of the CDN's avatar resized to `width`: a new variant per width.
fn avatar_variant(images: &str, width: u32) -> String {
    let url: String =
        url::form_urlencoded::byte_serialize(format!("{images}/avatar.png").as_bytes()).collect();
    format!("/image?url={url}&w={width}&format=png")
}

fn warnings(app: &App, needle: &str) -> usize {
    app.process
        .stderr()
        .lines()
        .filter(|line| line.contains("WARN") && line.contains(needle))
        .count()
}

#[tokio::test]
async fn what_one_server_looked_up_another_serves_while_the_platform_is_down() {
    let redis = RedisServer::start();
    let (github, images) = platform().await;
    let images_uri = images.uri();
    let avatar = "/github/torvalds?size=64";
    let variant = avatar_variant(&images_uri, 48);

    let a = app_with(&redis.url(), &github.uri(), &[]);
    let lookup_a = a.api_lookup("torvalds", Some("github")).await;
    let avatar_a = a.get(avatar).await;
    let variant_a = a.get(&variant).await;
    assert_eq!(lookup_a.header("x-cache-status"), Some("MISS"));
    assert_eq!(avatar_a.status, 200, "{}", avatar_a.text);
    assert_eq!(variant_a.header("x-cache-status"), Some("MISS"));
    // The lookup, the avatar's variant and the resized one, written in the background.
    wait_until("three entries are in Redis", || redis.keys().len() == 3);
    let ttl: i64 = redis.query(redis::cmd("PTTL").arg(TORVALDS_KEY));
    assert!(ttl > 0, "entries expire in Redis (PTTL {ttl})");
    drop((github, images));

    let dir = std::env::temp_dir().join(format!("getimages-redis-{}", fastrand::u64(..)));
    let dir_str = dir.to_string_lossy().into_owned();
    let b = app_with(
        &redis.url(),
        &platform_down(),
        &[("GETIMAGES_CACHE_DIR", &dir_str)],
    );
    let lookup_b = b.api_lookup("https://github.com/Torvalds", None).await;
    let avatar_b = b.get(avatar).await;
    let variant_b = b.get(&variant).await;

    assert_eq!(lookup_b.header("x-cache-status"), Some("HIT"));
    assert_eq!(success(&lookup_b), success(&lookup_a));
    assert_eq!(avatar_b.status, 200, "{}", avatar_b.text);
    assert_eq!(avatar_b.header("x-cache-status"), Some("HIT"));
    assert_eq!(avatar_b.bytes, avatar_a.bytes);
    assert_eq!(variant_b.header("x-cache-status"), Some("HIT"));
    assert_eq!(variant_b.bytes, variant_a.bytes);
    let promoted = std::fs::read_dir(&dir).map_or(0, |folders| folders.count());
    assert!(promoted > 0, "Redis hits are copied to the disk tier");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_entry_leaves_redis_when_its_ttl_runs_out() {
    let redis = RedisServer::start();
    let (github, _images) = platform().await;
    let a = app_with(
        &redis.url(),
        &github.uri(),
        &[("GETIMAGES_CACHE_TTL", "1s")],
    );

    assert_eq!(
        a.api_lookup("torvalds", Some("github"))
            .await
            .header("x-cache-status"),
        Some("MISS")
    );
    wait_until("the lookup is in Redis", || {
        redis.value(TORVALDS_KEY).is_some()
    });
    let ttl: i64 = redis.query(redis::cmd("PTTL").arg(TORVALDS_KEY));
    assert!((1..=1000).contains(&ttl), "PTTL {ttl} is not the 1s TTL");
    wait_until("the lookup expired in Redis", || {
        redis.value(TORVALDS_KEY).is_none()
    });

    let b = app_with(&redis.url(), &platform_down(), &[]);
    let reply = b.api_lookup("torvalds", Some("github")).await;
    // Not served from Redis: asked of the platform, which is down.
    assert_failure(&reply, 502, "EUPSTREAM");
    assert_says(&reply, "Could not connect to GitHub.");
    assert_eq!(
        reply.header("x-cache-status"),
        Some("MISS"),
        "{}",
        reply.text
    );
}

#[tokio::test]
async fn redis_stopping_mid_run_costs_one_warning_and_coming_back_needs_no_restart() {
    let mut redis = RedisServer::start();
    let (github, images) = platform().await;
    let mut app = app_with(&redis.url(), &github.uri(), &[]);
    assert_eq!(
        app.get(&avatar_variant(&images.uri(), 10)).await.status,
        200
    );
    wait_until("the variant is in Redis", || redis.keys().len() == 1);

    redis.kill();
    for width in 11..31 {
        let reply = app.get(&avatar_variant(&images.uri(), width)).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(reply.header("x-cache-status"), Some("MISS"));
    }
    assert_eq!(
        warnings(&app, "Redis cache unreachable"),
        1,
        "one warning for the whole outage:\n{}",
        app.process.stderr()
    );

    let redis = RedisServer::start_on(redis.port);
    let deadline = Instant::now() + WAIT;
    for width in 100.. {
        let reply = app.get(&avatar_variant(&images.uri(), width)).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        if !redis.keys().is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "the tier never came back");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Logged once the write that reached Redis has come back, so it may follow the key.
    app.process.wait_for_log("the Redis cache is back", WAIT);
    assert_eq!(warnings(&app, "Redis"), 1, "{}", app.process.stderr());
}

#[tokio::test]
async fn garbage_under_our_key_is_a_miss_and_is_overwritten() {
    let redis = RedisServer::start();
    redis.query::<()>(
        redis::cmd("SET")
            .arg(TORVALDS_KEY)
            .arg("<html>not ours</html>"),
    );
    let (github, _images) = platform().await;
    let a = app_with(&redis.url(), &github.uri(), &[]);

    let reply = a.api_lookup("torvalds", Some("github")).await;
    assert_eq!(reply.header("x-cache-status"), Some("MISS"));
    success(&reply);
    wait_until("our entry replaces the garbage", || {
        redis
            .value(TORVALDS_KEY)
            .is_some_and(|value| value.starts_with(b"GIMC"))
    });
    assert_eq!(warnings(&a, "Redis"), 0, "garbage is no outage");
}

#[tokio::test]
async fn a_redis_url_that_cannot_work_stops_the_start_with_exit_2() {
    for (url, says) in [
        ("rediss://127.0.0.1:6380", "not supported by this build"),
        ("127.0.0.1:6379", "expected redis://"),
    ] {
        let out = app_command(&[("GETIMAGES_REDIS_URL", url)])
            .output()
            .expect("run the server");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{url}: {stderr}");
        assert!(stderr.contains("GETIMAGES_REDIS_URL"), "{url}: {stderr}");
        assert!(stderr.contains(says), "{url}: {stderr}");
    }
}

/// A "Redis" that takes connections (the kernel completes them) but never answers.
#[tokio::test]
async fn a_redis_that_never_answers_delays_neither_start_nor_requests_nor_the_idle_stop() {
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    silent.set_nonblocking(true).unwrap();
    let url = format!("redis://{}", silent.local_addr().unwrap());
    let (github, _images) = platform().await;
    let mut app = app_with(&url, &github.uri(), &[("GETIMAGES_IDLE_TIMEOUT", "1s")]);

    assert_eq!(app.get("/healthz").await.status, 200);
    assert!(
        silent.accept().is_err(),
        "the server connected to Redis before it needed it"
    );
    let reply = app.api_lookup("torvalds", Some("github")).await;
    assert_eq!(reply.header("x-cache-status"), Some("MISS"));
    success(&reply);

    let exit = app.process.wait_for_exit(WAIT);
    assert!(exit.status.success(), "{}", app.process.stderr());
    let log = app.process.stderr();
    assert!(log.contains("idle for 1s, stopping"), "{log}");
    assert_eq!(warnings(&app, "Redis cache unreachable"), 1, "{log}");
}
