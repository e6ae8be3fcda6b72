//! The plan's grid-security figures, as the outputs report them: each line's flow and loading
//! with the plan, its worst outage, the rows broken before any new load, and each
//! substation's emergency capacity and worst pickup (docs/grid-security.md, "Grid security", "Outputs").
//!
//! Takes the map, its [`Network`], the scenario and a plan's new load by substation and its
//! outage re-dispatches ([`PlanLoads`]; `Plan::grid_report` gives them); gives a [`GridReport`].
//! The flows are the rows' own figures ([`crate::grid::security`]), so what the files say is
//! what the program held.

use std::collections::BTreeMap;

use super::outages::Outage;
use super::security::{Flows, pre_plan_flows_mw};
use super::twin::Network;
use crate::layers::Map;
use crate::scenario::Scenario;

/// What the figures read of a plan: its new load by substation, and with `min_feeds ≥ 2` the
/// re-dispatch of each substation outage.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlanLoads {
    /// By substation, all the new load (firm and flexible), MW.
    pub load_mw: Vec<f64>,
    /// By substation, its firm part, MW.
    pub firm_mw: Vec<f64>,
    /// One re-dispatch an outage (empty without N-1 feeds).
    pub outages: Vec<Outage>,
}

/// One line with the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct LineOutcome {
    /// Its flow with the plan's new load, MW, positive from `from` to `to`.
    pub flow_mw: f64,
    /// `|flow_mw| / rating_mw`.
    pub loading: f64,
    /// The line whose outage loads it most (with `line_contingencies`), and then `|flow| /
    /// emergency_rating_mw`.
    pub worst_outage: Option<(usize, f64)>,
    /// Some limit of this line (normal, or after an outage) is broken without any new load.
    pub preexisting_violation: bool,
}

/// The grid figures of a plan.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GridReport {
    /// By line, in the map's order (empty without lines).
    pub lines: Vec<LineOutcome>,
    /// Lines whose outage is a contingency (0 when `line_contingencies` is off).
    pub contingencies: usize,
    /// Lines whose outage would split their part of the network.
    pub radial_lines: Vec<usize>,
    /// Rows (a line, normally or after an outage) broken without new load.
    pub preexisting_violations: usize,
    /// With `min_feeds ≥ 2`: by substation, the most firm MW it picks up while another
    /// substation is out, in a re-dispatch of each outage ([`crate::grid::outages`]).
    pub worst_pickup_mw: BTreeMap<usize, f64>,
    /// What one more MW of each limit is worth to the plan ([`crate::values`]); None without a
    /// plan.
    pub values: Option<LimitValues>,
}

/// USD per MW by which the plan's cost falls with one more MW of a limit, from the duals of its
/// program with its integer choices fixed (see [`crate::values`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LimitValues {
    /// By substation: one more MW of firm capacity.
    pub headroom_usd_per_mw: Vec<f64>,
    /// By line: one more MW of rating (normal operation).
    pub rating_usd_per_mw: Vec<f64>,
}

impl GridReport {
    /// The figures of a plan's `loads` on the map's network.
    pub fn of(map: &Map, network: &Network, scenario: &Scenario, loads: &PlanLoads) -> GridReport {
        let report = GridReport {
            worst_pickup_mw: worst_pickups(&loads.outages),
            ..GridReport::default()
        };
        if network.is_empty() {
            return report;
        }
        let grid = &scenario.grid;
        let flows = Flows::new(network, map, &loads.load_mw, &loads.firm_mw);
        let before_mw = pre_plan_flows_mw(network, map);
        let mut lines: Vec<LineOutcome> = (map.lines.iter().enumerate())
            .map(|(l, line)| {
                let flow_mw = flows.normal_mw[l];
                let limit_mw = grid.max_line_loading * line.rating_mw;
                LineOutcome {
                    flow_mw,
                    loading: flow_mw.abs() / line.rating_mw,
                    worst_outage: None,
                    preexisting_violation: before_mw[l].abs() > limit_mw,
                }
            })
            .collect();
        let mut preexisting_violations = lines.iter().filter(|l| l.preexisting_violation).count();
        let mut contingencies = 0;
        if grid.line_contingencies {
            for k in network.contingencies() {
                contingencies += 1;
                let base_k = before_mw[k];
                for (l, lodf) in network.outage_factors(k) {
                    let line = &map.lines[l];
                    let pre_mw = before_mw[l] + lodf * base_k;
                    let post_mw = flows.firm_mw[l] + lodf * flows.firm_mw[k];
                    let loading = post_mw.abs() / line.emergency_rating_mw;
                    let outcome = &mut lines[l];
                    if outcome
                        .worst_outage
                        .is_none_or(|(_, worst)| loading > worst)
                    {
                        outcome.worst_outage = Some((k, loading));
                    }
                    if pre_mw.abs() > line.emergency_rating_mw {
                        preexisting_violations += 1;
                        outcome.preexisting_violation = true;
                    }
                }
            }
        }
        GridReport {
            lines,
            contingencies,
            radial_lines: (0..map.lines.len())
                .filter(|&l| network.radial[l])
                .collect(),
            preexisting_violations,
            ..report
        }
    }

    /// The highest normal loading of any line (None without lines).
    pub fn worst_loading(&self) -> Option<f64> {
        self.lines.iter().map(|l| l.loading).reduce(f64::max)
    }

    /// The highest loading of any line after an outage (None without contingencies).
    pub fn worst_outage_loading(&self) -> Option<f64> {
        (self.lines.iter())
            .filter_map(|l| l.worst_outage.map(|(_, loading)| loading))
            .reduce(f64::max)
    }
}

/// By substation, the most firm MW it picks up in any one outage's re-dispatch.
fn worst_pickups(outages: &[Outage]) -> BTreeMap<usize, f64> {
    let mut worst: BTreeMap<usize, f64> = BTreeMap::new();
    for outage in outages {
        let mut picked: BTreeMap<usize, f64> = BTreeMap::new();
        for &(_, b, mw) in &outage.pickups {
            *picked.entry(b).or_default() += mw;
        }
        for (b, mw) in picked {
            let entry = worst.entry(b).or_default();
            *entry = entry.max(mw);
        }
    }
    worst
}
