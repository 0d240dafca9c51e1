//! Reading headers, decoding and encoding under our limits: the `image` crate for most of it,
//! libjpeg-turbo (the `mozjpeg` crate) to shrink a JPEG while decoding it (see
//! [`super::jpeg`]) and for JPEG output (4:2:0 chroma below q90), and libwebp (the `webp`
//! crate) for WebP output.

use std::borrow::Cow;
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use image::codecs::gif::GifEncoder;
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader};
use mozjpeg::{ColorSpace, Compress, qtable};

use super::{Format, ImageError, Limits, jpeg};

/// NeuQuant speed for GIF palettes: 1 is best and slowest, 30 fastest; 10 is the `gif`
/// crate's suggested balance.
const GIF_SPEED: i32 = 10;

/// JPEG quality from which chroma keeps its full resolution (4:4:4); below it, 4:2:0 halves
/// it both ways, as libjpeg, libvips and Pillow do, for about a fifth fewer bytes at no
/// visible cost in a photo.
const FULL_CHROMA_QUALITY: u8 = 90;

/// libwebp's effort for lossy WebP (0 fastest to 6 smallest; libwebp and libvips default to
/// 4). On the 400² cover of `benches/image_resize.rs`' 4000×3000 photo at q80, method 2 takes
/// 3.1 ms for 4,794 bytes and method 4 8.0 ms for 4,694. A variant is encoded once and then
/// served from the cache, but on a one-CPU Machine those 5 ms are a sixth of a miss, for 2%
/// more bytes; the bench checks that the SSIM still matches libvips' at method 4.
const WEBP_LOSSY_METHOD: i32 = 2;

/// The WebP quality that asks for a lossless WebP instead of a lossy one.
pub(crate) const LOSSLESS_QUALITY: u8 = 100;

/// An image whose header has been read, and nothing more.
pub(crate) struct Header<'a> {
    decoder: Box<dyn ImageDecoder + 'a>,
    /// Size as stored, before EXIF orientation.
    pub(crate) stored_size: (u32, u32),
    orientation: Orientation,
    /// A GIF's bytes: its first frame, which may claim to be far larger than the logical
    /// screen, is checked before decoding.
    gif: Option<&'a [u8]>,
    /// A JPEG's bytes, to decode them shrunk (see [`Header::decode`]).
    jpeg: Option<&'a [u8]>,
    /// Whether the source is an animation (a GIF or WebP of more than one frame), of which
    /// only the first frame is decoded.
    pub(crate) animated: bool,
    /// Whether the source is a WebP, whose lossy decoder keeps YUV planes beside the pixels.
    webp: bool,
}

/// What a decoder allocates besides its pixels: row buffers, inflate and Huffman state.
const DECODER_SLACK: u64 = 1024 * 1024;

/// Decoded pixels and the colour profile they are in.
pub(crate) struct Decoded {
    /// Upright, 8 bits per channel.
    pub(crate) image: DynamicImage,
    /// The embedded ICC profile, if any.
    pub(crate) icc: Option<Vec<u8>>,
}

impl<'a> Header<'a> {
    /// Reads the header (size, EXIF orientation) without decoding any pixel.
    pub(crate) fn read(
        bytes: &'a [u8],
        format: Format,
        limits: &Limits,
    ) -> Result<Self, ImageError> {
        // Only the allocation limit here: the caller checks `stored_size` against its pixel
        // limit itself, so that a refusal can say how big the image claims to be; `decode`
        // then sets the full limits on the decoder.
        let mut header_limits = image::Limits::default();
        header_limits.max_alloc = Some(limits.max_alloc);
        let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
        reader.limits(header_limits);
        let mut decoder = reader.into_decoder().map_err(corrupt)?;
        let stored_size = decoder.dimensions();
        // A broken Exif block is no reason to refuse the picture.
        let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
        let animated = match format {
            Format::Gif => gif_is_animated(bytes),
            Format::Webp => webp_is_animated(bytes),
            Format::Jpeg | Format::Png => false,
        };
        Ok(Self {
            decoder: Box::new(decoder),
            stored_size,
            orientation,
            gif: (format == Format::Gif).then_some(bytes),
            jpeg: (format == Format::Jpeg).then_some(bytes),
            animated,
            webp: format == Format::Webp,
        })
    }

    /// Whether the picture is stored a quarter turn from upright.
    fn turned(&self) -> bool {
        matches!(
            self.orientation,
            Orientation::Rotate90
                | Orientation::Rotate270
                | Orientation::Rotate90FlipH
                | Orientation::Rotate270FlipH
        )
    }

