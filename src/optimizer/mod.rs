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
//! [`crate::grid::outages`] and [`crate::grid::security`]). Every plan the search keeps is
//! therefore a plan of the whole program, so `UB` and the reductions stay exact. Line rows no
//! plan can reach are never built; the rows' implied bounds cap each substation's new load, and
//! feed options that can carry nothing are left out ([`drop_idle_feeds`]). A plan that breaks
//! rows is first repaired over its own sites, which often settles a core at once
//! (`rows.rs`); what a search learned of the grid is kept for the next search over the region
//! ([`GridMemo`]).
//!
//! The `[solver]` time limit covers all of it: a core that is not the last gets a fifth of the
//! time left, the last all of it. When the limit stops the search, the best plan found so far
//! is returned (`feasible`) with its gap, never "no plan" once a core found one. With
//! `max_candidates`/`max_feed_options` set, the candidates are first reduced as the user asked
//! (not exact), then treated the same way.
//!
//! [`solve_plain`] solves the contract's program over every candidate as it stands, for tests
//! and benchmarks to compare with.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use crate::candidates::Candidate;
use crate::error::Error;
use crate::grid::security::{FlowRow, FlowRows, LoadBounds, RowKey};
use crate::grid::twin::Network;
use crate::index::SpatialIndex;
use crate::layers::Map;
use crate::model::bounds::{Bounds, Rule, feed_capacity_mw};
use crate::model::start::Assignment;
use crate::model::{
    ModelInput, Relaxation, Restrictions, SitingModel, Strengthening, user_reductions,
};
use crate::plan::{self, Plan};
use crate::scenario::Scenario;
use crate::solve::{self, Emphasis, Limits, SolveProgress, SolverOutcome, SolverRun};

mod cores;
mod feeds;
mod incumbent;
mod memo;
mod plain;
mod restricted;
mod rows;
mod stop;

use crate::summary::{LineRowsReport, ModelSize, SearchReport};
use cores::*;
use feeds::*;
use incumbent::{Incumbent, renumber};
pub use memo::GridMemo;
use memo::Learned;
use plain::keep_forced;
pub use plain::{diagnosis_candidates, solve_plain};
use restricted::forced_bound_usd;

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
/// A restricted search without a pooled plan that meets its restrictions first solves the
/// program over the pooled plans' neighbourhood ([`pool_neighbourhood`]): this many
/// candidates of each substation that fed a pooled site at first, twice as many again each
/// time the neighbourhood has no plan (up to [`FIRST_CORE`] candidates in all).
const NEIGHBOURS_PER_SUBSTATION: usize = 2;

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
    /// What earlier searches over the region learned of its grid (None: nothing kept).
    pub memo: Option<&'a GridMemo>,
}

/// A solved program with the inputs it was built from.
struct Solved<'a> {
    input: ModelInput<'a>,
    model: SitingModel,
    run: SolverRun,
    size: ModelSize,
}

impl<'a> Solved<'a> {
    fn has_plan(&self) -> bool {
        matches!(
            self.run.outcome,
            SolverOutcome::Optimal | SolverOutcome::Feasible
        )
    }

