//! `<layer>.parquet` (`--parquet`): each output layer as GeoParquet 1.1, what Python users
//! (geopandas, DuckDB, NREL's reVeal) exchange.
//!
//! One file a layer of [`OUTPUT_LAYERS`](super::layers::OUTPUT_LAYERS), written with the Apache
//! Arrow project's `parquet` and `arrow-array` crates: one row a feature, in the GeoJSON's
//! order; a `geometry` column of WKB (a Polygon as a one-part MultiPolygon; geozero's encoder,
//! as for `plan.gpkg`); one column a property ([`LayerSpec::columns_of`]: numbers float64,
//! strings utf8, booleans bool, arrays and objects utf8 holding compact JSON, mixed kinds
//! utf8), nullable; and each row's box, the `bbox` struct column GeoParquet 1.1 names as the
//! geometry's `covering`. The file's key-value metadata (and the embedded Arrow schema's)
//! holds `geo` ([`GeoMetadata`]): version
//! 1.1.0, the primary column, its encoding, the geometry types present, the CRS (OGC:CRS84,
//! longitude/latitude on WGS 84, as PROJJSON) and the layer's bounding box. Rows go in row
//! groups of [`ROWS_PER_GROUP`], so a county's 400,000 parcels never sit in memory at once.
//! Uncompressed (no codec to build or to disagree on); like every output, built under a
//! temporary name and renamed, the same bytes for the same plan.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::builder::{BinaryBuilder, BooleanBuilder, Float64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch, StructArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use geo::BoundingRect;
use geozero::{CoordDimensions, ToWkb};
use parquet::arrow::ArrowWriter;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use serde::Serialize;
use serde_json::Value;

use super::layers::{ColumnKind, Columns, GeometryKind, LayerSpec, OutputLayer};
use crate::files::WriteError;

/// Rows written together (a Parquet row group).
pub const ROWS_PER_GROUP: usize = 65_536;

/// The geometry column's name (GeoParquet's `primary_column`).
const GEOMETRY_COLUMN: &str = "geometry";

/// The per-row bounding box column (GeoParquet 1.1's `covering`): a struct of `xmin`, `ymin`,
/// `xmax`, `ymax`, which readers (GDAL, DuckDB) filter row groups by without decoding WKB.
const BBOX_COLUMN: &str = "bbox";
const BBOX_FIELDS: [&str; 4] = ["xmin", "ymin", "xmax", "ymax"];

fn bbox_fields() -> arrow_schema::Fields {
    (BBOX_FIELDS.iter())
        .map(|name| Field::new(*name, DataType::Float64, false))
        .collect()
}

/// GeoParquet's file metadata, the `geo` key.
#[derive(Debug, Serialize)]
pub struct GeoMetadata {
    pub version: &'static str,
    pub primary_column: &'static str,
    pub columns: BTreeMap<&'static str, GeoColumn>,
}

/// One geometry column's GeoParquet metadata.
#[derive(Debug, Serialize)]
pub struct GeoColumn {
    pub encoding: &'static str,
    /// The geometry types present, by their OGC names.
    pub geometry_types: Vec<&'static str>,
    /// PROJJSON of OGC:CRS84.
    pub crs: Value,
    /// [min x, min y, max x, max y], absent for an empty layer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bbox: Option<[f64; 4]>,
    /// Where each row's box is: `{"bbox": {"xmin": ["bbox", "xmin"], ...}}`.
    pub covering: BTreeMap<&'static str, BTreeMap<&'static str, [&'static str; 2]>>,
}

/// The `covering` of the geometry column: the [`BBOX_COLUMN`]'s fields.
fn covering() -> BTreeMap<&'static str, BTreeMap<&'static str, [&'static str; 2]>> {
    let fields = BBOX_FIELDS.map(|f| (f, [BBOX_COLUMN, f]));
    BTreeMap::from([(BBOX_COLUMN, BTreeMap::from(fields))])
}

/// OGC:CRS84 (WGS 84, longitude then latitude) as PROJJSON, as PROJ describes it.
fn crs84() -> Value {
    serde_json::json!({
        "$schema": "https://proj.org/schemas/v0.5/projjson.schema.json",
        "type": "GeographicCRS",
        "name": "WGS 84 (CRS84)",
        "datum": {
            "type": "GeodeticReferenceFrame",
            "name": "World Geodetic System 1984",
            "ellipsoid": {
                "name": "WGS 84",
                "semi_major_axis": 6378137,
                "inverse_flattening": 298.257223563
            }
        },
        "coordinate_system": {
            "subtype": "ellipsoidal",
            "axis": [
                {"name": "Geodetic longitude", "abbreviation": "Lon", "direction": "east", "unit": "degree"},
                {"name": "Geodetic latitude", "abbreviation": "Lat", "direction": "north", "unit": "degree"}
            ]
        },
        "id": {"authority": "OGC", "code": "CRS84"}
    })
}

/// What the first pass learns of a layer: its columns, its geometry types and its extent.
struct Survey {
    columns: Columns,
    types: Vec<&'static str>,
    bbox: Option<[f64; 4]>,
}

/// Writes `<name>.parquet` into `out` for each layer; `layers` must give the same layers each
/// time it is called (it is called twice: the schema and `geo` metadata, then the rows).
pub fn write_parquet<'a>(
    out: &std::path::Path,
    layers: impl Fn() -> Vec<OutputLayer<'a>>,
) -> Result<(), WriteError> {
    let mut surveys = Vec::new();
    for layer in layers() {
        let spec = layer.spec();
        let mut types: Vec<&'static str> = Vec::new();
        let mut bbox: Option<[f64; 4]> = None;
        let mut failure = None;
        let features = layer.features.inspect(|f| match geometry_of(spec, f) {
            Ok(g) => {
                let name = type_name(&g);
                if !types.contains(&name) {
                    types.push(name);
                }
                if let Some(r) = g.bounding_rect() {
                    let [x0, y0, x1, y1] = bbox.unwrap_or([f64::MAX, f64::MAX, f64::MIN, f64::MIN]);
                    bbox = Some([
                        x0.min(r.min().x),
                        y0.min(r.min().y),
                        x1.max(r.max().x),
                        y1.max(r.max().y),
                    ]);
                }
            }
            Err(e) => {
                failure.get_or_insert(e);
            }
        });
        let columns = spec.columns_of(features);
        if let Some(e) = failure {
            return Err(WriteError {
                path: out.join(format!("{}.parquet", spec.name)),
                source: e,
            });
        }
        types.sort_unstable();
        surveys.push(Survey {
            columns,
            types,
            bbox,
        });
    }
    for (layer, survey) in layers().into_iter().zip(&surveys) {
        let spec = layer.spec();
        let path = out.join(format!("{}.parquet", spec.name));
        crate::files::write_atomically(&path, |w| write_layer(spec, survey, layer, w))?;
    }
    Ok(())
}

