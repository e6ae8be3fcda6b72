//! The recipe's `[network]`: a region's transmission network as `lines.geojson`, and the
//! substations' `supply_share`. Takes the network's source files (a California Test System
//! extract, or PyPSA-KR's OSM network; [`NetworkSpec`]) and the map's substations as built;
//! gives the lines, the network-only substations and the supply shares.
//!
//! The rules, the same for every source:
//! - **Buses onto substations.** A bus belongs to the nearest substation of the map within
//!   `bus_km` (great-circle; a tie in distance goes to the smaller id). Buses of one substation
//!   merge, so branches between them (transformers and bus ties inside a station) drop out. A
//!   bus with no map substation within `bus_km` becomes a network-only substation
//!   `<id_prefix><bus>` with `headroom_mw` 0: the network passes through it, new load does
//!   not connect there.
//! - **The region's edge.** A bus is inside when the source says so (CATS: its `inside` flag,
//!   the extract's bbox) or, for sources without that flag, when it lies in the boundary.
//!   Branches with both ends outside are dropped; a branch with one end outside is a tie
//!   branch, and its outside end a tie point.
//! - **Supply.** New load is supplied through the tie points: each tie point's substation
//!   gets `supply_share` = the ratings (`rating_mw`) of its tie branches over the ratings of
//!   all tie branches. The shares sum to 1 over the map; the optimizer renormalises them
//!   within each connected part. Generators inside the region are not counted: their output
//!   is in the base case's flows already, and the MW for new load come across the ties.
//! - **Line ids** are `<id_prefix><from bus>-<to bus>-<n>`, the source's bus ids in the
//!   source's direction, `n` counting parallel branches between those buses in source order
//!   (dropped branches counted too, so ids stay stable when `bus_km` changes).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use geo::{Distance, Geometry, Haversine, Point};
use geojson::JsonObject;
use serde_json::{Value, json};

use super::boundary::Boundary;
use super::build::{Built, SourceCount};
use super::convert::number;
use super::error::ImportError;
use super::recipe::NetworkSpec;

mod source;
use source::{Bus, read_cats, read_osm};

/// What the network gives the map.
#[derive(Debug, Clone, PartialEq)]
pub struct BuiltNetwork {
    /// The lines, one per branch between two different substations.
    pub lines: Vec<Built>,
    /// Buses with no map substation within `bus_km` (headroom 0).
    pub network_only: Vec<Built>,
    /// `supply_share` by substation id (only those > 0).
    pub supply: BTreeMap<String, f64>,
    /// What each source file gave (branches, buses) for `map.json`.
    pub counts: Vec<SourceCount>,
    /// The buses file's count for the substations layer (kept = network-only substations).
    pub buses: SourceCount,
    /// Figures and rules for `map.json`.
    pub metadata: Value,
}

/// The nearest map substation to `point` within `km`, ties to the smaller id.
fn nearest(point: Point, substations: &[(String, Point)], km: f64) -> Option<&str> {
    let mut best: Option<(f64, &str)> = None;
    for (id, p) in substations {
        let d = Haversine.distance(point, *p) / 1000.0;
        if d <= km && best.is_none_or(|(bd, bid)| d < bd || (d == bd && id.as_str() < bid)) {
            best = Some((d, id.as_str()));
        }
    }
    best.map(|(_, id)| id)
}

