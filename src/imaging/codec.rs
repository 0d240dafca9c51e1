//! Reading headers, decoding and encoding, through the `image` crate under our limits.

use std::borrow::Cow;
use std::io::Cursor;

use image::codecs::gif::GifEncoder;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::codecs::webp::WebPEncoder;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader};

use super::{Format, ImageError, Limits};

/// NeuQuant speed for GIF palettes: 1 is best and slowest, 30 fastest; 10 is the `gif`
/// crate's suggested balance.
const GIF_SPEED: i32 = 10;

/// An image whose header has been read, and nothing more.
pub(crate) struct Header<'a> {
    decoder: Box<dyn ImageDecoder + 'a>,
    /// Size as stored, before EXIF orientation.
    pub(crate) stored_size: (u32, u32),
    orientation: Orientation,
    /// A GIF's bytes: its first frame, which may claim to be far larger than the logical
    /// screen, is checked before decoding.
    gif: Option<&'a [u8]>,
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
        Ok(Self {
            decoder: Box::new(decoder),
            stored_size,
            orientation,
            gif: (format == Format::Gif).then_some(bytes),
        })
    }

    /// The size as displayed: width and height swap for a quarter turn.
    pub(crate) fn upright_size(&self) -> (u32, u32) {
        let (width, height) = self.stored_size;
        match self.orientation {
            Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH => (height, width),
            _ => (width, height),
        }
    }

    /// Decodes the pixels under `limits`, turns them upright and brings them to 8 bits per
    /// channel (all our encoders and the resizer's fast paths want that).
    pub(crate) fn decode(mut self, limits: &Limits) -> Result<DynamicImage, ImageError> {
        let (width, height) = self.stored_size;
        let too_many = ImageError::TooManyPixels {
            width,
            height,
            max: limits.max_pixels,
        };
        if self.decoder.total_bytes() > limits.max_alloc {
            return Err(too_many);
        }
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
        let decoded = self
            .decoder
            .set_limits(limits.decoder_limits())
            .and_then(|()| DynamicImage::from_decoder(self.decoder));
        let mut image = match decoded {
            Ok(image) => image,
            Err(image::ImageError::Limits(_)) => return Err(too_many),
            Err(e) => return Err(corrupt(e)),
        };
        image.apply_orientation(self.orientation);
        Ok(match image {
            DynamicImage::ImageLuma8(_)
            | DynamicImage::ImageLumaA8(_)
            | DynamicImage::ImageRgb8(_)
            | DynamicImage::ImageRgba8(_) => image,
            _ if image.has_alpha() => image.into_rgba8().into(),
            _ => image.into_rgb8().into(),
        })
    }
}

/// The size of a GIF's first frame, from its image descriptor; no pixel is decoded.
fn gif_first_frame(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut decoder = gif::DecodeOptions::new().read_info(bytes).ok()?;
    let frame = decoder.next_frame_info().ok()??;
    Some((u32::from(frame.width), u32::from(frame.height)))
}

/// Encodes `image` as `format`.
///
/// WebP is written **lossless** (VP8L): the `image` crate has no lossy WebP encoder, so a WebP
/// of a photo is larger than its JPEG; `quality` only applies to JPEG. GIF gets one frame with
/// a palette of at most 256 colours.
pub(crate) fn encode(
    image: &DynamicImage,
    format: Format,
    quality: u8,
) -> Result<Vec<u8>, ImageError> {
    let mut out = Vec::new();
    let written = match format {
        Format::Jpeg => flatten_onto_white(image).write_with_encoder(
            JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100)),
        ),
        Format::Png => image.write_with_encoder(PngEncoder::new_with_quality(
            &mut out,
            CompressionType::Default,
            PngFilter::Adaptive,
        )),
        Format::Webp => image.write_with_encoder(WebPEncoder::new_lossless(&mut out)),
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
