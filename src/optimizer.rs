//! The exact fast path from screened candidates to the contract's optimum.
//!
//! Takes the scenario, the map, its index and the screened candidates; gives an [`Optimum`]:
//! the plan, its status and gap, and a [`SearchReport`] of how it was found. The steps:
//!
//! 1. **Bounds** ([`Bounds`]): for every candidate, the least cost of any plan that builds it,
//!    and for every feed option the least cost of any plan that uses it. Candidates no plan can
//!    build go at once ([`Rule::CannotBuild`]).
//! 2. **A first plan**: the program over a *core* of candidates — the 48 lowest bounds, the
//!    best of enough communities where community rules can bind, and each offered only its
//!    nearest feed options — solved to a 1 % gap. Its plan is a plan of the whole program (a
//!    core's plans are the whole program's plans with the other candidates unbuilt), so its
//!    cost `UB` bounds the optimum from above.
//! 3. **Reduction** ([`Rule::Bound`]): every candidate and feed option whose bound exceeds the
//!    best `UB` so far goes; no optimal plan uses it (proof in [`crate::model::bounds`]).
//! 4. **The proof**: cores grow fourfold over the candidates left, each with every feed
//!    option left, each started from the best plan so far (whose candidates it keeps), until
//!    one holds every candidate and feed option left: solved to `solver.mip_gap`, its optimum
//!    is the whole program's, since it holds every optimal plan. (A core that holds them all
//!    after the reduction it led to settles the question at once.) Every program is built
//!    with the valid rows of [`Strengthening`].
//!
//! **Grid security.** With `min_feeds ≥ 2` and on maps with lines, every program is solved
//! until its plan survives every substation outage and breaks no line row: the outage blocks
//! and line rows a plan fails are added and the program solved again (proofs in
//! [`crate::model::outages`] and [`crate::model::security`]). Every plan the search keeps is
//! therefore a plan of the whole program, so `UB` and the reductions stay exact. Line rows no
//! plan can reach are never built; the rows' implied bounds cap each substation's new load, and
//! feed options that can carry nothing are left out ([`drop_idle_feeds`]).
//!
//! The `[solver]` time limit covers all of it: a core that is not the last gets half the time
//! left, the last all of it. When the limit stops the search, the best plan found so far is
//! returned (`feasible`) with its gap, never "no plan" once a core found one. With `max_candidates`/`max_feed_options` set, the
//! candidates are first reduced as the user asked (not exact), then treated the same way.
//!
//! [`solve_plain`] solves the contract's program over every candidate as it stands, for tests
//! and benchmarks to compare with.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::candidates::Candidate;
use crate::error::Error;
use crate::index::SpatialIndex;
use crate::layers::Map;
use crate::model::bounds::{Bounds, Rule, feed_capacity_mw};
use crate::model::security::{FlowRow, FlowRows, LoadBounds, RowKey};
use crate::model::start::Assignment;
use crate::model::{
    ModelInput, Relaxation, Restrictions, SitingModel, Strengthening, user_reductions,
};
use crate::network::Network;
use crate::plan::{self, Plan};
use crate::scenario::Scenario;
use crate::solve::{self, Emphasis, Limits, SolveProgress, SolverOutcome, SolverRun};

/// The most line rows one round of the lazy loop adds (the most broken first): a plan far
/// from secure breaks thousands, most of them implied by a few.
const ROWS_PER_ROUND: usize = 200;
/// The first core's size: enough for a plan of `max_sites` sites with room to choose.
const FIRST_CORE: usize = 48;
/// Each community's best candidates join the core (community rules need them).
const CORE_PER_COMMUNITY: usize = 3;
/// How much a core grows when it does not settle the question.
const CORE_GROWTH: usize = 4;
/// The relative gap a core that is not the last program is solved to (or the scenario's, if
/// looser): it only has to give a good plan.
const CORE_MIP_GAP: f64 = 0.01;
/// A program takes longer per row than the smaller ones before it (branching, and HiGHS's
/// presolve, which may overrun its time limit on very large programs): the gate assumes this
/// many times the rate seen.
const GROWTH_SAFETY: f64 = 3.0;
/// Less time left than this starts no program.
const MIN_SOLVE_S: f64 = 0.01;
/// The first core offers each candidate feed options whose substations can carry this many
/// times its largest size (see [`first_core_feeds`]).
const FIRST_CORE_FEED_COVER: f64 = 4.0;
/// After a core without a plan, the search goes straight to every candidate left when they
/// are at most this many times the core (a program far larger is left to the gate's steps).
const JUMP_GROWTH: usize = 16;
/// A next core that would hold this share of the candidates left holds them all.
const JUMP_SHARE: f64 = 0.5;
/// The share of the time left a core may take when it is not the last program: a core that
/// does not settle soon is a sign the whole program is the way, and falling back to it early
/// keeps the fast path close to the plain program where it cannot win (on the test family,
/// 0.2 took members of 1,000 parcels from 25 s to 10 s and from 18 s to 16 s against 0.5).
const CORE_TIME_SHARE: f64 = 0.2;

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
    /// (added as plans failed them; see [`crate::model::outages`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outages_held: Option<usize>,
    /// Feed options to substations that can give a site nothing, left out (see
    /// [`drop_idle_feeds`]).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub idle_feed_options: usize,
    /// With exactly two feeds a site (N-1): feed options to substations that could not carry
    /// the whole site while its other feed is out, left out (see [`drop_insecure_feeds`]).
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

/// The search's result.
#[derive(Debug, Clone)]
pub struct Optimum {
    pub outcome: SolverOutcome,
    /// The plan (empty without one); its sites' `candidate` index the screened candidates.
    pub plan: Plan,
    pub gap: Option<f64>,
    pub report: SearchReport,
}

