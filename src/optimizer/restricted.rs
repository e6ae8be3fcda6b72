//! What a search with restrictions (explain's questions, alternatives' parts, Pareto points)
//! does beyond the contract's own search: a bound from the parcels it must build, and a first
//! plan from the neighbourhood of the plans earlier searches found.

use super::*;

/// A bound on every plan of the restricted program: each builds the candidates `must_build`
/// (indices of `candidates`), so it costs at least the sum of their `own_usd` (a site pays its
/// build cost and at least `min_feeds` feeds of its own; upgrades and flexible MW never cost
/// less than 0); where it must differ from a plan that builds exactly those, it
/// builds one more, a survivor (a candidate the reduction kept: one it dropped is in no plan
/// within the cap), which adds at least the least `own_usd` among them. Infinite where a
/// forced candidate is no survivor (every plan builds it, and its bound exceeds the cap) or
/// no other survivor is left to build.
pub(super) fn forced_bound_usd(
    bounds: &Bounds,
    must_build: &[usize],
    survivors: &[usize],
    restrictions: &Restrictions,
) -> f64 {
    if must_build.is_empty() {
        return 0.0;
    }
    if must_build
        .iter()
        .any(|i| survivors.binary_search(i).is_err())
    {
        return f64::INFINITY;
    }
    let forced_usd: f64 = must_build.iter().map(|&i| bounds.sites[i].own_usd).sum();
    let needs_another = restrictions.differ_from.contains(&restrictions.must_build);
    if !needs_another {
        return forced_usd;
    }
    let another_usd = (survivors.iter())
        .filter(|i| must_build.binary_search(i).is_err())
        .map(|&i| bounds.sites[i].own_usd)
        .fold(f64::INFINITY, f64::min);
    forced_usd + another_usd
}

impl<'a> Search<'a, '_> {
    /// A plan of the restricted program from the pooled plans' neighbourhood
    /// ([`pool_neighbourhood`]), solved as a small core to [`CORE_MIP_GAP`] within
    /// [`CORE_TIME_SHARE`] of the time left; a neighbourhood proven to have no plan is widened
    /// (twice the candidates of each substation, [`NEIGHBOURS_PER_SUBSTATION`] at first) while
    /// it grows and stays within [`FIRST_CORE`]. None where there is no neighbourhood or none
    /// gives a plan. The search goes on from it as from a pooled plan.
    ///
    /// Each neighbourhood is solved once: a plan that breaks line rows or fails outages the
    /// programs did not hold yet gives no start (those rows and outages are held from then on,
    /// as for any plan). A start is only worth a few small solves: plans near the pooled ones
    /// that are not secure as they stand were, on `suburban-community-first`'s question without
    /// P000294, four rounds of a 3-candidate program (1.7 s, the last alone 1.1 s) for a plan
    /// 18 % above the answer, where the first core finds the answer in 0.3 s.
    pub(super) fn neighbourhood_plan(
        &mut self,
        candidates: &[Candidate],
        bounds: &Bounds,
        survivors: &[usize],
        feeds: &[Vec<bool>],
        forced: &[usize],
    ) -> Result<Option<Incumbent>, Error> {
        let mut per_substation = NEIGHBOURS_PER_SUBSTATION;
        let mut tried = 0;
        loop {
            let Some(chosen) = pool_neighbourhood(
                candidates,
                bounds,
                survivors,
                feeds,
                &self.plans,
                forced,
                per_substation,
            ) else {
                return Ok(None);
            };
            if chosen.len() <= tried {
                // Widening added nobody: the same program again.
                return Ok(None);
            }
            tried = chosen.len();
            per_substation *= 2;
            match self.neighbourhood_solved(candidates, bounds, feeds, &chosen)? {
                Neighbourhood::Plan(found) => return Ok(Some(*found)),
                Neighbourhood::Empty => continue,
                Neighbourhood::Unknown => return Ok(None),
            }
        }
    }

    /// The program over the neighbourhood `chosen`, solved.
    fn neighbourhood_solved(
        &mut self,
        candidates: &[Candidate],
        bounds: &Bounds,
        feeds: &[Vec<bool>],
        chosen: &[usize],
    ) -> Result<Neighbourhood, Error> {
        let program = Program {
            chosen,
            feeds,
            start: None,
            start_usd: None,
            budget_s: self.time_left_s() * CORE_TIME_SHARE,
            mip_gap: self.region.scenario.solver.mip_gap.max(CORE_MIP_GAP),
            last: false,
            whole: false,
            // Small: its speed says nothing of the larger programs' (see the gate).
            repair: true,
        };
        let Built::Solved(solved) = self.solve_once(candidates, bounds, &program)? else {
            return Ok(Neighbourhood::Unknown);
        };
        if !solved.has_plan() {
            let empty = solved.run.outcome == SolverOutcome::Infeasible;
            return Ok(if empty {
                Neighbourhood::Empty
            } else {
                Neighbourhood::Unknown
            });
        }
        let plan = solved.plan()?;
        if self.hold_what_it_breaks(&plan) {
            return Ok(Neighbourhood::Unknown);
        }
        self.report.first_plan_usd = Some(plan.objective_usd());
        self.report.seconds.first_plan = Some(self.elapsed_s());
        let found = Incumbent::new(&solved, plan, candidates);
        memo::pool(&mut self.plans, found.to_pooled());
        Ok(Neighbourhood::Plan(Box::new(found)))
    }
}

/// What the program over a neighbourhood gave.
enum Neighbourhood {
    Plan(Box<Incumbent>),
    /// Proven to have no plan: a wider neighbourhood may have one.
    Empty,
    /// No plan within its time, or a plan that is not secure as it stands: a wider one would
    /// fare no better.
    Unknown,
}
