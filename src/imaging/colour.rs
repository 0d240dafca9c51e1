//! Colour kept: pixels in an embedded ICC profile (Display P3 from phones, Adobe RGB from
//! cameras) are converted to sRGB before the profile is dropped, so a browser shows the same
//! colours the source did. Done with `moxcms`, after the resize: fewer pixels to convert.

use image::DynamicImage;
use moxcms::{ColorProfile, DataColorSpace, Layout, TransformOptions};

/// Converts an RGB(A) `image` from the `icc` profile to sRGB, in place.
///
/// An unreadable profile, one that is not RGB (a grey or CMYK one) or a grey image are left
/// as they are: a broken profile is no reason to refuse the picture.
pub(crate) fn to_srgb(image: &mut DynamicImage, icc: &[u8]) {
    let Ok(profile) = ColorProfile::new_from_slice(icc) else {
        return;
    };
    if profile.color_space != DataColorSpace::Rgb {
        return;
    }
    let width = image.width() as usize;
    let (pixels, layout, row_len) = match image {
        DynamicImage::ImageRgb8(rgb) => (rgb.as_mut(), Layout::Rgb, width * 3),
        DynamicImage::ImageRgba8(rgba) => (rgba.as_mut(), Layout::Rgba, width * 4),
        _ => return,
    };
    let srgb = ColorProfile::new_srgb();
    let Ok(transform) =
        profile.create_transform_8bit(layout, &srgb, layout, TransformOptions::default())
    else {
        return;
    };
    // Row by row through one row's copy, not through a copy of the whole picture.
    let mut source = Vec::with_capacity(row_len);
    for row in pixels.chunks_exact_mut(row_len.max(1)) {
        source.clear();
        source.extend_from_slice(row);
        if transform.transform(&source, row).is_err() {
            row.copy_from_slice(&source);
            return;
        }
    }
}
