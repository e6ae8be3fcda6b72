//! ESRI Shapefile reader.
//!
//! Takes the path of a `.shp` (its `.shx` and `.dbf` beside it; `.prj` is not read, so a
//! projected shapefile needs `crs` in the spec); gives each shape with its dBase record:
//! points, multipoints, polylines (line strings) and polygons (outer rings with their holes),
//! a single part as the single geometry, several as the multi-geometry; dBase values as JSON.

use std::path::Path;

use geo::Geometry;

use crate::layers::whole_number;
use serde_json::{Map, Value};
use shapefile::dbase::{self, FieldValue};

use super::{
    RawLayer, SourceError, SourceFeature, SourceFormat, feature_error, format_error, io_error,
    json_number,
};

pub(super) fn read(path: &Path) -> Result<RawLayer, SourceError> {
    let mut reader = shapefile::Reader::from_path(path).map_err(|e| open_error(path, e))?;
    let features = reader
        .iter_shapes_and_records()
        .enumerate()
        .map(|(index, item)| {
            let (shape, record) = item.map_err(|e| feature_error(path, index, e.to_string()))?;
            to_source_feature(path, index, shape, record)
        })
        .collect::<Result<_, _>>()?;
    Ok(RawLayer::undeclared(features))
}

fn open_error(path: &Path, error: shapefile::Error) -> SourceError {
    match error {
        shapefile::Error::IoError(source) => io_error(path, source),
        shapefile::Error::MissingDbf => format_error(
            path,
            SourceFormat::Shapefile,
            "its .dbf (the attribute table) is not beside it",
        ),
        other => format_error(path, SourceFormat::Shapefile, other.to_string()),
    }
}

fn to_source_feature(
    path: &Path,
    index: usize,
    shape: shapefile::Shape,
    record: dbase::Record,
) -> Result<SourceFeature, SourceError> {
    if matches!(shape, shapefile::Shape::NullShape) {
        return Err(feature_error(path, index, "no geometry (null shape)"));
    }
    let geometry = Geometry::<f64>::try_from(shape)
        .map_err(|e| feature_error(path, index, format!("cannot convert the shape: {e}")))?;
    let properties = record
        .into_iter()
        .map(|(name, value)| (name, field_value(value)))
        .collect::<Map<_, _>>();
    Ok(SourceFeature {
        index,
        geometry: single_part(geometry),
        properties,
    })
}

/// The crate makes every polyline a MultiLineString and every polygon a MultiPolygon; a
/// single part is handed on as a LineString or Polygon, as GDAL does.
fn single_part(geometry: Geometry<f64>) -> Geometry<f64> {
    match geometry {
        Geometry::MultiPolygon(mut m) if m.0.len() == 1 => Geometry::Polygon(m.0.remove(0)),
        Geometry::MultiLineString(mut m) if m.0.len() == 1 => Geometry::LineString(m.0.remove(0)),
        other => other,
    }
}

fn field_value(value: FieldValue) -> Value {
    match value {
        FieldValue::Character(s) => s.map_or(Value::Null, Value::String),
        FieldValue::Memo(s) => Value::String(s),
        FieldValue::Numeric(n) => n.map_or(Value::Null, number),
        FieldValue::Float(f) => f.map_or(Value::Null, |f| number(f64::from(f))),
        FieldValue::Integer(i) => Value::from(i),
        FieldValue::Currency(f) | FieldValue::Double(f) => json_number(f),
        FieldValue::Logical(b) => b.map_or(Value::Null, Value::Bool),
        FieldValue::Date(d) => d.map_or(Value::Null, |d| Value::String(iso_date(&d))),
        FieldValue::DateTime(dt) => {
            let time = dt.time();
            Value::String(format!(
                "{}T{:02}:{:02}:{:02}",
                iso_date(&dt.date()),
                time.hours(),
                time.minutes(),
                time.seconds()
            ))
        }
    }
}

/// dBase numerics are decimal text; whole ones (ids, counts) stay integers in JSON.
fn number(n: f64) -> Value {
    match whole_number(n) {
        Some(i) => Value::from(i),
        None => json_number(n),
    }
}

fn iso_date(date: &dbase::Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}
