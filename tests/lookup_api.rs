//! The lookup as API clients and visitors see it: caching, single-flight, errors, the
//! unavatar-style image URLs, the providers list and the results page.

mod support;

use std::time::{Duration, Instant};

use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A GitHub API that knows torvalds (after `delay`) and nobody else.
async fn github_after(delay: Duration) -> MockServer {
    GithubApi::new().answering_after(delay).start().await
}

#[tokio::test]
async fn a_repeated_lookup_is_served_from_the_cache() {
    let upstream = github_api().await;
    let app = spawn_app_for("github", &upstream);

    let first = app.api_lookup("torvalds", Some("github")).await;
    let second = app.api_lookup("https://github.com/TORVALDS", None).await;

    assert_eq!(first.header("x-cache-status"), Some("MISS"));
    assert_eq!(second.header("x-cache-status"), Some("HIT"));
    assert_eq!(success(&second)["images"], success(&first)["images"]);
    assert!(first.header("cache-control").unwrap().contains("max-age="));
    assert_eq!(requests_to(&upstream, "/users/torvalds").await, 1);
}

#[tokio::test]
async fn concurrent_identical_lookups_reach_the_platform_once() {
    let upstream = github_after(Duration::from_millis(400)).await;
    let app = spawn_app_for("github", &upstream);

    let replies =
        futures_util::future::join_all((0..10).map(|_| app.api_lookup("torvalds", Some("github"))))
            .await;

    for reply in &replies {
        assert_eq!(image_url(&success(reply), "avatar"), Some(TORVALDS_AVATAR));
    }
    assert_eq!(requests_to(&upstream, "/users/torvalds").await, 1);
}

#[tokio::test]
async fn a_missing_profile_is_remembered_for_a_while() {
    let upstream = github_api().await;
    let app = spawn_app_for("github", &upstream);

    let first = app.api_lookup("nobody", Some("github")).await;
    let second = app.api_lookup("nobody", Some("github")).await;

    assert_failure(&first, 404, "ENOTFOUND");
    assert_says(&first, "has no profile");
    assert_failure(&second, 404, "ENOTFOUND");
    assert_says(&second, "has no profile");
    assert_eq!(first.json()["status"], "fail");
    assert_eq!(second.header("x-cache-status"), Some("HIT"));
    assert_eq!(requests_to(&upstream, "/users/nobody").await, 1);
}

#[tokio::test]
async fn a_slow_platform_times_out_at_the_deadline_and_is_not_cached() {
    let upstream = github_after(Duration::from_secs(5)).await;
    let var = upstream.uri();
    let app = spawn_app(&[
        ("GETIMAGES_UPSTREAM_GITHUB", var.as_str()),
        ("GETIMAGES_LOOKUP_TIMEOUT", "500ms"),
    ]);

    let started = Instant::now();
    let reply = app.api_lookup("torvalds", Some("github")).await;
    let took = started.elapsed();

    assert_failure(&reply, 504, "ETIMEOUT");
    // "The platform did not answer in time." or "GitHub did not answer within 0.5 s.",
    // depending on which of the server's two timers fires first.
    assert_says(&reply, "did not answer");
    assert_eq!(reply.json()["status"], "error");
    assert!(took < Duration::from_secs(4), "took {took:?}");
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let again = app.api_lookup("torvalds", Some("github")).await;
    assert_eq!(again.header("x-cache-status"), Some("MISS"));
}

#[tokio::test]
async fn bad_input_gets_a_400_with_a_helpful_message() {
    let app = spawn_app(&[]);
    let long = format!("https://example.com/{}", "a".repeat(3000));
    for (q, provider, says) in [
        ("", None, "Paste a profile URL, a handle or a name"),
        ("jack", None, "/api/v1/search?q=jack"),
        (
            "jack",
            Some("myspace"),
            "Unknown platform \"myspace\". The platforms we know are listed at /#platforms",
        ),
        (
            "not a handle!",
            Some("github"),
            "\"not a handle!\" is not a GitHub username",
        ),
        (
            "ftp://example.com/me",
            None,
            "Only http and https links can be looked up",
        ),
        (long.as_str(), None, "longer than 2048 characters"),
    ] {
        let reply = app.api_lookup(q, provider).await;
        assert_failure(&reply, 400, "EINPUT");
        let json = reply.json();
        assert_eq!(json["status"], "fail");
        assert!(json["message"].as_str().unwrap().len() > 10, "{json}");
        assert_says(&reply, says);
    }
    let page = app.page_lookup("two words", None).await;
    assert_eq!(page.status, 400);
    assert!(
        page.text
            .contains("Pick one, or paste the full profile URL"),
        "{}",
        page.text
    );
}

