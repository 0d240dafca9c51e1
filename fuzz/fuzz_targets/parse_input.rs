//! The input parser: any text, with any platform picked, is answered without a panic, and a
//! handle it accepts round-trips through its provider's `handle` rule.
//!
//! Input: one byte choosing the picked platform, then the text typed.
#![no_main]

use getimages::lookup::ProfileQuery;
use getimages::providers::ALL;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    // The first byte: a provider's id, `auto`, a typed platform (the first line), or none.
    let (picked, q) = match usize::from(choice) {
        n if n < ALL.len() => (Some(ALL[n].id), &*text),
        0xFE => match text.split_once('\n') {
            Some((picked, q)) => (Some(picked), q),
            None => (None, &*text),
        },
        0xFF => (Some("auto"), &*text),
        _ => (None, &*text),
    };
    let Ok(query) = ProfileQuery::parse(q, picked) else {
        return;
    };
    let (provider, handle) = (query.provider, query.handle);
    assert_eq!(
        (provider.handle)(&handle).as_deref(),
        Some(handle.as_str()),
        "{q:?} (picked {picked:?}) gave {} handle {handle:?}, which it does not accept as is",
        provider.id
    );
    // `/avatar/{provider}/{handle}` parses the handle again with its provider picked.
    let again = ProfileQuery::parse(&handle, Some(provider.id)).unwrap_or_else(|e| {
        panic!(
            "{q:?} gave {} handle {handle:?}, refused again: {e}",
            provider.id
        )
    });
    assert_eq!(
        (again.provider.id, again.handle.as_str()),
        (provider.id, handle.as_str())
    );
});
