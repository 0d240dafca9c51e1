//! Strategy chains walked on loopback fakes: for each platform with more than one way of
//! asking, the first way works; the first fails and the second works; a definite "not
//! found" from the first stops the chain (or, where the first way's 404 is not the
//! platform's last word, the second is asked); and a block on every way is EBLOCKED and not
//! cached, so a second lookup asks the platform again, as is a block met before the deadline
//! cut the chain short.

use std::time::Duration;

use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

/// One answer a fake platform gives on one path.
struct Answer {
    path: String,
    content_type: &'static str,
    body: Vec<u8>,
    /// The way of asking it answers (`Profile.strategy`).
    strategy: &'static str,
    /// The avatar the lookup finds in it.
    avatar: String,
}

/// A platform's first two ways of asking.
struct Chain {
    provider: &'static str,
    handle: &'static str,
    first: Answer,
    second: Answer,
    /// Whether a 404 from the first way ends the lookup.
    first_404_is_final: bool,
}

const GRAVATAR_HASH: &str = "a919f0e9932ec2c866cf67ec327efb57b47ff3085acd375529af076d1ac56f27";

fn answer(
    path: &str,
    content_type: &'static str,
    body: Vec<u8>,
    strategy: &'static str,
    avatar: &str,
) -> Answer {
    Answer {
        path: path.to_owned(),
        content_type,
        body,
        strategy,
        avatar: avatar.to_owned(),
    }
}

fn chains() -> Vec<Chain> {
    let x_page = fixture_bytes("real-pages/x-og.html");
    let x_avatar = "https://pbs.twimg.com/profile_images/1846292082501054464/oKUC44PF_400x400.jpg";
    let png = fixture_bytes("images/avatar.png");
    vec![
        Chain {
            provider: "x",
            handle: "kikobeats",
            first: answer("/kikobeats", "text/html", x_page.clone(), "page", x_avatar),
            second: answer("/intent/user", "text/html", x_page, "intent", x_avatar),
            first_404_is_final: true,
        },
        Chain {
            provider: "github",
            handle: "torvalds",
            first: answer(
                "/users/torvalds",
                "application/json",
                fixture_bytes("github/torvalds.json"),
                "api",
                "https://avatars.githubusercontent.com/u/1024025?v=4",
            ),
            // Under the upstream override the redirect's target reads as github.com.
            second: answer(
                "/torvalds.png",
                "image/png",
                png.clone(),
                "avatar redirect",
                "https://github.com/torvalds.png",
            ),
            first_404_is_final: true,
        },
        Chain {
            provider: "bluesky",
            handle: "jay.bsky.team",
            first: answer(
                "/xrpc/app.bsky.actor.getProfiles",
                "application/json",
                fixture_bytes("bluesky/jay.json"),
                "api",
                "https://cdn.bsky.app/img/avatar/plain/did:plc:oky5czdrnfjpqslsw2a5iclo/bafkreihidru2xruxdxlvvcixc7lbgoudzezjbwpu7x3s5fpqyghxixefqy@jpeg",
            ),
            second: answer(
                "/profile/jay.bsky.team",
                "text/html",
                fixture_bytes("chains/bluesky-page.html"),
                "page",
                "https://cdn.bsky.app/img/avatar/plain/did:plc:oky5czdrnfjpqslsw2a5iclo/page-avatar@jpeg",
            ),
            first_404_is_final: true,
        },
        Chain {
            provider: "gravatar",
            handle: "beau@dentedreality.com.au",
            first: answer(
                &format!("/{GRAVATAR_HASH}.json"),
                "application/json",
                fixture_bytes("gravatar/beau.json"),
                "api",
                &format!("https://0.gravatar.com/avatar/{GRAVATAR_HASH}?s=2048"),
            ),
            second: answer(
                &format!("/avatar/{GRAVATAR_HASH}"),
                "image/png",
                png,
                "avatar",
                &format!("https://gravatar.com/avatar/{GRAVATAR_HASH}?s=2048&d=404"),
            ),
            // An avatar-only account has no profile JSON.
            first_404_is_final: false,
        },
        Chain {
            provider: "huggingface",
            handle: "nvidia",
            first: answer(
                "/api/users/nvidia/overview",
                "application/json",
                fixture_bytes("huggingface/julien-c.json"),
                "api",
                "https://cdn-avatars.huggingface.co/v1/production/uploads/5dd96eb166059660ed1ee413/NQtzmrDdbG0H8qkZvRyGk.jpeg",
            ),
            second: answer(
                "/api/organizations/nvidia/overview",
                "application/json",
                fixture_bytes("chains/huggingface-org.json"),
                "organizations api",
                "https://cdn-avatars.huggingface.co/v1/production/uploads/org-avatar.png",
            ),
            // An organization is not a user.
            first_404_is_final: false,
        },
        Chain {
            provider: "stackoverflow",
            handle: "22656",
            first: answer(
                "/2.3/users/22656",
                "application/json",
                fixture_bytes("stackoverflow/jon-skeet.json"),
                "api",
                "https://www.gravatar.com/avatar/6d8ebb117e8d83d74ea95fbdd0f87e13?s=2048&d=identicon&r=PG",
            ),
            second: answer(
                "/users/22656",
                "text/html",
                fixture_bytes("chains/stackoverflow-page.html"),
                "page",
                "https://i.sstatic.net/page-avatar.png",
            ),
            first_404_is_final: true,
        },
        Chain {
            provider: "mastodon",
            handle: "Gargron@misskey.example",
            first: answer(
                "/api/v1/accounts/lookup",
                "application/json",
                fixture_bytes("mastodon/gargron.json"),
                "api",
                "https://files.mastodon.social/accounts/avatars/000/000/001/original/dc4286ceb8fab734.jpg",
            ),
            second: answer(
                "/@Gargron",
                "text/html",
                fixture_bytes("chains/misskey-page.html"),
                "generic page",
                "https://misskey.example/files/page-avatar.webp",
            ),
            // A host that is not Mastodon (Misskey) answers the API with 404.
            first_404_is_final: false,
        },
    ]
}