/// What the search is given.
pub struct Region<'a> {
    pub scenario: &'a Scenario,
    pub map: &'a Map,
    /// The map's network (empty without lines).
    pub network: &'a Network,
    pub index: &'a SpatialIndex,
    pub candidates: &'a [Candidate],
}

/// A solved program with the inputs it was built from.
struct Solved<'a> {
    input: ModelInput<'a>,
    model: SitingModel,
    run: SolverRun,
    size: ModelSize,
}

impl Solved<'_> {
    fn has_plan(&self) -> bool {
        matches!(
            self.run.outcome,
            SolverOutcome::Optimal | SolverOutcome::Feasible
        )
    }

    /// The plan of the solution, its cost checked against the solver's objective.
    fn plan(&self) -> Result<Plan, Error> {
        let plan = plan::read_plan(&self.model, &self.input, &self.run.values);
        plan.check_cost(self.run.objective_usd, self.run.objective_tolerance_usd)?;
        Ok(plan)
    }
}

/// One program of the search: the candidates it holds, their feed options, the plan it starts
/// from, and its time and gap.
struct Program<'p> {
    chosen: &'p [usize],
    feeds: &'p [Vec<bool>],
    start: Option<&'p Assignment>,
    budget_s: f64,
    mip_gap: f64,
    /// Whether it is the last program (it must prove; no core follows).
    last: bool,
    /// Whether it holds every candidate and feed option left.
    whole: bool,
}

/// What became of a program.
enum Built<'a> {
    Solved(Box<Solved<'a>>),
    /// At the rate the programs so far were built and solved, it would not be in the time
    /// left; `fits` is the share of it that would.
    TooLarge {
        fits: f64,
    },
    /// No time is left to start it.
    OutOfTime,
}

/// The search, with its clock.
struct Search<'a, 'p> {
    region: &'a Region<'a>,
    started: Instant,
    /// How many rows a second the programs so far were built and solved at (the slowest):
    /// a program that would take longer than the time left at that rate is not started.
    rows_per_second: Option<f64>,
    /// Whether a program judged too large for the time left is refused (see [`Built`]).
    gate: bool,
    on_progress: &'p (dyn Fn(SolveProgress) + Sync),
    report: SearchReport,
    /// The line rows some plan can reach, and those the programs hold so far.
    rows: FlowRows,
    active: Vec<FlowRow>,
    active_keys: BTreeSet<RowKey>,
    /// With `min_feeds ≥ 2`: the substations whose outage block the programs hold.
    outages: BTreeSet<usize>,
    /// On maps with line rows: by substation, the most new load any plan can put there (the
    /// rows' implied bounds).
    load_caps_mw: Option<Vec<f64>>,
    /// What the question asks beyond the scenario (none for `optimize`).
    restrictions: &'p Restrictions,
}

/// Finds the contract's optimum (within `solver.mip_gap`) within `solver.time_limit_s`.
pub fn optimize(
    region: &Region,
    on_progress: &(dyn Fn(SolveProgress) + Sync),
) -> Result<Optimum, Error> {
    optimize_restricted(region, &Restrictions::default(), on_progress)
}

/// The optimum of the program with `restrictions` (parcels that must be built, plans to differ
/// from): every program of the search holds them, so each step's argument holds as for the
/// contract's program. A bound of a candidate is a lower bound of every plan that builds it,
/// restricted or not; an incumbent is a plan of the restricted program, so the reduction by
/// bound keeps every restricted plan that could beat it; the parcels that must be built are in
/// every core.
pub fn optimize_restricted(
    region: &Region,
    restrictions: &Restrictions,
    on_progress: &(dyn Fn(SolveProgress) + Sync),
) -> Result<Optimum, Error> {
    let mut search = Search {
        region,
        started: Instant::now(),
        rows_per_second: None,
        gate: true,
        on_progress,
        report: SearchReport::default(),
        rows: FlowRows::default(),
        active: Vec::new(),
        active_keys: BTreeSet::new(),
        outages: BTreeSet::new(),
        load_caps_mw: None,
        restrictions,
    };
    search.run()
}

