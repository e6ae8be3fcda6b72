//! GeoJSON reader.
//!
//! Takes the path of a GeoJSON FeatureCollection; gives its features as they stand (RFC 7946
//! says WGS84; a legacy file in another CRS needs `crs` in the spec) with their properties, and
//! the feature's `id` as an `id` property where the properties have none.

use std::path::Path;

use serde_json::Value;

use super::{RawLayer, SourceFeature, SourceFormat, feature_error, format_error, io_error};

pub(super) fn read(path: &Path) -> Result<RawLayer, super::SourceError> {
    let not_geojson = |message: String| format_error(path, SourceFormat::GeoJson, message);
    let bytes = std::fs::read(path).map_err(|source| io_error(path, source))?;
    // A binary file (a GeoPackage, say) given as GeoJSON is the wrong format, not an I/O error.
    let text = String::from_utf8(bytes).map_err(|e| not_geojson(format!("not UTF-8 text: {e}")))?;
    let collection = text
        .parse::<geojson::GeoJson>()
        .map_err(|e| not_geojson(e.to_string()))
        .and_then(|g| {
            geojson::FeatureCollection::try_from(g).map_err(|e| not_geojson(e.to_string()))
        })?;
    let features = collection
        .features
        .into_iter()
        .enumerate()
        .map(|(index, feature)| to_source_feature(path, index, feature))
        .collect::<Result<_, _>>()?;
    Ok(RawLayer::undeclared(features))
}

fn to_source_feature(
    path: &Path,
    index: usize,
    feature: geojson::Feature,
) -> Result<SourceFeature, super::SourceError> {
    let geometry = feature
        .geometry
        .ok_or_else(|| feature_error(path, index, "no geometry"))?;
    let geometry = geo::Geometry::<f64>::try_from(geometry)
        .map_err(|e| feature_error(path, index, e.to_string()))?;
    let mut properties = feature.properties.unwrap_or_default();
    if let Some(id) = feature.id {
        let id = match id {
            geojson::feature::Id::String(s) => Value::String(s),
            geojson::feature::Id::Number(n) => Value::Number(n),
        };
        properties.entry("id").or_insert(id);
    }
    Ok(SourceFeature {
        index,
        geometry,
        properties,
    })
}
