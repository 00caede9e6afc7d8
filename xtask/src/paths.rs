//! Where the workspace and its run folders are, whatever the working directory.

use std::path::{Path, PathBuf};

/// The workspace root, absolute.
pub fn root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    here.canonicalize().unwrap_or(here)
}

/// Where an environment's runs are kept: `<root>/reports/<env>`.
pub fn runs_of(env: &str) -> PathBuf {
    root().join("reports").join(env)
}