#[tokio::test]
async fn pages_on_private_addresses_are_refused_without_contacting_them() {
    let canary = upstream_serving(
        "/",
        "text/html",
        "<meta property=\"og:image\" content=\"https://cdn.example/a.png\">",
    )
    .await;
    let port = canary.address().port();
    let app = spawn_app(&[]);

    for url in [
        format!("http://127.0.0.1:{port}/"),
        format!("http://localhost:{port}/"),
        format!("http://[::1]:{port}/"),
        format!("http://2130706433:{port}/"),
        format!("http://user@127.0.0.1:{port}/"),
    ] {
        let reply = app.api_lookup(&url, None).await;
        assert_failure(&reply, 403, "EFORBIDDEN");
        assert_says(&reply, "is not a public internet address");
    }
    assert_eq!(canary.received_requests().await.unwrap().len(), 0);
}

#[tokio::test]
async fn an_oversized_page_is_refused() {
    let big = format!("<html>{}</html>", "x".repeat(50_000));
    // Every page X serves (the profile and the intent page) is too large.
    let upstream = wiremock::MockServer::start().await;
    serve_everywhere(&upstream, 200, "text/html", &big).await;
    let var = upstream.uri();
    let app = spawn_app(&[
        ("GETIMAGES_UPSTREAM_X", var.as_str()),
        ("GETIMAGES_MAX_PAGE_BYTES", "10000"),
    ]);

    let reply = app.api_lookup("jack", Some("x")).await;
    assert_failure(&reply, 502, "EUPSTREAM");
    assert_says(&reply, "The platform's answer is larger than");
}

#[tokio::test]
async fn unavatar_urls_answer_with_the_avatar_itself() {
    let cdn = image_cdn().await;
    let mut user: serde_json::Value =
        serde_json::from_str(&fixture("github/torvalds.json")).unwrap();
    user["avatar_url"] = format!("{}/avatar.png", cdn.uri()).into();
    let api = upstream_serving("/users/torvalds", "application/json", &user.to_string()).await;
    let upstream = api.uri();
    let app = spawn_app(&[
        ("GETIMAGES_UPSTREAM_GITHUB", upstream.as_str()),
        ("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1"),
    ]);

    let original = app.get("/github/torvalds").await;
    assert_eq!(original.status, 200);
    assert_eq!(original.header("content-type"), Some("image/png"));
    assert_eq!(
        image::load_from_memory(&original.bytes).unwrap().width(),
        256
    );

    let small = app.get("/github/torvalds?size=64&format=jpeg").await;
    assert_eq!(small.header("content-type"), Some("image/jpeg"));
    let decoded = image::load_from_memory(&small.bytes).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (64, 64));

    let json = app.get("/github/torvalds?json").await;
    assert_eq!(
        image_url(&success(&json), "avatar"),
        Some(format!("{}/avatar.png", cdn.uri()).as_str())
    );
}

#[tokio::test]
async fn unavatar_fallbacks_apply_when_there_is_no_avatar() {
    let upstream = github_api().await;
    let app = spawn_app_for("github", &upstream);

    let fallback = app
        .get("/github/nobody?fallback=https%3A%2F%2Fexample.com%2Fdefault.png")
        .await;
    assert_eq!(fallback.status, 302);
    assert_eq!(
        fallback.header("location"),
        Some("https://example.com/default.png")
    );

    let reply = app.get("/github/nobody?fallback=false").await;
    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "has no profile");
    let reply = app.get("/github/nobody").await;
    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "has no profile");
    let reply = app
        .get("/github/nobody?fallback=http%3A%2F%2F169.254.169.254%2F")
        .await;
    assert_failure(&reply, 403, "EFORBIDDEN");
    assert_says(&reply, "is not a public internet address");
    assert_eq!(app.get("/myspace/tom").await.status, 404);
}

