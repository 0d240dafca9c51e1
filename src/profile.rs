//! A profile's images: each an avatar or a banner, with what is known of its size.
//!
//! Providers fill these in and the lookup gathers them into a `lookup::Profile`, which
//! also names the platform that found it; this module names nothing of ours, so every
//! layer can speak of an image.

use serde::{Deserialize, Serialize};

/// Which picture of the profile an image is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageKind {
    /// The profile picture.
    Avatar,
    /// The header or banner.
    Banner,
}

impl ImageKind {
    /// The kind as a word (`avatar`, `banner`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Avatar => "avatar",
            Self::Banner => "banner",
        }
    }
}

/// One image of the profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    /// Avatar or banner.
    pub kind: ImageKind,
    /// Where the image is (on the platform's CDN).
    pub url: String,
    /// Width in pixels: read from the image's header, else as the platform states it.
    #[serde(default)]
    pub width: Option<u32>,
    /// Height in pixels: read from the image's header, else as the platform states it.
    #[serde(default)]
    pub height: Option<u32>,
    /// The image file's size in bytes, as its server states it.
    #[serde(default)]
    pub bytes: Option<u64>,
}
