//! The whole path, with every input built here in code.

use image::codecs::gif::{GifDecoder, GifEncoder, Repeat};
use image::{
    AnimationDecoder, Delay, DynamicImage, Frame, GenericImageView, Rgb, RgbImage, Rgba, RgbaImage,
};

use super::geometry::Plan;
use super::*;

/// The size of an image as displayed (after EXIF orientation), read from its header alone.
fn dimensions(bytes: &[u8]) -> Result<(u32, u32), ImageError> {
    let format = sniff(bytes).ok_or(ImageError::NotAnImage)?;
    let header = codec::Header::read(bytes, format, &Limits::default())?;
    Ok(header.upright_size())
}

// ---- inputs -------------------------------------------------------------------------------

/// A smooth gradient: a stand-in for a photo that every encoder keeps recognisable.
fn gradient(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        Rgb([
            (x * 255 / width.max(2)) as u8,
            (y * 255 / height.max(2)) as u8,
            128,
        ])
    })
}

/// `image` encoded as `format` by the `image` crate itself.
fn encoded(image: &DynamicImage, format: Format) -> Vec<u8> {
    let mut out = Vec::new();
    match format {
        Format::Jpeg => {
            image
                .to_rgb8()
                .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
                    &mut out, 90,
                ))
        }
        Format::Png => image.write_with_encoder(image::codecs::png::PngEncoder::new(&mut out)),
        Format::Webp => {
            image.write_with_encoder(image::codecs::webp::WebPEncoder::new_lossless(&mut out))
        }
        Format::Gif => image
            .to_rgba8()
            .write_with_encoder(GifEncoder::new_with_speed(&mut out, 10)),
    }
    .expect("test image encodes");
    out
}

/// A JPEG with an Exif APP1 segment carrying `orientation`, inserted right after SOI.
fn with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\x00\x2A".to_vec(); // big-endian TIFF header
    tiff.extend(8u32.to_be_bytes()); // first IFD right after the header
    tiff.extend(1u16.to_be_bytes()); // one entry:
    tiff.extend(0x0112u16.to_be_bytes()); // Orientation,
    tiff.extend(3u16.to_be_bytes()); // SHORT,
    tiff.extend(1u32.to_be_bytes()); // one value,
    tiff.extend(orientation.to_be_bytes()); // left-aligned in the 4-byte field
    tiff.extend([0, 0]);
    tiff.extend(0u32.to_be_bytes()); // no next IFD
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);

    let mut out = jpeg[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(u16::try_from(app1.len() + 2).unwrap().to_be_bytes());
    out.extend(app1);
    out.extend(&jpeg[2..]);
    out
}

/// A JPEG stored `width`×`height`, red on the left half and blue on the right, with Exif
/// orientation 6 (turn a quarter clockwise to display).
fn turned_jpeg(width: u32, height: u32) -> Vec<u8> {
    let stored = RgbImage::from_fn(width, height, |x, _| {
        if x < width / 2 {
            Rgb([255, 0, 0])
        } else {
            Rgb([0, 0, 255])
        }
    });
    with_exif_orientation(&encoded(&stored.into(), Format::Jpeg), 6)
}

/// A two-frame, looping GIF.
fn animated_gif() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = GifEncoder::new_with_speed(&mut out, 10);
        encoder.set_repeat(Repeat::Infinite).unwrap();
        let frames = [Rgba([255, 0, 0, 255]), Rgba([0, 0, 255, 255])].map(|colour| {
            Frame::from_parts(
                RgbaImage::from_pixel(30, 20, colour),
                0,
                0,
                Delay::from_numer_denom_ms(100, 1),
            )
        });
        encoder.encode_frames(frames).unwrap();
    }
    out
}

/// A real decompression bomb: a `side`×`side` one-bit greyscale PNG of zeros. Its IDAT is
/// deflate done by hand (a literal zero, then length-258 copies at distance 1 in fixed Huffman
/// codes), so a 20000×20000 one is about 300 KB on the wire and 400 MB once decoded to 8 bits.
fn png_bomb(side: u32) -> Vec<u8> {
    let raw_len = u64::from(side) * (1 + u64::from(side.div_ceil(8)));
    let mut bits = BitWriter::default();
    bits.put(1, 1); // final block
    bits.put(1, 2); // fixed Huffman codes
    bits.put_code(0x30, 8); // literal 0
    let mut left = raw_len - 1;
    while left >= 258 {
        bits.put_code(0xC5, 8); // length symbol 285 = 258 bytes
        bits.put_code(0, 5); // distance symbol 0 = 1 byte back
        left -= 258;
    }
    for _ in 0..left {
        bits.put_code(0x30, 8);
    }
    bits.put_code(0, 7); // end of block
    let mut zlib = vec![0x78, 0x01];
    zlib.extend(bits.finish());
    // Adler-32 of zeros: a stays 1, b gains 1 per byte.
    zlib.extend((((raw_len % 65521) as u32) << 16 | 1).to_be_bytes());

    let mut ihdr = side.to_be_bytes().to_vec();
    ihdr.extend(side.to_be_bytes());
    ihdr.extend([1, 0, 0, 0, 0]); // 1 bit, greyscale, deflate, no filter, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [(b"IHDR", ihdr), (b"IDAT", zlib), (b"IEND", Vec::new())] {
        png.extend(u32::try_from(data.len()).unwrap().to_be_bytes());
        let mut chunk = kind.to_vec();
        chunk.extend(&data);
        png.extend(&chunk);
        png.extend(crc32(&chunk).to_be_bytes());
    }
    png
}

/// Deflate's bit order: values least significant bit first, Huffman codes most significant.
#[derive(Default)]
struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    len: u32,
}

