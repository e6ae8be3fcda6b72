//! The comparison of a batch: one row a scenario, read from each scenario's `summary.json`
//! (or recorded from its error), written as `comparison.csv`, `comparison.md`,
//! `comparison.json` and `comparison.svg`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use comfy_table::Table;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::BatchError;
use super::chart::write_comparison_svg;
use crate::files::{WriteError, round_to, write_atomically, write_json};
use crate::summary::Summary;

/// One scenario of a batch, side by side with the others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonRow {
    /// The scenario's name (a sweep variant's name carries its values).
    pub scenario: String,
    /// `optimal`, `feasible`, `infeasible`, `no_candidates`, `time_limit`, or `error` (bad input).
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
    /// The highest line loading with the plan (`|flow|/rating`; empty without lines).
    #[serde(default)]
    pub worst_line_loading: Option<f64>,
    /// The highest line loading after a line outage (`|flow|/emergency rating`).
    #[serde(default)]
    pub worst_outage_loading: Option<f64>,
    /// MW of the large loads the scenario counts (`loads.geojson`).
    #[serde(default)]
    pub queued_mw: Option<f64>,
    /// What the plan's new load is curtailed at profiled substations, MWh a year.
    #[serde(default)]
    pub curtailment_mwh: Option<f64>,
    /// The solver's relative gap.
    pub gap: Option<f64>,
    /// The proven lower bound on every plan's cost (`search.bound_usd`): with `feasible`, how
    /// far the plan may be from the optimum; with `time_limit`, the least any plan can cost.
    #[serde(default)]
    pub bound_usd: Option<f64>,
    /// Wall-clock seconds of the whole scenario.
    pub seconds: Option<f64>,
    /// Scenario keys overridden by `--set` or `--sweep`, dotted key → value.
    pub overrides: BTreeMap<String, String>,
    /// Why the scenario has no plan, or what was wrong with it; empty otherwise.
    pub message: String,
}

impl ComparisonRow {
    /// The row of a scenario that ran, from its summary (in memory, or read back from its
    /// `summary.json`).
    pub fn from_summary(summary: &Summary) -> ComparisonRow {
        let usd_per_mw = match summary.objective_usd {
            Some(usd) if summary.total_mw > 0.0 => Some(round_to(usd / summary.total_mw, 0)),
            _ => None,
        };
        ComparisonRow {
            scenario: summary.scenario.clone(),
            status: summary.status.as_str().to_string(),
            total_mw: Some(summary.total_mw),
            target_mw: Some(summary.target_mw),
            sites: Some(summary.sites as u64),
            objective_usd: summary.objective_usd,
            usd_per_mw,
            communities: Some(summary.communities as u64),
            candidates: Some(summary.counts.candidates as u64),
            headroom_used_share: Some(summary.headroom.used_share),
            worst_line_loading: summary.worst_line_loading,
            worst_outage_loading: summary.worst_outage_loading,
            queued_mw: Some(summary.queued_mw),
            curtailment_mwh: Some(summary.curtailment_mwh),
            gap: summary.gap,
            bound_usd: summary.search.bound_usd.map(|usd| round_to(usd, 0)),
            seconds: Some(summary.total_seconds()),
            overrides: (summary.overrides.iter())
                .map(|(key, value)| (key.clone(), value_text(value)))
                .collect(),
            message: summary.message.clone().unwrap_or_default(),
        }
    }

    /// The row of a scenario that could not run (bad input): its status is `error`.
    pub fn failed(scenario: &str, overrides: BTreeMap<String, String>, message: &str) -> Self {
        ComparisonRow {
            scenario: scenario.to_string(),
            status: ERROR_STATUS.to_string(),
            total_mw: None,
            target_mw: None,
            sites: None,
            objective_usd: None,
            usd_per_mw: None,
            communities: None,
            candidates: None,
            headroom_used_share: None,
            worst_line_loading: None,
            worst_outage_loading: None,
            queued_mw: None,
            curtailment_mwh: None,
            gap: None,
            bound_usd: None,
            seconds: None,
            overrides,
            message: message.to_string(),
        }
    }

    /// Whether the scenario has a plan.
    pub fn has_plan(&self) -> bool {
        matches!(self.status.as_str(), "optimal" | "feasible")
    }

