//! The output layers of `optimize`, described once ([`OUTPUT_LAYERS`]): each layer's name,
//! title, geometry, contract columns, features and default style. `*.geojson`, `plan.gpkg`,
//! `report.html` and the tests all iterate this list, so a layer added here is written, styled,
//! drawn and checked everywhere, and each output carries the same properties.

use geojson::Feature;
use serde_json::Value;

use super::gpkg_styles;
use super::outputs::{feed_features, line_features, site_features, substation_features};
use super::screening::{candidate_features, excluded_features};
use crate::grid::figures::GridReport;
use crate::outcome::Optimized;

/// Which layer of the plan, in the order files and tables list them (the order of
/// [`OUTPUT_LAYERS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LayerKind {
    Sites,
    Feeds,
    Substations,
    Lines,
    Excluded,
    Candidates,
}

/// The geometry every feature of a layer has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeometryKind {
    Point,
    LineString,
    /// Polygons and multi-polygons (a parcel may have several parts).
    MultiPolygon,
    /// Lines of the network: LineString or MultiLineString.
    MultiLineString,
}

/// The kind of a column's values: what a GIS format stores it as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Only nulls so far.
    Null,
    Real,
    Text,
    Boolean,
    /// Arrays and objects, as compact JSON text.
    Json,
    /// Values of several kinds, as text.
    Mixed,
}

impl ColumnKind {
    /// The kind of one value.
    pub fn of(value: &Value) -> ColumnKind {
        match value {
            Value::Null => ColumnKind::Null,
            Value::Bool(_) => ColumnKind::Boolean,
            Value::Number(_) => ColumnKind::Real,
            Value::String(_) => ColumnKind::Text,
            Value::Array(_) | Value::Object(_) => ColumnKind::Json,
        }
    }

    /// The kind of a column holding values of both kinds: nulls take the other's, two
    /// different kinds are text.
    pub fn merge(self, other: ColumnKind) -> ColumnKind {
        match (self, other) {
            (ColumnKind::Null, k) | (k, ColumnKind::Null) => k,
            (a, b) if a == b => a,
            _ => ColumnKind::Mixed,
        }
    }
}

/// A layer's columns (name, kind), in order.
pub type Columns = Vec<(String, ColumnKind)>;

/// A layer's features, streamed.
pub type Features<'a> = Box<dyn Iterator<Item = Feature> + 'a>;

/// One output layer, described: everything a writer, the page or a test needs to know of it.
pub struct LayerSpec {
    pub kind: LayerKind,
    /// Its GeoJSON file's stem and its GeoPackage table.
    pub name: &'static str,
    /// Its title on the page.
    pub title: &'static str,
    /// Whether `optimize` writes it as `<name>.geojson` (`candidates.geojson` is `check`'s;
    /// the GeoPackage holds every layer).
    pub optimize_geojson: bool,
    pub geometry: GeometryKind,
    /// The properties the contract (docs/contract.md, "Output") names for it, with their
    /// kinds: the columns of a layer without features, and the type of a column of nulls.
    pub columns: &'static [(&'static str, ColumnKind)],
    /// The property its default style classifies features by, where it has one.
    pub style_field: Option<&'static str>,
    /// Its default QGIS style, as QML ([`gpkg_styles`]).
    pub style_qml: fn() -> String,
    /// Its features for a result, or None where the result has no such layer (`lines` on a
    /// map without lines).
    features: for<'a> fn(&'a Optimized, &'a GridReport) -> Option<Features<'a>>,
}

impl LayerSpec {
    /// Its GeoJSON file's name.
    pub fn geojson_file(&self) -> String {
        format!("{}.geojson", self.name)
    }

    /// The columns of this layer's features: one a property, in the order of first
    /// appearance, each of the kind of all its values ([`ColumnKind::merge`]); the contract's
    /// columns for a layer without features, and the contract's kind for a column of nulls.
    pub fn columns_of(&self, features: impl Iterator<Item = Feature>) -> Columns {
        let mut columns: Columns = Vec::new();
        let mut any = false;
        for feature in features {
            any = true;
            for (key, value) in feature.properties.iter().flatten() {
                let kind = ColumnKind::of(value);
                match columns.iter_mut().find(|(name, _)| name == key) {
                    Some((_, known)) => *known = known.merge(kind),
                    None => columns.push((key.clone(), kind)),
                }
            }
        }
        if !any {
            columns = (self.columns.iter())
                .map(|&(name, kind)| (name.to_string(), kind))
                .collect();
        }
        for (name, kind) in &mut columns {
            if *kind == ColumnKind::Null
                && let Some(&(_, declared)) = self.columns.iter().find(|(n, _)| n == name)
            {
                *kind = declared;
            }
        }
        columns
    }
}

