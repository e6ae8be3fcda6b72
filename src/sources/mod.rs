//! Source layers as GIS users hand them over, read into plain features in WGS84.
//!
//! Takes a [`SourceSpec`] (a file, its format, its CRS where it is not WGS84); gives
//! [`SourceFeature`]s: a `geo` geometry in longitude/latitude and the source's own properties,
//! under the source's own field names. Mapping those names onto the contract's schema is the
//! recipe's job (`crate::import`).
//!
//! One file per format (`geojson`, `gpkg`, `shapefile`, `flatgeobuf`, `csv`) reads features in
//! the source's own coordinates together with the CRS the file declares, if any; `crs` then
//! reprojects them to WGS84. A CRS given in the spec wins over the one the file declares.

mod crs;
mod csv;
mod flatgeobuf;
mod geojson;
mod gpkg;
mod shapefile;

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
    /// The spec does not fit the file: the layer it names is not there, it names none where
    /// the file has several, or it lacks a field the format needs.
    #[error("{}: {message}", path.display())]
    Spec { path: PathBuf, message: String },
    /// A column the spec names (a CSV coordinate column) is not in the file.
    #[error("{}: no column {column:?} (its columns: {})", path.display(), available.join(", "))]
    MissingColumn {
        path: PathBuf,
        column: String,
        available: Vec<String>,
    },
}

/// Reads every feature of a source layer, in WGS84.
pub fn read_source(spec: &SourceSpec) -> Result<Vec<SourceFeature>, SourceError> {
    ensure_readable(&spec.path)?;
    let layer = match spec.format {
        SourceFormat::GeoJson => geojson::read(&spec.path)?,
        SourceFormat::Gpkg => gpkg::read(spec)?,
        SourceFormat::Shapefile => shapefile::read(&spec.path)?,
        SourceFormat::FlatGeobuf => flatgeobuf::read(&spec.path)?,
        SourceFormat::Csv => csv::read(spec)?,
    };
    let crs = spec.crs.as_deref().or(layer.declared_crs.as_deref());
    crs::to_wgs84(&spec.path, crs, layer.features)
}

/// A layer as a reader gives it: features in the source's own coordinates, and the CRS the
/// file itself declares (`None` where it declares none, which means WGS84).
struct RawLayer {
    features: Vec<SourceFeature>,
    declared_crs: Option<String>,
}

impl RawLayer {
    /// A layer whose file format carries no CRS (or only WGS84).
    fn undeclared(features: Vec<SourceFeature>) -> RawLayer {
        RawLayer {
            features,
            declared_crs: None,
        }
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

/// Fails with an `Io` error naming the file when it cannot be opened, so that every reader
/// reports a missing file the same way (and SQLite does not create an empty database).
fn ensure_readable(path: &Path) -> Result<(), SourceError> {
    std::fs::File::open(path)
        .map(drop)
        .map_err(|source| io_error(path, source))
}

fn io_error(path: &Path, source: std::io::Error) -> SourceError {
    SourceError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn format_error(path: &Path, format: SourceFormat, message: impl Into<String>) -> SourceError {
    SourceError::Format {
        path: path.to_path_buf(),
        format: format_name(format),
        message: message.into(),
    }
}

fn spec_error(path: &Path, message: impl Into<String>) -> SourceError {
    SourceError::Spec {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

fn feature_error(path: &Path, index: usize, message: impl Into<String>) -> SourceError {
    SourceError::Feature {
        path: path.to_path_buf(),
        index,
        message: message.into(),
    }
}

/// A JSON number from a float, or null where JSON has none (NaN, infinities).
fn json_number(value: f64) -> Value {
    serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number)
}
