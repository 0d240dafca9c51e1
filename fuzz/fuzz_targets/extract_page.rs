//! The extractors over arbitrary HTML: every extractor and every reader of a provider's ways
//! of asking answers without a panic, and every URL an extractor returns is absolute http(s).
//!
//! Input: one byte choosing the provider, the base URL and the content type, then the body.
#![no_main]

use getimages::extract::{Page, json};
use getimages::fetch::Fetched;
use getimages::providers::ALL;
use getimages::providers::pick::Response;
use libfuzzer_sys::fuzz_target;
use url::Url;

const BASES: [&str; 4] = [
    "https://example.com/u/me",
    "http://127.0.0.1:8080/",
    "https://x.com/jack?lang=en#top",
    "https://[::1]/a/b/",
];

fuzz_target!(|data: &[u8]| {
    let Some((&choice, body)) = data.split_first() else {
        return;
    };
    let choice = usize::from(choice);
    let text = String::from_utf8_lossy(body);

    let page = Page::parse(&text, Url::parse(BASES[choice % BASES.len()]).unwrap());
    let found = [
        ("og_image", page.og_image()),
        ("json_ld_image", page.json_ld_image()),
        ("canonical", page.canonical()),
        ("best_icon", page.best_icon()),
        ("largest_src", page.largest_src("img")),
    ];
    for (what, url) in found {
        if let Some(url) = url {
            assert!(
                matches!(url.scheme(), "http" | "https")
                    && url.host_str().is_some_and(|h| !h.is_empty()),
                "{what} gave {url}"
            );
        }
    }
    let _ = page.json_ld();
    let _ = page.title();
    let _ = json::parse_lenient(&text);

    // One provider per input (each parses the page again): bits 2.. pick it, bit 7 says JSON.
    let provider = ALL[(choice >> 2) % ALL.len()];
    let content_type = if choice & 0x80 != 0 {
        "application/json"
    } else {
        "text/html"
    };
    for way in provider.strategies {
        let url = Url::parse(&way.request(provider, provider.example).url)
            .unwrap_or_else(|_| Url::parse(BASES[0]).unwrap());
        let fetched = Fetched {
            url,
            status: 200,
            headers: Default::default(),
            content_type: content_type.to_owned(),
            body: body.to_vec(),
        };
        let _ = (way.read)(&Response::new(&fetched), provider.example);
    }
});
