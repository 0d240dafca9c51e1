//! SSRF: a stranger aims every URL-taking surface (`/api/v1/lookup`, `/lookup`, `/image`,
//! `?fallback=`, and image URLs inside a fetched page) at loopback, private, link-local and
//! metadata addresses, in every spelling we know, and through DNS answers and redirects.
//! Each gets a clear 4xx, and the loopback canary those URLs aim at is never reached.

mod support;

use std::net::TcpListener;
use std::time::Duration;

use support::*;
use url::Url;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A refusal happens before any connection; anything slower than this is a hang, not an answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// `GETIMAGES_MAX_QUERY_BYTES` for the app under test.
const MAX_QUERY_BYTES: usize = 8192;

/// What one surface must answer for one hostile URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    /// 403 `EFORBIDDEN`: the URL reaches a non-public address.
    Forbidden,
    /// 400 `EINPUT`: not an http(s) URL we can read.
    Input,
    /// 414 `EINPUT`: the query string is over `GETIMAGES_MAX_QUERY_BYTES`.
    QueryTooLong,
    /// 502 `EUPSTREAM`: a redirect to a non-http scheme, which the HTTP client does not
    /// follow, so the platform's answer is a bare 302. Nothing is fetched.
    Unfollowed,
    /// `?fallback=` only: a 302 to the URL. Its literal host is public, and a fallback is
    /// sent to the visitor's browser, never fetched by us (the canary count proves it).
    Redirect,
    /// Image URLs in a page only: listed, since the literal host is public (the lookup's
    /// check of its first bytes is refused at the redirect, so it stays unmeasured);
    /// `/image` then refuses it.
    Listed,
}

impl Want {
    fn status_and_code(self) -> (u16, &'static str) {
        match self {
            Self::Forbidden => (403, "EFORBIDDEN"),
            Self::Input => (400, "EINPUT"),
            Self::QueryTooLong => (414, "EINPUT"),
            Self::Unfollowed => (502, "EUPSTREAM"),
            Self::Redirect | Self::Listed => unreachable!("{self:?} is not a refusal"),
        }
    }
}

/// One hostile URL and what each surface must answer for it.
struct Row {
    url: String,
    /// `/api/v1/lookup?q=` and `/lookup?q=`.
    lookup: Want,
    /// `/image?url=`.
    image: Want,
    /// `/github/nobody?fallback=`.
    fallback: Want,
    /// As the `og:image` of a public page that is looked up; `None` where it means nothing
    /// (a page's `javascript:` image is simply not an image).
    in_page: Option<Want>,
}

impl Row {
    /// Refused as non-public everywhere.
    fn forbidden(url: impl Into<String>) -> Self {
        Self::with(url, Want::Forbidden, Want::Forbidden, Want::Forbidden)
    }

    /// Unreadable or not http(s) everywhere.
    fn input(url: impl Into<String>) -> Self {
        Self {
            in_page: None,
            ..Self::with(url, Want::Input, Want::Input, Want::Input)
        }
    }

    /// Surfaces read it differently; as an image in a page it is always forbidden.
    fn with(url: impl Into<String>, lookup: Want, image: Want, fallback: Want) -> Self {
        Self {
            url: url.into(),
            lookup,
            image,
            fallback,
            in_page: Some(Want::Forbidden),
        }
    }

    /// A public URL that redirects to a private one: refused wherever we fetch it.
    fn redirecting(url: impl Into<String>) -> Self {
        Self {
            in_page: Some(Want::Listed),
            ..Self::with(url, Want::Forbidden, Want::Forbidden, Want::Redirect)
        }
    }
}

