//! `summary.json`, typed: what `optimize` writes, what `batch` keeps in memory to build its
//! comparison rows, and what `compare` reads back from a result folder.
//!
//! Types only, with the contract's keys (`docs/contract.md`, "Output"): the run's [`Status`],
//! the [`Summary`] itself, the optimizer's account of its search ([`SearchReport`]) and the
//! shortfalls of an infeasible scenario ([`Shortfall`]). The stages fill them in
//! (`outcome::Optimized::summary` builds a [`Summary`], rounding figures as written with
//! [`usd`], [`mw`], [`km`], [`seconds`]: USD to the dollar, MW and km to 3 decimals, shares to
//! 4, the gap to 6, seconds to 3); nothing here imports a stage. The keys are written in
//! alphabetical order.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::files::round_to;

mod search;

pub use search::{LineRowsReport, ModelSize, SearchReport, SearchSeconds};

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

/// The outcome of `optimize`, as the summary's `status` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Optimal,
    Feasible,
    /// Proven infeasible: no plan meets the scenario.
    Infeasible,
    NoCandidates,
    /// The time limit ended the run before any plan was found: nothing is proven.
    TimeLimit,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Optimal => "optimal",
            Status::Feasible => "feasible",
            Status::Infeasible => "infeasible",
            Status::NoCandidates => "no_candidates",
            Status::TimeLimit => "time_limit",
        }
    }

    /// Whether the scenario has a plan.
    pub fn has_plan(self) -> bool {
        matches!(self, Status::Optimal | Status::Feasible)
    }
}

/// A requirement the relaxed plan of an infeasible scenario had to break
/// (`summary.json`'s `infeasibility`; found by [`crate::diagnose`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shortfall {
    /// The scenario key or layer property at stake (`target.total_mw`, ...).
    pub requirement: String,
    /// The community or substation concerned, where there is one.
    pub subject: Option<String>,
    /// How much slack the relaxed plan needs, in `unit`.
    pub amount: f64,
    pub unit: String,
    pub message: String,
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
    /// Wall-clock seconds of every stage together.
    pub fn total_seconds(&self) -> f64 {
        seconds(self.seconds.values().sum())
    }
}
