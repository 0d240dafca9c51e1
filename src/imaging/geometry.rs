//! Where the pixels go: from the upright source size and a [`Transform`] to the output size,
//! before any pixel is decoded. Pure arithmetic, so the limits can be checked up front.

use super::Transform;

/// How a picture meets a `w`×`h` box when both sides are given.
///
/// With only one side given, the other follows from the aspect ratio and the fit does not
/// matter. Unless [`Transform::upscale`] is set no pixel is ever enlarged: when the source is
/// too small to fill the box, `Cover` and `Contain` give the largest frame of the box's aspect
/// ratio that needs no enlarging, and `Inside` gives the source's own size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Fit {
    /// Fill the whole box, cropping what overflows, centered. Output: exactly the box.
    Cover,
    /// Show the whole picture in the box, centered on a transparent margin (white in JPEG).
    /// Output: exactly the box.
    Contain,
    /// Shrink to fit within the box, keeping the aspect ratio; no margin, no crop.
    /// Output: at most the box.
    #[default]
    Inside,
}

impl Fit {
    /// Parses a `fit=` query value (`cover`, `contain`, `inside`), ignoring ASCII case.
    pub fn from_query(value: &str) -> Option<Self> {
        // Compared in place, any case, rather than lower-cased into a new string first.
        [Self::Cover, Self::Contain, Self::Inside]
            .into_iter()
            .find(|fit| value.eq_ignore_ascii_case(fit.as_str()))
    }

    /// The `fit=` query value that names it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cover => "cover",
            Self::Contain => "contain",
            Self::Inside => "inside",
        }
    }
}

/// What happens to the upright source's pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plan {
    /// The source stays as it is.
    Keep,
    /// The whole source is scaled to this size.
    Scale { width: u32, height: u32 },
    /// The centered region of the source with this aspect ratio is scaled to this size.
    Cover { width: u32, height: u32 },
    /// The whole source is scaled to `inner` and centered on a transparent `width`×`height`.
    Contain {
        width: u32,
        height: u32,
        inner_width: u32,
        inner_height: u32,
    },
}

impl Plan {
    /// The plan for an upright source of `width`×`height`.
    pub(crate) fn new((width, height): (u32, u32), t: &Transform) -> Self {
        let (sw, sh) = (f64::from(width), f64::from(height));
        let cap = |scale: f64| if t.upscale { scale } else { scale.min(1.0) };
        let box_w = t.width.filter(|&w| w > 0);
        let box_h = t.height.filter(|&h| h > 0);
        let plan = match (box_w, box_h) {
            (None, None) => Self::Keep,
            (Some(w), None) => Self::scale(width, height, cap(f64::from(w) / sw)),
            (None, Some(h)) => Self::scale(width, height, cap(f64::from(h) / sh)),
            (Some(w), Some(h)) => {
                let (bw, bh) = (f64::from(w), f64::from(h));
                match t.fit {
                    Fit::Inside => {
                        let scale = cap((bw / sw).min(bh / sh));
                        Self::Scale {
                            width: scaled(width, scale).min(w),
                            height: scaled(height, scale).min(h),
                        }
                    }
                    Fit::Cover if t.upscale || (bw <= sw && bh <= sh) => Self::Cover {
                        width: w,
                        height: h,
                    },
                    Fit::Cover => {
                        // The biggest box-shaped region the source holds, at its own scale.
                        let shrink = (sw / bw).min(sh / bh);
                        Self::Cover {
                            width: scaled(w, shrink).min(width),
                            height: scaled(h, shrink).min(height),
                        }
                    }
                    Fit::Contain if t.upscale || bw < sw || bh < sh => {
                        let scale = (bw / sw).min(bh / sh);
                        Self::Contain {
                            width: w,
                            height: h,
                            inner_width: scaled(width, scale).min(w),
                            inner_height: scaled(height, scale).min(h),
                        }
                    }
                    Fit::Contain => {
                        // The smallest box-shaped frame the source fits in, at its own scale.
                        let shrink = (sw / bw).max(sh / bh);
                        Self::Contain {
                            width: scaled(w, shrink).max(width),
                            height: scaled(h, shrink).max(height),
                            inner_width: width,
                            inner_height: height,
                        }
                    }
                }
            }
        };
        if plan.output_size((width, height)) == (width, height) && plan.keeps_every_pixel() {
            Self::Keep
        } else {
            plan
        }
    }

