//! How a search ends without a solve or without a proof, and what it says about it.

use super::*;

impl Search<'_, '_> {
    /// The best plan found when the time is up: `feasible` with its gap to the least bound of
    /// the candidates still in play (every plan builds one of them), or no plan in time with
    /// that bound; `report.stopped` says so.
    pub(super) fn best_so_far(
        &mut self,
        incumbent: Option<Incumbent>,
        bounds: &Bounds,
        survivors: &[usize],
    ) -> Optimum {
        // The candidates' least bound, or a larger one from a program that held every candidate
        // and feed option left (see `Search::whole_bound_usd`).
        let least_usd = (survivors.iter())
            .map(|&i| bounds.sites[i].plan_usd)
            .fold(f64::INFINITY, f64::min);
        let least_usd = match self.whole_bound_usd {
            Some(usd) if least_usd.is_finite() => least_usd.max(usd),
            _ => least_usd,
        };
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
    pub(super) fn stopped_with_plan(&self, gap: f64, bound_usd: f64, survivors: usize) -> String {
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
    pub(super) fn infeasible_without_solve(&mut self) -> Optimum {
        Optimum {
            outcome: SolverOutcome::Infeasible,
            plan: Plan::default(),
            gap: None,
            report: std::mem::take(&mut self.report),
        }
    }

    /// No candidate can be built, so the only plan builds nothing: it meets the scenario when
    /// the target is 0 MW and no community must host a site.
    pub(super) fn nothing_buildable(&mut self) -> Optimum {
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
}
