//! `summary.json`, typed: what `optimize` writes, what `batch` keeps in memory to build its
//! comparison rows, and what `compare` reads back from a result folder.
//!
//! Takes an [`Optimized`] region; gives a [`Summary`] with the contract's keys (`docs/contract.md`,
//! "Output"), figures rounded as written (USD to the dollar, MW and km to 3 decimals, shares
//! to 4, the gap to 6, seconds to 3). The keys are written in alphabetical order.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::costs;
use crate::diagnose::Shortfall;
use crate::files::round_to;
use crate::grid::GridReport;
use crate::optimizer::SearchReport;
use crate::outcome::{Optimized, StageSeconds, Status};

/// The crate version written into `summary.json`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Whole dollars.
pub fn usd(v: f64) -> f64 {
    round_to(v, 0)
}

/// MW to the kilowatt.
pub fn mw(v: f64) -> f64 {
    round_to(v, 3)
}

/// Kilometres to the metre.
pub fn km(v: f64) -> f64 {
    round_to(v, 3)
}

/// Seconds to the millisecond.
pub fn seconds(v: f64) -> f64 {
    round_to(v, 3)
}

/// `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub scenario: String,
    pub status: Status,
    /// The plan's cost; None without a plan.
    pub objective_usd: Option<f64>,
    /// The solver's relative gap; None without a plan.
    pub gap: Option<f64>,
    /// MW placed (0 without a plan).
    pub total_mw: f64,
    /// Sites chosen.
    pub sites: usize,
    pub counts: Counts,
    /// Wall-clock seconds by stage, in the order of the stage names.
    pub seconds: BTreeMap<String, f64>,
    pub version: String,
    /// `target.total_mw`.
    pub target_mw: f64,
    /// Candidates in the model: all of them unless a `[solver]` reduction is set.
    #[serde(default)]
    pub modelled_candidates: usize,
    /// Communities that host a site.
    pub communities: usize,
    pub upgrade_usd: f64,
    /// Ids of the substations the plan upgrades.
    #[serde(default)]
    pub upgraded: Vec<String>,
    #[serde(default)]
    pub headroom: Headroom,
    #[serde(default)]
    pub search: SearchReport,
    /// Scenario keys overridden by `--set` or `--sweep`, dotted key → value.
    #[serde(default)]
    pub overrides: BTreeMap<String, serde_json::Value>,
    /// Ids of the lines whose outage would split the network: not contingencies.
    #[serde(default)]
    pub radial_lines: Vec<String>,
    /// Line limits (normal, or after an outage) already broken without new load: the plan may
    /// not make them worse.
    #[serde(default)]
    pub preexisting_violations: usize,
    /// MW of the large loads the scenario counts (`loads.geojson`, `queue_statuses`).
    #[serde(default)]
    pub queued_mw: f64,
    /// What the plan's new load is curtailed at the profiled substations, MWh (by the
    /// profile's weights, no rescaling; 0 without `load_profiles.csv`).
    #[serde(default)]
    pub curtailment_mwh: f64,
    /// The highest `loading` of any line with the plan (None without lines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worst_line_loading: Option<f64>,
    /// The highest `outage_loading` of any line (None without contingencies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worst_outage_loading: Option<f64>,
    /// Why there is no plan, one sentence a requirement; for a `feasible` plan, why the run
    /// ended without a proof, with the best bound and the gap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The requirements an infeasible scenario breaks, and by how much.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub infeasibility: Option<Vec<Shortfall>>,
    /// Parcels excluded by reason, when none passes every filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclusions: Option<BTreeMap<String, usize>>,
}

/// The size of the region and of the last program solved.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub parcels: usize,
    pub candidates: usize,
    pub variables: usize,
    pub constraints: usize,
    /// Lines of the map's network (0 without `lines.geojson`).
    #[serde(default)]
    pub lines: usize,
    /// Lines whose outage is checked (non-radial; 0 when `line_contingencies` is off).
    #[serde(default)]
    pub contingencies: usize,
}

/// The grid as a whole: firm MW available to AI factories, firm MW the plan uses, the share.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Headroom {
    pub available_mw: f64,
    pub used_firm_mw: f64,
    pub used_share: f64,
}

