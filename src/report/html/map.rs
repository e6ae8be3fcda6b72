//! The plan's map as SVG, drawn by gridsite itself: Web Mercator metres (so that XYZ basemap
//! tiles line up), relative to the map's north-west corner, rounded to the metre.
//!
//! Every drawn feature is an element with `data-layer` and `data-i` (its index in that layer's
//! properties, which the page's script shows on hover) and, for sites, feeds, substations and
//! lines, `data-id` (the id the GeoJSON files give it). Markers (site points, substations) carry
//! their radius in screen pixels in `data-r`: the script keeps them that size at every zoom.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use geo::{BoundingRect, Coord, LineString, MultiPolygon, Point, Rect};
use geojson::{Feature, JsonObject};
use serde_json::json;

use super::palette;

/// The Earth's radius of Web Mercator (EPSG:3857), metres.
pub const MERCATOR_RADIUS_M: f64 = 6_378_137.0;

/// More excluded parcels than this are drawn as cells (the dominant reason of each), not one
/// by one: a page of a million polygons would not pan.
pub const MAX_DRAWN_PARCELS: usize = 20_000;

/// Cells across the longer side of the map when excluded parcels are aggregated.
pub const CELLS_ACROSS: usize = 160;

/// Longitude and latitude (degrees) to Web Mercator metres.
pub fn mercator(c: Coord) -> Coord {
    let lat = c.y.clamp(-85.05112878, 85.05112878).to_radians();
    Coord {
        x: MERCATOR_RADIUS_M * c.x.to_radians(),
        y: MERCATOR_RADIUS_M * (std::f64::consts::FRAC_PI_4 + lat / 2.0).tan().ln(),
    }
}

/// The frame of the map: Mercator metres of its north-west corner and its size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    pub west_m: f64,
    pub north_m: f64,
    pub width_m: f64,
    pub height_m: f64,
    /// The latitude of the map's centre, degrees: Mercator metres there are `1/cos(lat)` true
    /// metres, which the scale bar needs.
    pub centre_lat: f64,
}

impl Frame {
    /// The frame around `rects` (longitude/latitude), with a 3 % margin.
    pub fn around(rects: impl IntoIterator<Item = Rect>) -> Frame {
        let mut lo = Coord {
            x: f64::INFINITY,
            y: f64::INFINITY,
        };
        let mut hi = Coord {
            x: f64::NEG_INFINITY,
            y: f64::NEG_INFINITY,
        };
        for r in rects {
            lo.x = lo.x.min(r.min().x);
            lo.y = lo.y.min(r.min().y);
            hi.x = hi.x.max(r.max().x);
            hi.y = hi.y.max(r.max().y);
        }
        if !lo.x.is_finite() {
            (lo, hi) = (Coord { x: 0.0, y: 0.0 }, Coord { x: 0.0, y: 0.0 });
        }
        let (a, b) = (mercator(lo), mercator(hi));
        let margin = 0.03 * (b.x - a.x).max(b.y - a.y).max(1000.0);
        Frame {
            west_m: a.x - margin,
            north_m: b.y + margin,
            width_m: (b.x - a.x) + 2.0 * margin,
            height_m: (b.y - a.y) + 2.0 * margin,
            centre_lat: (lo.y + hi.y) / 2.0,
        }
    }

    /// A longitude/latitude point in the SVG's coordinates (metres east and south of the
    /// north-west corner).
    pub fn project(&self, c: Coord) -> (i64, i64) {
        let m = mercator(c);
        (
            (m.x - self.west_m).round() as i64,
            (self.north_m - m.y).round() as i64,
        )
    }
}

/// One drawn layer: its SVG elements and the properties its elements point to.
#[derive(Debug, Default)]
pub struct DrawnLayer {
    pub svg: String,
    pub properties: Vec<JsonObject>,
}

impl DrawnLayer {
    fn push(&mut self, properties: JsonObject) -> usize {
        self.properties.push(properties);
        self.properties.len() - 1
    }
}

/// SVG path data of rings (each closed).
fn rings_path(frame: &Frame, rings: impl IntoIterator<Item = LineString>) -> String {
    let mut d = String::new();
    for ring in rings {
        let mut last = None;
        for (i, c) in ring.coords().enumerate() {
            let p = frame.project(*c);
            if last == Some(p) {
                continue;
            }
            last = Some(p);
            let _ = write!(d, "{}{},{}", if i == 0 { "M" } else { " " }, p.0, p.1);
        }
        d.push('Z');
    }
    d
}