impl BitWriter {
    fn put(&mut self, value: u32, count: u32) {
        self.acc |= u64::from(value) << self.len;
        self.len += count;
        while self.len >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.len -= 8;
        }
    }

    fn put_code(&mut self, code: u32, count: u32) {
        self.put(code.reverse_bits() >> (32 - count), count);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.len > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// The CRC-32 a PNG chunk carries (flate2's, the zlib one).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    crc.sum()
}

// ---- helpers ------------------------------------------------------------------------------

fn resize_to(width: Option<u32>, height: Option<u32>, fit: Fit, format: FormatChoice) -> Transform {
    Transform {
        width,
        height,
        fit,
        format,
        ..Transform::default()
    }
}

fn convert_to(format: Format) -> Transform {
    resize_to(None, None, Fit::Inside, FormatChoice::To(format))
}

fn run(bytes: &[u8], t: &Transform) -> Result<Output, ImageError> {
    transform(bytes, t, &Limits::default())
}

/// `bytes` converted to a JPEG of `quality`, at its own size.
fn as_jpeg(bytes: &[u8], quality: u8) -> Output {
    let t = Transform {
        quality,
        ..convert_to(Format::Jpeg)
    };
    run(bytes, &t).unwrap()
}

/// Decodes an output back, checking it is what it says it is.
fn decoded(output: &Output) -> DynamicImage {
    assert_eq!(sniff(&output.bytes), Some(output.format), "sniffed format");
    let image = image::load_from_memory_with_format(&output.bytes, output.format.image_format())
        .expect("output decodes");
    assert_eq!(
        image.dimensions(),
        (output.width, output.height),
        "reported size"
    );
    image
}

fn close(actual: [u8; 3], expected: [u8; 3]) -> bool {
    largest_difference(actual, expected) <= 40
}

/// The largest difference between two colours, channel by channel.
fn largest_difference(a: [u8; 3], b: [u8; 3]) -> u8 {
    a.iter()
        .zip(b)
        .map(|(&a, b)| a.abs_diff(b))
        .max()
        .unwrap_or(0)
}

const ALL: [Format; 4] = [Format::Jpeg, Format::Png, Format::Webp, Format::Gif];

// ---- stories ------------------------------------------------------------------------------

#[test]
fn every_format_resizes_into_every_format() {
    let source = DynamicImage::from(gradient(120, 80));
    for from in ALL {
        let bytes = encoded(&source, from);
        for to in ALL {
            let t = resize_to(Some(60), None, Fit::Inside, FormatChoice::To(to));
            let output = run(&bytes, &t).unwrap_or_else(|e| panic!("{from:?} → {to:?}: {e}"));
            assert_eq!(output.format, to);
            assert_eq!((output.width, output.height), (60, 40), "{from:?} → {to:?}");
            decoded(&output);
        }
    }
}

#[test]
fn original_format_is_kept_when_resizing() {
    let source = DynamicImage::from(gradient(120, 80));
    for format in ALL {
        let t = resize_to(Some(30), Some(30), Fit::Inside, FormatChoice::Original);
        let output = run(&encoded(&source, format), &t).unwrap();
        assert_eq!(output.format, format);
        assert_eq!(decoded(&output).dimensions(), (30, 20));
    }
}

#[test]
fn an_identity_transform_returns_the_bytes_untouched() {
    let bytes = encoded(&gradient(40, 30).into(), Format::Png);
    let identity = Transform::default();
    assert!(identity.is_identity());
    let output = run(&bytes, &identity).unwrap();
    assert_eq!(output.bytes, bytes);
    assert_eq!(
        (output.format, output.width, output.height),
        (Format::Png, 40, 30)
    );
}

#[test]
fn an_animated_gif_stays_animated_untouched_and_loses_its_frames_when_resized() {
    let gif = animated_gif();
    let frames = |bytes: &[u8]| {
        GifDecoder::new(std::io::Cursor::new(bytes))
            .unwrap()
            .into_frames()
            .count()
    };
    assert_eq!(frames(&gif), 2);

    let untouched = run(&gif, &Transform::default()).unwrap();
    assert_eq!(untouched.bytes, gif);

    // Asking for a size it already has changes nothing either.
    let same_size = resize_to(Some(30), None, Fit::Inside, FormatChoice::To(Format::Gif));
    assert_eq!(run(&gif, &same_size).unwrap().bytes, gif);

    assert_eq!(untouched.note, None);

    let smaller = run(
        &gif,
        &resize_to(Some(15), None, Fit::Inside, FormatChoice::Original),
    )
    .unwrap();
    assert_eq!(frames(&smaller.bytes), 1);
    assert_eq!(decoded(&smaller).dimensions(), (15, 10));
    assert_eq!(smaller.note, Some(FIRST_FRAME_NOTE), "and says so");

    // A still GIF has nothing to say.
    let still = encoded(&gradient(30, 20).into(), Format::Gif);
    let t = resize_to(Some(15), None, Fit::Inside, FormatChoice::Original);
    assert_eq!(run(&still, &t).unwrap().note, None);
}

/// A two-frame, looping WebP (red, then blue), by libwebp's animation encoder.
fn animated_webp() -> Vec<u8> {
    let config = webp::WebPConfig::new().unwrap();
    let red = RgbaImage::from_pixel(30, 20, Rgba([255, 0, 0, 255]));
    let blue = RgbaImage::from_pixel(30, 20, Rgba([0, 0, 255, 255]));
    let mut encoder = webp::AnimEncoder::new(30, 20, &config);
    encoder.set_loop_count(0);
    encoder.add_frame(webp::AnimFrame::from_rgba(red.as_raw(), 30, 20, 0));
    encoder.add_frame(webp::AnimFrame::from_rgba(blue.as_raw(), 30, 20, 100));
    encoder.encode().to_vec()
}

