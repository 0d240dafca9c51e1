//! Image pipeline, side by side: a photo JPEG (1600×1600 and 4000×3000) made into a 400×400
//! cover thumbnail, as WebP and as JPEG at q80, by
//!
//! - **ours**: `imaging::transform` (JPEG shrunk while decoding by libjpeg-turbo,
//!   `fast_image_resize`, libwebp lossy WebP, libjpeg-turbo 4:2:0 JPEG);
//! - **before**: the pipeline `imaging::transform` ran before issue 13, kept here callable
//!   (whole decode by the `image` crate, `fast_image_resize`, the `image` crate's lossless WebP
//!   and 4:4:4 JPEG encoders);
//! - **image**: the `image` crate's plain path (`load_from_memory`, `resize_to_fill` with
//!   Lanczos3, `write_to`);
//! - **libvips**: `vips_thumbnail_buffer` and libvips' WebP or JPEG save, in a process kept
//!   running (`benches/support/vips_thumbnail.c`, built here with `cc` when `pkg-config` finds
//!   libvips: `apt-get install libvips-dev pkg-config`), one thread per operation and no
//!   operation cache; it reports the time of those calls only, as the other rows time the
//!   transform of bytes in memory.
//!
//! Each result is decoded again and compared with a reference (the whole source resized with
//! Lanczos3, no encoding): PSNR over RGB and SSIM over luma, so smaller files are not bought
//! with worse pictures. Then each pipeline runs once more in a child process of its own on the
//! 4000×3000 source, which reports its peak resident memory (`VmHWM`) and what it held before
//! the transform (for libvips, once libvips has started and read the source).
//!
//! The sources are generated in memory: photo-like pictures (gradients, soft and hard-edged
//! shapes, fine texture and sensor-like noise), encoded as a camera does (q92, 4:2:0).
//!
//! `cargo bench --bench image_resize` runs every pipeline round-robin after a warm-up round
//! and prints the median and minimum time. Under `cargo test --all-targets` (an unoptimised
//! build) it does a single run on pictures a tenth the size, as a smoke check that stays fast,
//! without libvips or the memory children. Timings are reported, never asserted.

use std::hint::black_box;
use std::io::{BufRead, BufReader, Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fast_image_resize::{FilterType as FirFilter, ResizeAlg, ResizeOptions, Resizer};
use getimages::imaging::{self, Fit, Format, FormatChoice, Limits, Transform};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::webp::WebPEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

/// Side of the square result.
const TARGET_SIDE: u32 = 400;
/// Quality asked of every pipeline.
const QUALITY: u8 = 80;
/// Sides are divided by this for the smoke check.
const SMOKE_DIVISOR: u32 = 10;
/// The argument that makes the bench a memory-measuring child.
const CHILD_FLAG: &str = "--peak-memory-of";

/// The pipelines compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pipeline {
    Ours,
    Before,
    ImageCrate,
    Libvips,
}

impl Pipeline {
    const ALL: [Self; 4] = [Self::Ours, Self::Before, Self::ImageCrate, Self::Libvips];

