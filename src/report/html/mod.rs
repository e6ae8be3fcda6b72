//! `report.html`: one self-contained page that shows a plan — its map (drawn here as SVG, no
//! map library), the summary, the sites, the substations and the exclusions, and for an
//! infeasible scenario the explanation.
//!
//! The page opens offline: its script and style are inlined, and it makes no request at all
//! unless `--basemap` gives a tile URL. Its figures come from the same [`Summary`] as
//! `summary.json` and its features' properties from [`output_layers`], the GeoJSON files' own
//! source; every figure cell carries its exact value in `data-value`.
//!
//! On a map with `load_profiles.csv`, the page also has, for each substation of the plan with a
//! profile, its load-duration curve and its MW-against-curtailment curve ([`hosting`]); on a
//! map with `loads.geojson`, the large loads as a layer of the map and a table. Pages of maps
//! without them are unchanged, byte for byte.
//!
//! Takes the result of `optimize`; gives the page's bytes (deterministic: no clock, no random).

pub mod hosting;
pub mod map;
pub mod palette;
pub mod tables;

use std::collections::BTreeSet;
use std::path::Path;

use geo::Point;
use geojson::JsonObject;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde_json::json;

use self::map::{DrawnLayer, Frame, MAX_DRAWN_PARCELS};
use super::layers::{LayerKind, features_of};
use crate::files::{WriteError, write_atomically};
use crate::grid::figures::GridReport;
use crate::layers::QueueStatus;
use crate::outcome::Optimized;
use crate::summary::Summary;

const SCRIPT: &str = include_str!("page.js");
const STYLE: &str = include_str!("page.css");
/// The style of the hosting charts, only on pages that have them.
const HOSTING_STYLE: &str = include_str!("hosting.css");
/// The style of the large loads, only on pages that have them.
const LOADS_STYLE: &str = include_str!("loads.css");

/// The page's file name, beside the GeoJSON files.
pub const REPORT_FILE: &str = "report.html";

/// Writes `report.html` for a result.
pub fn write_plan_page(
    path: &Path,
    optimized: &Optimized,
    grid: &GridReport,
    summary: &Summary,
    options: &super::ReportOptions,
) -> Result<(), WriteError> {
    let page = plan_page(optimized, grid, summary, options);
    write_atomically(path, |w| std::io::Write::write_all(w, page.as_bytes()))
}

/// The drawn map: its layers' SVG and properties, and what the page says about it.
struct DrawnMap {
    frame: Frame,
    layers: Vec<(&'static str, &'static str, DrawnLayer)>,
    /// How the excluded parcels are drawn (one by one, or as cells), for the page.
    excluded_note: String,
}

/// The whole page.
pub fn plan_page(
    optimized: &Optimized,
    grid: &GridReport,
    summary: &Summary,
    options: &super::ReportOptions,
) -> String {
    let basemap = options.basemap.as_deref();
    let drawn = draw(optimized, grid);
    let charts = hosting::charted_substations(optimized);
    let loads = load_properties(optimized);
    let properties: serde_json::Map<String, serde_json::Value> = (drawn.layers.iter())
        .map(|(name, _, layer)| (name.to_string(), json!(layer.properties)))
        .collect();
    let data = json!({
        "frame": {
            "width_m": drawn.frame.width_m,
            "height_m": drawn.frame.height_m,
            "west_m": drawn.frame.west_m,
            "north_m": drawn.frame.north_m,
            "centre_lat": drawn.frame.centre_lat,
        },
        "basemap": basemap,
        "properties": properties,
    });
    let title = format!("gridsite — {}", summary.scenario);
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
                @if !charts.is_empty() {
                    style { (PreEscaped(HOSTING_STYLE)) }
                }
                @if !loads.is_empty() {
                    style { (PreEscaped(LOADS_STYLE)) }
                }
            }
            body {
                header {
                    h1 { (title) }
                    (tables::status_line(summary))
                }
                main {
                    section #map-section {
                        (map_panel(&drawn, optimized))
                    }
                    section #tables {
                        (tables::summary_table(summary))
                        (tables::explanation(summary))
                        (tables::explained_parcels(&options.explanations))
                        (tables::layer_table(LayerKind::Sites, &by_use(features_of(optimized, grid, LayerKind::Sites), &["mw"], "parcel_id"), "parcel_id"))
                        (tables::layer_table(LayerKind::Substations, &by_use(features_of(optimized, grid, LayerKind::Substations), &["used_firm_mw", "used_flexible_mw"], "id"), "id"))
                        @if !loads.is_empty() {
                            (tables::large_loads(&loads))
                        }
                        @if !optimized.prepared.map.lines.is_empty() {
                            (tables::busiest_lines(&features_of(optimized, grid, LayerKind::Lines)))
                        }
                        (tables::exclusions(&optimized.prepared.screening.counts_by_reason(), optimized.prepared.screening.exclusions.len()))
                    }
                    @if let Some(section) = hosting::section(&charts) {
                        (section)
                    }
                }
                footer {
                    p { "Written by gridsite " (summary.version) ". " (drawn.excluded_note) }
                }
                script type="application/json" #gridsite-data { (PreEscaped(script_json(&data))) }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    };
    markup.into_string()
}