#[test]
fn an_animated_webp_is_untouched_as_it_is_and_its_first_frame_with_a_note_when_resized() {
    let webp = animated_webp();
    let untouched = run(&webp, &Transform::default()).unwrap();
    assert_eq!(untouched.bytes, webp, "byte for byte");
    assert_eq!(untouched.note, None);

    let smaller = run(
        &webp,
        &resize_to(Some(15), None, Fit::Inside, FormatChoice::Original),
    )
    .unwrap();
    assert_eq!(smaller.note, Some(FIRST_FRAME_NOTE));
    let first = decoded(&smaller).to_rgb8();
    assert_eq!(first.dimensions(), (15, 10));
    assert!(close(first.get_pixel(7, 5).0, [255, 0, 0]), "the red frame");
}

#[test]
fn a_one_pixel_image() {
    let png = encoded(
        &RgbImage::from_pixel(1, 1, Rgb([10, 200, 30])).into(),
        Format::Png,
    );

    let not_enlarged = run(
        &png,
        &resize_to(Some(100), None, Fit::Inside, FormatChoice::Original),
    );
    assert_eq!(not_enlarged.unwrap().bytes, png);

    let as_jpeg = run(&png, &convert_to(Format::Jpeg)).unwrap();
    assert_eq!(decoded(&as_jpeg).dimensions(), (1, 1));

    let enlarged = Transform {
        upscale: true,
        ..resize_to(Some(16), Some(8), Fit::Cover, FormatChoice::Original)
    };
    let output = run(&png, &enlarged).unwrap();
    let pixel = decoded(&output).to_rgb8().get_pixel(8, 4).0;
    assert!(close(pixel, [10, 200, 30]), "{pixel:?}");
}

#[test]
fn exif_orientation_6_comes_out_turned_upright() {
    // Orientation 6 means "turn it a quarter clockwise to display", so upright it is 20×40,
    // red on top, blue below.
    let jpeg = turned_jpeg(40, 20);
    assert_eq!(dimensions(&jpeg).unwrap(), (20, 40));

    let output = run(&jpeg, &convert_to(Format::Png)).unwrap();
    let upright = decoded(&output).to_rgb8();
    assert_eq!(upright.dimensions(), (20, 40));
    assert!(close(upright.get_pixel(10, 5).0, [255, 0, 0]), "top is red");
    assert!(
        close(upright.get_pixel(10, 35).0, [0, 0, 255]),
        "bottom is blue"
    );

    // Resizing works on the upright picture.
    let resized = run(
        &jpeg,
        &resize_to(Some(10), None, Fit::Inside, FormatChoice::Original),
    )
    .unwrap();
    assert_eq!(decoded(&resized).dimensions(), (10, 20));

    // Passed through untouched, the Exif stays, and the reported size is the displayed one.
    let untouched = run(&jpeg, &Transform::default()).unwrap();
    assert_eq!(untouched.bytes, jpeg);
    assert_eq!((untouched.width, untouched.height), (20, 40));
}

#[test]
fn a_png_bomb_is_refused_from_its_header() {
    let bomb = png_bomb(20_000);
    assert!(
        bomb.len() < 400_000,
        "small on the wire: {} bytes",
        bomb.len()
    );
    assert_eq!(dimensions(&bomb).unwrap(), (20_000, 20_000));
    for t in [Transform::default(), convert_to(Format::Jpeg)] {
        assert_eq!(
            run(&bomb, &t).unwrap_err(),
            ImageError::TooManyPixels {
                width: 20_000,
                height: 20_000,
                max: 40_000_000
            }
        );
    }
}

/// A GIF whose 1×1 screen holds a first frame of `width`×`height` (the pixel data of one).
fn gif_with_frame(width: u16, height: u16) -> Vec<u8> {
    let mut gif =
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff\x2c\x00\x00\x00\x00".to_vec();
    gif.extend_from_slice(&width.to_le_bytes());
    gif.extend_from_slice(&height.to_le_bytes());
    gif.extend_from_slice(b"\x00\x02\x02\x44\x01\x00\x3b");
    gif
}

/// Found by fuzzing: the `image` crate checks a GIF's screen, then sizes its buffers by
/// the frame.
#[test]
fn a_gif_frame_larger_than_the_limits_is_refused_before_decoding() {
    let bomb = gif_with_frame(65_535, 2_000);
    assert_eq!(dimensions(&bomb).unwrap(), (1, 1));
    assert_eq!(
        run(&bomb, &convert_to(Format::Png)).unwrap_err(),
        ImageError::TooManyPixels {
            width: 65_535,
            height: 2_000,
            max: 40_000_000
        }
    );
    let fine = run(&gif_with_frame(1, 1), &convert_to(Format::Png)).unwrap();
    assert_eq!((fine.width, fine.height), (1, 1));
}

#[test]
fn the_bomb_builder_makes_a_png_that_really_decodes() {
    // The same construction at a size we can afford, so the test above tests a real bomb.
    let small = png_bomb(100);
    let output = run(&small, &convert_to(Format::Png)).unwrap();
    let image = decoded(&output).to_luma8();
    assert_eq!(image.dimensions(), (100, 100));
    assert!(image.pixels().all(|p| p.0 == [0]));
}

#[test]
fn a_truncated_jpeg_is_corrupt() {
    let jpeg = encoded(&gradient(64, 64).into(), Format::Jpeg);
    let cut = &jpeg[..jpeg.len() * 6 / 10];
    for t in [Transform::default(), convert_to(Format::Png)] {
        let err = run(cut, &t).unwrap_err();
        assert!(matches!(err, ImageError::Corrupt(_)), "{err:?}");
        assert!(
            err.to_string().starts_with("the image cannot be decoded"),
            "{err}"
        );
    }
}

