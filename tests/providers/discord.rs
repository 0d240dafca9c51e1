use wiremock::MockServer;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::support::*;

#[tokio::test]
async fn a_discord_invite_gets_the_servers_icon_and_banner_at_4096() {
    let upstream = upstream_serving(
        "/api/v10/invites/discord-developers",
        "application/json",
        &fixture("discord/discord-developers.json"),
    )
    .await;
    let app = spawn_app_for("discord", &upstream);

    for (q, provider) in [
        ("https://discord.gg/discord-developers", None),
        ("https://discord.com/invite/discord-developers", None),
        ("discord-developers", Some("discord")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "discord", "{q}");
        assert_eq!(data["id"], "discord-developers", "{q}");
        assert_eq!(data["name"], "Discord Developers", "{q}");
        assert_eq!(
            data["profile_url"],
            "https://discord.com/invite/discord-developers"
        );
        assert_eq!(
            image_url(&data, "avatar"),
            Some(
                "https://cdn.discordapp.com/icons/613425648685547541/1a6d58c6d1c1a8e79b7e8d1e9a3b5f2c.png?size=4096"
            ),
            "{q}"
        );
        assert_eq!(
            image_url(&data, "banner"),
            Some(
                "https://cdn.discordapp.com/banners/613425648685547541/2bd2ea0b72bde8b0ed5bb32e1f0e5bd1.png?size=4096"
            ),
            "{q}"
        );
    }
}

#[tokio::test]
async fn the_invite_api_is_asked_with_counts_and_the_code_as_typed() {
    let upstream = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v10/invites/aBc12XyZ"))
        .and(query_param("with_counts", "true"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("discord/splash-only.json"), "application/json"),
        )
        .mount(&upstream)
        .await;
    let app = spawn_app_for("discord", &upstream);

    let data = success(&app.api_lookup("https://discord.gg/aBc12XyZ", None).await);

    assert_eq!(data["id"], "aBc12XyZ");
    // An animated icon is a GIF; without a banner, the invite's splash is the banner.
    assert_eq!(
        image_url(&data, "avatar"),
        Some(
            "https://cdn.discordapp.com/icons/639065840754622475/a_478c3c7a8bdb680844442050c4ead285.gif?size=4096"
        )
    );
    assert_eq!(
        image_url(&data, "banner"),
        Some(
            "https://cdn.discordapp.com/splashes/639065840754622475/9a447505db14c30c89483fe4f32a5876.png?size=4096"
        )
    );
}

#[tokio::test]
async fn an_unknown_or_expired_discord_invite_is_not_found() {
    let upstream = MockServer::start().await;
    serve(
        &upstream,
        "/api/v10/invites/expired123",
        404,
        "application/json",
        &fixture("discord/unknown-invite.json"),
    )
    .await;
    let app = spawn_app_for("discord", &upstream);

    let reply = app.api_lookup("expired123", Some("discord")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
}

#[tokio::test]
async fn discords_rate_limit_is_blocked() {
    let upstream = MockServer::start().await;
    serve_everywhere(
        &upstream,
        429,
        "application/json",
        &fixture("discord/rate-limited.json"),
    )
    .await;
    let app = spawn_app_for("discord", &upstream);

    let reply = app.api_lookup("discord-developers", Some("discord")).await;

    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "stopped us with a rate limit");
}
