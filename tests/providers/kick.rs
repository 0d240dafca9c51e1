use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const AVATAR: &str = "https://files.kick.com/images/user/1251175/profile_image/conversion/2dd9c51f-b995-4405-90f7-1e32ffcd44c4-fullsize.webp";
const BANNER: &str = "https://files.kick.com/images/channel/1209488/banner_image/a06ec435-aa25-403a-bf07-118747a631b4";

#[tokio::test]
async fn a_kick_channel_gets_the_streamers_picture_and_the_banner() {
    let upstream = upstream_serving(
        "/api/v2/channels/ac7ionman",
        "application/json",
        &fixture("kick/ac7ionman.json"),
    )
    .await;
    let app = spawn_app_for("kick", &upstream);

    for (q, provider) in [
        ("https://kick.com/ac7ionman", None),
        ("https://www.kick.com/Ac7ionMan/videos", None),
        ("Ac7ionMan", Some("kick")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "kick", "{q}");
        assert_eq!(data["id"], "ac7ionman");
        assert_eq!(data["name"], "Ac7ionMan");
        assert_eq!(data["profile_url"], "https://kick.com/ac7ionman");
        assert_eq!(image_url(&data, "avatar"), Some(AVATAR));
        assert_eq!(image_url(&data, "banner"), Some(BANNER));
    }
}

#[tokio::test]
async fn an_unknown_kick_channel_is_not_found() {
    let server = MockServer::start().await;
    serve(
        &server,
        "/api/v2/channels/nobody-here",
        404,
        "application/json",
        &fixture("kick/not-found.json"),
    )
    .await;
    let app = spawn_app_for("kick", &server);

    let reply = app.api_lookup("nobody_here", Some("kick")).await;
    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "has no profile");
}

#[tokio::test]
async fn kicks_security_policy_is_reported_as_blocked() {
    // Kick's firewall answers the channel page the same.
    let server = MockServer::start().await;
    serve_everywhere(
        &server,
        403,
        "application/json",
        &fixture("kick/security-policy.json"),
    )
    .await;
    let app = spawn_app_for("kick", &server);

    let reply = app.api_lookup("ac7ionman", Some("kick")).await;
    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "Kick stopped us");
}

#[tokio::test]
async fn a_cloudflare_challenge_in_front_of_kick_is_reported_as_blocked() {
    let server = MockServer::start().await;
    // Cloudflare stands in front of the channel page too.
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("cf-mitigated", "challenge")
                .set_body_raw(fixture("kick/cloudflare-challenge.html"), "text/html"),
        )
        .mount(&server)
        .await;
    let app = spawn_app_for("kick", &server);

    let reply = app.api_lookup("ac7ionman", Some("kick")).await;
    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "Cloudflare challenge");
}