#[test]
fn truncated_files_of_every_format_are_corrupt() {
    let source = DynamicImage::from(gradient(64, 64));
    for format in ALL {
        let bytes = encoded(&source, format);
        let cut = &bytes[..bytes.len() / 2];
        let err = run(
            cut,
            &resize_to(Some(10), None, Fit::Inside, FormatChoice::Original),
        );
        assert!(
            matches!(err, Err(ImageError::Corrupt(_))),
            "{format:?}: {err:?}"
        );
    }
}

#[test]
fn files_that_lie_about_themselves_are_corrupt() {
    // The magic bytes of an image, then something else entirely.
    let fake_jpeg = b"\xFF\xD8\xFF\xE0 not a jpeg at all, just text \xFF\xD9".to_vec();
    let fake_png = b"\x89PNG\r\n\x1a\n and then some html".to_vec();
    let fake_gif = b"GIF89a<html>;".to_vec();
    let fake_webp = b"RIFF\x0c\0\0\0WEBPnope".to_vec();
    // Whole containers with nothing decodable inside: a scan without a frame header, a PNG
    // that ends before it begins.
    let empty_jpeg = b"\xFF\xD8\xFF\xDA\x00\x02\x00\xFF\xD9".to_vec();
    let mut empty_png = b"\x89PNG\r\n\x1a\n\0\0\0\0IEND".to_vec();
    empty_png.extend(crc32(b"IEND").to_be_bytes());
    for bytes in [
        fake_jpeg, fake_png, fake_gif, fake_webp, empty_jpeg, empty_png,
    ] {
        let err = run(&bytes, &convert_to(Format::Png)).unwrap_err();
        assert!(matches!(err, ImageError::Corrupt(_)), "{err:?}");
    }

    // A whole PNG whose pixel data is shorter than its header promises.
    let mut png = encoded(&gradient(64, 64).into(), Format::Png);
    let ihdr_width = 16..20;
    png[ihdr_width.clone()].copy_from_slice(&640u32.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    let err = run(&png, &convert_to(Format::Jpeg)).unwrap_err();
    assert!(matches!(err, ImageError::Corrupt(_)), "{err:?}");
}

#[test]
fn html_is_not_an_image() {
    let html = b"<!doctype html><html><body>Not found</body></html>";
    let err = run(html, &Transform::default()).unwrap_err();
    assert_eq!(err, ImageError::NotAnImage);
    assert_eq!(
        err.to_string(),
        "this is not a JPEG, PNG, WebP or GIF image"
    );
    assert_eq!(dimensions(html), Err(ImageError::NotAnImage));
}

#[test]
fn a_source_over_the_byte_limit_is_too_large() {
    let bytes = encoded(&gradient(64, 64).into(), Format::Png);
    let limits = Limits {
        max_source_bytes: bytes.len() - 1,
        ..Limits::default()
    };
    let err = transform(&bytes, &Transform::default(), &limits).unwrap_err();
    assert_eq!(
        err,
        ImageError::TooLarge {
            bytes: bytes.len(),
            max: bytes.len() - 1
        }
    );
    assert!(err.to_string().contains("more than the"), "{err}");
}

#[test]
fn an_output_over_the_pixel_limit_is_refused() {
    let bytes = encoded(&gradient(10, 10).into(), Format::Png);
    let huge = Transform {
        upscale: true,
        ..resize_to(
            Some(50_000),
            Some(50_000),
            Fit::Cover,
            FormatChoice::Original,
        )
    };
    let err = run(&bytes, &huge).unwrap_err();
    assert!(
        matches!(err, ImageError::TooManyPixels { width: 50_000, .. }),
        "{err:?}"
    );
}

#[test]
fn cover_fills_the_box_exactly_cropping_the_middle() {
    // Left third red, middle green, right third blue: a centered square keeps the green.
    let stripes = RgbImage::from_fn(300, 100, |x, _| match x / 100 {
        0 => Rgb([255, 0, 0]),
        1 => Rgb([0, 255, 0]),
        _ => Rgb([0, 0, 255]),
    });
    let png = encoded(&stripes.into(), Format::Png);
    let output = run(
        &png,
        &resize_to(Some(50), Some(50), Fit::Cover, FormatChoice::Original),
    )
    .unwrap();
    let square = decoded(&output).to_rgb8();
    assert_eq!(square.dimensions(), (50, 50));
    assert!(
        square.pixels().all(|p| close(p.0, [0, 255, 0])),
        "only the middle is left"
    );
}

#[test]
fn contain_letterboxes_transparent_or_white() {
    let png = encoded(
        &RgbImage::from_pixel(200, 100, Rgb([0, 0, 0])).into(),
        Format::Png,
    );
    let contain = |format| resize_to(Some(50), Some(50), Fit::Contain, FormatChoice::To(format));

    let as_png = decoded(&run(&png, &contain(Format::Png)).unwrap()).to_rgba8();
    assert_eq!(as_png.dimensions(), (50, 50));
    assert_eq!(as_png.get_pixel(25, 2).0[3], 0, "margin is transparent");
    assert_eq!(
        as_png.get_pixel(25, 25).0,
        [0, 0, 0, 255],
        "picture in the middle"
    );

    let as_jpeg = decoded(&run(&png, &contain(Format::Jpeg)).unwrap()).to_rgb8();
    assert_eq!(as_jpeg.dimensions(), (50, 50));
    assert!(
        close(as_jpeg.get_pixel(25, 2).0, [255, 255, 255]),
        "margin is white: {:?}",
        as_jpeg.get_pixel(25, 2).0
    );
}

#[test]
fn transparency_becomes_white_in_a_jpeg() {
    // Fully transparent red: the hidden colour must not show through.
    let png = encoded(
        &RgbaImage::from_pixel(8, 8, Rgba([255, 0, 0, 0])).into(),
        Format::Png,
    );
    let jpeg = decoded(&run(&png, &convert_to(Format::Jpeg)).unwrap()).to_rgb8();
    assert!(jpeg.pixels().all(|p| close(p.0, [255, 255, 255])));
}

#[test]
fn jpeg_quality_is_applied() {
    let png = encoded(&gradient(200, 200).into(), Format::Png);
    let at = |quality| as_jpeg(&png, quality).bytes.len();
    assert!(at(20) < at(95));
    // Out-of-range qualities are clamped, not refused.
    assert!(at(0) > 0 && at(255) > 0);
}

#[test]
fn sixteen_bit_and_grey_sources_work() {
    let grey16 = image::ImageBuffer::<image::Luma<u16>, _>::from_fn(40, 40, |x, _| {
        image::Luma([(x * 1600) as u16])
    });
    let png = encoded(&grey16.into(), Format::Png);
    for to in ALL {
        let t = resize_to(Some(20), None, Fit::Inside, FormatChoice::To(to));
        assert_eq!(
            decoded(&run(&png, &t).unwrap()).dimensions(),
            (20, 20),
            "{to:?}"
        );
    }
}

// ---- what the encoders write ---------------------------------------------------------------

/// A photo-like picture: gradients, a soft disc and sensor-like noise, so lossy encoders
/// behave as they do on photos.
fn photo(width: u32, height: u32) -> RgbImage {
    let mut rng = fastrand::Rng::with_seed(13);
    RgbImage::from_fn(width, height, |x, y| {
        let (u, v) = (x as f32 / width as f32, y as f32 / height as f32);
        let d = ((u - 0.6).powi(2) + (v - 0.4).powi(2)).sqrt();
        let disc = (1.0 - (d / 0.25).min(1.0)).powi(2) * 120.0;
        let base = [
            40.0 + 150.0 * v + disc,
            90.0 + 80.0 * (1.0 - v) + 40.0 * (u * 12.0).sin(),
            170.0 * (1.0 - v) + 30.0 * (v * 9.0).cos(),
        ];
        Rgb(base.map(|c| (c + rng.i32(-12..=12) as f32).clamp(0.0, 255.0) as u8))
    })
}

/// The RIFF chunk holding a WebP's picture: `VP8 ` (lossy) or `VP8L` (lossless), after any
/// `VP8X`/`ALPH` chunks.
fn webp_picture_chunk(webp: &[u8]) -> [u8; 4] {
    let mut at = 12;
    while let Some(header) = webp.get(at..at + 8) {
        let kind: [u8; 4] = header[..4].try_into().unwrap();
        if kind == *b"VP8 " || kind == *b"VP8L" {
            return kind;
        }
        let len = u32::from_le_bytes(header[4..8].try_into().unwrap()) as usize;
        at += 8 + len + len % 2;
    }
    panic!("no picture chunk in the WebP");
}

#[test]
fn webp_is_lossy_at_q80_and_lossless_at_q100() {
    let jpeg = encoded(&photo(400, 300).into(), Format::Jpeg);
    let at = |quality| {
        let t = Transform {
            quality,
            ..resize_to(Some(200), None, Fit::Inside, FormatChoice::To(Format::Webp))
        };
        let output = run(&jpeg, &t).unwrap();
        assert_eq!(decoded(&output).dimensions(), (200, 150));
        output.bytes
    };
    let (lossy, lossless) = (at(80), at(100));
    assert_eq!(&webp_picture_chunk(&lossy), b"VP8 ");
    assert_eq!(&webp_picture_chunk(&lossless), b"VP8L");
    assert!(
        lossy.len() * 3 < lossless.len(),
        "lossy {} bytes, lossless {}",
        lossy.len(),
        lossless.len()
    );
    assert!(at(30).len() < lossy.len(), "q applies");

    // Transparency survives a lossy WebP.
    let png = encoded(
        &RgbaImage::from_fn(40, 40, |x, _| {
            Rgba([0, 128, 255, if x < 20 { 0 } else { 255 }])
        })
        .into(),
        Format::Png,
    );
    let output = run(&png, &convert_to(Format::Webp)).unwrap();
    assert_eq!(&webp_picture_chunk(&output.bytes), b"VP8 ");
    let rgba = decoded(&output).to_rgba8();
    assert_eq!(
        (rgba.get_pixel(5, 5)[3], rgba.get_pixel(35, 5)[3]),
        (0, 255)
    );
}

/// Each colour component's (horizontal, vertical) sampling factors, from a JPEG's SOF.
fn jpeg_sampling_factors(jpeg: &[u8]) -> Vec<(u8, u8)> {
    let mut at = 2;
    loop {
        let (marker, len) = (
            jpeg[at + 1],
            usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]])),
        );
        if matches!(marker, 0xC0..=0xC2) {
            let components = usize::from(jpeg[at + 9]);
            return (0..components)
                .map(|i| {
                    let factors = jpeg[at + 11 + 3 * i];
                    (factors >> 4, factors & 0x0F)
                })
                .collect();
        }
        at += 2 + len;
    }
}