    /// `key=value; key=value`, the overrides as one cell.
    pub fn overrides_text(&self) -> String {
        (self.overrides.iter())
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The status of a scenario whose input could not be read.
pub const ERROR_STATUS: &str = "error";

fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Writes `comparison.csv`, `comparison.md`, `comparison.json` and `comparison.svg` into
/// `out`, rows sorted by scenario name.
pub fn write_comparison(out: &Path, rows: &[ComparisonRow]) -> Result<(), BatchError> {
    let mut rows = rows.to_vec();
    rows.sort_by(|a, b| a.scenario.cmp(&b.scenario));
    write_json(
        &out.join("comparison.json"),
        &serde_json::to_value(&rows).unwrap_or_default(),
    )?;
    write_csv(&out.join("comparison.csv"), &rows)?;
    write_atomically(&out.join("comparison.md"), |w| {
        w.write_all(markdown(&rows).as_bytes())
    })?;
    write_comparison_svg(&out.join("comparison.svg"), &rows)?;
    Ok(())
}

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 19] = [
    "scenario",
    "status",
    "total_mw",
    "target_mw",
    "sites",
    "objective_usd",
    "usd_per_mw",
    "communities",
    "candidates",
    "headroom_used_share",
    "worst_line_loading",
    "worst_outage_loading",
    "queued_mw",
    "curtailment_mwh",
    "gap",
    "bound_usd",
    "seconds",
    "overrides",
    "message",
];

fn write_csv(path: &Path, rows: &[ComparisonRow]) -> Result<(), WriteError> {
    let cell = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let count = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    write_atomically(path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record(CSV_COLUMNS)?;
        for r in rows {
            csv.write_record([
                r.scenario.clone(),
                r.status.clone(),
                cell(r.total_mw),
                cell(r.target_mw),
                count(r.sites),
                cell(r.objective_usd),
                cell(r.usd_per_mw),
                count(r.communities),
                count(r.candidates),
                cell(r.headroom_used_share),
                cell(r.worst_line_loading),
                cell(r.worst_outage_loading),
                cell(r.queued_mw),
                cell(r.curtailment_mwh),
                cell(r.gap),
                cell(r.bound_usd),
                cell(r.seconds),
                r.overrides_text(),
                r.message.clone(),
            ])?;
        }
        csv.flush()
    })
}

/// A Markdown table in planners' units (MW, M USD, %).
pub fn markdown(rows: &[ComparisonRow]) -> String {
    let mut table = Table::new();
    table.load_style(comfy_table::presets::ASCII_MARKDOWN);
    table.set_header(vec![
        "scenario",
        "status",
        "MW placed",
        "target MW",
        "sites",
        "cost (M USD)",
        "M USD per MW",
        "communities",
        "candidates",
        "headroom used",
        "worst line loading",
        "worst outage loading",
        "queued MW",
        "curtailed MWh",
        "gap",
        "bound (M USD)",
        "seconds",
        "message",
    ]);
    let fixed = |v: Option<f64>, scale: f64, decimals: usize| {
        v.map(|v| format!("{:.*}", decimals, v / scale))
            .unwrap_or_default()
    };
    let percent = |v: Option<f64>, decimals: usize| {
        v.map(|v| format!("{:.*} %", decimals, v * 100.0))
            .unwrap_or_default()
    };
    for r in rows {
        let count = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
        table.add_row(vec![
            markdown_cell(&r.scenario),
            r.status.clone(),
            fixed(r.total_mw, 1.0, 0),
            fixed(r.target_mw, 1.0, 0),
            count(r.sites),
            fixed(r.objective_usd, 1e6, 1),
            fixed(r.usd_per_mw, 1e6, 3),
            count(r.communities),
            count(r.candidates),
            percent(r.headroom_used_share, 1),
            percent(r.worst_line_loading, 1),
            percent(r.worst_outage_loading, 1),
            fixed(r.queued_mw, 1.0, 1),
            fixed(r.curtailment_mwh, 1.0, 0),
            percent(r.gap, 3),
            fixed(r.bound_usd, 1e6, 1),
            fixed(r.seconds, 1.0, 1),
            markdown_cell(&r.message),
        ]);
    }
    format!("# Comparison\n\n{table}\n")
}

fn markdown_cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}
