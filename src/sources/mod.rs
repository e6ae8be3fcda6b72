//! Source layers as GIS users hand them over, read into plain features in WGS84.
//!
//! Takes a [`SourceSpec`] (a file, its format, its CRS where it is not WGS84); gives
//! [`SourceFeature`]s: a `geo` geometry in longitude/latitude and the source's own properties,
//! under the source's own field names. Mapping those names onto the contract's schema is the
//! recipe's job (`crate::import`).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value};

/// The file formats `gridsite import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    /// GeoJSON FeatureCollection (RFC 7946, or with a legacy `crs` given in the spec).
    GeoJson,
    /// OGC GeoPackage (SQLite); `layer` names the feature table when there are several.
    Gpkg,
    /// ESRI Shapefile (`.shp` with its `.dbf`; `.prj` is not read: give `crs`).
    Shapefile,
    /// FlatGeobuf.
    FlatGeobuf,
    /// CSV with point coordinates in two columns (`x_field`, `y_field`).
    Csv,
}

/// One source layer: where it is and how to read it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    pub path: PathBuf,
    pub format: SourceFormat,
    /// The source's CRS, e.g. `"EPSG:3310"`; absent means WGS84 longitude/latitude.
    #[serde(default)]
    pub crs: Option<String>,
    /// GeoPackage feature table; absent means the only one.
    #[serde(default)]
    pub layer: Option<String>,
    /// CSV: the column of x (longitude or easting).
    #[serde(default)]
    pub x_field: Option<String>,
    /// CSV: the column of y (latitude or northing).
    #[serde(default)]
    pub y_field: Option<String>,
}

/// A feature of a source layer, reprojected to WGS84.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceFeature {
    /// Position in the source (0-based), for error messages.
    pub index: usize,
    pub geometry: geo::Geometry<f64>,
    /// The source's properties under its own field names.
    pub properties: Map<String, Value>,
}

/// Why a source layer could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not a {format} file: {message}", path.display())]
    Format {
        path: PathBuf,
        format: &'static str,
        message: String,
    },
    #[error("{}: feature {index}: {message}", path.display())]
    Feature {
        path: PathBuf,
        index: usize,
        message: String,
    },
    #[error("{}: unknown CRS {crs:?}: {message}", path.display())]
    UnknownCrs {
        path: PathBuf,
        crs: String,
        message: String,
    },
}

/// Reads every feature of a source layer, in WGS84.
pub fn read_source(spec: &SourceSpec) -> Result<Vec<SourceFeature>, SourceError> {
    match spec.format {
        SourceFormat::GeoJson => read_geojson(&spec.path),
        other => Err(SourceError::Format {
            path: spec.path.clone(),
            format: format_name(other),
            message: "this format is not supported yet".into(),
        }),
    }
}

fn format_name(format: SourceFormat) -> &'static str {
    match format {
        SourceFormat::GeoJson => "GeoJSON",
        SourceFormat::Gpkg => "GeoPackage",
        SourceFormat::Shapefile => "Shapefile",
        SourceFormat::FlatGeobuf => "FlatGeobuf",
        SourceFormat::Csv => "CSV",
    }
}

fn read_geojson(path: &Path) -> Result<Vec<SourceFeature>, SourceError> {
    let format_error = |message: String| SourceError::Format {
        path: path.to_path_buf(),
        format: format_name(SourceFormat::GeoJson),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|source| SourceError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let collection = text
        .parse::<geojson::GeoJson>()
        .map_err(|e| format_error(e.to_string()))
        .and_then(|g| {
            geojson::FeatureCollection::try_from(g).map_err(|e| format_error(e.to_string()))
        })?;
    collection
        .features
        .into_iter()
        .enumerate()
        .map(|(index, feature)| {
            let feature_error = |message: String| SourceError::Feature {
                path: path.to_path_buf(),
                index,
                message,
            };
            let geometry = feature
                .geometry
                .ok_or_else(|| feature_error("no geometry".into()))?;
            let geometry = geo::Geometry::<f64>::try_from(geometry)
                .map_err(|e| feature_error(e.to_string()))?;
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
        })
        .collect()
}
