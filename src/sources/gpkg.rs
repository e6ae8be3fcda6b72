//! GeoPackage reader.
//!
//! Takes a GeoPackage (SQLite) file and, where it has several feature tables, the one to read
//! (`layer`); gives each row of that table as a feature: the geometry column decoded (the
//! GeoPackage binary header here, the WKB after it by geozero), every other column as a property
//! (integers, reals, text; NULL → null; blobs skipped), and the CRS the table declares in
//! `gpkg_spatial_ref_sys`.

use std::path::Path;

use geozero::ToGeo;
use geozero::wkb::Wkb;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde_json::{Map, Value};

use super::{
    RawLayer, SourceError, SourceFeature, SourceFormat, SourceSpec, feature_error, format_error,
    json_number, spec_error,
};

/// Flag bit of the GeoPackage binary header: the geometry is empty.
const EMPTY_FLAG: u8 = 0b0001_0000;
/// Flag bits of the GeoPackage binary header: which envelope follows the srs id.
const ENVELOPE_BITS: u8 = 0b0000_1110;
/// `gpkg_spatial_ref_sys` id of the "undefined geographic SRS": taken as WGS84.
const UNDEFINED_GEOGRAPHIC_SRS: i64 = 0;

/// A table with a geometry column, as `gpkg_geometry_columns` lists it.
struct FeatureTable {
    name: String,
    geometry_column: String,
    srs_id: i64,
}

pub(super) fn read(spec: &SourceSpec) -> Result<RawLayer, SourceError> {
    let path = spec.path.as_path();
    let connection = open(path)?;
    let tables = feature_tables(path, &connection)?;
    let table = choose_table(path, &tables, spec.layer.as_deref())?;
    // The spec's CRS wins; only look the table's up (and fail on an undefined one) without it.
    let declared_crs = match spec.crs {
        Some(_) => None,
        None => declared_crs(path, &connection, table)?,
    };
    let features = read_rows(path, &connection, table)?;
    Ok(RawLayer {
        features,
        declared_crs,
    })
}

fn not_gpkg(path: &Path, message: impl Into<String>) -> SourceError {
    format_error(path, SourceFormat::Gpkg, message)
}

/// Read-only, so that a wrong path never leaves an empty database behind.
fn open(path: &Path) -> Result<Connection, SourceError> {
    Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| not_gpkg(path, e.to_string()))
}

/// Every table with a geometry column. SQLite only notices a file is no database at the first
/// query, so this is where a non-GeoPackage fails.
fn feature_tables(path: &Path, connection: &Connection) -> Result<Vec<FeatureTable>, SourceError> {
    let query = "SELECT table_name, column_name, srs_id FROM gpkg_geometry_columns \
                 ORDER BY table_name";
    let mut statement = connection
        .prepare(query)
        .map_err(|e| not_gpkg(path, format!("no GeoPackage geometry columns table ({e})")))?;
    let rows = statement
        .query_map([], |row| {
            Ok(FeatureTable {
                name: row.get(0)?,
                geometry_column: row.get(1)?,
                srs_id: row.get(2)?,
            })
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>());
    rows.map_err(|e| not_gpkg(path, format!("cannot list its feature tables: {e}")))
}

fn choose_table<'a>(
    path: &Path,
    tables: &'a [FeatureTable],
    layer: Option<&str>,
) -> Result<&'a FeatureTable, SourceError> {
    let names = || {
        tables
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (layer, tables) {
        // SQLite table names are case-insensitive.
        (Some(layer), _) => tables
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(layer))
            .ok_or_else(|| {
                spec_error(
                    path,
                    format!(
                        "no feature table {layer:?}; its feature tables: {}",
                        names()
                    ),
                )
            }),
        (None, [only]) => Ok(only),
        (None, []) => Err(spec_error(path, "the GeoPackage has no feature table")),
        (None, _) => Err(spec_error(
            path,
            format!(
                "the GeoPackage has several feature tables ({}); say which as `layer`",
                names()
            ),
        )),
    }
}

/// The table's CRS as `EPSG:<code>`, or `None` for WGS84 / the undefined geographic SRS.
fn declared_crs(
    path: &Path,
    connection: &Connection,
    table: &FeatureTable,
) -> Result<Option<String>, SourceError> {
    if table.srs_id == UNDEFINED_GEOGRAPHIC_SRS {
        return Ok(None);
    }
    let undeclared = |crs: String, message: String| SourceError::UnknownCrs {
        path: path.to_path_buf(),
        crs,
        message: format!("{message}; give the layer's CRS as `crs`, e.g. \"EPSG:3310\""),
    };
    let query = "SELECT organization, organization_coordsys_id, srs_name \
                 FROM gpkg_spatial_ref_sys WHERE srs_id = ?1";
    let row = connection
        .query_row(query, [table.srs_id], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, String>(2)?,
            ))
        })
        .optional()
        .map_err(|e| not_gpkg(path, format!("cannot read gpkg_spatial_ref_sys: {e}")))?;
    match row {
        Some((organization, code, _)) if organization.eq_ignore_ascii_case("EPSG") => {
            Ok(Some(format!("EPSG:{code}")))
        }
        Some((organization, code, name)) => Err(undeclared(
            format!("{organization}:{code}"),
            format!(
                "table {:?} is in {name:?}, which has no EPSG code",
                table.name
            ),
        )),
        None => Err(undeclared(
            format!("srs_id {}", table.srs_id),
            format!("srs_id {} is not in gpkg_spatial_ref_sys", table.srs_id),
        )),
    }
}

