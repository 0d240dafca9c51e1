//! The image proxy: fetch an image through the guarded client, transform it, and keep the
//! result in the two-tier cache, so a cold start after scale-to-zero serves from disk.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;
use tracing::Instrument;
use url::Url;

use crate::budget::{Admitted, MemoryBudget, Refusal};
use crate::cache::{self, CacheStatus, Entry, Held, TieredCache, hex_into};
use crate::fetch::{FetchError, Fetcher};
use crate::imaging::{self, ImageError, Limits, Transform};
use crate::single_flight::{Refreshes, SingleFlight};
use crate::telemetry;

/// How long a cached image counts as fresh; after that it is served STALE while refetched.
const IMAGE_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// Why an image could not be served.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ProxyError {
    /// Fetching failed (refused, not found, too large, upstream error).
    #[error("fetch failed: {0}")]
    Fetch(#[from] FetchError),
    /// The bytes are not an image we can read, or are too big to decode.
    #[error(transparent)]
    Image(#[from] ImageError),
    /// The memory budget could not take it: not now (busy), or never (too large).
    #[error(transparent)]
    Budget(#[from] Refusal),
}

/// Smallest step by which a body of unknown length grows (and is admitted).
const BODY_STEP: usize = 64 * 1024;

/// An image being served.
#[derive(Debug, Clone)]
pub struct Served {
    /// The image, as the cache holds it (bytes, media type, ETag, note).
    pub image: Arc<Held>,
    /// Where it came from.
    pub status: CacheStatus,
    /// The memory its bytes take, admitted against the budget until the last response
    /// sending them is done. None for an image the memory cache holds: the cache's share of
    /// memory counts it already.
    _memory: Option<Arc<Admitted>>,
    /// The result of the flight it came from, held while it is sent: the flight shares a
    /// result only as long as someone holds it, so every request for the image meanwhile
    /// (100 slow readers of one 12 MB original) sends these bytes, not a copy of its own.
    _flight: Option<Arc<Served>>,
}

/// Fetches, transforms and caches images.
#[derive(Clone)]
pub struct ImageProxy {
    fetcher: Arc<Fetcher>,
    cache: TieredCache,
    limits: Limits,
    /// What fetched bodies and transforms may hold at once.
    budget: MemoryBudget,
    /// Transforms running at once: one per core, since each is CPU-bound.
    transforms: Arc<Semaphore>,
    /// Identical requests in flight, and images being sent.
    flights: Arc<SingleFlight<ImageKey, Served, ProxyError>>,
    /// Stale images being fetched again in the background, by cache key.
    refreshes: Refreshes<ImageKey>,
}

impl ImageProxy {
    /// A proxy fetching with `fetcher`, caching in `cache`, decoding within `limits`, with
    /// every body and transform admitted against `budget` first, and as many transforms at
    /// once as `cores`.
    pub fn new(
        fetcher: Arc<Fetcher>,
        cache: TieredCache,
        limits: Limits,
        budget: MemoryBudget,
        cores: NonZeroUsize,
    ) -> Self {
        Self {
            fetcher,
            cache,
            limits,
            budget,
            transforms: Arc::new(Semaphore::new(cores.get())),
            flights: Arc::default(),
            refreshes: Refreshes::default(),
        }
    }

    /// The image at `url` transformed by `t`: from the cache (fresh, or stale while a
    /// refresh runs in the background), else fetched now. A fresh image the memory cache
    /// holds is sent as it is, with no lock taken and no memory admitted. Otherwise identical
    /// requests at once share one fetch and one transform, and every request sending the
    /// same image at the same time sends the same bytes, admitted against the memory budget
    /// once; a joiner's status is a hit.
    pub async fn get(&self, url: &Url, t: &Transform) -> Result<Served, ProxyError> {
        let key = ImageKey::of(url.as_str(), t);
        if let Some(served) = self.in_memory(&key).await {
            return Ok(served);
        }
        let (proxy, url, t, flown) = (self.clone(), url.clone(), *t, key.clone());
        let work = move || {
            telemetry::in_current_request(async move {
                proxy.serve(&flown, &url, &t).await.map(Arc::new)
            })
        };
        let (served, started) = self.flights.run(&key, work).await;
        let shared = served?;
        let status = if started {
            shared.status
        } else {
            CacheStatus::Hit
        };
        Ok(Served {
            status,
            _flight: Some(Arc::clone(&shared)),
            ..Served::clone(&shared)
        })
    }

    /// The image of the URL whose text is `url`, fresh in the memory cache, without parsing
    /// the URL: an entry there was stored under a URL this process parsed, checked against
    /// the guard and fetched, under the settings it still runs with, so text that is already
    /// in that URL's form (its serialization) needs neither again. Text in any other form
    /// (`None` whenever the memory cache has no such image) goes the way of [`Self::get`].
    pub async fn held(&self, url: &str, t: &Transform) -> Option<Served> {
        // A serialized URL is printable ASCII; anything else is never a key's URL.
        if !url.bytes().all(|b| b.is_ascii_graphic()) {
            return None;
        }
        self.in_memory(&ImageKey::of(url, t)).await
    }

    async fn in_memory(&self, key: &ImageKey) -> Option<Served> {
        let image = self.cache.fresh_in_memory(key, SystemTime::now()).await?;
        Some(Served {
            image,
            status: CacheStatus::Hit,
            _memory: None,
            _flight: None,
        })
    }

    /// The image from the cache or fetched now, with the memory its bytes take admitted.
    async fn serve(&self, key: &ImageKey, url: &Url, t: &Transform) -> Result<Served, ProxyError> {
        if let Some(image) = self.cache.get(key).await {
            let status = if image.entry.is_fresh(SystemTime::now()) {
                CacheStatus::Hit
            } else {
                self.refresh(key, url, t);
                CacheStatus::Stale
            };
            let memory = self.budget.admit(image.entry.bytes.len() as u64).await?;
            return Ok(Served::admitted(image, status, memory));
        }
        let (image, memory) = self.fill(key, url, t).await?;
        Ok(Served::admitted(image, CacheStatus::Miss, memory))
    }

    /// Fetches the image again in the background, unless that is under way already. Bounded
    /// by the fetch deadline and not counted as a request, so it never keeps a scale-to-zero
    /// server awake.
    fn refresh(&self, key: &ImageKey, url: &Url, t: &Transform) {
        let proxy = self.clone();
        let (url, t, filled) = (url.clone(), *t, key.clone());
        let span = tracing::info_span!("refresh", image = %url);
        let work = async move {
            if let Err(e) = proxy.fill(&filled, &url, &t).await {
                tracing::debug!("background refresh failed: {e}");
            }
        };
        self.refreshes.spawn(key.clone(), work.instrument(span));
    }

    /// Fetches and transforms the image and caches the result; the memory the result takes
    /// comes back admitted.
    async fn fill(
        &self,
        key: &ImageKey,
        url: &Url,
        t: &Transform,
    ) -> Result<(Arc<Held>, Admitted), ProxyError> {
        let (body, body_memory) = self
            .download(url)
            .await
            // The visitor reads a sentence; the log keeps the real cause (DNS, refused, TLS).
            .inspect_err(|e| tracing::info!(image = %url, cause = %e, "image fetch failed"))?;
        let (limits, t) = (self.limits, *t);
        let source = body.clone();
        let needed = blocking(move || imaging::working_memory(&source, &t, &limits)).await?;
        let _cpu = self
            .transforms
            .acquire()
            .await
            .map_err(|_| ImageError::Encode("the image workers are shutting down".into()))?;
        let mut memory = self.budget.admit(needed).await?;
        memory.absorb(body_memory);
        let limits = Limits {
            max_alloc: memory.bytes(),
            ..limits
        };
        // The admission goes with the work: if this request is dropped (its client left),
        // the memory stays counted until the transform has really given it back, and a
        // transform that has not started yet does not start.
        let abandoned = Abandoned::default();
        let flag = abandoned.flag();
        let budget = self.budget.clone();
        let started = Instant::now();
        let result = blocking(move || {
            let mut memory = memory;
            if flag.load(Ordering::Acquire) {
                return Err(ImageError::Encode("the request was abandoned".into()));
            }
            let output = imaging::transform(&body, &t, &limits)?;
            // The output stays admitted while it is sent; the rest is given back here.
            let kept = budget.split_off(&mut memory, output.bytes.len() as u64);
            Ok((output, kept))
        })
        .await;
        crate::metrics::image_transform(result.is_ok(), started.elapsed());
        let (output, kept) = result?;
        drop(abandoned);
        let kept = match kept {
            Some(kept) => kept,
            None => self.budget.admit(output.bytes.len() as u64).await?,
        };
        let entry =
            Entry::new(output.bytes, output.format.mime(), IMAGE_TTL).with_note(output.note);
        Ok((self.cache.put(key, entry).await, kept))
    }

    /// The body of the image at `url`, with its memory admitted as it grows: all at once
    /// when the length is announced, else doubling as it streams in.
    async fn download(&self, url: &Url) -> Result<(Bytes, Admitted), ProxyError> {
        let max = self.limits.max_source_bytes;
        let mut answer = self.fetcher.open_image(url.clone()).await?;
        let mut admitted = Admitted::default();
        let mut body = Vec::new();
        if let Some(length) = answer.content_length() {
            if length > max as u64 {
                return Err(FetchError::TooLarge { max }.into());
            }
            admitted = self.budget.admit_body(length).await?;
            body.reserve_exact(length as usize);
        }
        while let Some(chunk) = answer.chunk().await? {
            let len = body.len() + chunk.len();
            if len > max {
                return Err(FetchError::TooLarge { max }.into());
            }
            if len > body.capacity() {
                let capacity = (body.capacity() * 2).max(len).max(BODY_STEP).min(max);
                let more = (capacity as u64).saturating_sub(admitted.bytes());
                if more > 0 {
                    admitted.absorb(self.budget.admit_body(more).await?);
                }
                body.reserve_exact(capacity - body.len());
            }
            body.extend_from_slice(&chunk);
        }
        Ok((Bytes::from(body), admitted))
    }
}

/// Set when the request that started a transform is dropped; the transform checks it before
/// it starts.
#[derive(Default)]
struct Abandoned(Arc<AtomicBool>);

impl Abandoned {
    fn flag(&self) -> Arc<AtomicBool> {
        self.0.clone()
    }
}

impl Drop for Abandoned {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

/// Runs CPU-bound image work on a blocking thread.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ImageError> + Send + 'static,
) -> Result<T, ImageError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ImageError::Encode(format!("the image worker failed: {e}")))?
}