    fn name(self) -> &'static str {
        match self {
            Self::Ours => "ours (imaging::transform)",
            Self::Before => "ours before (whole decode, lossless WebP, 4:4:4)",
            Self::ImageCrate => "image crate plain (resize_to_fill)",
            Self::Libvips => "libvips in-process (vips_thumbnail_buffer)",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Self::Ours => "ours",
            Self::Before => "before",
            Self::ImageCrate => "image",
            Self::Libvips => "libvips",
        }
    }

    /// Runs the pipeline on the JPEG at `path` (`jpeg` is its bytes): the result and how long
    /// the transform took. libvips runs in the harness process `vips`, which times its calls.
    fn run(
        self,
        jpeg: &[u8],
        path: &Path,
        format: Format,
        side: u32,
        vips: Option<&mut Vips>,
    ) -> (Vec<u8>, Duration) {
        let timed = |transform: fn(&[u8], Format, u32) -> Vec<u8>| {
            let start = Instant::now();
            let out = black_box(transform(jpeg, format, side));
            (out, start.elapsed())
        };
        match self {
            Self::Ours => timed(ours),
            Self::Before => timed(before),
            Self::ImageCrate => timed(image_crate),
            Self::Libvips => {
                let made = vips
                    .expect("libvips is running")
                    .thumbnail(path, format, side);
                (made.bytes, made.took)
            }
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == CHILD_FLAG) {
        return peak_memory_child(&args[at + 1..]);
    }
    // `cargo bench` passes `--bench`; `cargo test` does not.
    let measuring = args.iter().any(|a| a == "--bench");
    let divisor = if measuring { 1 } else { SMOKE_DIVISOR };
    let side = TARGET_SIDE / divisor;
    let harness = if measuring {
        Vips::build()
    } else {
        Err("left out of the smoke check".into())
    };
    let mut vips = harness.as_deref().ok().map(Vips::start);
    let libvips = match &harness {
        Ok(_) => format!("{} in-process", vips_version()),
        Err(why) => why.clone(),
    };
    let pipelines: Vec<Pipeline> = Pipeline::ALL
        .into_iter()
        .filter(|&p| p != Pipeline::Libvips || vips.is_some())
        .collect();

    println!("image_resize: cover {side}×{side}, q{QUALITY}; libvips: {libvips}");
    let mut large = None;
    for (width, height, iterations) in [(1600, 1600, 10), (4000, 3000, 5)] {
        let (width, height) = (width / divisor, height / divisor);
        let iterations = if measuring { iterations } else { 1 };
        let jpeg = photo_jpeg(width, height);
        let path = std::env::temp_dir().join(format!(
            "getimages-bench-{width}x{height}-{}.jpg",
            std::process::id()
        ));
        std::fs::write(&path, &jpeg).expect("the source is written");
        let reference = reference(&jpeg, side);
        println!(
            "\nsource {width}×{height} JPEG, {:.0} KiB; {iterations} round(s)",
            kib(jpeg.len())
        );
        println!(
            "  {:<5} {:<50} {:>9} {:>9} {:>9} {:>7} {:>6}",
            "to", "pipeline", "median", "min", "bytes", "PSNR", "SSIM"
        );
        for format in [Format::Webp, Format::Jpeg] {
            let mut samples = vec![Vec::new(); pipelines.len()];
            // Each pipeline's result from the last round, for its size and quality.
            let mut outs = vec![Vec::new(); pipelines.len()];
            let warm_up = usize::from(measuring);
            for round in 0..warm_up + iterations {
                // Round-robin, so a noisy neighbour spreads over every pipeline alike.
                for ((pipeline, samples), out) in pipelines.iter().zip(&mut samples).zip(&mut outs)
                {
                    let (bytes, took) = pipeline.run(&jpeg, &path, format, side, vips.as_mut());
                    *out = bytes;
                    if round >= warm_up {
                        samples.push(took);
                    }
                }
            }
            for ((pipeline, samples), out) in pipelines.iter().zip(&mut samples).zip(&outs) {
                samples.sort();
                let got = image::load_from_memory(out)
                    .expect("the result decodes")
                    .to_rgb8();
                println!(
                    "  {:<5} {:<50} {:>6.1} ms {:>6.1} ms {:>9} {:>4.1} dB {:>6.4}",
                    format.extension(),
                    pipeline.name(),
                    ms(samples[samples.len() / 2]),
                    ms(samples[0]),
                    out.len(),
                    psnr(&reference, &got),
                    ssim(&reference, &got),
                );
            }
        }
        if height == 3000 / divisor {
            parts(&jpeg, side, iterations);
            large = Some(path);
        } else {
            let _ = std::fs::remove_file(&path);
        }
    }

    let Some(large) = large else { return };
    if measuring {
        println!("\npeak memory, one 4000×3000 → {side}² MISS per child process");
        println!(
            "  {:<5} {:<50} {:>12} {:>12}",
            "to", "pipeline", "peak (HWM)", "before it"
        );
        for format in [Format::Webp, Format::Jpeg] {
            for &pipeline in &pipelines {
                let (peak, base) = if let (Pipeline::Libvips, Ok(harness)) = (pipeline, &harness) {
                    // A process of its own, so its peak is this picture's alone.
                    let made = Vips::start(harness).thumbnail(&large, format, side);
                    (made.peak_kib / 1024.0, made.before_kib / 1024.0)
                } else {
                    peak_memory(pipeline, format, &large, side)
                };
                println!(
                    "  {:<5} {:<50} {:>8.1} MiB {:>8.1} MiB",
                    format.extension(),
                    pipeline.name(),
                    peak,
                    base
                );
            }
        }
    }
    let _ = std::fs::remove_file(&large);
}

// ---- the parts of ours ----------------------------------------------------------------------

