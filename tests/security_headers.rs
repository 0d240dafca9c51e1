//! Every HTML page carries a strict Content-Security-Policy and the usual hardening
//! headers, has no inline script, and never echoes input unescaped.

mod support;

use support::*;

#[tokio::test]
async fn html_pages_carry_a_strict_policy_and_no_inline_script() {
    let mastodon = wiremock::MockServer::start().await;
    serve(
        &mastodon,
        "/api/v1/accounts/lookup",
        200,
        "application/json",
        &fixture("mastodon/gargron.json"),
    )
    .await;
    let app = spawn_app_for("mastodon", &mastodon);

    for path in [
        "/",
        "/no/such/page/here",
        "/lookup?q=%40Gargron%40mastodon.social",
        "/lookup?q=jack",
    ] {
        let reply = app.get(path).await;
        assert!(
            reply
                .header("content-type")
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        let csp = reply
            .header("content-security-policy")
            .unwrap_or_else(|| panic!("no CSP on {path}"));
        for directive in [
            "default-src 'none'",
            "script-src 'self'",
            "img-src 'self' data:",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(
            reply.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            reply.header("referrer-policy"),
            Some("no-referrer"),
            "{path}"
        );
        assert_eq!(reply.header("x-frame-options"), Some("DENY"), "{path}");
        assert!(
            !reply.text.contains("<script>"),
            "{path} has an inline script"
        );
        assert!(
            !reply.text.contains(" style=\""),
            "{path} has an inline style"
        );
    }
    let json = app.get("/api/v1/providers").await;
    assert_eq!(json.header("x-content-type-options"), Some("nosniff"));
}

#[tokio::test]
async fn input_is_escaped_wherever_it_is_shown() {
    let app = spawn_app(&[]);
    let attack = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>";
    let encoded = url_encoded(attack);

    for path in [
        format!("/lookup?q={encoded}"),
        format!("/lookup?q=x&provider={encoded}"),
    ] {
        let reply = app.get(&path).await;
        assert_eq!(reply.status, 400);
        assert!(!reply.text.contains("<script>alert"), "{}", reply.text);
        assert!(!reply.text.contains("<img src=x"), "{}", reply.text);
    }
}
