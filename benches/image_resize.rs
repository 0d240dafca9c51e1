//! Image pipeline: decode a 1600×1600 JPEG, resize it to 400×400, encode WebP and JPEG.
//!
//! Each step is timed on its own, and the resize twice, side by side in one run: the `image`
//! crate's `resize_exact` and `fast_image_resize`, both with a Lanczos3 convolution, so the
//! choice made in `src/imaging/resize.rs` can be checked on any machine. Then whole
//! pipelines: by hand with either resizer, and through `imaging::transform` itself (which adds
//! the sniff, the truncation check and the header read).
//!
//! The source is generated in memory: a photo-like picture (smooth gradients, soft shapes and
//! sensor-like noise, so the JPEG has realistic entropy), encoded at quality 90.
//!
//! `cargo bench --bench image_resize` runs every step [`ITERATIONS`] times, round-robin after a
//! warm-up round, and prints the median and the minimum of each.
//! Under `cargo test --all-targets` (an unoptimised build) it does a single run on a picture a
//! tenth the size, as a smoke check that stays fast.
//! Timings are reported, never asserted: they depend on the machine.

use std::hint::black_box;
use std::time::{Duration, Instant};

use fast_image_resize::{FilterType as FirFilter, ResizeAlg, ResizeOptions, Resizer};
use getimages::imaging::{self, Fit, Format, FormatChoice, Limits, Transform};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::webp::WebPEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

/// Measured runs of each step under `cargo bench`.
const ITERATIONS: usize = 20;
/// Side of the square source.
const SOURCE_SIDE: u32 = 1600;
/// Side of the square result.
const TARGET_SIDE: u32 = 400;
/// Sides are divided by this for the smoke check.
const SMOKE_DIVISOR: u32 = 10;
/// JPEG quality of the result (the service's default).
const QUALITY: u8 = imaging::DEFAULT_QUALITY;

fn main() {
    // `cargo bench` passes `--bench`; `cargo test` does not.
    let measuring = std::env::args().any(|a| a == "--bench");
    let (iterations, source_side, side) = if measuring {
        (ITERATIONS, SOURCE_SIDE, TARGET_SIDE)
    } else {
        (1, SOURCE_SIDE / SMOKE_DIVISOR, TARGET_SIDE / SMOKE_DIVISOR)
    };

    let source = photo_jpeg(source_side);
    let decoded = decode(&source);
    let small = resize_fir(&decoded, side);
    let webp_len = encode_webp(&small).len();
    let jpeg_len = encode_jpeg(&small).len();

    let mut steps: Vec<Step> = vec![
        Step::new(format!("decode JPEG {source_side}×{source_side}"), || {
            black_box(decode(&source));
        }),
        Step::new(
            format!("resize → {side}×{side}, image (Lanczos3)"),
            || {
                black_box(resize_image(&decoded, side));
            },
        ),
        Step::new(
            format!("resize → {side}×{side}, fast_image_resize (Lanczos3)"),
            || {
                black_box(resize_fir(&decoded, side));
            },
        ),
        Step::new(format!("encode WebP {side}×{side} (lossless)"), || {
            black_box(encode_webp(&small));
        }),
        Step::new(format!("encode JPEG {side}×{side} q{QUALITY}"), || {
            black_box(encode_jpeg(&small));
        }),
        Step::new("pipeline → WebP, image resize", || {
            black_box(encode_webp(&resize_image(&decode(&source), side)));
        }),
        Step::new("pipeline → WebP, fast_image_resize", || {
            black_box(encode_webp(&resize_fir(&decode(&source), side)));
        }),
        Step::new("pipeline → WebP, imaging::transform", || {
            black_box(transform(&source, Format::Webp, side));
        }),
        Step::new("pipeline → JPEG, image resize", || {
            black_box(encode_jpeg(&resize_image(&decode(&source), side)));
        }),
        Step::new("pipeline → JPEG, fast_image_resize", || {
            black_box(encode_jpeg(&resize_fir(&decode(&source), side)));
        }),
        Step::new("pipeline → JPEG, imaging::transform", || {
            black_box(transform(&source, Format::Jpeg, side));
        }),
    ];

    // Round-robin rather than step after step, so that a noisy neighbour or a change of
    // clock speed during the run spreads over every step alike; one round to warm up.
    let warm_up = usize::from(measuring);
    for round in 0..warm_up + iterations {
        for step in &mut steps {
            let start = Instant::now();
            (step.run)();
            if round >= warm_up {
                step.samples.push(start.elapsed());
            }
        }
    }

    println!(
        "image_resize: source {source_side}×{source_side} JPEG, {:.1} KiB; result {side}×{side}: \
         WebP {:.1} KiB, JPEG q{QUALITY} {:.1} KiB; {iterations} round(s)",
        kib(source.len()),
        kib(webp_len),
        kib(jpeg_len),
    );
    println!("  {:<50} {:>9} {:>9}", "step", "median", "min");
    for step in &mut steps {
        step.samples.sort();
        println!(
            "  {:<50} {:>6.2} ms {:>6.2} ms",
            step.label,
            ms(step.samples[step.samples.len() / 2]),
            ms(step.samples[0]),
        );
    }
}

