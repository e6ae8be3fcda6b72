//! The outputs of `optimize`: `sites.geojson`, `feeds.geojson`, `substations.geojson`,
//! `excluded.geojson` and `summary.json`, with exactly the contract's properties.

use std::path::Path;
use std::time::Instant;

use geo::{Geometry, LineString};
use serde_json::{Value, json};

use super::screening::{community_id, write_excluded};
use crate::files::{
    WriteError, feature, properties, round_to, write_feature_collection, write_json,
};
use crate::layers::Map;
use crate::pipeline::{Optimized, StageSeconds};
use crate::plan::Plan;
use crate::scenario::Scenario;

/// The crate version written into `summary.json`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

fn usd(v: f64) -> f64 {
    round_to(v, 0)
}

fn mw(v: f64) -> f64 {
    round_to(v, 3)
}

fn km(v: f64) -> f64 {
    round_to(v, 3)
}

/// The files `optimize` writes into its output folder.
pub const OUTPUT_FILES: [&str; 5] = [
    "sites.geojson",
    "feeds.geojson",
    "substations.geojson",
    "excluded.geojson",
    "summary.json",
];

/// Writes every output file; `seconds` gains the report stage before the summary is written.
pub fn write_all(
    out: &Path,
    optimized: &Optimized,
    seconds: &mut StageSeconds,
) -> Result<(), WriteError> {
    let start = Instant::now();
    let prepared = &optimized.prepared;
    let (map, scenario) = (&prepared.map, &prepared.scenario);
    write_sites(&out.join("sites.geojson"), map, optimized)?;
    write_feeds(&out.join("feeds.geojson"), map, &optimized.plan)?;
    write_substations(
        &out.join("substations.geojson"),
        map,
        scenario,
        &optimized.plan,
    )?;
    write_excluded(
        &out.join("excluded.geojson"),
        map,
        &prepared.screening.exclusions,
    )?;
    seconds.0.push(("report", start.elapsed().as_secs_f64()));
    write_json(&out.join("summary.json"), &summary(optimized, seconds))
}

