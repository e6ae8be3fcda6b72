//! The comparison of a batch: one row a scenario, read from each scenario's `summary.json`
//! (or recorded from its error), written as `comparison.csv`, `comparison.md`,
//! `comparison.json` and `comparison.svg`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One scenario of a batch, side by side with the others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonRow {
    /// The scenario's name (a sweep variant's name carries its values).
    pub scenario: String,
    /// `optimal`, `feasible`, `infeasible`, `no_candidates`, or `error` (bad input).
    pub status: String,
    /// MW placed (0 without a plan).
    pub total_mw: Option<f64>,
    /// `target.total_mw`.
    pub target_mw: Option<f64>,
    /// Sites chosen.
    pub sites: Option<u64>,
    pub objective_usd: Option<f64>,
    /// `objective_usd / total_mw`.
    pub usd_per_mw: Option<f64>,
    /// Communities that host a site.
    pub communities: Option<u64>,
    /// Parcels that pass every filter.
    pub candidates: Option<u64>,
    /// Firm MW used over available MW, all substations together (0–1).
    pub headroom_used_share: Option<f64>,
    /// The solver's relative gap.
    pub gap: Option<f64>,
    /// Wall-clock seconds of the whole scenario.
    pub seconds: Option<f64>,
    /// Scenario keys overridden by `--set` or `--sweep`, dotted key → value.
    pub overrides: BTreeMap<String, String>,
    /// Why the scenario has no plan, or what was wrong with it; empty otherwise.
    pub message: String,
}
