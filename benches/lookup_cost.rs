//! What reading a fetched page costs a lookup, per page size: the CPU-bound part only
//! (decode, check, parse, pick), without the network. A lookup holds a blocking thread this
//! long, and on a one-CPU Machine every other request waits behind it.
//!
//! Pages: synthetic profile pages of 10 KB, 1 MB and 5 MB (metadata in `<head>`, then a
//! body of ordinary markup: links, images, paragraphs), read through the generic page
//! provider, and the real captured pages under `tests/fixtures/real-pages/`.
//!
//! `cargo bench --bench lookup_cost` reads each page [`RUNS`] times round-robin and prints
//! the median and the cost per MB. Under `cargo test --all-targets` it reads each once as a
//! smoke check. Timings are reported, never asserted.

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

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let runs = if measuring { RUNS } else { 1 };
    let cases = cases();
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); cases.len()];
    for _ in 0..runs {
        for (case, samples) in cases.iter().zip(&mut times) {
            let started = Instant::now();
            let first = case.provider.chain().next().expect("a way of asking");
            let read = read_profile(
                case.provider,
                first.read,
                case.handle.clone(),
                &case.fetched,
            );
            samples.push(started.elapsed());
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
        "{:<38} {:>10} {:>11} {:>10}",
        "page", "size", "median", "per MB"
    );
    for (case, samples) in cases.iter().zip(&mut times) {
        samples.sort();
        let median = samples[samples.len() / 2];
        let mb = case.fetched.body.len() as f64 / 1e6;
        println!(
            "{:<38} {:>8.2}MB {:>9.2}ms {:>8.1}ms",
            case.name,
            mb,
            median.as_secs_f64() * 1e3,
            median.as_secs_f64() * 1e3 / mb
        );
    }
}

fn cases() -> Vec<Case> {
    let generic = providers::generic_page();
    let page_url = "https://example.com/team/ana";
    let mut cases: Vec<Case> = [("10 KB", 10_000), ("1 MB", 1_000_000), ("5 MB", 5_000_000)]
        .into_iter()
        .map(|(label, size)| Case {
            name: format!("synthetic {label} page, generic reader"),
            provider: generic,
            handle: page_url.to_owned(),
            fetched: html(page_url, synthetic_page(size)),
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

/// A profile page of about `size` bytes: the metadata a profile page has in its head, then
/// a feed of posts.
fn synthetic_page(size: usize) -> Vec<u8> {
    let mut page = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Ana Lima | Example</title>\
         <link rel=\"canonical\" href=\"https://example.com/team/ana\">\
         <meta name=\"description\" content=\"Ana builds things.\">\
         <meta property=\"og:title\" content=\"Ana Lima\">\
         <meta property=\"og:image\" content=\"https://cdn.example.com/ana-800.jpg\">\
         <meta property=\"og:image:width\" content=\"800\">\
         <meta property=\"og:image:height\" content=\"800\">\
         <link rel=\"stylesheet\" href=\"/site.css\"></head><body><main>",
    );
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
    page.push_str("</main></body></html>");
    page.into_bytes()
}