/// Builds the network of the recipe's `[network]` onto the map's substations.
pub fn build(
    recipe_path: &Path,
    folder: &Path,
    boundary: &Boundary,
    spec: &NetworkSpec,
    substations: &[Built],
) -> Result<BuiltNetwork, ImportError> {
    let source = match spec {
        NetworkSpec::Cats(cats) => read_cats(recipe_path, folder, cats)?,
        NetworkSpec::PypsaOsm(osm) => read_osm(recipe_path, folder, osm, boundary)?,
    };
    let (bus_km, prefix) = (spec.bus_km(), spec.id_prefix());
    let points: Vec<(String, Point)> = substations
        .iter()
        .filter_map(|s| match s.geometry {
            Geometry::Point(p) => Some((s.id.clone(), p)),
            _ => None,
        })
        .collect();

    // Branches with at least one end inside; their buses onto substations.
    let inside = |bus: &str| source.buses.get(bus).is_some_and(|b| b.inside);
    let mut node: BTreeMap<&str, String> = BTreeMap::new();
    let mut network_only: BTreeMap<String, &Bus> = BTreeMap::new();
    let mut mapped_buses = 0;
    let mut parallel: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut lines = Vec::new();
    let mut kept_by_file = vec![0; source.files.len()];
    let mut tie_mw: BTreeMap<String, f64> = BTreeMap::new();
    let (mut outside_both, mut inside_station) = (0, 0);
    for branch in &source.branches {
        let n = parallel
            .entry((branch.from.as_str(), branch.to.as_str()))
            .or_insert(0);
        *n += 1;
        let id = format!("{prefix}{}-{}-{n}", branch.from, branch.to);
        if !inside(&branch.from) && !inside(&branch.to) {
            outside_both += 1;
            continue;
        }
        let mut ends = Vec::new();
        for bus_id in [branch.from.as_str(), branch.to.as_str()] {
            let substation = match node.get(bus_id) {
                Some(s) => s.clone(),
                None => {
                    // Every branch end was checked against the buses when read.
                    let Some(bus) = source.buses.get(bus_id) else {
                        continue;
                    };
                    let s = match nearest(bus.point, &points, bus_km) {
                        Some(s) => {
                            mapped_buses += 1;
                            s.to_string()
                        }
                        None => {
                            let s = format!("{prefix}{bus_id}");
                            network_only.insert(s.clone(), bus);
                            s
                        }
                    };
                    node.insert(bus_id, s.clone());
                    s
                }
            };
            ends.push(substation);
        }
        let [from, to] = &ends[..] else {
            continue;
        };
        if inside(&branch.from) != inside(&branch.to) {
            let outside = if inside(&branch.from) { to } else { from };
            *tie_mw.entry(outside.clone()).or_insert(0.0) += branch.rating_mw;
        }
        if from == to {
            inside_station += 1;
            continue;
        }
        if let Some(kept) = kept_by_file.get_mut(branch.file) {
            *kept += 1;
        }
        let mut properties = JsonObject::new();
        properties.insert("id".into(), Value::String(id.clone()));
        properties.insert("from".into(), Value::String(from.clone()));
        properties.insert("to".into(), Value::String(to.clone()));
        properties.insert("x_pu".into(), number(branch.x_pu));
        properties.insert("rating_mw".into(), number(branch.rating_mw));
        properties.insert("emergency_rating_mw".into(), number(branch.rating_mw));
        properties.insert("base_flow_mw".into(), number(branch.base_flow_mw));
        properties.insert("voltage_kv".into(), number(branch.voltage_kv));
        properties.insert("name".into(), Value::String(branch.name.clone()));
        lines.push(Built {
            id,
            geometry: branch.geometry.clone(),
            properties,
            origin: format!("{} ({})", recipe_path.display(), branch.name),
        });
    }

    let tie_total: f64 = tie_mw.values().sum();
    if tie_total <= 0.0 {
        return Err(ImportError::Rule {
            recipe: recipe_path.to_path_buf(),
            message: format!(
                "network: no branch of {} crosses the region's edge: no tie point to supply new load",
                source.files[0].0.display()
            ),
        });
    }
    let supply: BTreeMap<String, f64> = (tie_mw.iter())
        .map(|(s, mw)| (s.clone(), mw / tie_total))
        .collect();

    let network_only: Vec<Built> = network_only
        .into_iter()
        .map(|(id, bus)| {
            let mut properties = JsonObject::new();
            properties.insert("id".into(), Value::String(id.clone()));
            properties.insert("name".into(), Value::String(bus.name.clone()));
            properties.insert("voltage_kv".into(), number(bus.kv));
            properties.insert("headroom_mw".into(), number(0.0));
            if let Some(share) = supply.get(&id) {
                properties.insert("supply_share".into(), number(*share));
            }
            Built {
                id,
                geometry: Geometry::Point(bus.point),
                properties,
                origin: format!("{} ({})", source.buses_file.display(), bus.name),
            }
        })
        .collect();

    let parts = connected_parts(&lines);
    let supplied_parts = (parts.values().collect::<BTreeSet<_>>().into_iter())
        .filter(|part| {
            supply
                .keys()
                .any(|s| parts.get(s.as_str()).is_some_and(|p| p == *part))
        })
        .count();
    let part_count = parts.values().collect::<BTreeSet<_>>().len();
    let map_on_network = (points.iter())
        .filter(|(id, _)| parts.contains_key(id.as_str()))
        .count();
    let shares: BTreeMap<&String, f64> = supply
        .iter()
        .map(|(s, v)| (s, crate::files::round_to(*v, 6)))
        .collect();
    let buses_file = source.buses_file.clone();
    let mut rules = source.rules.clone();
    rules.extend([
        format!("a bus belongs to the nearest map substation within {bus_km} km; buses of one substation merge and the branches between them drop out"),
        format!("a bus with no map substation within {bus_km} km is a network-only substation \"{prefix}<bus>\" with headroom_mw 0"),
        "branches with both ends outside the region are dropped; a branch with one end outside is a tie branch".into(),
        "supply_share of a substation = ratings of the tie branches whose outside end it holds / ratings of all tie branches; generators inside the region are not counted".into(),
        format!("line ids \"{prefix}<from bus>-<to bus>-<n>\" (n counts parallel branches in source order)"),
    ]);
    let kind = match spec {
        NetworkSpec::Cats(_) => "cats",
        NetworkSpec::PypsaOsm(_) => "pypsa_osm",
    };
    let metadata = json!({
        "kind": kind,
        "bus_km": bus_km,
        "buses_on_lines": node.len(),
        "buses_on_map_substations": mapped_buses,
        "network_only_substations": network_only.len(),
        "map_substations_on_lines": map_on_network,
        "branches_read": source.branches.len() + source.out_of_service,
        "branches_out_of_service": source.out_of_service,
        "branches_outside_the_region": outside_both,
        "branches_inside_one_substation": inside_station,
        "lines": lines.len(),
        "tie_branches_mw": crate::files::round_to(tie_total, 6),
        "supply_share": shares,
        "connected_parts": part_count,
        "connected_parts_with_supply": supplied_parts,
        "rules": rules,
    });
    let counts = (source.files.iter().zip(&kept_by_file))
        .filter(|((path, _), _)| *path != buses_file)
        .map(|((path, read), kept)| SourceCount {
            path: path.clone(),
            read: *read,
            kept: *kept,
            rules: source.rules.clone(),
        })
        .collect();
    let buses_read = (source.files.iter())
        .find(|(path, _)| *path == buses_file)
        .map_or(0, |(_, read)| *read);
    Ok(BuiltNetwork {
        buses: SourceCount {
            path: buses_file,
            read: buses_read,
            kept: network_only.len(),
            rules: vec![format!(
                "network-only substations: buses on lines with no map substation within {bus_km} km; id \"{prefix}<bus>\", headroom_mw 0"
            )],
        },
        lines,
        network_only,
        supply,
        counts,
        metadata,
    })
}

/// Each substation on a line, with the smallest substation id of its connected part.
pub fn connected_parts(lines: &[Built]) -> BTreeMap<String, String> {
    let ends = |l: &Built| {
        let end = |k: &str| {
            l.properties
                .get(k)
                .and_then(Value::as_str)
                .map(String::from)
        };
        end("from").zip(end("to"))
    };
    let mut parent: BTreeMap<String, String> = BTreeMap::new();
    fn root(parent: &BTreeMap<String, String>, mut x: String) -> String {
        while let Some(p) = parent.get(&x).filter(|p| **p != x) {
            x = p.clone();
        }
        x
    }
    for (a, b) in lines.iter().filter_map(ends) {
        parent.entry(a.clone()).or_insert_with(|| a.clone());
        parent.entry(b.clone()).or_insert_with(|| b.clone());
        let (ra, rb) = (root(&parent, a), root(&parent, b));
        if ra != rb {
            let (small, large) = if ra < rb { (ra, rb) } else { (rb, ra) };
            parent.insert(large, small);
        }
    }
    let keys: Vec<String> = parent.keys().cloned().collect();
    keys.into_iter()
        .map(|k| {
            let r = root(&parent, k.clone());
            (k, r)
        })
        .collect()
}
