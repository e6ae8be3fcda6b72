//! Which source features a recipe keeps: its `where` entries (a field equals a value, or any
//! of a list) and its `geometry` kinds. Takes a feature's properties or geometry; gives
//! whether it is kept. A `where` field no feature has is an error, not an empty layer.

use std::collections::BTreeMap;
use std::path::Path;

use geo::Geometry;
use geojson::JsonObject;
use serde_json::Value;

use super::error::ImportError;
use super::recipe::GeometryKind;
use crate::sources::SourceFeature;

/// A `where` field that no feature of the source has is a typo, not a filter that keeps
/// nothing: an error naming the field and the fields the source has.
pub fn check_filter_fields(
    recipe: &Path,
    layer: &'static str,
    file: &Path,
    filter: &BTreeMap<String, Value>,
    features: &[SourceFeature],
) -> Result<(), ImportError> {
    let has = |field: &str| features.iter().any(|f| f.properties.contains_key(field));
    match filter.keys().find(|field| !has(field)) {
        None => Ok(()),
        Some(field) => {
            let mut available: Vec<&str> = (features.iter())
                .flat_map(|f| f.properties.keys().map(String::as_str))
                .collect();
            available.sort_unstable();
            available.dedup();
            Err(ImportError::UnknownFilterField {
                recipe: recipe.to_path_buf(),
                layer,
                file: file.to_path_buf(),
                field: field.clone(),
                available: available.join(", "),
            })
        }
    }
}

/// Whether a feature's properties match every `where` entry (an array matches any of its
/// values; numbers compare as numbers, so `v_nom_kv = 154` matches `154.0` and `"154"`).
pub fn matches_filter(filter: &BTreeMap<String, Value>, properties: &JsonObject) -> bool {
    filter.iter().all(|(field, wanted)| {
        let Some(value) = properties.get(field) else {
            return false;
        };
        match wanted {
            Value::Array(any) => any.iter().any(|w| same_value(w, value)),
            one => same_value(one, value),
        }
    })
}

fn same_value(wanted: &Value, value: &Value) -> bool {
    match (number_of(wanted), number_of(value)) {
        (Some(a), Some(b)) => a == b,
        _ => match (wanted, value) {
            (Value::String(a), Value::String(b)) => a.trim() == b.trim(),
            (a, b) => a == b,
        },
    }
}

fn number_of(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The recipe's kind of a geometry (`point`, `line`, `polygon`); none for a collection.
pub(super) fn kind_of(geometry: &Geometry) -> Option<GeometryKind> {
    use Geometry as G;
    match geometry {
        G::Point(_) | G::MultiPoint(_) => Some(GeometryKind::Point),
        G::Line(_) | G::LineString(_) | G::MultiLineString(_) => Some(GeometryKind::Line),
        G::Polygon(_) | G::MultiPolygon(_) | G::Rect(_) | G::Triangle(_) => {
            Some(GeometryKind::Polygon)
        }
        G::GeometryCollection(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_compare_numbers_as_numbers() {
        let props: JsonObject =
            serde_json::from_str(r#"{"v": 154.0, "kind": "bus"}"#).unwrap_or_default();
        let filter = |k: &str, v: Value| std::iter::once((k.to_string(), v)).collect();
        assert!(matches_filter(&filter("v", Value::from(154)), &props));
        assert!(matches_filter(&filter("v", Value::from("154")), &props));
        assert!(matches_filter(
            &filter("kind", serde_json::json!(["pop", "bus"])),
            &props
        ));
        assert!(!matches_filter(&filter("kind", Value::from("pop")), &props));
        assert!(!matches_filter(
            &filter("absent", Value::from("pop")),
            &props
        ));
    }
}
