//! Fixed bodies (the home page, the embedded stylesheet and script) also kept brotli- and
//! gzip-compressed, and which of the three a request takes by its `accept-encoding`.
//!
//! The compressed forms are made once, on a thread of their own, the first time a client
//! that accepts one asks; until they are ready that client gets the plain body, so the
//! first request after a cold start never waits on brotli's best (and slowest) level.
//! Only fixed bodies are compressed: they reflect nothing a visitor sent, so a compressed
//! length can leak nothing (BREACH).

use std::io::Write;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponseBuilder};

/// A body smaller than this is sent as it is: its compressed form would save less than the
/// `content-encoding` and `vary` headers cost.
const SMALLEST: usize = 1024;

/// A content coding the server offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// The body as it is.
    Identity,
    /// `gzip`.
    Gzip,
    /// `br`.
    Brotli,
}

impl Coding {
    /// The `content-encoding` value, `None` for the plain body.
    pub fn header(self) -> Option<HeaderValue> {
        match self {
            Coding::Identity => None,
            Coding::Gzip => Some(HeaderValue::from_static("gzip")),
            Coding::Brotli => Some(HeaderValue::from_static("br")),
        }
    }

    /// A suffix that keeps each form's ETag apart (RFC 9110 8.8.3: a strong validator
    /// differs between representations).
    pub fn etag_suffix(self) -> &'static str {
        match self {
            Coding::Identity => "",
            Coding::Gzip => "-gz",
            Coding::Brotli => "-br",
        }
    }
}

/// Marks `response` as one of several forms chosen by `accept-encoding`, and names its
/// coding.
pub fn describe(response: &mut HttpResponseBuilder, coding: Coding) {
    response.insert_header((header::VARY, HeaderValue::from_static("accept-encoding")));
    if let Some(value) = coding.header() {
        response.insert_header((header::CONTENT_ENCODING, value));
    }
}

/// The coding a request prefers among the ones offered: the highest `q` of `br` and
/// `gzip` (or `*`), brotli on a tie, and the plain body when neither is accepted or
/// there is no header. Read without allocating, as it runs on every `/`: actix's
/// `AcceptEncoding::negotiate` builds a set and a list per call.
pub fn preferred(req: &HttpRequest) -> Coding {
    let mut brotli = None;
    let mut gzip = None;
    let mut any = None;
    for value in req.headers().get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let quality = parts.find_map(quality).unwrap_or(1.0);
            let slot = if name.eq_ignore_ascii_case("br") {
                &mut brotli
            } else if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
                &mut gzip
            } else if name == "*" {
                &mut any
            } else {
                continue;
            };
            *slot = Some(quality);
        }
    }
    let brotli = brotli.or(any).unwrap_or(0.0);
    let gzip = gzip.or(any).unwrap_or(0.0);
    if brotli > 0.0 && brotli >= gzip {
        Coding::Brotli
    } else if gzip > 0.0 {
        Coding::Gzip
    } else {
        Coding::Identity
    }
}

/// The `q` of one parameter (`q=0.5`), if it is one; an unreadable `q` counts as 0.
fn quality(param: &str) -> Option<f32> {
    let (key, value) = param.split_once('=')?;
    if !key.trim().eq_ignore_ascii_case("q") {
        return None;
    }
    let q = value.trim().parse::<f32>().unwrap_or(0.0);
    Some(if (0.0..=1.0).contains(&q) { q } else { 0.0 })
}

/// A body that never changes, and its compressed forms once they are made.
pub struct Compressed {
    forms: OnceLock<Forms>,
    started: AtomicBool,
}

/// The compressed forms of one body.
struct Forms {
    gzip: Box<[u8]>,
    brotli: Box<[u8]>,
}

impl Compressed {
    /// Nothing made yet.
    pub const fn new() -> Self {
        Self {
            forms: OnceLock::new(),
            started: AtomicBool::new(false),
        }
    }

    /// `body` in the coding `wanted` as far as it is ready, and the coding it is in. The
    /// first call that wants one starts making both forms; until then, and for a body under
    /// [`SMALLEST`], the plain body.
    pub fn get(&'static self, body: &'static [u8], wanted: Coding) -> (&'static [u8], Coding) {
        if wanted == Coding::Identity || body.len() < SMALLEST {
            return (body, Coding::Identity);
        }
        let Some(forms) = self.forms.get() else {
            self.start(body);
            return (body, Coding::Identity);
        };
        match wanted {
            Coding::Brotli => (&forms.brotli, Coding::Brotli),
            Coding::Gzip => (&forms.gzip, Coding::Gzip),
            Coding::Identity => (body, Coding::Identity),
        }
    }

