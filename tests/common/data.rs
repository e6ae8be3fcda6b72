//! The real public layers beside the repository (`../shared/data`), for the tests that read
//! them; those tests skip, saying so, where the folder is absent.

use std::path::{Path, PathBuf};

/// `../shared/data` from the repository root, or None after printing why the test skips.
pub fn shared_data() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: {} is absent", dir.display());
        None
    }
}
