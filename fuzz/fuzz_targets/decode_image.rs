//! The image decoder under limits: any bytes, any transform, an answer without a panic, and
//! never more memory than the limits allow. Besides libFuzzer's `-rss_limit_mb`, a counting
//! allocator aborts the moment the Rust heap holds more than `max_alloc`.
//!
//! Input: four bytes choosing the transform, then the image.
#![no_main]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use getimages::imaging::{self, Fit, Format, FormatChoice, Limits, Transform};
use libfuzzer_sys::fuzz_target;

const LIMITS: Limits = Limits {
    max_source_bytes: 1 << 20,
    max_pixels: 1 << 20,
    max_alloc: 64 << 20,
};

/// Bytes live on the Rust heap. libFuzzer's own buffers are C++ allocations, not counted.
static LIVE: AtomicUsize = AtomicUsize::new(0);

struct Bounded;

impl Bounded {
    fn grew(&self, by: usize) {
        let live = LIVE.fetch_add(by, Ordering::Relaxed) + by;
        if live as u64 > LIMITS.max_alloc {
            // No panic: unwinding would allocate. Abort, and libFuzzer saves the input.
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                b"decode_image: the Rust heap outgrew LIMITS.max_alloc\n",
            );
            std::process::abort();
        }
    }
}

unsafe impl GlobalAlloc for Bounded {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.grew(layout.size());
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            self.grew(new_size - layout.size());
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Bounded = Bounded;

/// A box side: none, a small one, or an absurd one.
fn side(byte: u8) -> Option<u32> {
    match byte {
        0 => None,
        0xFE => Some(1 << 16),
        0xFF => Some(u32::MAX),
        n => Some(u32::from(n) * 4),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(([w, h, how, quality], bytes)) = data.split_first_chunk::<4>() else {
        return;
    };
    let formats = [
        FormatChoice::Original,
        FormatChoice::To(Format::Jpeg),
        FormatChoice::To(Format::Png),
        FormatChoice::To(Format::Webp),
        FormatChoice::To(Format::Gif),
    ];
    let t = Transform {
        width: side(*w),
        height: side(*h),
        fit: [Fit::Inside, Fit::Cover, Fit::Contain][usize::from(how & 0x03) % 3],
        format: formats[usize::from((how >> 2) & 0x07) % formats.len()],
        quality: *quality,
        upscale: how & 0x80 != 0,
    };
    let source = imaging::sniff(bytes);
    let Ok(out) = imaging::transform(bytes, &t, &LIMITS) else {
        return;
    };
    let source = source.expect("an image was made of bytes the sniffer refused");
    assert_eq!(out.format, t.format.resolve(source));
    assert!(u64::from(out.width) * u64::from(out.height) <= LIMITS.max_pixels);
    assert_eq!(imaging::sniff(&out.bytes), Some(out.format));
    if t.is_identity() {
        assert_eq!(out.bytes, bytes);
    }
});
