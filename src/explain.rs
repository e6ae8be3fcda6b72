//! `gridsite explain`: why a parcel is or is not in the plan, answered exactly.
//!
//! - An excluded parcel: the filter that excludes it (the one `excluded.geojson` names) and
//!   every other filter it fails, each with its figures ([`crate::candidates::failures_of`]).
//! - A candidate the optimum does not build: the optimum of the program that must build it
//!   ([`Restrictions::must_build`]), its cost against the optimum, the sites it displaces and
//!   the rule that ties each displaced site to it — or that no plan builds it, and why (the
//!   restricted program's diagnosis).
//! - A chosen site: the optimum of the program that may not build it
//!   ([`Restrictions::must_not_build`]) and what that costs.
//!
//! Each answer is the optimum of the contract's program with one restriction, solved by the
//! same exact search as `optimize` (within `solver.mip_gap`, with its status and gap). The
//! questions of one call are searched side by side, each from a snapshot of what the searches
//! before learned of the region (so each answer is the same whichever ends first).
//!
//! Takes a prepared region and its optimum; gives [`Explanation`]s (serde, `explain.json`).

use std::collections::BTreeSet;

use rayon::prelude::*;

use crate::error::Error;
use crate::files::round_to;
use crate::model::Restrictions;
use crate::optimizer::GridMemo;
pub use crate::outcome::{Explanation, FilterFailure, RestrictedPlan};
use crate::outcome::{Prepared, StageSeconds};
use crate::pipeline::{Solution, solve_restricted, solve_restricted_with};
use crate::plan::Plan;
use crate::solve::SolveProgress;
use crate::summary::Status;