/// Every hostile URL: `c` is the canary's port, `public` the "public" server's origin.
fn hostile_urls(c: u16, public: &str) -> Vec<Row> {
    use Want::*;
    let long_path = "a".repeat(3000);
    let over_query = "a".repeat(MAX_QUERY_BYTES + 100);
    vec![
        // Loopback, every spelling.
        Row::forbidden(format!("http://127.0.0.1:{c}/")),
        Row::forbidden(format!("HTTP://127.0.0.1:{c}/")),
        Row::forbidden(format!("https://127.0.0.1:{c}/")),
        Row::forbidden(format!("http://localhost:{c}/")),
        Row::forbidden(format!("http://LOCALHOST:{c}/")),
        Row::forbidden(format!("http://localhost.:{c}/")),
        Row::forbidden(format!("http://sub.localhost:{c}/")),
        Row::forbidden(format!("http://127.1:{c}/")),
        Row::forbidden(format!("http://127.127.127.127:{c}/")),
        Row::forbidden(format!("http://0:{c}/")),
        Row::forbidden(format!("http://0.0.0.0:{c}/")),
        Row::forbidden(format!("http://2130706433:{c}/")),
        Row::forbidden(format!("http://0x7f000001:{c}/")),
        Row::forbidden(format!("http://0x7f.0.0.1:{c}/")),
        Row::forbidden(format!("http://0177.0.0.1:{c}/")),
        Row::forbidden(format!("http://017700000001:{c}/")),
        Row::forbidden(format!("http://127.000.000.001:{c}/")),
        Row::forbidden(format!("http://[::1]:{c}/")),
        Row::forbidden(format!("http://[::ffff:127.0.0.1]:{c}/")),
        Row::forbidden(format!("http://[::ffff:7f00:1]:{c}/")),
        Row::forbidden(format!("http://[0:0:0:0:0:ffff:127.0.0.1]:{c}/")),
        Row::forbidden(format!("http://[::]:{c}/")),
        Row::forbidden(format!("http://[::127.0.0.1]:{c}/")),
        Row::forbidden(format!("http://[64:ff9b::7f00:1]:{c}/")),
        // 6to4 and SIIT (IPv4-translated) forms of private IPv4 addresses.
        Row::forbidden(format!("http://[2002:7f00:1::1]:{c}/")),
        Row::forbidden("http://[2002:a9fe:a9fe::]/latest/meta-data/"),
        Row::forbidden(format!("http://[::ffff:0:127.0.0.1]:{c}/")),
        Row::forbidden("http://[::ffff:0:a9fe:a9fe]/latest/meta-data/"),
        // Cloud metadata, link-local, CGNAT, private, multicast, broadcast, reserved.
        Row::forbidden("http://169.254.169.254/latest/meta-data/"),
        Row::forbidden("http://[::ffff:169.254.169.254]/latest/meta-data/"),
        Row::forbidden("http://100.64.0.1/"),
        Row::forbidden("http://100.127.255.254/"),
        Row::forbidden("http://10.0.0.1/"),
        Row::forbidden("http://0x0a.0.0.1/"),
        Row::forbidden("http://[::ffff:a00:1]/"),
        Row::forbidden("http://172.16.0.1/"),
        Row::forbidden("http://172.31.255.255/"),
        Row::forbidden("http://192.168.0.1/"),
        Row::forbidden("http://[fc00::1]/"),
        Row::forbidden("http://[fd12:3456::1]/"),
        Row::forbidden("http://[fe80::1]/"),
        Row::forbidden("http://[fec0::1]/"),
        Row::forbidden("http://224.0.0.1/"),
        Row::forbidden("http://[ff02::1]/"),
        Row::forbidden("http://255.255.255.255/"),
        Row::forbidden("http://198.18.0.1/"),
        Row::forbidden("http://240.0.0.1/"),
        Row::forbidden("http://0.1.2.3/"),
        // Every other block that is not globally reachable (IANA's special-purpose
        // registries), and the IPv6 forms that wrap one.
        Row::forbidden("http://192.0.0.1/"),
        Row::forbidden("http://192.0.2.1/"),
        Row::forbidden("http://192.88.99.1/"),
        Row::forbidden("http://198.19.255.254/"),
        Row::forbidden("http://198.51.100.1/"),
        Row::forbidden("http://203.0.113.1/"),
        Row::forbidden("http://[64:ff9b:1::a00:1]/"),
        Row::forbidden("http://[64:ff9b:1::808:808]/"),
        Row::forbidden("http://[64:ff9b::c000:201]/"),
        Row::forbidden("http://[64:ff9b::6440:1]/"),
        Row::forbidden("http://[::ffff:cb00:7101]/"),
        Row::forbidden("http://[2002:c633:6401::1]/"),
        Row::forbidden("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/"),
        Row::forbidden("http://[2001::1]/"),
        Row::forbidden("http://[100::1]/"),
        Row::forbidden("http://[2001:2::1]/"),
        Row::forbidden("http://[2001:10::1]/"),
        Row::forbidden("http://[2001:db8::1]/"),
        Row::forbidden("http://[3fff::1]/"),
        Row::forbidden("http://[5f00::1]/"),
        Row::forbidden("http://[ff0e::1]/"),
        // Userinfo and delimiter tricks: the URL crate (like browsers) takes the host after
        // the last `@` of the authority, and `\`, `#`, `?` end the authority.
        Row::forbidden(format!("http://evil@127.0.0.1:{c}/")),
        Row::forbidden(format!("http://user:pass@localhost:{c}/")),
        Row::forbidden(format!("http://public.example@[::1]:{c}/")),
        Row::forbidden(format!("http://127.0.0.1:{c}@evil.test/")),
        Row::forbidden(format!("http://127.0.0.1:{c}\\@evil.test/")),
        Row::forbidden(format!("http://127.0.0.1:{c}#@evil.test/")),
        Row::forbidden(format!("http://127.0.0.1:{c}?@evil.test/")),
        // Public-looking names whose DNS answer is private (GETIMAGES_RESOLVE).
        Row::forbidden(format!("http://evil.test:{c}/")),
        Row::forbidden(format!("http://EVIL.test.:{c}/")),
        Row::forbidden("http://rebind.test/"),
        // Public URLs that redirect to private ones.
        Row::redirecting(format!("{public}/go")),
        Row::redirecting(format!("{public}/chain/1")),
        Row::redirecting(format!("{public}/go/v6")),
        Row::redirecting(format!("{public}/go/metadata")),
        Row::redirecting(format!("{public}/go/localhost")),
        Row::redirecting(format!("{public}/go/rebind")),
        Row {
            lookup: Unfollowed,
            image: Unfollowed,
            ..Row::redirecting(format!("{public}/go/file"))
        },
        // Not http(s).
        Row::input("file:///etc/passwd"),
        Row::input(format!("gopher://127.0.0.1:{c}/_GET%20/")),
        Row::input(format!("ftp://127.0.0.1:{c}/")),
        Row::input(format!("dict://127.0.0.1:{c}/info")),
        Row::input("data:text/html,<script>alert(1)</script>"),
        Row::input("javascript:alert(1)"),
        // Unreadable.
        Row::input(format!("http://[::1:{c}/")),
        Row::input("http://127.0.0.1:99999/"),
        // Half-URLs a browser would still take. Lookups read only full http(s) URLs; the
        // URL parser (used for /image and fallbacks) repairs them into loopback ones.
        // In a page, `http:/x` is a path on the page's own host, as in browsers.
        Row {
            in_page: None,
            ..Row::with(format!("http:/127.0.0.1:{c}/"), Input, Forbidden, Forbidden)
        },
        Row::with(
            format!("http:\\\\127.0.0.1:{c}\\"),
            Input,
            Forbidden,
            Forbidden,
        ),
        Row::with(format!("//127.0.0.1:{c}/"), Input, Input, Input),
        // Too long: over the lookup input limit (2048), and over the query limit.
        Row::with(
            format!("http://127.0.0.1:{c}/{long_path}"),
            Input,
            Forbidden,
            Forbidden,
        ),
        Row::with(
            format!("http://127.0.0.1:{c}/{over_query}"),
            QueryTooLong,
            QueryTooLong,
            QueryTooLong,
        ),
    ]
}