impl Served {
    /// Whether sending this image holds anything besides its bytes: memory admitted for it,
    /// or the flight it came from. An image the memory cache holds, fresh, holds neither.
    pub fn holds_more_than_its_bytes(&self) -> bool {
        self._memory.is_some() || self._flight.is_some()
    }

    fn admitted(image: Arc<Held>, status: CacheStatus, memory: Admitted) -> Self {
        Self {
            image,
            status,
            _memory: Some(Arc::new(memory)),
            _flight: None,
        }
    }
}

/// What an image variant is cached under: its URL and transform as text, which keys the
/// memory tier (and the flights), and the name the disk and Redis tiers have always stored it
/// by, `image:` and the hex SHA-256 of that text, made only when a tier past memory or a new
/// entry needs it: a memory hit makes no digest.
#[derive(Clone)]
struct ImageKey {
    /// The URL's serialization (what `{url}` displays; it never holds a line break), a line
    /// break, and the transform's cache key.
    text: String,
    name: OnceLock<[u8; ImageKey::NAME_LEN]>,
}

impl ImageKey {
    const PREFIX: &[u8] = b"image:";
    const NAME_LEN: usize = Self::PREFIX.len() + 64;

    /// The key of a URL's variant: `url` is the URL's serialization.
    fn of(url: &str, t: &Transform) -> Self {
        let transform = t.cache_key();
        let transform = transform.as_bytes();
        let mut text = String::with_capacity(url.len() + 1 + transform.len());
        text.push_str(url);
        text.push('\n');
        // The transform's key is ASCII.
        text.push_str(std::str::from_utf8(transform).unwrap_or_default());
        Self {
            text,
            name: OnceLock::new(),
        }
    }
}