#[test]
fn jpeg_chroma_is_halved_below_q90_and_kept_from_q90() {
    let png = encoded(&photo(64, 64).into(), Format::Png);
    let sampling = |quality| {
        let output = as_jpeg(&png, quality);
        decoded(&output);
        jpeg_sampling_factors(&output.bytes)
    };
    assert_eq!(sampling(80), [(2, 2), (1, 1), (1, 1)], "4:2:0");
    assert_eq!(sampling(89), [(2, 2), (1, 1), (1, 1)], "4:2:0");
    assert_eq!(sampling(90), [(1, 1), (1, 1), (1, 1)], "4:4:4");
}

/// A JPEG's quantisation tables, in the order written: each one's precision and id byte and
/// its 64 values (zigzag order).
fn jpeg_quantisation_tables(jpeg: &[u8]) -> Vec<(u8, Vec<u16>)> {
    let mut tables = Vec::new();
    let mut at = 2;
    while jpeg[at + 1] != 0xDA {
        let len = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        if jpeg[at + 1] == 0xDB {
            let mut table = at + 4;
            while table < at + 2 + len {
                let (kind, wide) = (jpeg[table], jpeg[table] >> 4 == 1);
                let values: Vec<u16> = if wide {
                    jpeg[table + 1..table + 129]
                        .chunks_exact(2)
                        .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
                        .collect()
                } else {
                    jpeg[table + 1..table + 65]
                        .iter()
                        .map(|&v| v.into())
                        .collect()
                };
                tables.push((kind, values));
                table += if wide { 129 } else { 65 };
            }
        }
        at += 2 + len;
    }
    tables
}