/// Times the steps that set our pipeline's speed on the large source, beside what they
/// replaced: the shrunk decode by libjpeg-turbo and by `jpeg-decoder` (our decoder before),
/// the whole decode by the `image` crate (zune-jpeg), libwebp at method 2 (ours) and 4 (its
/// default) on the 400² cover, and the cover's 4:2:0 JPEG by `jpeg-encoder`, by libjpeg-turbo
/// (mozjpeg's fastest profile: libjpeg-turbo's own baseline encoder), the same with
/// optimised Huffman tables, and by mozjpeg's defaults (trellis quantisation, progressive,
/// its own quantisation tables). Each encoder's bytes are decoded again and compared with the
/// cover they were made from (SSIM over luma).
fn parts(jpeg: &[u8], side: u32, iterations: usize) {
    let libjpeg_turbo = || {
        let mut decompress = mozjpeg::Decompress::new_mem(jpeg).expect("libjpeg reads it");
        decompress.scale(2);
        let mut started = decompress.rgb().expect("libjpeg starts");
        let pixels = started.read_scanlines::<u8>().expect("libjpeg decodes");
        started.finish().expect("libjpeg finishes");
        pixels.len()
    };
    let jpeg_decoder = || {
        let mut decoder = jpeg_decoder::Decoder::new(jpeg);
        decoder.read_info().expect("jpeg-decoder reads it");
        let (width, height) = decoder.info().map(|i| (i.width, i.height)).expect("a size");
        decoder
            .scale(width / 4, height / 4)
            .expect("jpeg-decoder scales");
        decoder.decode().expect("jpeg-decoder decodes").len()
    };
    let whole = || image::load_from_memory(jpeg).expect("decodes").width() as usize;
    let cover = resize_fir(&image::load_from_memory(jpeg).expect("decodes"), side).to_rgb8();
    let webp = |method: i32| {
        let mut config = webp::WebPConfig::new().expect("a libwebp configuration");
        config.quality = f32::from(QUALITY);
        config.method = method;
        webp::Encoder::from_rgb(cover.as_raw(), side, side)
            .encode_advanced(&config)
            .expect("libwebp encodes")
            .to_vec()
    };
    let jpeg_encoder = || {
        let mut out = Vec::new();
        let mut encoder = jpeg_encoder::Encoder::new(&mut out, QUALITY);
        encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
        encoder.set_chroma_subsampling_method(jpeg_encoder::ChromaSubsamplingMethod::Average);
        let side = side as u16;
        encoder
            .encode(cover.as_raw(), side, side, jpeg_encoder::ColorType::Rgb)
            .expect("jpeg-encoder encodes");
        out
    };
    let compress = |mut settings: mozjpeg::Compress| {
        settings.set_size(side as usize, side as usize);
        settings.set_chroma_sampling_pixel_sizes((2, 2), (2, 2));
        let mut started = settings.start_compress(Vec::new()).expect("libjpeg starts");
        started
            .write_scanlines(cover.as_raw())
            .expect("libjpeg encodes");
        started.finish().expect("libjpeg finishes")
    };
    let libjpeg_turbo_encode = |optimise_coding: bool| {
        let mut settings = mozjpeg::Compress::new(mozjpeg::ColorSpace::JCS_RGB);
        // First: it resets every setting to libjpeg's defaults for the profile.
        settings.set_fastest_defaults();
        settings.set_optimize_coding(optimise_coding);
        // libjpeg's standard tables at QUALITY, kept to 8 bits (baseline).
        let quality = f32::from(QUALITY);
        settings.set_luma_qtable(&mozjpeg::qtable::AnnexK_Luma.scaled(quality, quality));
        settings.set_chroma_qtable(&mozjpeg::qtable::AnnexK_Chroma.scaled(quality, quality));
        compress(settings)
    };
    let mozjpeg_defaults = || {
        // mozjpeg's own tables (ImageMagick's) at QUALITY.
        let mut settings = mozjpeg::Compress::new(mozjpeg::ColorSpace::JCS_RGB);
        settings.set_quality(f32::from(QUALITY));
        compress(settings)
    };
    let steps: [(&str, Step); 9] = [
        (
            "decode at 1/4, libjpeg-turbo (ours)",
            Step::Decode(&libjpeg_turbo),
        ),
        (
            "decode at 1/4, jpeg-decoder (ours before)",
            Step::Decode(&jpeg_decoder),
        ),
        (
            "decode whole, image crate (zune-jpeg)",
            Step::Decode(&whole),
        ),
        (
            "WebP encode, libwebp method 2 (ours)",
            Step::Encode(&|| webp(2)),
        ),
        (
            "WebP encode, libwebp method 4 (its default)",
            Step::Encode(&|| webp(4)),
        ),
        (
            "JPEG encode, jpeg-encoder 4:2:0 (ours before)",
            Step::Encode(&jpeg_encoder),
        ),
        (
            "JPEG encode, libjpeg-turbo 4:2:0 (ours)",
            Step::Encode(&|| libjpeg_turbo_encode(false)),
        ),
        (
            "JPEG encode, libjpeg-turbo 4:2:0, optimised Huffman",
            Step::Encode(&|| libjpeg_turbo_encode(true)),
        ),
        (
            "JPEG encode, mozjpeg defaults 4:2:0",
            Step::Encode(&mozjpeg_defaults),
        ),
    ];
    println!(
        "
  parts of ours on this source{:>38} {:>9} {:>9} {:>6}",
        "median", "min", "bytes", "SSIM"
    );
    let mut samples = vec![Vec::new(); steps.len()];
    for round in 0..=iterations {
        for ((_, step), samples) in steps.iter().zip(&mut samples) {
            let start = Instant::now();
            step.run();
            if round > 0 {
                samples.push(start.elapsed());
            }
        }
    }
    for ((name, step), samples) in steps.iter().zip(&mut samples) {
        samples.sort();
        // An encoder's output is bytes and a picture; a decode's is not worth a column.
        let (bytes, ssim) = match step {
            Step::Decode(_) => (String::new(), String::new()),
            Step::Encode(encode) => {
                let out = encode();
                let got = image::load_from_memory(&out)
                    .expect("the result decodes")
                    .to_rgb8();
                (out.len().to_string(), format!("{:.4}", ssim(&cover, &got)))
            }
        };
        println!(
            "  {name:<56} {:>6.1} ms {:>6.1} ms {bytes:>9} {ssim:>6}",
            ms(samples[samples.len() / 2]),
            ms(samples[0]),
        );
    }
}

