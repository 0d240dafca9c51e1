//! JPEG shrink-on-load through libjpeg-turbo (the `mozjpeg` crate, a libjpeg-turbo fork
//! built from source, with its SIMD code when `nasm` is installed at build time): a JPEG
//! large enough is decoded at 1/2, 1/4 or 1/8 of its size by scaling its DCT, as libvips and
//! Pillow do, which skips most of the inverse transform and colour conversion; what is left
//! is mostly Huffman decoding, paid at any scale. `benches/image_resize.rs` times it beside
//! `jpeg-decoder` (our decoder before) and the `image` crate's whole decode.
//!
//! Also the facts read straight off the markers, without a decoder, that decide whether
//! libjpeg-turbo takes a JPEG: its frame (progressive or not, sample precision, components)
//! and how many scans it has.

use std::panic::{AssertUnwindSafe, catch_unwind};

use image::{DynamicImage, GrayImage, RgbImage};
use mozjpeg::{ColorSpace, Decompress};

/// How much larger than needed a shrunk JPEG stays, so that the resize after it still has
/// work to do: DCT scaling is a crude filter (blocky, some aliasing), and a picture shrunk
/// right to the output size measured 0.7% worse SSIM and 18% more WebP bytes than libvips in
/// `benches/image_resize.rs`. libvips and Pillow leave 2; 1.5 keeps the same quality on that
/// bench and still lets a 4000×3000 photo go to a 400² cover from 1/4 of its size.
const SHRINK_MARGIN: f64 = 1.5;

/// The most scans a JPEG we shrink may have; more go to the `image` crate, which refuses
/// them at the same count. A progressive JPEG can hold thousands of tiny scans, each of which
/// walks every block of the picture: seconds of CPU from a few hundred kilobytes.
pub(super) const MAX_SCANS: usize = 100;

/// A DCT scale: the picture is decoded at `numerator / 8` of its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Scale {
    numerator: u8,
    /// The size it decodes to (stored, not upright).
    pub(super) size: (u32, u32),
}

/// The scale at which libjpeg-turbo is to decode `bytes`, a JPEG of `stored` size, for a
/// resize that needs `needed` (both stored, not upright): see [`scale_for`]. `None` when
/// the whole picture is needed, and for what libjpeg-turbo does not take here, which the
/// `image` crate then decodes whole or refuses: CMYK and YCCK (four components; libjpeg
/// does not turn them into RGB), 12- and 16-bit samples, more than [`MAX_SCANS`] scans.
///
/// The memory estimate and the decode both ask this, so a JPEG is counted at the size it
/// is decoded to.
pub(super) fn shrink(bytes: &[u8], stored: (u32, u32), needed: (u32, u32)) -> Option<Scale> {
    let frame = frame(bytes)?;
    if frame.precision != 8 || !matches!(frame.components, 1 | 3) || scan_count(bytes) > MAX_SCANS {
        return None;
    }
    scale_for(stored, needed)
}

/// The smallest of 1/8, 1/4 and 1/2 whose size still covers [`SHRINK_MARGIN`] times
/// `needed`; `None` when only the whole size does.
///
/// The sizes are libjpeg's: each side times the scale, rounded up.
fn scale_for(stored: (u32, u32), needed: (u32, u32)) -> Option<Scale> {
    let want = |n: u32| (f64::from(n) * SHRINK_MARGIN).ceil().max(1.0);
    let scaled =
        |side: u32, numerator: u8| (u64::from(side) * u64::from(numerator)).div_ceil(8) as u32;
    [1u8, 2, 4].into_iter().find_map(|numerator| {
        let size = (scaled(stored.0, numerator), scaled(stored.1, numerator));
        (f64::from(size.0) >= want(needed.0) && f64::from(size.1) >= want(needed.1))
            .then_some(Scale { numerator, size })
    })
}

