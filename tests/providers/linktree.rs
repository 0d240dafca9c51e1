use wiremock::MockServer;

use crate::support::*;

#[tokio::test]
async fn a_linktree_page_gets_its_picture_as_uploaded() {
    let upstream = upstream_serving(
        "/linktree",
        "text/html; charset=utf-8",
        &fixture("linktree/linktree.html"),
    )
    .await;
    let app = spawn_app_for("linktree", &upstream);

    for (q, provider) in [
        ("https://linktr.ee/linktree", None),
        ("linktr.ee/Linktree?utm_source=ig", None),
        ("@linktree", Some("linktree")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "linktree", "{q}");
        assert_eq!(data["id"], "linktree", "{q}");
        assert_eq!(data["name"], "Linktree", "{q}");
        assert_eq!(data["profile_url"], "https://linktr.ee/linktree");
        // Served through the optimizer's avatar preset; the upload itself is asked for.
        assert_eq!(
            image_url(&data, "avatar"),
            Some(
                "https://ugc.production.linktr.ee/0d2b9d6c-5f1e-4c4a-9a3e-6b1f2c8d7e90_linktree-logo.png"
            ),
            "{q}"
        );
    }
}

#[tokio::test]
async fn a_linktree_page_without_a_picture_has_none() {
    let upstream = upstream_serving(
        "/quietlinks",
        "text/html",
        &fixture("linktree/no-picture.html"),
    )
    .await;
    let app = spawn_app_for("linktree", &upstream);

    let reply = app.api_lookup("quietlinks", Some("linktree")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(
        &reply,
        "\"quietlinks\" on Linktree has no public profile picture",
    );
}

#[tokio::test]
async fn an_unknown_linktree_page_is_not_found() {
    let upstream = MockServer::start().await;
    serve(
        &upstream,
        "/no.such.page.zz9",
        404,
        "text/html",
        &fixture("linktree/not-found.html"),
    )
    .await;
    let app = spawn_app_for("linktree", &upstream);

    let reply = app.api_lookup("no.such.page.zz9", Some("linktree")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
}
