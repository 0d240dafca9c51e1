//! What reading a fetched page costs a lookup, per page size: the CPU-bound part only
//! (decode, check, parse, pick), without the network. A lookup holds a blocking thread this
//! long, and on a one-CPU Machine every other request waits behind it.
//!
//! Pages: synthetic profile pages of 10 KB, 1 MB and 5 MB (metadata in `<head>`, then a
//! body of ordinary markup: links, images, paragraphs), the 1 MB and 5 MB ones again with
//! their metadata at the end of the body, read through the generic page provider, and the
//! real captured pages under `tests/fixtures/real-pages/`.
//!
//! `cargo bench --bench lookup_cost` reads each page [`RUNS`] times round-robin and prints
//! the median wall and CPU time (the reading thread's, which a loaded machine disturbs
//! less), each per MB, and the most heap one read held above what was held before it (the
//! memory a lookup admits against the budget for its parse). Under `cargo test
//! --all-targets` it reads each once as a smoke check. Timings are reported, never asserted.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use getimages::fetch::Fetched;
use getimages::lookup::read_profile;
use getimages::providers::{self, Provider};
use url::Url;

/// Measured reads of each page under `cargo bench`.
const RUNS: usize = 15;

/// One page to read, and whose rules read it.
struct Case {
    name: String,
    provider: &'static Provider,
    handle: String,
    fetched: Fetched,
}

/// Keeps the heap's current size and its peak since the last [`Peak::reset`], then hands
/// each call to the system allocator.
struct Peak;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

impl Peak {
    /// Starts a new peak from what is held now, and returns that.
    fn reset() -> usize {
        let held = HELD.load(Ordering::Relaxed);
        PEAK.store(held, Ordering::Relaxed);
        held
    }

    fn grew(by: usize) {
        let held = HELD.fetch_add(by, Ordering::Relaxed) + by;
        PEAK.fetch_max(held, Ordering::Relaxed);
    }
}

// SAFETY: every call is passed on unchanged to `System`, which upholds the contract.
unsafe impl GlobalAlloc for Peak {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Peak::grew(layout.size());
        // SAFETY: the caller's guarantees for `layout` are passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Peak::grew(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size >= layout.size() {
            Peak::grew(new_size - layout.size());
        } else {
            HELD.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        // SAFETY: `ptr` came from this allocator (so from `System`) with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: as for `realloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Peak = Peak;

/// CPU time this thread has used.
fn thread_cpu() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec for the call to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// One read's wall time, CPU time and heap peak.
#[derive(Clone, Copy)]
struct Sample {
    wall: Duration,
    cpu: Duration,
    peak: usize,
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let runs = if measuring { RUNS } else { 1 };
    let cases = cases();
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); cases.len()];
    for _ in 0..runs {
        for (case, samples) in cases.iter().zip(&mut samples) {
            let (handle, first) = (case.handle.clone(), case.provider.chain().next());
            let first = first.expect("a way of asking");
            let held = Peak::reset();
            let (started, cpu) = (Instant::now(), thread_cpu());
            let read = read_profile(case.provider, first.read, handle, &case.fetched);
            samples.push(Sample {
                wall: started.elapsed(),
                cpu: thread_cpu() - cpu,
                peak: PEAK.load(Ordering::Relaxed) - held,
            });
            let (owner, _, found) = read.unwrap_or_else(|e| panic!("{}: {e}", case.name));
            assert!(
                !found.images.is_empty(),
                "{}: read by {}",
                case.name,
                owner.id
            );
        }
    }
    println!(
        "{:<38} {:>8} {:>9} {:>8} {:>9} {:>8} {:>9} {:>6}",
        "page", "size", "wall", "per MB", "cpu", "per MB", "heap", "×page"
    );
    for (case, samples) in cases.iter().zip(&samples) {
        let median = |of: fn(&Sample) -> Duration| {
            let mut all: Vec<Duration> = samples.iter().map(of).collect();
            all.sort();
            all[all.len() / 2].as_secs_f64() * 1e3
        };
        let (wall, cpu) = (median(|s| s.wall), median(|s| s.cpu));
        let peak = samples.iter().map(|s| s.peak).max().unwrap_or(0);
        let bytes = case.fetched.body.len();
        let mb = bytes as f64 / 1e6;
        println!(
            "{:<38} {:>6.2}MB {:>7.2}ms {:>6.1}ms {:>7.2}ms {:>6.1}ms {:>7.2}MB {:>6.2}",
            case.name,
            mb,
            wall,
            wall / mb,
            cpu,
            cpu / mb,
            peak as f64 / 1e6,
            peak as f64 / bytes as f64
        );
    }
}

