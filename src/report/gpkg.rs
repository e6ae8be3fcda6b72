//! `plan.gpkg` (`optimize --gpkg`): every output layer in one OGC GeoPackage 1.3, styled for
//! QGIS, so the whole plan opens with one file instead of five.
//!
//! What it holds: the GeoPackage's own tables (`gpkg_spatial_ref_sys` with the required
//! undefined systems and EPSG:4326, `gpkg_contents`, `gpkg_geometry_columns`); one feature table
//! per layer of [`output_layers`](super::layers::output_layers), named by
//! [`LayerKind::name`], with `fid`, a `geom` column of the layer's geometry type (a Polygon is
//! written as a one-part MultiPolygon, a LineString on a MultiLineString layer as a one-part
//! MultiLineString) and one column a property; and `layer_styles`, as QGIS writes it, with one
//! default style per feature table (`super::gpkg_styles`).
//!
//! The features are the ones the GeoJSON files carry, with the same properties: `layers.rs` is
//! the one home of the layers' schema, and this module only maps it to SQL. A column's type
//! comes from its values over the whole layer: numbers REAL, strings TEXT, booleans BOOLEAN,
//! arrays and objects TEXT holding compact JSON, mixed kinds TEXT. Columns follow the first
//! feature's properties, later new keys appended. Since that needs every feature's properties
//! before the table is made, the layers are read twice (once for the schema, once for the
//! rows) rather than held in memory. A layer without features (the sites and feeds of a
//! scenario without a plan) gets the columns the contract names for it (the layer's
//! [`LayerSpec`](super::layers::LayerSpec)).
//!
//! Geometries are GeoPackage binary: the "GP" header (version 0, little-endian, the
//! envelope [min x, max x, min y, max y], srs id 4326), then the WKB, both written by geozero.
//! Every feature table has its spatial index, the `gpkg_rtree_index` extension as GDAL writes
//! it ([`write_rtree`]), so QGIS pans a county's 400,000 excluded parcels by index.
//!
//! The same inputs give the same bytes: fixed times ([`FIXED_TIME`]), fixed statement order, no
//! random. The file is built under a temporary name in the same folder and renamed, like every
//! output; the rollback journal is kept in memory, so no `-journal` or `-wal` file is left.

use std::collections::HashSet;
use std::path::Path;

use geo::{BoundingRect, Geometry, MultiLineString, MultiPolygon, Rect};
use geozero::{CoordDimensions, ToWkb};
use rusqlite::Connection;
use rusqlite::types::Value as Sql;
use serde_json::Value;

use super::layers::{ColumnKind, Columns, GeometryKind, LayerKind, OutputLayer};
use crate::files::WriteError;

/// The spatial reference system of every layer: WGS84 longitude/latitude.
pub const SRS_ID: i32 = 4326;

/// `gpkg_contents.last_change` and `layer_styles.update_time` of every row: the Unix epoch, in
/// the GeoPackage's timestamp form. A fixed time, not the time of the run, so that the same
/// plan gives a byte-identical `plan.gpkg` (like the GeoJSON files); `summary.json` says when
/// and how long a run took.
pub const FIXED_TIME: &str = "1970-01-01T00:00:00.000Z";

/// The `application_id` of a GeoPackage: "GPKG".
const APPLICATION_ID: i32 = 0x4750_4B47;
/// The `user_version` of a GeoPackage 1.3.0.
const USER_VERSION: i32 = 10300;

const GEOMETRY_COLUMN: &str = "geom";

/// A column's SQL type.
fn sql_type(kind: ColumnKind) -> &'static str {
    match kind {
        ColumnKind::Real => "REAL",
        ColumnKind::Boolean => "BOOLEAN",
        ColumnKind::Null | ColumnKind::Text | ColumnKind::Json | ColumnKind::Mixed => "TEXT",
    }
}

/// A property's value in a column of this kind.
fn sql_value(kind: ColumnKind, value: &Value) -> Sql {
    match (kind, value) {
        (_, Value::Null) => Sql::Null,
        (ColumnKind::Mixed, Value::String(s)) => Sql::Text(s.clone()),
        (ColumnKind::Mixed, other) => Sql::Text(other.to_string()),
        (_, Value::Bool(b)) => Sql::Integer(i64::from(*b)),
        (_, Value::Number(n)) => n
            .as_f64()
            .map_or_else(|| Sql::Text(n.to_string()), Sql::Real),
        (_, Value::String(s)) => Sql::Text(s.clone()),
        (_, other) => Sql::Text(other.to_string()),
    }
}

