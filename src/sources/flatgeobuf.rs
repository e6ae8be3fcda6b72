//! FlatGeobuf reader.
//!
//! Takes the path of a FlatGeobuf file; gives its features (geometry through geozero into
//! `geo`, properties by their column types: numbers, booleans, strings, JSON columns parsed,
//! binary skipped, a column a feature leaves out as null) and the CRS its header declares.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use flatgeobuf::{FallibleStreamingIterator, FeatureProperties, FgbFeature, FgbReader, Header};
use geozero::{ColumnValue, PropertyProcessor, ToGeo};
use serde_json::{Map, Value};

use super::{
    RawLayer, SourceError, SourceFeature, SourceFormat, feature_error, format_error, io_error,
    json_number,
};

pub(super) fn read(path: &Path) -> Result<RawLayer, SourceError> {
    let file = File::open(path).map_err(|source| io_error(path, source))?;
    let mut input = BufReader::new(file);
    let reader = FgbReader::open(&mut input).map_err(|e| open_error(path, e))?;
    let declared_crs = header_crs(&reader.header());
    let columns = column_names(&reader.header());
    // Sequential reading: the spatial index is of no use when every feature is wanted.
    let mut iter = reader.select_all_seq().map_err(|e| open_error(path, e))?;
    let mut features = Vec::new();
    loop {
        let index = features.len();
        let next = iter
            .next()
            .map_err(|e| feature_error(path, index, format!("cannot read: {e}")))?;
        let Some(feature) = next else { break };
        features.push(to_source_feature(path, index, &columns, feature)?);
    }
    Ok(RawLayer {
        features,
        declared_crs,
    })
}

/// A file too short for the header is no FlatGeobuf either, not an I/O failure.
fn open_error(path: &Path, error: flatgeobuf::Error) -> SourceError {
    match error {
        flatgeobuf::Error::IO(e) if e.kind() != std::io::ErrorKind::UnexpectedEof => {
            io_error(path, e)
        }
        other => format_error(path, SourceFormat::FlatGeobuf, other.to_string()),
    }
}

/// The header's CRS as `ORG:code` (the organisation defaults to EPSG, as the format says);
/// `None` where the header has none or code 0 (unknown), taken as WGS84.
fn header_crs(header: &Header) -> Option<String> {
    let crs = header.crs()?;
    if crs.code() == 0 {
        return None;
    }
    Some(format!("{}:{}", crs.org().unwrap_or("EPSG"), crs.code()))
}

fn column_names(header: &Header) -> Vec<String> {
    header
        .columns()
        .map(|columns| columns.iter().map(|c| c.name().to_string()).collect())
        .unwrap_or_default()
}

fn to_source_feature(
    path: &Path,
    index: usize,
    columns: &[String],
    feature: &FgbFeature,
) -> Result<SourceFeature, SourceError> {
    let geometry = feature
        .to_geo()
        .map_err(|e| feature_error(path, index, format!("cannot read the geometry: {e}")))?;
    let mut properties = JsonProperties(
        columns
            .iter()
            .map(|name| (name.clone(), Value::Null))
            .collect(),
    );
    feature
        .process_properties(&mut properties)
        .map_err(|e| feature_error(path, index, format!("cannot read the properties: {e}")))?;
    Ok(SourceFeature {
        index,
        geometry,
        properties: properties.0,
    })
}

/// Collects geozero's typed property values as JSON.
struct JsonProperties(Map<String, Value>);

impl PropertyProcessor for JsonProperties {
    fn property(
        &mut self,
        _index: usize,
        name: &str,
        value: &ColumnValue,
    ) -> geozero::error::Result<bool> {
        if let Some(value) = column_value(value) {
            self.0.insert(name.to_string(), value);
        }
        // false: go on to the next property.
        Ok(false)
    }
}

/// A property as JSON; `None` for binary values, which have no JSON form worth keeping.
fn column_value(value: &ColumnValue) -> Option<Value> {
    Some(match *value {
        ColumnValue::Byte(v) => Value::from(v),
        ColumnValue::UByte(v) => Value::from(v),
        ColumnValue::Bool(v) => Value::from(v),
        ColumnValue::Short(v) => Value::from(v),
        ColumnValue::UShort(v) => Value::from(v),
        ColumnValue::Int(v) => Value::from(v),
        ColumnValue::UInt(v) => Value::from(v),
        ColumnValue::Long(v) => Value::from(v),
        ColumnValue::ULong(v) => Value::from(v),
        ColumnValue::Float(v) => json_number(f64::from(v)),
        ColumnValue::Double(v) => json_number(v),
        ColumnValue::String(v) | ColumnValue::DateTime(v) => Value::from(v),
        // A JSON column that does not parse is still worth its text.
        ColumnValue::Json(v) => serde_json::from_str(v).unwrap_or_else(|_| Value::from(v)),
        ColumnValue::Binary(_) => return None,
    })
}