/// SVG path data of a polygon or multipolygon.
pub fn polygon_path(frame: &Frame, shape: &MultiPolygon) -> String {
    rings_path(
        frame,
        shape.0.iter().flat_map(|p| {
            std::iter::once(p.exterior().clone()).chain(p.interiors().iter().cloned())
        }),
    )
}

/// SVG path data of open lines.
pub fn lines_path<'a>(frame: &Frame, lines: impl IntoIterator<Item = &'a LineString>) -> String {
    let mut d = String::new();
    for line in lines {
        for (i, c) in line.coords().enumerate() {
            let p = frame.project(*c);
            let _ = write!(d, "{}{},{}", if i == 0 { "M" } else { " " }, p.0, p.1);
        }
    }
    d
}

/// The attribute-safe text of a value (for `data-id`).
pub fn attr(text: &str) -> String {
    maud::html!((text)).into_string()
}

/// A marker circle at `point`, `radius_px` wide on screen at every zoom.
pub fn marker(frame: &Frame, point: Point, radius_px: f64, extra: &str) -> String {
    let (x, y) = frame.project(point.0);
    format!("<circle cx=\"{x}\" cy=\"{y}\" r=\"0\" data-r=\"{radius_px:.1}\" {extra}/>")
}

/// The text of a feature's property (strings without quotes), for ids.
pub fn property_text(feature: &Feature, key: &str) -> String {
    match feature.property(key) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    }
}

/// A feature's numeric property, 0 when absent.
pub fn property_f64(feature: &Feature, key: &str) -> f64 {
    feature
        .property(key)
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0)
}

/// Excluded parcels drawn one by one, each filled by its reason.
pub fn excluded_parcels<'a>(
    frame: &Frame,
    parcels: impl Iterator<Item = (&'a MultiPolygon, Feature)>,
) -> DrawnLayer {
    let mut layer = DrawnLayer::default();
    for (shape, feature) in parcels {
        let reason = property_text(&feature, "reason");
        let i = layer.push(feature.properties.unwrap_or_default());
        let _ = write!(
            layer.svg,
            "<path class=\"f x\" data-layer=\"excluded\" data-i=\"{i}\" fill=\"{}\" d=\"{}\"/>",
            palette::reason_colour(&reason),
            polygon_path(frame, shape)
        );
    }
    layer
}

/// Excluded parcels aggregated on a grid of square cells: each cell that holds parcels is
/// filled by the reason most of them have (ties: the reason first in the contract's order),
/// and its properties count the parcels by reason. Gives the layer and the cell size, metres.
pub fn excluded_cells<'a>(
    frame: &Frame,
    parcels: impl Iterator<Item = (Point, &'a str)>,
) -> (DrawnLayer, f64) {
    let cell_m = (frame.width_m.max(frame.height_m) / CELLS_ACROSS as f64).max(1.0);
    let mut cells: BTreeMap<(i64, i64), BTreeMap<String, usize>> = BTreeMap::new();
    for (point, reason) in parcels {
        let (x, y) = frame.project(point.0);
        let key = (
            (x as f64 / cell_m).floor() as i64,
            (y as f64 / cell_m).floor() as i64,
        );
        *cells
            .entry(key)
            .or_default()
            .entry(palette::reason_group(reason).to_string())
            .or_default() += 1;
    }
    let mut layer = DrawnLayer::default();
    let size = cell_m.round() as i64;
    for ((cx, cy), counts) in cells {
        let dominant = (palette::REASON_GROUPS.iter())
            .filter_map(|&g| counts.get(g).map(|&n| (n, g)))
            .fold(None::<(usize, &str)>, |best, (n, g)| match best {
                Some((m, _)) if m >= n => best,
                _ => Some((n, g)),
            })
            .map_or("zoning", |(_, g)| g);
        let parcels: usize = counts.values().sum();
        let mut props = JsonObject::new();
        props.insert("parcels".into(), json!(parcels));
        props.insert("dominant_reason".into(), json!(dominant));
        for (reason, n) in &counts {
            props.insert(reason.clone(), json!(n));
        }
        let i = layer.push(props);
        let (x, y) = (
            (cx as f64 * cell_m).round() as i64,
            (cy as f64 * cell_m).round() as i64,
        );
        let _ = write!(
            layer.svg,
            "<rect class=\"f x\" data-layer=\"excluded\" data-i=\"{i}\" fill=\"{}\" x=\"{x}\" y=\"{y}\" width=\"{size}\" height=\"{size}\"/>",
            palette::reason_colour(dominant),
        );
    }
    (layer, cell_m)
}

/// The bounding box of a shape, if it has one.
pub fn rect_of(shape: &impl BoundingRect<f64, Output = Option<Rect>>) -> Option<Rect> {
    shape.bounding_rect()
}
