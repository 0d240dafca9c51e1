use crate::support::*;

#[tokio::test]
async fn a_chess_com_member_gets_the_published_avatar() {
    let upstream = upstream_serving(
        "/pub/player/marcussabotta",
        "application/json",
        &fixture("chesscom/marcussabotta.json"),
    )
    .await;
    let app = spawn_app_for("chesscom", &upstream);

    for (q, provider) in [
        ("https://www.chess.com/member/MarcusSabotta", None),
        ("https://chess.com/member/marcussabotta", None),
        ("MarcusSabotta", Some("chess")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "chesscom", "{q}");
        assert_eq!(data["id"], "marcussabotta");
        assert_eq!(data["name"], "Mark Sabotta");
        assert_eq!(
            data["profile_url"],
            "https://www.chess.com/member/MarcusSabotta"
        );
        assert_eq!(
            image_url(&data, "avatar"),
            Some(
                "https://images.chesscomfiles.com/uploads/v1/user/3166377.99e3e36a.200x200o.3810c0ef7901.jpeg"
            )
        );
    }
}

#[tokio::test]
async fn an_unknown_chess_com_member_is_not_found() {
    let server = wiremock::MockServer::start().await;
    serve(
        &server,
        "/pub/player/mditploggth",
        404,
        "application/json",
        &fixture("chesscom/not-found.json"),
    )
    .await;
    let app = spawn_app_for("chesscom", &server);

    let reply = app.api_lookup("mditploggth", Some("chesscom")).await;
    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "has no profile");
}

#[tokio::test]
async fn a_chess_com_member_without_an_avatar_has_no_picture() {
    let upstream = upstream_serving(
        "/pub/player/bar",
        "application/json",
        &fixture("chesscom/no-avatar.json"),
    )
    .await;
    let app = spawn_app_for("chesscom", &upstream);

    let reply = app.api_lookup("bar", Some("chesscom")).await;
    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(&reply, "\"bar\" on Chess.com has no public profile picture");
}

#[tokio::test]
async fn the_published_data_apis_rate_limit_is_reported_as_blocked() {
    // www.chess.com's member page is behind the same limit.
    let server = wiremock::MockServer::start().await;
    serve_everywhere(&server, 429, "application/json", "").await;
    let app = spawn_app_for("chesscom", &server);

    let reply = app.api_lookup("hikaru", Some("chesscom")).await;
    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "Chess.com stopped us with a rate limit");
}
