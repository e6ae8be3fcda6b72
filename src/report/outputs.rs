//! The outputs of `optimize`: each output layer's GeoJSON (`sites`, `feeds`, `substations`,
//! `lines` on maps with lines, `excluded`; see [`OUTPUT_LAYERS`]), `summary.json`,
//! `hosting.csv`, the page, and on request the GeoPackage, FlatGeobuf and GeoParquet files,
//! with exactly the contract's properties; and the features of the plan's layers.

use std::path::Path;
use std::time::Instant;

use geo::{Geometry, LineString};
use geojson::Feature;
use serde_json::json;

use super::html::REPORT_FILE;
use super::layers::{OUTPUT_LAYERS, output_layers};
use crate::costs;
use crate::files::{
    WriteError, feature, properties, round_to, write_feature_collection, write_json,
};
use crate::grid::figures::GridReport;
use crate::layers::Map;
use crate::outcome::{Optimized, StageSeconds};
use crate::plan::Plan;
use crate::report::ReportOptions;
use crate::scenario::Scenario;
use crate::summary::{km, mw, usd};

/// Every file `optimize` may write into its output folder: each output layer's GeoJSON
/// ([`OUTPUT_LAYERS`], those `optimize` writes), `summary.json`, and where they apply each
/// layer's FlatGeobuf (`--fgb`) and GeoParquet (`--parquet`), the hosting capacities (maps
/// with `load_profiles.csv`), the page and the GeoPackage (`--gpkg`).
pub fn output_files() -> impl Iterator<Item = String> {
    let layers = (OUTPUT_LAYERS.iter())
        .filter(|spec| spec.optimize_geojson)
        .map(|spec| spec.geojson_file());
    let formats = (OUTPUT_LAYERS.iter())
        .flat_map(|spec| ["fgb", "parquet"].map(|ext| format!("{}.{ext}", spec.name)));
    let others = ["summary.json", HOSTING_OUTPUT, REPORT_FILE, GPKG_FILE];
    layers.chain(formats).chain(others.map(String::from))
}

/// The GeoPackage of every output layer (`--gpkg`).
pub const GPKG_FILE: &str = "plan.gpkg";

/// The hosting capacities' table, written where the map has load profiles.
pub const HOSTING_OUTPUT: &str = "hosting.csv";

/// `hosting.csv`: one row per profiled substation, `L*` at the contract's budgets
/// ([`crate::hosting::hosting_rows`]), MW to the kilowatt.
pub fn write_hosting(path: &Path, map: &Map, scenario: &Scenario) -> Result<(), WriteError> {
    let rows = crate::hosting::hosting_rows(map, scenario);
    crate::files::write_atomically(path, |w| {
        let mut writer = csv::Writer::from_writer(w);
        for row in rows {
            let row = crate::hosting::HostingRow {
                firm_mw: mw(row.firm_mw),
                mw_at_0_25_pct: mw(row.mw_at_0_25_pct),
                mw_at_0_5_pct: mw(row.mw_at_0_5_pct),
                mw_at_1_pct: mw(row.mw_at_1_pct),
                mw_at_5_pct: mw(row.mw_at_5_pct),
                ..row
            };
            writer.serialize(&row).map_err(std::io::Error::other)?;
        }
        writer.flush()
    })
}

/// Writes every output file; `values` are the plan's limit values ([`crate::values`], worked
/// out before the sink); `seconds` gains the report stage before the summary is written.
pub fn write_all(
    out: &Path,
    optimized: &Optimized,
    values: Option<crate::grid::figures::LimitValues>,
    seconds: &mut StageSeconds,
    options: &ReportOptions,
) -> Result<(), crate::error::Error> {
    let start = Instant::now();
    let prepared = &optimized.prepared;
    let (map, scenario) = (&prepared.map, &prepared.scenario);
    let mut grid = (optimized.plan).grid_report(map, &prepared.network, scenario);
    grid.values = values;
    for layer in output_layers(optimized, &grid) {
        let spec = layer.spec();
        if spec.optimize_geojson {
            write_feature_collection(&out.join(spec.geojson_file()), layer.features)?;
        }
    }
    if map.profiles.is_some() {
        write_hosting(&out.join(HOSTING_OUTPUT), map, scenario)?;
    }
    // The GIS formats asked for, side by side (each writes its own files from its own pass
    // over the features, so the bytes do not depend on the order).
    let layers = || output_layers(optimized, &grid);
    let (gpkg, (fgb, parquet)) = rayon::join(
        || (options.gpkg).then(|| super::gpkg::write_gpkg(&out.join(GPKG_FILE), layers)),
        || {
            rayon::join(
                || (options.fgb).then(|| super::fgb::write_fgb(out, layers)),
                || (options.parquet).then(|| super::parquet::write_parquet(out, layers)),
            )
        },
    );
    for written in [gpkg, fgb, parquet].into_iter().flatten() {
        written?;
    }
    seconds.0.push(("report", start.elapsed().as_secs_f64()));
    let summary = optimized.summary(seconds);
    // The page shows the summary's figures, so it is written from it, after the report
    // stage's time was taken.
    super::html::write_plan_page(&out.join(REPORT_FILE), optimized, &grid, &summary, options)?;
    Ok(write_json(&out.join("summary.json"), &summary)?)
}

