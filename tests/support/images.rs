//! Test images: encoding a picture, keeping a hand-edited PNG valid, and PNGs that are
//! hostile to memory (small on the wire, huge decoded; or large on both).

use std::io::{Cursor, Write};

use flate2::{Compress, Compression, FlushCompress};
use image::{DynamicImage, ImageFormat};

/// `image` encoded as `format`.
pub fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image
        .write_to(&mut out, format)
        .expect("encode a test image");
    out.into_inner()
}

/// Recomputes every PNG chunk's CRC, so an edited header (or a mutation) reaches the
/// decoder instead of failing the checksum.
pub fn fix_png_crcs(png: &mut [u8]) {
    let mut at = 8;
    while let Some(header) = png.get(at..at + 8) {
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let Some(end) = (at + 8).checked_add(length) else {
            return;
        };
        if end + 4 > png.len() {
            return;
        }
        let crc = crc32(&png[at + 4..end]);
        png[end..end + 4].copy_from_slice(&crc.to_be_bytes());
        at = end + 4;
    }
}

/// The CRC-32 a PNG chunk carries (flate2's, the zlib one).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    crc.sum()
}

/// An 8000×5000 PNG of 16-bit RGBA transparent black: 40 MP that decode to 320 MB, but
/// deflate to a few hundred KB. Built from one compressed band of rows repeated, since a
/// full flush makes each band independent.
pub fn huge_png() -> Vec<u8> {
    let (width, height, band) = (8000u32, 5000u32, 50u32);
    let row = 1 + width as usize * 8;
    let mut compress = Compress::new(Compression::fast(), false);
    let mut block = Vec::with_capacity(row * band as usize);
    compress
        .compress_vec(
            &vec![0u8; row * band as usize],
            &mut block,
            FlushCompress::Full,
        )
        .unwrap();
    assert_eq!(compress.total_in(), (row * band as usize) as u64);
    let mut zlib = vec![0x78, 0x01];
    for _ in 0..height / band {
        zlib.extend_from_slice(&block);
    }
    // An empty final block, then Adler-32 of all zeros: a = 1, b = length mod 65521.
    zlib.extend_from_slice(&[0x03, 0x00]);
    let b = (row as u64 * u64::from(height) % 65521) as u32;
    zlib.extend_from_slice(&((b << 16) | 1).to_be_bytes());
    png(width, height, 16, 6, &zlib)
}

/// A 4000×3000 JPEG, as from a phone: gradients and a fine pattern, shrunk to 1/4 on its
/// way to a 400² thumbnail.
pub fn photo_jpeg() -> Vec<u8> {
    let photo = image::RgbImage::from_fn(4000, 3000, |x, y| {
        image::Rgb([
            (x / 16) as u8,
            (y / 12) as u8,
            ((x * 7 + y * 13) % 251) as u8,
        ])
    });
    encoded(&DynamicImage::ImageRgb8(photo), ImageFormat::Jpeg)
}

/// The same 4000×3000 photo as [`photo_jpeg`], progressive (libjpeg's ten scans): its
/// decoder keeps every coefficient of the picture, whatever the scale asked.
pub fn progressive_photo_jpeg() -> Vec<u8> {
    let photo = image::RgbImage::from_fn(4000, 3000, |x, y| {
        image::Rgb([
            (x / 16) as u8,
            (y / 12) as u8,
            ((x * 7 + y * 13) % 251) as u8,
        ])
    });
    let mut compress = mozjpeg::Compress::new(mozjpeg::ColorSpace::JCS_RGB);
    compress.set_size(4000, 3000);
    compress.set_quality(85.0);
    compress.set_progressive_mode();
    let mut started = compress.start_compress(Vec::new()).expect("start compress");
    started.write_scanlines(photo.as_raw()).expect("scanlines");
    started.finish().expect("finish compress")
}

/// A 2000×2000 RGB PNG of noise, stored uncompressed: 12 MB on the wire and decoded.
pub fn noise_png() -> Vec<u8> {
    let (width, height) = (2000u32, 2000u32);
    let mut raw = Vec::with_capacity((1 + width as usize * 3) * height as usize);
    for _ in 0..height {
        raw.push(0);
        raw.extend(std::iter::repeat_with(|| fastrand::u8(..)).take(width as usize * 3));
    }
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), Compression::none());
    zlib.write_all(&raw).unwrap();
    png(width, height, 8, 2, &zlib.finish().unwrap())
}

/// A PNG of one IDAT chunk holding `zlib`.
pub fn png(width: u32, height: u32, depth: u8, colour: u8, zlib: &[u8]) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&[0; 4]);
    };
    let mut header = width.to_be_bytes().to_vec();
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[depth, colour, 0, 0, 0]);
    chunk(b"IHDR", &header);
    chunk(b"IDAT", zlib);
    chunk(b"IEND", &[]);
    fix_png_crcs(&mut out);
    out
}
