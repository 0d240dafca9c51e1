use crate::support::*;

const LOGO_264: &str = "https://substackcdn.com/image/fetch/$s_!b-El!,w_264,h_264,c_fill,f_auto,q_auto:good,fl_progressive:steep/https%3A%2F%2Fsubstack-post-media.s3.amazonaws.com%2Fpublic%2Fimages%2F65139ad0-319a-42ca-9a37-c024fae1c727_1024x1024.png";

#[tokio::test]
async fn a_substack_publication_gets_its_logo_at_the_largest_size_and_its_name() {
    let upstream = upstream_serving(
        "/",
        "text/html; charset=utf-8",
        &fixture("real-pages/substack-datacenter.html"),
    )
    .await;
    let app = spawn_app_for("substack", &upstream);

    for q in ["failingwithdata", "failingwithdata.substack.com"] {
        let data = success(&app.api_lookup(q, Some("substack")).await);
        assert_eq!(data["provider"], "substack");
        assert_eq!(data["id"], "failingwithdata");
        assert_eq!(data["name"], "🔥 FAILing with data");
        assert_eq!(data["profile_url"], "https://failingwithdata.substack.com/");
        assert_eq!(image_url(&data, "avatar"), Some(LOGO_264));
    }
}

#[tokio::test]
async fn any_page_of_a_substack_subdomain_is_recognized() {
    let upstream = upstream_serving(
        "/",
        "text/html; charset=utf-8",
        &fixture("real-pages/substack-datacenter.html"),
    )
    .await;
    let app = spawn_app_for("substack", &upstream);

    for q in [
        "https://failingwithdata.substack.com/",
        "failingwithdata.substack.com/p/why-every-dashboard-i-built-failed",
        "https://FailingWithData.substack.com/about",
    ] {
        let data = success(&app.api_lookup(q, None).await);
        assert_eq!(data["provider"], "substack", "{q}");
        assert_eq!(data["id"], "failingwithdata", "{q}");
        assert_eq!(image_url(&data, "avatar"), Some(LOGO_264), "{q}");
    }
}

#[tokio::test]
async fn substacks_own_pages_are_not_publications() {
    let app = spawn_app(&[]);

    let reply = app.api_lookup("www", Some("substack")).await;

    assert_failure(&reply, 400, "EINPUT");
    assert_says(&reply, "is not a Substack publication name");
}

#[tokio::test]
async fn a_saved_post_page_gives_the_publisher_logo_not_the_post_picture() {
    let upstream = upstream_serving(
        "/saved/post.html",
        "text/html; charset=utf-8",
        &fixture("substack/post.html"),
    )
    .await;
    let app = spawn_app(&[("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1")]);

    let url = format!("{}/saved/post.html", upstream.uri());
    let data = success(&app.api_lookup(&url, None).await);

    assert_eq!(data["provider"], "substack");
    assert_eq!(data["id"], "failingwithdata");
    assert_eq!(data["name"], "🔥 FAILing with data");
    assert_eq!(
        image_url(&data, "avatar"),
        Some(
            "https://substackcdn.com/image/fetch/$s_!b-El!,f_auto,q_auto:good,fl_progressive:steep/https%3A%2F%2Fsubstack-post-media.s3.amazonaws.com%2Fpublic%2Fimages%2F65139ad0-319a-42ca-9a37-c024fae1c727_1024x1024.png"
        )
    );
}