/// JSON safe inside a `<script>` element (no `</` can close it early).
fn script_json(value: &serde_json::Value) -> String {
    value.to_string().replace("</", "<\\/")
}

/// Features in the order a reader scans a table: most MW the plan uses first (the sum of
/// `keys`), then by `id_key`, so a plan's substations lead and idle network buses trail.
fn by_use(
    mut features: Vec<geojson::Feature>,
    keys: &[&str],
    id_key: &str,
) -> Vec<geojson::Feature> {
    let used = |f: &geojson::Feature| keys.iter().map(|k| map::property_f64(f, k)).sum::<f64>();
    features.sort_by(|a, b| {
        (used(b).total_cmp(&used(a)))
            .then_with(|| map::property_text(a, id_key).cmp(&map::property_text(b, id_key)))
    });
    features
}

/// The map with its toolbar, layer switches and legend.
fn map_panel(drawn: &DrawnMap, optimized: &Optimized) -> Markup {
    let (w, h) = (
        drawn.frame.width_m.round() as i64,
        drawn.frame.height_m.round() as i64,
    );
    html! {
        div #map-tools {
            button #zoom-in type="button" title="Zoom in" { "+" }
            button #zoom-out type="button" title="Zoom out" { "−" }
            button #zoom-reset type="button" title="Whole region" { "⤢" }
            @for (name, label, layer) in &drawn.layers {
                label.toggle {
                    input type="checkbox" checked data-toggle=(name);
                    (label) " (" (layer.properties.len()) ")"
                }
            }
        }
        div #map-wrap {
            svg #map xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {w} {h}"))
                preserveAspectRatio="xMidYMid meet" role="img" aria-label="Map of the plan" {
                g #layer-basemap {}
                @for (name, _, layer) in &drawn.layers {
                    g id=(format!("layer-{name}")) { (PreEscaped(&layer.svg)) }
                }
            }
            div #scale-bar { div #scale-line {} span #scale-text {} }
            div #tooltip hidden {}
        }
        (legend(optimized))
        div #details { p.hint { "Hover over a feature to see its properties; click to keep them here." } }
    }
}

/// The legend: the same colours the map uses.
fn legend(optimized: &Optimized) -> Markup {
    let ramp = |share: f64| palette::ramp_colour(share);
    let map = &optimized.prepared.map;
    let counted = optimized.prepared.scenario.grid.counted_statuses();
    let counted_words: Vec<&str> = counted.iter().map(|s| s.as_str()).collect();
    let statuses: Vec<QueueStatus> = (QueueStatus::ALL.into_iter())
        .filter(|s| map.loads.iter().any(|l| l.status == *s))
        .collect();
    html! {
        div #legend {
            div.legend-group {
                strong { "Sites" }
                span.swatch style=(format!("background:{}", palette::SITE_COLOUR)) {} "chosen parcel, dot by MW"
                span.swatch.line style=(format!("background:{}", palette::FEED_COLOUR)) {} "feed, width by MW"
            }
            div.legend-group {
                strong { "Substations by utilization, lines by loading" }
                @for share in [0.0, 0.25, 0.5, 0.75, 1.0] {
                    span.swatch style=(format!("background:{}", ramp(share))) {} (format!("{:.0}%", share * 100.0))
                }
                span.swatch.ring {} "dashed ring: headroom reserved for community growth"
                span.swatch.dashed {} "dashed line: over its limit before the plan"
            }
            div.legend-group {
                strong { "Excluded parcels by reason" }
                @for reason in palette::REASON_GROUPS {
                    span.swatch style=(format!("background:{}", palette::reason_colour(reason))) {} (reason)
                }
            }
            div.legend-group {
                strong { "Communities" }
                span.swatch.outline {} "outline"
            }
            @if !map.loads.is_empty() {
                div.legend-group #legend-loads {
                    strong { "Large loads by status" }
                    @for status in &statuses {
                        @let colour = palette::load_status_colour(*status);
                        @if counted.contains(status) {
                            span.swatch.dot style=(format!("background:{colour}")) {} (status.as_str())
                        } @else {
                            span.swatch.hollow style=(format!("border-color:{colour}")) {} (status.as_str())
                        }
                    }
                    span.hint {
                        @if counted_words.is_empty() {
                            "filled: counted (the scenario counts no status); hollow: not counted"
                        } @else {
                            "filled: counted (" (counted_words.join(", ")) "); hollow: not counted"
                        }
                    }
                }
            }
        }
    }
}