/// One timed step of [`parts`]: a decode (its result's length, to keep it alive) or an
/// encode (its bytes).
enum Step<'a> {
    Decode(&'a dyn Fn() -> usize),
    Encode(&'a dyn Fn() -> Vec<u8>),
}

impl Step<'_> {
    fn run(&self) {
        match self {
            Self::Decode(decode) => {
                black_box(decode());
            }
            Self::Encode(encode) => {
                black_box(encode());
            }
        }
    }
}

// ---- the pipelines ------------------------------------------------------------------------

fn ours(jpeg: &[u8], format: Format, side: u32) -> Vec<u8> {
    let t = Transform {
        width: Some(side),
        height: Some(side),
        fit: Fit::Cover,
        format: FormatChoice::To(format),
        quality: QUALITY,
        upscale: false,
    };
    imaging::transform(jpeg, &t, &Limits::default())
        .expect("the transform succeeds")
        .bytes
}

/// What `imaging::transform` did before issue 13, for a JPEG without Exif.
fn before(jpeg: &[u8], format: Format, side: u32) -> Vec<u8> {
    let decoded = image::load_from_memory_with_format(jpeg, ImageFormat::Jpeg).expect("decodes");
    let small = resize_fir(&decoded, side);
    let mut out = Vec::new();
    match format {
        Format::Jpeg => small.write_with_encoder(JpegEncoder::new_with_quality(&mut out, QUALITY)),
        _ => small.write_with_encoder(WebPEncoder::new_lossless(&mut out)),
    }
    .expect("encodes");
    out
}

fn image_crate(jpeg: &[u8], format: Format, side: u32) -> Vec<u8> {
    let decoded = image::load_from_memory(jpeg).expect("decodes");
    let small = decoded.resize_to_fill(side, side, FilterType::Lanczos3);
    let mut out = Cursor::new(Vec::new());
    match format {
        Format::Jpeg => small.write_with_encoder(JpegEncoder::new_with_quality(&mut out, QUALITY)),
        _ => small.write_to(&mut out, ImageFormat::WebP),
    }
    .expect("encodes");
    out.into_inner()
}

/// libvips in a process of its own, kept running (`benches/support/vips_thumbnail.c`).
struct Vips {
    child: std::process::Child,
    answers: BufReader<std::process::ChildStdout>,
}

/// One thumbnail libvips made, and what it reported.
struct VipsMade {
    bytes: Vec<u8>,
    /// The thumbnail and save calls.
    took: Duration,
    /// Resident memory before the calls, the source read (`VmRSS`), in KiB.
    before_kib: f64,
    /// The process's peak resident memory after them (`VmHWM`), in KiB.
    peak_kib: f64,
}