/// Writes `plan.gpkg` at `path` from the output layers, which `layers` must give the same
/// each time it is called (it is called twice: schema, then rows).
pub fn write_gpkg<'a>(
    path: &Path,
    layers: impl Fn() -> Vec<OutputLayer<'a>>,
) -> Result<(), WriteError> {
    crate::files::write_atomically_at(path, |temporary| {
        let schemas: Vec<(LayerKind, Columns)> = layers()
            .into_iter()
            .map(|layer| Ok((layer.kind, columns(layer)?)))
            .collect::<std::io::Result<_>>()?;
        let connection = Connection::open(temporary).map_err(sql)?;
        fill(&connection, &schemas, layers())?;
        connection.close().map_err(|(_, e)| sql(e))
    })
}

fn sql(e: rusqlite::Error) -> std::io::Error {
    std::io::Error::other(e)
}

/// A layer's columns ([`LayerSpec::columns_of`](super::layers::LayerSpec::columns_of)),
/// checked against the table's own: SQLite compares column names without case, and `fid` and
/// `geom` are taken.
fn columns(layer: OutputLayer) -> std::io::Result<Columns> {
    let spec = layer.spec();
    let columns = spec.columns_of(layer.features);
    let mut seen: HashSet<String> = ["fid", GEOMETRY_COLUMN].map(String::from).into();
    for (name, _) in &columns {
        if !seen.insert(name.to_lowercase()) {
            return Err(std::io::Error::other(format!(
                "layer {}: property {name:?} clashes with another column",
                spec.name
            )));
        }
    }
    Ok(columns)
}

/// The whole database, in one transaction, statements always in the same order.
fn fill(
    db: &Connection,
    schemas: &[(LayerKind, Columns)],
    layers: Vec<OutputLayer>,
) -> std::io::Result<()> {
    // The journal in memory: nothing beside the file, ever. The file is a temporary one until
    // it is whole, so losing the journal in a crash loses nothing; durability comes from the
    // fsync before the rename.
    let _: String = db
        .query_row("PRAGMA journal_mode = MEMORY", [], |r| r.get(0))
        .map_err(sql)?;
    db.execute_batch(&format!(
        "PRAGMA synchronous = OFF;\n\
         PRAGMA application_id = {APPLICATION_ID};\n\
         PRAGMA user_version = {USER_VERSION};\n\
         BEGIN;\n\
         {CORE_TABLES}"
    ))
    .map_err(sql)?;
    db.execute_batch(SPATIAL_REF_SYS_ROWS).map_err(sql)?;
    for ((kind, columns), layer) in schemas.iter().zip(layers) {
        if layer.kind != *kind {
            return Err(std::io::Error::other(format!(
                "the layers changed between reads: {} then {}",
                kind.name(),
                layer.kind.name()
            )));
        }
        write_layer(db, layer, columns)?;
    }
    write_styles(db, schemas.iter().map(|(kind, _)| *kind)).map_err(sql)?;
    db.execute_batch("COMMIT;").map_err(sql)
}

/// The GeoPackage's own tables, as the standard defines them.
const CORE_TABLES: &str = r#"
CREATE TABLE gpkg_extensions (
  table_name TEXT,
  column_name TEXT,
  extension_name TEXT NOT NULL,
  definition TEXT NOT NULL,
  scope TEXT NOT NULL,
  CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name)
);
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL PRIMARY KEY,
  organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL,
  definition TEXT NOT NULL,
  description TEXT
);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY,
  data_type TEXT NOT NULL,
  identifier TEXT UNIQUE,
  description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE,
  min_y DOUBLE,
  max_x DOUBLE,
  max_y DOUBLE,
  srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
);
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL,
  column_name TEXT NOT NULL,
  geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL,
  z TINYINT NOT NULL,
  m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id)
);
"#;

/// The two systems every GeoPackage defines, and WGS84.
const SPATIAL_REF_SYS_ROWS: &str = r#"
INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined',
  'undefined cartesian coordinate reference system');
INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined',
  'undefined geographic coordinate reference system');
INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84 geodetic', 4326, 'EPSG', 4326,
  'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]',
  'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');
