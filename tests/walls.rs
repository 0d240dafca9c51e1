//! The block detector's two phases through the HTTP API. A challenge's headers and a redirect
//! to a login page are a block on every answer; a vendor's cookies, scripts, captcha widgets
//! and wall titles only on a page no reader can read. So an ordinary page that carries them
//! is read, answered 200 and cached, and a wall is EBLOCKED, never "not found", never cached.

mod support;

use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use support::*;

/// The og:image of the ordinary pages.
const IMAGE: &str = "https://cdn.example.org/ana.jpg";

/// A profile page with a good og:image, and `extra` in its body.
fn ordinary(title: &str, extra: &str) -> String {
    format!(
        "<!doctype html><html><head><title>{title}</title>\
         <meta property=\"og:image\" content=\"{IMAGE}\"></head>\
         <body><h1>Ana Lima</h1><p>Ana draws maps.</p>{extra}</body></html>"
    )
}

/// The app, told to read pages on loopback, with no rate limit.
fn spawn_reader() -> App {
    spawn_app(&[
        ("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1"),
        ("GETIMAGES_RATE_LIMIT", "0"),
    ])
}

/// Makes `server` answer `GET route` with `response`.
async fn answer(server: &MockServer, route: &str, response: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(response)
        .mount(server)
        .await;
}

fn html(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), "text/html; charset=utf-8")
}

async fn asked(server: &MockServer, route: &str) -> usize {
    let requests = server.received_requests().await.unwrap_or_default();
    requests.iter().filter(|r| r.url.path() == route).count()
}

/// Looks `url` up twice: the page is read (its og:image), and the second lookup is a cache
/// hit that asks the site nothing.
async fn assert_read_and_cached(app: &App, server: &MockServer, route: &str) {
    let url = format!("{}{route}", server.uri());
    let first = app.api_lookup(&url, None).await;
    assert_eq!(
        image_url(&success(&first), "avatar"),
        Some(IMAGE),
        "{route}"
    );
    assert_eq!(first.header("x-cache-status"), Some("MISS"), "{route}");
    let second = app.api_lookup(&url, None).await;
    assert_eq!(second.header("x-cache-status"), Some("HIT"), "{route}");
    assert_eq!(asked(server, route).await, 1, "{route}: asked once");
}

/// Looks `url` up twice: both are EBLOCKED naming `by`, and the site is asked both times.
async fn assert_blocked_every_time(app: &App, server: &MockServer, route: &str, by: &str) {
    let url = format!("{}{route}", server.uri());
    for _ in 0..2 {
        let reply = app.api_lookup(&url, None).await;
        assert_failure(&reply, 502, "EBLOCKED");
        assert_says(&reply, &format!("stopped us with {by}"));
    }
    assert_eq!(
        asked(server, route).await,
        2,
        "{route}: a block is not cached"
    );
}

#[tokio::test]
async fn a_shop_page_with_a_turnstile_form_and_perimeterxs_script_is_read_and_cached() {
    let site = MockServer::start().await;
    let page = ordinary(
        "Ana's map shop",
        "<form action=\"/contact\"><textarea name=\"m\"></textarea>\
         <div class=\"cf-turnstile\" data-sitekey=\"0x4AAAAAAAB\"></div></form>\
         <script src=\"https://challenges.cloudflare.com/turnstile/v0/api.js\"></script>\
         <script>window._pxAppId = 'PXu6b0qd2S'; pxInit();</script>",
    );
    let response = html(200, &page)
        .append_header("set-cookie", "_pxhd=Kq2b:9e1f; path=/")
        .append_header("set-cookie", "datadome=AHrlqAAAAAMA; Path=/")
        .append_header("set-cookie", "_abck=0F1B~-1~YAAQ; Path=/");
    answer(&site, "/shop", response).await;

    assert_read_and_cached(&spawn_reader(), &site, "/shop").await;
}

#[tokio::test]
async fn every_ordinary_page_the_old_detector_called_blocked_is_read_and_cached() {
    let site = MockServer::start().await;
    let pages = [
        (
            "/awswaf",
            ordinary("Notes", "<p>Our awswaf rules block scrapers.</p>"),
        ),
        (
            "/network",
            ordinary(
                "Notes",
                "<p>You've been blocked by network security, he said.</p>",
            ),
        ),
        (
            "/verify",
            ordinary(
                "Notes",
                "<p>Please wait for verification of your order.</p>",
            ),
        ),
        (
            "/datadome",
            ordinary(
                "Notes",
                "<a href=\"https://geo.captcha-delivery.com/\">DataDome</a>",
            ),
        ),
        (
            "/pre",
            ordinary("Notes", "<pre>window._cf_chl_opt = { cvId: '2' };</pre>"),
        ),
        (
            "/contact",
            ordinary(
                "Contact",
                "<form><div class=\"cf-turnstile\" data-sitekey=\"k\"></div></form>",
            ),
        ),
        (
            "/shop",
            ordinary("Shop", "<script>window._pxAppId = 'PXu6b0qd2S';</script>"),
        ),
        ("/story", ordinary("Access Denied – a short story", "")),
        ("/essay", ordinary("Are you a robot? essay", "")),
        (
            "/checklist",
            ordinary("Security checklist for small teams", ""),
        ),
        ("/moment", ordinary("Just a moment...", "")),
        ("/login/jane.html", ordinary("Jane", "")),
        ("/challenge/2024.html", ordinary("The 2024 challenge", "")),
        ("/consent/index.html", ordinary("Consent forms", "")),
    ];
    for (route, page) in &pages {
        answer(&site, route, html(200, page)).await;
    }
    let app = spawn_reader();

    for (route, _) in &pages {
        assert_read_and_cached(&app, &site, route).await;
    }
}