    /// The size of the output for a source of `source` size.
    pub(crate) fn output_size(&self, source: (u32, u32)) -> (u32, u32) {
        match *self {
            Self::Keep => source,
            Self::Scale { width, height }
            | Self::Cover { width, height }
            | Self::Contain { width, height, .. } => (width, height),
        }
    }

    /// The smallest size a `source`-sized picture may be shrunk to before this plan is
    /// carried out without losing detail: what a decoder that shrinks while decoding must
    /// still cover.
    pub(crate) fn needed(&self, (width, height): (u32, u32)) -> (u32, u32) {
        let (sw, sh) = (f64::from(width), f64::from(height));
        match *self {
            Self::Keep => (width, height),
            Self::Scale { width, height }
            | Self::Contain {
                inner_width: width,
                inner_height: height,
                ..
            } => (width, height),
            Self::Cover {
                width: w,
                height: h,
            } => {
                // The cropped region is scaled by the larger ratio; the whole picture with it.
                let scale = (f64::from(w) / sw).max(f64::from(h) / sh);
                let side =
                    |s: f64| (s * scale - 1e-6).ceil().clamp(1.0, f64::from(u32::MAX)) as u32;
                (side(sw).min(width), side(sh).min(height))
            }
        }
    }

    /// Whether, at an unchanged size, the output is the source pixel for pixel.
    fn keeps_every_pixel(&self) -> bool {
        match *self {
            Self::Keep | Self::Scale { .. } | Self::Cover { .. } => true,
            Self::Contain {
                width,
                height,
                inner_width,
                inner_height,
            } => (width, height) == (inner_width, inner_height),
        }
    }

    fn scale(width: u32, height: u32, scale: f64) -> Self {
        Self::Scale {
            width: scaled(width, scale),
            height: scaled(height, scale),
        }
    }
}

