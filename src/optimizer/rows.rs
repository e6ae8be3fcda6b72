//! The grid's rows in the search: the line-row catalogue and what earlier searches learned
//! ([`GridMemo`]), the lazy loop that adds the line rows and N-1 outage blocks a plan breaks
//! and solves again, and the repair of such a plan over its own sites.

use super::*;

impl<'a> Solved<'a> {
    /// Whether a repaired plan (this, see [`Search::repair`]) stands for the answer of
    /// `program`, whose round `insecure` gave a plan that broke rows: where it lies within
    /// `program`'s gap of that round's bound, and `program` is not the last (which must prove
    /// its own optimum). Gives the gap and the bound, USD.
    ///
    /// Why that is `program`'s answer, within its gap: the round held fewer rows than
    /// `program` now does, so it is a relaxation and its bound `B` is at most the optimum of
    /// `program` with every row; the repaired plan is a plan of the whole program, so of every
    /// program whose candidates include its sites, at cost `C` with `C − B ≤ gap·C`. It is
    /// returned as `Optimal` at gap `(C − B)/C` with bound `B` and `program`'s size: if the
    /// search later finds that `program` held every optimal plan, `B` bounds the whole
    /// program too, and the answer is within its gap there.
    pub(super) fn settles(&self, insecure: &Solved, program: &Program) -> Option<(f64, f64)> {
        let bound_usd = insecure.run.bound_usd?;
        let usd = self.run.objective_usd;
        let gap = if usd > 0.0 {
            ((usd - bound_usd) / usd).max(0.0)
        } else {
            0.0
        };
        if program.last || insecure.run.outcome != SolverOutcome::Optimal || gap > program.mip_gap {
            return None;
        }
        Some((gap, bound_usd))
    }
}