#[tokio::test]
async fn a_vendors_wall_is_blocked_by_name_and_asked_again() {
    let site = MockServer::start().await;
    let walls = [
        (
            "/datadome",
            html(
                403,
                "<iframe src=\"https://geo.captcha-delivery.com/captcha/?initialCid=x\"></iframe>",
            )
            .append_header("set-cookie", "datadome=AHrlqAAAAAMA; Path=/"),
            "a DataDome challenge",
        ),
        (
            "/datadome-200",
            html(
                200,
                "<html><head><title>example.com</title></head><body>\
                 <iframe src=\"https://geo.captcha-delivery.com/captcha/?initialCid=x\"></iframe>\
                 </body></html>",
            ),
            "a DataDome challenge",
        ),
        (
            "/perimeterx",
            html(
                200,
                "<html><head><title>Access to this page has been denied</title>\
                 <link rel=\"icon\" href=\"/favicon.ico\"></head><body>\
                 <script>window._pxAppId = 'PXu6b0qd2S';</script><div id=\"px-captcha\"></div>\
                 </body></html>",
            ),
            "a PerimeterX (HUMAN) check",
        ),
        (
            "/anubis",
            html(
                200,
                "<html><head><title>Making sure you&#39;re not a bot!</title></head><body>\
                 <script id=\"anubis_challenge\" type=\"application/json\">{}</script>\
                 </body></html>",
            ),
            "an Anubis check",
        ),
        (
            "/turnstile",
            html(
                200,
                "<html><head><title>Just a moment...</title></head><body>\
                 <div class=\"cf-turnstile\"></div></body></html>",
            ),
            "a Cloudflare challenge",
        ),
        (
            "/kasada",
            html(429, "").append_header("x-kasada", "1"),
            "a Kasada check",
        ),
        (
            "/cloudfront",
            html(
                503,
                "<h1>ERROR</h1><p>The request could not be satisfied.</p>",
            )
            .append_header("x-cache", "Error from cloudfront"),
            "a CloudFront block",
        ),
    ];
    for (route, response, _) in &walls {
        answer(&site, route, response.clone()).await;
    }
    let app = spawn_reader();

    for (route, _, by) in &walls {
        assert_blocked_every_time(&app, &site, route, by).await;
    }
}

#[tokio::test]
async fn a_challenges_headers_block_even_a_page_that_would_read() {
    let site = MockServer::start().await;
    let page = ordinary("Ana Lima", "");
    for (route, name, value) in [
        ("/cloudflare", "cf-mitigated", "challenge"),
        ("/vercel", "x-vercel-mitigated", "challenge"),
        ("/aws", "x-amzn-waf-action", "captcha"),
    ] {
        answer(&site, route, html(200, &page).append_header(name, value)).await;
    }
    let app = spawn_reader();

    assert_blocked_every_time(&app, &site, "/cloudflare", "a Cloudflare challenge").await;
    assert_blocked_every_time(&app, &site, "/vercel", "a Vercel challenge").await;
    assert_blocked_every_time(&app, &site, "/aws", "an AWS WAF challenge").await;
}

#[tokio::test]
async fn a_redirect_to_a_login_page_is_a_block_and_the_login_page_asked_for_is_read() {
    let site = MockServer::start().await;
    let login = ordinary("Log in", "<form><input name=\"password\"></form>");
    answer(
        &site,
        "/jane",
        ResponseTemplate::new(302).insert_header("location", "/login/?next=%2Fjane"),
    )
    .await;
    answer(&site, "/login/", html(200, &login)).await;
    answer(&site, "/login/jane.html", html(200, &login)).await;
    let app = spawn_reader();

    assert_blocked_every_time(&app, &site, "/jane", "a login wall").await;
    assert_read_and_cached(&app, &site, "/login/jane.html").await;
}

#[tokio::test]
async fn a_wall_a_platforms_reader_takes_for_a_missing_account_is_a_block() {
    // Telegram's reader says "no such account" of a page without its account card.
    let telegram = MockServer::start().await;
    let challenge = "<html><head><title>Making sure you&#39;re not a bot!</title></head><body>\
                     <img src=\"/.within.website/x/cmd/anubis/static/img/pensive.webp\"></body></html>";
    answer(&telegram, "/durov", html(200, challenge)).await;
    let app = spawn_app_for("telegram", &telegram);

    let reply = app.api_lookup("@durov", Some("telegram")).await;

    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "Telegram stopped us with an Anubis check");
}

#[tokio::test]
async fn a_lookup_a_wall_stopped_is_asked_once_more_through_the_proxy() {
    let proxy = TestProxy::start().await;
    let telegram = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/durov"))
        .and(header("via", VIA))
        .respond_with(html(200, &fixture("telegram/durov.html")))
        .mount(&telegram)
        .await;
    let wall = "<html><head><title>Just a moment...</title></head><body>\
                <script>window._cf_chl_opt = { cvId: '2' };</script></body></html>";
    Mock::given(method("GET"))
        .and(path("/durov"))
        .respond_with(html(200, wall))
        .with_priority(u8::MAX)
        .mount(&telegram)
        .await;
    let upstream = telegram.uri();
    let app = spawn_app(&[
        ("GETIMAGES_UPSTREAM_TELEGRAM", upstream.as_str()),
        ("GETIMAGES_PROXY", proxy.url.as_str()),
    ]);

    let data = success(&app.api_lookup("@durov", Some("telegram")).await);

    assert_eq!(data["proxied"], true);
    assert_eq!(data["name"], "Pavel Durov");
    assert_eq!(proxy.seen(), vec![format!("{upstream}/durov")]);
    let direct = asked(&telegram, "/durov").await - proxy.seen().len();
    assert!(direct >= 1, "asked directly first");
}
