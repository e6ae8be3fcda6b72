//! [`LayerError`]: what makes a layer unusable, naming the file, the feature (index and id)
//! and the property at fault.

use std::path::PathBuf;

/// A layer that cannot be used. `feature` is `(index, id)` where the fault is in one feature;
/// in a table (`load_profiles.csv`) it is `(row, hour)`, the row counted from 1 after the
/// header, and `property` is the column.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{}: {property}: {message}", path.display(), feature_label(path, feature))]
pub struct LayerError {
    pub path: PathBuf,
    pub feature: Option<(usize, String)>,
    pub property: String,
    pub message: String,
}

fn feature_label(path: &std::path::Path, feature: &Option<(usize, String)>) -> String {
    let table = path.extension().is_some_and(|e| e == "csv");
    match feature {
        Some((row, hour)) if table => format!(": row {row} (hour \"{hour}\")"),
        Some((index, id)) if id.is_empty() => format!(": feature {index}"),
        Some((index, id)) => format!(": feature {index} (id \"{id}\")"),
        None => String::new(),
    }
}