/// A feature's geometry as the layer stores it (a Polygon as a one-part MultiPolygon).
fn geometry_of(spec: &LayerSpec, feature: &geojson::Feature) -> std::io::Result<geo::Geometry> {
    let error = |e: String| std::io::Error::other(format!("layer {}: {e}", spec.name));
    let geometry =
        (feature.geometry.as_ref()).ok_or_else(|| error("a feature without geometry".into()))?;
    let geometry =
        geo::Geometry::<f64>::try_from(geometry.value.clone()).map_err(|e| error(e.to_string()))?;
    Ok(match (spec.geometry, geometry) {
        (GeometryKind::MultiPolygon, geo::Geometry::Polygon(p)) => {
            geo::Geometry::MultiPolygon(geo::MultiPolygon(vec![p]))
        }
        (_, g) => g,
    })
}

fn type_name(geometry: &geo::Geometry) -> &'static str {
    match geometry {
        geo::Geometry::Point(_) => "Point",
        geo::Geometry::LineString(_) | geo::Geometry::Line(_) => "LineString",
        geo::Geometry::Polygon(_) | geo::Geometry::Rect(_) | geo::Geometry::Triangle(_) => {
            "Polygon"
        }
        geo::Geometry::MultiPoint(_) => "MultiPoint",
        geo::Geometry::MultiLineString(_) => "MultiLineString",
        geo::Geometry::MultiPolygon(_) => "MultiPolygon",
        geo::Geometry::GeometryCollection(_) => "GeometryCollection",
    }
}

fn data_type(kind: ColumnKind) -> DataType {
    match kind {
        ColumnKind::Real => DataType::Float64,
        ColumnKind::Boolean => DataType::Boolean,
        ColumnKind::Null | ColumnKind::Text | ColumnKind::Json | ColumnKind::Mixed => {
            DataType::Utf8
        }
    }
}

fn parquet_error(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(format!("GeoParquet: {e}"))
}

