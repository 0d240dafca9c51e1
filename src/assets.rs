//! Static files embedded in the binary, each with a content hash for cache busting and ETags.

/// A file served from `/static/`.
pub struct Asset {
    /// Where it is served: `/static/` and its file name.
    pub path: &'static str,
    /// `content-type` header value.
    pub content_type: &'static str,
    /// The bytes.
    pub body: &'static [u8],
    /// FNV-1a hash of the bytes, computed at compile time.
    pub hash: u64,
}

impl Asset {
    const fn new(path: &'static str, content_type: &'static str, body: &'static [u8]) -> Self {
        Self {
            path,
            content_type,
            body,
            hash: fnv1a(body),
        }
    }

    /// The URL to link to: changes whenever the content does, so it can be cached forever.
    pub fn href(&self) -> String {
        format!("{}?v={:016x}", self.path, self.hash)
    }
}

/// The stylesheet.
pub static STYLE: Asset = Asset::new(
    "/static/style.css",
    "text/css; charset=utf-8",
    include_bytes!("../static/style.css"),
);

/// The favicon.
pub static FAVICON: Asset = Asset::new(
    "/static/favicon.svg",
    "image/svg+xml",
    include_bytes!("../static/favicon.svg"),
);

/// The results page's script (copy buttons; everything works without it).
pub static SCRIPT: Asset = Asset::new(
    "/static/app.js",
    "text/javascript; charset=utf-8",
    include_bytes!("../static/app.js"),
);

/// Every embedded asset.
pub static ALL: [&Asset; 3] = [&STYLE, &FAVICON, &SCRIPT];

const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_differ_by_content() {
        assert_ne!(fnv1a(b"a"), fnv1a(b"b"));
        assert_eq!(STYLE.hash, fnv1a(include_bytes!("../static/style.css")));
        assert!(STYLE.href().starts_with("/static/style.css?v="));
    }
}