    /// A size as stored turned to the size as displayed, or back: width and height swap
    /// for a quarter turn.
    fn turn(&self, (width, height): (u32, u32)) -> (u32, u32) {
        if self.turned() {
            (height, width)
        } else {
            (width, height)
        }
    }

    /// The size as displayed.
    pub(crate) fn upright_size(&self) -> (u32, u32) {
        self.turn(self.stored_size)
    }

    /// The most memory decoding, turning, resizing to `output` and encoding will hold at
    /// once, in bytes; `needed` is as for [`Header::decode`], which shrinks a JPEG while
    /// decoding it, so a shrunk JPEG counts at its reduced size.
    ///
    /// The peak is the decoded buffer, plus the largest working copy made while it is
    /// alive (the quarter turn's, the 8-bit conversion's, or the premultiplied copy the
    /// resizer makes of a picture with alpha), plus what a decoder keeps on the side (a
    /// progressive JPEG's coefficients, a lossy WebP's YUV planes, a GIF's frame), plus
    /// four buffers of the output's size (resized, letterboxed, converted, encoded).
    pub(crate) fn working_memory(&self, needed: (u32, u32), output: (u32, u32)) -> u64 {
        let (width, height) = self.stored_size;
        let full_pixels = u64::from(width) * u64::from(height);
        let colour = self.decoder.color_type();
        let channels = u64::from(colour.channel_count());
        let shrunk = self.jpeg.and_then(|jpeg| {
            let (w, h) = jpeg::shrink(jpeg, self.stored_size, self.turn(needed))?.size;
            Some(u64::from(w) * u64::from(h))
        });
        let (pixels, decoded) = match shrunk {
            Some(pixels) => (pixels, pixels * channels),
            None => (full_pixels, self.decoder.total_bytes()),
        };
        let eight_bit = pixels * channels;
        let mut copy = 0;
        if self.turned() {
            copy = decoded;
        }
        if colour.bytes_per_pixel() as u64 > channels || colour.has_alpha() {
            copy = copy.max(eight_bit);
        }
        let side = match (self.jpeg, self.gif) {
            (Some(jpeg), _) => jpeg::frame(jpeg)
                .filter(|frame| frame.progressive)
                .map_or(0, |frame| frame.coefficient_bytes),
            (None, Some(gif)) => {
                gif_first_frame(gif).map_or(0, |(w, h)| 4 * u64::from(w) * u64::from(h))
            }
            (None, None) if self.webp => 2 * full_pixels,
            (None, None) => 0,
        };
        let output = 4 * 4 * u64::from(output.0) * u64::from(output.1);
        decoded + copy + side + output + DECODER_SLACK
    }

    /// Decodes the pixels under `limits`, turns them upright and brings them to 8 bits per
    /// channel (all our encoders and the resizer's fast paths want that).
    ///
    /// `needed` is the upright size the rest of the way needs at least: a JPEG large enough
    /// is decoded at 1/2, 1/4 or 1/8 of its size (DCT scaling, as libjpeg's and libvips'
    /// shrink-on-load), a fraction of the memory and faster than decoding it whole; see
    /// [`jpeg::shrink`].
    pub(crate) fn decode(
        mut self,
        limits: &Limits,
        needed: (u32, u32),
    ) -> Result<Decoded, ImageError> {
        let (width, height) = self.stored_size;
        let too_many = ImageError::TooManyPixels {
            width,
            height,
            max: limits.max_pixels,
        };
        // The `image` crate checks the screen against the limits but sizes its buffers by
        // the first frame (about 5 bytes a pixel): a 1×1 GIF whose frame claims 65535×2000
        // would take over 600 MB.
        if let Some((width, height)) = self.gif.and_then(gif_first_frame)
            && u64::from(width) * u64::from(height) > limits.max_pixels
        {
            return Err(ImageError::TooManyPixels {
                width,
                height,
                max: limits.max_pixels,
            });
        }
        let orientation = self.orientation;
        let shrunk = self.jpeg.and_then(|jpeg| {
            let scale = jpeg::shrink(jpeg, self.stored_size, self.turn(needed))?;
            let (w, h) = scale.size;
            if u64::from(w) * u64::from(h) * 3 > limits.max_alloc {
                return None;
            }
            jpeg::decode_scaled(jpeg, scale)
        });
        let (mut image, icc) = match shrunk {
            // The header's reader already found the profile.
            Some(image) => (image, self.decoder.icc_profile().ok().flatten()),
            None => {
                if self.decoder.total_bytes() > limits.max_alloc {
                    return Err(too_many);
                }
                // A broken profile is no reason to refuse the picture either.
                let icc = self.decoder.icc_profile().ok().flatten();
                let decoded = self
                    .decoder
                    .set_limits(limits.decoder_limits())
                    .and_then(|()| DynamicImage::from_decoder(self.decoder));
                match decoded {
                    Ok(image) => (image, icc),
                    Err(image::ImageError::Limits(_)) => return Err(too_many),
                    Err(e) => return Err(corrupt(e)),
                }
            }
        };
        image.apply_orientation(orientation);
        let image = match image {
            DynamicImage::ImageLuma8(_)
            | DynamicImage::ImageLumaA8(_)
            | DynamicImage::ImageRgb8(_)
            | DynamicImage::ImageRgba8(_) => image,
            _ if image.has_alpha() => image.into_rgba8().into(),
            _ => image.into_rgb8().into(),
        };
        Ok(Decoded { image, icc })
    }
}