async fn mount(server: &MockServer, route: &str, status: u16, content_type: &str, body: Vec<u8>) {
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(status).set_body_raw(body, content_type))
        .mount(server)
        .await;
}

async fn asked(server: &MockServer, route: &str) -> usize {
    let requests = server.received_requests().await.unwrap_or_default();
    requests.iter().filter(|r| r.url.path() == route).count()
}

#[tokio::test]
async fn the_first_way_answers_and_the_second_is_not_asked() {
    for chain in chains() {
        let server = MockServer::start().await;
        let first = &chain.first;
        mount(
            &server,
            &first.path,
            200,
            first.content_type,
            first.body.clone(),
        )
        .await;
        let app = spawn_app_for(chain.provider, &server);

        let data = success(&app.api_lookup(chain.handle, Some(chain.provider)).await);

        assert_eq!(data["strategy"], first.strategy, "{}", chain.provider);
        assert_eq!(
            image_url(&data, "avatar"),
            Some(first.avatar.as_str()),
            "{}",
            chain.provider
        );
        assert_eq!(
            asked(&server, &chain.second.path).await,
            0,
            "{}",
            chain.provider
        );
    }
}

#[tokio::test]
async fn when_the_first_way_fails_the_second_answers() {
    for chain in chains() {
        let server = MockServer::start().await;
        mount(
            &server,
            &chain.first.path,
            503,
            "text/html",
            b"down".to_vec(),
        )
        .await;
        let second = &chain.second;
        mount(
            &server,
            &second.path,
            200,
            second.content_type,
            second.body.clone(),
        )
        .await;
        let app = spawn_app_for(chain.provider, &server);

        let data = success(&app.api_lookup(chain.handle, Some(chain.provider)).await);

        assert_eq!(data["strategy"], second.strategy, "{}", chain.provider);
        assert_eq!(
            image_url(&data, "avatar"),
            Some(second.avatar.as_str()),
            "{}",
            chain.provider
        );
    }
}

#[tokio::test]
async fn a_definite_not_found_stops_the_chain_unless_the_first_way_cannot_know() {
    for chain in chains() {
        let server = MockServer::start().await;
        mount(
            &server,
            &chain.first.path,
            404,
            "application/json",
            b"{}".to_vec(),
        )
        .await;
        let second = &chain.second;
        mount(
            &server,
            &second.path,
            200,
            second.content_type,
            second.body.clone(),
        )
        .await;
        let app = spawn_app_for(chain.provider, &server);

        let reply = app.api_lookup(chain.handle, Some(chain.provider)).await;

        if chain.first_404_is_final {
            assert_failure(&reply, 404, "ENOTFOUND");
            assert_eq!(asked(&server, &second.path).await, 0, "{}", chain.provider);
        } else {
            let data = success(&reply);
            assert_eq!(data["strategy"], second.strategy, "{}", chain.provider);
        }
    }
}

#[tokio::test]
async fn a_block_on_every_way_is_eblocked_and_the_next_lookup_asks_again() {
    for chain in chains() {
        let server = MockServer::start().await;
        serve_everywhere(&server, 429, "text/html", "slow down").await;
        let app = spawn_app_for(chain.provider, &server);

        let reply = app.api_lookup(chain.handle, Some(chain.provider)).await;
        assert_failure(&reply, 502, "EBLOCKED");
        assert_says(&reply, "stopped us with a rate limit");
        let first_time = server.received_requests().await.unwrap().len();
        assert!(
            first_time >= 2,
            "{}: every way asked, got {first_time}",
            chain.provider
        );

        let again = app.api_lookup(chain.handle, Some(chain.provider)).await;
        assert_failure(&again, 502, "EBLOCKED");
        let second_time = server.received_requests().await.unwrap().len();
        assert_eq!(
            second_time,
            2 * first_time,
            "{}: not cached",
            chain.provider
        );
    }
}