#[test]
fn jpeg_quality_scales_the_standard_tables_as_before_and_stays_baseline() {
    let png = encoded(&photo(16, 16).into(), Format::Png);
    for quality in [1, 10, 23, 30, 50, 65, 80, 89, 90, 100] {
        let ours = as_jpeg(&png, quality).bytes;
        // jpeg-encoder, our encoder before, scaled libjpeg's tables by libjpeg's rule.
        let mut before = Vec::new();
        jpeg_encoder::Encoder::new(&mut before, quality)
            .encode(&[128; 16 * 16 * 3], 16, 16, jpeg_encoder::ColorType::Rgb)
            .unwrap();
        let (ours, before) = (
            jpeg_quantisation_tables(&ours),
            jpeg_quantisation_tables(&before),
        );
        // 8-bit tables (precision 0), ids 0 and 1: a baseline JPEG at every quality.
        let kinds: Vec<u8> = ours.iter().map(|table| table.0).collect();
        assert_eq!(kinds, [0x00, 0x01], "q{quality}");
        for ((_, ours), (_, before)) in ours.iter().zip(&before) {
            // Within rounding: libjpeg's integer scaling against the mozjpeg crate's float one.
            let off = ours.iter().zip(before).map(|(a, b)| a.abs_diff(*b)).max();
            assert!(off <= Some(1), "q{quality}: {ours:?} against {before:?}");
        }
    }
}

#[test]
fn a_picture_libjpeg_refuses_is_an_encode_error_not_a_crash() {
    // libjpeg stops at 65,500 pixels a side, and says so by unwinding out of its C code.
    let wide = DynamicImage::from(RgbImage::new(65_501, 1));
    let err = codec::encode(&wide, Format::Jpeg, 80).unwrap_err();
    assert!(
        matches!(&err, ImageError::Encode(message) if message.contains("65500")),
        "{err}"
    );
}

// ---- shrink-on-load -----------------------------------------------------------------------

/// Mean absolute difference per channel between two pictures of one size.
fn mean_difference(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let total: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(&x, &y)| u64::from(x.abs_diff(y)))
        .sum();
    total as f64 / a.as_raw().len() as f64
}

#[test]
fn a_large_jpeg_shrunk_while_decoding_matches_the_plain_path() {
    let source = DynamicImage::from(photo(1600, 1200));
    let jpeg = encoded(&source, Format::Jpeg);
    for (w, h, fit) in [
        (Some(400), Some(400), Fit::Cover),
        (Some(300), None, Fit::Inside),
        (Some(200), Some(200), Fit::Contain),
        (Some(1000), None, Fit::Inside),
    ] {
        let t = resize_to(w, h, fit, FormatChoice::To(Format::Png));
        let shrunk = run(&jpeg, &t).unwrap();

        // The plain path: the whole picture decoded, then resized.
        let plan = Plan::new((1600, 1200), &t);
        let whole = image::load_from_memory(&jpeg).unwrap();
        let plain = resize::apply(whole, plan).unwrap().to_rgb8();

        let shrunk = decoded(&shrunk).to_rgb8();
        assert_eq!(
            shrunk.dimensions(),
            plain.dimensions(),
            "{w:?}×{h:?} {fit:?}"
        );
        let difference = mean_difference(&shrunk, &plain);
        assert!(difference < 3.0, "{w:?}×{h:?} {fit:?}: {difference}");
    }
}

#[test]
fn a_large_turned_jpeg_is_shrunk_upright() {
    // Orientation 6 turns it to 800×1600, red on top.
    let jpeg = turned_jpeg(1600, 800);
    for (w, h, fit, size) in [
        (Some(100), None, Fit::Inside, (100, 200)),
        (Some(100), Some(100), Fit::Cover, (100, 100)),
        (Some(400), Some(100), Fit::Cover, (400, 100)),
    ] {
        let output = run(&jpeg, &resize_to(w, h, fit, FormatChoice::To(Format::Png))).unwrap();
        let upright = decoded(&output).to_rgb8();
        assert_eq!(upright.dimensions(), size);
        let (width, height) = size;
        assert!(
            close(upright.get_pixel(width / 2, 2).0, [255, 0, 0]),
            "top is red"
        );
        assert!(
            close(upright.get_pixel(width / 2, height - 3).0, [0, 0, 255]),
            "bottom is blue"
        );
    }
}