    /// Makes the forms on a thread of their own, once. If the thread cannot start, the
    /// plain body is all this process serves.
    fn start(&'static self, body: &'static [u8]) {
        if self.started.swap(true, Ordering::Relaxed) {
            return;
        }
        let spawned = std::thread::Builder::new()
            .name("getimages-compress".into())
            .spawn(move || match compress(body) {
                Ok(forms) => {
                    let _ = self.forms.set(forms);
                }
                Err(e) => tracing::warn!("could not compress a page: {e}"),
            });
        if let Err(e) = spawned {
            tracing::warn!("could not start compressing a page: {e}");
        }
    }
}

impl Default for Compressed {
    fn default() -> Self {
        Self::new()
    }
}

/// `body` at brotli's and gzip's best levels: made once, so the smallest forms are worth
/// the milliseconds.
fn compress(body: &[u8]) -> std::io::Result<Forms> {
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gzip.write_all(body)?;
    let gzip = gzip.finish()?;
    // A window just large enough for the body (brotli allows 2^10 to 2^24).
    let window = (usize::BITS - body.len().leading_zeros()).clamp(10, 24);
    let mut brotli = brotli::CompressorWriter::new(Vec::new(), 4096, 11, window);
    brotli.write_all(body)?;
    brotli.flush()?;
    let brotli = brotli.into_inner();
    Ok(Forms {
        gzip: gzip.into_boxed_slice(),
        brotli: brotli.into_boxed_slice(),
    })
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::time::{Duration, Instant};

    use actix_web::test::TestRequest;

    use super::*;

    fn asks(accept_encoding: &str) -> Coding {
        let req = TestRequest::default()
            .insert_header((header::ACCEPT_ENCODING, accept_encoding))
            .to_http_request();
        preferred(&req)
    }

    #[test]
    fn a_browser_gets_brotli_and_an_old_client_gzip() {
        assert_eq!(asks("gzip, deflate, br, zstd"), Coding::Brotli);
        assert_eq!(asks("gzip, deflate"), Coding::Gzip);
        assert_eq!(asks("X-GZIP"), Coding::Gzip);
        assert_eq!(asks("deflate"), Coding::Identity);
        assert_eq!(asks(""), Coding::Identity);
        let none = TestRequest::default().to_http_request();
        assert_eq!(preferred(&none), Coding::Identity);
    }

    #[test]
    fn weights_decide_and_zero_refuses() {
        assert_eq!(asks("br;q=0.5, gzip;q=0.8"), Coding::Gzip);
        assert_eq!(asks("br; q=0.9, gzip ; q=0.8"), Coding::Brotli);
        assert_eq!(asks("br;q=0, gzip;q=0"), Coding::Identity);
        assert_eq!(asks("br;q=0, *"), Coding::Gzip);
        assert_eq!(asks("*;q=0.1"), Coding::Brotli);
        assert_eq!(asks("*;q=0, identity"), Coding::Identity);
        assert_eq!(asks("br;q=nonsense, gzip"), Coding::Gzip);
        assert_eq!(asks("br;q=7, gzip;q=0.2"), Coding::Gzip);
    }

    /// Every form decodes to the body; a small body and the plain coding stay as they are.
    #[test]
    fn forms_decode_to_the_body_once_made() {
        static PAGE: Compressed = Compressed::new();
        let body: &'static [u8] = "<li>a platform</li>\n".repeat(400).leak().as_bytes();
        assert_eq!(PAGE.get(body, Coding::Identity), (body, Coding::Identity));
        assert_eq!(
            PAGE.get(b"tiny", Coding::Brotli),
            (&b"tiny"[..], Coding::Identity)
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        let (brotli, gzip) = loop {
            let (brotli, coding) = PAGE.get(body, Coding::Brotli);
            if coding == Coding::Brotli {
                break (brotli, PAGE.get(body, Coding::Gzip));
            }
            assert_eq!(brotli, body, "the plain body until the forms are made");
            assert!(Instant::now() < deadline, "the forms were never made");
            std::thread::sleep(Duration::from_millis(5));
        };
        assert_eq!(gzip.1, Coding::Gzip);
        assert!(brotli.len() < body.len() / 10 && gzip.0.len() < body.len() / 10);
        let mut unbrotli = Vec::new();
        brotli::Decompressor::new(brotli, 4096)
            .read_to_end(&mut unbrotli)
            .unwrap();
        assert_eq!(unbrotli, body);
        let mut ungzip = Vec::new();
        flate2::read::GzDecoder::new(gzip.0)
            .read_to_end(&mut ungzip)
            .unwrap();
        assert_eq!(ungzip, body);
    }
}
