//! The pipeline's front half, timed stage by stage: scenario → layers → index → candidates.
//!
//! Takes a scenario path; gives a [`Prepared`] region that `check` reports on and `optimize`
//! builds its model from.

use std::path::Path;

use crate::candidates;
use crate::diagnose;
use crate::error::Error;
use crate::grid::twin::Network;
use crate::index::SpatialIndex;
use crate::layers;
use crate::model::{ModelInput, Restrictions};
use crate::optimizer::{self, GridMemo, Region};
use crate::plan::Plan;
use crate::report::ReportOptions;
use crate::scenario::Scenario;
use crate::solve::{SolveProgress, SolverOutcome};

pub use crate::outcome::{Optimized, Prepared, StageSeconds};
pub use crate::summary::{SearchReport, Shortfall, Status};

/// Reads the scenario and its map, builds the index and screens every parcel.
pub fn prepare(scenario_path: &Path) -> Result<Prepared, Error> {
    let mut seconds = StageSeconds::default();
    let scenario = seconds.time("scenario", || Scenario::load(scenario_path))?;
    prepare_scenario(scenario, seconds)
}

/// Reads the map of a scenario already read, builds the index and screens every parcel;
/// `seconds` holds the stages timed so far.
pub fn prepare_scenario(scenario: Scenario, mut seconds: StageSeconds) -> Result<Prepared, Error> {
    let map = seconds.time("layers", || {
        let mut map = layers::load_map(&scenario.map)?;
        crate::hosting::apply(&mut map, &scenario);
        Ok::<_, layers::LayerError>(map)
    })?;
    let network = seconds.time("network", || Network::new(&map.substations, &map.lines))?;
    let index = seconds.time("index", || SpatialIndex::build(&map))?;
    let screening = seconds.time("candidates", || candidates::screen(&map, &index, &scenario))?;
    Ok(Prepared {
        scenario,
        map,
        network,
        index,
        screening,
        seconds,
        grid_memo: Default::default(),
    })
}

/// `gridsite check`: prepares the region and writes `excluded.geojson` and `candidates.geojson`
/// (and `hosting.csv` where the map has load profiles).
pub fn check(scenario_path: &Path, out: &Path) -> Result<Prepared, Error> {
    let mut prepared = prepare(scenario_path)?;
    let mut seconds = std::mem::take(&mut prepared.seconds);
    seconds.time("report", || {
        crate::report::screening::write_screening(out, &prepared.map, &prepared.screening)?;
        if prepared.map.profiles.is_some() {
            let path = out.join(crate::report::outputs::HOSTING_OUTPUT);
            crate::report::outputs::write_hosting(&path, &prepared.map, &prepared.scenario)?;
        }
        Ok::<_, crate::files::WriteError>(())
    })?;
    prepared.seconds = seconds;
    Ok(prepared)
}

/// `gridsite optimize`: prepares the region, builds and solves the model, explains an
/// infeasible one, and writes every output file into `out`.
pub fn optimize(
    scenario_path: &Path,
    out: &Path,
    on_progress: &(dyn Fn(SolveProgress) + Sync),
) -> Result<Optimized, Error> {
    optimize_with(scenario_path, out, &ReportOptions::default(), on_progress)
}

/// `optimize` with the report's options (`--basemap`, `--gpkg`).
pub fn optimize_with(
    scenario_path: &Path,
    out: &Path,
    options: &ReportOptions,
    on_progress: &(dyn Fn(SolveProgress) + Sync),
) -> Result<Optimized, Error> {
    optimize_prepared(prepare(scenario_path)?, out, options, on_progress)
}

/// `optimize` from a scenario already read (a batch's variants carry overridden keys);
/// `seconds` holds the stages timed so far.
pub fn optimize_scenario(
    scenario: Scenario,
    seconds: StageSeconds,
    out: &Path,
    options: &ReportOptions,
    on_progress: &(dyn Fn(SolveProgress) + Sync),
) -> Result<Optimized, Error> {
    optimize_prepared(
        prepare_scenario(scenario, seconds)?,
        out,
        options,
        on_progress,
    )
}

fn optimize_prepared(
    mut prepared: Prepared,
    out: &Path,
    options: &ReportOptions,
    on_progress: &(dyn Fn(SolveProgress) + Sync),
) -> Result<Optimized, Error> {
    let mut seconds = std::mem::take(&mut prepared.seconds);
    let mut optimized = if prepared.screening.candidates.is_empty() {
        Optimized {
            status: Status::NoCandidates,
            plan: Plan::default(),
            gap: None,
            variables: 0,
            constraints: 0,
            modelled_candidates: 0,
            shortfalls: Vec::new(),
            search: SearchReport::default(),
            prepared,
        }
    } else {
        solve_region(prepared, &mut seconds, on_progress)?
    };
    let values = seconds.time("values", || {
        crate::values::of(&optimized.prepared, &optimized.plan)
    })?;
    crate::report::outputs::write_all(out, &optimized, values, &mut seconds, options)?;
    optimized.prepared.seconds = seconds;
    Ok(optimized)
}

fn solve_region(
    prepared: Prepared,
    seconds: &mut StageSeconds,
    on_progress: &(dyn Fn(SolveProgress) + Sync),
) -> Result<Optimized, Error> {
    let solution = solve_restricted(&prepared, &Restrictions::default(), seconds, on_progress)?;
    Ok(Optimized::from_solution(prepared, solution))
}

