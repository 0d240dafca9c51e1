//! A bare name searched on every platform that takes usernames: the JSON and NDJSON API, each
//! outcome, the streamed results page, the search's own rate limit, the answers cache, a
//! visitor who leaves, and how `user@host`, `u/name` and `/@name` pages are read.
//!
//! Every platform is a loopback fake (see `support::search`): none is reached for real.

mod support;

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use support::*;

const AVATAR: &str = "https://avatars.githubusercontent.com/u/1?v=4";

/// The app with every searched platform on `everyone_else` but those `own` names, and
/// `envs` on top (searches unlimited unless `envs` says otherwise).
fn app_searching(everyone_else: &str, own: &[(&str, &str)], envs: &[(&str, &str)]) -> App {
    let mut all = search_envs(everyone_else, own);
    all.push(("GETIMAGES_SEARCH_RATE_LIMIT".into(), "0".into()));
    all.extend(envs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    spawn_app(&as_pairs(&all))
}

/// The outcome of platform `id` in a search's `results`.
fn result_of<'a>(results: &'a [Value], id: &str) -> &'a Value {
    results
        .iter()
        .find(|r| r["provider"] == id)
        .unwrap_or_else(|| panic!("no result for {id}: {results:?}"))
}

/// The `results` of a JSON search answer.
fn results(reply: &Reply) -> Vec<Value> {
    success(reply)["results"]
        .as_array()
        .expect("results")
        .clone()
}

/// A platform that blocks everybody: 429 to every request.
async fn rate_limiting_platform() -> MockServer {
    let server = MockServer::start().await;
    serve_everywhere(&server, 429, "text/html", "<h1>Too Many Requests</h1>").await;
    server
}

#[tokio::test]
async fn a_bare_name_gets_every_platforms_honest_outcome() {
    let nobody = nobody_anywhere().await;
    let github = github_knowing("jo", AVATAR).await;
    let x = rate_limiting_platform().await;
    let hanging = Gate::start().await;
    let app = app_searching(
        &nobody.uri(),
        &[
            ("github", &github.uri()),
            ("x", &x.uri()),
            ("twitch", &hanging.origin),
        ],
        &[("GETIMAGES_LOOKUP_TIMEOUT", "2s")],
    );

    let reply = app.get("/api/v1/search?q=%40jo").await;

    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(success(&reply)["query"], "jo");
    let results = results(&reply);
    let ids = searched_ids();
    assert_eq!(results.len(), ids.len(), "one result per platform");
    let found = result_of(&results, "github");
    assert_eq!(found["outcome"], "found", "{found}");
    assert_eq!(found["profile"]["name"], "jo on GitHub");
    assert_eq!(found["profile"]["images"][0]["url"], AVATAR);
    assert!(found["ms"].is_u64(), "{found}");
    let blocked = result_of(&results, "x");
    assert_eq!(blocked["outcome"], "blocked", "{blocked}");
    assert!(
        blocked["message"].as_str().unwrap().contains("X"),
        "{blocked}"
    );
    let timeout = result_of(&results, "twitch");
    assert_eq!(timeout["outcome"], "timeout", "{timeout}");
    assert!(timeout["message"].as_str().unwrap().contains("Twitch"));
    // Reddit names are 3 to 20 characters long: not asked, nor anywhere else "jo" is no name.
    let invalid = result_of(&results, "reddit");
    assert_eq!(invalid["outcome"], "invalid", "{invalid}");
    assert!(invalid["message"].as_str().unwrap().contains("Reddit"));
    let jo = getimages::lookup::Name::parse("jo").unwrap();
    for result in &results {
        let id = result["provider"].as_str().unwrap();
        let provider = getimages::providers::by_id(id).unwrap();
        let expected = match id {
            "github" | "x" | "twitch" => continue,
            _ if jo.on(provider).is_none() => "invalid",
            _ => "not_found",
        };
        assert_eq!(result["outcome"], expected, "{result}");
        assert!(result.get("profile").is_none(), "{result}");
    }
    // Platforms that take no plain username are not asked.
    for id in ["gravatar", "mastodon", "stackoverflow", "page"] {
        assert!(results.iter().all(|r| r["provider"] != id), "{id} asked");
    }
}