/// SQLite identifiers are quoted with double quotes, doubled inside.
fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn read_rows(
    path: &Path,
    connection: &Connection,
    table: &FeatureTable,
) -> Result<Vec<SourceFeature>, SourceError> {
    let table_error =
        |e: rusqlite::Error| not_gpkg(path, format!("cannot read table {:?}: {e}", table.name));
    let query = format!("SELECT * FROM {}", quote_identifier(&table.name));
    let mut statement = connection.prepare(&query).map_err(table_error)?;
    let columns: Vec<String> = statement.column_names().map(str::to_string).collect();
    let mut rows = statement.query([]).map_err(table_error)?;
    let mut features = Vec::new();
    while let Some(row) = rows.next().map_err(table_error)? {
        let index = features.len();
        features.push(read_row(path, index, &columns, table, row)?);
    }
    Ok(features)
}

fn read_row(
    path: &Path,
    index: usize,
    columns: &[String],
    table: &FeatureTable,
    row: &rusqlite::Row,
) -> Result<SourceFeature, SourceError> {
    let mut geometry = None;
    let mut properties = Map::new();
    for (i, column) in columns.iter().enumerate() {
        let value = row
            .get_ref(i)
            .map_err(|e| feature_error(path, index, format!("column {column:?}: {e}")))?;
        if column.eq_ignore_ascii_case(&table.geometry_column) {
            geometry = Some(
                decode_geometry(value).map_err(|e| feature_error(path, index, e.to_string()))?,
            );
        } else if let Some(value) = property_value(value) {
            properties.insert(column.clone(), value);
        }
    }
    let geometry = geometry.ok_or_else(|| {
        not_gpkg(
            path,
            format!(
                "table {:?} has no column {:?}",
                table.name, table.geometry_column
            ),
        )
    })?;
    Ok(SourceFeature {
        index,
        geometry,
        properties,
    })
}

/// A column's value as JSON; `None` for blobs, which have no JSON form worth keeping.
fn property_value(value: ValueRef) -> Option<Value> {
    match value {
        ValueRef::Null => Some(Value::Null),
        ValueRef::Integer(i) => Some(Value::from(i)),
        ValueRef::Real(r) => Some(json_number(r)),
        ValueRef::Text(t) => Some(Value::String(String::from_utf8_lossy(t).into_owned())),
        ValueRef::Blob(_) => None,
    }
}

/// A GeoPackage geometry blob: "GP", version, flags (empty bit, envelope kind, header byte
/// order), srs id, envelope, then WKB. The header is read here and the WKB handed to geozero:
/// geozero's own GeoPackage reader decodes the WKB in the header's byte order, while the WKB
/// carries its own, which may differ.
fn decode_geometry(value: ValueRef) -> Result<geo::Geometry<f64>, BlobError> {
    let blob = match value {
        ValueRef::Blob(blob) => blob,
        ValueRef::Null => return Err(BlobError::Missing),
        other => return Err(BlobError::NotABlob(other.data_type().to_string())),
    };
    let wkb = wkb_of(blob)?;
    Wkb(wkb).to_geo().map_err(|e| BlobError::Wkb(e.to_string()))
}

/// A GeoPackage geometry that cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BlobError {
    #[error("no geometry")]
    Missing,
    #[error("the geometry column holds {0}, not a GeoPackage geometry blob")]
    NotABlob(String),
    #[error("the geometry is not a GeoPackage geometry blob (no GP header)")]
    NoHeader,
    #[error("empty geometry")]
    Empty,
    #[error("invalid envelope kind {0} in the GP header")]
    EnvelopeKind(u8),
    #[error("the geometry blob ends inside its GP header")]
    Truncated,
    #[error("cannot decode the geometry's WKB: {0}")]
    Wkb(String),
}

/// The WKB after a GeoPackage binary header, or why there is none.
fn wkb_of(blob: &[u8]) -> Result<&[u8], BlobError> {
    let flags = match blob {
        [b'G', b'P', _version, flags, ..] => *flags,
        _ => return Err(BlobError::NoHeader),
    };
    if flags & EMPTY_FLAG != 0 {
        return Err(BlobError::Empty);
    }
    let envelope_doubles = match (flags & ENVELOPE_BITS) >> 1 {
        0 => 0,
        1 => 4,
        2 | 3 => 6,
        4 => 8,
        kind => return Err(BlobError::EnvelopeKind(kind)),
    };
    // Magic, version, flags, srs id (4 bytes), then the envelope's doubles.
    let header_len = 8 + 8 * envelope_doubles;
    blob.get(header_len..)
        .filter(|wkb| !wkb.is_empty())
        .ok_or(BlobError::Truncated)
}
