use wiremock::MockServer;

use crate::support::*;

/// SHA-256 of `beau@dentedreality.com.au`, what Gravatar is asked for.
const HASH: &str = "a919f0e9932ec2c866cf67ec327efb57b47ff3085acd375529af076d1ac56f27";

async fn gravatar_serving(route: &str) -> MockServer {
    upstream_serving(route, "application/json", &fixture("gravatar/beau.json")).await
}

#[tokio::test]
async fn an_email_address_gets_the_2048px_gravatar_and_background() {
    let upstream = gravatar_serving(&format!("/{HASH}.json")).await;
    let app = spawn_app_for("gravatar", &upstream);

    // Detected as an e-mail without a platform picked; case and spaces do not matter.
    for (q, provider) in [
        ("Beau@DentedReality.com.au", None),
        (" beau@dentedreality.com.au ", Some("gravatar")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "gravatar");
        assert_eq!(data["id"], "beau@dentedreality.com.au");
        assert_eq!(data["name"], "Beau Lebens");
        assert_eq!(data["profile_url"], "https://gravatar.com/beau");
        assert_eq!(
            image_url(&data, "avatar"),
            Some(format!("https://0.gravatar.com/avatar/{HASH}?s=2048").as_str())
        );
        assert_eq!(
            image_url(&data, "banner"),
            Some(format!("https://0.gravatar.com/bg/1428/{HASH}").as_str())
        );
    }
}

#[tokio::test]
async fn a_sha256_hash_is_looked_up_as_is() {
    let upstream = gravatar_serving(&format!("/{HASH}.json")).await;
    let app = spawn_app_for("gravatar", &upstream);

    let data = success(&app.api_lookup(&HASH.to_uppercase(), Some("gravatar")).await);

    assert_eq!(data["id"], HASH);
    assert_eq!(data["name"], "Beau Lebens");
}

#[tokio::test]
async fn gravatar_profile_and_avatar_urls_are_recognized() {
    let upstream = MockServer::start().await;
    for route in ["/beau.json", &format!("/{HASH}.json")] {
        serve(
            &upstream,
            route,
            200,
            "application/json",
            &fixture("gravatar/beau.json"),
        )
        .await;
    }
    let app = spawn_app_for("gravatar", &upstream);

    for (q, id) in [
        ("https://gravatar.com/beau", "beau"),
        ("https://en.gravatar.com/beau", "beau"),
        (
            &format!("https://secure.gravatar.com/avatar/{HASH}?s=80") as &str,
            HASH,
        ),
    ] {
        let data = success(&app.api_lookup(q, None).await);
        assert_eq!(data["provider"], "gravatar", "{q}");
        assert_eq!(data["id"], id, "{q}");
        assert_eq!(
            image_url(&data, "avatar"),
            Some(format!("https://0.gravatar.com/avatar/{HASH}?s=2048").as_str())
        );
    }
}

#[tokio::test]
async fn an_email_without_a_gravatar_is_not_found() {
    let upstream = MockServer::start().await;
    let hash = "c6e3a9ab0cc3a8e8e0d21b2f5c2d2b35bd9cd9b5d17aef2c0ff2e4a1b8a9a40d";
    serve(
        &upstream,
        &format!("/{hash}.json"),
        404,
        "application/json",
        &fixture("gravatar/not-found.json"),
    )
    .await;
    let app = spawn_app_for("gravatar", &upstream);

    let reply = app.api_lookup(hash, Some("gravatar")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "has no profile");
}

#[tokio::test]
async fn gravatar_rate_limiting_is_reported_as_blocked() {
    let upstream = MockServer::start().await;
    serve(
        &upstream,
        &format!("/{HASH}.json"),
        429,
        "text/html",
        &fixture("gravatar/rate-limited.html"),
    )
    .await;
    serve_everywhere(
        &upstream,
        429,
        "text/html",
        &fixture("gravatar/rate-limited.html"),
    )
    .await;
    let app = spawn_app_for("gravatar", &upstream);

    let reply = app.api_lookup("beau@dentedreality.com.au", None).await;

    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "stopped us with a rate limit");
}

#[tokio::test]
async fn a_malformed_gravatar_answer_is_an_upstream_error() {
    let upstream = upstream_serving(
        &format!("/{HASH}.json"),
        "application/json",
        r#"{"entry":[{"hash":"a919f0e9","thumbnailUrl":"https:\/\/0.gra"#,
    )
    .await;
    // The avatar and the profile page fail too.
    serve_everywhere(&upstream, 500, "text/html", "").await;
    let app = spawn_app_for("gravatar", &upstream);

    let reply = app.api_lookup("beau@dentedreality.com.au", None).await;

    assert_failure(&reply, 502, "EUPSTREAM");
    assert_says(&reply, "not the JSON we expected");
}

#[tokio::test]
async fn a_gravatar_answer_without_an_entry_is_not_found() {
    let upstream = upstream_serving(
        &format!("/{HASH}.json"),
        "application/json",
        r#"{"entry":[]}"#,
    )
    .await;
    let app = spawn_app_for("gravatar", &upstream);

    let reply = app.api_lookup("beau@dentedreality.com.au", None).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    // No public profile, and `avatar/{hash}?d=404` answers 404: no avatar either.
    assert_says(
        &reply,
        "Gravatar has no profile \"beau@dentedreality.com.au\"",
    );
}

#[tokio::test]
async fn an_md5_hash_is_looked_up_as_is() {
    // Gravatar takes the older MD5 of the address as well as its SHA-256.
    let md5 = "205e460b479e2e5b48aec07710c08d50";
    let upstream = gravatar_serving(&format!("/{md5}.json")).await;
    let app = spawn_app_for("gravatar", &upstream);

    let data = success(&app.api_lookup(&md5.to_uppercase(), Some("gravatar")).await);

    assert_eq!(data["id"], md5);
    assert_eq!(data["name"], "Beau Lebens");

    let data = success(
        &app.api_lookup(&format!("https://gravatar.com/avatar/{md5}?s=80"), None)
            .await,
    );
    assert_eq!(data["provider"], "gravatar");
    assert_eq!(data["id"], md5);
}