fn html_attribute(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

/// A JSON refusal with `want`'s status and code, a JSend `fail` and a message; or why not.
fn check_refused(reply: &Reply, want: Want) -> Result<(), String> {
    let (status, code) = want.status_and_code();
    let json: serde_json::Value = serde_json::from_str(&reply.text).map_err(|e| {
        format!(
            "{}, not JSON ({e}): {:?} {}",
            reply.status,
            reply.header("location"),
            reply.text
        )
    })?;
    let jsend = if status < 500 { "fail" } else { "error" };
    let as_wanted = reply.status == status
        && json["code"] == code
        && json["status"] == jsend
        && json["message"].as_str().is_some_and(|m| m.len() > 10);
    if as_wanted {
        Ok(())
    } else {
        Err(format!(
            "want {status} {code}, got {}: {json}",
            reply.status
        ))
    }
}

/// The results page's refusal: the status and an HTML page saying why (the query limit
/// answers before any page is chosen, in JSON); or why not.
fn check_refused_page(reply: &Reply, want: Want) -> Result<(), String> {
    if want == Want::QueryTooLong {
        return check_refused(reply, want);
    }
    let (status, _) = want.status_and_code();
    let title = match want {
        Want::Forbidden => "That address is not allowed",
        Want::Unfollowed => "No usable answer from the platform",
        _ => "We could not read that",
    };
    let html = reply
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/html"));
    if reply.status == status && html && reply.text.contains(title) {
        Ok(())
    } else {
        Err(format!(
            "want a {status} page saying {title:?}, got {}: {}",
            reply.status, reply.text
        ))
    }
}

/// A fallback passed on to the browser: a 302 to the URL itself; or why not.
fn check_redirect(reply: &Reply, url: &str) -> Result<(), String> {
    let location = reply.header("location").and_then(|l| Url::parse(l).ok());
    if reply.status == 302 && location.is_some() && location == Url::parse(url).ok() {
        Ok(())
    } else {
        Err(format!(
            "want a 302 to it, got {}: {}",
            reply.status, reply.text
        ))
    }
}

/// The canary: a loopback server that would hand anyone who reaches it a page and an image.
async fn canary() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "<meta property=\"og:image\" content=\"https://cdn.example/secret.png\">",
            "text/html",
        ))
        .mount(&server)
        .await;
    server
}

