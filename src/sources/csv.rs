//! CSV reader.
//!
//! Takes a CSV file with a header row and the names of its coordinate columns (`x_field`,
//! `y_field`); gives each row as a point, every other column as a property: a number where
//! the text is one, null where it is empty, else the text.

use std::path::Path;

use geo::{Geometry, Point};
use serde_json::{Map, Value};

use super::{
    RawLayer, SourceError, SourceFeature, SourceFormat, SourceSpec, feature_error, format_error,
    io_error, json_number, spec_error,
};

/// Where a row's coordinates are, by column position.
struct CoordinateColumns {
    x: usize,
    y: usize,
    x_name: String,
    y_name: String,
}

pub(super) fn read(spec: &SourceSpec) -> Result<RawLayer, SourceError> {
    let path = spec.path.as_path();
    let (Some(x_field), Some(y_field)) = (spec.x_field.as_deref(), spec.y_field.as_deref()) else {
        return Err(spec_error(
            path,
            "a CSV source needs `x_field` and `y_field`, the columns of its coordinates",
        ));
    };
    let mut reader = ::csv::Reader::from_path(path).map_err(|e| csv_error(path, e))?;
    // Trimmed once, so that coordinate columns and property names match alike (" name").
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| csv_error(path, e))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if let Some(twice) = (1..headers.len()).find(|&i| headers[..i].contains(&headers[i])) {
        return Err(format_error(
            path,
            SourceFormat::Csv,
            format!(
                "the column {:?} appears twice in the header",
                headers[twice]
            ),
        ));
    }
    let columns = CoordinateColumns {
        x: column_position(path, &headers, x_field)?,
        y: column_position(path, &headers, y_field)?,
        x_name: x_field.to_string(),
        y_name: y_field.to_string(),
    };
    let features = reader
        .records()
        .enumerate()
        .map(|(index, record)| {
            let record = record.map_err(|e| csv_error(path, e))?;
            to_source_feature(path, index, &headers, &columns, &record)
        })
        .collect::<Result<_, _>>()?;
    Ok(RawLayer::undeclared(features))
}

fn csv_error(path: &Path, error: ::csv::Error) -> SourceError {
    if !error.is_io_error() {
        // Its message names the line (unequal row lengths, invalid UTF-8).
        return format_error(path, SourceFormat::Csv, error.to_string());
    }
    match error.into_kind() {
        ::csv::ErrorKind::Io(source) => io_error(path, source),
        other => format_error(path, SourceFormat::Csv, format!("{other:?}")),
    }
}

fn column_position(path: &Path, headers: &[String], name: &str) -> Result<usize, SourceError> {
    headers
        .iter()
        .position(|h| h == name.trim())
        .ok_or_else(|| SourceError::MissingColumn {
            path: path.to_path_buf(),
            column: name.to_string(),
            available: headers.to_vec(),
        })
}

fn to_source_feature(
    path: &Path,
    index: usize,
    headers: &[String],
    columns: &CoordinateColumns,
    record: &::csv::StringRecord,
) -> Result<SourceFeature, SourceError> {
    let coordinate = |position: usize, name: &str| {
        let text = record.get(position).unwrap_or_default();
        text.trim().parse::<f64>().map_err(|_| {
            let line = record.position().map_or(index as u64 + 2, |p| p.line());
            feature_error(
                path,
                index,
                format!(
                    "row {} (line {line}), column {name:?}: {text:?} is not a number",
                    index + 1
                ),
            )
        })
    };
    let x = coordinate(columns.x, &columns.x_name)?;
    let y = coordinate(columns.y, &columns.y_name)?;
    let properties = headers
        .iter()
        .zip(record.iter())
        .enumerate()
        .filter(|(position, _)| *position != columns.x && *position != columns.y)
        .map(|(_, (name, text))| (name.clone(), cell_value(text)))
        .collect::<Map<_, _>>();
    Ok(SourceFeature {
        index,
        geometry: Geometry::Point(Point::new(x, y)),
        properties,
    })
}

/// A cell as JSON: null if empty, a number if it reads as one, else the text. Text with a
/// leading zero ("01234", a ZIP code) is an identifier and stays text, as do "NaN" and
/// "inf", which JSON cannot hold.
fn cell_value(text: &str) -> Value {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Value::Null;
    }
    let digits = trimmed.trim_start_matches(['-', '+']);
    let identifier = digits.len() > 1 && digits.starts_with('0') && !digits.starts_with("0.");
    if !identifier {
        if let Ok(i) = trimmed.parse::<i64>() {
            return Value::from(i);
        }
        if let Some(f) = trimmed.parse::<f64>().ok().filter(|f| f.is_finite()) {
            return json_number(f);
        }
    }
    Value::String(text.to_string())
}
