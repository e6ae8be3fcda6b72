//! `<layer>.fgb` (`--fgb`): each output layer as FlatGeobuf, the streaming format QGIS and GDAL
//! open with its built-in spatial index.
//!
//! One file a layer of [`OUTPUT_LAYERS`](super::layers::OUTPUT_LAYERS), written with the
//! `flatgeobuf` crate (the format's reference Rust implementation, already this project's
//! reader): the layer's geometry type (a Polygon as a one-part MultiPolygon; the network's
//! lines as LineStrings where each has one part, see [`Shape::geometry_type`]), CRS EPSG:4326, and a packed Hilbert
//! R-tree, the features in its order (none in an empty layer: readers refuse an index of no
//! items). The columns are the GeoJSON's properties
//! ([`LayerSpec::columns_of`](super::layers::LayerSpec::columns_of)): numbers Double, strings
//! String, booleans Bool, arrays and objects Json (compact JSON text), mixed kinds String; a
//! null is a property left out, as FlatGeobuf writes it. Like every output, a file is built
//! under a temporary name and renamed; the same layers give the same bytes.

use flatgeobuf::{ColumnType, FgbCrs, FgbWriter, FgbWriterOptions, GeometryType};
use geozero::{ColumnValue, PropertyProcessor};
use serde_json::Value;

use super::layers::{ColumnKind, Columns, GeometryKind, LayerSpec, OutputLayer};
use crate::files::WriteError;

/// The EPSG code of every layer: WGS84 longitude/latitude.
const EPSG: i32 = 4326;

/// Writes `<name>.fgb` into `out` for each layer; `layers` must give the same layers each
/// time it is called (it is called twice: columns, then features).
pub fn write_fgb<'a>(
    out: &std::path::Path,
    layers: impl Fn() -> Vec<OutputLayer<'a>>,
) -> Result<(), WriteError> {
    let schemas: Vec<(Columns, Shape)> = (layers().into_iter())
        .map(|layer| {
            let mut shape = Shape::default();
            let features = layer.features.inspect(|f| shape.add(f));
            (layer.kind.spec().columns_of(features), shape)
        })
        .collect();
    for (layer, (columns, shape)) in layers().into_iter().zip(&schemas) {
        let spec = layer.spec();
        let path = out.join(format!("{}.fgb", spec.name));
        let geometry = shape.geometry_type(spec.geometry);
        // An empty layer has no index: readers refuse an index of no items.
        let indexed = shape.features > 0;
        crate::files::write_atomically(&path, |w| {
            write_layer(spec, columns, geometry, indexed, layer, w)
        })?;
    }
    Ok(())
}

/// What the first pass learns of a layer's features: how many, and for lines whether some
/// have one part and some several.
#[derive(Debug, Default)]
struct Shape {
    features: usize,
    one_part_lines: bool,
    multi_part_lines: bool,
}

impl Shape {
    fn add(&mut self, feature: &geojson::Feature) {
        self.features += 1;
        match feature.geometry.as_ref().map(|g| &g.value) {
            Some(geojson::GeometryValue::LineString { .. }) => self.one_part_lines = true,
            Some(geojson::GeometryValue::MultiLineString { coordinates })
                if coordinates.len() == 1 =>
            {
                self.one_part_lines = true;
            }
            Some(geojson::GeometryValue::MultiLineString { .. }) => self.multi_part_lines = true,
            _ => {}
        }
    }

    /// The layer's declared geometry type. A MultiLineString layer is declared by its
    /// features: LineString when every line has one part, MultiLineString when every line has
    /// several, and mixed (Unknown) when both occur. The `flatgeobuf` crate writes a one-part
    /// MultiLineString without its `ends`, which GDAL 3.6 (QGIS 3.22's) cannot read
    /// ("MultiLineString ends data"), so one-part lines are always written as LineStrings.
    fn geometry_type(&self, kind: GeometryKind) -> GeometryType {
        match kind {
            GeometryKind::Point => GeometryType::Point,
            GeometryKind::LineString => GeometryType::LineString,
            GeometryKind::MultiPolygon => GeometryType::MultiPolygon,
            GeometryKind::MultiLineString => match (self.one_part_lines, self.multi_part_lines) {
                (true, true) => GeometryType::Unknown,
                (true, false) => GeometryType::LineString,
                _ => GeometryType::MultiLineString,
            },
        }
    }
}

fn column_type(kind: ColumnKind) -> ColumnType {
    match kind {
        ColumnKind::Real => ColumnType::Double,
        ColumnKind::Boolean => ColumnType::Bool,
        ColumnKind::Json => ColumnType::Json,
        ColumnKind::Null | ColumnKind::Text | ColumnKind::Mixed => ColumnType::String,
    }
}