/// Draws every layer of the map.
fn draw(optimized: &Optimized, grid: &GridReport) -> DrawnMap {
    let prepared = &optimized.prepared;
    let map = &prepared.map;
    // The page opens on the region (its parcels and communities) and the plan (with the
    // substations that feed it), not on the whole network: an imported transmission network
    // (Sacramento's CATS buses) spans far more than the region.
    let feeding: BTreeSet<usize> = (optimized.plan.sites.iter())
        .flat_map(|site| site.feeds.iter().map(|f| f.substation))
        .collect();
    let rects = (map.parcels.iter())
        .filter_map(|p| map::rect_of(&p.shape))
        .chain(
            (feeding.iter()).map(|&b| geo::BoundingRect::bounding_rect(&map.substations[b].point)),
        )
        .chain(
            map.communities
                .iter()
                .filter_map(|c| map::rect_of(&c.shape)),
        )
        .chain(
            map.loads
                .iter()
                .map(|l| geo::BoundingRect::bounding_rect(&l.point)),
        );
    let frame = Frame::around(rects);
    let mut layers = Vec::new();
    layers.push(("communities", "Communities", communities(&frame, optimized)));
    let (excluded, excluded_note) = excluded(&frame, optimized);
    // An output layer drawn under its registry name and title.
    let output = |kind: LayerKind, svg| (kind.spec().name, kind.spec().title, svg);
    layers.push(output(LayerKind::Excluded, excluded));
    let features = |kind: LayerKind| features_of(optimized, grid, kind);
    if !map.lines.is_empty() {
        let lines = draw_lines(&frame, optimized, features(LayerKind::Lines));
        layers.push(output(LayerKind::Lines, lines));
    }
    let feeds = draw_feeds(&frame, optimized, features(LayerKind::Feeds));
    layers.push(output(LayerKind::Feeds, feeds));
    let substations = draw_substations(&frame, optimized, features(LayerKind::Substations));
    layers.push(output(LayerKind::Substations, substations));
    if !map.loads.is_empty() {
        layers.push(("loads", "Large loads", draw_loads(&frame, optimized)));
    }
    let sites = draw_sites(&frame, optimized, features(LayerKind::Sites));
    layers.push(output(LayerKind::Sites, sites));
    DrawnMap {
        frame,
        layers,
        excluded_note,
    }
}

fn communities(frame: &Frame, optimized: &Optimized) -> DrawnLayer {
    let mut layer = DrawnLayer::default();
    for (i, c) in optimized.prepared.map.communities.iter().enumerate() {
        let mut props = JsonObject::new();
        props.insert("id".into(), json!(c.id));
        props.insert("name".into(), json!(c.name));
        props.insert("population".into(), json!(c.population));
        props.insert("burden_pct".into(), json!(c.burden_pct));
        layer.properties.push(props);
        layer.svg.push_str(&format!(
            "<path class=\"f community\" data-layer=\"communities\" data-i=\"{i}\" data-id=\"{}\" d=\"{}\"/>",
            map::attr(&c.id),
            map::polygon_path(frame, &c.shape)
        ));
    }
    layer
}