impl<'a> Search<'a, '_> {
    /// The line rows of the region (none without lines): those some plan over `candidates`
    /// can reach, the normal ones among them held from the first program on.
    pub(super) fn prepare_line_rows(&mut self) {
        let Region {
            scenario,
            map,
            network,
            memo,
            ..
        } = *self.region;
        let recalled = memo.and_then(|m| m.recall(scenario));
        if let Some(learned) = &recalled {
            self.outages = learned.outages.clone();
            self.plans = learned.plans.clone();
        }
        if network.is_empty() {
            return;
        }
        let learned = recalled.unwrap_or_else(|| {
            // Over every screened candidate: a restricted search's plans are among theirs.
            let reached: BTreeSet<usize> = (self.region.candidates.iter())
                .flat_map(|c| c.feeds.iter().map(|f| f.substation))
                .collect();
            let mut bounds = LoadBounds::new(scenario, map, &reached);
            let rows = FlowRows::new(network, map, scenario, Some(&bounds));
            let closed = bounds.tighten(&rows, network);
            Learned::new(scenario, rows, bounds.max_load_mw, closed)
        });
        self.rows = learned.rows;
        self.load_caps_mw = Some(learned.load_caps_mw);
        self.closed_substations = learned.closed_substations;
        for row in self.rows.initial() {
            self.activate(row);
        }
        let initial = self.active.len();
        for row in learned.held {
            self.activate(row);
        }
        self.report.line_rows = Some(LineRowsReport {
            total: self.rows.total,
            reachable: self.rows.reachable.len(),
            held: self.active.len(),
            rounds: 0,
            closed_substations: learned.closed_substations,
            recalled: self.active.len() - initial,
        });
    }

    /// Leaves what this search learned of the grid in the region's memo, for the next search.
    pub(super) fn remember(&self) {
        let Region { scenario, memo, .. } = *self.region;
        let Some(memo) = memo else { return };
        let rows = self.rows.clone();
        let caps = self.load_caps_mw.clone().unwrap_or_default();
        let closed = self.closed_substations;
        let mut learned = Learned::new(scenario, rows, caps, closed);
        learned.held = self.active.clone();
        learned.outages = self.outages.clone();
        learned.plans = self.plans.clone();
        memo.keep(scenario, learned);
    }

    pub(super) fn activate(&mut self, row: FlowRow) {
        if self.active_keys.insert(row.key()) {
            self.active.push(row);
        }
    }

    /// Whether a plan may break rows or outages the programs leave out: on maps with line rows
    /// some plan can reach, and with N-1 feeds.
    fn checks_plans(&self) -> bool {
        !self.rows.reachable.is_empty() || crate::costs::n_minus_one(self.region.scenario)
    }

    /// Whether `plan` breaks line rows or fails outages the programs do not hold yet; those it
    /// breaks (the [`ROWS_PER_ROUND`] most broken rows) and fails are held from now on.
    pub(super) fn hold_what_it_breaks(&mut self, plan: &Plan) -> bool {
        let Region { scenario, map, .. } = *self.region;
        if !self.checks_plans() {
            return false;
        }
        let n_minus_one = crate::costs::n_minus_one(scenario);
        let broken = self.broken_rows(plan);
        let outages: Vec<usize> = if n_minus_one {
            (plan.outages(scenario, map).into_iter())
                .filter(|o| !o.survived() && !self.outages.contains(&o.out))
                .map(|o| o.out)
                .collect()
        } else {
            Vec::new()
        };
        if broken.is_empty() && outages.is_empty() {
            return false;
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
        true
    }

    /// [`Self::solve_once`] until its plan breaks no line row: the rows a plan breaks are added
    /// and the program solved again (see [`crate::grid::security`] for why the optimum is
    /// kept). A program without a plan, or whose plan breaks nothing, is the answer.
    pub(super) fn solve(
        &mut self,
        candidates: &[Candidate],
        bounds: &Bounds,
        program: &Program,
    ) -> Result<Built<'a>, Error> {
        // A repaired plan, once there is one: the start of the program's next round.
        let mut repaired_start: Option<(Assignment, f64)> = None;
        loop {
            // The cheaper of the program's start and the repaired plan.
            let round = match &repaired_start {
                Some((assignment, usd)) if program.start_usd.is_none_or(|s| *usd < s) => Program {
                    start: Some(assignment),
                    start_usd: Some(*usd),
                    ..*program
                },
                _ => Program { ..*program },
            };
            let solved = match self.solve_once(candidates, bounds, &round)? {
                Built::Solved(solved) => solved,
                other => return Ok(other),
            };
            if !solved.has_plan() || !self.checks_plans() {
                return Ok(Built::Solved(solved));
            }
            let plan = plan::read_plan(&solved.model, &solved.input, &solved.run.values);
            if !self.hold_what_it_breaks(&plan) {
                return Ok(Built::Solved(solved));
            }
            if program.repair {
                continue;
            }
            if let Some(repaired) = self.repair(candidates, bounds, program, &plan)? {
                if let Some((gap, bound_usd)) = repaired.settles(&solved, program) {
                    let mut settled = repaired;
                    settled.run.outcome = SolverOutcome::Optimal;
                    settled.run.gap = Some(gap);
                    settled.run.bound_usd = Some(bound_usd);
                    settled.size = solved.size;
                    self.report.repairs_settled += 1;
                    return Ok(Built::Solved(settled));
                }
                let usd = repaired.run.objective_usd;
                let assignment = repaired.assignment();
                if let Ok(plan) = repaired.plan() {
                    let pooled = memo::Pooled {
                        usd,
                        plan,
                        assignment: assignment.clone(),
                    };
                    memo::pool(&mut self.plans, pooled);
                }
                repaired_start = Some((assignment, usd));
            }
        }
    }

    /// The program over the sites of `plan` alone (each with the feed options `program` offers
    /// it), solved with the rows and outage blocks held now: a plan that breaks rows often
    /// only needs its load spread over other feeds, which this small program finds in a
    /// fraction of the time the whole program takes again. Its plan, if any, is a plan of the
    /// whole program (it satisfies every row, by the same lazy loop); see [`Solved::settles`]
    /// for when it stands for `program`'s answer, and otherwise it starts `program`'s next
    /// round.
    pub(super) fn repair(
        &mut self,
        candidates: &[Candidate],
        bounds: &Bounds,
        program: &Program,
        plan: &Plan,
    ) -> Result<Option<Box<Solved<'a>>>, Error> {
        let parcels: BTreeSet<usize> = plan.sites.iter().map(|s| s.parcel).collect();
        let chosen: Vec<usize> = (0..candidates.len())
            .filter(|&i| parcels.contains(&candidates[i].parcel))
            .collect();
        if chosen.is_empty() {
            return Ok(None);
        }
        let repair = Program {
            chosen: &chosen,
            feeds: program.feeds,
            start: None,
            start_usd: None,
            budget_s: self.time_left_s() * CORE_TIME_SHARE,
            mip_gap: program.mip_gap,
            last: false,
            whole: false,
            repair: true,
        };
        self.report.repairs += 1;
        match self.solve(candidates, bounds, &repair)? {
            Built::Solved(solved) if solved.has_plan() => Ok(Some(solved)),
            _ => Ok(None),
        }
    }

    /// The reachable line rows the plan breaks that the programs do not hold yet.
    pub(super) fn broken_rows(&self, plan: &Plan) -> Vec<FlowRow> {
        let Region { map, network, .. } = *self.region;
        let (load_mw, firm_mw) = plan.load_by_substation(map.substations.len());
        self.rows
            .violated(network, map, &load_mw, &firm_mw, &self.active_keys)
    }
}
