//! The image proxy: fetch an image through the guarded client, transform it, and keep the
//! result in the two-tier cache, so a cold start after scale-to-zero serves from disk.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;
use tracing::Instrument;
use url::Url;

use crate::cache::{CacheStatus, Entry, TieredCache};
use crate::fetch::{FetchError, Fetcher, Wording};
use crate::imaging::{self, ImageError, Limits, Transform};

/// How long a cached image counts as fresh; after that it is served STALE while refetched.
const IMAGE_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// How a failed fetch reads in an image error's message.
const WORDING: Wording = Wording {
    upstream: "The image's host",
    thing: "image",
    body: "image",
};

/// Why an image could not be served.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ProxyError {
    /// Fetching failed (refused, not found, too large, upstream error).
    #[error("{}", .0.sentence(WORDING))]
    Fetch(#[from] FetchError),
    /// The bytes are not an image we can read, or are too big to decode.
    #[error(transparent)]
    Image(#[from] ImageError),
}

/// An image ready to send.
#[derive(Debug, Clone)]
pub struct Variant {
    /// The encoded image.
    pub bytes: Bytes,
    /// Its media type.
    pub content_type: String,
    /// A strong ETag for exactly these bytes, bare (no quotes).
    pub etag: String,
    /// What the viewer should know about how it was made (`x-image-note`).
    pub note: Option<String>,
}

/// Fetches, transforms and caches images.
#[derive(Clone)]
pub struct ImageProxy {
    fetcher: Arc<Fetcher>,
    cache: TieredCache,
    limits: Limits,
    /// Transforms running at once: each may hold a decoded image of up to `max_pixels`.
    transforms: Arc<Semaphore>,
}

impl ImageProxy {
    /// A proxy fetching with `fetcher`, caching in `cache`, decoding within `limits`.
    pub fn new(fetcher: Arc<Fetcher>, cache: TieredCache, limits: Limits) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            fetcher,
            cache,
            limits,
            transforms: Arc::new(Semaphore::new(cores)),
        }
    }

    /// The image at `url` transformed by `t`: from the cache (fresh, or stale while a
    /// refresh runs in the background), else fetched now.
    pub async fn get(
        &self,
        url: &Url,
        t: &Transform,
    ) -> Result<(Variant, CacheStatus), ProxyError> {
        let key = cache_key(url, t);
        if let Some(entry) = self.cache.get(&key).await {
            let status = if entry.is_fresh(SystemTime::now()) {
                CacheStatus::Hit
            } else {
                // Bounded by the fetch deadline and not counted as a request, so it never
                // keeps a scale-to-zero server awake.
                let proxy = self.clone();
                let (url, t, key) = (url.clone(), *t, key.clone());
                let span = tracing::info_span!("refresh", image = %url);
                tokio::spawn(
                    async move {
                        if let Err(e) = proxy.fill(&key, &url, &t).await {
                            tracing::debug!("background refresh failed: {e}");
                        }
                    }
                    .instrument(span),
                );
                CacheStatus::Stale
            };
            return Ok((variant(&key, entry), status));
        }
        let entry = self.fill(&key, url, t).await?;
        Ok((variant(&key, entry), CacheStatus::Miss))
    }

    async fn fill(&self, key: &str, url: &Url, t: &Transform) -> Result<Entry, ProxyError> {
        let fetched = self
            .fetcher
            .fetch_image(url.clone(), self.limits.max_source_bytes)
            .await
            // The visitor reads a sentence; the log keeps the real cause (DNS, refused, TLS).
            .inspect_err(|e| tracing::info!(image = %url, cause = %e, "image fetch failed"))?;
        let (limits, t) = (self.limits, *t);
        let _permit = self
            .transforms
            .acquire()
            .await
            .map_err(|_| ImageError::Encode("the image workers are shutting down".into()))?;
        let output =
            tokio::task::spawn_blocking(move || imaging::transform(&fetched.body, &t, &limits))
                .await
                .map_err(|e| ImageError::Encode(format!("the image worker failed: {e}")))??;
        let entry =
            Entry::new(output.bytes, output.format.mime(), IMAGE_TTL).with_note(output.note);
        self.cache.put(key, entry.clone()).await;
        Ok(entry)
    }
}

fn cache_key(url: &Url, t: &Transform) -> String {
    let digest = Sha256::digest(format!("{url}\n{}", t.cache_key()));
    format!("image:{}", hex(&digest))
}

fn variant(key: &str, entry: Entry) -> Variant {
    // The entry's bytes never change once stored, so key + store time names them exactly.
    let stored = entry
        .stored_at
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let tag = Sha256::digest(format!("{key}\n{stored}"));
    Variant {
        etag: hex(&tag[..16]),
        bytes: entry.bytes,
        content_type: entry.content_type,
        note: entry.note,
    }
}

/// Lower-case hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