/// The features of `lines.geojson`.
pub fn line_features<'a>(map: &'a Map, grid: &'a GridReport) -> impl Iterator<Item = Feature> + 'a {
    map.lines
        .iter()
        .zip(&grid.lines)
        .enumerate()
        .map(|(l, (line, outcome))| {
            let geometry = match line.geometry.0.as_slice() {
                [one] => Geometry::LineString(one.clone()),
                _ => Geometry::MultiLineString(line.geometry.clone()),
            };
            let (worst_outage, outage_loading) = match outcome.worst_outage {
                Some((k, loading)) => (Some(map.lines[k].id.clone()), Some(round_to(loading, 4))),
                None => (None, None),
            };
            feature(
                &geometry,
                properties(json!({
                    "id": line.id,
                    "from": map.substations[line.from].id,
                    "to": map.substations[line.to].id,
                    "rating_mw": mw(line.rating_mw),
                    "emergency_rating_mw": mw(line.emergency_rating_mw),
                    "base_flow_mw": mw(line.base_flow_mw),
                    "flow_mw": mw(outcome.flow_mw),
                    "loading": round_to(outcome.loading, 4),
                    "worst_outage": worst_outage,
                    "outage_loading": outage_loading,
                    "preexisting_violation": outcome.preexisting_violation,
                    "rating_value_usd_per_mw": grid
                        .values
                        .as_ref()
                        .map(|v| round_to(v.rating_usd_per_mw[l], 2)),
                })),
            )
        })
}

/// The features of `sites.geojson`.
pub fn site_features<'a>(map: &'a Map, plan: &'a Plan) -> impl Iterator<Item = Feature> + 'a {
    plan.sites.iter().map(|site| {
        let parcel = &map.parcels[site.parcel];
        let c = &site.costs;
        feature(
            &Geometry::MultiPolygon(parcel.shape.clone()),
            properties(json!({
                "parcel_id": parcel.id,
                "community": map.community_id(site.community),
                "mw": mw(site.mw),
                "firm_mw": mw(site.firm_mw()),
                "flexible_mw": mw(site.flexible_mw()),
                "acres": round_to(parcel.acres, 2),
                "fiber_km": km(site.fiber_km),
                "feeds": site.feeds.iter().map(|f| map.substations[f.substation].id.clone()).collect::<Vec<_>>(),
                "land_usd": usd(c.land_usd),
                "fiber_usd": usd(c.fiber_usd),
                "feed_usd": usd(c.feed_usd),
                "site_fixed_usd": usd(c.site_fixed_usd),
                "total_usd": usd(c.total_usd),
            })),
        )
    })
}

/// The features of `feeds.geojson`.
pub fn feed_features<'a>(map: &'a Map, plan: &'a Plan) -> impl Iterator<Item = Feature> + 'a {
    plan.sites.iter().flat_map(move |site| {
        let parcel = &map.parcels[site.parcel];
        site.feeds.iter().map(move |f| {
            let substation = &map.substations[f.substation];
            let line = LineString(vec![parcel.site_point.0, substation.point.0]);
            feature(
                &Geometry::LineString(line),
                properties(json!({
                    "parcel_id": parcel.id,
                    "substation_id": substation.id,
                    "km": km(f.km),
                    "firm_mw": mw(f.firm_mw),
                    "flexible_mw": mw(f.flexible_mw),
                    "usd": usd(f.usd),
                })),
            )
        })
    })
}

/// The features of `substations.geojson`.
pub fn substation_features<'a>(
    map: &'a Map,
    scenario: &'a Scenario,
    plan: &'a Plan,
    grid: &'a GridReport,
) -> impl Iterator<Item = Feature> + 'a {
    map.substations.iter().enumerate().map(|(b, s)| {
        let upgraded = plan.upgraded.contains(&b);
        let available_mw = costs::available_mw(scenario, s, upgraded);
        let reserved_mw = (s.headroom_mw - available_mw).max(0.0);
        let (used_firm_mw, used_flexible_mw) = plan.used_mw(b);
        let utilization = if available_mw > 0.0 {
            used_firm_mw / available_mw
        } else {
            0.0
        };
        let value = (grid.values.as_ref()).map(|v| round_to(v.headroom_usd_per_mw[b], 2));
        let mut props = json!({
            "id": s.id,
            "headroom_value_usd_per_mw": value,
            "headroom_mw": mw(s.headroom_mw),
            "reserved_mw": mw(reserved_mw),
            "available_mw": mw(available_mw),
            "used_firm_mw": mw(used_firm_mw),
            "used_flexible_mw": mw(used_flexible_mw),
            "upgraded": upgraded,
            "utilization": round_to(utilization, 4),
            "queued_mw": mw(s.queued_mw),
        });
        if let Some(hosting) = s.hosting {
            let load_mw = used_firm_mw + used_flexible_mw;
            let c = crate::hosting::plan_curtailment(map, scenario, b, load_mw, upgraded);
            let hosting_mw = costs::hosting_mw(s, upgraded).unwrap_or(0.0);
            props["peak_load_mw"] = json!(mw(hosting.peak_load_mw));
            props["flexible_room_mw"] = json!(mw((hosting_mw - available_mw).max(0.0)));
            props["curtailment_mwh"] = json!(mw(c.mwh));
            props["curtailment_hours"] = json!(mw(c.hours));
            props["curtailment_pct"] = json!(round_to(c.pct, 4));
        }
        if costs::n_minus_one(scenario) {
            let emergency_mw = costs::emergency_mw(scenario, s, upgraded);
            let pickup_mw = grid.worst_pickup_mw.get(&b).copied().unwrap_or(0.0);
            props["emergency_available_mw"] = json!(mw(emergency_mw));
            props["worst_outage_pickup_mw"] = json!(mw(pickup_mw));
        }
        feature(&Geometry::Point(s.point), properties(props))
    })
}