#[tokio::test]
async fn ndjson_streams_each_platform_as_it_answers() {
    let nobody = nobody_anywhere().await;
    let github = github_knowing("jo", AVATAR).await;
    let slow = Gate::start().await;
    let app = app_searching(
        &nobody.uri(),
        &[("github", &github.uri()), ("twitch", &slow.origin)],
        &[],
    );

    let mut response = reqwest::Client::new()
        .get(format!("{}/api/v1/search?q=jo", app.base))
        .header("accept", "application/x-ndjson")
        .send()
        .await
        .expect("search");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/x-ndjson",
        "{:?}",
        response.headers()
    );

    // GitHub's line comes while Twitch still holds its answer.
    let mut lines = Vec::new();
    let mut pending = String::new();
    while !lines.iter().any(|l: &Value| l["provider"] == "github") {
        let chunk = tokio::time::timeout(Duration::from_secs(20), response.chunk())
            .await
            .expect("a line before Twitch answered")
            .expect("read")
            .expect("the stream ended before GitHub's line");
        pending.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some((line, rest)) = pending.split_once('\n') {
            lines.push(serde_json::from_str(line).expect("a JSON line"));
            pending = rest.to_owned();
        }
    }
    assert!(lines.iter().all(|l| l["provider"] != "twitch"));

    slow.open();
    let rest = tokio::time::timeout(Duration::from_secs(20), async {
        let mut rest = Vec::new();
        while let Some(chunk) = response.chunk().await.expect("read") {
            rest.extend_from_slice(&chunk);
        }
        rest
    })
    .await
    .expect("the stream ends once every platform answered");
    pending.push_str(std::str::from_utf8(&rest).unwrap());
    for line in pending.lines() {
        lines.push(serde_json::from_str(line).expect("a JSON line"));
    }
    assert_eq!(lines.len(), searched_ids().len());
    let twitch = lines.iter().find(|l| l["provider"] == "twitch").unwrap();
    assert_eq!(twitch["outcome"], "not_found", "{twitch}");
}

#[tokio::test]
async fn a_second_search_asks_no_platform_and_a_single_lookup_is_then_a_hit() {
    let nobody = nobody_anywhere().await;
    let github = github_knowing("jo", AVATAR).await;
    let app = app_searching(&nobody.uri(), &[("github", &github.uri())], &[]);

    let first = results(&app.get("/api/v1/search?q=jo").await);
    let asked = (
        nobody.received_requests().await.unwrap().len(),
        github.received_requests().await.unwrap().len(),
    );
    let second = results(&app.get("/api/v1/search?q=jo").await);

    assert!(asked.0 > 0 && asked.1 > 0, "{asked:?}");
    assert_eq!(
        (
            nobody.received_requests().await.unwrap().len(),
            github.received_requests().await.unwrap().len(),
        ),
        asked,
        "the second search asked a platform"
    );
    assert_eq!(first.len(), second.len());
    for result in second.iter().filter(|r| r["outcome"] != "invalid") {
        assert_eq!(result["cache"], "HIT", "{result}");
    }
    let single = app.api_lookup("jo", Some("github")).await;
    assert_eq!(success(&single)["name"], "jo on GitHub");
    assert_eq!(single.header("x-cache-status"), Some("HIT"));
}

#[tokio::test]
async fn searches_have_their_own_limit_and_lookups_are_not_spent_on_them() {
    let nobody = nobody_anywhere().await;
    let mut envs = search_envs(&nobody.uri(), &[]);
    envs.push(("GETIMAGES_SEARCH_RATE_LIMIT".into(), "6".into()));
    envs.push(("GETIMAGES_SEARCH_RATE_LIMIT_BURST".into(), "2".into()));
    let app = spawn_app(&as_pairs(&envs));

    assert_eq!(app.get("/api/v1/search?q=jo").await.status, 200);
    assert_eq!(app.get("/lookup?q=jo").await.status, 200, "the page is one");
    let limited = app.get("/api/v1/search?q=jo").await;

    assert_failure(&limited, 429, "ERATELIMIT");
    assert_says(&limited, "Too many searches from your address");
    assert!(limited.header("retry-after").is_some());
    let page = app.get("/lookup?q=jo").await;
    assert_eq!(page.status, 429);
    assert!(page.text.contains("Too many searches"), "{}", page.text);
    assert_eq!(
        app.get("/lookup?q=jo&provider=github").await.status,
        404,
        "a single lookup is still let through (and GitHub has no jo here)"
    );
}