/// A "public" server (on 127.0.0.2, which the app is told to count as public) whose
/// redirects lead to private addresses, and whose `/page/{i}` has row `i` as its `og:image`.
async fn public_server(canary_port: u16) -> MockServer {
    let listener = TcpListener::bind("127.0.0.2:0").expect("bind 127.0.0.2");
    let server = MockServer::builder().listener(listener).start().await;
    let me = server.uri();
    let c = canary_port;
    for (route, status, location) in [
        ("/go", 302, format!("http://127.0.0.1:{c}/")),
        ("/chain/1", 302, "/chain/2".to_owned()),
        ("/chain/2", 301, format!("{me}/chain/3")),
        ("/chain/3", 307, format!("http://127.0.0.1:{c}/chain-end")),
        ("/go/v6", 302, format!("http://[::1]:{c}/")),
        (
            "/go/metadata",
            302,
            "http://169.254.169.254/latest/meta-data/".to_owned(),
        ),
        ("/go/localhost", 303, format!("http://localhost:{c}/")),
        ("/go/rebind", 302, format!("http://evil.test:{c}/")),
        ("/go/file", 302, "file:///etc/passwd".to_owned()),
    ] {
        Mock::given(method("GET"))
            .and(path(route))
            .respond_with(ResponseTemplate::new(status).insert_header("location", location))
            .mount(&server)
            .await;
    }
    server
}

/// Makes `server` answer `/page/{i}` with a page whose `og:image` is `image`.
async fn serve_page_with_image(server: &MockServer, i: usize, image: &str) {
    let html = format!(
        "<!doctype html><html><head><title>Ana</title>\
         <meta property=\"og:image\" content=\"{}\"></head><body>Hi</body></html>",
        html_attribute(image)
    );
    serve(server, &format!("/page/{i}"), 200, "text/html", &html).await;
}

/// A GitHub API that knows nobody, so `/github/nobody` falls back.
async fn github_knowing_nobody() -> MockServer {
    let server = MockServer::start().await;
    serve(
        &server,
        "/users/nobody",
        404,
        "application/json",
        &fixture("github/not-found.json"),
    )
    .await;
    server
}

#[tokio::test]
async fn hostile_urls_are_refused_on_every_surface_and_never_reach_the_canary() {
    refuse_hostile_urls(&[]).await;
}

#[tokio::test]
async fn through_an_outbound_proxy_hostile_urls_are_refused_before_the_proxy_sees_them() {
    let proxy = TestProxy::start().await;
    let reachable = refuse_hostile_urls(&[
        ("GETIMAGES_PROXY", proxy.url.as_str()),
        ("GETIMAGES_PROXY_PROVIDERS", "all"),
    ])
    .await;
    let seen = proxy.seen();
    assert!(
        !seen.is_empty(),
        "lookups of the public server went through the proxy"
    );
    // The host the proxy was told to reach: `http://host:port/…` or a CONNECT's `host:port`.
    let authority = |target: &str| {
        let rest = target.strip_prefix("http://").unwrap_or(target);
        rest.split('/').next().unwrap_or(rest).to_owned()
    };
    let inside: Vec<&String> = seen
        .iter()
        .filter(|t| !reachable.contains(&authority(t)))
        .collect();
    assert!(
        inside.is_empty(),
        "the proxy was sent elsewhere than {reachable:?}: {inside:?}"
    );
}

