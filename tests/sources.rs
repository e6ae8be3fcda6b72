//! The source readers (`gridsite::sources`): each format on a small file written here, the
//! reprojection to WGS84, the errors users meet, and the real CEC substations GeoPackage
//! (EPSG:3310) against the WGS84 GeoJSON cut from it.

#[path = "common/data.rs"]
mod data;
use data::source;

use std::collections::HashMap;
use std::path::Path;

use geo::{Area, Coord, Distance, Geometry, Haversine, LineString, Point, Polygon};
use gridsite::sources::{SourceError, SourceFeature, SourceFormat, SourceSpec, read_source};
use serde_json::{Value, json};

/// Degrees; about a centimetre.
const DEGREE_TOLERANCE: f64 = 1e-7;

/// (-121.5, 38.5) in EPSG:3310 and EPSG:32610 (UTM 10N), from PROJ through `gdaltransform`
/// (`echo "-121.5 38.5" | gdaltransform -s_srs EPSG:4326 -t_srs EPSG:3310 -output_xy`):
/// an expectation independent of proj4rs.
const SACRAMENTO_LON_LAT: (f64, f64) = (-121.5, 38.5);
const SACRAMENTO_3310: (f64, f64) = (-130662.158562407, 54796.4291456109);
const SACRAMENTO_32610: (f64, f64) = (630800.207245782, 4262359.41478569);

fn spec(path: &Path, format: SourceFormat) -> SourceSpec {
    SourceSpec {
        path: path.to_path_buf(),
        format,
        crs: None,
        layer: None,
        x_field: None,
        y_field: None,
    }
}

fn with_crs(mut spec: SourceSpec, crs: &str) -> SourceSpec {
    spec.crs = Some(crs.to_string());
    spec
}

fn assert_close(actual: Coord, expected: (f64, f64)) {
    assert!(
        (actual.x - expected.0).abs() < DEGREE_TOLERANCE
            && (actual.y - expected.1).abs() < DEGREE_TOLERANCE,
        "{actual:?} is not {expected:?}"
    );
}

fn point_of(feature: &SourceFeature) -> Coord {
    match &feature.geometry {
        Geometry::Point(p) => p.0,
        other => panic!("feature {} is not a point: {other:?}", feature.index),
    }
}

fn square(x0: f64, y0: f64, size: f64) -> LineString {
    LineString::from(vec![
        (x0, y0),
        (x0 + size, y0),
        (x0 + size, y0 + size),
        (x0, y0 + size),
        (x0, y0),
    ])
}

/// A square with a square hole, both rings closed.
fn holed_square() -> Polygon {
    Polygon::new(square(-121.0, 38.0, 1.0), vec![square(-120.75, 38.25, 0.5)])
}

/// The error's message, for checks on what it names.
fn message(result: Result<Vec<SourceFeature>, SourceError>) -> (SourceError, String) {
    let error = result.expect_err("the read should fail");
    let text = error.to_string();
    (error, text)
}

// --- GeoJSON ---------------------------------------------------------------------------------

#[test]
fn geojson_features_keep_properties_and_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sites.geojson");
    let collection = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": 7, "properties": {"name": "A", "mw": 12.5},
         "geometry": {"type": "Point", "coordinates": [-121.5, 38.5]}},
        {"type": "Feature", "properties": {"name": "B"},
         "geometry": {"type": "LineString", "coordinates": [[-121.0, 38.0], [-120.0, 39.0]]}}
    ]});
    std::fs::write(&path, collection.to_string()).unwrap();
    let features = read_source(&spec(&path, SourceFormat::GeoJson)).unwrap();
    assert_eq!(features.len(), 2);
    assert_close(point_of(&features[0]), SACRAMENTO_LON_LAT);
    assert_eq!(features[0].properties["id"], json!(7));
    assert_eq!(features[0].properties["mw"], json!(12.5));
    assert!(matches!(features[1].geometry, Geometry::LineString(_)));
    assert_eq!(features[1].index, 1);
}

// --- GeoPackage ------------------------------------------------------------------------------

/// Bytes in one byte order, for hand-built WKB and GeoPackage headers.
struct Bytes {
    little_endian: bool,
    buf: Vec<u8>,
}