/// Writes every output of a region solved by [`solve_restricted`] (as `optimize` does).
pub fn write_solution(
    mut prepared: Prepared,
    solution: Solution,
    out: &Path,
    options: &ReportOptions,
) -> Result<Optimized, Error> {
    let mut seconds = std::mem::take(&mut prepared.seconds);
    let mut optimized = Optimized::from_solution(prepared, solution);
    let values = seconds.time("values", || {
        crate::values::of(&optimized.prepared, &optimized.plan)
    })?;
    crate::report::outputs::write_all(out, &optimized, values, &mut seconds, options)?;
    optimized.prepared.seconds = seconds;
    Ok(optimized)
}

/// The result of one solve of a prepared region.
#[derive(Debug, Clone)]
pub struct Solution {
    pub status: Status,
    pub plan: Plan,
    pub gap: Option<f64>,
    /// Why there is no plan, where there is none.
    pub shortfalls: Vec<Shortfall>,
    pub search: SearchReport,
}

impl Optimized {
    /// A region with its solution (the model's size is the search's last program).
    pub fn from_solution(prepared: Prepared, solution: Solution) -> Optimized {
        let model = solution.search.model;
        Optimized {
            prepared,
            status: solution.status,
            plan: solution.plan,
            gap: solution.gap,
            variables: model.variables,
            constraints: model.constraints,
            modelled_candidates: model.candidates,
            shortfalls: solution.shortfalls,
            search: solution.search,
        }
    }

    /// The region and its solution apart again ([`Optimized::from_solution`] undone).
    pub fn into_solution(self) -> (Prepared, Solution) {
        let solution = Solution {
            status: self.status,
            plan: self.plan,
            gap: self.gap,
            shortfalls: self.shortfalls,
            search: self.search,
        };
        (self.prepared, solution)
    }
}

impl Prepared {
    /// The optimizer's view of the screened region: its scenario, layers, network, index and
    /// candidates.
    pub fn region(&self) -> Region<'_> {
        Region {
            scenario: &self.scenario,
            map: &self.map,
            network: &self.network,
            index: &self.index,
            candidates: &self.screening.candidates,
            memo: Some(&self.grid_memo),
        }
    }
}

/// Solves the program of a prepared region with `restrictions` (none: the scenario's own
/// program) and explains it where it has no plan; `seconds` gains the solve and diagnosis.
pub fn solve_restricted(
    prepared: &Prepared,
    restrictions: &Restrictions,
    seconds: &mut StageSeconds,
    on_progress: &(dyn Fn(SolveProgress) + Sync),
) -> Result<Solution, Error> {
    solve_restricted_with(
        prepared,
        &prepared.grid_memo,
        restrictions,
        seconds,
        on_progress,
    )
}

/// [`solve_restricted`], learning from and into `memo` instead of the region's own (searches
/// run side by side each take a snapshot, [`GridMemo::snapshot`], so that what each finds does
/// not depend on the others' timing).
pub fn solve_restricted_with(
    prepared: &Prepared,
    memo: &GridMemo,
    restrictions: &Restrictions,
    seconds: &mut StageSeconds,
    on_progress: &(dyn Fn(SolveProgress) + Sync),
) -> Result<Solution, Error> {
    let region = Region {
        memo: Some(memo),
        ..prepared.region()
    };
    let scenario = &prepared.scenario;
    let mut optimum = seconds.time("solve", || {
        optimizer::optimize_restricted(&region, restrictions, on_progress)
    })?;
    let (status, shortfalls) = match optimum.outcome {
        SolverOutcome::Optimal => (Status::Optimal, Vec::new()),
        SolverOutcome::Feasible => (Status::Feasible, Vec::new()),
        SolverOutcome::Infeasible => match restrictions.max_cost_usd {
            // No plan within the cap: the scenario's rules are not at stake.
            Some(cap_usd) => (
                Status::Infeasible,
                vec![Shortfall {
                    requirement: "max_cost_usd".into(),
                    subject: None,
                    amount: cap_usd,
                    unit: "USD".into(),
                    message: format!("no plan costs at most {cap_usd:.0} USD"),
                }],
            ),
            None => (
                Status::Infeasible,
                seconds.time("diagnose", || {
                    diagnose_region(&region, restrictions, &mut optimum.report)
                })?,
            ),
        },
        SolverOutcome::NoPlanInTime => (
            Status::TimeLimit,
            vec![Shortfall {
                requirement: "solver.time_limit_s".into(),
                subject: None,
                amount: scenario.solver.time_limit_s,
                unit: "s".into(),
                message: optimum.report.stopped.clone().unwrap_or_else(|| {
                    format!(
                        "no plan was found within the time limit ({} s), and infeasibility is not proven: raise solver.time_limit_s",
                        scenario.solver.time_limit_s
                    )
                }),
            }],
        ),
    };
    Ok(Solution {
        status,
        plan: optimum.plan,
        gap: optimum.gap,
        shortfalls,
        search: optimum.report,
    })
}

/// Explains an infeasible scenario with the penalised relaxation; in a large region over the
/// candidates that can carry the most MW (the messages say so, and `search` how many).
fn diagnose_region(
    region: &Region,
    restrictions: &Restrictions,
    report: &mut SearchReport,
) -> Result<Vec<Shortfall>, Error> {
    let (candidates, all) = optimizer::diagnosis_candidates(region, restrictions);
    let count = candidates.len();
    let mut input = ModelInput::with_candidates(
        region.scenario,
        region.map,
        region.network,
        region.index,
        candidates,
    );
    input.restrictions = restrictions.clone();
    let mut shortfalls = diagnose::diagnose(input, &region.scenario.solver)?;
    if !all {
        report.diagnosed_candidates = Some(count);
        for s in &mut shortfalls {
            s.message.push_str(&format!(
                " (found over the {count} of {} candidates that can carry the most MW)",
                region.candidates.len()
            ));
        }
    }
    Ok(shortfalls)
}