#[tokio::test]
async fn a_block_met_before_the_deadline_is_the_answer_when_the_next_way_hangs() {
    // X's page refuses us; its intent page would answer, but only after the deadline.
    let server = MockServer::start().await;
    mount(
        &server,
        "/kikobeats",
        429,
        "text/html",
        b"slow down".to_vec(),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/intent/user"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let upstream = server.uri();
    let app = spawn_app(&[
        ("GETIMAGES_UPSTREAM_X", upstream.as_str()),
        ("GETIMAGES_LOOKUP_TIMEOUT", "1s"),
    ]);

    let reply = app.api_lookup("kikobeats", Some("x")).await;

    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "stopped us with a rate limit");
    assert_eq!(
        asked(&server, "/intent/user").await,
        1,
        "the next way was asked"
    );
}

#[tokio::test]
async fn the_github_token_goes_to_the_api_only() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/users/torvalds"))
        .and(header("authorization", "Bearer ghp_test123"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("github/torvalds.json"), "application/json"),
        )
        .mount(&server)
        .await;
    mount(
        &server,
        "/users/octocat",
        403,
        "application/json",
        b"{}".to_vec(),
    )
    .await;
    let png = fixture_bytes("images/avatar.png");
    mount(&server, "/octocat.png", 200, "image/png", png).await;
    let upstream = server.uri();
    let app = spawn_app(&[
        ("GETIMAGES_UPSTREAM_GITHUB", upstream.as_str()),
        ("GETIMAGES_GITHUB_TOKEN", "ghp_test123"),
    ]);

    let data = success(&app.api_lookup("torvalds", Some("github")).await);
    assert_eq!(data["strategy"], "api");

    // When the API refuses, the avatar redirect is asked, and never with the token.
    let data = success(&app.api_lookup("octocat", Some("github")).await);
    assert_eq!(data["strategy"], "avatar redirect");
    let requests = server.received_requests().await.unwrap();
    let png = requests.iter().find(|r| r.url.path() == "/octocat.png");
    assert!(png.is_some_and(|r| !r.headers.contains_key("authorization")));
}

#[tokio::test]
async fn youtube_is_asked_with_the_consent_cookie() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/@mkbhd"))
        .and(header("cookie", "SOCS=CAI"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(fixture("youtube/mkbhd.html"), "text/html"),
        )
        .mount(&server)
        .await;
    let app = spawn_app_for("youtube", &server);

    let data = success(&app.api_lookup("@mkbhd", Some("youtube")).await);

    assert_eq!(data["strategy"], "page");
}

#[tokio::test]
async fn a_private_steam_profile_gets_its_avatar_not_steams_share_picture() {
    let server = upstream_serving(
        "/id/quietplayer",
        "text/html",
        &fixture("steam/private.html"),
    )
    .await;
    let app = spawn_app_for("steam", &server);

    let data = success(&app.api_lookup("quietplayer", Some("steam")).await);

    assert_eq!(
        image_url(&data, "avatar"),
        Some(
            "https://avatars.fastly.steamstatic.com/1f2e3d4c5b6a79880f1e2d3c4b5a69788f7e6d5c_full.jpg"
        )
    );
    assert_eq!(data["name"], "quietplayer");
}

#[tokio::test]
async fn with_a_reddit_app_set_reddit_is_asked_through_oauth_with_one_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/access_token"))
        .and(header("authorization", "Basic YXBwaWQ6YXBwc2VjcmV0"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"access_token":"tok-1","token_type":"bearer","expires_in":86400}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    for user in ["spez", "kn0thing"] {
        Mock::given(method("GET"))
            .and(path(format!("/user/{user}/about")))
            .and(header("authorization", "Bearer tok-1"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(fixture("reddit/spez.json"), "application/json"),
            )
            .mount(&server)
            .await;
    }
    let upstream = server.uri();
    let app = spawn_app(&[
        ("GETIMAGES_UPSTREAM_REDDIT", upstream.as_str()),
        ("GETIMAGES_REDDIT_CLIENT_ID", "appid"),
        ("GETIMAGES_REDDIT_CLIENT_SECRET", "appsecret"),
    ]);

    for user in ["spez", "kn0thing"] {
        let data = success(&app.api_lookup(user, Some("reddit")).await);
        assert_eq!(data["strategy"], "api", "{user}");
    }
    let tokens = server.received_requests().await.unwrap();
    let asked = tokens
        .iter()
        .filter(|r| r.url.path() == "/api/v1/access_token");
    assert_eq!(asked.count(), 1, "one token for both lookups");
}