impl Bytes {
    fn new(little_endian: bool) -> Bytes {
        Bytes {
            little_endian,
            buf: Vec::new(),
        }
    }
    fn u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }
    fn u32(&mut self, v: u32) -> &mut Self {
        let b = if self.little_endian {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        };
        self.buf.extend_from_slice(&b);
        self
    }
    fn f64(&mut self, v: f64) -> &mut Self {
        let b = if self.little_endian {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        };
        self.buf.extend_from_slice(&b);
        self
    }
    fn coords(&mut self, coords: &[(f64, f64)]) -> &mut Self {
        self.u32(coords.len() as u32);
        for &(x, y) in coords {
            self.f64(x).f64(y);
        }
        self
    }
}

/// WKB of a point (type 1), line string (2) or polygon (3, rings given).
fn wkb(little_endian: bool, geometry: &Geometry) -> Vec<u8> {
    let mut b = Bytes::new(little_endian);
    b.u8(u8::from(little_endian));
    let ring = |l: &LineString| l.coords().map(|c| (c.x, c.y)).collect::<Vec<_>>();
    match geometry {
        Geometry::Point(p) => {
            b.u32(1).f64(p.x()).f64(p.y());
        }
        Geometry::LineString(l) => {
            b.u32(2).coords(&ring(l));
        }
        Geometry::Polygon(p) => {
            b.u32(3).u32(1 + p.interiors().len() as u32);
            b.coords(&ring(p.exterior()));
            for hole in p.interiors() {
                b.coords(&ring(hole));
            }
        }
        other => panic!("no WKB writer here for {other:?}"),
    }
    b.buf
}

/// A GeoPackage geometry blob: "GP", version 0, flags (byte order bit; envelope kind 1, an
/// xy box, when given; the empty bit), srs id, envelope, WKB.
fn gp_blob(little_endian: bool, srs_id: u32, envelope: Option<[f64; 4]>, wkb: &[u8]) -> Vec<u8> {
    let mut b = Bytes::new(little_endian);
    let flags = u8::from(little_endian) | if envelope.is_some() { 0b0000_0010 } else { 0 };
    b.u8(b'G').u8(b'P').u8(0).u8(flags).u32(srs_id);
    for v in envelope.into_iter().flatten() {
        b.f64(v);
    }
    b.buf.extend_from_slice(wkb);
    b.buf
}

/// A GeoPackage with the metadata tables and one feature table per (name, srs id).
fn gpkg(path: &Path, tables: &[(&str, i64)]) -> rusqlite::Connection {
    let connection = rusqlite::Connection::open(path).unwrap();
    connection
        .execute_batch(
            "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
               organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
               definition TEXT NOT NULL, description TEXT);
             INSERT INTO gpkg_spatial_ref_sys VALUES
               ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', NULL),
               ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', NULL),
               ('WGS 84 geodetic', 4326, 'EPSG', 4326, 'GEOGCS', NULL),
               ('NAD83 / California Albers', 3310, 'EPSG', 3310, 'PROJCS', NULL);
             CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT NOT NULL,
               identifier TEXT, srs_id INTEGER);
             CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL,
               column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
               srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL);",
        )
        .unwrap();
    for &(name, srs_id) in tables {
        connection
            .execute_batch(&format!(
                "CREATE TABLE \"{name}\" (fid INTEGER PRIMARY KEY, geom BLOB, name TEXT,
                   capacity REAL, units INTEGER, photo BLOB);
                 INSERT INTO gpkg_contents VALUES ('{name}', 'features', '{name}', {srs_id});
                 INSERT INTO gpkg_geometry_columns
                   VALUES ('{name}', 'geom', 'GEOMETRY', {srs_id}, 0, 0);"
            ))
            .unwrap();
    }
    connection
}

fn insert_row(connection: &rusqlite::Connection, table: &str, geom: &[u8], name: Option<&str>) {
    connection
        .execute(
            &format!(
                "INSERT INTO \"{table}\" (geom, name, capacity, units, photo)
                 VALUES (?1, ?2, 12.5, 3, x'00ff')"
            ),
            rusqlite::params![geom, name],
        )
        .unwrap();
}

