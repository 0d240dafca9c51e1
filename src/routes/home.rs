//! `GET /`: the lookup form.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use crate::pages::{self, HomePage, PlatformChoice};

/// Platforms offered in the picker; "auto" lets the input's URL decide.
const PLATFORMS: &[PlatformChoice] = &[
    PlatformChoice {
        id: "github",
        name: "GitHub",
    },
    PlatformChoice {
        id: "x",
        name: "X (Twitter)",
    },
    PlatformChoice {
        id: "instagram",
        name: "Instagram",
    },
    PlatformChoice {
        id: "youtube",
        name: "YouTube",
    },
    PlatformChoice {
        id: "tiktok",
        name: "TikTok",
    },
    PlatformChoice {
        id: "bluesky",
        name: "Bluesky",
    },
    PlatformChoice {
        id: "mastodon",
        name: "Mastodon",
    },
    PlatformChoice {
        id: "twitch",
        name: "Twitch",
    },
    PlatformChoice {
        id: "reddit",
        name: "Reddit",
    },
    PlatformChoice {
        id: "gravatar",
        name: "Gravatar",
    },
];

/// The home page.
pub async fn home() -> HttpResponse {
    pages::render(
        StatusCode::OK,
        &HomePage {
            platforms: PLATFORMS,
        },
    )
}
