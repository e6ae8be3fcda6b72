//! The real public layers the recipes read, committed beside them in `maps/<region>/sources/`
//! (see each folder's `SOURCES.md`), for the tests that read them.

use std::path::{Path, PathBuf};

/// A real source layer by its region and file, as the shared data folder names them
/// (`california/...` is Sacramento's, `korea/...` Jeonbuk's). Panics, naming the file, where
/// it is missing: a test that reads it must not pass without it.
pub fn source(path: &str) -> PathBuf {
    let (region, file) = path.split_once('/').expect("a region/file path");
    let map = match region {
        "california" => "sacramento",
        "korea" => "jeonbuk",
        other => panic!("no committed sources for region {other}"),
    };
    let found = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("maps")
        .join(map)
        .join("sources")
        .join(file);
    assert!(found.is_file(), "{} is missing", found.display());
    found
}
