//! Carrying out a [`Plan`] on decoded pixels, with `fast_image_resize` (SIMD convolution; see
//! `benches/image_resize.rs` for how it compares with the `image` crate's own resize).

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, RgbaImage};

use super::ImageError;
use super::geometry::Plan;

/// Lanczos3: the sharpest of the usual downscaling filters, as in libvips and Pillow.
const ALGORITHM: ResizeAlg = ResizeAlg::Convolution(FilterType::Lanczos3);

/// Resizes, crops or letterboxes `image` as `plan` says.
pub(crate) fn apply(image: DynamicImage, plan: Plan) -> Result<DynamicImage, ImageError> {
    match plan {
        Plan::Keep => Ok(image),
        Plan::Scale { width, height } => resize(&image, width, height, false),
        Plan::Cover { width, height } => resize(&image, width, height, true),
        Plan::Contain {
            width,
            height,
            inner_width,
            inner_height,
        } => {
            let inner = if (inner_width, inner_height) == (image.width(), image.height()) {
                image
            } else {
                resize(&image, inner_width, inner_height, false)?
            };
            let mut canvas = RgbaImage::new(width, height);
            let x = (width - inner_width) / 2;
            let y = (height - inner_height) / 2;
            image::imageops::replace(&mut canvas, &inner.to_rgba8(), x.into(), y.into());
            Ok(canvas.into())
        }
    }
}

/// Scales `image` to `width`×`height`; with `crop`, first takes the centered region of that
/// aspect ratio instead of distorting. Alpha is premultiplied while filtering, so transparent
/// pixels do not bleed their hidden colour into the edges.
fn resize(
    image: &DynamicImage,
    width: u32,
    height: u32,
    crop: bool,
) -> Result<DynamicImage, ImageError> {
    let mut options = ResizeOptions::new().resize_alg(ALGORITHM);
    if crop {
        options = options.fit_into_destination(None);
    }
    let mut resized = DynamicImage::new(width, height, image.color());
    Resizer::new()
        .resize(image, &mut resized, &options)
        .map_err(|e| ImageError::Encode(format!("resize failed: {e}")))?;
    Ok(resized)
}