#[tokio::test]
async fn the_providers_list_names_every_platform_with_an_example() {
    let app = spawn_app(&[]);

    let reply = app.get("/api/v1/providers").await;
    let list = success(&reply);
    let list = list.as_array().unwrap();

    assert!(list.len() >= 31, "only {} providers", list.len());
    for p in list {
        for field in ["id", "name", "input", "example"] {
            assert!(p[field].as_str().is_some_and(|s| !s.is_empty()), "{p}");
        }
    }
    for id in [
        "github", "x", "youtube", "bluesky", "mastodon", "gravatar", "page",
    ] {
        assert!(list.iter().any(|p| p["id"] == id), "{id} missing");
    }
}

#[tokio::test]
async fn the_results_page_shows_each_image_with_its_actions() {
    let mastodon = MockServer::start().await;
    serve(
        &mastodon,
        "/api/v1/accounts/lookup",
        200,
        "application/json",
        &fixture("mastodon/gargron.json"),
    )
    .await;
    let app = spawn_app_for("mastodon", &mastodon);

    let page = app
        .page_lookup("https://mastodon.social/@Gargron", None)
        .await;

    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let html = &page.text;
    assert!(
        html.contains("<h1 id=\"profile-title\">Eugen Rochko</h1>"),
        "{html}"
    );
    let avatar = "https%3A%2F%2Ffiles.mastodon.social%2Faccounts%2Favatars%2F000%2F000%2F001%2Foriginal%2Fdc4286ceb8fab734.jpg";
    assert!(
        html.contains(&format!("src=\"/image?url={avatar}&#38;w=400\"")),
        "{html}"
    );
    assert!(html.contains(&format!("/image?url={avatar}&#38;w=800 2x")));
    assert!(html.contains(&format!(
        "/image?url={avatar}&#38;download=1&#38;name=mastodon-Gargron%40mastodon.social-avatar-original\""
    )));
    assert!(html.contains("/image?url=https%3A%2F%2Ffiles.mastodon.social%2Faccounts%2Fheaders%2F000%2F000%2F001%2Foriginal%2F3b91c9965d00888b.jpeg&#38;w=960"));
    for action in [">Open<", ">Download original<", ">Copy link<", ">WebP<"] {
        assert!(html.contains(action), "{action} missing");
    }
}

#[tokio::test]
async fn a_failed_lookup_shows_a_friendly_error_page() {
    let upstream = github_api().await;
    let app = spawn_app_for("github", &upstream);

    let page = app.page_lookup("nobody", Some("github")).await;

    assert_eq!(page.status, 404);
    assert!(
        page.text.contains("No profile picture found"),
        "{}",
        page.text
    );
    assert!(page.text.contains("href=\"/\""));
}