impl<'a> Search<'a, '_> {
    fn run(&mut self) -> Result<Optimum, Error> {
        let Region {
            scenario,
            map,
            candidates,
            ..
        } = *self.region;
        let mut candidates = user_reductions(candidates, scenario, map);
        keep_forced(&mut candidates, self.region.candidates, self.restrictions);
        // A parcel no plan may build is no candidate of any program (the same plans).
        candidates.retain(|c| !self.restrictions.must_not_build.contains(&c.parcel));
        self.prepare_line_rows(&candidates);
        let caps = self.load_caps_mw.as_deref();
        self.report.idle_feed_options = drop_idle_feeds(scenario, map, caps, &mut candidates);
        self.report.insecure_feed_options = drop_insecure_feeds(scenario, map, &mut candidates);
        let bounds = Bounds::with_load_caps(scenario, map, &candidates, caps);
        let buildable = self.buildable(&candidates, &bounds);
        let must_build: Vec<usize> = (0..candidates.len())
            .filter(|&i| self.restrictions.must_build.contains(&candidates[i].parcel))
            .collect();
        let forced_buildable = must_build.iter().all(|i| buildable.contains(i));
        if must_build.len() < self.restrictions.must_build.len() || !forced_buildable {
            // A parcel that must be built is no candidate, or no plan can build it.
            return Ok(self.infeasible_without_solve());
        }
        if buildable.is_empty() {
            return Ok(self.nothing_buildable());
        }
        if !communities_reachable(scenario, &candidates, &buildable) {
            return Ok(self.infeasible_without_solve());
        }

        let mut survivors = buildable;
        let mut feeds = feed_mask(&candidates);
        let mut incumbent: Option<Incumbent> = None;
        let mut size = FIRST_CORE;
        let mut first = true;
        // Set once a core ran out of its budget: from then on each program gets all the time
        // left, and the first that runs out of it ends the search with the best plan found.
        let mut final_try = false;
        loop {
            let mut forced = must_build.clone();
            forced.extend(incumbent.iter().flat_map(|i| i.candidates.iter().copied()));
            let core = core_of(scenario, &candidates, &bounds, &survivors, size, &forced);
            // The first core offers each candidate its nearest feed options, enough of them to
            // choose from: a plan found on fewer options is still a plan of the whole program,
            // and comes sooner.
            let mask = if first {
                first_core_feeds(scenario, map, &candidates, &feeds)
            } else {
                feeds.clone()
            };
            let covers_all =
                |survivors: &[usize], feeds: &[Vec<bool>]| covers(&core, &mask, survivors, feeds);
            let last = final_try || covers_all(&survivors, &feeds);
            let user_gap = scenario.solver.mip_gap;
            let (budget_s, mip_gap) = if last {
                (self.time_left_s(), user_gap)
            } else {
                // A core that is not the last only needs a good plan, not its proof.
                (
                    self.time_left_s() * CORE_TIME_SHARE,
                    user_gap.max(CORE_MIP_GAP),
                )
            };
            if first {
                self.report.core_candidates = core.len();
            }
            let start = incumbent.as_ref().map(|i| &i.assignment);
            let program = Program {
                chosen: &core,
                feeds: &mask,
                start,
                budget_s,
                mip_gap,
                last,
                whole: covers_all(&survivors, &feeds),
            };
            let solved = match self.solve(&candidates, &bounds, &program)? {
                Built::Solved(solved) => solved,
                Built::TooLarge { fits } => {
                    // Never end early: a smaller core that the time left can build and solve,
                    // from the best plan so far, with all of that time; the smallest one
                    // without the gate, which is the most that can be done.
                    final_try = true;
                    first = false;
                    let tried = core.len();
                    let smaller = ((tried as f64 * fits) as usize).max(FIRST_CORE);
                    if smaller >= tried {
                        self.gate = false;
                    } else {
                        size = smaller;
                    }
                    continue;
                }
                Built::OutOfTime => {
                    return Ok(self.best_so_far(incumbent, &bounds, &survivors));
                }
            };
            if solved.has_plan() {
                let plan = solved.plan()?;
                let usd = plan.objective_usd();
                if incumbent.as_ref().is_none_or(|i| usd < i.usd) {
                    if incumbent.is_none() {
                        self.report.first_plan_usd = Some(usd);
                        self.report.seconds.first_plan = Some(self.elapsed_s());
                    }
                    incumbent = Some(Incumbent::new(&solved, plan, &candidates));
                }
                if let Some(best) = &incumbent {
                    (survivors, feeds) = self.reduce(&candidates, &bounds, best.usd);
                }
            }
            let proven = matches!(
                solved.run.outcome,
                SolverOutcome::Optimal | SolverOutcome::Infeasible
            );
            let settled = match solved.run.outcome {
                SolverOutcome::Optimal => solved.run.gap.unwrap_or(1.0) <= user_gap,
                SolverOutcome::Infeasible => true,
                _ => false,
            };
            if covers_all(&survivors, &feeds) && (settled || (last && solved.has_plan())) {
                // Every optimal plan (or, without a plan, every plan) lies in this program:
                // its optimum, or (the time left spent) its best plan and bound, are the whole
                // program's.
                return self.finish(*solved);
            }
            if self.time_left_s() <= 0.0 {
                return Ok(self.best_so_far(incumbent, &bounds, &survivors));
            }
            // A core that ran out of its budget is not settled; larger ones, with all the time
            // left, may still find a better plan or settle it.
            // A core without a plan says nothing of the rest: with no plan to reduce by, the
            // whole program is the one that can answer, if it is not far larger than the
            // core the rate was measured on.
            let jump = !final_try
                && incumbent.is_none()
                && solved.run.outcome == SolverOutcome::Infeasible
                && survivors.len() <= JUMP_GROWTH * core.len();
            final_try |= !proven;
            first = false;
            size = if jump {
                survivors.len()
            } else {
                next_core_size(core.len(), survivors.len())
            };
        }
    }

    /// The best plan found when the time is up: `feasible` with its gap to the least bound of
    /// the candidates still in play (every plan builds one of them), or no plan in time with
    /// that bound; `report.stopped` says so.
    fn best_so_far(
        &mut self,
        incumbent: Option<Incumbent>,
        bounds: &Bounds,
        survivors: &[usize],
    ) -> Optimum {
        let least_usd = (survivors.iter())
            .map(|&i| bounds.sites[i].plan_usd)
            .fold(f64::INFINITY, f64::min);
        let Some(best) = incumbent else {
            self.report.bound_usd = least_usd.is_finite().then_some(least_usd);
            self.report.stopped = Some(self.stopped_without_plan(survivors.len()));
            return Optimum {
                outcome: SolverOutcome::NoPlanInTime,
                plan: Plan::default(),
                gap: None,
                report: std::mem::take(&mut self.report),
            };
        };
        let bound_usd = least_usd.min(best.usd);
        let gap = ((best.usd - bound_usd) / best.usd.abs().max(1.0)).clamp(0.0, 1.0);
        self.report.bound_usd = Some(bound_usd);
        self.report.model = best.size;
        self.report.stopped = Some(self.stopped_with_plan(gap, bound_usd, survivors.len()));
        let mut plan = best.plan;
        renumber(&mut plan, self.region.candidates);
        Optimum {
            outcome: SolverOutcome::Feasible,
            plan,
            gap: Some(gap),
            report: std::mem::take(&mut self.report),
        }
    }

    /// Why a search with a plan ended without a proof, with the bound and the gap.
    fn stopped_with_plan(&self, gap: f64, bound_usd: f64, survivors: usize) -> String {
        format!(
            "the time limit ({} s) ended the search before a proof: the plan may be up to {:.2} % \
             above the optimum (best bound {:.0} USD); {}",
            self.region.scenario.solver.time_limit_s,
            100.0 * gap,
            bound_usd,
            self.tried(survivors),
        )
    }

    /// Why a search ended without a plan: what it tried, and the best bound.
    fn stopped_without_plan(&self, survivors: usize) -> String {
        let bound = match self.report.bound_usd {
            Some(usd) => format!("best bound: every plan costs at least {usd:.0} USD"),
            None => "no bound was proven".to_string(),
        };
        format!(
            "no plan was found within the time limit ({} s), and infeasibility is not proven: \
             {}; {bound}; raise solver.time_limit_s",
            self.region.scenario.solver.time_limit_s,
            self.tried(survivors),
        )
    }

    /// What the search tried: its programs and the largest's size.
    fn tried(&self, survivors: usize) -> String {
        format!(
            "{} program{} solved, the largest over {} of the {survivors} candidates that can be built",
            self.report.solves,
            if self.report.solves == 1 { "" } else { "s" },
            self.report.largest_candidates,
        )
    }

    /// No plan hosts `min_communities` communities, or builds a parcel that must be built:
    /// proven without a solve.
    fn infeasible_without_solve(&mut self) -> Optimum {
        Optimum {
            outcome: SolverOutcome::Infeasible,
            plan: Plan::default(),
            gap: None,
            report: std::mem::take(&mut self.report),
        }
    }

    /// No candidate can be built, so the only plan builds nothing: it meets the scenario when
    /// the target is 0 MW and no community must host a site.
    fn nothing_buildable(&mut self) -> Optimum {
        let scenario = self.region.scenario;
        let empty_plan_fits =
            scenario.target.total_mw <= 0.0 && scenario.community.min_communities == 0;
        let (outcome, gap, bound_usd) = if empty_plan_fits {
            (SolverOutcome::Optimal, Some(0.0), Some(0.0))
        } else {
            (SolverOutcome::Infeasible, None, None)
        };
        self.report.bound_usd = bound_usd;
        if empty_plan_fits {
            self.report.seconds.proof = Some(self.elapsed_s());
        }
        Optimum {
            outcome,
            plan: Plan::default(),
            gap,
            report: std::mem::take(&mut self.report),
        }
    }

    /// The candidates some plan may build; the others are counted as `cannot_build`.
    fn buildable(&mut self, candidates: &[Candidate], bounds: &Bounds) -> Vec<usize> {
        let buildable: Vec<usize> = (0..candidates.len())
            .filter(|&i| bounds.sites[i].plan_usd.is_finite())
            .collect();
        let cannot = candidates.len() - buildable.len();
        if cannot > 0 {
            self.report
                .eliminated
                .insert(Rule::CannotBuild.as_str().to_string(), cannot);
        }
        buildable
    }

    /// The candidates and feed options whose bounds do not exceed `upper_usd`.
    fn reduce(
        &mut self,
        candidates: &[Candidate],
        bounds: &Bounds,
        upper_usd: f64,
    ) -> (Vec<usize>, Vec<Vec<bool>>) {
        let mut survivors = Vec::new();
        let mut by_bound = 0;
        let mut feeds_out = 0;
        let feeds: Vec<Vec<bool>> = (candidates.iter().zip(&bounds.sites))
            .enumerate()
            .map(|(i, (_, site))| {
                if !site.plan_usd.is_finite() {
                    return Vec::new();
                }
                if Bounds::exceeds(site.plan_usd, upper_usd) {
                    by_bound += 1;
                    return Vec::new();
                }
                survivors.push(i);
                let kept: Vec<bool> = (site.feed_plan_usd.iter())
                    .map(|&usd| !Bounds::exceeds(usd, upper_usd))
                    .collect();
                feeds_out += kept.iter().filter(|k| !**k).count();
                kept
            })
            .collect();
        if by_bound > 0 {
            self.report
                .eliminated
                .insert(Rule::Bound.as_str().to_string(), by_bound);
        }
        self.report.feed_options_eliminated = feeds_out;
        (survivors, feeds)
    }

    /// The line rows of the region (none without lines): those some plan over `candidates`
    /// can reach, the normal ones among them held from the first program on.
    fn prepare_line_rows(&mut self, candidates: &[Candidate]) {
        let Region {
            scenario,
            map,
            network,
            ..
        } = *self.region;
        if network.is_empty() {
            return;
        }
        let reached: BTreeSet<usize> = (candidates.iter())
            .flat_map(|c| c.feeds.iter().map(|f| f.substation))
            .collect();
        let mut bounds = LoadBounds::new(scenario, map, &reached);
        self.rows = FlowRows::new(network, map, scenario, Some(&bounds));
        let closed = bounds.tighten(&self.rows, network);
        self.load_caps_mw = Some(bounds.max_load_mw);
        for row in self.rows.initial() {
            self.activate(row);
        }
        self.report.line_rows = Some(LineRowsReport {
            total: self.rows.total,
            reachable: self.rows.reachable.len(),
            held: self.active.len(),
            rounds: 0,
            closed_substations: closed,
        });
    }

    fn activate(&mut self, row: FlowRow) {
        if self.active_keys.insert(row.key()) {
            self.active.push(row);
        }
    }

    /// [`Self::solve_once`] until its plan breaks no line row: the rows a plan breaks are added
    /// and the program solved again (see [`crate::model::security`] for why the optimum is
    /// kept). A program without a plan, or whose plan breaks nothing, is the answer.
    fn solve(
        &mut self,
        candidates: &[Candidate],
        bounds: &Bounds,
        program: &Program,
    ) -> Result<Built<'a>, Error> {
        loop {
            let solved = match self.solve_once(candidates, bounds, program)? {
                Built::Solved(solved) => solved,
                other => return Ok(other),
            };
            let n_minus_one = crate::costs::n_minus_one(self.region.scenario);
            if (self.rows.reachable.is_empty() && !n_minus_one) || !solved.has_plan() {
                return Ok(Built::Solved(solved));
            }
            let plan = plan::read_plan(&solved.model, &solved.input, &solved.run.values);
            let broken = self.broken_rows(&plan);
            let Region { scenario, map, .. } = *self.region;
            let outages: Vec<usize> = if n_minus_one {
                (plan.outages(scenario, map).into_iter())
                    .filter(|o| !o.survived() && !self.outages.contains(&o.out))
                    .map(|o| o.out)
                    .collect()
            } else {
                Vec::new()
            };
            if broken.is_empty() && outages.is_empty() {
                return Ok(Built::Solved(solved));
            }
            let rows_added = !broken.is_empty();
            for row in broken.into_iter().take(ROWS_PER_ROUND) {
                self.activate(row);
            }
            self.outages.extend(outages.iter().copied());
            if let Some(report) = &mut self.report.line_rows
                && rows_added
            {
                report.held = self.active.len();
                report.rounds += 1;
            }
            if !outages.is_empty() {
                self.report.outages_held = Some(self.outages.len());
            }
        }
    }

    /// The reachable line rows the plan breaks that the programs do not hold yet.
    fn broken_rows(&self, plan: &Plan) -> Vec<FlowRow> {
        let Region { map, network, .. } = *self.region;
        let (load_mw, firm_mw) = plan.load_by_substation(map.substations.len());
        self.rows
            .violated(network, map, &load_mw, &firm_mw, &self.active_keys)
    }

    /// Builds and solves the program over `chosen` candidates with the feed options `feeds`
    /// marks, from `start` where given, within `budget_s` and to `mip_gap`; `TooLarge` when the
    /// program would not be built and solved in the time left, judged from the rows per second
    /// at which the programs so far were (without the safety margin for the whole program with
    /// no start: nothing smaller can prove anything), `OutOfTime` when no time is left.
    fn solve_once(
        &mut self,
        candidates: &[Candidate],
        bounds: &Bounds,
        program: &Program,
    ) -> Result<Built<'a>, Error> {
        let Program {
            chosen,
            feeds,
            start,
            budget_s,
            mip_gap,
            last,
            whole,
        } = *program;
        if self.time_left_s() <= MIN_SOLVE_S {
            return Ok(Built::OutOfTime);
        }
        let Region {
            scenario,
            map,
            network,
            index,
            ..
        } = *self.region;
        let building = Instant::now();
        let subset: Vec<Candidate> = chosen
            .iter()
            .map(|&i| {
                let mut c = candidates[i].clone();
                let mut keep = feeds[i].iter();
                c.feeds.retain(|_| keep.next().copied().unwrap_or(true));
                c
            })
            .collect();
        let mut input = ModelInput::with_candidates(scenario, map, network, index, subset);
        input.flow_rows = self.active.clone();
        input.outages = Some(self.outages.clone());
        input.load_caps_mw = self.load_caps_mw.clone();
        input.restrictions = self.restrictions.clone();
        let feed_options: usize = input.candidates.iter().map(|c| c.feeds.len()).sum();
        let rows_estimate =
            input.spacing_pairs.len() + 4 * input.candidates.len() + 3 * feed_options;
        if let Some(rate) = self.rows_per_second
            && self.gate
        {
            // The whole program with no plan to start from is the only one that can prove
            // anything: it is judged at the rate seen, without the safety margin, so that the
            // gate does not trade a proof within the limit for smaller programs that cannot
            // give one (on the test family, infeasible members the plain program proved in
            // 12–25 s of 30 were otherwise never attempted).
            let safety = if whole && start.is_none() {
                1.0
            } else {
                GROWTH_SAFETY
            };
            let needed_s = safety * rows_estimate as f64 / rate;
            if needed_s > self.time_left_s() {
                return Ok(Built::TooLarge {
                    fits: self.time_left_s() / needed_s,
                });
            }
        }
        let site_mw = chosen.iter().map(|&i| bounds.sites[i].mw).collect();
        input.strengthening = Some(Strengthening::new(site_mw, scenario.target.total_mw));
        let mut model = SitingModel::build(&input, Relaxation::None);
        let size = ModelSize {
            candidates: input.candidates.len(),
            feed_options,
            variables: model.variable_count(),
            constraints: model.constraints.len(),
        };
        let start_values = start.map(|s| s.columns(&model, &input));
        let limits = Limits {
            time_limit_s: budget_s.min(self.time_left_s()),
            mip_gap,
            emphasis: match (start.is_some(), last) {
                (true, _) => Emphasis::Proof,
                // The last program without a plan to start from must prove, from scratch:
                // HiGHS's defaults (a small cut pool starved the proof of infeasibility on
                // the test family, 9 s with the defaults against no answer in 30 s).
                (false, true) => Emphasis::Default,
                (false, false) => Emphasis::FirstPlan,
            },
            ..Limits::of(&scenario.solver)
        };
        let offset = self.started.elapsed();
        let on_progress = self.on_progress;
        let run = solve::solve_from(&mut model, limits, start_values.as_deref(), &|p| {
            on_progress(SolveProgress {
                elapsed: offset + p.elapsed,
                gap_pct: p.gap_pct,
            })
        })?;
        self.report.solves += 1;
        self.report.largest_candidates = self.report.largest_candidates.max(size.candidates);
        // The whole of it counts: building, handing over and solving (HiGHS may overrun its
        // limit in the presolve of a very large program, so the gate must see solve times).
        let rate = (size.constraints.max(1) as f64) / building.elapsed().as_secs_f64().max(1e-6);
        self.rows_per_second = Some(self.rows_per_second.map_or(rate, |r| r.min(rate)));
        Ok(Built::Solved(Box::new(Solved {
            input,
            model,
            run,
            size,
        })))
    }

    /// The optimum from the last solve, which proved it (or proved there is no plan).
    fn finish(&mut self, solved: Solved) -> Result<Optimum, Error> {
        self.report.model = solved.size;
        let plan = if solved.has_plan() {
            let mut plan = solved.plan()?;
            renumber(&mut plan, self.region.candidates);
            plan
        } else {
            Plan::default()
        };
        if solved.run.outcome == SolverOutcome::Optimal {
            self.report.seconds.proof = Some(self.elapsed_s());
        }
        if solved.run.outcome == SolverOutcome::Feasible {
            // Costs are not negative: 0 bounds every plan where HiGHS gave no bound.
            let bound_usd = (solved.run.bound_usd).map_or(0.0, |b| b.min(plan.objective_usd()));
            let gap = solved.run.gap.unwrap_or(1.0);
            let left = solved.size.candidates;
            self.report.stopped = Some(self.stopped_with_plan(gap, bound_usd, left));
        }
        // HiGHS's bound is within its tolerances of the plan (in M USD); a plan's recomputed
        // cost is the tighter figure where the bound lies a few USD above it.
        self.report.bound_usd = match (solved.run.bound_usd, plan.sites.is_empty()) {
            (Some(bound), false) => Some(bound.min(plan.objective_usd())),
            (bound, _) => bound,
        };
        Ok(Optimum {
            outcome: solved.run.outcome,
            plan,
            gap: solved.run.gap,
            report: std::mem::take(&mut self.report),
        })
    }

    fn elapsed_s(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    fn time_left_s(&self) -> f64 {
        (self.region.scenario.solver.time_limit_s - self.elapsed_s()).max(0.0)
    }
}