fn excluded(frame: &Frame, optimized: &Optimized) -> (DrawnLayer, String) {
    let prepared = &optimized.prepared;
    let map = &prepared.map;
    let exclusions = &prepared.screening.exclusions;
    if exclusions.len() <= MAX_DRAWN_PARCELS {
        let features = super::screening::excluded_features(map, exclusions);
        let shapes = exclusions.iter().map(|e| &map.parcels[e.parcel].shape);
        let layer = map::excluded_parcels(frame, shapes.zip(features));
        let note = format!(
            "All {} excluded parcels are drawn.",
            thousands(exclusions.len())
        );
        return (layer, note);
    }
    let reasons: Vec<String> = exclusions.iter().map(|e| e.reason.to_string()).collect();
    let points = (exclusions.iter().zip(&reasons))
        .map(|(e, r)| (map.parcels[e.parcel].site_point, r.as_str()));
    let (layer, cell_m) = map::excluded_cells(frame, points);
    let note = format!(
        "The {} excluded parcels (more than {} to draw one by one) are shown as {} cells of {:.0} m, each coloured by the reason most of its parcels have; excluded.geojson has every parcel.",
        thousands(exclusions.len()),
        thousands(MAX_DRAWN_PARCELS),
        thousands(layer.properties.len()),
        cell_m
    );
    (layer, note)
}

fn draw_lines(frame: &Frame, optimized: &Optimized, features: Vec<geojson::Feature>) -> DrawnLayer {
    let mut layer = DrawnLayer::default();
    for (line, feature) in optimized.prepared.map.lines.iter().zip(features) {
        let loading = map::property_f64(&feature, "loading");
        let dashed = feature
            .property("preexisting_violation")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        let id = map::property_text(&feature, "id");
        let i = layer.properties.len();
        layer
            .properties
            .push(feature.properties.unwrap_or_default());
        layer.svg.push_str(&format!(
            "<path class=\"f line{}\" data-layer=\"lines\" data-i=\"{i}\" data-id=\"{}\" stroke=\"{}\" d=\"{}\"/>",
            if dashed { " preexisting" } else { "" },
            map::attr(&id),
            palette::ramp_colour(loading),
            map::lines_path(frame, &line.geometry.0)
        ));
    }
    layer
}

fn draw_feeds(frame: &Frame, optimized: &Optimized, features: Vec<geojson::Feature>) -> DrawnLayer {
    let map = &optimized.prepared.map;
    let ends = (optimized.plan.sites.iter())
        .flat_map(|site| (site.feeds.iter()).map(move |f| (site.parcel, f.substation)));
    let mut layer = DrawnLayer::default();
    for ((parcel, substation), feature) in ends.zip(features) {
        let (a, b) = (
            frame.project(map.parcels[parcel].site_point.0),
            frame.project(map.substations[substation].point.0),
        );
        let mw =
            map::property_f64(&feature, "firm_mw") + map::property_f64(&feature, "flexible_mw");
        let id = format!(
            "{}→{}",
            map::property_text(&feature, "parcel_id"),
            map::property_text(&feature, "substation_id")
        );
        let i = layer.properties.len();
        layer
            .properties
            .push(feature.properties.unwrap_or_default());
        layer.svg.push_str(&format!(
            "<path class=\"f feed\" data-layer=\"feeds\" data-i=\"{i}\" data-id=\"{}\" stroke-width=\"{:.1}\" d=\"M{},{} {},{}\"/>",
            map::attr(&id),
            1.5 + 3.0 * (mw / 200.0).clamp(0.0, 1.0).sqrt(),
            a.0,
            a.1,
            b.0,
            b.1
        ));
    }
    layer
}

