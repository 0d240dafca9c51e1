//! `getimages check`, the live self-check, as a deployer runs it: each platform is played by a
//! loopback fake (`GETIMAGES_UPSTREAM_<ID>`), and the report says which still work.

mod support;

use std::process::Output;
use std::time::Duration;

use serde_json::Value;
use support::*;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// How long one check run may take before the test fails (each lookup has its own deadline).
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// X's avatar as its page states it, and as the check reports it (upgraded to 400×400).
const X_AVATAR: &str = "https://pbs.twimg.com/profile_images/1/jack_normal.jpg";
const X_AVATAR_FULL: &str = "https://pbs.twimg.com/profile_images/1/jack_400x400.jpg";

/// X's banner as its page shows it.
const X_BANNER: &str = "https://pbs.twimg.com/profile_banners/1/1500x500";

/// A page with nothing to read a picture from: what a platform serves after a redesign.
const BARE_PAGE: &str = "<html><head><title>Profile</title></head><body>Hello</body></html>";

/// A profile page whose og:image is `avatar`.
fn page_with(avatar: &str) -> String {
    format!(
        r#"<html><head><title>Jack</title>
           <meta property="og:image" content="{avatar}"></head><body></body></html>"#
    )
}

/// A profile page whose og:image is `avatar`, with X's banner `<img>`.
fn page_with_banner(avatar: &str, banner: &str) -> String {
    format!(
        r#"<html><head><title>Jack</title>
           <meta property="og:image" content="{avatar}"></head>
           <body><img src="{banner}"></body></html>"#
    )
}

/// `GETIMAGES_UPSTREAM_<ID>` for provider `id`.
fn upstream_var(id: &str) -> String {
    format!("GETIMAGES_UPSTREAM_{}", id.to_ascii_uppercase())
}

/// X's profile page without a picture, and its intent page for jack with one (and the
/// banner): the second way works. Any other handle is not found.
async fn x_found_by_intent() -> MockServer {
    let server = MockServer::start().await;
    serve(&server, "/jack", 200, "text/html", BARE_PAGE).await;
    Mock::given(path("/intent/user"))
        .and(query_param("screen_name", "jack"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(page_with_banner(X_AVATAR, X_BANNER), "text/html"),
        )
        .mount(&server)
        .await;
    server
}

/// Medium answering `answer` for its example's page, and "not found" for any other.
async fn medium_answering(answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/@ev"))
        .respond_with(answer)
        .mount(&server)
        .await;
    server
}

/// A platform answering every request with `status` and `body`, plus `header` when given.
async fn platform_answering(status: u16, header: Option<(&str, &str)>, body: &str) -> MockServer {
    let server = MockServer::start().await;
    let mut answer =
        ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), "text/html");
    if let Some((name, value)) = header {
        answer = answer.insert_header(name, value);
    }
    Mock::given(wiremock::matchers::any())
        .respond_with(answer)
        .mount(&server)
        .await;
    server
}

/// Runs `getimages <args>` with `envs` (on top of the test defaults, and a blocked platform
/// asked again at once) to its end.
async fn run_check(envs: &[(&str, &str)], args: &[&str]) -> Output {
    let mut envs = envs.to_vec();
    if !envs
        .iter()
        .any(|(k, _)| *k == "GETIMAGES_CHECK_RETRY_DELAY")
    {
        envs.insert(0, ("GETIMAGES_CHECK_RETRY_DELAY", "10ms"));
    }
    let mut command = tokio::process::Command::from(app_command(&envs));
    command.args(args).kill_on_drop(true);
    tokio::time::timeout(RUN_TIMEOUT, command.output())
        .await
        .unwrap_or_else(|_| panic!("getimages {args:?} still running after {RUN_TIMEOUT:?}"))
        .unwrap_or_else(|e| panic!("cannot run getimages {args:?}: {e}"))
}

/// The `--json` report, by provider id; panics showing the run's output when it is not one.
fn report(output: &Output) -> Vec<Value> {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let parsed: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{stdout}\n--- stderr ---\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    parsed.as_array().expect("a JSON array").clone()
}

fn entry<'a>(report: &'a [Value], provider: &str) -> &'a Value {
    report
        .iter()
        .find(|e| e["provider"] == provider)
        .unwrap_or_else(|| panic!("no line for {provider} in {report:#?}"))
}

