//! The plain program (the contract's, over every candidate) and the diagnosis's candidates.

use super::*;

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
pub(super) fn keep_forced(
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