#[tokio::test]
async fn a_visitor_who_leaves_cancels_the_platforms_not_yet_asked() {
    let gate = Gate::start().await;
    let app = app_searching(
        &gate.origin,
        &[],
        &[("GETIMAGES_MAX_OUTBOUND_LOOKUPS", "1")],
    );
    let mut socket = tokio::net::TcpStream::connect(("127.0.0.1", app.process.port))
        .await
        .unwrap();
    socket
        .write_all(
            b"GET /api/v1/search?q=jo HTTP/1.1\r\nhost: x\r\naccept: application/x-ndjson\r\n\r\n",
        )
        .await
        .unwrap();
    gate.wait_for_requests(1).await;

    drop(socket);
    // The server notices the closed connection (not observable from here), then the gate
    // opens: a search still running would ask the next platform at once.
    tokio::time::sleep(Duration::from_millis(500)).await;
    gate.open();
    tokio::time::sleep(Duration::from_millis(1500)).await;

    assert_eq!(
        gate.requests(),
        1,
        "platforms were asked after the visitor left"
    );
    assert_eq!(app.get("/healthz").await.status, 200);
}

#[tokio::test]
async fn the_results_page_streams_cards_then_the_others_outcomes() {
    let nobody = nobody_anywhere().await;
    let github = github_knowing("jo", AVATAR).await;
    let x = rate_limiting_platform().await;
    let slow = Gate::start().await;
    let app = app_searching(
        &nobody.uri(),
        &[
            ("github", &github.uri()),
            ("x", &x.uri()),
            ("twitch", &slow.origin),
        ],
        &[],
    );
    let mut socket = tokio::net::TcpStream::connect(("127.0.0.1", app.process.port))
        .await
        .unwrap();
    socket
        .write_all(b"GET /lookup?q=jo HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();

    // Before Twitch answers: the form, the grid and GitHub's card, and no summary yet.
    let mut page = Vec::new();
    let mut buf = [0u8; 16384];
    while !String::from_utf8_lossy(&page).contains("data-provider=\"github\"") {
        let n = tokio::time::timeout(Duration::from_secs(20), socket.read(&mut buf))
            .await
            .expect("GitHub's card before Twitch answered")
            .unwrap();
        assert!(
            n > 0,
            "page ended early: {}",
            String::from_utf8_lossy(&page)
        );
        page.extend_from_slice(&buf[..n]);
    }
    let early = String::from_utf8_lossy(&page).into_owned();
    assert!(early.starts_with("HTTP/1.1 200"), "{early}");
    assert!(early.contains("transfer-encoding: chunked"), "{early}");
    assert!(early.contains("name=\"q\"") && early.contains("value=\"jo\""));
    assert!(early.contains("data-testid=\"search-grid\""));
    assert!(early.contains("jo on GitHub"));
    assert!(
        early.contains("/lookup?q=jo&#38;provider=github"),
        "{early}"
    );
    assert!(!early.contains("search-summary"));

    slow.open();
    tokio::time::timeout(Duration::from_secs(20), socket.read_to_end(&mut page))
        .await
        .expect("the page ends once every platform answered")
        .unwrap();
    let whole = String::from_utf8_lossy(&page).into_owned();
    assert!(whole.contains("Found on 1 of"), "{whole}");
    assert!(whole.contains("Blocked us (1)"), "{whole}");
    assert!(
        whole.contains("<strong>X (Twitter)</strong>: X (Twitter) stopped us with a rate limit"),
        "the block's reason is shown: {whole}"
    );
    assert!(
        whole.contains("Not a valid name there ("),
        "Reddit: {whole}"
    );
    assert!(whole.contains("Not found ("));
    assert!(whole.ends_with("\r\n0\r\n\r\n"), "chunked to the end");
    assert!(whole.contains("</html>"));
}

#[tokio::test]
async fn search_input_is_checked() {
    let nobody = nobody_anywhere().await;
    let app = app_searching(&nobody.uri(), &[], &[]);
    for (query, says) in [
        ("q=", "Paste a profile URL, a handle or a name"),
        ("q=jack%20smith", "not one"),
        ("q=ana%40example.com", "not one"),
        ("q=jo&providers=myspace", "Unknown platform \"myspace\""),
        ("q=jo&providers=gravatar", "Gravatar takes a e-mail address"),
    ] {
        let reply = app.get(&format!("/api/v1/search?{query}")).await;
        assert_failure(&reply, 400, "EINPUT");
        assert_says(&reply, says);
    }
    let only = results(&app.get("/api/v1/search?q=jo&providers=github,gh,x").await);
    let ids: Vec<&str> = only
        .iter()
        .map(|r| r["provider"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["github", "x"]);
    // A profile URL's handle is searched everywhere.
    let from_url = app.get("/api/v1/search?q=https%3A%2F%2Fx.com%2Fjo").await;
    assert_eq!(success(&from_url)["query"], "jo");
    let single = app.api_lookup("jo", None).await;
    assert_failure(&single, 400, "EINPUT");
    assert_says(&single, "/api/v1/search?q=jo");
}

/// A fediverse host: WebFinger knows `Gargron`, and its API serves him.
async fn fediverse_host() -> MockServer {
    let server = MockServer::start().await;
    let webfinger = serde_json::json!({
        "subject": "acct:Gargron@mastodon.social",
        "links": [{"rel": "self", "type": "application/activity+json",
                   "href": "https://mastodon.social/users/Gargron"}]
    });
    Mock::given(method("GET"))
        .and(path("/.well-known/webfinger"))
        .and(query_param("resource", "acct:Gargron@mastodon.social"))
        .respond_with(ResponseTemplate::new(200).set_body_json(webfinger))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/accounts/lookup"))
        .and(query_param("acct", "Gargron"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("mastodon/gargron.json"), "application/json"),
        )
        .mount(&server)
        .await;
    serve_everywhere(&server, 404, "application/json", "{}").await;
    server
}

#[tokio::test]
async fn user_at_host_is_a_fediverse_account_when_its_host_says_so_else_an_email() {
    let fediverse = fediverse_host().await;
    let gravatar = nobody_anywhere().await;
    let app = spawn_app(&[
        ("GETIMAGES_UPSTREAM_MASTODON", &fediverse.uri()),
        ("GETIMAGES_UPSTREAM_GRAVATAR", &gravatar.uri()),
    ]);

    let account = success(&app.api_lookup("Gargron@mastodon.social", None).await);
    assert_eq!(account["provider"], "mastodon");
    assert_eq!(account["name"], "Eugen Rochko");
    let page = app.page_lookup("Gargron@mastodon.social", None).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("Eugen Rochko"));

    // The host answers WebFinger with 404 for this one: an e-mail address.
    let email = app.api_lookup("ana@example.com", None).await;
    assert_failure(&email, 404, "ENOTFOUND");
    assert_says(&email, "Gravatar");
    assert!(!gravatar.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn u_slash_name_is_reddit_and_an_http_at_page_is_read_as_given() {
    let reddit = nobody_anywhere().await;
    let site = upstream_serving(
        "/@ana",
        "text/html",
        r#"<html><head><title>Ana</title>
           <meta property="og:image" content="https://cdn.example/ana.png"></head></html>"#,
    )
    .await;
    let app = spawn_app(&[
        ("GETIMAGES_UPSTREAM_REDDIT", &reddit.uri()),
        ("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1"),
    ]);

    let spez = app.api_lookup("u/spez", None).await;
    assert_failure(&spez, 404, "ENOTFOUND");
    assert_says(&spez, "spez");
    assert!(!reddit.received_requests().await.unwrap().is_empty());

    let page = success(&app.api_lookup(&format!("{}/@ana", site.uri()), None).await);
    assert_eq!(page["provider"], "page");
    assert_eq!(
        image_url(&page, "avatar"),
        Some("https://cdn.example/ana.png")
    );
}
