//! Image transformation: bytes in, bytes out, under explicit limits. No HTTP, no cache.
//!
//! The path is a straight line: check the length → sniff the magic bytes → check the container
//! is whole → read the header (size, EXIF orientation) and refuse too many pixels → plan the
//! output size → decode under `image::Limits` (a JPEG shrunk while decoding, as far as the
//! output allows) → turn upright → resize → convert an ICC profile's colours to sRGB → encode.
//! A transform that changes neither the size nor the format hands the source bytes back
//! untouched, without decoding them, so an animated GIF stays animated; any other transform
//! of an animation gives its first frame, and says so in [`Output::note`].
//!
//! Everything here is CPU-bound and synchronous: call it from a blocking thread
//! (`tokio::task::spawn_blocking`, as the image proxy does), never on the async executor.

mod codec;
mod colour;
mod error;
mod format;
mod geometry;
mod jpeg;
mod resize;

pub use error::ImageError;
pub use format::{Format, FormatChoice, sniff};
pub use geometry::Fit;

use geometry::Plan;

use crate::decimal::Decimal;

/// Bumped whenever the same transform starts giving different bytes, so that variants
/// cached before are not served for it: 2 is lossy WebP, 4:2:0 JPEG, colours converted to
/// sRGB and the first-frame note; 3 is JPEG decoded by libjpeg-turbo and lossy WebP at
/// libwebp's method 2.
pub const PIPELINE_VERSION: u32 = 3;

/// JPEG quality used when none is asked for.
pub const DEFAULT_QUALITY: u8 = 82;

/// What we are willing to spend on one image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest source accepted, in bytes.
    pub max_source_bytes: usize,
    /// Most pixels decoded from a source or produced for an output.
    pub max_pixels: u64,
    /// Most bytes a decoder may allocate for one image.
    pub max_alloc: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_source_bytes: 15 * 1024 * 1024,
            max_pixels: 40_000_000,
            max_alloc: 512 * 1024 * 1024,
        }
    }
}

impl Limits {
    /// The same limits, in the decoder's terms.
    fn decoder_limits(&self) -> image::Limits {
        let side = u32::try_from(self.max_pixels).unwrap_or(u32::MAX);
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(side);
        limits.max_image_height = Some(side);
        limits.max_alloc = Some(self.max_alloc);
        limits
    }

    fn check_pixels(&self, (width, height): (u32, u32)) -> Result<(), ImageError> {
        if u64::from(width) * u64::from(height) > self.max_pixels {
            return Err(ImageError::TooManyPixels {
                width,
                height,
                max: self.max_pixels,
            });
        }
        Ok(())
    }
}

/// What to do to an image: a size, how it fits, a format and a quality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Transform {
    /// Box width; `None` (or 0) leaves it to the aspect ratio.
    pub width: Option<u32>,
    /// Box height; `None` (or 0) leaves it to the aspect ratio.
    pub height: Option<u32>,
    /// How the picture meets the box when both sides are given.
    pub fit: Fit,
    /// The format written.
    pub format: FormatChoice,
    /// JPEG and WebP quality, 1..=100 (clamped): JPEG chroma is halved below 90, and WebP is
    /// lossy below 100 and lossless at 100. PNG and GIF ignore it.
    pub quality: u8,
    /// Whether a picture smaller than the box may be enlarged.
    pub upscale: bool,
}

impl Default for Transform {
    fn default() -> Self {
        Self {
            width: None,
            height: None,
            fit: Fit::default(),
            format: FormatChoice::Original,
            quality: DEFAULT_QUALITY,
            upscale: false,
        }
    }
}

impl Transform {
    /// A stable text naming this transform, field by field, for cache keys: it changes only
    /// when what the transform does changes, [`PIPELINE_VERSION`] included. Written on the
    /// stack, byte by byte: it is made for every image request, cache hits included.
    pub fn cache_key(&self) -> CacheKey {
        let mut key = CacheKey {
            text: [0; CacheKey::ROOM],
            len: 0,
        };
        key.push(b"pipeline=");
        key.push_number(PIPELINE_VERSION);
        key.push(b";w=");
        if let Some(width) = self.width {
            key.push_number(width);
        }
        key.push(b";h=");
        if let Some(height) = self.height {
            key.push_number(height);
        }
        key.push(b";fit=");
        key.push(self.fit.as_str().as_bytes());
        key.push(b";format=");
        key.push(self.format.as_str().as_bytes());
        key.push(b";q=");
        key.push_number(u32::from(self.quality));
        key.push(b";upscale=");
        key.push(if self.upscale { b"1" } else { b"0" });
        key
    }

    /// Whether this asks for nothing at all: no size and the original format, so the source
    /// bytes are served as they are.
    pub fn is_identity(&self) -> bool {
        self.width.is_none_or(|w| w == 0)
            && self.height.is_none_or(|h| h == 0)
            && self.format == FormatChoice::Original
    }
}