#[tokio::test]
async fn the_report_tells_each_outcome_apart_and_fails_the_run() {
    let x = x_found_by_intent().await;
    let medium = platform_answering(
        403,
        Some(("cf-mitigated", "challenge")),
        "<title>Just a moment...</title>",
    )
    .await;
    let soundcloud = platform_answering(404, None, "<title>Not found</title>").await;
    let codepen = platform_answering(200, None, BARE_PAGE).await;
    let closed = format!("http://127.0.0.1:{}", free_port());
    let (x_uri, medium_uri, soundcloud_uri, codepen_uri) =
        (x.uri(), medium.uri(), soundcloud.uri(), codepen.uri());
    let vars = [
        upstream_var("x"),
        upstream_var("medium"),
        upstream_var("soundcloud"),
        upstream_var("codepen"),
        upstream_var("dribbble"),
    ];
    let envs = [
        (vars[0].as_str(), x_uri.as_str()),
        (vars[1].as_str(), medium_uri.as_str()),
        (vars[2].as_str(), soundcloud_uri.as_str()),
        (vars[3].as_str(), codepen_uri.as_str()),
        (vars[4].as_str(), closed.as_str()),
    ];
    let output = run_check(
        &envs,
        &[
            "check",
            "x",
            "medium",
            "soundcloud",
            "codepen",
            "dribbble",
            "--json",
        ],
    )
    .await;

    assert_eq!(output.status.code(), Some(1), "not every provider is ok");
    let report = report(&output);
    let ids: Vec<&str> = report
        .iter()
        .map(|e| e["provider"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["x", "medium", "soundcloud", "codepen", "dribbble"],
        "in the order asked"
    );

    let x = entry(&report, "x");
    assert_eq!(x["outcome"], "degraded", "the first way failed: {x}");
    assert_eq!(x["handle"], "jack");
    assert_eq!(x["strategy"], "intent", "the profile page had no picture");
    assert_eq!(x["avatar"], X_AVATAR_FULL);
    assert!(x["ms"].is_u64(), "{x}");

    let medium = entry(&report, "medium");
    assert_eq!(medium["outcome"], "blocked");
    assert_eq!(
        medium["retried"], true,
        "asked twice before blocked: {medium}"
    );
    assert!(
        medium["message"].as_str().unwrap().contains("Medium"),
        "{medium}"
    );

    assert_eq!(entry(&report, "soundcloud")["outcome"], "not_found");
    assert_eq!(entry(&report, "codepen")["outcome"], "changed");
    assert_eq!(entry(&report, "dribbble")["outcome"], "unreachable");
    for failed in ["medium", "soundcloud", "codepen", "dribbble"] {
        let e = entry(&report, failed);
        assert!(e["strategy"].is_null() && e["avatar"].is_null(), "{e}");
        assert!(e["ms"].is_u64(), "{e}");
    }
}

#[tokio::test]
async fn a_wall_served_with_200_is_a_block_not_a_change() {
    let medium = platform_answering(
        200,
        None,
        "<html><head><title>Just a moment...</title></head></html>",
    )
    .await;
    let uri = medium.uri();
    let var = upstream_var("medium");
    let output = run_check(
        &[(var.as_str(), uri.as_str())],
        &["check", "medium", "--json"],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(entry(&report(&output), "medium")["outcome"], "blocked");
}

#[tokio::test]
async fn an_api_answering_in_another_shape_is_a_change() {
    let gitlab = MockServer::start().await;
    serve_everywhere(
        &gitlab,
        200,
        "application/json",
        r#"{"users":{"sytses":{}}}"#,
    )
    .await;
    let uri = gitlab.uri();
    let var = upstream_var("gitlab");
    let output = run_check(
        &[(var.as_str(), uri.as_str())],
        &["check", "gitlab", "--json"],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    let gitlab = entry(&report(&output), "gitlab").clone();
    assert_eq!(gitlab["outcome"], "changed", "{gitlab}");
    assert!(
        gitlab["message"].as_str().unwrap().contains("list"),
        "{gitlab}"
    );
}

#[tokio::test]
async fn every_platform_working_exits_0_with_a_line_each() {
    let x = x_found_by_intent().await;
    let github = github_api().await;
    let (x_uri, github_uri) = (x.uri(), github.uri());
    let (x_var, github_var) = (upstream_var("x"), upstream_var("github"));
    let envs = [
        (x_var.as_str(), x_uri.as_str()),
        (github_var.as_str(), github_uri.as_str()),
    ];

    let output = run_check(&envs, &["check", "github", "twitter", "--allow-degraded"]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "one line per provider: {stdout}");
    let words = |line: &str| {
        line.split_whitespace()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let github = words(lines[0]);
    assert_eq!(&github[..3], ["github", "ok", "api"], "{stdout}");
    assert_eq!(github.last().map(String::as_str), Some(TORVALDS_AVATAR));
    let x = words(lines[1]);
    assert_eq!(
        &x[..3],
        ["x", "degraded", "intent"],
        "an alias checks its provider, its first way failed: {stdout}"
    );
    assert_eq!(x.last().map(String::as_str), Some(X_AVATAR_FULL));

    let allowed = [envs[0], envs[1], ("GETIMAGES_CHECK_ALLOW_DEGRADED", "true")];
    let output = run_check(&allowed, &["check", "x", "github", "--json"]).await;
    assert_eq!(output.status.code(), Some(0));
    let report = report(&output);
    assert_eq!(report.len(), 2);
    assert_eq!(entry(&report, "github")["strategy"], "api");
    assert_eq!(entry(&report, "github")["avatar"], TORVALDS_AVATAR);
}

#[tokio::test]
async fn a_platform_slower_than_the_lookup_timeout_is_unreachable() {
    let slow = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/jack"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(page_with(X_AVATAR), "text/html")
                .set_delay(Duration::from_secs(30)),
        )
        .mount(&slow)
        .await;
    let uri = slow.uri();
    let var = upstream_var("x");
    let envs = [
        (var.as_str(), uri.as_str()),
        ("GETIMAGES_LOOKUP_TIMEOUT", "1s"),
    ];
    let output = run_check(&envs, &["check", "x", "--json"]).await;
    assert_eq!(output.status.code(), Some(1));
    let x = entry(&report(&output), "x").clone();
    assert_eq!(x["outcome"], "unreachable");
    assert!(x["message"].as_str().unwrap().contains("within 1 s"), "{x}");
}

#[tokio::test]
async fn the_check_keeps_the_servers_guard_and_its_settings() {
    let x = MockServer::start().await;
    let avatar = format!("{}/avatar.png", x.uri());
    let banner = format!("{}/profile_banners/1/1500x500", x.uri());
    serve(
        &x,
        "/jack",
        200,
        "text/html",
        &page_with_banner(&avatar, &banner),
    )
    .await;
    let uri = x.uri();
    let var = upstream_var("x");

    let output = run_check(&[(var.as_str(), uri.as_str())], &["check", "x", "--json"]).await;
    let refused = entry(&report(&output), "x").clone();
    assert_eq!(
        refused["outcome"], "unreachable",
        "an avatar on loopback: {refused}"
    );
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("not a public"),
        "{refused}"
    );

    let envs = [
        (var.as_str(), uri.as_str()),
        ("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1"),
    ];
    let output = run_check(&envs, &["check", "x", "--json"]).await;
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(entry(&report(&output), "x")["avatar"], avatar.as_str());
    assert_eq!(entry(&report(&output), "x")["banner"], banner.as_str());

    // No override: the pinned name is checked before any connection is made.
    let output = run_check(
        &[
            ("GETIMAGES_UPSTREAM_X", ""),
            ("GETIMAGES_RESOLVE", "x.com=127.0.0.1"),
        ],
        &["check", "x", "--json"],
    )
    .await;
    let pinned = entry(&report(&output), "x").clone();
    assert_eq!(pinned["outcome"], "unreachable", "{pinned}");
    assert!(
        pinned["message"]
            .as_str()
            .unwrap()
            .contains("x.com (127.0.0.1)"),
        "{pinned}"
    );
}

#[tokio::test]
async fn an_unknown_provider_is_a_usage_error() {
    let output = run_check(&[], &["check", "github", "myspace"]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty(), "nothing was checked");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no provider \"myspace\""), "{stderr}");
}