/// The best plan found so far, with what a later program needs of it.
struct Incumbent {
    plan: Plan,
    usd: f64,
    /// Its solution by meaning, the start of later programs.
    assignment: Assignment,
    /// Its sites, as indices of the search's candidates (they stay in every later core).
    candidates: Vec<usize>,
    /// The size of the program it came from.
    size: ModelSize,
}

impl Incumbent {
    fn new(solved: &Solved, plan: Plan, candidates: &[Candidate]) -> Incumbent {
        let parcels: BTreeSet<usize> = plan.sites.iter().map(|s| s.parcel).collect();
        Incumbent {
            usd: plan.objective_usd(),
            assignment: Assignment::read(&solved.model, &solved.input, &solved.run.values),
            candidates: (0..candidates.len())
                .filter(|&i| parcels.contains(&candidates[i].parcel))
                .collect(),
            size: solved.size,
            plan,
        }
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Leaves out the feed options whose substation can give a site nothing — no firm MW even
/// with its upgrade, and no flexible MW (none there, or `flexible_share = 0`), or no new load
/// at all by the line rows' implied bounds (`load_caps_mw`) — where `min_feeds ≤ 1` and
/// `min_site_mw > 0`; gives how many. (Network-only substations of an imported network are
/// such: a tie point or a bus with no headroom.)
///
/// Why the optimum is kept: such a feed carries 0 MW in every plan (its firm and flexible
/// columns are bounded by those capacities, or the line rows allow its substation no load). In a plan that uses it, the built site carries
/// `s_p ≥ min_site_mw > 0` MW, so some other feed of the site carries MW; dropping the idle
/// feed leaves at least that one, so `Σ_b feed_pb ≥ 1 ≥ min_feeds` still holds, and it changes
/// no flow, no substation or line row (it carried nothing) and no other rule, while the cost
/// falls by `feed_usd_per_km·km ≥ 0`. So some optimal plan uses no idle feed, and the program
/// without them has the same optimum. With `min_feeds ≥ 2` a feed may be needed for its count
/// alone, and none is dropped.
fn drop_idle_feeds(
    scenario: &Scenario,
    map: &Map,
    load_caps_mw: Option<&[f64]>,
    candidates: &mut [Candidate],
) -> usize {
    if scenario.site.min_feeds > 1 || scenario.target.min_site_mw <= 0.0 {
        return 0;
    }
    let flexible = scenario.grid.flexible_share > 0.0;
    let idle = |b: usize| {
        let s = &map.substations[b];
        let no_capacity = crate::costs::available_mw(scenario, s, true) <= 0.0
            && (!flexible || s.flexible_mw <= 0.0);
        no_capacity || load_caps_mw.is_some_and(|caps| caps[b] <= 0.0)
    };
    drop_feeds_to(candidates, idle)
}

/// Leaves out every feed option to a substation `drop` names; gives how many.
fn drop_feeds_to(candidates: &mut [Candidate], drop: impl Fn(usize) -> bool) -> usize {
    let mut dropped = 0;
    for c in candidates.iter_mut() {
        let before = c.feeds.len();
        c.feeds.retain(|f| !drop(f.substation));
        dropped += before - c.feeds.len();
    }
    dropped
}

/// Leaves out, where every site has exactly two feeds (`min_feeds = max_feeds = 2`), the feed
/// options whose substation could not carry a site alone in its other feed's outage: those
/// whose emergency MW with the upgrade is below the least firm MW of a site,
/// `(1 − flexible_share)·min_site_mw`; gives how many.
///
/// Why the optimum is kept: a built site p with feeds {k, b} draws firm MW
/// `firm_pk + firm_pb = s_p − Σ flex ≥ (1 − flexible_share)·min_site_mw`. In the outage of k its
/// pickups go to its only other feed, `pickup_pkb = firm_pk`, and the program's row of the
/// pair (k, b) holds `Σ_q firm_qb + Σ_q pickup_qkb ≥ firm_pb + firm_pk`, within b's emergency
/// MW (at most `emergency_mw` with the upgrade). So no plan of the program uses such an option:
/// leaving it out removes no plan, and the optimum (or the proof that there is none) is the
/// same. In the LP relaxation a site may spread fractional feeds over many substations; without
/// these options it cannot, which is what proves a region short of N-1 capacity infeasible at
/// the root instead of after a long search.
fn drop_insecure_feeds(scenario: &Scenario, map: &Map, candidates: &mut [Candidate]) -> usize {
    let site = &scenario.site;
    if site.min_feeds != 2 || site.max_feeds != 2 {
        return 0;
    }
    let least_firm_mw = (1.0 - scenario.grid.flexible_share) * scenario.target.min_site_mw;
    let insecure =
        |b: usize| crate::costs::emergency_mw(scenario, &map.substations[b], true) < least_firm_mw;
    drop_feeds_to(candidates, insecure)
}

/// The next core's size after one of `size` did not settle the question, with `survivors`
/// candidates left: `CORE_GROWTH` times larger, or all of them where that would hold at least
/// [`JUMP_SHARE`] of them (a core nearly as large as the whole only delays its proof).
fn next_core_size(size: usize, survivors: usize) -> usize {
    let next = size * CORE_GROWTH;
    if next as f64 >= JUMP_SHARE * survivors as f64 {
        survivors.max(next)
    } else {
        next
    }
}

/// Whether a program over `core` with the feed options `mask` holds every candidate in
/// `survivors` with every feed option `feeds` keeps.
fn covers(core: &[usize], mask: &[Vec<bool>], survivors: &[usize], feeds: &[Vec<bool>]) -> bool {
    let core: BTreeSet<usize> = core.iter().copied().collect();
    survivors.iter().all(|i| {
        core.contains(i)
            && (feeds[*i].iter().zip(&mask[*i])).all(|(kept, offered)| !kept || *offered)
    })
}

/// The core: the `size` buildable candidates with the lowest bounds (ties to the cheaper own
/// cost, then the lower index); where community rules can bind, also the best
/// `CORE_PER_COMMUNITY` of each of the communities with the best candidates, enough of them to
/// meet `min_communities` and the per-community cap. In index order.
fn core_of(
    scenario: &Scenario,
    candidates: &[Candidate],
    bounds: &Bounds,
    buildable: &[usize],
    size: usize,
    forced: &[usize],
) -> Vec<usize> {
    let mut ranked = buildable.to_vec();
    ranked.sort_by(|&a, &b| {
        let (sa, sb) = (&bounds.sites[a], &bounds.sites[b]);
        (sa.plan_usd.total_cmp(&sb.plan_usd))
            .then(sa.own_usd.total_cmp(&sb.own_usd))
            .then(a.cmp(&b))
    });
    let mut core: BTreeSet<usize> = ranked.iter().take(size).copied().collect();
    core.extend(forced.iter().copied());
    let communities = communities_to_offer(scenario) * (size / FIRST_CORE).max(1);
    core.extend(best_of_communities(candidates, &ranked, communities));
    core.into_iter().collect()
}

/// The first `CORE_PER_COMMUNITY` of `ranked` in each of the first `communities`
/// communities that `ranked` reaches.
fn best_of_communities(
    candidates: &[Candidate],
    ranked: &[usize],
    communities: usize,
) -> Vec<usize> {
    let mut per_community: BTreeMap<Option<usize>, usize> = BTreeMap::new();
    let mut chosen = Vec::new();
    for &i in ranked {
        let community = candidates[i].community;
        if !per_community.contains_key(&community) && per_community.len() >= communities {
            continue;
        }
        let taken = per_community.entry(community).or_default();
        if *taken < CORE_PER_COMMUNITY {
            *taken += 1;
            chosen.push(i);
        }
    }
    chosen
}

/// How many communities the first core draws on beyond its best candidates: none where no
/// community rule can bind, else twice what the rules need (`min_communities`, and the
/// communities a target needs under `max_share_per_community`).
fn communities_to_offer(scenario: &Scenario) -> usize {
    let community = &scenario.community;
    let share = community.max_share_per_community;
    if community.min_communities <= 1 && share >= 1.0 {
        return 0;
    }
    let by_share = if share > 0.0 {
        (1.0 / share).ceil().min(1e6) as usize
    } else {
        1
    };
    2 * (community.min_communities as usize).max(by_share)
}

/// Whether some plan could host `min_communities` communities: a plan builds at most
/// `max_sites` sites, each in one community, among the buildable candidates' communities.
fn communities_reachable(
    scenario: &Scenario,
    candidates: &[Candidate],
    buildable: &[usize],
) -> bool {
    let needed = scenario.community.min_communities as usize;
    let hosting: BTreeSet<Option<usize>> =
        buildable.iter().map(|&i| candidates[i].community).collect();
    needed <= hosting.len().min(scenario.target.max_sites as usize)
}

/// The feed options of `feeds` the first core offers: each candidate's nearest, at least
/// `max_feeds + 2` of them and as many more as it takes for their substations to be able to
/// carry [`FIRST_CORE_FEED_COVER`] times the site's largest size. (A fixed count of the
/// nearest, tuned on the shipped maps' large substations, made the first plan up to 10 times
/// slower to find on the test family's many small ones, where a site's nearest substations
/// cannot carry it and its neighbours'.)
fn first_core_feeds(
    scenario: &Scenario,
    map: &Map,
    candidates: &[Candidate],
    feeds: &[Vec<bool>],
) -> Vec<Vec<bool>> {
    let least = scenario.site.max_feeds.max(scenario.site.min_feeds) as usize + 2;
    (candidates.iter().zip(feeds))
        .map(|(candidate, kept)| {
            let wanted_mw = FIRST_CORE_FEED_COVER * candidate.max_mw;
            let (mut offered, mut carry_mw) = (0, 0.0);
            (candidate.feeds.iter().zip(kept))
                .map(|(feed, &kept)| {
                    let offer = kept && (offered < least || carry_mw < wanted_mw);
                    if offer {
                        offered += 1;
                        carry_mw += feed_capacity_mw(scenario, map, feed.substation);
                    }
                    offer
                })
                .collect()
        })
        .collect()
}

/// Every feed option of every candidate.
fn feed_mask(candidates: &[Candidate]) -> Vec<Vec<bool>> {
    candidates
        .iter()
        .map(|c| vec![true; c.feeds.len()])
        .collect()
}

/// Points the plan's sites at the region's candidates (the solved program numbered its own).
fn renumber(plan: &mut Plan, region: &[Candidate]) {
    let by_parcel: BTreeMap<usize, usize> = region
        .iter()
        .enumerate()
        .map(|(i, c)| (c.parcel, i))
        .collect();
    for site in &mut plan.sites {
        if let Some(&i) = by_parcel.get(&site.parcel) {
            site.candidate = i;
        }
    }
}

/// Regions with more candidates than this are diagnosed over [`DIAGNOSIS_CORE`] of them.
const DIAGNOSIS_ALL: usize = 2_000;
/// How many candidates the diagnosis of a large region looks at.
const DIAGNOSIS_CORE: usize = 500;

/// The candidates the diagnosis of an infeasible scenario solves its relaxation over (its
/// slack is then an upper bound on what the whole region needs, not the least), and whether
/// that is all of them. Up to [`DIAGNOSIS_ALL`] candidates: all. Beyond: the
/// [`DIAGNOSIS_CORE`] that can carry the most MW (the relaxation places as many MW as it can
/// before anything else), ties to the lower bound on cost, with each community's best where
/// community rules can bind; the relaxation over all of them would not be built in minutes.
pub fn diagnosis_candidates(
    region: &Region,
    restrictions: &Restrictions,
) -> (Vec<Candidate>, bool) {
    let mut candidates = user_reductions(region.candidates, region.scenario, region.map);
    keep_forced(&mut candidates, region.candidates, restrictions);
    if candidates.len() <= DIAGNOSIS_ALL {
        return (candidates, true);
    }
    let bounds = Bounds::new(region.scenario, region.map, &candidates);
    let mut ranked: Vec<usize> = (0..candidates.len()).collect();
    ranked.sort_by(|&a, &b| {
        let (sa, sb) = (&bounds.sites[a], &bounds.sites[b]);
        (sb.mw.total_cmp(&sa.mw))
            .then(sa.own_usd.total_cmp(&sb.own_usd))
            .then(a.cmp(&b))
    });
    let mut chosen: BTreeSet<usize> = ranked.iter().take(DIAGNOSIS_CORE).copied().collect();
    chosen.extend(
        (0..candidates.len()).filter(|&i| restrictions.must_build.contains(&candidates[i].parcel)),
    );
    let communities = communities_to_offer(region.scenario);
    chosen.extend(best_of_communities(&candidates, &ranked, communities));
    let subset = chosen.into_iter().map(|i| candidates[i].clone()).collect();
    (subset, false)
}

/// Puts back the candidates of parcels that must be built where the user's `[solver]`
/// reductions left them out (in screening order, as the rest).
fn keep_forced(
    candidates: &mut Vec<Candidate>,
    screened: &[Candidate],
    restrictions: &Restrictions,
) {
    let present: BTreeSet<usize> = candidates.iter().map(|c| c.parcel).collect();
    let missing = (screened.iter())
        .filter(|c| restrictions.must_build.contains(&c.parcel) && !present.contains(&c.parcel));
    let mut added = false;
    for c in missing {
        candidates.push(c.clone());
        added = true;
    }
    if added {
        candidates.sort_by_key(|c| c.parcel);
    }
}

/// The contract's program over every candidate (less the user's `[solver]` reductions),
/// solved as it stands: the reference the fast path is tested and measured against.
pub fn solve_plain(
    region: &Region,
    on_progress: &(dyn Fn(SolveProgress) + Sync),
) -> Result<(SolverOutcome, Plan, SolverRun), Error> {
    let mut input = ModelInput::new(
        region.scenario,
        region.map,
        region.network,
        region.index,
        region.candidates,
    );
    input.flow_rows = FlowRows::new(region.network, region.map, region.scenario, None).reachable;
    if input.candidates.is_empty() {
        // HiGHS refuses an empty model: the only plan builds nothing.
        let fits = region.scenario.target.total_mw <= 0.0
            && region.scenario.community.min_communities == 0;
        let outcome = if fits {
            SolverOutcome::Optimal
        } else {
            SolverOutcome::Infeasible
        };
        return Ok((outcome, Plan::default(), SolverRun::empty(outcome)));
    }
    let mut model = SitingModel::build(&input, Relaxation::None);
    let run = solve::solve(&mut model, &region.scenario.solver, on_progress)?;
    let plan = if matches!(
        run.outcome,
        SolverOutcome::Optimal | SolverOutcome::Feasible
    ) {
        let plan = plan::read_plan(&model, &input, &run.values);
        plan.check_cost(run.objective_usd, run.objective_tolerance_usd)?;
        plan
    } else {
        Plan::default()
    };
    Ok((run.outcome, plan, run))
}
