use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

/// The og:image as served (entities decoded): signed, so kept exactly.
const PHOTO: &str = "https://media.licdn.com/dms/image/v2/D5603AQHandWritten1/profile-displayphoto-shrink_800_800/profile-displayphoto-shrink_800_800/0/1700000000000?e=2147483647&v=beta&t=HandWrittenToken0000000000000000000000000000";

#[tokio::test]
async fn a_linkedin_member_gets_the_og_image_through_every_way_of_asking() {
    let upstream = upstream_serving(
        "/in/williamhgates/",
        "text/html; charset=utf-8",
        &fixture("linkedin/williamhgates.html"),
    )
    .await;
    let app = spawn_app_for("linkedin", &upstream);

    for (q, provider) in [
        ("https://www.linkedin.com/in/williamhgates/", None),
        ("https://uk.linkedin.com/in/WilliamHGates?trk=people", None),
        ("linkedin.com/in/williamhgates/details/experience/", None),
        ("williamhgates", Some("linkedin")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["provider"], "linkedin", "{q}");
        assert_eq!(data["id"], "williamhgates", "{q}");
        assert_eq!(data["name"], "Bill Gates", "{q}");
        assert_eq!(
            data["profile_url"],
            "https://www.linkedin.com/in/williamhgates/"
        );
        assert_eq!(image_url(&data, "avatar"), Some(PHOTO), "{q}");
    }
}

#[tokio::test]
async fn a_linkedin_company_gets_its_logo() {
    let upstream = upstream_serving(
        "/company/microsoft/",
        "text/html; charset=utf-8",
        &fixture("linkedin/microsoft.html"),
    )
    .await;
    let app = spawn_app_for("linkedin", &upstream);

    for (q, provider) in [
        ("https://www.linkedin.com/company/microsoft/posts/", None),
        ("company/microsoft", Some("linkedin")),
    ] {
        let data = success(&app.api_lookup(q, provider).await);
        assert_eq!(data["id"], "company/microsoft", "{q}");
        assert_eq!(data["name"], "Microsoft", "{q}");
        assert_eq!(
            data["profile_url"],
            "https://www.linkedin.com/company/microsoft/"
        );
        assert!(
            image_url(&data, "avatar").is_some_and(|u| u.contains("/company-logo_200_200/")),
            "{q}: {data}"
        );
    }
}

#[tokio::test]
async fn linkedins_999_to_a_datacenter_address_is_blocked_never_not_found() {
    let upstream = MockServer::start().await;
    serve_everywhere(
        &upstream,
        999,
        "text/html",
        &fixture("linkedin/status-999.html"),
    )
    .await;
    let app = spawn_app_for("linkedin", &upstream);

    let reply = app.api_lookup("williamhgates", Some("linkedin")).await;

    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "LinkedIn stopped us with a refusal of our address");
}

#[tokio::test]
async fn a_redirect_to_linkedins_authwall_is_blocked() {
    let upstream = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/in/williamhgates/"))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "location",
            "/authwall?trk=public_profile&sessionRedirect=%2Fin%2Fwilliamhgates%2F",
        ))
        .mount(&upstream)
        .await;
    serve_everywhere(
        &upstream,
        200,
        "text/html",
        "<html><head><title>Sign Up | LinkedIn</title></head></html>",
    )
    .await;
    let app = spawn_app_for("linkedin", &upstream);

    let reply = app.api_lookup("williamhgates", Some("linkedin")).await;

    assert_failure(&reply, 502, "EBLOCKED");
    assert_says(&reply, "a login wall");
}

#[tokio::test]
async fn an_unknown_linkedin_member_is_not_found() {
    let upstream = MockServer::start().await;
    serve(
        &upstream,
        "/in/no-such-member-zz9/",
        404,
        "text/html",
        &fixture("linkedin/not-found.html"),
    )
    .await;
    let app = spawn_app_for("linkedin", &upstream);

    let reply = app.api_lookup("no-such-member-zz9", Some("linkedin")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
}

#[tokio::test]
async fn a_linkedin_member_showing_the_grey_silhouette_has_no_picture() {
    let upstream = upstream_serving(
        "/in/janequiet/",
        "text/html",
        &fixture("linkedin/no-picture.html"),
    )
    .await;
    let app = spawn_app_for("linkedin", &upstream);

    let reply = app.api_lookup("janequiet", Some("linkedin")).await;

    assert_failure(&reply, 404, "ENOTFOUND");
    assert_says(
        &reply,
        "\"janequiet\" on LinkedIn has no public profile picture",
    );
}
