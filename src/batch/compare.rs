//! `gridsite compare`: result folders merged into one comparison.
//!
//! Takes folders that `batch` wrote (with `comparison.json`, e.g. a cluster's shards) or that
//! `optimize` wrote (with `summary.json`); gives their rows, sorted by scenario name.

use std::path::{Path, PathBuf};

use super::BatchError;
use super::comparison::ComparisonRow;
use super::run::read_row;

/// Reads the rows of every folder; a scenario in two folders is an error naming both.
pub fn compare(folders: &[PathBuf]) -> Result<Vec<ComparisonRow>, BatchError> {
    let mut rows: Vec<(ComparisonRow, &Path)> = Vec::new();
    for folder in folders {
        for row in read_folder(folder)? {
            rows.push((row, folder));
        }
    }
    rows.sort_by(|a, b| a.0.scenario.cmp(&b.0.scenario));
    for pair in rows.windows(2) {
        if pair[0].0.scenario == pair[1].0.scenario {
            return Err(BatchError::DuplicateName {
                name: pair[0].0.scenario.clone(),
                first: pair[0].1.to_path_buf(),
                second: pair[1].1.to_path_buf(),
            });
        }
    }
    Ok(rows.into_iter().map(|(row, _)| row).collect())
}

fn read_folder(folder: &Path) -> Result<Vec<ComparisonRow>, BatchError> {
    let error = |path: PathBuf, message: String| BatchError::Results { path, message };
    let comparison = folder.join("comparison.json");
    let summary = folder.join("summary.json");
    if comparison.is_file() {
        let text = std::fs::read_to_string(&comparison)
            .map_err(|e| error(comparison.clone(), format!("cannot read: {e}")))?;
        serde_json::from_str(&text).map_err(|e| {
            error(
                comparison.clone(),
                format!("not a comparison written by gridsite batch: {e}"),
            )
        })
    } else if summary.is_file() {
        read_row(&summary)
            .map(|row| vec![row])
            .map_err(|e| error(summary.clone(), e.to_string()))
    } else {
        Err(error(
            folder.to_path_buf(),
            "no comparison.json (a batch's output) or summary.json (an optimize output) here"
                .into(),
        ))
    }
}
