//! The output layers of `optimize`, one home for their features: `*.geojson`, `plan.gpkg` and
//! `report.html` all draw them from here, so each carries the same properties.

use geojson::Feature;

use super::outputs::{feed_features, line_features, site_features, substation_features};
use super::screening::{candidate_features, excluded_features};
use crate::grid::figures::GridReport;
use crate::outcome::Optimized;

/// Which layer of the plan, in the order files and tables list them.
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

impl LayerKind {
    /// The layer's name: its GeoJSON file's stem and its GeoPackage table.
    pub fn name(self) -> &'static str {
        match self {
            LayerKind::Sites => "sites",
            LayerKind::Feeds => "feeds",
            LayerKind::Substations => "substations",
            LayerKind::Lines => "lines",
            LayerKind::Excluded => "excluded",
            LayerKind::Candidates => "candidates",
        }
    }

    pub fn geometry(self) -> GeometryKind {
        match self {
            LayerKind::Sites | LayerKind::Excluded | LayerKind::Candidates => {
                GeometryKind::MultiPolygon
            }
            LayerKind::Feeds => GeometryKind::LineString,
            LayerKind::Substations => GeometryKind::Point,
            LayerKind::Lines => GeometryKind::MultiLineString,
        }
    }
}

/// One output layer: what it is and its features, streamed.
pub struct OutputLayer<'a> {
    pub kind: LayerKind,
    pub features: Box<dyn Iterator<Item = Feature> + 'a>,
}

/// Every output layer of a result, in [`LayerKind`] order; `lines` only where the map has
/// lines.
pub fn output_layers<'a>(optimized: &'a Optimized, grid: &'a GridReport) -> Vec<OutputLayer<'a>> {
    let prepared = &optimized.prepared;
    let (map, scenario, plan) = (&prepared.map, &prepared.scenario, &optimized.plan);
    let screening = &prepared.screening;
    let mut layers = vec![
        OutputLayer {
            kind: LayerKind::Sites,
            features: Box::new(site_features(map, plan)),
        },
        OutputLayer {
            kind: LayerKind::Feeds,
            features: Box::new(feed_features(map, plan)),
        },
        OutputLayer {
            kind: LayerKind::Substations,
            features: Box::new(substation_features(map, scenario, plan, grid)),
        },
    ];
    if !map.lines.is_empty() {
        layers.push(OutputLayer {
            kind: LayerKind::Lines,
            features: Box::new(line_features(map, grid)),
        });
    }
    layers.push(OutputLayer {
        kind: LayerKind::Excluded,
        features: Box::new(excluded_features(map, &screening.exclusions)),
    });
    layers.push(OutputLayer {
        kind: LayerKind::Candidates,
        features: Box::new(candidate_features(map, &screening.candidates)),
    });
    layers
}