#[tokio::test]
async fn help_lists_the_check_command() {
    let output = run_check(&[], &["--help"]).await;
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("check"), "{help}");
    let output = run_check(&[], &["check", "--help"]).await;
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(
        help.contains("--json") && help.contains("PROVIDER"),
        "{help}"
    );
    for (flag, var) in [
        ("--allow-degraded", "GETIMAGES_CHECK_ALLOW_DEGRADED"),
        ("--retry-delay", "GETIMAGES_CHECK_RETRY_DELAY"),
    ] {
        assert!(help.contains(flag) && help.contains(var), "{flag}: {help}");
    }
}

#[tokio::test]
async fn a_later_way_finding_the_avatar_is_degraded_and_fails_unless_allowed() {
    let x = x_found_by_intent().await;
    let uri = x.uri();
    let var = upstream_var("x");
    let envs = [(var.as_str(), uri.as_str())];

    let output = run_check(&envs, &["check", "x", "--json"]).await;
    assert_eq!(output.status.code(), Some(1), "degraded fails the run");
    let x = entry(&report(&output), "x").clone();
    assert_eq!(x["outcome"], "degraded", "{x}");
    assert_eq!(x["strategy"], "intent");
    assert!(x["message"].as_str().unwrap().contains("page"), "{x}");
    let ways: Vec<(&str, &str)> = x["ways"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["name"].as_str().unwrap(), w["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        ways,
        [
            ("page", "changed"),
            ("intent", "ok"),
            ("generic page", "changed")
        ],
        "each way's own answer: {x}"
    );
    assert_eq!(x["ways"][1]["avatar"], X_AVATAR_FULL);

    let output = run_check(&envs, &["check", "x", "--allow-degraded"]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("ways: page=changed,intent=ok,generic-page=changed"),
        "{stdout}"
    );
}

#[tokio::test]
async fn a_handle_that_cannot_exist_answered_with_a_picture_is_a_placeholder() {
    let medium = MockServer::start().await;
    let stand_in = "https://miro.medium.com/v2/resize:fill:1200:1200/someone.png";
    serve_everywhere(&medium, 200, "text/html", &page_with(stand_in)).await;
    let uri = medium.uri();
    let var = upstream_var("medium");
    let output = run_check(
        &[(var.as_str(), uri.as_str())],
        &["check", "medium", "--json"],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    let medium = entry(&report(&output), "medium").clone();
    assert_eq!(medium["outcome"], "placeholder", "{medium}");
    assert_eq!(medium["control"]["handle"], "nosuchuser8d2kq7");
    assert_eq!(medium["control"]["outcome"], "ok", "{medium}");
    assert!(
        medium["message"]
            .as_str()
            .unwrap()
            .contains("nosuchuser8d2kq7"),
        "{medium}"
    );

    // The missing handle not found: the control passes.
    let medium =
        medium_answering(ResponseTemplate::new(200).set_body_raw(page_with(stand_in), "text/html"))
            .await;
    let uri = medium.uri();
    let output = run_check(
        &[(var.as_str(), uri.as_str())],
        &["check", "medium", "--json"],
    )
    .await;
    let medium = entry(&report(&output), "medium").clone();
    assert_eq!(output.status.code(), Some(0), "{medium}");
    assert_eq!(medium["outcome"], "ok");
    assert_eq!(medium["control"]["outcome"], "not_found", "{medium}");
}

#[tokio::test]
async fn a_profile_without_the_promised_banner_fails() {
    let x = MockServer::start().await;
    serve(&x, "/jack", 200, "text/html", &page_with(X_AVATAR)).await;
    let uri = x.uri();
    let var = upstream_var("x");
    let output = run_check(&[(var.as_str(), uri.as_str())], &["check", "x", "--json"]).await;
    assert_eq!(output.status.code(), Some(1));
    let x = entry(&report(&output), "x").clone();
    assert_eq!(x["outcome"], "no_banner", "{x}");
    assert_eq!(x["avatar"], X_AVATAR_FULL);
    assert!(x["banner"].is_null(), "{x}");
}

#[tokio::test]
async fn an_avatar_below_the_platforms_floor_fails_and_its_size_is_reported() {
    // Medium's floor is 400 px: the 1200 px it asks its CDN for, or at least the 400 a page
    // carries.
    for (side, outcome, code) in [(100, "too_small", 1), (400, "ok", 0)] {
        let medium = MockServer::start().await;
        let png = images::encoded(
            &image::DynamicImage::new_rgb8(side, side),
            image::ImageFormat::Png,
        );
        serve_bytes(&medium, "/avatar.png", 200, "image/png", png.clone()).await;
        let avatar = format!("{}/avatar.png", medium.uri());
        serve(&medium, "/@ev", 200, "text/html", &page_with(&avatar)).await;
        let uri = medium.uri();
        let var = upstream_var("medium");
        let envs = [
            (var.as_str(), uri.as_str()),
            ("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1"),
            ("GETIMAGES_CHECK_IMAGES", "1"),
        ];
        let output = run_check(&envs, &["check", "medium", "--json"]).await;
        let medium = entry(&report(&output), "medium").clone();
        assert_eq!(output.status.code(), Some(code), "{medium}");
        assert_eq!(medium["outcome"], outcome, "{medium}");
        assert_eq!(medium["width"], side, "{medium}");
        assert_eq!(medium["height"], side, "{medium}");
        assert_eq!(medium["bytes"], png.len(), "{medium}");
    }
}

#[tokio::test]
async fn a_block_is_asked_again_after_a_delay_before_it_is_reported() {
    let medium = MockServer::start().await;
    Mock::given(path("/@ev"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("cf-mitigated", "challenge")
                .set_body_raw("<title>Just a moment...</title>", "text/html"),
        )
        // The page way and the generic reader, each as its own agent.
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&medium)
        .await;
    serve(&medium, "/@ev", 200, "text/html", &page_with(X_AVATAR)).await;
    let uri = medium.uri();
    let var = upstream_var("medium");
    let envs = [
        (var.as_str(), uri.as_str()),
        ("GETIMAGES_CHECK_RETRY_DELAY", "1s"),
    ];
    let started = std::time::Instant::now();
    let output = run_check(&envs, &["check", "medium", "--json"]).await;
    let medium = entry(&report(&output), "medium").clone();
    assert_eq!(output.status.code(), Some(0), "{medium}");
    assert_eq!(
        medium["outcome"], "ok",
        "the second answer counts: {medium}"
    );
    assert_eq!(medium["retried"], true);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "asked again only after the delay"
    );
}