/// One measured step and its timings.
struct Step<'a> {
    label: String,
    run: Box<dyn FnMut() + 'a>,
    samples: Vec<Duration>,
}

impl<'a> Step<'a> {
    fn new(label: impl Into<String>, run: impl FnMut() + 'a) -> Self {
        Self {
            label: label.into(),
            run: Box::new(run),
            samples: Vec::new(),
        }
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn kib(bytes: usize) -> f64 {
    bytes as f64 / 1024.0
}

/// A deterministic photo-like JPEG.
fn photo_jpeg(side: u32) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(1600);
    let photo = RgbImage::from_fn(side, side, |x, y| {
        let side = side as f32;
        let (u, v) = (x as f32 / side, y as f32 / side);
        // A soft "subject": a bright disc off-centre, over a sky-to-ground gradient.
        let d = ((u - 0.6).powi(2) + (v - 0.4).powi(2)).sqrt();
        let subject = (1.0 - (d / 0.25).min(1.0)).powi(2) * 120.0;
        let base = [
            40.0 + 150.0 * v + subject,
            90.0 + 80.0 * (1.0 - v) + 40.0 * (u * 12.0).sin() + subject * 0.6,
            170.0 * (1.0 - v) + 30.0 * (v * 9.0).cos(),
        ];
        Rgb(base.map(|c| (c + rng.i32(-12..=12) as f32).clamp(0.0, 255.0) as u8))
    });
    let mut out = Vec::new();
    DynamicImage::from(photo)
        .write_with_encoder(JpegEncoder::new_with_quality(&mut out, 90))
        .expect("the source encodes");
    out
}

fn decode(jpeg: &[u8]) -> DynamicImage {
    image::load_from_memory_with_format(jpeg, ImageFormat::Jpeg).expect("the source decodes")
}

fn resize_image(image: &DynamicImage, side: u32) -> DynamicImage {
    image.resize_exact(side, side, FilterType::Lanczos3)
}

fn resize_fir(image: &DynamicImage, side: u32) -> DynamicImage {
    let mut resized = DynamicImage::new(side, side, image.color());
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FirFilter::Lanczos3));
    Resizer::new()
        .resize(image, &mut resized, &options)
        .expect("the resize succeeds");
    resized
}

fn encode_webp(image: &DynamicImage) -> Vec<u8> {
    let mut out = Vec::new();
    image
        .write_with_encoder(WebPEncoder::new_lossless(&mut out))
        .expect("WebP encodes");
    out
}

fn encode_jpeg(image: &DynamicImage) -> Vec<u8> {
    let mut out = Vec::new();
    image
        .write_with_encoder(JpegEncoder::new_with_quality(&mut out, QUALITY))
        .expect("JPEG encodes");
    out
}

fn transform(source: &[u8], format: Format, side: u32) -> imaging::Output {
    let t = Transform {
        width: Some(side),
        height: Some(side),
        fit: Fit::Cover,
        format: FormatChoice::To(format),
        ..Transform::default()
    };
    imaging::transform(source, &t, &Limits::default()).expect("the transform succeeds")
}