/// [`Transform::cache_key`]'s text, on the stack.
pub struct CacheKey {
    text: [u8; CacheKey::ROOM],
    len: usize,
}

impl CacheKey {
    /// Room for the longest text: three numbers of ten digits, the longest fit and format
    /// names, and the field names.
    const ROOM: usize = 96;

    /// The text's bytes (ASCII).
    pub fn as_bytes(&self) -> &[u8] {
        &self.text[..self.len]
    }

    fn push(&mut self, bytes: &[u8]) {
        self.text[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    /// `n` in decimal, as `{n}` formats it.
    fn push_number(&mut self, n: u32) {
        self.push(Decimal::new(u64::from(n)).as_bytes());
    }
}

/// A transformed image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// The encoded image.
    pub bytes: Vec<u8>,
    /// Its format.
    pub format: Format,
    /// Its width as displayed (after EXIF orientation).
    pub width: u32,
    /// Its height as displayed (after EXIF orientation).
    pub height: u32,
    /// What a viewer should know about how it was made, served as `x-image-note`.
    pub note: Option<&'static str>,
}

/// The note on an animation of which only the first frame was kept.
pub const FIRST_FRAME_NOTE: &str =
    "first frame only: animated images are served still once resized or converted";

/// The working memory transforming `bytes` as `t` says will take at its peak, in bytes,
/// from the header alone: what to admit against a memory budget before [`transform`] runs
/// with that much as its `max_alloc`. The source bytes themselves are not counted.
///
/// Fails as [`transform`] would for an image it refuses before decoding (not an image,
/// truncated, too many pixels).
pub fn working_memory(bytes: &[u8], t: &Transform, limits: &Limits) -> Result<u64, ImageError> {
    let prepared = prepare(bytes, t, limits)?;
    if prepared.keeps_source() {
        return Ok(bytes.len() as u64);
    }
    let upright = prepared.header.upright_size();
    Ok(prepared
        .header
        .working_memory(prepared.plan.needed(upright), prepared.size))
}

/// Transforms `bytes` as `t` says, within `limits`.
///
/// When the result would have the source's size and format (an identity transform, or a
/// resize that would have to enlarge without `upscale`), the source bytes come back untouched.
/// A transformed animated GIF or WebP keeps only its first frame, with [`FIRST_FRAME_NOTE`].
pub fn transform(bytes: &[u8], t: &Transform, limits: &Limits) -> Result<Output, ImageError> {
    let prepared = prepare(bytes, t, limits)?;
    let (width, height) = prepared.size;
    if prepared.keeps_source() {
        return Ok(Output {
            bytes: bytes.to_vec(),
            format: prepared.format,
            width,
            height,
            note: None,
        });
    }
    let Prepared {
        header,
        plan,
        format,
        ..
    } = prepared;
    let note = header.animated.then_some(FIRST_FRAME_NOTE);
    let upright = header.upright_size();
    let source = header.decode(limits, plan.needed(upright))?;
    let mut image = resize::apply(source.image, plan)?;
    if let Some(icc) = &source.icc {
        colour::to_srgb(&mut image, icc);
    }
    let bytes = codec::encode(&image, format, t.quality)?;
    Ok(Output {
        bytes,
        format,
        width: image.width(),
        height: image.height(),
        note,
    })
}

/// An image checked and planned, not decoded yet.
struct Prepared<'a> {
    header: codec::Header<'a>,
    plan: Plan,
    source_format: Format,
    format: Format,
    /// The output size.
    size: (u32, u32),
}

impl Prepared<'_> {
    /// Whether the source bytes are the answer as they are.
    fn keeps_source(&self) -> bool {
        self.plan == Plan::Keep && self.format == self.source_format
    }
}

/// Checks the length, sniffs the format, checks the container is whole, reads the header,
/// refuses too many pixels and plans the output.
fn prepare<'a>(
    bytes: &'a [u8],
    t: &Transform,
    limits: &Limits,
) -> Result<Prepared<'a>, ImageError> {
    if bytes.len() > limits.max_source_bytes {
        return Err(ImageError::TooLarge {
            bytes: bytes.len(),
            max: limits.max_source_bytes,
        });
    }
    let source_format = sniff(bytes).ok_or(ImageError::NotAnImage)?;
    format::ensure_complete(source_format, bytes)?;
    let header = codec::Header::read(bytes, source_format, limits)?;
    limits.check_pixels(header.stored_size)?;
    let upright = header.upright_size();
    let plan = Plan::new(upright, t);
    let size = plan.output_size(upright);
    limits.check_pixels(size)?;
    Ok(Prepared {
        header,
        plan,
        source_format,
        format: t.format.resolve(source_format),
        size,
    })
}

#[cfg(test)]
mod tests;
