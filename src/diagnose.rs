//! Explaining an infeasible scenario: the model is solved again with penalised slack on the
//! target, the community rules and the substation capacities, and the slack the relaxed plan
//! needs says which requirement cannot be met, and by how much.
//!
//! Takes the model's input and the solver settings; gives [`Shortfall`]s, largest penalty
//! first (written into `summary.json` as `infeasibility`).

use crate::error::Error;
use std::collections::BTreeSet;

use crate::grid::security::{FlowRows, LoadBounds, RowKey};
use crate::model::{ModelInput, Relaxation, SitingModel};
use crate::scenario::Solver;
use crate::solve::{self, SolverOutcome};
use crate::summary::Shortfall;

/// Slack below this is solver tolerance, not a shortfall.
const SLACK_TOLERANCE: f64 = 1e-6;

/// The most line rows one round adds (the most broken first).
const ROWS_PER_ROUND: usize = 200;

/// Solves the relaxation and lists what it had to relax, largest penalty first. On a map
/// with lines, the line rows are added as the relaxed plans break them (each with its own
/// slack), as in the optimizer.
pub fn diagnose(mut input: ModelInput, settings: &Solver) -> Result<Vec<Shortfall>, Error> {
    let reached: BTreeSet<usize> = (input.candidates.iter())
        .flat_map(|c| c.feeds.iter().map(|f| f.substation))
        .collect();
    let bounds = LoadBounds::new(input.scenario, input.map, &reached);
    let rows = FlowRows::new(input.network, input.map, input.scenario, Some(&bounds));
    input.flow_rows = rows.initial();
    let (model, run) = loop {
        let mut model = SitingModel::build(&input, Relaxation::Diagnose);
        let run = solve::solve(&mut model, settings, &|_| {})?;
        if rows.reachable.is_empty()
            || !matches!(
                run.outcome,
                SolverOutcome::Optimal | SolverOutcome::Feasible
            )
        {
            break (model, run);
        }
        let plan = crate::plan::read_plan(&model, &input, &run.values);
        let (load_mw, firm_mw) = plan.load_by_substation(input.map.substations.len());
        let held: BTreeSet<RowKey> = input.flow_rows.iter().map(|r| r.key()).collect();
        let broken = rows.violated(input.network, input.map, &load_mw, &firm_mw, &held);
        if broken.is_empty() {
            break (model, run);
        }
        input
            .flow_rows
            .extend(broken.into_iter().take(ROWS_PER_ROUND));
    };
    let input = &input;
    let slacks = model.slacks;
    let (Some(slacks), SolverOutcome::Optimal | SolverOutcome::Feasible) = (slacks, run.outcome)
    else {
        return Ok(vec![Shortfall {
            requirement: "solver.time_limit_s".into(),
            subject: None,
            amount: settings.time_limit_s,
            unit: "s".into(),
            message: "the relaxed model found no plan within the time limit either".into(),
        }]);
    };
    let value = |col: usize| run.values.get(col).copied().unwrap_or(0.0);
    let scenario = input.scenario;
    let mut found = Vec::new();
    let short_mw = value(slacks.target_mw.col);
    if short_mw > SLACK_TOLERANCE {
        let total = scenario.target.total_mw;
        found.push(Shortfall {
            requirement: "target.total_mw".into(),
            subject: None,
            amount: short_mw,
            unit: "MW".into(),
            message: format!(
                "at most {:.1} of the {total} MW target can be placed ({short_mw:.1} MW short)",
                total - short_mw
            ),
        });
    }
    let short_communities = value(slacks.communities.col);
    if short_communities > SLACK_TOLERANCE {
        let min = scenario.community.min_communities;
        found.push(Shortfall {
            requirement: "community.min_communities".into(),
            subject: None,
            amount: short_communities.round(),
            unit: "communities".into(),
            message: format!(
                "sites can span only {:.0} of the {min} communities required",
                min as f64 - short_communities.round()
            ),
        });
    }
    let cap_mw = scenario.community.max_share_per_community * scenario.target.total_mw;
    for (community, slack) in &slacks.share_mw {
        let over = value(slack.col);
        if over > SLACK_TOLERANCE {
            let id = input.map.community_id(*community).to_string();
            found.push(Shortfall {
                requirement: "community.max_share_per_community".into(),
                subject: Some(id.clone()),
                amount: over,
                unit: "MW".into(),
                message: format!(
                    "community {id} would have to host {over:.1} MW above its cap of {cap_mw:.1} MW"
                ),
            });
        }
    }
    for (b, slack) in &slacks.capacity_mw {
        let over = value(slack.col);
        if over > SLACK_TOLERANCE {
            let substation = &input.map.substations[*b];
            found.push(Shortfall {
                requirement: "substations.headroom_mw".into(),
                subject: Some(substation.id.clone()),
                amount: over,
                unit: "MW".into(),
                message: format!(
                    "substation {} would need {over:.1} MW more firm capacity than the {:.1} MW available to AI factories{}",
                    substation.id,
                    crate::costs::available_mw(input.scenario, substation, true),
                    if substation.upgrade_mw > 0.0 { " with its upgrade" } else { "" }
                ),
            });
        }
    }
    for (row, slack) in input.flow_rows.iter().zip(&slacks.flow_mw) {
        let over = value(slack.col);
        if over > SLACK_TOLERANCE {
            let line = &input.map.lines[row.line];
            let (requirement, after) = match row.outage {
                None => ("grid.max_line_loading", String::new()),
                Some(k) => (
                    "lines.emergency_rating_mw",
                    format!(" after the outage of line {}", input.map.lines[k].id),
                ),
            };
            let limit = if row.preexisting() {
                format!(
                    "its flow of {:.1} MW without the plan (already beyond its {:.1} MW limit: the plan may not make it worse)",
                    row.pre_mw, row.limit_mw
                )
            } else {
                format!("its limit of {:.1} MW", row.limit_mw)
            };
            found.push(Shortfall {
                requirement: requirement.into(),
                subject: Some(line.id.clone()),
                amount: over,
                unit: "MW".into(),
                message: format!(
                    "line {}{after} would carry {over:.1} MW beyond {limit}",
                    line.id
                ),
            });
        }
    }
    if found.is_empty() {
        found.push(Shortfall {
            requirement: "site".into(),
            subject: None,
            amount: 0.0,
            unit: String::new(),
            message: "no plan meets the site rules (sizes, feeds, spacing, max_sites) together, \
                      although none of the relaxed requirements is short"
                .into(),
        });
    }
    Ok(found)
}