fn cases() -> Vec<Case> {
    let generic = providers::generic_page();
    let page_url = "https://example.com/team/ana";
    let sizes = [
        ("10 KB", 10_000, Metadata::InHead),
        ("1 MB", 1_000_000, Metadata::InHead),
        ("5 MB", 5_000_000, Metadata::InHead),
        ("1 MB", 1_000_000, Metadata::AtEnd),
        ("5 MB", 5_000_000, Metadata::AtEnd),
    ];
    let mut cases: Vec<Case> = sizes
        .into_iter()
        .map(|(label, size, metadata)| Case {
            name: match metadata {
                Metadata::InHead => format!("synthetic {label} page, generic reader"),
                Metadata::AtEnd => format!("synthetic {label}, metadata at end"),
            },
            provider: generic,
            handle: page_url.to_owned(),
            fetched: html(page_url, synthetic_page(size, metadata)),
        })
        .collect();
    let real = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real-pages");
    for (file, url) in [
        ("tiktok.html", "https://www.tiktok.com/@carlosazaustre"),
        ("x-jsonld.html", "https://x.com/jack"),
    ] {
        let body = std::fs::read(real.join(file)).expect("a captured page");
        cases.push(Case {
            name: format!("{file}, generic reader"),
            provider: generic,
            handle: url.to_owned(),
            fetched: html(url, body),
        });
    }
    cases
}

fn html(url: &str, body: Vec<u8>) -> Fetched {
    Fetched {
        url: Url::parse(url).expect("a URL"),
        status: 200,
        headers: Default::default(),
        content_type: "text/html".into(),
        body,
    }
}

/// Where a synthetic page states its metadata.
#[derive(Clone, Copy, PartialEq)]
enum Metadata {
    /// In `<head>`, as most profile pages do.
    InHead,
    /// At the end of the body, after the feed: the whole page must be read.
    AtEnd,
}

/// A profile page of about `size` bytes: the metadata a profile page has, in its head or
/// after a feed of posts.
fn synthetic_page(size: usize, at: Metadata) -> Vec<u8> {
    let metadata = "<title>Ana Lima | Example</title>\
         <link rel=\"canonical\" href=\"https://example.com/team/ana\">\
         <meta name=\"description\" content=\"Ana builds things.\">\
         <meta property=\"og:title\" content=\"Ana Lima\">\
         <meta property=\"og:image\" content=\"https://cdn.example.com/ana-800.jpg\">\
         <meta property=\"og:image:width\" content=\"800\">\
         <meta property=\"og:image:height\" content=\"800\">";
    let mut page = String::from("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">");
    if at == Metadata::InHead {
        page.push_str(metadata);
    }
    page.push_str("<link rel=\"stylesheet\" href=\"/site.css\"></head><body><main>");
    let mut n = 0;
    while page.len() < size {
        page.push_str(&format!(
            "<article class=\"post\" id=\"p{n}\"><header><a href=\"/p/{n}\">\
             <img src=\"/i/{n}.jpg\" alt=\"Post {n}\" width=\"320\" height=\"200\"></a>\
             <h2><a href=\"/p/{n}\">Notes from week {n}</a></h2></header>\
             <p>Some words about the week, with <em>emphasis</em>, a <a href=\"/t/{n}\">tag</a> \
             and <span class=\"muted\">a muted aside</span> before the end.</p>\
             <ul><li>one</li><li>two</li><li>three</li></ul></article>"
        ));
        n += 1;
    }
    page.push_str("</main>");
    if at == Metadata::AtEnd {
        page.push_str(metadata);
    }
    page.push_str("</body></html>");
    page.into_bytes()
}