/// A side scaled and rounded, never below one pixel nor past `u32`.
fn scaled(side: u32, scale: f64) -> u32 {
    (f64::from(side) * scale)
        .round()
        .clamp(1.0, f64::from(u32::MAX)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(source: (u32, u32), w: Option<u32>, h: Option<u32>, fit: Fit, upscale: bool) -> Plan {
        let t = Transform {
            width: w,
            height: h,
            fit,
            upscale,
            ..Transform::default()
        };
        Plan::new(source, &t)
    }

    fn size(source: (u32, u32), w: Option<u32>, h: Option<u32>, fit: Fit, up: bool) -> (u32, u32) {
        plan(source, w, h, fit, up).output_size(source)
    }

    #[test]
    fn no_size_keeps_the_source() {
        assert_eq!(plan((800, 600), None, None, Fit::Cover, true), Plan::Keep);
        assert_eq!(
            plan((800, 600), Some(0), Some(0), Fit::Inside, false),
            Plan::Keep
        );
    }

    #[test]
    fn one_side_scales_the_other_proportionally() {
        assert_eq!(
            size((800, 600), Some(400), None, Fit::Cover, false),
            (400, 300)
        );
        assert_eq!(
            size((800, 600), None, Some(150), Fit::Inside, false),
            (200, 150)
        );
        assert_eq!(size((3, 1000), Some(1), None, Fit::Inside, false), (1, 333));
        // Tiny results never collapse to zero.
        assert_eq!(size((1000, 3), Some(10), None, Fit::Inside, false), (10, 1));
    }

    #[test]
    fn never_upscales_unless_asked() {
        assert_eq!(
            plan((100, 50), Some(400), None, Fit::Inside, false),
            Plan::Keep
        );
        assert_eq!(
            plan((100, 50), Some(400), Some(400), Fit::Inside, false),
            Plan::Keep
        );
        assert_eq!(
            size((100, 50), Some(400), None, Fit::Inside, true),
            (400, 200)
        );
        assert_eq!(
            size((100, 50), Some(400), Some(400), Fit::Inside, true),
            (400, 200)
        );
    }

    #[test]
    fn inside_fits_within_the_box() {
        assert_eq!(
            size((800, 600), Some(400), Some(400), Fit::Inside, false),
            (400, 300)
        );
        assert_eq!(
            size((600, 800), Some(400), Some(400), Fit::Inside, false),
            (300, 400)
        );
        assert_eq!(
            size((800, 600), Some(100), Some(400), Fit::Inside, false),
            (100, 75)
        );
    }

    #[test]
    fn cover_fills_the_box_exactly() {
        assert_eq!(
            plan((800, 600), Some(400), Some(400), Fit::Cover, false),
            Plan::Cover {
                width: 400,
                height: 400
            }
        );
        assert_eq!(
            size((600, 800), Some(300), Some(100), Fit::Cover, false),
            (300, 100)
        );
        // Upscaling allowed: the box, whatever the source.
        assert_eq!(
            size((10, 20), Some(300), Some(100), Fit::Cover, true),
            (300, 100)
        );
    }

    #[test]
    fn cover_of_a_small_source_crops_the_box_shape_at_its_own_scale() {
        // 100×50 cannot fill 400×400 without enlarging: the centered 50×50 square instead.
        assert_eq!(
            plan((100, 50), Some(400), Some(400), Fit::Cover, false),
            Plan::Cover {
                width: 50,
                height: 50
            }
        );
        assert_eq!(
            size((100, 50), Some(60), Some(200), Fit::Cover, false),
            (15, 50)
        );
        // Same size and shape as the source: nothing to do.
        assert_eq!(
            plan((100, 50), Some(100), Some(50), Fit::Cover, false),
            Plan::Keep
        );
    }

    #[test]
    fn contain_letterboxes_to_the_box() {
        assert_eq!(
            plan((800, 600), Some(400), Some(400), Fit::Contain, false),
            Plan::Contain {
                width: 400,
                height: 400,
                inner_width: 400,
                inner_height: 300
            }
        );
        // A source smaller than the box on one side only still gets the whole box.
        assert_eq!(
            plan((800, 100), Some(400), Some(400), Fit::Contain, false),
            Plan::Contain {
                width: 400,
                height: 400,
                inner_width: 400,
                inner_height: 50
            }
        );
    }

    #[test]
    fn contain_of_a_small_source_frames_it_at_its_own_scale() {
        assert_eq!(
            plan((100, 50), Some(400), Some(400), Fit::Contain, false),
            Plan::Contain {
                width: 100,
                height: 100,
                inner_width: 100,
                inner_height: 50
            }
        );
        assert_eq!(
            plan((100, 50), Some(400), Some(400), Fit::Contain, true),
            Plan::Contain {
                width: 400,
                height: 400,
                inner_width: 400,
                inner_height: 200
            }
        );
        assert_eq!(
            plan((100, 100), Some(400), Some(400), Fit::Contain, false),
            Plan::Keep
        );
    }

    #[test]
    fn a_one_pixel_source() {
        assert_eq!(
            plan((1, 1), Some(100), Some(100), Fit::Cover, false),
            Plan::Keep
        );
        assert_eq!(
            plan((1, 1), Some(100), None, Fit::Inside, false),
            Plan::Keep
        );
        assert_eq!(size((1, 1), Some(16), Some(8), Fit::Cover, true), (16, 8));
    }

    #[test]
    fn what_a_shrinking_decoder_must_still_cover() {
        let needed = |w, h, fit| plan((4000, 3000), w, h, fit, false).needed((4000, 3000));
        // A 400² cover crops the middle 3000² to 400²: the whole picture goes to 534×400.
        assert_eq!(needed(Some(400), Some(400), Fit::Cover), (534, 400));
        assert_eq!(needed(Some(400), Some(400), Fit::Inside), (400, 300));
        assert_eq!(needed(Some(400), Some(400), Fit::Contain), (400, 300));
        assert_eq!(needed(None, None, Fit::Cover), (4000, 3000));
    }

    #[test]
    fn parses_fit_query_values() {
        assert_eq!(Fit::from_query("cover"), Some(Fit::Cover));
        assert_eq!(Fit::from_query("Contain"), Some(Fit::Contain));
        assert_eq!(Fit::from_query("inside"), Some(Fit::Inside));
        assert_eq!(Fit::from_query("fill"), None);
    }
}