"#;

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A feature table: created, filled, then listed in `gpkg_contents` (with the extent of its
/// features) and `gpkg_geometry_columns`.
fn write_layer(db: &Connection, layer: OutputLayer, columns: &Columns) -> std::io::Result<()> {
    let kind = layer.kind;
    let table = quoted(kind.name());
    let geometry_type = match kind.geometry() {
        GeometryKind::Point => "POINT",
        GeometryKind::LineString => "LINESTRING",
        GeometryKind::MultiPolygon => "MULTIPOLYGON",
        GeometryKind::MultiLineString => "MULTILINESTRING",
    };
    let mut definition = format!(
        "CREATE TABLE {table} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, {} {geometry_type}",
        quoted(GEOMETRY_COLUMN)
    );
    for (name, column_kind) in columns {
        definition += &format!(", {} {}", quoted(name), sql_type(*column_kind));
    }
    definition += ")";
    db.execute(&definition, []).map_err(sql)?;

    let names: Vec<String> = std::iter::once(GEOMETRY_COLUMN)
        .chain(columns.iter().map(|(n, _)| n.as_str()))
        .map(quoted)
        .collect();
    let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
    let mut insert = db
        .prepare(&format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            names.join(", "),
            placeholders.join(", ")
        ))
        .map_err(sql)?;
    let mut extent: Option<Rect> = None;
    let mut envelopes: Vec<(i64, Rect)> = Vec::new();
    for (index, feature) in layer.features.enumerate() {
        let (geometry, rect) = match &feature.geometry {
            Some(g) => {
                let (blob, rect) = gpkg_geometry(kind.geometry(), g).map_err(|e| {
                    std::io::Error::other(format!("layer {}, feature {index}: {e}", kind.name()))
                })?;
                extent = match (extent, rect) {
                    (Some(a), Some(b)) => Some(union(a, b)),
                    (a, b) => a.or(b),
                };
                (Sql::Blob(blob), rect)
            }
            None => (Sql::Null, None),
        };
        let properties = feature.properties.as_ref();
        let values = std::iter::once(geometry).chain(columns.iter().map(|(name, column_kind)| {
            properties
                .and_then(|p| p.get(name))
                .map_or(Sql::Null, |v| sql_value(*column_kind, v))
        }));
        insert
            .execute(rusqlite::params_from_iter(values))
            .map_err(sql)?;
        if let Some(rect) = rect {
            envelopes.push((db.last_insert_rowid(), rect));
        }
    }

    let (min_x, min_y, max_x, max_y) = match extent {
        Some(r) => (
            Some(r.min().x),
            Some(r.min().y),
            Some(r.max().x),
            Some(r.max().y),
        ),
        None => (None, None, None, None),
    };
    db.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, \
         min_x, min_y, max_x, max_y, srs_id) VALUES (?1, 'features', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        rusqlite::params![
            kind.name(),
            format!("gridsite {}", kind.name()),
            FIXED_TIME,
            min_x,
            min_y,
            max_x,
            max_y,
            SRS_ID
        ],
    )
    .map_err(sql)?;
    db.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?1, ?2, ?3, ?4, 0, 0)",
        rusqlite::params![kind.name(), GEOMETRY_COLUMN, geometry_type, SRS_ID],
    )
    .map_err(sql)?;
    write_rtree(db, kind.name(), &envelopes).map_err(sql)
}

/// The table's spatial index, the `gpkg_rtree_index` extension as the standard (Annex F.3)
/// and GDAL write it: the `rtree_<table>_geom` virtual table filled with each feature's
/// envelope (SQLite stores 32-bit floats, rounding lower bounds down and upper bounds up, so
/// each box holds its feature), the extension declared in `gpkg_extensions`, and the triggers
/// that keep the index in step when QGIS or GDAL edit the layer (they call the `ST_*`
/// functions those tools register).
fn write_rtree(db: &Connection, table: &str, envelopes: &[(i64, Rect)]) -> rusqlite::Result<()> {
    let rtree = format!("rtree_{table}_{GEOMETRY_COLUMN}");
    db.execute(
        "INSERT INTO gpkg_extensions VALUES (?1, ?2, 'gpkg_rtree_index', \
         'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
        rusqlite::params![table, GEOMETRY_COLUMN],
    )?;
    db.execute_batch(&format!(
        "CREATE VIRTUAL TABLE {} USING rtree(id, minx, maxx, miny, maxy);",
        quoted(&rtree)
    ))?;
    let mut insert = db.prepare(&format!(
        "INSERT INTO {} VALUES (?1, ?2, ?3, ?4, ?5)",
        quoted(&rtree)
    ))?;
    for (fid, rect) in envelopes {
        let (min, max) = (rect.min(), rect.max());
        insert.execute(rusqlite::params![fid, min.x, max.x, min.y, max.y])?;
    }
    let triggers = RTREE_TRIGGERS
        .replace("<r>", &quoted(&rtree))
        .replace("<n>", &rtree)
        .replace("<t>", &quoted(table))
        .replace("<c>", &quoted(GEOMETRY_COLUMN));
    db.execute_batch(&triggers)
}

