//! Files the tests read (fixtures) and folders they write to.

use std::path::PathBuf;

/// A fixture file under `tests/fixtures/`, as text.
pub fn fixture(relative: &str) -> String {
    String::from_utf8(fixture_bytes(relative))
        .unwrap_or_else(|e| panic!("fixture {relative} is not UTF-8: {e}"))
}

/// A fixture file under `tests/fixtures/`, as bytes.
pub fn fixture_bytes(relative: &str) -> Vec<u8> {
    let path = fixtures_dir().join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// `tests/fixtures/`.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A new, empty folder under the system's temporary folder, named for `purpose` and unique
/// to this call. The test removes it when it is done with it.
pub fn temp_dir(purpose: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "getimages-{purpose}-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}