impl cache::Key for ImageKey {
    fn memory(&self) -> &str {
        &self.text
    }

    fn name(&self) -> &str {
        let name = self.name.get_or_init(|| {
            let mut name = [0; Self::NAME_LEN];
            name[..Self::PREFIX.len()].copy_from_slice(Self::PREFIX);
            hex_into(&Sha256::digest(&self.text), &mut name[Self::PREFIX.len()..]);
            name
        });
        // The prefix and hex digits are ASCII.
        std::str::from_utf8(name).unwrap_or_default()
    }
}

impl PartialEq for ImageKey {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for ImageKey {}

impl std::hash::Hash for ImageKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};
    use std::future::Future;
    use std::sync::atomic::AtomicUsize;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;
    use tokio::sync::watch;

    use super::*;
    use crate::cache::CacheSettings;
    use crate::fetch::FetchSettings;
    use crate::fetch::guard::Guard;

    const MIB: u64 = 1024 * 1024;

    /// An image host that counts the requests it is sent and answers none of them until it
    /// is opened.
    struct HeldHost {
        url: Url,
        open: watch::Sender<bool>,
        requests: Arc<AtomicUsize>,
    }

    impl HeldHost {
        async fn start(image: Vec<u8>) -> Self {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}/a.png", listener.local_addr().unwrap());
            let (open, opened) = watch::channel(false);
            let requests = Arc::new(AtomicUsize::new(0));
            let counted = Arc::clone(&requests);
            tokio::spawn(async move {
                while let Ok((mut socket, _)) = listener.accept().await {
                    let (mut opened, counted) = (opened.clone(), Arc::clone(&counted));
                    let image = image.clone();
                    tokio::spawn(async move {
                        let mut head = Vec::new();
                        let mut buf = [0u8; 1024];
                        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                            match socket.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => head.extend_from_slice(&buf[..n]),
                            }
                        }
                        counted.fetch_add(1, Ordering::SeqCst);
                        if opened.wait_for(|open| *open).await.is_err() {
                            return;
                        }
                        let head = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: image/png\r\n\
                             content-length: {}\r\nconnection: close\r\n\r\n",
                            image.len()
                        );
                        let _ = socket.write_all(head.as_bytes()).await;
                        let _ = socket.write_all(&image).await;
                    });
                }
            });
            Self {
                url: Url::parse(&url).unwrap(),
                open,
                requests,
            }
        }

        fn requests(&self) -> usize {
            self.requests.load(Ordering::SeqCst)
        }
    }

    fn png() -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        image::RgbImage::from_pixel(8, 8, image::Rgb([200, 40, 40]))
            .write_to(&mut out, image::ImageFormat::Png)
            .unwrap();
        out.into_inner()
    }

    fn proxy(cache: &TieredCache) -> ImageProxy {
        let fetcher = Fetcher::new(FetchSettings {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            max_body_bytes: MIB as usize,
            upstreams: HashMap::new(),
            guard: Guard::new(HashMap::new(), HashSet::new()).allowing_private_networks(),
            proxy: None,
            credentials: HashMap::new(),
        });
        let budget = MemoryBudget::new(64 * MIB, Duration::from_secs(5));
        ImageProxy::new(
            Arc::new(fetcher),
            cache.clone(),
            Limits::default(),
            budget,
            NonZeroUsize::MIN,
        )
    }

    /// A cache of 8 MiB in memory and no other tier.
    fn memory_cache() -> TieredCache {
        TieredCache::new(CacheSettings {
            memory_bytes: 8 * MIB,
            dir: None,
            max_disk_bytes: 0,
            redis: None,
        })
    }

    /// Waits until `done` says so, failing the test after 10 s.
    async fn wait_until<F: Future<Output = bool>>(what: &str, mut done: impl FnMut() -> F) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done().await {
            assert!(Instant::now() < deadline, "timed out waiting until {what}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    #[tokio::test]
    async fn twenty_stale_serves_of_one_image_make_one_refresh() {
        let host = HeldHost::start(png()).await;
        let cache = memory_cache();
        let proxy = proxy(&cache);
        let t = Transform::default();
        let stale = Entry::new(png(), "image/png", Duration::ZERO);
        cache.put(&ImageKey::of(host.url.as_str(), &t), stale).await;

        // One after another, each served and let go, so no request joins another's.
        for _ in 0..20 {
            let served = proxy.get(&host.url, &t).await.unwrap();
            assert_eq!(served.status, CacheStatus::Stale);
        }
        wait_until("the refresh reaches the host", || async {
            host.requests() >= 1
        })
        .await;
        host.open.send_replace(true);
        wait_until("the refreshed image is served fresh", || async {
            proxy.get(&host.url, &t).await.unwrap().status == CacheStatus::Hit
        })
        .await;

        assert_eq!(host.requests(), 1);
    }

    #[tokio::test]
    async fn an_image_in_memory_is_found_by_its_urls_text_as_serialized_only() {
        let cache = memory_cache();
        let proxy = proxy(&cache);
        let (t, other) = (
            Transform::default(),
            Transform {
                quality: 10,
                ..Transform::default()
            },
        );
        let url = Url::parse("https://cdn.example/a%20b.png?x=1").unwrap();
        let fresh = Entry::new(png(), "image/png", Duration::from_secs(3600));
        cache.put(&ImageKey::of(url.as_str(), &t), fresh).await;
        let stale_url = Url::parse("https://cdn.example/old.png").unwrap();
        let stale = Entry::new(png(), "image/png", Duration::ZERO);
        cache
            .put(&ImageKey::of(stale_url.as_str(), &t), stale)
            .await;

        let held = proxy
            .held(url.as_str(), &t)
            .await
            .expect("held as serialized");
        assert_eq!(held.status, CacheStatus::Hit);
        assert_eq!(held.image.entry.bytes, png());
        for text in [
            "HTTPS://CDN.example/a%20b.png?x=1",
            "https://cdn.example/a b.png?x=1",
            "https://cdn.example/a%20b.png?x=1\n",
            "https://cdn.example/a%20b.png?x=1#",
        ] {
            assert!(proxy.held(text, &t).await.is_none(), "{text:?}");
        }
        assert!(proxy.held(url.as_str(), &other).await.is_none());
        // Past its time, an image goes the way of `get`, which serves it STALE.
        assert!(proxy.held(stale_url.as_str(), &t).await.is_none());
    }

    #[test]
    fn an_image_key_is_the_name_the_disk_and_redis_tiers_know() {
        use crate::imaging::{Fit, FormatChoice, PIPELINE_VERSION};
        let url = Url::parse("https://cdn.example/a b.png?x=1").unwrap();
        let t = Transform {
            width: Some(400),
            height: None,
            fit: Fit::Cover,
            format: FormatChoice::from_query("webp").unwrap(),
            quality: 80,
            upscale: false,
        };
        // As the key was written before it was made on the stack.
        let text = format!(
            "{url}\npipeline={PIPELINE_VERSION};w=400;h=;fit=cover;format=webp;q=80;upscale=0"
        );
        let digest = Sha256::digest(&text);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        let key = ImageKey::of(url.as_str(), &t);
        assert_eq!(cache::Key::name(&key), format!("image:{hex}"));
        assert_eq!(cache::Key::memory(&key), text);
    }
}
