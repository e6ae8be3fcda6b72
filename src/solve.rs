//! Solving a [`SitingModel`] with HiGHS (through good_lp), with progress from HiGHS's own log.
//!
//! Takes a model and the `[solver]` settings; gives a [`SolverRun`]: the outcome, the objective,
//! the relative gap and every column's value. good_lp builds the HiGHS model; the solve itself
//! goes through the `highs` crate so that the gap and a time-limited best plan can be read.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use good_lp::SolverModel;
use good_lp::solvers::highs::highs;
use highs::{HighsModelStatus, HighsSolutionStatus};

use crate::error::Error;
use crate::model::{SitingModel, USD_PER_OBJECTIVE_UNIT};
use crate::scenario::Solver;

/// What the solver found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SolverOutcome {
    /// Proven optimal within `mip_gap`.
    Optimal,
    /// A plan, stopped by the time limit before the gap closed.
    Feasible,
    /// No plan satisfies every constraint.
    Infeasible,
    /// The time limit came before any plan was found.
    NoPlanInTime,
}

/// A finished solve.
#[derive(Debug, Clone, PartialEq)]
pub struct SolverRun {
    pub outcome: SolverOutcome,
    /// The plan's cost by the model's objective coefficients (0 without a plan).
    pub objective_usd: f64,
    /// How far a plan's cost read from the solution may lie from `objective_usd` by the
    /// solver's tolerances alone (every column within 1e-6 of the value it stands for).
    pub objective_tolerance_usd: f64,
    /// Relative MIP gap of the plan (0 when proven optimal to tolerance; None without a plan).
    pub gap: Option<f64>,
    /// Every column's value, by column number; empty without a plan.
    pub values: Vec<f64>,
    /// The best bound HiGHS proved on the objective, in USD (None without a plan).
    pub bound_usd: Option<f64>,
    pub variables: usize,
    pub constraints: usize,
}

impl SolverRun {
    /// The run of a program with nothing to choose: no columns, no rows.
    pub fn empty(outcome: SolverOutcome) -> SolverRun {
        let optimal = outcome == SolverOutcome::Optimal;
        SolverRun {
            outcome,
            objective_usd: 0.0,
            objective_tolerance_usd: 0.0,
            gap: optimal.then_some(0.0),
            values: Vec::new(),
            bound_usd: optimal.then_some(0.0),
            variables: 0,
            constraints: 0,
        }
    }
}

/// How long and how closely one solve may search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub time_limit_s: f64,
    pub mip_gap: f64,
    pub threads: u32,
    /// How HiGHS spends its effort; HiGHS's own defaults unless the optimizer says otherwise.
    pub emphasis: Emphasis,
    /// Only plans costing at most this many USD are wanted (HiGHS's `objective_bound`, which
    /// it holds in the objective before its presolve's offset): HiGHS prunes every node
    /// whose bound exceeds it, and reports the program infeasible where no plan lies within
    /// it. A hair of slack (a part in a billion and a dollar) keeps a plan exactly at it.
    pub cutoff_usd: Option<f64>,
}

/// What a solve is for, and so which of HiGHS's settings suit it.
///
/// These only steer the search: every emphasis proves the same optimum to the same gap. The
/// choices were measured on the shipped scenarios and checked on the test family (docs/contract.md,
/// "Solver settings"); on coastal-800mw they take the solve from about 1.5 s to about 0.7 s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Emphasis {
    /// HiGHS's defaults (the plain model, the diagnosis, and the optimizer's last program
    /// when it has no plan to start from: it must prove from scratch).
    #[default]
    Default,
    /// A first plan of a small core program: a small cut pool (`mip_pool_soft_limit = 1`)
    /// keeps the root LP cheap; the plan is wanted, not the bound.
    FirstPlan,
    /// A proof from a given plan: the same small cut pool, and none of the plan-finding
    /// heuristics (RINS, RENS, feasibility jump, root reduced-cost), whose plans rarely beat a
    /// start already near the optimum, while the bound is what is missing.
    Proof,
}

impl Limits {
    /// The scenario's `[solver]` settings as they stand.
    pub fn of(settings: &Solver) -> Limits {
        Limits {
            time_limit_s: settings.time_limit_s,
            mip_gap: settings.mip_gap,
            threads: settings.threads,
            emphasis: Emphasis::Default,
            cutoff_usd: None,
        }
    }
}