/// The R-tree's triggers of GeoPackage 1.3 (Annex F.3), with `<n>` the index's name, `<r>` it
/// quoted, `<t>` the table and `<c>` its geometry column; `fid` is the table's id.
const RTREE_TRIGGERS: &str = r#"
CREATE TRIGGER "<n>_insert" AFTER INSERT ON <t>
  WHEN (new.<c> NOT NULL AND NOT ST_IsEmpty(NEW.<c>))
BEGIN
  INSERT OR REPLACE INTO <r> VALUES (NEW.fid,
    ST_MinX(NEW.<c>), ST_MaxX(NEW.<c>), ST_MinY(NEW.<c>), ST_MaxY(NEW.<c>));
END;
CREATE TRIGGER "<n>_update1" AFTER UPDATE OF <c> ON <t>
  WHEN OLD.fid = NEW.fid AND (NEW.<c> NOTNULL AND NOT ST_IsEmpty(NEW.<c>))
BEGIN
  INSERT OR REPLACE INTO <r> VALUES (NEW.fid,
    ST_MinX(NEW.<c>), ST_MaxX(NEW.<c>), ST_MinY(NEW.<c>), ST_MaxY(NEW.<c>));
END;
CREATE TRIGGER "<n>_update2" AFTER UPDATE OF <c> ON <t>
  WHEN OLD.fid = NEW.fid AND (NEW.<c> ISNULL OR ST_IsEmpty(NEW.<c>))
BEGIN
  DELETE FROM <r> WHERE id = OLD.fid;
END;
CREATE TRIGGER "<n>_update3" AFTER UPDATE ON <t>
  WHEN OLD.fid != NEW.fid AND (NEW.<c> NOTNULL AND NOT ST_IsEmpty(NEW.<c>))
BEGIN
  DELETE FROM <r> WHERE id = OLD.fid;
  INSERT OR REPLACE INTO <r> VALUES (NEW.fid,
    ST_MinX(NEW.<c>), ST_MaxX(NEW.<c>), ST_MinY(NEW.<c>), ST_MaxY(NEW.<c>));
END;
CREATE TRIGGER "<n>_update4" AFTER UPDATE ON <t>
  WHEN OLD.fid != NEW.fid AND (NEW.<c> ISNULL OR ST_IsEmpty(NEW.<c>))
BEGIN
  DELETE FROM <r> WHERE id IN (OLD.fid, NEW.fid);
END;
CREATE TRIGGER "<n>_delete" AFTER DELETE ON <t>
  WHEN old.<c> NOT NULL
BEGIN
  DELETE FROM <r> WHERE id = OLD.fid;
END;
"#;

fn union(a: Rect, b: Rect) -> Rect {
    Rect::new(
        (a.min().x.min(b.min().x), a.min().y.min(b.min().y)),
        (a.max().x.max(b.max().x), a.max().y.max(b.max().y)),
    )
}

/// A GeoJSON geometry as a GeoPackage geometry blob of the layer's type, and its envelope.
fn gpkg_geometry(
    kind: GeometryKind,
    geometry: &geojson::Geometry,
) -> Result<(Vec<u8>, Option<Rect>), String> {
    let geometry = Geometry::<f64>::try_from(&geometry.value).map_err(|e| e.to_string())?;
    let geometry = match (kind, geometry) {
        (GeometryKind::MultiPolygon, Geometry::Polygon(p)) => {
            Geometry::MultiPolygon(MultiPolygon(vec![p]))
        }
        (GeometryKind::MultiLineString, Geometry::LineString(l)) => {
            Geometry::MultiLineString(MultiLineString(vec![l]))
        }
        (_, g) => g,
    };
    let fits = matches!(
        (kind, &geometry),
        (GeometryKind::Point, Geometry::Point(_))
            | (GeometryKind::LineString, Geometry::LineString(_))
            | (GeometryKind::MultiPolygon, Geometry::MultiPolygon(_))
            | (GeometryKind::MultiLineString, Geometry::MultiLineString(_))
    );
    if !fits {
        return Err(format!("a geometry that is not a {kind:?}"));
    }
    let rect = geometry.bounding_rect();
    let envelope = rect.map_or_else(Vec::new, |r| {
        vec![r.min().x, r.max().x, r.min().y, r.max().y]
    });
    let blob = geometry
        .to_gpkg_wkb(CoordDimensions::xy(), Some(SRS_ID), envelope)
        .map_err(|e| e.to_string())?;
    Ok((blob, rect))
}