fn fgb_error(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(format!("FlatGeobuf: {e}"))
}

/// One layer, whole, into `out`.
fn write_layer(
    spec: &LayerSpec,
    columns: &Columns,
    geometry_type: GeometryType,
    indexed: bool,
    layer: OutputLayer,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    let options = FgbWriterOptions {
        write_index: indexed,
        detect_type: false,
        promote_to_multi: false,
        crs: FgbCrs {
            code: EPSG,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut writer =
        FgbWriter::create_with_options(spec.name, geometry_type, options).map_err(fgb_error)?;
    for (name, kind) in columns {
        writer.add_column(name, column_type(*kind), |_, column| column.nullable = true);
    }
    for feature in layer.features {
        let geometry = feature
            .geometry
            .as_ref()
            .ok_or_else(|| fgb_error(format!("layer {}: a feature without geometry", spec.name)))?;
        let geometry = geo::Geometry::<f64>::try_from(geometry.value.clone()).map_err(fgb_error)?;
        let geometry = as_layer_type(spec.geometry, geometry);
        let mut failure = None;
        writer
            .add_feature_geom(geometry, |properties| {
                for (i, (name, kind)) in columns.iter().enumerate() {
                    let value = feature.property(name).unwrap_or(&Value::Null);
                    let result = match column_value(*kind, value) {
                        Some(Cell::Double(x)) => {
                            properties.property(i, name, &ColumnValue::Double(x))
                        }
                        Some(Cell::Bool(b)) => properties.property(i, name, &ColumnValue::Bool(b)),
                        Some(Cell::Json(text)) => {
                            properties.property(i, name, &ColumnValue::Json(&text))
                        }
                        Some(Cell::Text(text)) => {
                            properties.property(i, name, &ColumnValue::String(&text))
                        }
                        None => Ok(false),
                    };
                    if let Err(e) = result {
                        failure.get_or_insert(e);
                    }
                }
            })
            .map_err(fgb_error)?;
        if let Some(e) = failure {
            return Err(fgb_error(e));
        }
    }
    writer.write(out).map_err(fgb_error)
}

/// A geometry as its layer's declared type: a Polygon as a one-part MultiPolygon, a one-part
/// MultiLineString as its LineString (see [`Shape::geometry_type`]).
fn as_layer_type(kind: GeometryKind, geometry: geo::Geometry) -> geo::Geometry {
    match (kind, geometry) {
        (GeometryKind::MultiPolygon, geo::Geometry::Polygon(p)) => {
            geo::Geometry::MultiPolygon(geo::MultiPolygon(vec![p]))
        }
        (GeometryKind::MultiLineString, geo::Geometry::MultiLineString(mut m))
            if m.0.len() == 1 =>
        {
            geo::Geometry::LineString(m.0.remove(0))
        }
        (_, geometry) => geometry,
    }
}

/// A property's value as its column stores it.
enum Cell {
    Double(f64),
    Bool(bool),
    Json(String),
    Text(String),
}

/// A property's value in a column of this kind; None for a null (left out).
fn column_value(kind: ColumnKind, value: &Value) -> Option<Cell> {
    Some(match (kind, value) {
        (_, Value::Null) => return None,
        (ColumnKind::Mixed, Value::String(s)) => Cell::Text(s.clone()),
        (ColumnKind::Mixed, other) => Cell::Text(other.to_string()),
        (_, Value::Number(n)) => n
            .as_f64()
            .map_or_else(|| Cell::Text(n.to_string()), Cell::Double),
        (_, Value::Bool(b)) => Cell::Bool(*b),
        (_, Value::String(s)) => Cell::Text(s.clone()),
        (_, other) => Cell::Json(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_take_their_column_s_type_and_nulls_are_left_out() {
        assert!(column_value(ColumnKind::Real, &Value::Null).is_none());
        assert!(
            matches!(column_value(ColumnKind::Real, &json!(2.5)), Some(Cell::Double(x)) if x == 2.5)
        );
        assert!(
            matches!(column_value(ColumnKind::Json, &json!(["S1"])), Some(Cell::Json(t)) if t == r#"["S1"]"#)
        );
        assert!(
            matches!(column_value(ColumnKind::Mixed, &json!(3)), Some(Cell::Text(t)) if t == "3")
        );
        assert!(matches!(
            column_value(ColumnKind::Boolean, &json!(true)),
            Some(Cell::Bool(true))
        ));
        assert_eq!(column_type(ColumnKind::Null), ColumnType::String);
    }
}