    /// The solution by meaning, to start another program from.
    fn assignment(&self) -> Assignment {
        Assignment::read(&self.model, &self.input, &self.run.values)
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
    /// The cost of `start`, USD.
    start_usd: Option<f64>,
    budget_s: f64,
    mip_gap: f64,
    /// Whether it is the last program (it must prove; no core follows).
    last: bool,
    /// Whether it holds every candidate and feed option left.
    whole: bool,
    /// Whether it is a repair (see [`Search::repair`]): it is not repaired itself, and its
    /// speed does not inform the gate (a program of a few candidates is mostly overhead).
    repair: bool,
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
    /// Substations the line rows allow no new load (`search.line_rows.closed_substations`).
    closed_substations: usize,
    /// With `min_feeds ≥ 2`: the substations whose outage block the programs hold.
    outages: BTreeSet<usize>,
    /// On maps with line rows: by substation, the most new load any plan can put there (the
    /// rows' implied bounds).
    load_caps_mw: Option<Vec<f64>>,
    /// The best bound of a program that held every candidate and feed option left, in USD:
    /// with fewer line rows or outage blocks than the whole program, it is a relaxation of it,
    /// and the candidates left hold every optimal plan, so its bound is at most the optimum
    /// (valid at any point of HiGHS's run).
    whole_bound_usd: Option<f64>,
    /// Plans of the contract's program found so far, by this search and earlier ones over the
    /// region (see [`GridMemo`]).
    plans: Vec<memo::Pooled>,
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
        closed_substations: 0,
        whole_bound_usd: None,
        plans: Vec::new(),
        restrictions,
    };
    let optimum = search.run();
    search.remember();
    optimum
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
        self.prepare_line_rows();
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
        let cap_usd = self.restrictions.max_cost_usd;
        if let Some(cap_usd) = cap_usd {
            // Only plans within the cap are wanted: it reduces as a plan's cost would.
            (survivors, feeds) = self.reduce(&candidates, &bounds, cap_usd);
            let least_usd = forced_bound_usd(&bounds, &must_build, &survivors, self.restrictions);
            if survivors.is_empty() || Bounds::exceeds(least_usd, cap_usd) {
                return Ok(self.infeasible_without_solve());
            }
        }
        // The cheapest plan an earlier search found that is a plan of this program.
        let mut incumbent: Option<Incumbent> = (self.plans.iter())
            .filter(|p| p.meets(self.restrictions))
            .find_map(|p| Incumbent::pooled(p, &candidates));
        if let Some(best) = &incumbent {
            self.report.pooled_start = true;
            let upper_usd = cap_usd.map_or(best.usd, |cap| cap.min(best.usd));
            (survivors, feeds) = self.reduce(&candidates, &bounds, upper_usd);
        }
        if incumbent.is_none()
            && !self.restrictions.is_empty()
            && let Some(found) =
                self.neighbourhood_plan(&candidates, &bounds, &survivors, &feeds, &must_build)?
        {
            self.report.pooled_start = true;
            let upper_usd = cap_usd.map_or(found.usd, |cap| cap.min(found.usd));
            (survivors, feeds) = self.reduce(&candidates, &bounds, upper_usd);
            incumbent = Some(found);
        }
        let mut size = FIRST_CORE;
        let mut first = true;
        // Set once a core ran out of its budget: from then on each program gets all the time
        // left, and the first that runs out of it ends the search with the best plan found.
        let mut final_try = false;
        loop {
            let mut forced = must_build.clone();
            forced.extend(incumbent.iter().flat_map(|i| i.candidates.iter().copied()));
            let mut core = core_of(scenario, &candidates, &bounds, &survivors, size, &forced);
            if first {
                self.report.core_candidates = core.len();
            }
            if first && incumbent.is_some() && holds_most(core.len(), survivors.len()) {
                // With a plan to start from, the reduction by its cost is done: a first core
                // that holds most of what is left only delays the whole program's proof (the
                // one the search ends with, over every candidate and feed option left).
                first = false;
                size = survivors.len();
                core = core_of(scenario, &candidates, &bounds, &survivors, size, &forced);
            }
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
            let start = incumbent.as_ref().map(|i| &i.assignment);
            let start_usd = incumbent.as_ref().map(|i| i.usd);
            let program = Program {
                chosen: &core,
                feeds: &mask,
                start,
                start_usd,
                budget_s,
                mip_gap,
                last,
                whole: covers_all(&survivors, &feeds),
                repair: false,
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
                    let best = Incumbent::new(&solved, plan, &candidates);
                    memo::pool(&mut self.plans, best.to_pooled());
                    incumbent = Some(best);
                }
                if let Some(best) = &incumbent {
                    let upper_usd = cap_usd.map_or(best.usd, |cap| cap.min(best.usd));
                    (survivors, feeds) = self.reduce(&candidates, &bounds, upper_usd);
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
            repair,
            ..
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
            && !repair
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
        let cutoff_usd = self.restrictions.max_cost_usd;
        // A start above the cap is no plan HiGHS may keep.
        let start = start.filter(|_| match (program.start_usd, cutoff_usd) {
            (Some(usd), Some(cap)) => usd <= cap,
            _ => true,
        });
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
            cutoff_usd,
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
        if let (true, Some(bound_usd)) = (whole, run.bound_usd) {
            let best = self.whole_bound_usd.map_or(bound_usd, |b| b.max(bound_usd));
            self.whole_bound_usd = Some(best);
        }
        self.report.largest_candidates = self.report.largest_candidates.max(size.candidates);
        // The whole of it counts: building, handing over and solving (HiGHS may overrun its
        // limit in the presolve of a very large program, so the gate must see solve times).
        if !repair {
            let rate =
                (size.constraints.max(1) as f64) / building.elapsed().as_secs_f64().max(1e-6);
            self.rows_per_second = Some(self.rows_per_second.map_or(rate, |r| r.min(rate)));
        }
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