/// Decodes `bytes` at `scale` (from [`shrink`]), as grey or RGB; `None` for anything
/// libjpeg-turbo refuses, and for colour spaces other than grey, YCbCr and RGB, which the
/// `image` crate then decodes or refuses.
///
/// libjpeg-turbo reports a fatal error by unwinding out of the C code (the `mozjpeg` crate's
/// error manager), so the whole decode runs under `catch_unwind`; its warnings (a corrupt
/// stretch of entropy-coded data, which it fills in) are not errors, as in browsers.
pub(super) fn decode_scaled(bytes: &[u8], scale: Scale) -> Option<DynamicImage> {
    let decoded = catch_unwind(AssertUnwindSafe(
        || -> std::io::Result<Option<DynamicImage>> {
            let mut decompress = Decompress::new_mem(bytes)?;
            let grey = match decompress.color_space() {
                ColorSpace::JCS_GRAYSCALE => true,
                ColorSpace::JCS_YCbCr | ColorSpace::JCS_RGB => false,
                _ => return Ok(None),
            };
            decompress.scale(scale.numerator);
            let mut started = if grey {
                decompress.grayscale()?
            } else {
                decompress.rgb()?
            };
            let size = (started.width() as u32, started.height() as u32);
            if size != scale.size {
                return Ok(None);
            }
            let pixels = started.read_scanlines::<u8>()?;
            started.finish()?;
            Ok(if grey {
                GrayImage::from_raw(size.0, size.1, pixels).map(DynamicImage::from)
            } else {
                RgbImage::from_raw(size.0, size.1, pixels).map(DynamicImage::from)
            })
        },
    ));
    decoded.ok()?.ok()?
}

/// What a JPEG's frame header (its SOF segment) says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Frame {
    /// Whether the frame is progressive (SOF2, SOF6, SOF10 or SOF14): its decoders then keep
    /// every coefficient of the whole picture (two bytes a sample) until the last scan.
    pub(super) progressive: bool,
    /// Bits per sample: 8 in nearly every JPEG.
    precision: u8,
    /// 1 (grey), 3 (YCbCr or RGB) or 4 (CMYK or YCCK).
    components: u8,
    /// What a decoder holding every coefficient keeps: each component's 8×8 blocks (padded
    /// to whole MCUs, as libjpeg allocates them) × 64 coefficients × 2 bytes. Subsampled
    /// chroma holds a quarter of the luma's (4:2:0): half of a three-channel picture's
    /// 2 bytes a sample.
    pub(super) coefficient_bytes: u64,
}

/// The frame header, found by walking the marker segments from the start; `None` when no
/// whole frame header comes before the first scan.
pub(super) fn frame(bytes: &[u8]) -> Option<Frame> {
    let mut at = 2;
    while let Some(&[0xFF, marker]) = bytes.get(at..at + 2) {
        match marker {
            // Fill bytes before a marker.
            0xFF => at += 1,
            // Markers without a length.
            0x01 | 0xD0..=0xD8 => at += 2,
            // Start of scan, or end of image: no frame header came first.
            0xDA | 0xD9 => return None,
            // Frame markers; C4 (Huffman tables), C8 (reserved) and CC (arithmetic
            // conditioning) share the range. The segment: length (2), precision (1),
            // height (2), width (2), components (1).
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                let &[precision, h1, h0, w1, w0, components] = bytes.get(at + 4..at + 10)? else {
                    return None;
                };
                // Each component: id, sampling factors (horizontal high nibble, vertical
                // low), quantisation table.
                let specs = bytes.get(at + 10..at + 10 + 3 * usize::from(components))?;
                let factors: Vec<(u64, u64)> = specs
                    .chunks_exact(3)
                    .map(|c| (u64::from(c[1] >> 4).max(1), u64::from(c[1] & 0xF).max(1)))
                    .collect();
                let most = |pick: fn(&(u64, u64)) -> u64| factors.iter().map(pick).max();
                let (h_max, v_max) = (most(|f| f.0)?, most(|f| f.1)?);
                let (width, height) = (
                    u64::from(u16::from_be_bytes([w1, w0])),
                    u64::from(u16::from_be_bytes([h1, h0])),
                );
                let (mcus_across, mcus_down) =
                    (width.div_ceil(8 * h_max), height.div_ceil(8 * v_max));
                let blocks: u64 = factors
                    .iter()
                    .map(|(h, v)| mcus_across * h * mcus_down * v)
                    .sum();
                return Some(Frame {
                    progressive: matches!(marker, 0xC2 | 0xC6 | 0xCA | 0xCE),
                    precision,
                    components,
                    coefficient_bytes: blocks * 64 * 2,
                });
            }
            _ => {
                let &[high, low] = bytes.get(at + 2..at + 4)? else {
                    return None;
                };
                at += 2 + usize::from(u16::from_be_bytes([high, low]));
            }
        }
    }
    None
}