impl LayerKind {
    /// The layer's description in [`OUTPUT_LAYERS`].
    pub fn spec(self) -> &'static LayerSpec {
        &OUTPUT_LAYERS[self as usize]
    }

    /// The layer's name: its GeoJSON file's stem and its GeoPackage table.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn geometry(self) -> GeometryKind {
        self.spec().geometry
    }
}

/// Every output layer of `optimize`, in [`LayerKind`] order (a test checks the order).
pub const OUTPUT_LAYERS: [LayerSpec; 6] = {
    use ColumnKind::{Boolean as B, Json as J, Real as R, Text as T};
    [
        LayerSpec {
            kind: LayerKind::Sites,
            name: "sites",
            title: "Sites",
            optimize_geojson: true,
            geometry: GeometryKind::MultiPolygon,
            columns: &[
                ("parcel_id", T),
                ("community", T),
                ("mw", R),
                ("firm_mw", R),
                ("flexible_mw", R),
                ("acres", R),
                ("fiber_km", R),
                ("feeds", J),
                ("land_usd", R),
                ("fiber_usd", R),
                ("feed_usd", R),
                ("site_fixed_usd", R),
                ("total_usd", R),
            ],
            style_field: Some("mw"),
            style_qml: gpkg_styles::sites,
            features: sites,
        },
        LayerSpec {
            kind: LayerKind::Feeds,
            name: "feeds",
            title: "Feeds",
            optimize_geojson: true,
            geometry: GeometryKind::LineString,
            columns: &[
                ("parcel_id", T),
                ("substation_id", T),
                ("km", R),
                ("firm_mw", R),
                ("flexible_mw", R),
                ("usd", R),
            ],
            style_field: None,
            style_qml: gpkg_styles::feeds,
            features: feeds,
        },
        LayerSpec {
            kind: LayerKind::Substations,
            name: "substations",
            title: "Substations",
            optimize_geojson: true,
            geometry: GeometryKind::Point,
            columns: &[
                ("id", T),
                ("headroom_mw", R),
                ("reserved_mw", R),
                ("available_mw", R),
                ("used_firm_mw", R),
                ("used_flexible_mw", R),
                ("upgraded", B),
                ("utilization", R),
                ("queued_mw", R),
                // Null without a plan: declared, so the column is REAL/double either way.
                ("headroom_value_usd_per_mw", R),
            ],
            style_field: Some("utilization"),
            style_qml: gpkg_styles::substations,
            features: substations,
        },
        LayerSpec {
            kind: LayerKind::Lines,
            name: "lines",
            title: "Lines",
            optimize_geojson: true,
            geometry: GeometryKind::MultiLineString,
            columns: &[
                ("id", T),
                ("from", T),
                ("to", T),
                ("rating_mw", R),
                ("emergency_rating_mw", R),
                ("base_flow_mw", R),
                ("flow_mw", R),
                ("loading", R),
                ("worst_outage", T),
                ("outage_loading", R),
                ("preexisting_violation", B),
                // Null without a plan: declared, so the column is REAL/double either way.
                ("rating_value_usd_per_mw", R),
            ],
            style_field: Some("loading"),
            style_qml: gpkg_styles::lines,
            features: lines,
        },
        LayerSpec {
            kind: LayerKind::Excluded,
            name: "excluded",
            title: "Excluded parcels",
            optimize_geojson: true,
            geometry: GeometryKind::MultiPolygon,
            columns: &[("parcel_id", T), ("reason", T), ("detail", T)],
            style_field: Some("reason"),
            style_qml: gpkg_styles::excluded,
            features: excluded,
        },
        LayerSpec {
            kind: LayerKind::Candidates,
            name: "candidates",
            title: "Candidates",
            optimize_geojson: false,
            geometry: GeometryKind::MultiPolygon,
            columns: &[
                ("parcel_id", T),
                ("community", T),
                ("zoning", T),
                ("acres", R),
                ("fiber_km", R),
                ("max_mw", R),
                ("feeds", J),
                ("feed_km", J),
            ],
            style_field: None,
            style_qml: gpkg_styles::candidates,
            features: candidates,
        },
    ]
};

fn sites<'a>(optimized: &'a Optimized, _: &'a GridReport) -> Option<Features<'a>> {
    let map = &optimized.prepared.map;
    Some(Box::new(site_features(map, &optimized.plan)))
}

fn feeds<'a>(optimized: &'a Optimized, _: &'a GridReport) -> Option<Features<'a>> {
    let map = &optimized.prepared.map;
    Some(Box::new(feed_features(map, &optimized.plan)))
}