/// Looks torvalds up on GitHub every 50 ms for as long as the answer's `x-cache-status`
/// is `status`, and returns the first answer with another; fails the test after 10 s.
async fn torvalds_once_not(app: &App, status: &str) -> Reply {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let reply = app.api_lookup("torvalds", Some("github")).await;
        if reply.header("x-cache-status") != Some(status) {
            return reply;
        }
        assert!(Instant::now() < deadline, "still {status} after 10 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_lookup_past_its_ttl_is_served_stale_and_refreshed_in_the_background() {
    let upstream = github_api().await;
    let var = upstream.uri();
    // No rate limit: the test asks again until the answer turns stale.
    let app = spawn_app(&[
        ("GETIMAGES_UPSTREAM_GITHUB", var.as_str()),
        ("GETIMAGES_CACHE_TTL", "1s"),
        ("GETIMAGES_RATE_LIMIT", "0"),
    ]);

    let first = app.api_lookup("torvalds", Some("github")).await;
    let stale = torvalds_once_not(&app, "HIT").await;

    assert_eq!(first.header("x-cache-status"), Some("MISS"));
    assert_eq!(stale.header("x-cache-status"), Some("STALE"));
    assert_eq!(image_url(&success(&stale), "avatar"), Some(TORVALDS_AVATAR));
    // The background refresh reaches the platform once more, and its answer is then fresh.
    wait_for_requests_to(&upstream, "/users/torvalds", 2).await;
    let fresh = torvalds_once_not(&app, "STALE").await;
    assert_eq!(fresh.header("x-cache-status"), Some("HIT"));
}

#[tokio::test]
async fn a_background_refresh_never_keeps_the_server_awake() {
    let slow = github_after(Duration::from_secs(1)).await;
    let var = slow.uri();
    let mut app = spawn_app(&[
        ("GETIMAGES_UPSTREAM_GITHUB", var.as_str()),
        ("GETIMAGES_CACHE_TTL", "1s"),
        ("GETIMAGES_LOOKUP_TIMEOUT", "10s"),
        ("GETIMAGES_IDLE_TIMEOUT", "3s"),
        ("GETIMAGES_RATE_LIMIT", "0"),
    ]);
    assert_eq!(app.api_lookup("torvalds", Some("github")).await.status, 200);
    Mock::given(method("GET"))
        .and(path("/users/torvalds"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .with_priority(1)
        .mount(&slow)
        .await;

    // Fresh answers come from the cache; the first stale one starts the refresh.
    let stale = torvalds_once_not(&app, "HIT").await;
    let last_response = Instant::now();
    assert_eq!(stale.header("x-cache-status"), Some("STALE"));

    // The refresh waits 30 s on the platform; the server stops 3 s after the last request.
    let exit = app.process.wait_for_exit(Duration::from_secs(10));
    assert!(exit.status.success(), "{}", app.process.stderr());
    let after = exit.at.duration_since(last_response);
    assert!(
        after < Duration::from_secs(5),
        "stopped {after:?} after the last request"
    );
}

/// An operator reading the log finds every line of one request by the id its response
/// carries, and a failed lookup's line names the real cause, which the visitor is spared.
#[tokio::test]
async fn a_failed_lookup_logs_its_real_cause_under_the_requests_id() {
    // Nothing listens on this port: connecting is refused.
    let closed = free_port();
    let mut app = spawn_app(&[("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1")]);

    let reply = app
        .api_lookup(&format!("http://127.0.0.1:{closed}/ana"), None)
        .await;

    assert_failure(&reply, 502, "EUPSTREAM");
    assert_says(&reply, "Could not connect to the platform.");
    assert!(!reply.text.contains("refused"), "{}", reply.text);
    let id = reply.header("x-request-id").expect("x-request-id");
    let line = app
        .process
        .wait_for_log("outcome=\"upstream\"", Duration::from_secs(5));
    assert!(line.contains(&format!("request_id={id}")), "{line}");
    assert!(line.contains("Connection refused"), "{line}");
}

/// The same in JSON lines: the lookup's line and the request's own both list the request,
/// with the id its response carries, as their first span.
#[tokio::test]
async fn json_lines_list_the_request_a_line_was_logged_in() {
    let closed = free_port();
    let mut app = spawn_app(&[
        ("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1"),
        ("GETIMAGES_LOG_FORMAT", "json"),
    ]);

    let reply = app
        .api_lookup(&format!("http://127.0.0.1:{closed}/ana"), None)
        .await;

    assert_failure(&reply, 502, "EUPSTREAM");
    let id: u64 = reply
        .header("x-request-id")
        .expect("x-request-id")
        .parse()
        .unwrap();
    let request = serde_json::json!({
        "request_id": id, "method": "GET", "path": "/api/v1/lookup", "name": "request"
    });
    for needle in ["\"outcome\":\"upstream\"", "\"status\":502"] {
        let line = app.process.wait_for_log(needle, Duration::from_secs(5));
        let line: serde_json::Value = serde_json::from_str(&line).expect(&line);
        assert_eq!(line["spans"], serde_json::json!([request]), "{line}");
    }
}

/// A query string that repeats a parameter cannot be read as one lookup: a clear JSON error,
/// not a bare text answer.
#[tokio::test]
async fn a_query_string_that_does_not_fit_gets_a_clear_error() {
    let app = spawn_app(&[]);

    let reply = app.get("/api/v1/lookup?q=jack&q=jill").await;

    assert_failure(&reply, 400, "EINPUT");
    assert_says(&reply, "The query string cannot be read");
}