#[test]
fn gpkg_reads_both_byte_orders_envelopes_and_properties() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sites.gpkg");
    let connection = gpkg(&path, &[("sites", 4326)]);
    let point = Geometry::Point(Point::new(-121.5, 38.5));
    let line = Geometry::LineString(LineString::from(vec![(-121.0, 38.0), (-120.0, 39.0)]));
    let polygon = Geometry::Polygon(holed_square());
    insert_row(
        &connection,
        "sites",
        &gp_blob(true, 4326, None, &wkb(true, &point)),
        Some("A"),
    );
    let envelope = Some([-121.0, -120.0, 38.0, 39.0]);
    insert_row(
        &connection,
        "sites",
        &gp_blob(false, 4326, envelope, &wkb(false, &line)),
        None,
    );
    // Header and WKB may differ in byte order; each says its own.
    insert_row(
        &connection,
        "sites",
        &gp_blob(false, 4326, None, &wkb(true, &polygon)),
        Some("C"),
    );
    drop(connection);

    let features = read_source(&spec(&path, SourceFormat::Gpkg)).unwrap();
    assert_eq!(features.len(), 3);
    assert_eq!(features[0].geometry, point);
    assert_eq!(features[1].geometry, line);
    assert_eq!(features[2].geometry, polygon);
    let properties = &features[0].properties;
    assert_eq!(properties["fid"], json!(1));
    assert_eq!(properties["name"], json!("A"));
    assert_eq!(properties["capacity"], json!(12.5));
    assert_eq!(properties["units"], json!(3));
    assert!(
        !properties.contains_key("geom"),
        "the geometry is no property"
    );
    assert!(!properties.contains_key("photo"), "blobs are skipped");
    assert_eq!(features[1].properties["name"], Value::Null);
}

#[test]
fn gpkg_declared_epsg_3310_is_reprojected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("albers.gpkg");
    let connection = gpkg(&path, &[("albers", 3310)]);
    for (x, y) in [(0.0, -4_000_000.0), SACRAMENTO_3310] {
        let point = Geometry::Point(Point::new(x, y));
        insert_row(
            &connection,
            "albers",
            &gp_blob(true, 3310, None, &wkb(true, &point)),
            None,
        );
    }
    drop(connection);
    let features = read_source(&spec(&path, SourceFormat::Gpkg)).unwrap();
    // EPSG:3310's false origin: lon_0 = -120, lat_0 = 0, y_0 = -4,000,000 m.
    assert_close(point_of(&features[0]), (-120.0, 0.0));
    assert_close(point_of(&features[1]), SACRAMENTO_LON_LAT);
}

#[test]
fn gpkg_layer_picks_a_table_and_ambiguity_lists_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.gpkg");
    let connection = gpkg(&path, &[("substations", 4326), ("lines", 4326)]);
    let point = Geometry::Point(Point::new(-121.5, 38.5));
    insert_row(
        &connection,
        "substations",
        &gp_blob(true, 4326, None, &wkb(true, &point)),
        None,
    );
    drop(connection);

    let (error, text) = message(read_source(&spec(&path, SourceFormat::Gpkg)));
    assert!(matches!(error, SourceError::Spec { .. }), "{error:?}");
    assert!(
        text.contains("lines") && text.contains("substations"),
        "{text}"
    );
    assert!(text.contains("layer"), "{text}");

    let mut chosen = spec(&path, SourceFormat::Gpkg);
    chosen.layer = Some("substations".into());
    assert_eq!(read_source(&chosen).unwrap().len(), 1);

    chosen.layer = Some("parcels".into());
    let (_, text) = message(read_source(&chosen));
    assert!(
        text.contains("parcels") && text.contains("lines, substations"),
        "{text}"
    );
}

#[test]
fn gpkg_empty_geometry_names_the_feature() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.gpkg");
    let connection = gpkg(&path, &[("sites", 4326)]);
    let point = Geometry::Point(Point::new(-121.5, 38.5));
    insert_row(
        &connection,
        "sites",
        &gp_blob(true, 4326, None, &wkb(true, &point)),
        None,
    );
    let mut empty = gp_blob(
        true,
        4326,
        None,
        &wkb(true, &Geometry::Point(Point::new(f64::NAN, f64::NAN))),
    );
    empty[3] |= 0b0001_0000;
    insert_row(&connection, "sites", &empty, None);
    drop(connection);
    let (error, text) = message(read_source(&spec(&path, SourceFormat::Gpkg)));
    assert!(
        matches!(error, SourceError::Feature { index: 1, .. }),
        "{error:?}"
    );
    assert!(text.contains("empty"), "{text}");
}