// ---- colour -------------------------------------------------------------------------------

/// Display P3 to sRGB, worked out here by hand (both use the sRGB curve; the matrix is P3's
/// primaries to sRGB's, both D65), to check the colour-management crate against.
fn p3_to_srgb(p3: [u8; 3]) -> [u8; 3] {
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let encode = |c: f64| {
        let c = c.clamp(0.0, 1.0);
        let c = if c <= 0.003_130_8 {
            12.92 * c
        } else {
            1.055 * c.powf(1.0 / 2.4) - 0.055
        };
        (c * 255.0).round() as u8
    };
    let [r, g, b] = p3.map(linear);
    [
        encode(1.224_940 * r - 0.224_940 * g),
        encode(-0.042_057 * r + 1.042_057 * g),
        encode(-0.019_638 * r - 0.078_636 * g + 1.098_274 * b),
    ]
}

/// A Display P3 ICC profile, as phones embed.
fn display_p3_icc() -> Vec<u8> {
    moxcms::ColorProfile::new_display_p3().encode().unwrap()
}

/// `image` with the `icc` profile embedded, as PNG or JPEG (q95).
fn with_icc(image: &RgbImage, icc: &[u8], format: Format) -> Vec<u8> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    let (w, h) = image.dimensions();
    match format {
        Format::Png => {
            let mut encoder = image::codecs::png::PngEncoder::new(&mut out);
            encoder.set_icc_profile(icc.to_vec()).unwrap();
            encoder.write_image(image.as_raw(), w, h, image::ExtendedColorType::Rgb8)
        }
        _ => {
            let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95);
            encoder.set_icc_profile(icc.to_vec()).unwrap();
            encoder.write_image(image.as_raw(), w, h, image::ExtendedColorType::Rgb8)
        }
    }
    .unwrap();
    out
}

#[test]
fn a_display_p3_picture_keeps_its_colours_in_srgb() {
    // A saturated orange and a teal: P3 values that read quite differently as sRGB.
    let patches = [[230, 110, 40], [40, 170, 150]];
    let picture = RgbImage::from_fn(800, 400, |x, _| Rgb(patches[(x / 400) as usize]));
    for (format, tolerance) in [(Format::Png, 2), (Format::Jpeg, 4)] {
        let source = with_icc(&picture, &display_p3_icc(), format);
        let t = resize_to(Some(100), None, Fit::Inside, FormatChoice::To(Format::Png));
        let output = decoded(&run(&source, &t).unwrap()).to_rgb8();
        for (patch, x) in patches.into_iter().zip([25, 75]) {
            let expected = p3_to_srgb(patch);
            let actual = output.get_pixel(x, 25).0;
            assert!(
                largest_difference(actual, expected) <= tolerance,
                "{format:?}: P3 {patch:?} came out {actual:?}, sRGB is {expected:?}"
            );
            assert!(
                largest_difference(patch, expected) > 10,
                "the patch {patch:?} tells the spaces apart"
            );
        }
    }
}

/// A progressive JPEG of `image` (libjpeg's standard progression: ten scans for YCbCr).
fn progressive_jpeg(image: &RgbImage) -> Vec<u8> {
    let mut compress = mozjpeg::Compress::new(mozjpeg::ColorSpace::JCS_RGB);
    compress.set_size(image.width() as usize, image.height() as usize);
    compress.set_quality(90.0);
    compress.set_progressive_mode();
    let mut started = compress.start_compress(Vec::new()).unwrap();
    started.write_scanlines(image.as_raw()).unwrap();
    started.finish().unwrap()
}

/// The resize of `jpeg` by `t`, and the same resize of the picture decoded whole by the
/// `image` crate, which is what shrinking while decoding must look like.
fn shrunk_and_plain(jpeg: &[u8], t: &Transform) -> (RgbImage, RgbImage) {
    let whole = image::load_from_memory(jpeg).unwrap();
    let plan = Plan::new(whole.dimensions(), t);
    let plain = resize::apply(whole, plan).unwrap().to_rgb8();
    (decoded(&run(jpeg, t).unwrap()).to_rgb8(), plain)
}

#[test]
fn a_progressive_jpeg_is_shrunk_while_decoding_too() {
    let jpeg = progressive_jpeg(&photo(1600, 1200));
    assert!(jpeg::frame(&jpeg).unwrap().progressive);
    // A 300² cover needs 400×300; with the margin, 1/2 (800×600) is the scale.
    let t = resize_to(
        Some(300),
        Some(300),
        Fit::Cover,
        FormatChoice::To(Format::Png),
    );
    let (shrunk, plain) = shrunk_and_plain(&jpeg, &t);
    assert_eq!(shrunk.dimensions(), (300, 300));
    let difference = mean_difference(&shrunk, &plain);
    assert!(difference < 3.0, "{difference}");
    // Its estimate counts the picture at the scale it decodes to, plus the coefficients a
    // progressive decoder keeps for the whole picture: 2 bytes each, the chroma subsampled
    // 4:2:0 (libjpeg's default), so half of a sample per pixel for both.
    let estimate = working_memory(&jpeg, &t, &Limits::default()).unwrap();
    let coefficients = 2 * 1600 * 1200 * 3 / 2;
    assert!(estimate > coefficients + 800 * 600 * 3, "{estimate}");
    assert!(estimate < coefficients + 1600 * 1200 * 3, "{estimate}");
}

