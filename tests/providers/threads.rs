use crate::support::*;

const AVATAR: &str = "https://scontent-iad3-2.cdninstagram.com/v/t51.2885-19/448245298_977053627430917_7547815462316585003_n.jpg?stp=dst-jpg_s150x150_tt6&_nc_ht=scontent-iad3-2.cdninstagram.com&_nc_cat=1&_nc_oc=Q6cZ2QH8n&_nc_ohc=Jm8yq3xT2bUQ7kNvwHkGf1w&_nc_gid=4bQe2m&edm=APs17CUBAAAA&ccb=7-5&oh=00_AfFq5uT0y2l9Vm3HkVnNnS4d0hQkS5x2vZ8n0w5kG0m7zA&oe=6929E1B4&_nc_sid=10d13b";

#[tokio::test]
async fn a_threads_account_gets_its_profile_picture_and_name() {
    let upstream = upstream_serving(
        "/@zuck",
        "text/html; charset=utf-8",
        &fixture("threads/zuck.html"),
    )
    .await;
    let app = spawn_app_for("threads", &upstream);

    let data = success(&app.api_lookup("@zuck", Some("threads")).await);

    assert_eq!(data["provider"], "threads");
    assert_eq!(data["id"], "zuck");
    assert_eq!(data["name"], "Mark Zuckerberg");
    assert_eq!(data["profile_url"], "https://www.threads.net/@zuck");
    assert_eq!(image_url(&data, "avatar"), Some(AVATAR));
}

#[tokio::test]
async fn threads_net_and_threads_com_urls_are_recognized_not_taken_for_mastodon() {
    let upstream = upstream_serving(
        "/@zuck",
        "text/html; charset=utf-8",
        &fixture("threads/zuck.html"),
    )
    .await;
    let app = spawn_app_for("threads", &upstream);

    for q in [
        "https://www.threads.net/@zuck",
        "https://www.threads.com/@zuck/post/DBk5XBxSm3S",
        "http://threads.com/@zuck",
    ] {
        let data = success(&app.api_lookup(q, None).await);
        assert_eq!(data["provider"], "threads", "{q}");
        assert_eq!(data["id"], "zuck", "{q}");
        assert_eq!(image_url(&data, "avatar"), Some(AVATAR), "{q}");
    }
}

#[tokio::test]
async fn a_threads_page_with_only_the_threads_logo_is_not_found() {
    let upstream = upstream_serving(
        "/@no.such.account.zz9",
        "text/html",
        "<!DOCTYPE html><html><head><title>Threads &#x2022; Log in</title><meta property=\"og:title\" content=\"Threads\" /><meta property=\"og:image\" content=\"https://static.cdninstagram.com/rsrc.php/v4/yV/r/_8T3PbCSTRI.png\" /></head><body></body></html>",
    )
    .await;
    let app = spawn_app_for("threads", &upstream);

    let reply = app.api_lookup("no.such.account.zz9", Some("threads")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(
        &reply,
        "\"no.such.account.zz9\" on Threads has no public profile picture",
    );
}