#[test]
fn gpkg_undefined_cartesian_srs_asks_for_crs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("local.gpkg");
    let connection = gpkg(&path, &[("local", -1)]);
    let point = Geometry::Point(Point::new(0.0, -4_000_000.0));
    insert_row(
        &connection,
        "local",
        &gp_blob(true, 0, None, &wkb(true, &point)),
        None,
    );
    drop(connection);
    let (error, text) = message(read_source(&spec(&path, SourceFormat::Gpkg)));
    assert!(matches!(error, SourceError::UnknownCrs { .. }), "{error:?}");
    assert!(text.contains("crs"), "{text}");
    // The spec's CRS settles it.
    let features = read_source(&with_crs(spec(&path, SourceFormat::Gpkg), "EPSG:3310")).unwrap();
    assert_close(point_of(&features[0]), (-120.0, 0.0));
}

// --- Shapefile -------------------------------------------------------------------------------

fn dbf_fields() -> shapefile::dbase::TableWriterBuilder {
    use shapefile::dbase::{FieldName, TableWriterBuilder};
    let name = |n: &str| FieldName::try_from(n).unwrap();
    TableWriterBuilder::new()
        .add_character_field(name("name"), 20)
        .add_numeric_field(name("kv"), 10, 0)
        .add_numeric_field(name("share"), 10, 3)
        .add_logical_field(name("active"))
}

fn dbf_record(name: Option<&str>, kv: f64, share: f64, active: bool) -> shapefile::dbase::Record {
    use shapefile::dbase::{FieldValue, Record};
    let mut record = Record::default();
    record.insert(
        "name".into(),
        FieldValue::Character(name.map(str::to_string)),
    );
    record.insert("kv".into(), FieldValue::Numeric(Some(kv)));
    record.insert("share".into(), FieldValue::Numeric(Some(share)));
    record.insert("active".into(), FieldValue::Logical(Some(active)));
    record
}

/// Writes a shapefile (`.shp`, `.shx`, `.dbf`) of shapes with their dBase records.
fn write_shapefile<S: shapefile::record::EsriShape>(
    path: &Path,
    shapes: Vec<(S, shapefile::dbase::Record)>,
) {
    let mut writer = shapefile::Writer::from_path(path, dbf_fields()).unwrap();
    for (shape, record) in &shapes {
        writer.write_shape_and_record(shape, record).unwrap();
    }
}

#[test]
fn shapefile_points_with_dbase_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("substations.shp");
    let (x, y) = SACRAMENTO_LON_LAT;
    write_shapefile(
        &path,
        vec![
            (
                shapefile::Point::new(x, y),
                dbf_record(Some("A"), 115.0, 0.25, true),
            ),
            (
                shapefile::Point::new(-121.0, 38.0),
                dbf_record(None, 230.0, 0.5, false),
            ),
        ],
    );

    let features = read_source(&spec(&path, SourceFormat::Shapefile)).unwrap();
    assert_eq!(features.len(), 2);
    assert_close(point_of(&features[0]), SACRAMENTO_LON_LAT);
    let properties = &features[0].properties;
    assert_eq!(properties["name"], json!("A"));
    assert_eq!(properties["kv"], json!(115), "whole numerics stay integers");
    assert_eq!(properties["share"], json!(0.25));
    assert_eq!(properties["active"], json!(true));
    assert_eq!(features[1].properties["name"], Value::Null);
}

#[test]
fn shapefile_polygons_keep_holes_and_polylines_read_as_lines() {
    let dir = tempfile::tempdir().unwrap();
    let polygons = dir.path().join("parcels.shp");
    let shape_ring = |l: &LineString| {
        l.coords()
            .map(|c| shapefile::Point::new(c.x, c.y))
            .collect::<Vec<_>>()
    };
    let polygon = holed_square();
    // Shapefile rings: outer clockwise, holes counter-clockwise.
    let mut outer = shape_ring(polygon.exterior());
    outer.reverse();
    let hole = shape_ring(&polygon.interiors()[0]);
    let shape = shapefile::Polygon::with_rings(vec![
        shapefile::PolygonRing::Outer(outer),
        shapefile::PolygonRing::Inner(hole),
    ]);
    write_shapefile(
        &polygons,
        vec![(shape, dbf_record(Some("P"), 0.0, 1.0, true))],
    );
    let features = read_source(&spec(&polygons, SourceFormat::Shapefile)).unwrap();
    let Geometry::Polygon(read) = &features[0].geometry else {
        panic!("not a polygon: {:?}", features[0].geometry)
    };
    assert_eq!(read.interiors().len(), 1);
    assert!((read.unsigned_area() - polygon.unsigned_area()).abs() < 1e-12);

    let lines = dir.path().join("fiber.shp");
    let line = shapefile::Polyline::new(vec![
        shapefile::Point::new(-121.0, 38.0),
        shapefile::Point::new(-120.0, 39.0),
    ]);
    write_shapefile(&lines, vec![(line, dbf_record(Some("L"), 0.0, 1.0, true))]);
    let features = read_source(&spec(&lines, SourceFormat::Shapefile)).unwrap();
    assert_eq!(
        features[0].geometry,
        Geometry::LineString(LineString::from(vec![(-121.0, 38.0), (-120.0, 39.0)]))
    );
}

