//! Which formats we read and write, told apart by their magic bytes, never by a header.

use super::ImageError;

/// An image format we decode and encode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// JPEG (JFIF or Exif).
    Jpeg,
    /// PNG.
    Png,
    /// WebP, lossy or lossless (we only *write* lossless; see [`Format::Webp`] in `encode`).
    Webp,
    /// GIF, animated or not.
    Gif,
}

/// The format a transform writes: the source's own, or a chosen one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FormatChoice {
    /// Keep the source's format.
    #[default]
    Original,
    /// Convert to this format.
    To(Format),
}

impl Format {
    /// The `content-type` this format is served with.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
            Self::Gif => "image/gif",
        }
    }

    /// The file extension for a download, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
            Self::Gif => "gif",
        }
    }

    /// The `image` crate's name for this format.
    pub(crate) fn image_format(self) -> image::ImageFormat {
        match self {
            Self::Jpeg => image::ImageFormat::Jpeg,
            Self::Png => image::ImageFormat::Png,
            Self::Webp => image::ImageFormat::WebP,
            Self::Gif => image::ImageFormat::Gif,
        }
    }
}

impl FormatChoice {
    /// Parses a `format=` query value (`jpeg`, `jpg`, `png`, `webp`, `gif`, `original`),
    /// ignoring ASCII case; `None` for anything else.
    pub fn from_query(value: &str) -> Option<Self> {
        // Compared in place, any case, rather than lower-cased into a new string first.
        let is = |name: &str| value.eq_ignore_ascii_case(name);
        let format = if is("original") {
            return Some(Self::Original);
        } else if is("jpeg") || is("jpg") {
            Format::Jpeg
        } else if is("png") {
            Format::Png
        } else if is("webp") {
            Format::Webp
        } else if is("gif") {
            Format::Gif
        } else {
            return None;
        };
        Some(Self::To(format))
    }

    /// The `format=` query value that names it (`jpg` for JPEG).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Original => "original",
            Self::To(format) => format.extension(),
        }
    }

    /// The format written for a source in `source` format.
    pub fn resolve(self, source: Format) -> Format {
        match self {
            Self::Original => source,
            Self::To(format) => format,
        }
    }
}

/// Tells the format from the first bytes; `None` when they are not one we handle.
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Format::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Format::Png)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(Format::Gif)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(Format::Webp)
    } else {
        None
    }
}

/// Refuses a file that was cut short, by its container alone, without decoding a pixel.
///
/// Decoders are lenient with truncation (the JPEG one returns a whole picture for a file cut
/// in half, the missing part filled in), and a pass-through never decodes at all; a proxy
/// should not serve or cache half an image.
pub(crate) fn ensure_complete(format: Format, bytes: &[u8]) -> Result<(), ImageError> {
    let complete = match format {
        Format::Jpeg => jpeg_is_complete(bytes),
        Format::Png => png_is_complete(bytes),
        Format::Gif => gif_is_complete(bytes),
        Format::Webp => webp_is_complete(bytes),
    };
    if complete {
        Ok(())
    } else {
        Err(ImageError::Corrupt(format!(
            "the {} file is truncated",
            format.extension()
        )))
    }
}

/// Walks the marker segments to the first scan (so an Exif thumbnail's markers do not count),
/// then looks for the end-of-image marker after it. Entropy-coded data stuffs every `FF` with
/// a `00`, so `FF D9` there is the real end.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let mut at = 2;
    loop {
        let Some(&[0xFF, marker]) = bytes.get(at..at + 2) else {
            return false;
        };
        match marker {
            // Fill byte before a marker.
            0xFF => at += 1,
            // Markers without a length.
            0x01 | 0xD0..=0xD8 => at += 2,
            // End of image before any scan: no picture at all.
            0xD9 => return false,
            0xDA => {
                return bytes[at + 2..].windows(2).any(|pair| pair == [0xFF, 0xD9]);
            }
            _ => {
                let Some(&[high, low]) = bytes.get(at + 2..at + 4) else {
                    return false;
                };
                at += 2 + usize::from(u16::from_be_bytes([high, low]));
            }
        }
    }
}

/// Walks the chunks (length, type, data, CRC) to `IEND`.
fn png_is_complete(bytes: &[u8]) -> bool {
    let mut at = 8;
    while let Some(header) = bytes.get(at..at + 8) {
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let Some(end) = at.checked_add(12).and_then(|a| a.checked_add(length)) else {
            return false;
        };
        if end > bytes.len() {
            return false;
        }
        if &header[4..8] == b"IEND" {
            return true;
        }
        at = end;
    }
    false
}

/// A GIF ends with its `;` trailer (some writers pad with zeros after it).
fn gif_is_complete(bytes: &[u8]) -> bool {
    bytes.iter().rev().find(|&&b| b != 0) == Some(&b';')
}

/// The RIFF header says how long the file is.
fn webp_is_complete(bytes: &[u8]) -> bool {
    let Some(&[a, b, c, d]) = bytes.get(4..8) else {
        return false;
    };
    let size = u32::from_le_bytes([a, b, c, d]) as usize;
    size >= 4 && bytes.len() >= size.saturating_add(8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_magic_bytes() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest"), Some(Format::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Some(Format::Png));
        assert_eq!(sniff(b"GIF89a..."), Some(Format::Gif));
        assert_eq!(sniff(b"GIF87a..."), Some(Format::Gif));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8L"), Some(Format::Webp));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WAVEfmt "), None);
        assert_eq!(sniff(b"<!doctype html><html>"), None);
        assert_eq!(sniff(b"<svg xmlns="), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"\xFF\xD8"), None);
    }

    #[test]
    fn parses_format_query_values() {
        assert_eq!(
            FormatChoice::from_query("original"),
            Some(FormatChoice::Original)
        );
        assert_eq!(
            FormatChoice::from_query("JPG"),
            Some(FormatChoice::To(Format::Jpeg))
        );
        assert_eq!(
            FormatChoice::from_query("jpeg"),
            Some(FormatChoice::To(Format::Jpeg))
        );
        assert_eq!(
            FormatChoice::from_query("webp"),
            Some(FormatChoice::To(Format::Webp))
        );
        assert_eq!(FormatChoice::from_query("bmp"), None);
        assert_eq!(FormatChoice::from_query(""), None);
        assert_eq!(FormatChoice::Original.resolve(Format::Gif), Format::Gif);
        assert_eq!(Format::Webp.mime(), "image/webp");
        assert_eq!(Format::Jpeg.extension(), "jpg");
    }

    #[test]
    fn a_jpeg_without_its_end_marker_is_truncated() {
        // SOI, an APP0 segment holding FF D9 (must not count), SOS, data, EOI.
        let whole = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0xFF, 0xD9, 0xFF, 0xDA, 0x00, 0x02, 0x12, 0xFF,
            0x00, 0x34, 0xFF, 0xD9,
        ];
        assert!(jpeg_is_complete(&whole));
        assert!(!jpeg_is_complete(&whole[..whole.len() - 2]));
        assert!(!jpeg_is_complete(&whole[..9]));
        assert!(!jpeg_is_complete(&[0xFF, 0xD8, 0xFF, 0xD9]));
    }

    #[test]
    fn a_riff_shorter_than_it_says_is_truncated() {
        assert!(webp_is_complete(b"RIFF\x04\0\0\0WEBP"));
        assert!(!webp_is_complete(b"RIFF\x10\0\0\0WEBPVP8L"));
    }
}
