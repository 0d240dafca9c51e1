//! The real captured pages (tests/fixtures/real-pages/README.md) yield their expected avatars
//! through their own provider and through the generic `page` provider.

use crate::support::*;

struct RealPage {
    file: &'static str,
    provider: &'static str,
    /// Path the provider requests on its upstream.
    path: &'static str,
    /// What a visitor types for the provider.
    input: &'static str,
    avatar: &'static str,
}

const X_AVATAR: &str =
    "https://pbs.twimg.com/profile_images/1846292082501054464/oKUC44PF_400x400.jpg";

const PAGES: &[RealPage] = &[
    RealPage {
        file: "x-og.html",
        provider: "x",
        path: "/kikobeats",
        input: "https://x.com/kikobeats",
        avatar: X_AVATAR,
    },
    RealPage {
        file: "x-jsonld.html",
        provider: "x",
        path: "/kikobeats",
        input: "https://x.com/kikobeats",
        avatar: X_AVATAR,
    },
    RealPage {
        file: "tiktok.html",
        provider: "tiktok",
        path: "/@carlosazaustre",
        input: "https://www.tiktok.com/@carlosazaustre",
        avatar: "https://p16-pu-sign-no.tiktokcdn-eu.com/tos-no1a-avt-0068c001-no/340072a4400ed43a83d255f346b879aa~tplv-tiktokx-cropcenter:1080:1080.jpeg?dr=10399&refresh_token=02720a18&x-expires=1765267200&x-signature=tc69d0XimWmLbqH%2F2vOg941kpgE%3D&t=4d5b0474&ps=13740610&shp=a5d48078&shcp=81f88b70&idc=no1a",
    },
    RealPage {
        file: "substack-datacenter.html",
        provider: "substack",
        path: "/",
        input: "https://failingwithdata.substack.com/",
        avatar: "https://substackcdn.com/image/fetch/$s_!b-El!,w_264,h_264,c_fill,f_auto,q_auto:good,fl_progressive:steep/https%3A%2F%2Fsubstack-post-media.s3.amazonaws.com%2Fpublic%2Fimages%2F65139ad0-319a-42ca-9a37-c024fae1c727_1024x1024.png",
    },
];

#[tokio::test]
async fn real_pages_yield_their_avatars_through_their_provider() {
    for page in PAGES {
        let upstream = upstream_serving(
            page.path,
            "text/html; charset=utf-8",
            &fixture(&format!("real-pages/{}", page.file)),
        )
        .await;
        let app = spawn_app_for(page.provider, &upstream);

        let data = success(&app.api_lookup(page.input, None).await);

        assert_eq!(data["provider"], page.provider, "{}", page.file);
        assert_eq!(
            image_url(&data, "avatar"),
            Some(page.avatar),
            "{}",
            page.file
        );
    }
}

#[tokio::test]
async fn real_pages_yield_their_avatars_through_the_generic_page_provider() {
    for page in PAGES {
        // A mirror or saved copy: any URL whose page says it is the platform's profile.
        let upstream = upstream_serving(
            "/saved/profile.html",
            "text/html; charset=utf-8",
            &fixture(&format!("real-pages/{}", page.file)),
        )
        .await;
        let app = spawn_app(&[("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1")]);

        let url = format!("{}/saved/profile.html", upstream.uri());
        let data = success(&app.api_lookup(&url, None).await);

        assert_eq!(data["provider"], page.provider, "{}", page.file);
        assert_eq!(
            image_url(&data, "avatar"),
            Some(page.avatar),
            "{}",
            page.file
        );
    }
}
