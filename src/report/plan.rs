//! The outputs of `optimize`: `sites.geojson`, `feeds.geojson`, `substations.geojson`,
//! `excluded.geojson` and `summary.json`, with exactly the contract's properties.

use std::path::Path;
use std::time::Instant;

use geo::{Geometry, LineString};
use serde_json::json;

use super::screening::write_excluded;
use crate::costs;
use crate::files::{
    WriteError, feature, properties, round_to, write_feature_collection, write_json,
};
use crate::layers::Map;
use crate::outcome::{Optimized, StageSeconds};
use crate::plan::Plan;
use crate::scenario::Scenario;
use crate::summary::{Summary, km, mw, usd};

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
    write_json(&out.join("summary.json"), &Summary::of(optimized, seconds))
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
            let available_mw = costs::available_mw(scenario, s, upgraded);
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