/// A moment of a running solve, for progress displays.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SolveProgress {
    pub elapsed: Duration,
    /// The current relative gap in percent, once HiGHS reports one.
    pub gap_pct: Option<f64>,
}

/// Solves the model; `on_progress` is called about four times a second while HiGHS works.
///
/// The model's variables, objective and constraints go to the solver; its site, upgrade and
/// slack columns stay, to read the solution with.
pub fn solve(
    model: &mut SitingModel,
    settings: &Solver,
    on_progress: &(dyn Fn(SolveProgress) + Sync),
) -> Result<SolverRun, Error> {
    solve_from(model, Limits::of(settings), None, on_progress)
}

/// Solves the model within `limits`, starting from `start` (a value for every column, integer
/// columns at whole values; HiGHS completes the continuous ones if they do not fit) when given.
pub fn solve_from(
    model: &mut SitingModel,
    limits: Limits,
    start: Option<&[f64]>,
    on_progress: &(dyn Fn(SolveProgress) + Sync),
) -> Result<SolverRun, Error> {
    let entered = Instant::now();
    let variables = model.variable_count();
    let constraints = model.constraints.len();
    let mut highs_model = hand_to_highs(model)?;
    let log = LogFile::new();
    // Handing the model to HiGHS takes time on large programs: it counts against the limit.
    let setup_s = entered.elapsed().as_secs_f64();
    let limits = Limits {
        time_limit_s: (limits.time_limit_s - setup_s).max(0.0),
        ..limits
    };
    set_options(&mut highs_model, limits, &log.path)?;
    if let Some(start) = start {
        highs_model
            .try_set_solution(Some(start), None, None, None)
            .map_err(|e| Error::Solver(format!("HiGHS rejected the starting plan: {e:?}")))?;
    }

    let (done, finished) = mpsc::channel::<()>();
    let solved = std::thread::scope(|scope| {
        scope.spawn(|| watch(&log.path, finished, on_progress));
        let solved = highs_model.try_solve();
        let _ = done.send(());
        solved
    })
    .map_err(|status| Error::Solver(format!("HiGHS could not solve the model: {status:?}")))?;

    // Read as a number: HiGHS reports -1 (info not valid) where a run ends before anything
    // was solved, which `primal_solution_status()` panics on.
    let has_plan = solved.int_info_value(c"primal_solution_status").ok()
        == Some(HighsSolutionStatus::Feasible as i64);
    let outcome = match solved.status() {
        HighsModelStatus::Optimal => SolverOutcome::Optimal,
        HighsModelStatus::Infeasible | HighsModelStatus::UnboundedOrInfeasible => {
            SolverOutcome::Infeasible
        }
        // Nothing within the cutoff (`Limits::cutoff_usd`), had HiGHS ended there.
        HighsModelStatus::ObjectiveBound if !has_plan => SolverOutcome::Infeasible,
        HighsModelStatus::ReachedTimeLimit
        | HighsModelStatus::ReachedIterationLimit
        | HighsModelStatus::ReachedSolutionLimit
        | HighsModelStatus::ReachedInterrupt
        | HighsModelStatus::ReachedMemoryLimit => {
            if has_plan {
                SolverOutcome::Feasible
            } else {
                SolverOutcome::NoPlanInTime
            }
        }
        other => {
            return Err(Error::Solver(format!(
                "HiGHS stopped with status {other:?}"
            )));
        }
    };
    let with_plan = matches!(outcome, SolverOutcome::Optimal | SolverOutcome::Feasible) && has_plan;
    let values = if with_plan {
        solved.get_solution().columns().to_vec()
    } else {
        Vec::new()
    };
    let objective_usd = if with_plan {
        evaluate_usd(&model.objective_usd_by_column, &values)
    } else {
        0.0
    };
    // HiGHS may report its primal and dual bounds without the constant its presolve moved out
    // of the objective (seen with a starting plan: "MIP start solution is feasible in the
    // reduced space"); their difference is right, so the bound is the plan's cost less it.
    let highs_gap_usd = (solved.objective_value()
        - solved
            .double_info_value(c"mip_dual_bound")
            .unwrap_or(f64::NAN))
        * USD_PER_OBJECTIVE_UNIT;
    let gap_usd = highs_gap_usd.is_finite().then(|| highs_gap_usd.max(0.0));
    Ok(SolverRun {
        outcome,
        objective_usd,
        // HiGHS's relative gap |P − D| / |P|, on the plan's cost.
        gap: with_plan.then(|| match gap_usd {
            Some(0.0) => 0.0,
            Some(gap_usd) if objective_usd != 0.0 => gap_usd / objective_usd.abs(),
            _ => 1.0,
        }),
        bound_usd: with_plan
            .then_some(gap_usd)
            .flatten()
            .map(|g| objective_usd - g),
        objective_tolerance_usd: tolerance_usd(&model.objective_usd_by_column, objective_usd),
        values,
        variables,
        constraints,
    })
}

