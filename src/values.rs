//! The value of a limit to a plan: how many USD the plan's cost would fall with one more MW of
//! a substation's firm headroom (`headroom_mw`, which counts in its capacity for AI factories
//! and, under N-1, in its emergency capacity: `headroom_value_usd_per_mw`) or of a line's
//! rating
//! (`rating_value_usd_per_mw`), from the linear program of the plan with its integer choices
//! fixed ([`FixedChoices`]: its sites, modules, feeds and upgrades): the fall of its optimum
//! when that limit is one MW higher, re-solved (the dual price of the limit, averaged over that
//! MW; a degenerate program, as these are, has many duals, and the re-solve is the one that
//! answers the question).
//!
//! What such a dual means, and what it does not: with the plan's choices held, the program is
//! linear, and its dual is the exact rate at which the cost falls as the limit rises, for as
//! long as the same limits bind (a MW or a few; the rate can only fall after that). It does
//! not price a change that would make another set of sites, feeds or upgrades cheaper: the
//! mixed-integer program has no such prices, and a limit whose dual is 0 may still be worth
//! raising by enough to change the plan. 0 where the limit does not bind.
//!
//! Takes a prepared region and its plan; gives [`LimitValues`].

use crate::candidates::{Candidate, Reach};
use crate::error::Error;
use crate::grid::figures::LimitValues;
use crate::grid::security::{FlowRows, Flows, LoadBounds, do_no_harm};
use crate::model::{FixedChoices, ModelInput, Relaxation, SitingModel};
use crate::outcome::Prepared;
use crate::plan::Plan;

/// Values below this (USD per MW) are the solver's rounding, written as 0.
const ZERO_USD_PER_MW: f64 = 1e-2;

/// A normal line row binds when its flow is within this many MW of its bound.
const BINDING_MW: f64 = 1e-6;

/// What is raised by one MW in a program of the plan's choices.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Raise {
    Nothing,
    Headroom(usize),
    Rating(usize),
}

/// The plan's limit values; None without a plan, or where the fixed program has no optimum
/// (it has: the plan is one of its solutions; None only if HiGHS fails to prove it).
pub fn of(prepared: &Prepared, plan: &Plan) -> Result<Option<LimitValues>, Error> {
    if plan.sites.is_empty() {
        return Ok(None);
    }
    let Some(base_usd) = fixed_optimum(prepared, plan, Raise::Nothing)? else {
        return Ok(None);
    };
    let (map, scenario) = (&prepared.map, &prepared.scenario);
    let mut values = LimitValues {
        headroom_usd_per_mw: vec![0.0; map.substations.len()],
        rating_usd_per_mw: vec![0.0; map.lines.len()],
    };
    let value = |raised: Option<f64>| {
        let v = raised.map_or(0.0, |usd| base_usd - usd);
        if v.abs() < ZERO_USD_PER_MW { 0.0 } else { v }
    };
    // Only a substation the plan feeds from can lower its cost (with its feeds fixed).
    let fed: std::collections::BTreeSet<usize> = (plan.sites.iter())
        .flat_map(|s| s.feeds.iter().map(|f| f.substation))
        .collect();
    for b in fed {
        values.headroom_usd_per_mw[b] = value(fixed_optimum(prepared, plan, Raise::Headroom(b))?);
    }
    // Only a line whose normal limit binds with the plan can lower its cost.
    let (load_mw, firm_mw) = plan.load_by_substation(map.substations.len());
    let flows = Flows::new(&prepared.network, map, &load_mw, &firm_mw);
    let rows = FlowRows::new(&prepared.network, map, scenario, None);
    let binding: std::collections::BTreeSet<usize> = (rows.reachable.iter())
        .filter(|r| r.outage.is_none())
        .filter(|r| {
            let post = r.post_mw(&prepared.network, &flows, &load_mw, &firm_mw);
            (post - r.hi_mw).abs() <= BINDING_MW || (post - r.lo_mw).abs() <= BINDING_MW
        })
        .map(|r| r.line)
        .collect();
    for l in binding {
        values.rating_usd_per_mw[l] = value(fixed_optimum(prepared, plan, Raise::Rating(l))?);
    }
    Ok(Some(values))
}

/// The optimum, in USD, of the plan's program with its integer choices fixed and `raise` one
/// MW higher.
fn fixed_optimum(prepared: &Prepared, plan: &Plan, raise: Raise) -> Result<Option<f64>, Error> {
    let (scenario, map) = (&prepared.scenario, &prepared.map);
    let module_mw = scenario.target.module_mw;
    let candidates: Vec<Candidate> = (plan.sites.iter())
        .map(|site| {
            let screened = (prepared.screening.candidates.iter()).find(|c| c.parcel == site.parcel);
            Candidate {
                parcel: site.parcel,
                community: site.community,
                fiber_km: site.fiber_km,
                feeds: (site.feeds.iter())
                    .map(|f| Reach {
                        substation: f.substation,
                        km: f.km,
                    })
                    .collect(),
                max_mw: screened.map_or(site.mw, |c| c.max_mw),
            }
        })
        .collect();
    let reached = (candidates.iter())
        .flat_map(|c| c.feeds.iter().map(|f| f.substation))
        .collect();
    let mut input = ModelInput::with_candidates(
        scenario,
        map,
        &prepared.network,
        &prepared.index,
        candidates,
    );
    let bounds = LoadBounds::new(scenario, map, &reached);
    input.flow_rows = FlowRows::new(&prepared.network, map, scenario, Some(&bounds)).reachable;
    if let Raise::Rating(l) = raise {
        // One more MW of rating: the normal rows of l get `max_line_loading` more on each side
        // ("do no harm" keeps a side already broken at its flow before the plan).
        let m = scenario.grid.max_line_loading;
        for row in input
            .flow_rows
            .iter_mut()
            .filter(|r| r.line == l && r.outage.is_none())
        {
            row.limit_mw += m;
            (row.lo_mw, row.hi_mw) = do_no_harm(row.pre_mw, row.limit_mw);
        }
    }
    input.fixed = Some(FixedChoices {
        modules: (plan.sites.iter())
            .map(|s| (s.parcel, (s.mw / module_mw).round()))
            .collect(),
        upgraded: plan.upgraded.clone(),
        raised_headroom: match raise {
            Raise::Headroom(b) => Some(b),
            _ => None,
        },
    });
    let mut model = SitingModel::build(&input, Relaxation::None);
    Ok(crate::solve::solve_lp_duals(&mut model)?.map(|s| s.objective_usd))
}