/// An `explain` question that cannot be asked.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error("--parcel {0}: no parcel of the map has this id (the parcels layer's `id`)")]
    UnknownParcel(String),
    #[error(
        "explain needs the scenario's optimum first, and it has none ({0}): see summary.json's explanation"
    )]
    NoOptimum(String),
    #[error(transparent)]
    Solve(#[from] Error),
    #[error(transparent)]
    Index(#[from] crate::index::IndexError),
}

/// Explains each parcel against `optimum`, the scenario's own optimum on `prepared`.
pub fn explain(
    prepared: &Prepared,
    optimum: &Solution,
    parcel_ids: &[String],
    seconds: &mut StageSeconds,
    on_progress: &(dyn Fn(SolveProgress) + Sync),
) -> Result<Vec<Explanation>, ExplainError> {
    if !optimum.status.has_plan() {
        return Err(ExplainError::NoOptimum(optimum.status.as_str().into()));
    }
    let map = &prepared.map;
    // Every id is looked up before any search, so a wrong one fails at once.
    let parcels = (parcel_ids.iter())
        .map(|id| {
            (map.parcels.iter())
                .position(|parcel| &parcel.id == id)
                .ok_or_else(|| ExplainError::UnknownParcel(id.clone()))
        })
        .collect::<Result<Vec<usize>, _>>()?;
    // The questions' searches run side by side, each from a snapshot of the region's memo,
    // absorbed back in the order asked (so the answers do not depend on which ends first);
    // the solve stage is their wall time.
    let answered = seconds.time("solve", || {
        (parcel_ids.par_iter().zip(&parcels))
            .map(|(id, &p)| {
                let memo = prepared.grid_memo.snapshot();
                let answer = explain_one(prepared, &memo, optimum, id, p, on_progress);
                (answer, memo)
            })
            .collect::<Vec<_>>()
    });
    let mut out = Vec::with_capacity(answered.len());
    for (answer, memo) in answered {
        prepared.grid_memo.absorb(memo);
        out.push(answer?);
    }
    Ok(out)
}

/// Explains parcel `p` (id `id`) against `optimum`, searching with `memo`.
fn explain_one(
    prepared: &Prepared,
    memo: &GridMemo,
    optimum: &Solution,
    id: &str,
    p: usize,
    on_progress: &(dyn Fn(SolveProgress) + Sync),
) -> Result<Explanation, ExplainError> {
    let map = &prepared.map;
    let candidate = prepared.screening.candidates.iter().any(|c| c.parcel == p);
    let chosen = optimum.plan.sites.iter().any(|s| s.parcel == p);
    if !candidate {
        let failures = crate::candidates::failures_of(map, &prepared.index, &prepared.scenario, p)?;
        return Ok(Explanation {
            parcel_id: id.to_string(),
            verdict: "excluded".into(),
            failures: (failures.into_iter())
                .map(|f| FilterFailure {
                    reason: f.reason.to_string(),
                    detail: f.detail,
                })
                .collect(),
            alternative: None,
        });
    }
    let mut restrictions = Restrictions::default();
    let (verdict, restriction) = if chosen {
        restrictions.must_not_build.insert(p);
        ("chosen", "must_not_build")
    } else {
        restrictions.must_build.insert(p);
        ("not_chosen", "must_build")
    };
    let mut seconds = StageSeconds::default();
    let solved = solve_restricted_with(prepared, memo, &restrictions, &mut seconds, on_progress)?;
    Ok(Explanation {
        parcel_id: id.to_string(),
        verdict: verdict.into(),
        failures: Vec::new(),
        alternative: Some(compare(prepared, &optimum.plan, p, restriction, &solved)),
    })
}

/// The restricted optimum against the plan.
fn compare(
    prepared: &Prepared,
    plan: &Plan,
    parcel: usize,
    restriction: &str,
    solved: &Solution,
) -> RestrictedPlan {
    let map = &prepared.map;
    let id = |p: usize| map.parcels[p].id.clone();
    let built = |plan: &Plan| -> BTreeSet<usize> { plan.sites.iter().map(|s| s.parcel).collect() };
    let optimum_usd = plan.objective_usd();
    let has_plan = solved.status.has_plan();
    let (ours, theirs) = (built(plan), built(&solved.plan));
    let displaced: Vec<usize> = if has_plan {
        ours.difference(&theirs).copied().collect()
    } else {
        Vec::new()
    };
    let added: Vec<usize> = if has_plan {
        theirs.difference(&ours).copied().collect()
    } else {
        Vec::new()
    };
    let objective_usd = has_plan.then(|| solved.plan.objective_usd());
    let delta_usd = objective_usd.map(|usd| round_to(usd - optimum_usd, 2));
    let delta_pct = delta_usd.map(|d| round_to(100.0 * d / optimum_usd.abs().max(1.0), 4));
    let binding = if restriction == "must_build" && has_plan {
        displaced
            .iter()
            .map(|&d| binding_rule(prepared, &solved.plan, parcel, d))
            .collect()
    } else {
        Vec::new()
    };
    let message = message(prepared, parcel, restriction, solved, delta_usd, delta_pct);
    RestrictedPlan {
        restriction: restriction.into(),
        status: solved.status.as_str().into(),
        gap: solved.gap,
        objective_usd: objective_usd.map(|u| round_to(u, 2)),
        delta_usd,
        delta_pct,
        sites: theirs.iter().map(|&p| id(p)).collect::<Vec<_>>(),
        displaced: displaced.iter().map(|&p| id(p)).collect(),
        added: added.iter().map(|&p| id(p)).collect(),
        binding,
        message,
    }
    .with_sites_if(has_plan)
}

impl RestrictedPlan {
    fn with_sites_if(mut self, has_plan: bool) -> Self {
        if !has_plan {
            self.sites.clear();
        }
        self
    }
}

fn message(
    prepared: &Prepared,
    parcel: usize,
    restriction: &str,
    solved: &Solution,
    delta_usd: Option<f64>,
    delta_pct: Option<f64>,
) -> String {
    let id = &prepared.map.parcels[parcel].id;
    match (restriction, solved.status, delta_usd, delta_pct) {
        (_, Status::Optimal | Status::Feasible, Some(usd), Some(pct)) => {
            let what = if restriction == "must_build" {
                format!("The best plan that builds {id}")
            } else {
                format!("The best plan without {id}")
            };
            format!("{what} costs {usd:.0} USD ({pct:.2} %) more than the optimum.")
        }
        _ => {
            let what = if restriction == "must_build" {
                format!("No plan builds {id}")
            } else {
                format!("No plan does without {id}")
            };
            let why: Vec<&str> = solved
                .shortfalls
                .iter()
                .map(|s| s.message.as_str())
                .collect();
            if why.is_empty() {
                format!("{what}.")
            } else {
                format!("{what}: {}", why.join("; "))
            }
        }
    }
}

/// The rule that ties a displaced site `d` to the forced parcel `p` in the forced plan: their
/// spacing, a shared community's share, a shared substation at its firm capacity, the site
/// count; otherwise the cost (the target is met more cheaply with the forced parcel's MW
/// elsewhere).
fn binding_rule(prepared: &Prepared, forced: &Plan, p: usize, d: usize) -> String {
    let (scenario, map) = (&prepared.scenario, &prepared.map);
    let (pid, did) = (&map.parcels[p].id, &map.parcels[d].id);
    let min_km = scenario.site.min_spacing_km;
    if min_km > 0.0 {
        let km = prepared.index.parcel_distance_km(p, d);
        if km < min_km {
            return format!(
                "spacing: {did} is {km:.2} km from {pid}, closer than site.min_spacing_km = {min_km}"
            );
        }
    }
    let candidate_of = |q: usize| prepared.screening.candidates.iter().find(|c| c.parcel == q);
    if let (Some(cp), Some(cd)) = (candidate_of(p), candidate_of(d)) {
        let share = scenario.community.max_share_per_community;
        let cap_mw = share * scenario.target.total_mw;
        if cp.community.is_some() && cp.community == cd.community && share < 1.0 {
            let in_community: f64 = (forced.sites.iter())
                .filter(|s| s.community == cp.community)
                .map(|s| s.mw)
                .sum();
            if in_community >= cap_mw - 1e-6 {
                return format!(
                    "community share: {pid} and {did} are both in {}, which already hosts {in_community:.1} MW, the most community.max_share_per_community allows",
                    map.community_id(cp.community)
                );
            }
        }
        let reach_d: BTreeSet<usize> = cd.feeds.iter().map(|f| f.substation).collect();
        for site in forced.sites.iter().filter(|s| s.parcel == p) {
            for feed in site
                .feeds
                .iter()
                .filter(|f| reach_d.contains(&f.substation))
            {
                let b = feed.substation;
                let s = &map.substations[b];
                let upgraded = forced.upgraded.contains(&b);
                let available = crate::costs::available_mw(scenario, s, upgraded);
                let used: f64 = (forced.sites.iter())
                    .flat_map(|x| x.feeds.iter())
                    .filter(|f| f.substation == b)
                    .map(|f| f.firm_mw)
                    .sum();
                if used >= available - 1e-6 {
                    return format!(
                        "substation: {pid} takes {:.1} MW of {}, which is then full ({available:.1} MW available) and also fed {did}",
                        feed.firm_mw, s.id
                    );
                }
            }
        }
    }
    if forced.sites.len() as u32 >= scenario.target.max_sites {
        return format!(
            "site count: the plan with {pid} has target.max_sites = {} sites, so {did} makes way",
            scenario.target.max_sites
        );
    }
    format!("cost: with {pid}'s MW the target is met more cheaply without {did}")
}

/// `gridsite explain`: the scenario's optimum, then each parcel explained against it; with
/// `out`, every output of `optimize` (its page with the explanations) and `explain.json`.
pub fn run(
    scenario_path: &std::path::Path,
    parcel_ids: &[String],
    out: Option<(&std::path::Path, crate::outcome::ReportOptions)>,
    on_progress: &(dyn Fn(SolveProgress) + Sync),
) -> Result<Explained, ExplainError> {
    let mut prepared = crate::pipeline::prepare(scenario_path)?;
    let mut seconds = std::mem::take(&mut prepared.seconds);
    let optimum = solve_restricted(
        &prepared,
        &Restrictions::default(),
        &mut seconds,
        on_progress,
    )?;
    let explanations = explain(&prepared, &optimum, parcel_ids, &mut seconds, on_progress)?;
    if let Some((out, options)) = out {
        let options = crate::outcome::ReportOptions {
            explanations: explanations.clone(),
            ..options
        };
        crate::files::write_json(&out.join(EXPLAIN_FILE), &explanations).map_err(Error::from)?;
        prepared.seconds = seconds;
        crate::pipeline::write_solution(prepared, optimum.clone(), out, &options)?;
    }
    Ok(Explained {
        optimum_usd: optimum.plan.objective_usd(),
        status: optimum.status,
        explanations,
    })
}

/// What `explain` found.
#[derive(Debug, Clone)]
pub struct Explained {
    pub status: Status,
    pub optimum_usd: f64,
    pub explanations: Vec<Explanation>,
}

/// The explanations' file, beside the plan's outputs.
pub const EXPLAIN_FILE: &str = "explain.json";