/// Whether a GIF has a second frame; its pixels are skipped, not decoded.
fn gif_is_animated(bytes: &[u8]) -> bool {
    let mut options = gif::DecodeOptions::new();
    options.skip_frame_decoding(true);
    let Ok(mut decoder) = options.read_info(bytes) else {
        return false;
    };
    (0..2).all(|_| matches!(decoder.next_frame_info(), Ok(Some(_))))
}

/// Whether a WebP's extended header (`VP8X`) sets the animation flag.
fn webp_is_animated(bytes: &[u8]) -> bool {
    bytes.get(12..16) == Some(b"VP8X") && bytes.get(20).is_some_and(|flags| flags & 0x02 != 0)
}

/// The size of a GIF's first frame, from its image descriptor; no pixel is decoded.
fn gif_first_frame(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut decoder = gif::DecodeOptions::new().read_info(bytes).ok()?;
    let frame = decoder.next_frame_info().ok()??;
    Some((u32::from(frame.width), u32::from(frame.height)))
}

/// Encodes `image` as `format`.
///
/// `quality` applies to JPEG and WebP. WebP is lossy (VP8) at that quality, and lossless
/// (VP8L) at [`LOSSLESS_QUALITY`]. GIF gets one frame with a palette of at most 256 colours.
pub(crate) fn encode(
    image: &DynamicImage,
    format: Format,
    quality: u8,
) -> Result<Vec<u8>, ImageError> {
    let quality = quality.clamp(1, 100);
    let mut out = Vec::new();
    let written = match format {
        Format::Jpeg => return encode_jpeg(&flatten_onto_white(image), quality),
        Format::Webp => return encode_webp(image, quality),
        Format::Png => image.write_with_encoder(PngEncoder::new_with_quality(
            &mut out,
            CompressionType::Default,
            PngFilter::Adaptive,
        )),
        Format::Gif => {
            let rgb = match image {
                DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_) => Cow::Borrowed(image),
                _ if image.has_alpha() => Cow::Owned(image.to_rgba8().into()),
                _ => Cow::Owned(image.to_rgb8().into()),
            };
            // The encoder writes the GIF trailer when dropped, which `write_with_encoder` does.
            rgb.write_with_encoder(GifEncoder::new_with_speed(&mut out, GIF_SPEED))
        }
    };
    written.map_err(|e| ImageError::Encode(e.to_string()))?;
    Ok(out)
}