impl Vips {
    /// Compiles the harness against the installed libvips; why not, if it cannot.
    fn build() -> Result<PathBuf, String> {
        let flags = Command::new("pkg-config")
            .args(["--cflags", "--libs", "vips"])
            .output()
            .ok()
            .filter(|out| out.status.success())
            .ok_or("not installed (apt-get install libvips-dev pkg-config)")?;
        let harness = Path::new(env!("CARGO_TARGET_TMPDIR")).join("vips_thumbnail");
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/support/vips_thumbnail.c");
        let built = Command::new("cc")
            .args(["-O2", "-o"])
            .arg(&harness)
            .arg(&source)
            .args(String::from_utf8_lossy(&flags.stdout).split_whitespace())
            .status()
            .map_err(|e| format!("cc did not run: {e}"))?;
        if !built.success() {
            return Err(format!("{} did not compile", source.display()));
        }
        Ok(harness)
    }

    fn start(harness: &Path) -> Self {
        let mut child = Command::new(harness)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the libvips harness starts");
        let answers = BufReader::new(child.stdout.take().expect("piped"));
        Self { child, answers }
    }

    /// Has libvips make the `side`² cover of the JPEG at `path`.
    fn thumbnail(&mut self, path: &Path, format: Format, side: u32) -> VipsMade {
        let out = path.with_extension(format!("vips.{}", format.extension()));
        let stdin = self.child.stdin.as_mut().expect("piped");
        writeln!(
            stdin,
            "{} {} {} {side} {QUALITY}",
            path.display(),
            out.display(),
            format.extension()
        )
        .and_then(|()| stdin.flush())
        .expect("the harness reads its requests");
        let mut line = String::new();
        self.answers
            .read_line(&mut line)
            .expect("the harness answers");
        let numbers: Vec<f64> = line
            .split_whitespace()
            .map(|n| n.parse().expect("a number"))
            .collect();
        let [nanos, before_kib, peak_kib] = numbers[..] else {
            panic!("libvips failed on {}", path.display());
        };
        let bytes = std::fs::read(&out).expect("libvips wrote its output");
        let _ = std::fs::remove_file(&out);
        VipsMade {
            bytes,
            took: Duration::from_nanos(nanos as u64),
            before_kib,
            peak_kib,
        }
    }
}