fn substations<'a>(optimized: &'a Optimized, grid: &'a GridReport) -> Option<Features<'a>> {
    let prepared = &optimized.prepared;
    let (map, scenario) = (&prepared.map, &prepared.scenario);
    Some(Box::new(substation_features(
        map,
        scenario,
        &optimized.plan,
        grid,
    )))
}

fn lines<'a>(optimized: &'a Optimized, grid: &'a GridReport) -> Option<Features<'a>> {
    let map = &optimized.prepared.map;
    (!map.lines.is_empty()).then(|| Box::new(line_features(map, grid)) as Features<'a>)
}

fn excluded<'a>(optimized: &'a Optimized, _: &'a GridReport) -> Option<Features<'a>> {
    let prepared = &optimized.prepared;
    let exclusions = &prepared.screening.exclusions;
    Some(Box::new(excluded_features(&prepared.map, exclusions)))
}

fn candidates<'a>(optimized: &'a Optimized, _: &'a GridReport) -> Option<Features<'a>> {
    let prepared = &optimized.prepared;
    let candidates = &prepared.screening.candidates;
    Some(Box::new(candidate_features(&prepared.map, candidates)))
}

/// One output layer of a result: its description and its features, streamed.
pub struct OutputLayer<'a> {
    pub kind: LayerKind,
    pub features: Features<'a>,
}

impl OutputLayer<'_> {
    pub fn spec(&self) -> &'static LayerSpec {
        self.kind.spec()
    }
}

/// Every output layer of a result, in [`OUTPUT_LAYERS`] order; `lines` only where the map has
/// lines.
pub fn output_layers<'a>(optimized: &'a Optimized, grid: &'a GridReport) -> Vec<OutputLayer<'a>> {
    (OUTPUT_LAYERS.iter())
        .filter_map(|spec| {
            (spec.features)(optimized, grid).map(|features| OutputLayer {
                kind: spec.kind,
                features,
            })
        })
        .collect()
}

/// Every feature of one output layer of a result (none where the result has no such layer).
pub fn features_of(optimized: &Optimized, grid: &GridReport, kind: LayerKind) -> Vec<Feature> {
    (kind.spec().features)(optimized, grid).map_or_else(Vec::new, Iterator::collect)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_registry_lists_each_kind_once_in_its_own_order_with_unique_names() {
        for (i, spec) in OUTPUT_LAYERS.iter().enumerate() {
            assert_eq!(spec.kind as usize, i, "{}", spec.name);
            assert_eq!(spec.kind.spec().name, spec.name);
            assert!(!spec.columns.is_empty(), "{}: contract columns", spec.name);
            if let Some(field) = spec.style_field {
                assert!(
                    spec.columns.iter().any(|(c, _)| *c == field),
                    "{}: the style's field {field} is a column",
                    spec.name
                );
            }
        }
        let mut names: Vec<&str> = OUTPUT_LAYERS.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), OUTPUT_LAYERS.len());
    }

    #[test]
    fn kinds_merge_nulls_away_and_mix_to_text() {
        use ColumnKind::*;
        assert_eq!(Null.merge(Real), Real);
        assert_eq!(Real.merge(Null), Real);
        assert_eq!(Real.merge(Real), Real);
        assert_eq!(Real.merge(Text), Mixed);
        assert_eq!(ColumnKind::of(&json!(["a"])), Json);
        assert_eq!(ColumnKind::of(&json!(true)), Boolean);
    }

    fn feature(properties: Value) -> Feature {
        Feature {
            properties: properties.as_object().cloned(),
            ..Feature::default()
        }
    }

    #[test]
    fn columns_follow_first_appearance_and_nulls_take_the_contract_kind() {
        let spec = LayerKind::Feeds.spec();
        let features = vec![
            feature(json!({"parcel_id": "P1", "km": null})),
            feature(json!({"parcel_id": 7, "km": null, "extra": [1]})),
        ];
        let columns = spec.columns_of(features.into_iter());
        // A feature's properties come in key order (serde_json's map); a key first seen later
        // goes last.
        assert_eq!(
            columns,
            vec![
                ("km".to_string(), ColumnKind::Real),
                ("parcel_id".to_string(), ColumnKind::Mixed),
                ("extra".to_string(), ColumnKind::Json),
            ]
        );
        let empty = spec.columns_of(std::iter::empty());
        assert_eq!(empty.len(), spec.columns.len());
        assert_eq!(empty[0], ("parcel_id".to_string(), ColumnKind::Text));
    }
}