/// `layer_styles`, as QGIS creates it in a GeoPackage, with one default style per feature
/// table; listed in `gpkg_contents` as an attributes table so that GDAL sees it.
fn write_styles(db: &Connection, kinds: impl Iterator<Item = LayerKind>) -> rusqlite::Result<()> {
    db.execute_batch(
        r#"CREATE TABLE "layer_styles" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  "f_table_catalog" TEXT(256),
  "f_table_schema" TEXT(256),
  "f_table_name" TEXT(256),
  "f_geometry_column" TEXT(256),
  "styleName" TEXT(30),
  "styleQML" TEXT,
  "styleSLD" TEXT,
  "useAsDefault" BOOLEAN,
  "description" TEXT,
  "owner" TEXT(30),
  "ui" TEXT(30),
  "update_time" DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);"#,
    )?;
    let mut insert = db.prepare(
        "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, \
         f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner, ui, \
         update_time) VALUES ('', '', ?1, ?2, ?1, ?3, '', 1, ?4, '', NULL, ?5)",
    )?;
    for kind in kinds {
        insert.execute(rusqlite::params![
            kind.name(),
            GEOMETRY_COLUMN,
            (kind.spec().style_qml)(),
            format!("gridsite's default style for {}", kind.name()),
            FIXED_TIME
        ])?;
    }
    db.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change) \
         VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS layer styles', ?1)",
        [FIXED_TIME],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_take_their_column_s_sql_type() {
        use ColumnKind::{Boolean, Json, Mixed};
        assert_eq!(sql_type(Mixed), "TEXT");
        assert_eq!(
            sql_value(Json, &json!(["S1", "S2"])),
            Sql::Text(r#"["S1","S2"]"#.into())
        );
        assert_eq!(sql_value(Boolean, &json!(true)), Sql::Integer(1));
        assert_eq!(sql_value(Mixed, &json!(2.5)), Sql::Text("2.5".into()));
        assert_eq!(sql_value(Mixed, &json!("a")), Sql::Text("a".into()));
    }

    #[test]
    fn a_polygon_becomes_a_one_part_multipolygon_with_its_envelope() {
        let polygon: geojson::Geometry = serde_json::from_value(json!({
            "type": "Polygon",
            "coordinates": [[[1.0, 2.0], [3.0, 2.0], [3.0, 5.0], [1.0, 2.0]]]
        }))
        .unwrap();
        let (blob, rect) = gpkg_geometry(GeometryKind::MultiPolygon, &polygon).unwrap();
        // "GP", version 0, flags: envelope [minx, maxx, miny, maxy] (1 << 1), little-endian.
        assert_eq!(&blob[..4], &[b'G', b'P', 0, 0b0000_0011]);
        assert_eq!(i32::from_le_bytes(blob[4..8].try_into().unwrap()), 4326);
        let envelope: Vec<f64> = blob[8..40]
            .chunks(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(envelope, [1.0, 3.0, 2.0, 5.0]);
        // WKB: little-endian MultiPolygon (6) of one polygon.
        assert_eq!(blob[40], 1);
        assert_eq!(u32::from_le_bytes(blob[41..45].try_into().unwrap()), 6);
        assert_eq!(u32::from_le_bytes(blob[45..49].try_into().unwrap()), 1);
        assert_eq!(rect.unwrap().max().y, 5.0);
    }

    #[test]
    fn a_geometry_of_another_type_is_an_error_not_a_panic() {
        let point: geojson::Geometry =
            serde_json::from_value(json!({"type": "Point", "coordinates": [1.0, 2.0]})).unwrap();
        assert!(gpkg_geometry(GeometryKind::MultiPolygon, &point).is_err());
    }
}