/// Hands the model's variables, objective and constraints to HiGHS (they leave the model;
/// its columns' meanings stay, to read the solution with).
fn hand_to_highs(model: &mut SitingModel) -> Result<highs::Model, Error> {
    let objective = std::mem::take(&mut model.objective);
    let mut problem = std::mem::take(&mut model.variables)
        .minimise(objective)
        .using(highs);
    for row in std::mem::take(&mut model.constraints) {
        problem.add_constraint(row);
    }
    problem
        .try_into_inner()
        .map_err(|e| Error::Solver(format!("cannot build the HiGHS model: {e}")))
}

/// A linear program's optimum (a model without integer columns, [`crate::model::FixedChoices`]):
/// its objective in USD, its row duals (∂objective/∂row bound) and its column duals (reduced
/// costs, ∂objective/∂column bound), in objective units (millions of USD). None when HiGHS does not prove an optimum. One thread, as every solve here: HiGHS
/// run in-process with its default threads once breaks later solves.
pub fn solve_lp_duals(model: &mut SitingModel) -> Result<Option<LpDuals>, Error> {
    let mut highs_model = hand_to_highs(model)?;
    let fail = |key: &str| Error::Solver(format!("HiGHS rejected option {key}"));
    highs_model
        .try_set_option("threads", 1)
        .map_err(|_| fail("threads"))?;
    highs_model
        .try_set_option("random_seed", 0)
        .map_err(|_| fail("random_seed"))?;
    highs_model
        .try_set_option("output_flag", false)
        .map_err(|_| fail("output_flag"))?;
    let solved = highs_model
        .try_solve()
        .map_err(|status| Error::Solver(format!("HiGHS could not solve the model: {status:?}")))?;
    if solved.status() != HighsModelStatus::Optimal {
        return Ok(None);
    }
    let solution = solved.get_solution();
    Ok(Some(LpDuals {
        objective_usd: evaluate_usd(&model.objective_usd_by_column, solution.columns()),
        rows: solution.dual_rows().to_vec(),
        columns: solution.dual_columns().to_vec(),
    }))
}

/// A linear program's optimum with its duals ([`solve_lp_duals`]).
#[derive(Debug, Clone, PartialEq)]
pub struct LpDuals {
    pub objective_usd: f64,
    pub rows: Vec<f64>,
    pub columns: Vec<f64>,
}

fn set_options(model: &mut highs::Model, limits: Limits, log: &Path) -> Result<(), Error> {
    let fail = |key: &str| Error::Solver(format!("HiGHS rejected option {key}"));
    model
        .try_set_option("time_limit", limits.time_limit_s.max(0.0))
        .map_err(|_| fail("time_limit"))?;
    model
        .try_set_option("mip_rel_gap", limits.mip_gap)
        .map_err(|_| fail("mip_rel_gap"))?;
    let threads = i32::try_from(limits.threads).unwrap_or(i32::MAX);
    model
        .try_set_option("threads", threads)
        .map_err(|_| fail("threads"))?;
    // A fixed seed and one thread keep the plan the same from run to run.
    model
        .try_set_option("random_seed", 0)
        .map_err(|_| fail("random_seed"))?;
    // The log goes to a file that the progress display reads; never to the terminal.
    model
        .try_set_option("output_flag", true)
        .map_err(|_| fail("output_flag"))?;
    model
        .try_set_option("log_to_console", false)
        .map_err(|_| fail("log_to_console"))?;
    let path = log.to_string_lossy().into_owned();
    model
        .try_set_option("log_file", path.as_str())
        .map_err(|_| fail("log_file"))?;
    if let Some(cutoff_usd) = limits.cutoff_usd {
        let bound = (cutoff_usd * (1.0 + 1e-9) + 1.0) / USD_PER_OBJECTIVE_UNIT;
        model
            .try_set_option("objective_bound", bound)
            .map_err(|_| fail("objective_bound"))?;
    }
    set_emphasis(model, limits.emphasis)
}