fn draw_substations(
    frame: &Frame,
    optimized: &Optimized,
    features: Vec<geojson::Feature>,
) -> DrawnLayer {
    let map = &optimized.prepared.map;
    let largest_mw = (map.substations.iter())
        .map(|s| s.headroom_mw)
        .fold(1.0, f64::max);
    let mut layer = DrawnLayer::default();
    for (s, feature) in map.substations.iter().zip(features) {
        // A network bus without headroom for new load (an imported transmission network's)
        // is a small grey dot, apart from the substations a plan can use.
        let bus = s.headroom_mw <= 0.0;
        let radius = if bus {
            1.5
        } else {
            3.0 + 6.0 * (s.headroom_mw.max(0.0) / largest_mw).sqrt()
        };
        let utilization = map::property_f64(&feature, "utilization");
        let reserved = map::property_f64(&feature, "reserved_mw") > 0.0;
        let i = layer.properties.len();
        let id = map::attr(&s.id);
        layer
            .properties
            .push(feature.properties.unwrap_or_default());
        if reserved {
            layer.svg.push_str(&map::marker(
                frame,
                s.point,
                radius + 3.0,
                "class=\"reserved\"",
            ));
        }
        let (class, fill) = if bus {
            ("f substation bus", palette::NETWORK_BUS.to_string())
        } else {
            ("f substation", palette::ramp_colour(utilization))
        };
        layer.svg.push_str(&map::marker(
            frame,
            s.point,
            radius,
            &format!(
                "class=\"{class}\" data-layer=\"substations\" data-i=\"{i}\" data-id=\"{id}\" fill=\"{fill}\""
            ),
        ));
    }
    layer
}

/// The properties of each large load (`loads.geojson`), for the map's popups and the table:
/// empty on a map without loads.
fn load_properties(optimized: &Optimized) -> Vec<JsonObject> {
    let map = &optimized.prepared.map;
    let counted = optimized.prepared.scenario.grid.counted_statuses();
    (map.loads.iter())
        .map(|l| {
            let mut props = JsonObject::new();
            props.insert("id".into(), json!(l.id));
            if let Some(name) = &l.name {
                props.insert("name".into(), json!(name));
            }
            props.insert(
                "substation_id".into(),
                json!(map.substations[l.substation].id),
            );
            props.insert("mw".into(), json!(l.mw));
            props.insert("status".into(), json!(l.status.as_str()));
            props.insert("counted".into(), json!(counted.contains(&l.status)));
            if let Some(year) = l.in_service_year {
                props.insert("in_service_year".into(), json!(year));
            }
            props
        })
        .collect()
}

/// The large loads: a marker each, sized by MW and coloured by status, filled when the
/// scenario counts its status and hollow (dashed) when it does not.
fn draw_loads(frame: &Frame, optimized: &Optimized) -> DrawnLayer {
    let map = &optimized.prepared.map;
    let largest_mw = (map.loads.iter()).map(|l| l.mw).fold(1.0, f64::max);
    let mut layer = DrawnLayer::default();
    for (l, props) in map.loads.iter().zip(load_properties(optimized)) {
        let counted = props.get("counted").and_then(|v| v.as_bool()) == Some(true);
        let colour = palette::load_status_colour(l.status);
        let paint = if counted {
            format!("fill=\"{colour}\"")
        } else {
            format!("stroke=\"{colour}\"")
        };
        let i = layer.properties.len();
        layer.properties.push(props);
        layer.svg.push_str(&map::marker(
            frame,
            l.point,
            3.0 + 5.0 * (l.mw.max(0.0) / largest_mw).sqrt(),
            &format!(
                "class=\"f load {}\" data-layer=\"loads\" data-i=\"{i}\" data-id=\"{}\" data-status=\"{}\" {paint}",
                if counted { "counted" } else { "uncounted" },
                map::attr(&l.id),
                l.status.as_str()
            ),
        ));
    }
    layer
}

fn draw_sites(frame: &Frame, optimized: &Optimized, features: Vec<geojson::Feature>) -> DrawnLayer {
    let map = &optimized.prepared.map;
    let largest_mw = (optimized.plan.sites.iter())
        .map(|s| s.mw)
        .fold(1.0, f64::max);
    let mut layer = DrawnLayer::default();
    for (site, feature) in optimized.plan.sites.iter().zip(features) {
        let parcel = &map.parcels[site.parcel];
        let i = layer.properties.len();
        let id = map::attr(&parcel.id);
        layer
            .properties
            .push(feature.properties.unwrap_or_default());
        let common = format!("data-layer=\"sites\" data-i=\"{i}\" data-id=\"{id}\"");
        layer.svg.push_str(&format!(
            "<path class=\"f site\" {common} d=\"{}\"/>",
            map::polygon_path(frame, &parcel.shape)
        ));
        let radius = 4.0 + 8.0 * (site.mw / largest_mw).sqrt();
        layer.svg.push_str(&map::marker(
            frame,
            Point(parcel.site_point.0),
            radius,
            &format!("class=\"f site-dot\" {common}"),
        ));
    }
    layer
}

/// An integer with thousands separators.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}