#[test]
fn shapefile_in_utm_with_crs_is_reprojected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("utm.shp");
    let (x, y) = SACRAMENTO_32610;
    write_shapefile(
        &path,
        vec![(
            shapefile::Point::new(x, y),
            dbf_record(Some("U"), 0.0, 0.0, true),
        )],
    );
    let features = read_source(&with_crs(
        spec(&path, SourceFormat::Shapefile),
        "EPSG:32610",
    ))
    .unwrap();
    assert_close(point_of(&features[0]), SACRAMENTO_LON_LAT);
}

// --- FlatGeobuf ------------------------------------------------------------------------------

fn write_fgb(path: &Path, crs_code: i32, features: &[(Geometry, Option<&str>, i32)]) {
    use flatgeobuf::{ColumnType, FgbCrs, FgbWriter, FgbWriterOptions, GeometryType};
    use geozero::{ColumnValue, PropertyProcessor};
    // Unknown geometry type with detection off: each feature keeps its own type.
    let options = FgbWriterOptions {
        write_index: false,
        detect_type: false,
        promote_to_multi: false,
        crs: FgbCrs {
            code: crs_code,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut fgb = FgbWriter::create_with_options("sites", GeometryType::Unknown, options).unwrap();
    fgb.add_column("name", ColumnType::String, |_, _| {});
    fgb.add_column("units", ColumnType::Int, |_, _| {});
    for (geometry, name, units) in features {
        fgb.add_feature_geom(geometry.clone(), |feature| {
            if let Some(name) = name {
                feature
                    .property(0, "name", &ColumnValue::String(name))
                    .unwrap();
            }
            feature
                .property(1, "units", &ColumnValue::Int(*units))
                .unwrap();
        })
        .unwrap();
    }
    fgb.write(std::fs::File::create(path).unwrap()).unwrap();
}

#[test]
fn flatgeobuf_geometries_and_typed_properties() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sites.fgb");
    let point = Geometry::Point(Point::new(-121.5, 38.5));
    let polygon = Geometry::Polygon(holed_square());
    write_fgb(
        &path,
        4326,
        &[(point.clone(), Some("A"), 3), (polygon.clone(), None, 4)],
    );
    let features = read_source(&spec(&path, SourceFormat::FlatGeobuf)).unwrap();
    assert_eq!(features.len(), 2);
    assert_eq!(features[0].geometry, point);
    assert_eq!(features[1].geometry, polygon);
    assert_eq!(features[0].properties["name"], json!("A"));
    assert_eq!(features[0].properties["units"], json!(3));
    assert_eq!(
        features[1].properties["name"],
        Value::Null,
        "a left-out column is null"
    );
}

#[test]
fn flatgeobuf_header_crs_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("albers.fgb");
    let (x, y) = SACRAMENTO_3310;
    write_fgb(
        &path,
        3310,
        &[(Geometry::Point(Point::new(x, y)), Some("S"), 1)],
    );
    let features = read_source(&spec(&path, SourceFormat::FlatGeobuf)).unwrap();
    assert_close(point_of(&features[0]), SACRAMENTO_LON_LAT);
}

// --- CSV -------------------------------------------------------------------------------------

fn csv_spec(path: &Path, x: &str, y: &str) -> SourceSpec {
    let mut spec = spec(path, SourceFormat::Csv);
    spec.x_field = Some(x.into());
    spec.y_field = Some(y.into());
    spec
}