/// One layer, whole, into `out`.
fn write_layer(
    spec: &LayerSpec,
    survey: &Survey,
    layer: OutputLayer,
    out: &mut (impl std::io::Write + Send),
) -> std::io::Result<()> {
    let mut fields = vec![
        Field::new(GEOMETRY_COLUMN, DataType::Binary, false),
        Field::new(BBOX_COLUMN, DataType::Struct(bbox_fields()), false),
    ];
    for (name, kind) in &survey.columns {
        if name == GEOMETRY_COLUMN || name == BBOX_COLUMN {
            return Err(parquet_error(format!(
                "layer {}: property {name:?} clashes with the geometry or bbox column",
                spec.name
            )));
        }
        fields.push(Field::new(name, data_type(*kind), true));
    }
    let geo = GeoMetadata {
        version: "1.1.0",
        primary_column: GEOMETRY_COLUMN,
        columns: BTreeMap::from([(
            GEOMETRY_COLUMN,
            GeoColumn {
                encoding: "WKB",
                geometry_types: survey.types.clone(),
                crs: crs84(),
                bbox: survey.bbox,
                covering: covering(),
            },
        )]),
    };
    let geo = serde_json::to_string(&geo).map_err(parquet_error)?;
    // In the file's key-value metadata, where GeoParquet puts it (DuckDB and GDAL read it
    // there), and in the embedded Arrow schema's, which pyarrow and geopandas rebuild their
    // schema from (the writer copies schema metadata only into that embedded schema).
    let metadata = std::collections::HashMap::from([("geo".to_string(), geo.clone())]);
    let schema: SchemaRef = Arc::new(Schema::new_with_metadata(fields, metadata));
    let properties = WriterProperties::builder()
        .set_key_value_metadata(Some(vec![KeyValue::new("geo".to_string(), geo)]))
        .set_max_row_group_row_count(Some(ROWS_PER_GROUP))
        .build();
    let mut writer =
        ArrowWriter::try_new(out, schema.clone(), Some(properties)).map_err(parquet_error)?;
    let mut features = layer.features.peekable();
    loop {
        let group: Vec<geojson::Feature> = features.by_ref().take(ROWS_PER_GROUP).collect();
        if group.is_empty() && features.peek().is_none() {
            break;
        }
        let batch = record_batch(spec, &schema, &survey.columns, &group)?;
        writer.write(&batch).map_err(parquet_error)?;
    }
    writer.close().map_err(parquet_error)?;
    Ok(())
}

/// Some rows as Arrow arrays.
fn record_batch(
    spec: &LayerSpec,
    schema: &SchemaRef,
    columns: &Columns,
    features: &[geojson::Feature],
) -> std::io::Result<RecordBatch> {
    let mut geometries = BinaryBuilder::new();
    let mut corners: [Float64Builder; 4] = Default::default();
    for feature in features {
        let geometry = geometry_of(spec, feature)?;
        let rect = geometry
            .bounding_rect()
            .ok_or_else(|| parquet_error(format!("layer {}: an empty geometry", spec.name)))?;
        let values = [rect.min().x, rect.min().y, rect.max().x, rect.max().y];
        for (builder, v) in corners.iter_mut().zip(values) {
            builder.append_value(v);
        }
        let wkb = geometry
            .to_wkb(CoordDimensions::xy())
            .map_err(parquet_error)?;
        geometries.append_value(wkb);
    }
    let corners: Vec<ArrayRef> = (corners.iter_mut())
        .map(|b| Arc::new(b.finish()) as ArrayRef)
        .collect();
    let bbox = StructArray::try_new(bbox_fields(), corners, None).map_err(parquet_error)?;
    let mut arrays: Vec<ArrayRef> = vec![Arc::new(geometries.finish()), Arc::new(bbox)];
    for (name, kind) in columns {
        let values = features
            .iter()
            .map(|f| f.property(name).unwrap_or(&Value::Null));
        arrays.push(column_array(*kind, values));
    }
    RecordBatch::try_new(schema.clone(), arrays).map_err(parquet_error)
}

/// One column's values as an Arrow array of its kind (nulls as nulls).
fn column_array<'v>(kind: ColumnKind, values: impl Iterator<Item = &'v Value>) -> ArrayRef {
    match kind {
        ColumnKind::Real => {
            let mut b = Float64Builder::new();
            values.for_each(|v| b.append_option(v.as_f64()));
            Arc::new(b.finish())
        }
        ColumnKind::Boolean => {
            let mut b = BooleanBuilder::new();
            values.for_each(|v| b.append_option(v.as_bool()));
            Arc::new(b.finish())
        }
        ColumnKind::Null | ColumnKind::Text | ColumnKind::Json | ColumnKind::Mixed => {
            let mut b = StringBuilder::new();
            for v in values {
                match v {
                    Value::Null => b.append_null(),
                    Value::String(s) => b.append_value(s),
                    other => b.append_value(other.to_string()),
                }
            }
            Arc::new(b.finish())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;
    use serde_json::json;

    #[test]
    fn columns_keep_nulls_and_write_arrays_as_json_text() {
        let values = [json!(["S1", "S2"]), Value::Null, json!("a")];
        let array = column_array(ColumnKind::Json, values.iter());
        let strings = array
            .as_any()
            .downcast_ref::<arrow_array::StringArray>()
            .unwrap();
        assert_eq!(strings.value(0), r#"["S1","S2"]"#);
        assert!(strings.is_null(1));
        assert_eq!(strings.value(2), "a");
        let numbers = column_array(ColumnKind::Real, [json!(2.5), Value::Null].iter());
        assert_eq!(numbers.null_count(), 1);
    }

    #[test]
    fn the_metadata_names_crs84_and_omits_the_box_of_an_empty_layer() {
        let column = GeoColumn {
            encoding: "WKB",
            geometry_types: vec![],
            crs: crs84(),
            bbox: None,
            covering: covering(),
        };
        let text = serde_json::to_value(&column).unwrap();
        assert_eq!(text["crs"]["id"]["code"], "CRS84");
        assert!(text.get("bbox").is_none());
    }
}