/// How many start-of-scan markers (`FF DA`) a JPEG holds, counting at most one past
/// [`MAX_SCANS`]. Entropy-coded data never holds `FF DA` (a data `FF` is followed by `00`),
/// so only an embedded thumbnail's scans count too: an overestimate by one or two.
fn scan_count(bytes: &[u8]) -> usize {
    memchr::memmem::find_iter(bytes, &[0xFF, 0xDA])
        .take(MAX_SCANS + 1)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smallest_scale_that_covers_the_margin_is_chosen() {
        // 4000×3000 to a 400² cover needs 533×400; 1.5 times that is 800×600, which 1/4
        // (1000×750) covers and 1/8 (500×375) does not.
        let scale = scale_for((4000, 3000), (533, 400)).unwrap();
        assert_eq!((scale.numerator, scale.size), (2, (1000, 750)));
        assert_eq!(scale_for((4000, 3000), (100, 75)).unwrap().numerator, 1);
        // Sides round up, as libjpeg's do.
        assert_eq!(scale_for((1001, 999), (10, 10)).unwrap().size, (126, 125));
        // Nothing to gain: only the whole picture covers it.
        assert_eq!(scale_for((1600, 1600), (1200, 1200)), None);
        assert_eq!(scale_for((1600, 1600), (533, 533)).unwrap().numerator, 4);
    }

    #[test]
    fn the_frame_header_is_found_past_other_segments() {
        // The first component sampled `luma` (factors as in the segment), the others 1×1.
        let header = |sof: u8, precision: u8, components: u8, luma: u8| {
            let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0xAA, 0xBB];
            // A Huffman table segment first: C4 is not a frame marker.
            bytes.extend([0xFF, 0xC4, 0x00, 0x03, 0x00]);
            // Then a fill byte, and the frame: 160×120.
            let length = 8 + 3 * u16::from(components);
            bytes.extend([0xFF, 0xFF, sof]);
            bytes.extend(length.to_be_bytes());
            bytes.extend([precision, 0, 120, 0, 160, components]);
            for id in 0..components {
                bytes.extend([id, if id == 0 { luma } else { 0x11 }, 0]);
            }
            bytes
        };
        let frame = |progressive, precision, components, blocks: u64| {
            Some(Frame {
                progressive,
                precision,
                components,
                coefficient_bytes: blocks * 128,
            })
        };
        // 160×120 is 20×15 blocks a full-size component.
        assert_eq!(
            super::frame(&header(0xC0, 8, 3, 0x11)),
            frame(false, 8, 3, 900)
        );
        assert_eq!(
            super::frame(&header(0xC2, 8, 1, 0x11)),
            frame(true, 8, 1, 300)
        );
        assert_eq!(
            super::frame(&header(0xC1, 12, 4, 0x11)),
            frame(false, 12, 4, 1200)
        );
        // 4:2:0: luma in 10×8 MCUs of 2×2 blocks (rows padded to whole MCUs), the two
        // chroma components one block an MCU.
        assert_eq!(
            super::frame(&header(0xC2, 8, 3, 0x22)),
            frame(true, 8, 3, 320 + 2 * 80)
        );
        // A scan before any frame, a length that runs past the end, a frame cut short, and
        // no bytes at all.
        assert_eq!(super::frame(&[0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02]), None);
        assert_eq!(super::frame(&[0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF]), None);
        assert_eq!(super::frame(&header(0xC0, 8, 3, 0x11)[..24]), None);
        assert_eq!(super::frame(&[]), None);
    }

    #[test]
    fn libjpeg_is_asked_only_for_what_it_decodes_here() {
        let needed = (10, 8);
        let rgb = jpeg(jpeg_encoder::ColorType::Rgb, 3);
        assert_eq!(shrink(&rgb, (160, 120), needed).unwrap().size, (20, 15));
        let cmyk = jpeg(jpeg_encoder::ColorType::Cmyk, 4);
        assert_eq!(shrink(&cmyk, (160, 120), needed), None);
        // 12-bit samples: the frame header says so.
        let mut twelve = rgb.clone();
        let sof = twelve
            .windows(2)
            .position(|pair| pair == [0xFF, 0xC0])
            .unwrap();
        twelve[sof + 1] = 0xC1;
        twelve[sof + 4] = 12;
        assert_eq!(shrink(&twelve, (160, 120), needed), None);
        // Too many scans.
        let mut scans = rgb[..rgb.len() - 2].to_vec();
        for _ in 0..MAX_SCANS {
            scans.extend([0xFF, 0xDA, 0x00, 0x02]);
        }
        scans.extend([0xFF, 0xD9]);
        assert_eq!(shrink(&scans, (160, 120), needed), None);
        // Nothing to gain.
        assert_eq!(shrink(&rgb, (160, 120), (150, 100)), None);
    }

    #[test]
    fn scans_are_counted_up_to_one_past_the_limit() {
        let mut bytes = vec![0xFF, 0xD8];
        for _ in 0..3 {
            bytes.extend([0xFF, 0xDA, 0x12, 0xFF, 0x00]);
        }
        assert_eq!(scan_count(&bytes), 3);
        let many: Vec<u8> = [0xFF, 0xDA].repeat(1000);
        assert_eq!(scan_count(&many), MAX_SCANS + 1);
    }

    /// A 160×120 JPEG of a gradient, in `colour` (3 or 4 channels a pixel).
    fn jpeg(colour: jpeg_encoder::ColorType, channels: usize) -> Vec<u8> {
        let pixels: Vec<u8> = (0..160 * 120 * channels).map(|i| (i % 251) as u8).collect();
        let mut out = Vec::new();
        jpeg_encoder::Encoder::new(&mut out, 90)
            .encode(&pixels, 160, 120, colour)
            .unwrap();
        out
    }

    #[test]
    fn libjpeg_decodes_at_the_scale_asked() {
        let baseline = jpeg(jpeg_encoder::ColorType::Rgb, 3);
        let scale = scale_for((160, 120), (10, 8)).unwrap();
        assert_eq!(scale.size, (20, 15));
        let image = decode_scaled(&baseline, scale).expect("decoded at 1/8");
        assert_eq!((image.width(), image.height()), (20, 15));
        assert!(matches!(image, DynamicImage::ImageRgb8(_)));

        let mut compress = mozjpeg::Compress::new(ColorSpace::JCS_GRAYSCALE);
        compress.set_size(160, 120);
        compress.set_progressive_mode();
        let mut started = compress.start_compress(Vec::new()).unwrap();
        started.write_scanlines(&[128; 160 * 120]).unwrap();
        let progressive = started.finish().unwrap();
        assert!(frame(&progressive).unwrap().progressive);
        let image = decode_scaled(&progressive, scale).expect("a progressive one too");
        assert!(matches!(image, DynamicImage::ImageLuma8(_)));
    }

    #[test]
    fn what_libjpeg_will_not_decode_is_left_to_the_image_crate() {
        let scale = scale_for((160, 120), (10, 8)).unwrap();
        // CMYK: libjpeg does not convert it to RGB.
        assert!(decode_scaled(&jpeg(jpeg_encoder::ColorType::Cmyk, 4), scale).is_none());
        // A fatal error inside libjpeg (a frame of zero components) unwinds out of the C
        // code and is caught here, not in the request's thread.
        let mut broken = jpeg(jpeg_encoder::ColorType::Rgb, 3);
        let sof = broken
            .windows(2)
            .position(|pair| pair == [0xFF, 0xC0])
            .unwrap();
        broken[sof + 9] = 0;
        assert!(decode_scaled(&broken, scale).is_none());
        // A size other than the one planned.
        let other = Scale {
            numerator: 1,
            size: (21, 15),
        };
        assert!(decode_scaled(&jpeg(jpeg_encoder::ColorType::Rgb, 3), other).is_none());
    }
}
