//! An independent checker of grid security (docs/grid-security.md, "Grid security", contract revision of
//! 2026-11-30) on the files `gridsite optimize` writes.
//!
//! It reads the raw map layers (`substations.geojson`, `lines.geojson` if any) and the scenario
//! (TOML) itself, and the plan from `feeds.geojson` and `substations.geojson` (`upgraded`), and
//! recomputes, without any of the crate's code:
//! - **N-1 feeds** (`min_feeds ≥ 2`): for every substation outage k, whether the firm MW the
//!   sites draw from k can move onto those sites' other feeds within each other substation's
//!   emergency capacity less its normal firm load. That is a transportation problem; it is
//!   decided by a maximum flow (`pathfinding`'s Edmonds–Karp) on
//!   source → site (firm MW from k) → its other feeds → sink (spare emergency MW).
//! - **Line limits** (maps with `lines.geojson`): its own DC power flow, solved per connected
//!   part with `nalgebra`'s LU on the reduced susceptance matrix. Radial lines are found by a
//!   graph search, not numerically. A line outage k carrying f_k is modelled, as the identity
//!   says, as the transfer of f_k from k's `from` to its `to` in the network without k (that
//!   network solved anew, no LODF formula). Every row is checked in its do-no-harm form.
//! - The written `lines.geojson` (flows, loadings, worst outages), the substations' emergency
//!   fields and the summary's line counts, where present, against that recomputation.
//!
//! Cost: one factorisation per non-radial line, O(lines · buses³): meant for test maps.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use nalgebra::{DMatrix, DVector};
use serde_json::{Map as JsonMap, Value};

type Props = JsonMap<String, Value>;

// ---------------------------------------------------------------------------------------------
// Reading.

/// Every test binary that holds this checker holds the plan checker beside it: one reader of a
/// FeatureCollection for both.
use super::plan_checker::read_features;