#[test]
fn a_cmyk_jpeg_is_decoded_whole_and_keeps_its_colours() {
    // libjpeg does not turn CMYK into RGB: the `image` crate decodes it instead.
    let rgb = photo(1600, 1200);
    let cmyk: Vec<u8> = rgb
        .pixels()
        .flat_map(|Rgb([r, g, b])| {
            // The naive conversion, which R = (255 - C)(255 - K) / 255 undoes.
            let max = u16::from(*r.max(g).max(b)).max(1);
            let ink = |c: u8| (255 * (max - u16::from(c)) / max) as u8;
            [ink(*r), ink(*g), ink(*b), 255 - max as u8]
        })
        .collect();
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, 95)
        .encode(&cmyk, 1600, 1200, jpeg_encoder::ColorType::Cmyk)
        .unwrap();
    let t = resize_to(Some(200), None, Fit::Inside, FormatChoice::To(Format::Png));
    // So the memory estimate counts it whole, not at the 1/4 a YCbCr JPEG would get.
    let estimate = working_memory(&jpeg, &t, &Limits::default()).unwrap();
    assert!(estimate > 1600 * 1200 * 3, "{estimate}");
    let (shrunk, plain) = shrunk_and_plain(&jpeg, &t);
    assert_eq!(shrunk.dimensions(), (200, 150));
    assert!(mean_difference(&shrunk, &plain) < 1.0);
    // And the colours are the photo's, not inverted or tinted.
    let expected = resize::apply(DynamicImage::from(rgb), Plan::new((1600, 1200), &t))
        .unwrap()
        .to_rgb8();
    let difference = mean_difference(&shrunk, &expected);
    assert!(difference < 8.0, "{difference}");
}

#[test]
fn a_jpeg_of_more_scans_than_the_limit_is_refused() {
    // A progressive JPEG whose last scan is repeated until it has 150: each scan walks every
    // block of the picture, so that many is a denial of service, not a photo.
    let jpeg = progressive_jpeg(&photo(1600, 1200));
    let last_scan = jpeg
        .windows(2)
        .rposition(|pair| pair == [0xFF, 0xDA])
        .unwrap();
    let end = jpeg.len() - 2;
    let mut many = jpeg[..end].to_vec();
    for _ in 0..140 {
        many.extend_from_slice(&jpeg[last_scan..end]);
    }
    many.extend_from_slice(&[0xFF, 0xD9]);
    let t = resize_to(
        Some(400),
        Some(400),
        Fit::Cover,
        FormatChoice::To(Format::Jpeg),
    );
    assert!(
        matches!(run(&many, &t), Err(ImageError::Corrupt(_))),
        "a JPEG of 150 scans was decoded"
    );
    // The original, ten scans, is fine.
    assert!(run(&jpeg, &t).is_ok());
}

// ---- cache keys and query values ----------------------------------------------------------

/// Every transform's key text is the one its `Display` wrote before it was made on the stack.
#[test]
fn a_transforms_cache_key_is_the_text_it_always_was() {
    let sides = [
        None,
        Some(0),
        Some(1),
        Some(9),
        Some(10),
        Some(400),
        Some(4096),
        Some(u32::MAX),
    ];
    let formats =
        ["original", "jpeg", "png", "webp", "gif"].map(|f| FormatChoice::from_query(f).unwrap());
    let mut seen = 0;
    for width in sides {
        for height in sides {
            for fit in [Fit::Cover, Fit::Contain, Fit::Inside] {
                for format in formats {
                    for quality in [0, 1, 9, 10, 80, 99, 100, 255] {
                        for upscale in [false, true] {
                            let t = Transform {
                                width,
                                height,
                                fit,
                                format,
                                quality,
                                upscale,
                            };
                            let shown =
                                |side: Option<u32>| side.map(|n| n.to_string()).unwrap_or_default();
                            let before = format!(
                                "pipeline={PIPELINE_VERSION};w={};h={};fit={};format={};q={quality};upscale={}",
                                shown(width),
                                shown(height),
                                fit.as_str(),
                                format.as_str(),
                                u8::from(upscale)
                            );
                            assert_eq!(t.cache_key().as_bytes(), before.as_bytes());
                            seen += 1;
                        }
                    }
                }
            }
        }
    }
    assert_eq!(seen, 8 * 8 * 3 * 5 * 8 * 2);
}

/// `fit=` and `format=` are read in any ASCII case, as lower-casing them first read them.
#[test]
fn fit_and_format_values_are_read_as_lower_casing_them_read_them() {
    let fit_before = |v: &str| match v.to_ascii_lowercase().as_str() {
        "cover" => Some(Fit::Cover),
        "contain" => Some(Fit::Contain),
        "inside" => Some(Fit::Inside),
        _ => None,
    };
    let format_before = |v: &str| match v.to_ascii_lowercase().as_str() {
        "original" => Some(FormatChoice::Original),
        "jpeg" | "jpg" => Some(FormatChoice::To(Format::Jpeg)),
        "png" => Some(FormatChoice::To(Format::Png)),
        "webp" => Some(FormatChoice::To(Format::Webp)),
        "gif" => Some(FormatChoice::To(Format::Gif)),
        _ => None,
    };
    let words = [
        "cover",
        "contain",
        "inside",
        "original",
        "jpeg",
        "jpg",
        "png",
        "webp",
        "gif",
        "bmp",
        "",
        "covers",
        "cove",
        "web",
        "webp ",
        " png",
        "jpég",
        "ınside",
        "ＰＮＧ",
        "K",
        "\u{212A}",
    ];
    for word in words {
        // Every mix of upper and lower case of the first eight letters.
        for mask in 0..256u32 {
            let mixed: String = word
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if i < 8 && mask & (1 << i) != 0 {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    }
                })
                .collect();
            assert_eq!(Fit::from_query(&mixed), fit_before(&mixed), "{mixed}");
            assert_eq!(
                FormatChoice::from_query(&mixed),
                format_before(&mixed),
                "{mixed}"
            );
        }
    }
}
