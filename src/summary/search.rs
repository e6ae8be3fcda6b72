//! What the search reports of itself (`summary.json`'s `search`): the optimizer fills it in,
//! the summary writes it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How the optimum was found, as `summary.json` reports it under `search`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SearchReport {
    /// Candidates, feed options, variables and constraints of the last program solved.
    pub model: ModelSize,
    /// Candidates left out before the last program, by rule (`cannot_build`, `bound`).
    pub eliminated: BTreeMap<String, usize>,
    /// Feed options of kept candidates left out by their bound.
    pub feed_options_eliminated: usize,
    /// Candidates in the first (core) program.
    pub core_candidates: usize,
    /// Programs solved (the cores, the last holding every candidate left).
    pub solves: usize,
    /// Repairs tried: programs over the sites of a plan that broke line rows or outage
    /// blocks, with the rows added (see the optimizer's `Search::repair`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub repairs: usize,
    /// Cores whose answer a repaired plan stood for (see `Solved::settles`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub repairs_settled: usize,
    /// Whether the search started from a plan an earlier search over the region found (see
    /// [`crate::optimizer::GridMemo`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pooled_start: bool,
    /// The first plan's cost, in USD.
    pub first_plan_usd: Option<f64>,
    /// The proven lower bound on the cost of every plan, in USD.
    pub bound_usd: Option<f64>,
    /// Where the search ended without a proof: why, with the best bound and the gap (a plan)
    /// or what it tried (none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// Candidates in the largest program solved.
    #[serde(default)]
    pub largest_candidates: usize,
    /// With `min_feeds ≥ 2`: the substation outages whose N-1 block the last program held
    /// (added as plans failed them; see [`crate::grid::outages`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outages_held: Option<usize>,
    /// Feed options to substations that can give a site nothing, left out (see
    /// the optimizer's `drop_idle_feeds`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub idle_feed_options: usize,
    /// With exactly two feeds a site (N-1): feed options to substations that could not carry
    /// the whole site while its other feed is out, left out (see the optimizer's `drop_insecure_feeds`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub insecure_feed_options: usize,
    /// Line rows, on maps with lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_rows: Option<LineRowsReport>,
    /// Where an infeasible scenario was explained over some of its candidates only (a large
    /// region): how many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnosed_candidates: Option<usize>,
    /// Wall-clock milestones: like the top-level `seconds`, the only figures that differ
    /// between runs.
    pub seconds: SearchSeconds,
}

/// How many line rows there are, how many some plan can reach, and how many the last program
/// held after how many rounds of adding the rows a plan broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LineRowsReport {
    pub total: usize,
    pub reachable: usize,
    pub held: usize,
    pub rounds: usize,
    /// Substations some candidate reaches where the rows allow no new load at all.
    #[serde(default)]
    pub closed_substations: usize,
    /// Rows held from the start because an earlier search over the region found plans
    /// breaking them (see `GridMemo`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub recalled: usize,
}

/// Seconds from the start of the search (the solve stage) to its milestones.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct SearchSeconds {
    /// To the first plan.
    pub first_plan: Option<f64>,
    /// To the proof of optimality.
    pub proof: Option<f64>,
}

/// The size of a program.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct ModelSize {
    pub candidates: usize,
    pub feed_options: usize,
    pub variables: usize,
    pub constraints: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
