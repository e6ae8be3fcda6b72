//! Reading one source file of a recipe (a layer's or the boundary's): the path resolved
//! against the recipe's folder, the file's extension checked against the recipe's `format`.
//! Takes the recipe's [`SourceSpec`]; gives the file's features, or an [`ImportError`] naming
//! the recipe, the layer and what the reader refused (missing file, wrong format, unknown CRS).

use std::path::Path;

use super::error::ImportError;
use crate::sources::{self, SourceFeature, SourceFormat, SourceSpec};

/// Reads a source file as the recipe describes it, checking that its extension agrees with
/// `format`, and surfacing the readers' errors (missing file, wrong format, unknown CRS).
pub fn read(
    recipe: &Path,
    folder: &Path,
    layer: &'static str,
    spec: &SourceSpec,
) -> Result<Vec<SourceFeature>, ImportError> {
    let spec = super::recipe::resolve(spec, folder);
    check_extension(recipe, layer, &spec)?;
    sources::read_source(&spec).map_err(|source| ImportError::Source {
        recipe: recipe.to_path_buf(),
        layer,
        source,
    })
}

/// The formats a file extension names; unknown extensions are left to the reader.
fn format_of_extension(extension: &str) -> Option<SourceFormat> {
    match extension.to_ascii_lowercase().as_str() {
        "geojson" | "json" => Some(SourceFormat::GeoJson),
        "gpkg" => Some(SourceFormat::Gpkg),
        "shp" => Some(SourceFormat::Shapefile),
        "fgb" => Some(SourceFormat::FlatGeobuf),
        "csv" => Some(SourceFormat::Csv),
        _ => None,
    }
}

fn format_key(format: SourceFormat) -> &'static str {
    match format {
        SourceFormat::GeoJson => "geojson",
        SourceFormat::Gpkg => "gpkg",
        SourceFormat::Shapefile => "shapefile",
        SourceFormat::FlatGeobuf => "flatgeobuf",
        SourceFormat::Csv => "csv",
    }
}

fn check_extension(
    recipe: &Path,
    layer: &'static str,
    spec: &SourceSpec,
) -> Result<(), ImportError> {
    let extension = spec.path.extension().and_then(|e| e.to_str()).unwrap_or("");
    match format_of_extension(extension) {
        Some(named) if named != spec.format => Err(ImportError::FormatMismatch {
            recipe: recipe.to_path_buf(),
            layer,
            file: spec.path.clone(),
            format: format_key(spec.format).to_string(),
            extension: extension.to_string(),
        }),
        _ => Ok(()),
    }
}