/// A baseline JPEG by libjpeg-turbo: mozjpeg's fastest profile, which is libjpeg-turbo's own
/// encoder (no trellis quantisation, one sequential scan), with libjpeg's standard tables
/// scaled to `quality` by libjpeg's rule (the crate's float arithmetic may round an entry
/// the other way) and kept to 8 bits (baseline, as libvips and Pillow ask), and the standard
/// Huffman tables; chroma at half resolution both ways below
/// [`FULL_CHROMA_QUALITY`], averaged rather than sampled. On the 400² cover of
/// `benches/image_resize.rs`' 4000×3000 photo at q80 it takes 0.4 ms where `jpeg-encoder`, our
/// encoder before, took 1.8 ms, for 12,731 bytes against 12,701 at the same SSIM (0.9931).
///
/// Not optimised Huffman tables: to count the symbols first, libjpeg keeps every coefficient
/// of the picture (two bytes a sample), where with the standard ones it writes a strip at a
/// time from the pixels we hold, within what [`Header::working_memory`] counts.
///
/// libjpeg reports a fatal error by unwinding out of the C code, so the encode runs under
/// `catch_unwind`, as the decode does (see [`jpeg::decode_scaled`]).
fn encode_jpeg(image: &DynamicImage, quality: u8) -> Result<Vec<u8>, ImageError> {
    let converted;
    let (pixels, colour) = match image {
        DynamicImage::ImageLuma8(grey) => (grey.as_raw(), ColorSpace::JCS_GRAYSCALE),
        DynamicImage::ImageRgb8(rgb) => (rgb.as_raw(), ColorSpace::JCS_RGB),
        _ => {
            converted = image.to_rgb8();
            (converted.as_raw(), ColorSpace::JCS_RGB)
        }
    };
    let (width, height) = (image.width() as usize, image.height() as usize);
    let encoded = catch_unwind(AssertUnwindSafe(|| -> std::io::Result<Vec<u8>> {
        let mut compress = Compress::new(colour);
        // First: it resets every setting to libjpeg's defaults.
        compress.set_fastest_defaults();
        compress.set_size(width, height);
        let quality = f32::from(quality);
        compress.set_luma_qtable(&qtable::AnnexK_Luma.scaled(quality, quality));
        compress.set_chroma_qtable(&qtable::AnnexK_Chroma.scaled(quality, quality));
        if colour == ColorSpace::JCS_RGB {
            let chroma = if quality < f32::from(FULL_CHROMA_QUALITY) {
                (2, 2)
            } else {
                (1, 1)
            };
            compress.set_chroma_sampling_pixel_sizes(chroma, chroma);
        }
        let mut started = compress.start_compress(Vec::new())?;
        started.write_scanlines(pixels)?;
        started.finish()
    }));
    match encoded {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => Err(ImageError::Encode(format!("libjpeg failed: {e}"))),
        Err(panic) => Err(ImageError::Encode(
            panic
                .downcast_ref::<String>()
                .map_or("libjpeg failed", String::as_str)
                .to_owned(),
        )),
    }
}

/// A WebP through libwebp: lossy at `quality` (with lossy alpha) and [`WEBP_LOSSY_METHOD`],
/// or lossless at [`LOSSLESS_QUALITY`]; libwebp's defaults otherwise.
fn encode_webp(image: &DynamicImage, quality: u8) -> Result<Vec<u8>, ImageError> {
    let (width, height) = (image.width(), image.height());
    let pixels: Cow<'_, [u8]>;
    let encoder = match image {
        DynamicImage::ImageRgb8(rgb) => webp::Encoder::from_rgb(rgb.as_raw(), width, height),
        DynamicImage::ImageRgba8(rgba) => webp::Encoder::from_rgba(rgba.as_raw(), width, height),
        _ if image.has_alpha() => {
            pixels = Cow::Owned(image.to_rgba8().into_raw());
            webp::Encoder::from_rgba(&pixels, width, height)
        }
        _ => {
            pixels = Cow::Owned(image.to_rgb8().into_raw());
            webp::Encoder::from_rgb(&pixels, width, height)
        }
    };
    let lossless = quality >= LOSSLESS_QUALITY;
    let mut config = webp::WebPConfig::new()
        .map_err(|()| ImageError::Encode("libwebp's configuration failed".into()))?;
    config.quality = f32::from(quality);
    if lossless {
        config.lossless = 1;
    } else {
        config.alpha_compression = 1;
        config.method = WEBP_LOSSY_METHOD;
    }
    let memory = encoder
        .encode_advanced(&config)
        .map_err(|e| ImageError::Encode(format!("libwebp failed: {e:?}")))?;
    Ok(memory.to_vec())
}

/// JPEG has no alpha: composite onto white, as a browser would show it on a white page,
/// rather than let the encoder drop the channel and reveal whatever colour hid under it.
fn flatten_onto_white(image: &DynamicImage) -> Cow<'_, DynamicImage> {
    fn over_white(channel: u8, alpha: u8) -> u8 {
        let (c, a) = (u32::from(channel), u32::from(alpha));
        ((c * a + 255 * (255 - a) + 127) / 255) as u8
    }
    match image {
        DynamicImage::ImageLumaA8(la) => {
            let flat = image::GrayImage::from_fn(la.width(), la.height(), |x, y| {
                let [l, a] = la.get_pixel(x, y).0;
                image::Luma([over_white(l, a)])
            });
            Cow::Owned(flat.into())
        }
        _ if image.has_alpha() => {
            let rgba = image.to_rgba8();
            let flat = image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
                let [r, g, b, a] = rgba.get_pixel(x, y).0;
                image::Rgb([over_white(r, a), over_white(g, a), over_white(b, a)])
            });
            Cow::Owned(flat.into())
        }
        _ => Cow::Borrowed(image),
    }
}

fn corrupt(e: image::ImageError) -> ImageError {
    ImageError::Corrupt(e.to_string())
}