#[test]
fn csv_rows_become_points_with_typed_properties() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sites.csv");
    std::fs::write(
        &path,
        "name,lon,lat,capacity_mw,zip,note\n\
         \"Alpha, North\",-121.5,38.5,120,01234,\n\
         Beta, -121.4 ,38.6,75.5,95814,hello\n",
    )
    .unwrap();
    let features = read_source(&csv_spec(&path, "lon", "lat")).unwrap();
    assert_eq!(features.len(), 2);
    assert_close(point_of(&features[0]), SACRAMENTO_LON_LAT);
    assert_close(point_of(&features[1]), (-121.4, 38.6));
    let first = &features[0].properties;
    assert_eq!(first["name"], json!("Alpha, North"));
    assert_eq!(first["capacity_mw"], json!(120));
    assert_eq!(
        first["zip"],
        json!("01234"),
        "leading zeros mark an identifier"
    );
    assert_eq!(first["note"], Value::Null);
    assert!(!first.contains_key("lon") && !first.contains_key("lat"));
    let second = &features[1].properties;
    assert_eq!(second["capacity_mw"], json!(75.5));
    assert_eq!(second["zip"], json!(95814));
    assert_eq!(second["note"], json!("hello"));
}

#[test]
fn csv_in_epsg_3310_lowercase_is_reprojected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("albers.csv");
    let (x, y) = SACRAMENTO_3310;
    std::fs::write(&path, format!("id,x,y\n1,0,-4000000\n2,{x},{y}\n")).unwrap();
    let features = read_source(&with_crs(csv_spec(&path, "x", "y"), "epsg:3310")).unwrap();
    assert_close(point_of(&features[0]), (-120.0, 0.0));
    assert_close(point_of(&features[1]), SACRAMENTO_LON_LAT);
}

// --- Errors ----------------------------------------------------------------------------------

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    for format in [
        SourceFormat::GeoJson,
        SourceFormat::Gpkg,
        SourceFormat::Shapefile,
        SourceFormat::FlatGeobuf,
        SourceFormat::Csv,
    ] {
        let path = dir.path().join("absent.file");
        let (error, text) = message(read_source(&spec(&path, format)));
        assert!(
            matches!(error, SourceError::Io { .. }),
            "{format:?}: {error:?}"
        );
        assert!(text.contains("absent.file"), "{text}");
        assert!(
            !path.exists(),
            "{format:?}: reading must not create the file"
        );
    }
}

#[test]
fn wrong_format_says_what_the_file_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sites.geojson");
    std::fs::write(&path, r#"{"type": "FeatureCollection", "features": []}"#).unwrap();
    for (format, name) in [
        (SourceFormat::Gpkg, "GeoPackage"),
        (SourceFormat::Shapefile, "Shapefile"),
        (SourceFormat::FlatGeobuf, "FlatGeobuf"),
    ] {
        let (error, text) = message(read_source(&spec(&path, format)));
        assert!(
            matches!(error, SourceError::Format { .. }),
            "{format:?}: {error:?}"
        );
        assert!(text.contains(&format!("not a {name} file")), "{text}");
        assert!(text.contains("sites.geojson"), "{text}");
    }
    let gpkg = dir.path().join("sites.gpkg");
    gpkg_with_point(&gpkg);
    let (error, text) = message(read_source(&spec(&gpkg, SourceFormat::GeoJson)));
    assert!(matches!(error, SourceError::Format { .. }), "{error:?}");
    assert!(text.contains("not a GeoJSON file"), "{text}");
}

fn gpkg_with_point(path: &Path) {
    let connection = gpkg(path, &[("sites", 4326)]);
    let point = Geometry::Point(Point::new(-121.5, 38.5));
    insert_row(
        &connection,
        "sites",
        &gp_blob(true, 4326, None, &wkb(true, &point)),
        None,
    );
}

#[test]
fn unknown_crs_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sites.gpkg");
    gpkg_with_point(&path);
    for crs in ["EPSG:999999", "EPSG:1234", "California Albers"] {
        let (error, text) = message(read_source(&with_crs(spec(&path, SourceFormat::Gpkg), crs)));
        assert!(
            matches!(error, SourceError::UnknownCrs { .. }),
            "{crs}: {error:?}"
        );
        assert!(text.contains(crs), "{text}");
    }
}

