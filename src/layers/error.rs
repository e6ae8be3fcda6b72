//! [`LayerError`]: what makes a layer unusable, naming the file, the feature (index and id)
//! and the property at fault.

use std::path::PathBuf;

/// A layer that cannot be used. `feature` is `(index, id)` where the fault is in one feature.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{}: {property}: {message}", path.display(), feature_label(feature))]
pub struct LayerError {
    pub path: PathBuf,
    pub feature: Option<(usize, String)>,
    pub property: String,
    pub message: String,
}

fn feature_label(feature: &Option<(usize, String)>) -> String {
    match feature {
        Some((index, id)) if id.is_empty() => format!(": feature {index}"),
        Some((index, id)) => format!(": feature {index} (id \"{id}\")"),
        None => String::new(),
    }
}