fn text_of(props: &Props, key: &str) -> Option<String> {
    match props.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn num_or(props: &Props, key: &str, default: f64) -> f64 {
    props.get(key).and_then(Value::as_f64).unwrap_or(default)
}

/// A substation as the grid rows see it.
#[derive(Debug, Clone)]
pub struct GridSubstation {
    pub id: String,
    pub headroom_mw: f64,
    pub community_growth_mw: f64,
    pub upgrade_mw: f64,
    pub supply_share: f64,
}

/// A line of `lines.geojson`, its ends as indices into the substations.
#[derive(Debug, Clone)]
pub struct GridLine {
    pub id: String,
    pub from: usize,
    pub to: usize,
    pub x_pu: f64,
    pub rating_mw: f64,
    pub emergency_rating_mw: f64,
    pub base_flow_mw: f64,
}

#[derive(Debug, Clone)]
pub struct GridMap {
    pub substations: Vec<GridSubstation>,
    pub lines: Vec<GridLine>,
}

impl GridMap {
    pub fn load(folder: &Path) -> GridMap {
        let substations: Vec<GridSubstation> = read_features(&folder.join("substations.geojson"))
            .into_iter()
            .map(|(_, p)| GridSubstation {
                id: text_of(&p, "id").expect("substation id"),
                headroom_mw: num_or(&p, "headroom_mw", f64::NAN),
                community_growth_mw: num_or(&p, "community_growth_mw", 0.0),
                upgrade_mw: num_or(&p, "upgrade_mw", 0.0),
                supply_share: num_or(&p, "supply_share", 0.0),
            })
            .collect();
        let index: BTreeMap<&str, usize> = substations
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .collect();
        let lines_path = folder.join("lines.geojson");
        let lines = if lines_path.exists() {
            read_features(&lines_path)
                .into_iter()
                .map(|(_, p)| {
                    let end = |key: &str| {
                        let id = text_of(&p, key).unwrap_or_else(|| panic!("line {key}"));
                        *index
                            .get(id.as_str())
                            .unwrap_or_else(|| panic!("line end {id} is no substation"))
                    };
                    let rating_mw = num_or(&p, "rating_mw", f64::NAN);
                    GridLine {
                        id: text_of(&p, "id").expect("line id"),
                        from: end("from"),
                        to: end("to"),
                        x_pu: num_or(&p, "x_pu", f64::NAN),
                        rating_mw,
                        emergency_rating_mw: num_or(&p, "emergency_rating_mw", rating_mw),
                        base_flow_mw: num_or(&p, "base_flow_mw", 0.0),
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        GridMap { substations, lines }
    }

    pub fn substation_index(&self, id: &str) -> Option<usize> {
        self.substations.iter().position(|s| s.id == id)
    }
}

/// The scenario keys grid security reads, with the contract's defaults.
#[derive(Debug, Clone)]
pub struct GridScenario {
    pub map: PathBuf,
    pub min_feeds: usize,
    pub max_headroom_share: f64,
    pub emergency_headroom_share: f64,
    pub max_line_loading: f64,
    pub line_contingencies: bool,
    /// On a row broken before any new load, substations whose factor on it is below this count
    /// for nothing (0: every substation counts, the contract's rule).
    pub harm_factor_cutoff: f64,
}

impl GridScenario {
    pub fn load(path: &Path) -> GridScenario {
        let text = std::fs::read_to_string(path).expect("read scenario");
        let doc: toml::Table = text.parse().expect("scenario TOML");
        let get = |section: &str, key: &str| doc.get(section).and_then(|t| t.get(key)).cloned();
        let num = |section: &str, key: &str, default: f64| match get(section, key) {
            Some(toml::Value::Integer(i)) => i as f64,
            Some(toml::Value::Float(f)) => f,
            None => default,
            Some(other) => panic!("{section}.{key}: not a number: {other}"),
        };
        let folder = path.parent().unwrap_or(Path::new(""));
        GridScenario {
            map: folder.join(doc["map"].as_str().expect("map")),
            min_feeds: num("site", "min_feeds", 1.0) as usize,
            max_headroom_share: num("grid", "max_headroom_share", 0.8),
            emergency_headroom_share: num("grid", "emergency_headroom_share", 1.0),
            max_line_loading: num("grid", "max_line_loading", 1.0),
            line_contingencies: match get("grid", "line_contingencies") {
                Some(toml::Value::Boolean(b)) => b,
                None => true,
                Some(other) => panic!("grid.line_contingencies: not a boolean: {other}"),
            },
            // The contract's default (docs/grid-security.md, "Harm cutoff", revision of 2026-12-07).
            harm_factor_cutoff: num("grid", "harm_factor_cutoff", 0.05),
        }
    }

    /// `emergency_headroom_share·max(0, headroom − growth) + upgrade_mw·upgraded`.
    pub fn emergency_capacity_mw(&self, s: &GridSubstation, upgraded: bool) -> f64 {
        self.emergency_headroom_share * (s.headroom_mw - s.community_growth_mw).max(0.0)
            + if upgraded { s.upgrade_mw } else { 0.0 }
    }
}

/// One feed of the plan.
#[derive(Debug, Clone)]
pub struct PlanFeed {
    pub parcel_id: String,
    pub substation: usize,
    pub firm_mw: f64,
    pub flexible_mw: f64,
}

/// The plan as grid security needs it: its feeds and upgraded substations.
#[derive(Debug, Clone, Default)]
pub struct GridPlan {
    pub feeds: Vec<PlanFeed>,
    pub upgraded: BTreeSet<usize>,
}

impl GridPlan {
    /// Reads `feeds.geojson` and `substations.geojson` (`upgraded`) of an output folder.
    /// Unknown substations are faults.
    pub fn load(map: &GridMap, out: &Path, faults: &mut Vec<String>) -> GridPlan {
        let mut plan = GridPlan::default();
        for (_, p) in read_features(&out.join("feeds.geojson")) {
            let parcel_id = text_of(&p, "parcel_id").unwrap_or_default();
            let sub = text_of(&p, "substation_id").unwrap_or_default();
            let Some(substation) = map.substation_index(&sub) else {
                faults.push(format!("feed {parcel_id}→{sub}: unknown substation"));
                continue;
            };
            plan.feeds.push(PlanFeed {
                parcel_id,
                substation,
                firm_mw: num_or(&p, "firm_mw", f64::NAN),
                flexible_mw: num_or(&p, "flexible_mw", 0.0),
            });
        }
        let path = out.join("substations.geojson");
        if path.exists() {
            for (_, p) in read_features(&path) {
                let id = text_of(&p, "id").unwrap_or_default();
                if p.get("upgraded").and_then(Value::as_bool) == Some(true) {
                    match map.substation_index(&id) {
                        Some(i) => {
                            plan.upgraded.insert(i);
                        }
                        None => faults.push(format!("substation {id}: unknown, yet upgraded")),
                    }
                }
            }
        }
        plan
    }

    /// Firm MW drawn from each substation.
    pub fn firm_by_substation(&self, n: usize) -> Vec<f64> {
        let mut v = vec![0.0; n];
        for f in &self.feeds {
            v[f.substation] += f.firm_mw;
        }
        v
    }

    /// Firm + flexible MW drawn from each substation.
    pub fn load_by_substation(&self, n: usize) -> Vec<f64> {
        let mut v = vec![0.0; n];
        for f in &self.feeds {
            v[f.substation] += f.firm_mw + f.flexible_mw;
        }
        v
    }

    /// MW tolerance: a micro-MW of the problem's scale, plus the rounding of the written feeds
    /// (their MW have 3 decimals, so each is within 5e-4 MW of the solver's value).
    pub fn tolerance_mw(&self, scale: f64) -> f64 {
        1e-6 * scale.max(1.0) + 5e-4 * (self.feeds.len() as f64 + 1.0)
    }
}

// ---------------------------------------------------------------------------------------------
// Do no harm.

/// The do-no-harm form of `|flow| ≤ limit`: `None` if it holds, else why not.
pub fn harm(pre: f64, post: f64, limit: f64, tol: f64) -> Option<String> {
    if pre.abs() <= limit + tol {
        (post.abs() > limit + tol).then(|| {
            format!(
                "{post:.4} MW exceeds the limit {limit:.4} MW (it was {pre:.4} MW without the plan)"
            )
        })
    } else if pre > limit {
        (post > pre + tol || post < -limit - tol).then(|| {
            format!(
                "{post:.4} MW leaves [−{limit:.4}, {pre:.4}]: the pre-existing violation of \
                 {pre:.4} MW is worsened"
            )
        })
    } else {
        (post < pre - tol || post > limit + tol).then(|| {
            format!(
                "{post:.4} MW leaves [{pre:.4}, {limit:.4}]: the pre-existing violation of \
                 {pre:.4} MW is worsened"
            )
        })
    }
}

// ---------------------------------------------------------------------------------------------
// N-1 feeds.

/// Integer capacity units for the max-flow: a micro-MW (Edmonds–Karp needs `Ord` capacities).
const UNITS_PER_MW: f64 = 1e6;

fn units(mw: f64) -> i64 {
    (mw.max(0.0) * UNITS_PER_MW).round() as i64
}

/// The N-1 rows for a plan: every single substation outage re-routes its firm MW within the
/// other substations' emergency capacity. Nothing to check with `min_feeds < 2`.
pub fn n1_violations(map: &GridMap, scenario: &GridScenario, plan: &GridPlan) -> Vec<String> {
    let mut faults = Vec::new();
    if scenario.min_feeds < 2 {
        return faults;
    }
    let n = map.substations.len();
    let normal = plan.firm_by_substation(n);
    let emergency: Vec<f64> = (0..n)
        .map(|b| scenario.emergency_capacity_mw(&map.substations[b], plan.upgraded.contains(&b)))
        .collect();
    let scale = emergency
        .iter()
        .chain(&normal)
        .fold(0.0f64, |a, b| a.max(b.abs()));
    let tol = plan.tolerance_mw(scale);
    // Feeds of each site.
    let mut site_feeds: BTreeMap<&str, Vec<&PlanFeed>> = BTreeMap::new();
    for f in &plan.feeds {
        site_feeds.entry(&f.parcel_id).or_default().push(f);
    }
    // Every substation keeps its normal firm MW within its emergency capacity while any other
    // one is out (the row for each pair k ≠ b with no pickup): reported once per substation.
    for b in (0..n).filter(|_| n >= 2) {
        if normal[b] > emergency[b] + tol {
            faults.push(format!(
                "N-1: while any other substation is out, substation {} carries its normal \
                 {:.4} MW firm, above its emergency capacity {:.4} MW",
                map.substations[b].id, normal[b], emergency[b]
            ));
        }
    }
    for k in 0..n {
        let out_id = &map.substations[k].id;
        // Sites that lose firm MW: source → site → other feeds → sink.
        let moving: Vec<(&str, f64)> = site_feeds
            .iter()
            .filter_map(|(site, feeds)| {
                let mw: f64 = feeds
                    .iter()
                    .filter(|f| f.substation == k)
                    .map(|f| f.firm_mw)
                    .sum();
                (mw > 0.0).then_some((*site, mw))
            })
            .collect();
        let demand: f64 = moving.iter().map(|(_, mw)| mw).sum();
        if demand <= tol {
            continue;
        }
        // Vertices: 0 source, 1 sink, 2.. sites, then substations.
        let sub_node = |b: usize| 2 + moving.len() + b;
        let vertices: Vec<usize> = (0..2 + moving.len() + n).collect();
        let mut edges: Vec<((usize, usize), i64)> = Vec::new();
        for (i, (site, mw)) in moving.iter().enumerate() {
            edges.push(((0, 2 + i), units(*mw)));
            for f in &site_feeds[site] {
                if f.substation != k {
                    edges.push(((2 + i, sub_node(f.substation)), units(*mw)));
                }
            }
        }
        for b in (0..n).filter(|&b| b != k) {
            edges.push(((sub_node(b), 1), units(emergency[b] - normal[b])));
        }
        let (_, moved, _) =
            pathfinding::directed::edmonds_karp::edmonds_karp_sparse(&vertices, &0, &1, edges);
        let moved_mw = moved as f64 / UNITS_PER_MW;
        if moved_mw < demand - tol {
            let spare: Vec<String> = (0..n)
                .filter(|&b| {
                    b != k
                        && moving
                            .iter()
                            .any(|(s, _)| site_feeds[s].iter().any(|f| f.substation == b))
                })
                .map(|b| {
                    format!(
                        "{} {:.4} MW",
                        map.substations[b].id,
                        (emergency[b] - normal[b]).max(0.0)
                    )
                })
                .collect();
            let sites: Vec<String> = moving
                .iter()
                .map(|(s, mw)| format!("{s} {mw:.4} MW"))
                .collect();
            faults.push(format!(
                "N-1: while substation {out_id} is out, {:.4} MW of firm load cannot be \
                 re-routed: {demand:.4} MW must move (sites: {}) and at most {moved_mw:.4} MW \
                 fits in the other feeds' spare emergency capacity ({})",
                demand - moved_mw,
                sites.join(", "),
                if spare.is_empty() {
                    "no other feed".to_string()
                } else {
                    spare.join(", ")
                }
            ));
        }
    }
    faults
}

// ---------------------------------------------------------------------------------------------
// DC power flow.

/// Connected parts of the line graph over buses 0..n, lines with `in_service` false left out:
/// the part of each bus (a bus on no line in service is a part of its own).
pub fn parts(n: usize, lines: &[GridLine], in_service: &dyn Fn(usize) -> bool) -> Vec<usize> {
    let mut adjacent = vec![Vec::new(); n];
    for (i, l) in lines.iter().enumerate() {
        if in_service(i) {
            adjacent[l.from].push(l.to);
            adjacent[l.to].push(l.from);
        }
    }
    let mut part = vec![usize::MAX; n];
    let mut next = 0;
    for start in 0..n {
        if part[start] != usize::MAX {
            continue;
        }
        part[start] = next;
        let mut stack = vec![start];
        while let Some(b) = stack.pop() {
            for &c in &adjacent[b] {
                if part[c] == usize::MAX {
                    part[c] = next;
                    stack.push(c);
                }
            }
        }
        next += 1;
    }
    part
}

/// DC flows (positive from `from` to `to`) of the lines in service for bus injections
/// `injection` (MW, positive into the network), which must balance within each part. Each part
/// is solved on its own: its first bus is the reference, `B θ = P` on the others (LU), and a
/// line carries `(θ_from − θ_to)/x_pu`. Lines out of service carry 0.
pub fn dc_flows(
    n: usize,
    lines: &[GridLine],
    in_service: &dyn Fn(usize) -> bool,
    injection: &[f64],
) -> Vec<f64> {
    let part = parts(n, lines, in_service);
    let mut theta = vec![0.0; n];
    let count = part.iter().copied().max().map_or(0, |m| m + 1);
    for p in 0..count {
        let buses: Vec<usize> = (0..n).filter(|&b| part[b] == p).collect();
        if buses.len() < 2 {
            continue;
        }
        // Reduced index of each bus of the part, the reference (first bus) left out.
        let mut reduced = vec![usize::MAX; n];
        for (i, &b) in buses[1..].iter().enumerate() {
            reduced[b] = i;
        }
        let m = buses.len() - 1;
        let mut susceptance = DMatrix::<f64>::zeros(m, m);
        for (i, l) in lines.iter().enumerate() {
            if !in_service(i) || part[l.from] != p {
                continue;
            }
            let y = 1.0 / l.x_pu;
            let (a, b) = (reduced[l.from], reduced[l.to]);
            if a != usize::MAX {
                susceptance[(a, a)] += y;
            }
            if b != usize::MAX {
                susceptance[(b, b)] += y;
            }
            if a != usize::MAX && b != usize::MAX {
                susceptance[(a, b)] -= y;
                susceptance[(b, a)] -= y;
            }
        }
        let rhs = DVector::from_iterator(m, buses[1..].iter().map(|&b| injection[b]));
        let solved = susceptance
            .lu()
            .solve(&rhs)
            .expect("a connected part's reduced susceptance matrix is invertible");
        for (i, &b) in buses[1..].iter().enumerate() {
            theta[b] = solved[i];
        }
    }
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if in_service(i) {
                (theta[l.from] - theta[l.to]) / l.x_pu
            } else {
                0.0
            }
        })
        .collect()
}

/// Bus injections that supply `load` (MW withdrawn at each bus) from each part's substations
/// with `supply_share > 0`, in proportion to their shares renormalised within the part. Loads
/// in a part with no supply (or at a bus on no line) are left out, their buses returned.
pub fn supplied_injections(map: &GridMap, load: &[f64]) -> (Vec<f64>, Vec<usize>) {
    let n = map.substations.len();
    let part = parts(n, &map.lines, &|_| true);
    let mut on_line = vec![false; n];
    for l in &map.lines {
        on_line[l.from] = true;
        on_line[l.to] = true;
    }
    let mut injection = vec![0.0; n];
    let mut unsupplied = Vec::new();
    let count = part.iter().copied().max().map_or(0, |m| m + 1);
    for p in 0..count {
        let buses: Vec<usize> = (0..n).filter(|&b| part[b] == p && on_line[b]).collect();
        let total_load: f64 = buses.iter().map(|&b| load[b]).sum();
        let total_share: f64 = buses
            .iter()
            .map(|&b| map.substations[b].supply_share.max(0.0))
            .sum();
        if total_share <= 0.0 {
            unsupplied.extend(buses.iter().filter(|&&b| load[b] != 0.0));
            continue;
        }
        for &b in &buses {
            let share = map.substations[b].supply_share.max(0.0) / total_share;
            injection[b] = share * total_load - load[b];
        }
    }
    (injection, unsupplied)
}

/// Whether the outage of each line splits its part (radial), by graph search.
pub fn radial_lines(map: &GridMap) -> Vec<bool> {
    let n = map.substations.len();
    (0..map.lines.len())
        .map(|k| {
            let part = parts(n, &map.lines, &|i| i != k);
            part[map.lines[k].from] != part[map.lines[k].to]
        })
        .collect()
}

/// What the line rows of a plan come to, recomputed.
#[derive(Debug, Clone)]
pub struct LineFlows {
    /// Normal flow with the plan (base + change from firm and flexible load).
    pub flow_mw: Vec<f64>,
    /// Flow before any outage with the firm load only (flexible curtailed).
    pub firm_flow_mw: Vec<f64>,
    pub radial: Vec<bool>,
    /// Outage rows: for line l, every contingency k of its part with the pre and post flow on
    /// l while k is out.
    pub outages: Vec<Vec<(usize, f64, f64)>>,
    /// Pre-existing violations: normal rows and (outage, line) pairs over their limit without
    /// the plan.
    pub preexisting_normal: usize,
    pub preexisting_outage_pairs: usize,
    pub tol: f64,
}

/// Recomputes every line row for the plan and gives the violations with it.
pub fn line_flows(
    map: &GridMap,
    scenario: &GridScenario,
    plan: &GridPlan,
) -> (LineFlows, Vec<String>) {
    let mut faults = Vec::new();
    let n = map.substations.len();
    let lines = &map.lines;
    let load = plan.load_by_substation(n);
    let firm = plan.firm_by_substation(n);
    let scale = load
        .iter()
        .map(|x| x.abs())
        .chain(lines.iter().map(|l| l.base_flow_mw.abs().max(l.rating_mw)))
        .fold(0.0f64, f64::max);
    let tol = plan.tolerance_mw(scale);

    let (injection, unsupplied) = supplied_injections(map, &load);
    for b in unsupplied {
        if load[b] > tol {
            faults.push(format!(
                "lines: substation {} takes {:.4} MW of new load in a part of the network with \
                 no supply",
                map.substations[b].id, load[b]
            ));
        }
    }
    let (firm_injection, _) = supplied_injections(map, &firm);
    let all = |_: usize| true;
    let change = dc_flows(n, lines, &all, &injection);
    let firm_change = dc_flows(n, lines, &all, &firm_injection);
    let flow_mw: Vec<f64> = lines
        .iter()
        .zip(&change)
        .map(|(l, c)| l.base_flow_mw + c)
        .collect();
    let firm_flow_mw: Vec<f64> = lines
        .iter()
        .zip(&firm_change)
        .map(|(l, c)| l.base_flow_mw + c)
        .collect();

    // With a harm cutoff: each loaded substation's flow change per MW, by line (the rows'
    // factors, from this checker's own power flow).
    let cutoff = scenario.harm_factor_cutoff;
    let unit_change: Vec<(usize, Vec<f64>)> = if cutoff > 0.0 {
        (0..n)
            .filter(|&b| load[b] > 0.0)
            .map(|b| {
                let mut unit = vec![0.0; n];
                unit[b] = 1.0;
                let (injection, _) = supplied_injections(map, &unit);
                (b, dc_flows(n, lines, &all, &injection))
            })
            .collect()
    } else {
        Vec::new()
    };
    // The row's flow as the cutoff counts it: pre plus the terms of the substations whose
    // factor is at least the cutoff.
    let counted = |pre: f64, factor: &dyn Fn(&[f64]) -> f64, new_mw: &[f64]| -> f64 {
        pre + (unit_change.iter())
            .map(|(b, change)| (factor(change), new_mw[*b]))
            .filter(|(c, _)| c.abs() >= cutoff)
            .map(|(c, mw)| c * mw)
            .sum::<f64>()
    };
    let cut_post = |pre: f64, post: f64, limit: f64, factor: &dyn Fn(&[f64]) -> f64, new_mw| {
        if cutoff > 0.0 && pre.abs() > limit {
            counted(pre, factor, new_mw)
        } else {
            post
        }
    };

    // Normal operation.
    let mut preexisting_normal = 0;
    for (i, l) in lines.iter().enumerate() {
        let limit = scenario.max_line_loading * l.rating_mw;
        if l.base_flow_mw.abs() > limit + tol {
            preexisting_normal += 1;
        }
        let post = cut_post(l.base_flow_mw, flow_mw[i], limit, &|c| c[i], &load);
        if let Some(why) = harm(l.base_flow_mw, post, limit, tol) {
            faults.push(format!("line {} in normal operation: {why}", l.id));
        }
    }

    // Outages.
    let radial = radial_lines(map);
    let part = parts(n, lines, &all);
    let mut outages = vec![Vec::new(); lines.len()];
    let mut preexisting_outage_pairs = 0;
    if scenario.line_contingencies {
        for (k, lk) in lines.iter().enumerate() {
            if radial[k] {
                continue;
            }
            // One MW moved from k's `from` to its `to` in the network without k.
            let mut unit = vec![0.0; n];
            unit[lk.from] = 1.0;
            unit[lk.to] = -1.0;
            let transfer = dc_flows(n, lines, &|i| i != k, &unit);
            for (l, ll) in lines.iter().enumerate() {
                if l == k || part[ll.from] != part[lk.from] {
                    continue;
                }
                let pre = ll.base_flow_mw + lk.base_flow_mw * transfer[l];
                let post = firm_flow_mw[l] + firm_flow_mw[k] * transfer[l];
                outages[l].push((k, pre, post));
                if pre.abs() > ll.emergency_rating_mw + tol {
                    preexisting_outage_pairs += 1;
                }
                let factor = |c: &[f64]| c[l] + c[k] * transfer[l];
                let post = cut_post(pre, post, ll.emergency_rating_mw, &factor, &firm);
                if let Some(why) = harm(pre, post, ll.emergency_rating_mw, tol) {
                    faults.push(format!(
                        "line {} while line {} is out (emergency rating): {why}",
                        ll.id, lk.id
                    ));
                }
            }
        }
    }
    (
        LineFlows {
            flow_mw,
            firm_flow_mw,
            radial,
            outages,
            preexisting_normal,
            preexisting_outage_pairs,
            tol,
        },
        faults,
    )
}

// ---------------------------------------------------------------------------------------------
// The checker.

/// Grid security of a plan, from the map and the plan only (no other output file): every
/// violated N-1 or line row, as readable text; empty when the plan is secure.
pub fn check_security(map: &GridMap, scenario: &GridScenario, plan: &GridPlan) -> Vec<String> {
    let mut faults = n1_violations(map, scenario, plan);
    if !map.lines.is_empty() {
        faults.extend(line_flows(map, scenario, plan).1);
    }
    faults
}

/// Checks an output folder of `gridsite optimize` for grid security and for the grid figures it
/// writes (`lines.geojson`, the substations' emergency fields, the summary's line counts), the
/// map read from `map_dir` and the keys from `scenario_path`. Gives every violation as text;
/// empty means secure and consistent.
pub fn check_grid(map_dir: &Path, scenario_path: &Path, out: &Path) -> Vec<String> {
    let map = GridMap::load(map_dir);
    let scenario = GridScenario::load(scenario_path);
    let mut faults = Vec::new();
    let plan = GridPlan::load(&map, out, &mut faults);
    faults.extend(n1_violations(&map, &scenario, &plan));
    let flows = if map.lines.is_empty() {
        None
    } else {
        let (flows, line_faults) = line_flows(&map, &scenario, &plan);
        faults.extend(line_faults);
        Some(flows)
    };
    faults.extend(substation_output_faults(&map, &scenario, &plan, out));
    match &flows {
        Some(flows) => faults.extend(lines_output_faults(&map, &scenario, flows, out)),
        None => {
            let path = out.join("lines.geojson");
            if path.exists() && !read_features(&path).is_empty() {
                faults.push("lines.geojson has features but the map has no lines".into());
            }
        }
    }
    faults.extend(summary_faults(&map, &scenario, flows.as_ref(), out));
    faults
}

/// [`check_grid`] with the map the scenario names.
pub fn check_grid_for(scenario_path: &Path, out: &Path) -> Vec<String> {
    let map = GridScenario::load(scenario_path).map;
    check_grid(&map, scenario_path, out)
}

fn substation_output_faults(
    map: &GridMap,
    scenario: &GridScenario,
    plan: &GridPlan,
    out: &Path,
) -> Vec<String> {
    let mut faults = Vec::new();
    let path = out.join("substations.geojson");
    if scenario.min_feeds < 2 || !path.exists() {
        return faults;
    }
    let n = map.substations.len();
    let normal = plan.firm_by_substation(n);
    let tol = plan.tolerance_mw(1.0) + 1e-3;
    for (_, p) in read_features(&path) {
        let id = text_of(&p, "id").unwrap_or_default();
        let Some(b) = map.substation_index(&id) else {
            continue;
        };
        let want = scenario.emergency_capacity_mw(&map.substations[b], plan.upgraded.contains(&b));
        match p.get("emergency_available_mw").and_then(Value::as_f64) {
            None => faults.push(format!(
                "substations.geojson {id}: no emergency_available_mw with min_feeds ≥ 2"
            )),
            Some(got) if (got - want).abs() > 1e-3 + 1e-9 * want => faults.push(format!(
                "substations.geojson {id}: emergency_available_mw {got} != {want}"
            )),
            Some(_) => {}
        }
        match p.get("worst_outage_pickup_mw").and_then(Value::as_f64) {
            None => faults.push(format!(
                "substations.geojson {id}: no worst_outage_pickup_mw with min_feeds ≥ 2"
            )),
            Some(got) if got < -tol || normal[b] + got > want + tol => faults.push(format!(
                "substations.geojson {id}: worst_outage_pickup_mw {got} with {:.4} MW firm \
                 does not fit its emergency capacity {want:.4} MW",
                normal[b]
            )),
            Some(_) => {}
        }
    }
    faults
}

fn lines_output_faults(
    map: &GridMap,
    scenario: &GridScenario,
    flows: &LineFlows,
    out: &Path,
) -> Vec<String> {
    let mut faults = Vec::new();
    let path = out.join("lines.geojson");
    if !path.exists() {
        faults.push("lines.geojson was not written for a map with lines".into());
        return faults;
    }
    let tol = flows.tol + 1e-3;
    let features = read_features(&path);
    let mut seen = BTreeSet::new();
    for (_, p) in &features {
        let id = text_of(p, "id").unwrap_or_default();
        let Some(i) = map.lines.iter().position(|l| l.id == id) else {
            faults.push(format!("lines.geojson: line {id:?} is not in the map"));
            continue;
        };
        if !seen.insert(i) {
            faults.push(format!("lines.geojson: line {id} written twice"));
        }
        let l = &map.lines[i];
        let label = format!("lines.geojson {id}");
        for (key, want) in [
            ("from", &map.substations[l.from].id),
            ("to", &map.substations[l.to].id),
        ] {
            if text_of(p, key).as_ref() != Some(want) {
                faults.push(format!("{label}: {key} {:?} != {want}", p.get(key)));
            }
        }
        for (key, want, tol) in [
            ("rating_mw", l.rating_mw, 1e-3),
            ("base_flow_mw", l.base_flow_mw, 1e-3),
            ("flow_mw", flows.flow_mw[i], tol),
            (
                "loading",
                flows.flow_mw[i].abs() / l.rating_mw,
                1e-4 + tol / l.rating_mw,
            ),
        ] {
            let got = num_or(p, key, f64::NAN);
            // NaN (missing) fails too.
            if (got - want).abs().is_nan() || (got - want).abs() > tol {
                faults.push(format!("{label}: {key} {got} != recomputed {want:.6}"));
            }
        }
        // The crate's mark of a pre-existing violation, where written: true for a line over its
        // normal limit without the plan; true only for a line over a limit (normal, or
        // emergency after some outage) without the plan.
        if let Some(marked) = p.get("preexisting_violation").and_then(Value::as_bool) {
            let normal = l.base_flow_mw.abs() > scenario.max_line_loading * l.rating_mw + flows.tol;
            let outage = flows.outages[i]
                .iter()
                .any(|r| r.1.abs() > l.emergency_rating_mw + flows.tol);
            if (normal && !marked) || (marked && !normal && !outage) {
                faults.push(format!(
                    "{label}: preexisting_violation {marked}, but without the plan it is {} its \
                     normal limit{}",
                    if normal { "over" } else { "within" },
                    if outage {
                        " and over its emergency rating after an outage"
                    } else {
                        ""
                    }
                ));
            }
        }
        // The worst outage for this line.
        let rows = &flows.outages[i];
        let loading = |post: f64| post.abs() / l.emergency_rating_mw;
        let best = rows
            .iter()
            .map(|r| loading(r.2))
            .fold(None, |a: Option<f64>, x| Some(a.map_or(x, |a| a.max(x))));
        let worst = p.get("worst_outage").cloned().unwrap_or(Value::Null);
        let outage_loading = p.get("outage_loading").and_then(Value::as_f64);
        match (&worst, best) {
            (Value::Null, None) => {}
            // Null is allowed where no outage moves its flow (a radial line off a loop, say).
            (Value::Null, Some(best))
                if rows
                    .iter()
                    .any(|r| (r.2 - flows.firm_flow_mw[i]).abs() > tol) =>
            {
                faults.push(format!(
                    "{label}: worst_outage is null but an outage loads it to {best:.4}"
                ))
            }
            (Value::Null, Some(_)) => {}
            (named, _) => {
                let named = match named {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                match map.lines.iter().position(|x| x.id == named) {
                    Some(k) if rows.iter().any(|r| r.0 == k) => {
                        let row = rows.iter().find(|r| r.0 == k).unwrap();
                        let got = loading(row.2);
                        let lt = 1e-4 + tol / l.emergency_rating_mw;
                        if got < best.unwrap_or(0.0) - lt {
                            faults.push(format!(
                                "{label}: worst_outage {named} loads it to {got:.4}, less than \
                                 another outage's {:.4}",
                                best.unwrap_or(0.0)
                            ));
                        }
                        if !outage_loading.is_some_and(|x| (x - got).abs() <= lt) {
                            faults.push(format!(
                                "{label}: outage_loading {outage_loading:?} != recomputed \
                                 {got:.6} for the outage of {named}"
                            ));
                        }
                    }
                    _ if !scenario.line_contingencies => {}
                    _ => faults.push(format!(
                        "{label}: worst_outage {named} is not a contingency of its part"
                    )),
                }
            }
        }
    }
    for (i, l) in map.lines.iter().enumerate() {
        if !seen.contains(&i) {
            faults.push(format!("lines.geojson: line {} missing", l.id));
        }
    }
    faults
}

fn summary_faults(
    map: &GridMap,
    scenario: &GridScenario,
    flows: Option<&LineFlows>,
    out: &Path,
) -> Vec<String> {
    let mut faults = Vec::new();
    let path = out.join("summary.json");
    if !path.exists() {
        faults.push(format!("{} missing", path.display()));
        return faults;
    }
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read summary.json"))
            .expect("summary.json is JSON");
    let counts = &summary["counts"];
    let n_lines = map.lines.len() as u64;
    match counts.get("lines").and_then(Value::as_u64) {
        None => faults.push("summary counts.lines missing".into()),
        Some(got) if got != n_lines => {
            faults.push(format!("summary counts.lines {got} != {n_lines}"))
        }
        Some(_) => {}
    }
    if map.lines.is_empty() {
        return faults;
    }
    let Some(flows) = flows else {
        return faults;
    };
    let contingencies = flows.radial.iter().filter(|r| !**r).count() as u64;
    match counts.get("contingencies").and_then(Value::as_u64) {
        None => faults.push("summary counts.contingencies missing for a map with lines".into()),
        Some(got) if got != contingencies && (scenario.line_contingencies || got != 0) => faults
            .push(format!(
                "summary counts.contingencies {got} != {contingencies} non-radial lines"
            )),
        Some(_) => {}
    }
    let radial: BTreeSet<String> = map
        .lines
        .iter()
        .zip(&flows.radial)
        .filter(|(_, r)| **r)
        .map(|(l, _)| l.id.clone())
        .collect();
    // Top level, or under `counts`.
    let field = |key: &str| summary.get(key).or_else(|| counts.get(key));
    match field("radial_lines").and_then(Value::as_array) {
        None => faults.push("summary radial_lines missing for a map with lines".into()),
        Some(list) => {
            let got: BTreeSet<String> = list
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect();
            // Without line contingencies no line is one; either reading is accepted then.
            let every: BTreeSet<String> = map.lines.iter().map(|l| l.id.clone()).collect();
            let fits = got == radial || (!scenario.line_contingencies && got == every);
            if !fits || got.len() != list.len() {
                faults.push(format!("summary radial_lines {list:?} != {radial:?}"));
            }
        }
    }
    let preexisting = field("preexisting_violations").and_then(Value::as_u64);
    if preexisting.is_none() {
        faults.push("summary preexisting_violations missing for a map with lines".into());
    }
    if let Some(got) = preexisting {
        let want = (flows.preexisting_normal + flows.preexisting_outage_pairs) as u64;
        if got != want {
            faults.push(format!(
                "summary preexisting_violations {got} != {want} ({} normal rows + {} \
                 outage-line pairs over their limit without the plan)",
                flows.preexisting_normal, flows.preexisting_outage_pairs
            ));
        }
    }
    faults
}
