//! Checking a found profile's images before answering: a size-upgraded URL is kept only
//! when it serves an image (else the URL the platform served is answered), and each
//! image's real width, height and byte size are read from its first bytes. Every image is
//! checked at once, each within the lookup's deadline, and never downloaded in full.

use std::io::Cursor;

use futures_util::future::join_all;
use tokio::time::Instant;
use url::Url;

use crate::fetch::Fetcher;
use crate::imaging::sniff;
use crate::profile::Image;

/// Bytes asked of each image (`Range: bytes=0-65535`): every format's header, and a JPEG's
/// size after all but the largest embedded metadata.
pub const PREFIX_BYTES: usize = 64 * 1024;

/// An image as the lookup would answer it, and the URL the platform served when a size
/// upgrade changed it (the fallback).
#[derive(Debug, Clone)]
pub(super) struct Candidate {
    /// The image, its URL upgraded.
    pub image: Image,
    /// The URL as served, when the upgrade changed it and the guard allows it.
    pub served: Option<String>,
}

/// `candidates` checked concurrently, in the same order, none past `deadline`.
pub(super) async fn checked(
    fetcher: &Fetcher,
    candidates: Vec<Candidate>,
    deadline: Instant,
) -> Vec<Image> {
    join_all(
        candidates
            .into_iter()
            .map(|candidate| check(fetcher, candidate, deadline)),
    )
    .await
}

/// The upgraded image when it is one, else the served one; measured when it could be.
async fn check(fetcher: &Fetcher, candidate: Candidate, deadline: Instant) -> Image {
    let Candidate { image, served } = candidate;
    let cause = match measure(fetcher, &image.url, deadline).await {
        Ok(measured) => {
            // A size the platform stated belongs to the URL it served, not to an upgrade.
            let stated = if served.is_some() {
                (None, None)
            } else {
                (image.width, image.height)
            };
            return measured.applied_to(image, stated);
        }
        Err(cause) => cause,
    };
    let Some(served) = served else {
        tracing::debug!(url = %image.url, %cause, "image not measured");
        return image;
    };
    tracing::info!(upgraded = %image.url, %served, %cause, "upgraded image URL unusable, answering the one served");
    let fallback = Image {
        url: served,
        ..image
    };
    match measure(fetcher, &fallback.url, deadline).await {
        Ok(measured) => {
            let stated = (fallback.width, fallback.height);
            measured.applied_to(fallback, stated)
        }
        // The platform itself gave this URL: answered even when it cannot be measured.
        Err(_) => fallback,
    }
}

/// What the first bytes of an image tell.
struct Measured {
    /// Width and height from the header, when the prefix held them.
    sides: Option<(u32, u32)>,
    bytes: Option<u64>,
}

impl Measured {
    /// `image` with the measured size, else the size `stated` for its URL.
    fn applied_to(self, image: Image, stated: (Option<u32>, Option<u32>)) -> Image {
        let (width, height) = match self.sides {
            Some((w, h)) => (Some(w), Some(h)),
            None => stated,
        };
        Image {
            width,
            height,
            bytes: self.bytes,
            ..image
        }
    }
}

/// Asks for the first [`PREFIX_BYTES`] of `url` and reads them; why not, when the answer
/// is not an image (an error status, a page, a refused address, no answer in time).
async fn measure(fetcher: &Fetcher, url: &str, deadline: Instant) -> Result<Measured, String> {
    let url = Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
    let probed = tokio::time::timeout_at(deadline, fetcher.probe_image(url, PREFIX_BYTES))
        .await
        .map_err(|_| "no answer within the lookup deadline".to_owned())?
        .map_err(|e| e.to_string())?;
    let format = sniff(&probed.head).ok_or_else(|| {
        format!(
            "not an image ({} bytes of {})",
            probed.head.len(),
            if probed.content_type.is_empty() {
                "no content type"
            } else {
                &probed.content_type
            }
        )
    })?;
    let sides = image::ImageReader::with_format(Cursor::new(&probed.head), format.image_format())
        .into_dimensions()
        .ok();
    Ok(Measured {
        sides,
        bytes: probed.total_bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::ImageKind;

    #[test]
    fn a_measured_size_replaces_the_stated_one_and_an_unmeasured_keeps_it() {
        let image = Image {
            kind: ImageKind::Avatar,
            url: "https://cdn.example/a.jpg".into(),
            width: Some(800),
            height: Some(600),
            bytes: None,
        };
        let measured = Measured {
            sides: Some((400, 300)),
            bytes: Some(38_000),
        }
        .applied_to(image.clone(), (Some(800), Some(600)));
        assert_eq!(
            (measured.width, measured.height, measured.bytes),
            (Some(400), Some(300), Some(38_000))
        );
        let unread = Measured {
            sides: None,
            bytes: Some(38_000),
        }
        .applied_to(image, (Some(800), Some(600)));
        assert_eq!((unread.width, unread.height), (Some(800), Some(600)));
    }
}