/// Tries every hostile URL on every surface of an app started with `extra` settings, and
/// fails listing every wrong answer, or any request that reached the canary. Returns the
/// only hosts (`host:port`) a request may have been sent to: the "public" server and the
/// platform's.
async fn refuse_hostile_urls(extra: &[(&str, &str)]) -> Vec<String> {
    let canary = canary().await;
    let c = canary.address().port();
    let public = public_server(c).await;
    let github = github_knowing_nobody().await;
    let github_uri = github.uri();
    let max_query = MAX_QUERY_BYTES.to_string();
    let mut settings = vec![
        (
            "GETIMAGES_RESOLVE",
            "evil.test=127.0.0.1,rebind.test=10.1.2.3",
        ),
        ("GETIMAGES_TREAT_AS_PUBLIC", "127.0.0.2"),
        ("GETIMAGES_UPSTREAM_GITHUB", github_uri.as_str()),
        ("GETIMAGES_MAX_QUERY_BYTES", max_query.as_str()),
        ("GETIMAGES_LOOKUP_TIMEOUT", "3s"),
        ("GETIMAGES_CONNECT_TIMEOUT", "1s"),
        ("GETIMAGES_RATE_LIMIT", "0"),
        ("GETIMAGES_IMAGE_RATE_LIMIT", "0"),
        // Every image a lookup lists is checked through the guard: it must not reach the
        // canary either.
        ("GETIMAGES_CHECK_IMAGES", "1"),
    ];
    settings.extend_from_slice(extra);
    let app = spawn_app(&settings);
    let client = Client::new(&app, REQUEST_TIMEOUT);
    let rows = hostile_urls(c, &public.uri());
    assert!(rows.len() >= 40, "only {} rows", rows.len());

    // Every surface of every row is tried, and every wrong answer reported together.
    let mut wrong = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let url = row.url.as_str();
        let q = url_encoded(url);
        let mut check = |surface: &str, outcome: Result<(), String>| {
            if let Err(why) = outcome {
                let shown: String = url.chars().take(70).collect();
                let why: String = why.chars().take(400).collect();
                wrong.push(format!("{surface:<15} {shown}\n    {why}"));
            }
        };

        let api = client.get(&format!("/api/v1/lookup?q={q}")).await;
        check("/api/v1/lookup", check_refused(&api, row.lookup));
        let page = client.get(&format!("/lookup?q={q}")).await;
        check("/lookup", check_refused_page(&page, row.lookup));

        let image = client.get(&format!("/image?url={q}&w=64")).await;
        check("/image", check_refused(&image, row.image));

        let fallback = client.get(&format!("/github/nobody?fallback={q}")).await;
        check(
            "?fallback=",
            match row.fallback {
                Want::Redirect => check_redirect(&fallback, url),
                want => check_refused(&fallback, want),
            },
        );

        let Some(in_page) = row.in_page else {
            continue;
        };
        serve_page_with_image(&public, i, url).await;
        let page_url = format!("{}/page/{i}", public.uri());
        let found = client
            .get(&format!("/api/v1/lookup?q={}", url_encoded(&page_url)))
            .await;
        if in_page != Want::Listed {
            check("og:image", check_refused(&found, in_page));
            continue;
        }
        let json = found.json();
        let listed = json["data"]["images"][0]["url"].as_str();
        if listed.and_then(|l| Url::parse(l).ok()) != Url::parse(url).ok() {
            check("og:image", Err(format!("want it listed, got {json}")));
            continue;
        }
        let image = client
            .get(&format!("/image?url={}", url_encoded(listed.unwrap_or(""))))
            .await;
        check("og:image→/image", check_refused(&image, row.image));
    }

    let hits = canary.received_requests().await.unwrap_or_default();
    assert!(
        wrong.is_empty() && hits.is_empty(),
        "{} wrong answers:\n{}\n\nthe canary was reached {} times: {:?}",
        wrong.len(),
        wrong.join("\n"),
        hits.len(),
        hits.iter().map(|r| r.url.to_string()).collect::<Vec<_>>(),
    );
    [public.address(), github.address()]
        .map(ToString::to_string)
        .into()
}

#[tokio::test]
async fn the_results_page_never_shows_an_image_that_points_inside() {
    let canary = canary().await;
    let c = canary.address().port();
    let public = public_server(c).await;
    serve_page_with_image(&public, 0, &format!("http://127.0.0.1:{c}/avatar.png")).await;
    let app = spawn_app(&[
        ("GETIMAGES_TREAT_AS_PUBLIC", "127.0.0.2"),
        ("GETIMAGES_RATE_LIMIT", "0"),
    ]);
    let client = Client::new(&app, REQUEST_TIMEOUT);
    let page_url = format!("{}/page/0", public.uri());

    let page = client
        .get(&format!("/lookup?q={}", url_encoded(&page_url)))
        .await;

    check_refused_page(&page, Want::Forbidden).unwrap();
    assert!(
        !page.text.contains(&format!("127.0.0.1:{c}")),
        "{}",
        page.text
    );
    assert_eq!(
        public.received_requests().await.unwrap_or_default().len(),
        1
    );
    assert!(
        canary
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}
