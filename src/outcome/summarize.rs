//! `summary.json` of a region optimized: every figure computed from the plan, the map and the
//! search, and rounded as written (see [`crate::summary`]).

use std::collections::BTreeMap;

use super::{Optimized, StageSeconds};
use crate::costs;
use crate::files::round_to;
use crate::summary::{Counts, Headroom, SearchReport, Status, Summary, VERSION, mw, seconds, usd};

impl Optimized {
    /// The summary of this region optimized; `stage_seconds` are the stages timed so far.
    pub fn summary(&self, stage_seconds: &StageSeconds) -> Summary {
        let optimized = self;
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
        let grid = plan.grid_report(map, &prepared.network, scenario);
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