impl Drop for Vips {
    fn drop(&mut self) {
        // Its standard input closed, the harness shuts libvips down and exits.
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

fn vips_version() -> String {
    Command::new("pkg-config")
        .args(["--modversion", "vips"])
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn resize_fir(image: &DynamicImage, side: u32) -> DynamicImage {
    let mut resized = DynamicImage::new(side, side, image.color());
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FirFilter::Lanczos3))
        .fit_into_destination(None);
    Resizer::new()
        .resize(image, &mut resized, &options)
        .expect("the resize succeeds");
    resized
}

// ---- peak memory --------------------------------------------------------------------------

/// Peak and starting resident memory, in MiB, of a child running `pipeline` once.
fn peak_memory(pipeline: Pipeline, format: Format, path: &Path, side: u32) -> (f64, f64) {
    let exe = std::env::current_exe().expect("the bench knows its path");
    let out = Command::new(exe)
        .args([CHILD_FLAG, pipeline.key(), format.extension()])
        .arg(path)
        .arg(side.to_string())
        .output()
        .expect("the child runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut numbers = text.split_whitespace().map(|n| n.parse::<f64>().unwrap());
    (numbers.next().unwrap(), numbers.next().unwrap())
}

/// In the child: read the source, note the resident memory, run once, print the peak.
fn peak_memory_child(args: &[String]) {
    let [pipeline, format, path, side] = args else {
        panic!("usage: {CHILD_FLAG} PIPELINE FORMAT PATH SIDE");
    };
    let pipeline = *Pipeline::ALL
        .iter()
        .find(|p| p.key() == pipeline)
        .expect("a pipeline");
    let format = if format == "webp" {
        Format::Webp
    } else {
        Format::Jpeg
    };
    let path = PathBuf::from(path);
    let jpeg = std::fs::read(&path).expect("the source reads");
    let side = side.parse().expect("a side");
    let base = status_kib("VmRSS");
    black_box(pipeline.run(&jpeg, &path, format, side, None));
    println!("{} {}", status_kib("VmHWM") / 1024.0, base / 1024.0);
}

/// A `kB` line of `/proc/self/status`.
fn status_kib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("procfs");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("the field is there")
}

// ---- sources and quality ------------------------------------------------------------------

/// A deterministic photo-like JPEG, encoded as a camera does (q92, 4:2:0).
fn photo_jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(u64::from(width) * 7 + u64::from(height));
    let (w, h) = (width as f32, height as f32);
    let photo = RgbImage::from_fn(width, height, |x, y| {
        let (u, v) = (x as f32 / w, y as f32 / h);
        // A soft "subject": a bright disc off-centre, over a sky-to-ground gradient.
        let d = ((u - 0.6).powi(2) + (v - 0.4).powi(2)).sqrt();
        let subject = (1.0 - (d / 0.25).min(1.0)).powi(2) * 120.0;
        let mut c = [
            40.0 + 150.0 * v + subject,
            90.0 + 80.0 * (1.0 - v) + 40.0 * (u * 12.0).sin() + subject * 0.6,
            170.0 * (1.0 - v) + 30.0 * (v * 9.0).cos(),
        ];
        // Hard-edged things: a dark window frame and a red box.
        if (0.15..0.35).contains(&u) && (0.55..0.9).contains(&v) {
            let bar = ((u - 0.15) * 40.0).fract() < 0.15 || ((v - 0.55) * 30.0).fract() < 0.15;
            c = if bar {
                [30.0, 25.0, 20.0]
            } else {
                [200.0, 190.0, 150.0]
            };
        }
        if (0.7..0.85).contains(&u) && (0.65..0.8).contains(&v) {
            c = [190.0, 40.0, 35.0];
        }
        // Fine texture (grass, fabric) in the lower third, and sensor noise everywhere.
        let texture = if v > 0.66 {
            18.0 * ((x as f32 * 0.9).sin() * (y as f32 * 0.7).cos())
        } else {
            0.0
        };
        Rgb(c.map(|c| (c + texture + rng.i32(-6..=6) as f32).clamp(0.0, 255.0) as u8))
    });
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, 92);
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
    encoder
        .encode(
            photo.as_raw(),
            width as u16,
            height as u16,
            jpeg_encoder::ColorType::Rgb,
        )
        .expect("the source encodes");
    out
}

/// The source decoded whole and resized with Lanczos3, never encoded: what every result is
/// compared with.
fn reference(jpeg: &[u8], side: u32) -> RgbImage {
    let decoded = image::load_from_memory(jpeg).expect("decodes");
    resize_fir(&decoded, side).to_rgb8()
}

/// Peak signal-to-noise ratio over the RGB channels, in dB.
fn psnr(a: &RgbImage, b: &RgbImage) -> f64 {
    let squared: f64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum();
    let mse = squared / a.as_raw().len() as f64;
    10.0 * (255.0 * 255.0 / mse.max(1e-10)).log10()
}

/// Mean SSIM of the luma (BT.601) over 8×8 windows every 4 pixels.
fn ssim(a: &RgbImage, b: &RgbImage) -> f64 {
    let luma = |image: &RgbImage| -> Vec<f64> {
        image
            .pixels()
            .map(|p| 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]))
            .collect()
    };
    let (la, lb) = (luma(a), luma(b));
    let width = a.width() as usize;
    let height = a.height() as usize;
    let (c1, c2) = ((0.01f64 * 255.0).powi(2), (0.03f64 * 255.0).powi(2));
    let (mut total, mut windows) = (0.0, 0);
    for y0 in (0..height.saturating_sub(7)).step_by(4) {
        for x0 in (0..width.saturating_sub(7)).step_by(4) {
            let (mut sa, mut sb, mut saa, mut sbb, mut sab) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for y in y0..y0 + 8 {
                for x in x0..x0 + 8 {
                    let (p, q) = (la[y * width + x], lb[y * width + x]);
                    sa += p;
                    sb += q;
                    saa += p * p;
                    sbb += q * q;
                    sab += p * q;
                }
            }
            let n = 64.0;
            let (ma, mb) = (sa / n, sb / n);
            let (va, vb) = (saa / n - ma * ma, sbb / n - mb * mb);
            let cov = sab / n - ma * mb;
            total += ((2.0 * ma * mb + c1) * (2.0 * cov + c2))
                / ((ma * ma + mb * mb + c1) * (va + vb + c2));
            windows += 1;
        }
    }
    total / f64::from(windows.max(1))
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn kib(bytes: usize) -> f64 {
    bytes as f64 / 1024.0
}