impl Summary {
    /// The summary of a region optimized; `seconds` are the stages timed so far.
    pub fn of(optimized: &Optimized, stage_seconds: &StageSeconds) -> Summary {
        let prepared = &optimized.prepared;
        let (map, scenario) = (&prepared.map, &prepared.scenario);
        let plan = &optimized.plan;
        let mut by_stage = BTreeMap::new();
        for (stage, s) in &stage_seconds.0 {
            *by_stage.entry(stage.to_string()).or_insert(0.0) += s;
        }
        let (message, infeasibility) = if optimized.shortfalls.is_empty() {
            (None, None)
        } else {
            let messages: Vec<&str> = (optimized.shortfalls.iter())
                .map(|s| s.message.as_str())
                .collect();
            (
                Some(messages.join("; ")),
                Some(optimized.shortfalls.clone()),
            )
        };
        let grid = GridReport::of(map, &prepared.network, scenario, plan);
        let mut summary = Summary {
            scenario: scenario.name.clone(),
            status: optimized.status,
            objective_usd: optimized
                .status
                .has_plan()
                .then(|| usd(plan.objective_usd())),
            gap: optimized.gap.map(|g| round_to(g, 6)),
            total_mw: mw(plan.total_mw()),
            sites: plan.sites.len(),
            counts: Counts {
                parcels: map.parcels.len(),
                candidates: prepared.screening.candidates.len(),
                variables: optimized.variables,
                constraints: optimized.constraints,
                lines: map.lines.len(),
                contingencies: grid.contingencies,
            },
            seconds: by_stage.into_iter().map(|(k, v)| (k, seconds(v))).collect(),
            version: VERSION.to_string(),
            target_mw: scenario.target.total_mw,
            modelled_candidates: optimized.modelled_candidates,
            communities: plan.communities(),
            upgrade_usd: usd(plan.upgrade_usd),
            upgraded: (plan.upgraded.iter())
                .map(|b| map.substations[*b].id.clone())
                .collect(),
            headroom: headroom(optimized),
            search: search(&optimized.search),
            overrides: (scenario.overrides.iter())
                .map(|o| (o.key.clone(), serde_json::json!(o.value)))
                .collect(),
            radial_lines: (grid.radial_lines.iter())
                .map(|&l| map.lines[l].id.clone())
                .collect(),
            preexisting_violations: grid.preexisting_violations,
            queued_mw: mw(map.substations.iter().map(|s| s.queued_mw).sum()),
            curtailment_mwh: mw(curtailment_mwh(optimized)),
            worst_line_loading: grid.worst_loading().map(|x| round_to(x, 4)),
            worst_outage_loading: grid.worst_outage_loading().map(|x| round_to(x, 4)),
            message,
            infeasibility,
            exclusions: None,
        };
        if optimized.status == Status::Feasible {
            // Why the run ended without a proof, with the best bound and the gap.
            summary.message = optimized.search.stopped.clone();
        }
        if optimized.status == Status::NoCandidates {
            summary.message = Some("no parcel passes every filter; see exclusions".into());
            summary.exclusions = Some(prepared.screening.counts_by_reason().into_iter().collect());
        }
        summary
    }

    /// Wall-clock seconds of every stage together.
    pub fn total_seconds(&self) -> f64 {
        seconds(self.seconds.values().sum())
    }
}

/// The plan's curtailment over every profiled substation, MWh.
fn curtailment_mwh(optimized: &Optimized) -> f64 {
    let (map, scenario) = (&optimized.prepared.map, &optimized.prepared.scenario);
    let plan = &optimized.plan;
    (map.substations.iter().enumerate())
        .filter(|(_, s)| s.hosting.is_some())
        .map(|(b, _)| {
            let (firm_mw, flexible_mw) = plan.used_mw(b);
            let upgraded = plan.upgraded.contains(&b);
            crate::hosting::plan_curtailment(map, scenario, b, firm_mw + flexible_mw, upgraded).mwh
        })
        .sum()
}

fn headroom(optimized: &Optimized) -> Headroom {
    let (map, scenario) = (&optimized.prepared.map, &optimized.prepared.scenario);
    let plan = &optimized.plan;
    let available: f64 = (map.substations.iter().enumerate())
        .map(|(b, s)| costs::available_mw(scenario, s, plan.upgraded.contains(&b)))
        .sum();
    let used: f64 = (0..map.substations.len()).map(|b| plan.used_mw(b).0).sum();
    let share = if available > 0.0 {
        used / available
    } else {
        0.0
    };
    Headroom {
        available_mw: mw(available),
        used_firm_mw: mw(used),
        used_share: round_to(share, 4),
    }
}

/// The optimizer's account as written: USD to the dollar, seconds to the millisecond.
fn search(report: &SearchReport) -> SearchReport {
    let mut written = report.clone();
    written.first_plan_usd = report.first_plan_usd.map(usd);
    written.bound_usd = report.bound_usd.map(usd);
    written.seconds.first_plan = report.seconds.first_plan.map(seconds);
    written.seconds.proof = report.seconds.proof.map(seconds);
    written
}