/// `sites.geojson`: one feature a chosen parcel, its polygon.
pub fn write_sites(path: &Path, map: &Map, optimized: &Optimized) -> Result<(), WriteError> {
    write_feature_collection(
        path,
        optimized.plan.sites.iter().map(|site| {
            let parcel = &map.parcels[site.parcel];
            let c = &site.costs;
            feature(
                &Geometry::MultiPolygon(parcel.shape.clone()),
                properties(json!({
                    "parcel_id": parcel.id,
                    "community": community_id(map, site.community),
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
        }),
    )
}

/// `feeds.geojson`: one LineString a feed, from the site point to the substation.
pub fn write_feeds(path: &Path, map: &Map, plan: &Plan) -> Result<(), WriteError> {
    write_feature_collection(
        path,
        plan.sites.iter().flat_map(|site| {
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
        }),
    )
}

/// `substations.geojson`: every substation with the headroom the plan uses and leaves.
pub fn write_substations(
    path: &Path,
    map: &Map,
    scenario: &Scenario,
    plan: &Plan,
) -> Result<(), WriteError> {
    write_feature_collection(
        path,
        map.substations.iter().enumerate().map(|(b, s)| {
            let upgraded = plan.upgraded.contains(&b);
            let available_mw = available_mw(s, scenario, upgraded);
            let reserved_mw = (s.headroom_mw - available_mw).max(0.0);
            let (used_firm_mw, used_flexible_mw) = plan.used_mw(b);
            let utilization = if available_mw > 0.0 {
                used_firm_mw / available_mw
            } else {
                0.0
            };
            feature(
                &Geometry::Point(s.point),
                properties(json!({
                    "id": s.id,
                    "headroom_mw": mw(s.headroom_mw),
                    "reserved_mw": mw(reserved_mw),
                    "available_mw": mw(available_mw),
                    "used_firm_mw": mw(used_firm_mw),
                    "used_flexible_mw": mw(used_flexible_mw),
                    "upgraded": upgraded,
                    "utilization": round_to(utilization, 4),
                })),
            )
        }),
    )
}

/// MW a substation offers AI factories: its share of headroom net of community growth, plus
/// its upgrade when the plan takes it.
fn available_mw(s: &crate::layers::Substation, scenario: &Scenario, upgraded: bool) -> f64 {
    scenario.grid.max_headroom_share * (s.headroom_mw - s.community_growth_mw).max(0.0)
        + if upgraded { s.upgrade_mw } else { 0.0 }
}

/// The grid as a whole: firm MW available to AI factories, firm MW the plan uses, the share.
fn headroom_summary(map: &Map, scenario: &Scenario, plan: &Plan) -> Value {
    let available: f64 = (map.substations.iter().enumerate())
        .map(|(b, s)| available_mw(s, scenario, plan.upgraded.contains(&b)))
        .sum();
    let used: f64 = (0..map.substations.len()).map(|b| plan.used_mw(b).0).sum();
    let share = if available > 0.0 {
        used / available
    } else {
        0.0
    };
    json!({
        "available_mw": mw(available),
        "used_firm_mw": mw(used),
        "used_share": round_to(share, 4),
    })
}

/// The optimizer's account: the last program's size, what was eliminated and why, the first
/// plan's cost and the proven bound (USD rounded to whole dollars), and under `seconds` the
/// seconds from the start of the solve stage to the first plan and to the proof.
fn search_summary(search: &crate::optimizer::SearchReport) -> Value {
    let mut value = serde_json::to_value(search).unwrap_or(Value::Null);
    for key in ["first_plan_usd", "bound_usd"] {
        if let Some(v) = value.get(key).and_then(Value::as_f64) {
            value[key] = json!(usd(v));
        }
    }
    // Wall-clock milestones, like `seconds` the only figures that differ between runs.
    let milestone = |s: Option<f64>| s.map(|s| round_to(s, 3));
    value["seconds"] = json!({
        "first_plan": milestone(search.seconds_to_first_plan),
        "proof": milestone(search.seconds_to_proof),
    });
    value
}

/// `summary.json`.
pub fn summary(optimized: &Optimized, seconds: &StageSeconds) -> Value {
    let prepared = &optimized.prepared;
    let (map, scenario) = (&prepared.map, &prepared.scenario);
    let plan = &optimized.plan;
    let has_plan = optimized.status.has_plan();
    let mut stage_seconds = serde_json::Map::new();
    for (stage, s) in &seconds.0 {
        let total = stage_seconds
            .get(*stage)
            .and_then(Value::as_f64)
            .unwrap_or(0.0)
            + s;
        stage_seconds.insert(stage.to_string(), json!(round_to(total, 3)));
    }
    let mut summary = json!({
        "scenario": prepared.scenario.name,
        "status": optimized.status.as_str(),
        "objective_usd": if has_plan { json!(usd(plan.objective_usd())) } else { Value::Null },
        "gap": optimized.gap.map(|g| round_to(g, 6)),
        "total_mw": mw(plan.total_mw()),
        "sites": plan.sites.len(),
        "counts": {
            "parcels": prepared.map.parcels.len(),
            "candidates": prepared.screening.candidates.len(),
            "variables": optimized.variables,
            "constraints": optimized.constraints,
        },
        "seconds": stage_seconds,
        "version": VERSION,
        "target_mw": prepared.scenario.target.total_mw,
        "modelled_candidates": optimized.modelled_candidates,
        "communities": plan.communities(),
        "upgrade_usd": usd(plan.upgrade_usd),
        "upgraded": plan.upgraded.iter().map(|b| prepared.map.substations[*b].id.clone()).collect::<Vec<_>>(),
        "headroom": headroom_summary(map, scenario, plan),
        "search": search_summary(&optimized.search),
        "overrides": scenario.overrides.iter().map(|o| (o.key.clone(), json!(o.value))).collect::<serde_json::Map<_, _>>(),
    });
    if !optimized.shortfalls.is_empty() {
        summary["message"] = json!(
            optimized
                .shortfalls
                .iter()
                .map(|s| s.message.clone())
                .collect::<Vec<_>>()
                .join("; ")
        );
        summary["infeasibility"] = json!(optimized.shortfalls);
    }
    if optimized.status == crate::pipeline::Status::NoCandidates {
        let counts: serde_json::Map<String, Value> = prepared
            .screening
            .counts_by_reason()
            .into_iter()
            .map(|(r, n)| (r, json!(n)))
            .collect();
        summary["message"] = json!("no parcel passes every filter; see exclusions");
        summary["exclusions"] = Value::Object(counts);
    }
    summary
}
