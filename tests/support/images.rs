//! Test images: encoding a picture, and keeping a hand-edited PNG valid.

use std::io::Cursor;

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