fn set_emphasis(model: &mut highs::Model, emphasis: Emphasis) -> Result<(), Error> {
    let fail = |key: &str| Error::Solver(format!("HiGHS rejected option {key}"));
    if emphasis == Emphasis::Default {
        return Ok(());
    }
    model
        .try_set_option("mip_pool_soft_limit", 1)
        .map_err(|_| fail("mip_pool_soft_limit"))?;
    if emphasis == Emphasis::Proof {
        for heuristic in [
            "mip_heuristic_run_rins",
            "mip_heuristic_run_rens",
            "mip_heuristic_run_feasibility_jump",
            "mip_heuristic_run_root_reduced_cost",
        ] {
            model
                .try_set_option(heuristic, false)
                .map_err(|_| fail(heuristic))?;
        }
    }
    Ok(())
}

/// A solution's cost in USD: the objective's coefficients by column times the values.
fn evaluate_usd(objective_usd_by_column: &[(usize, f64)], values: &[f64]) -> f64 {
    (objective_usd_by_column.iter())
        .map(|&(column, usd)| usd * values.get(column).copied().unwrap_or(0.0))
        .sum()
}

/// The solver's tolerances in USD: each column may lie 1e-6 from the whole or clean value the
/// plan reads it as, so a cost read from the plan may differ by up to 1e-6·Σ|coefficient|
/// (plus a part in a billion of the cost, and a dollar, for rounding).
fn tolerance_usd(objective_usd_by_column: &[(usize, f64)], objective_usd: f64) -> f64 {
    let coefficients: f64 = objective_usd_by_column
        .iter()
        .map(|(_, usd)| usd.abs())
        .sum();
    1e-6 * coefficients + 1e-9 * objective_usd.abs() + 1.0
}

/// A private temporary file for HiGHS's log, removed when dropped.
struct LogFile {
    path: PathBuf,
}

impl LogFile {
    fn new() -> LogFile {
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("gridsite-highs-{}-{n}.log", std::process::id());
        LogFile {
            path: std::env::temp_dir().join(name),
        }
    }
}

impl Drop for LogFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn watch(log: &Path, finished: mpsc::Receiver<()>, on_progress: &(dyn Fn(SolveProgress) + Sync)) {
    let start = Instant::now();
    while let Err(mpsc::RecvTimeoutError::Timeout) =
        finished.recv_timeout(Duration::from_millis(250))
    {
        let gap_pct = std::fs::read_to_string(log)
            .ok()
            .and_then(|text| last_gap_pct(&text));
        on_progress(SolveProgress {
            elapsed: start.elapsed(),
            gap_pct,
        });
    }
}

/// The gap column of the last branch-and-bound line of a HiGHS log, in percent.
pub fn last_gap_pct(log: &str) -> Option<f64> {
    log.lines().rev().find_map(|line| {
        let percents: Vec<&str> = line
            .split_whitespace()
            .filter(|t| t.ends_with('%'))
            .collect();
        if percents.len() < 2 || !line.trim_end().ends_with('s') {
            return None;
        }
        percents.last()?.trim_end_matches('%').parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_gap_of_the_last_tree_line() {
        let log = "\
 Src  Proc. InQueue |  Leaves   Expl. | BestBound       BestSol              Gap |   Cuts   InLp Confl. | LpIters     Time
         0       0         0   0.00%   100             inf                  inf        0      0      0         0     0.0s
 T       0       0         0   0.00%   100             125               20.00%        0      0      0        12     0.0s
 L       3       1         0  50.00%   110             120                8.33%        4      2      0        40     0.1s
Solving report";
        assert_eq!(last_gap_pct(log), Some(8.33));
        assert_eq!(last_gap_pct("nothing yet"), None);
    }
}