#[test]
fn projected_coordinates_without_crs_are_caught() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("albers.csv");
    std::fs::write(&path, "id,x,y\n1,-130662.2,54796.4\n").unwrap();
    let (error, text) = message(read_source(&csv_spec(&path, "x", "y")));
    assert!(
        matches!(error, SourceError::Feature { index: 0, .. }),
        "{error:?}"
    );
    assert!(text.contains("crs"), "{text}");
}

#[test]
fn csv_missing_column_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sites.csv");
    std::fs::write(&path, "name,longitude,latitude\nA,-121.5,38.5\n").unwrap();
    let (error, text) = message(read_source(&csv_spec(&path, "longitude", "lat")));
    assert!(
        matches!(&error, SourceError::MissingColumn { column, .. } if column == "lat"),
        "{error:?}"
    );
    assert!(
        text.contains("\"lat\"") && text.contains("latitude"),
        "{text}"
    );

    let (error, _) = message(read_source(&spec(&path, SourceFormat::Csv)));
    assert!(matches!(error, SourceError::Spec { .. }), "{error:?}");
}

#[test]
fn csv_non_numeric_coordinate_names_file_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sites.csv");
    std::fs::write(&path, "name,lon,lat\nA,-121.5,38.5\nB,west,38.6\n").unwrap();
    let (error, text) = message(read_source(&csv_spec(&path, "lon", "lat")));
    assert!(
        matches!(error, SourceError::Feature { index: 1, .. }),
        "{error:?}"
    );
    for part in ["sites.csv", "row 2", "line 3", "\"lon\"", "\"west\""] {
        assert!(text.contains(part), "{part} not in {text}");
    }
}

// --- The real data ---------------------------------------------------------------------------

fn substation_id(feature: &SourceFeature) -> String {
    match &feature.properties["Substation_ID"] {
        Value::String(id) => id.clone(),
        other => panic!("feature {}: Substation_ID is {other}", feature.index),
    }
}

/// Every substation of the WGS84 GeoJSON lies within 1 m of the statewide EPSG:3310
/// GeoPackage's substation with the same id, reprojected here. An id names more than one
/// station now and then (SS3523), so each is matched to the nearest of its namesakes.
#[test]
fn cec_substations_gpkg_reprojected_matches_the_wgs84_geojson_within_a_metre() {
    let gpkg = read_source(&spec(
        &source("california/cec_substations_statewide_epsg3310.gpkg"),
        SourceFormat::Gpkg,
    ))
    .unwrap();
    assert_eq!(gpkg.len(), 3261);
    let geojson = read_source(&spec(
        &source("california/sacramento_substations.geojson"),
        SourceFormat::GeoJson,
    ))
    .unwrap();
    assert_eq!(geojson.len(), 280);

    let mut by_id: HashMap<String, Vec<Point>> = HashMap::new();
    for feature in &gpkg {
        by_id
            .entry(substation_id(feature))
            .or_default()
            .push(Point(point_of(feature)));
    }
    let mut max_m: f64 = 0.0;
    for feature in &geojson {
        let id = substation_id(feature);
        let here = Point(point_of(feature));
        let nearest_m = by_id
            .get(&id)
            .unwrap_or_else(|| panic!("{id} is not in the GeoPackage"))
            .iter()
            .map(|p| Haversine.distance(here, *p))
            .fold(f64::INFINITY, f64::min);
        assert!(
            nearest_m <= 1.0,
            "{id} is {nearest_m:.3} m from the GeoPackage's"
        );
        max_m = max_m.max(nearest_m);
    }
    println!("280 substations matched; max distance {max_m:.4} m");
}

#[test]
fn csv_header_names_are_trimmed_once_and_must_be_unique() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("padded.csv");
    std::fs::write(&path, "id, name , lon, lat\n1,Alpha,-121.5,38.5\n").unwrap();
    let features = read_source(&csv_spec(&path, "lon", "lat")).unwrap();
    assert_eq!(features[0].properties["name"], json!("Alpha"));
    let twice = dir.path().join("twice.csv");
    std::fs::write(&twice, "id,lon,lat,id\n1,-121.5,38.5,2\n").unwrap();
    let error = read_source(&csv_spec(&twice, "lon", "lat")).unwrap_err();
    assert!(
        error.to_string().contains("\"id\" appears twice"),
        "{error}"
    );
}
