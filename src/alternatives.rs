//! `optimize --alternatives K --within PCT`: the next-best plans, each the exact optimum of the
//! program that must differ from the optimum and every earlier alternative in at least one
//! site. The first is the second-best plan (by its set of sites); the search stops at K, or at
//! the first whose cost lies more than PCT % above the optimum (every later one costs at least
//! as much), or when no other plan exists.
//!
//! **How** (Lawler's and Murty's partition for the k best solutions): the plans not yet listed
//! are kept as disjoint *parts*, each a program with [`Restrictions`] (parcels it must build,
//! parcels it may not, plans it must differ from), solved to its optimum. The next alternative
//! is the cheapest part's optimum; that part is then split into parts that hold every one of its
//! plans but that optimum. For a part R whose optimum builds the sites S, with
//! `s_1, …, s_m` the sites of S that R does not force:
//!
//! - part j (1 ≤ j ≤ m): R, with `s_1, …, s_{j−1}` built and `s_j` not;
//! - part m + 1: R, with all of S built and the plan differing from S (a superset of S), left
//!   out where S already has `max_sites` sites.
//!
//! *Why this lists the same plans as one program per alternative.* Every plan T of R other than
//! S lies in exactly one part: if some `s_j` is not in T, in part j for the least such j (T
//! builds `s_1..s_{j−1}`), else S ⊂ T strictly, in part m + 1; parts j and j′ > j differ on
//! `s_j`, and part m + 1 builds every `s_j`. The optimum lies in no part. So the parts hold
//! exactly the plans not yet listed, and the cheapest part's optimum is the best plan that
//! differs from every listed one: the same program's optimum as `differ_from` over them all.
//! Where S has more than [`SPLIT_MAX_SITES`] free sites, R is instead replaced by the one
//! part R + "differ from S" (also exactly R's plans but S), which is what the search did
//! before: many parts of many-site plans cost more than one program.
//!
//! Parts that force sites are small programs, and a part's optimum found for one alternative
//! serves every later one until it is listed (Sacramento's third alternative is the best plan
//! without the optimum's first site, solved for the first). A part whose search stops without
//! a proof makes every later alternative unproven: its row's status is `feasible`, with the
//! gap to the least bound of the parts.
//!
//! Takes the optimized region; gives [`AlternativeRow`]s and writes each plan's files under
//! `DIR/alternatives/<n>/`, and `DIR/alternatives.csv` / `.json` comparing them with the
//! optimum (row 0).

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::files::{round_to, write_atomically, write_json};
use crate::model::Restrictions;
use crate::outcome::ReportOptions;
use crate::outcome::{Optimized, Prepared, StageSeconds};
use rayon::prelude::*;

use crate::pipeline::{Solution, solve_restricted_with, write_solution};
use crate::plan::Plan;
use crate::solve::SolveProgress;
use crate::summary::Status;

/// A part whose optimum has more free sites than this is not split site by site (see the
/// module's doc): it becomes one part that differs from its optimum.
pub const SPLIT_MAX_SITES: usize = 4;

/// One plan of the comparison: the optimum (`n = 0`) or an alternative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlternativeRow {
    pub n: usize,
    pub status: String,
    pub gap: Option<f64>,
    pub objective_usd: f64,
    /// Above the optimum, % of it.
    pub above_optimum_pct: f64,
    /// Parcel ids.
    pub sites: Vec<String>,
    /// Community ids hosting a site.
    pub communities: Vec<String>,
    /// [`crate::costs::burdened_residents`] of the hosting communities, persons.
    pub burdened_residents: f64,
    /// Firm MW the plan draws, and its share of all available firm MW.
    pub headroom_used_mw: f64,
    pub headroom_used_share: f64,
}

/// Why the search for alternatives stopped before K.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alternatives {
    pub rows: Vec<AlternativeRow>,
    /// Why there are fewer than K alternatives (empty when there are K).
    pub stopped: String,
}

/// Finds up to `k` alternatives within `within_pct` % of `optimized`'s plan and writes them
/// under `out`; gives the region back with the comparison.
pub fn find(
    optimized: Optimized,
    k: usize,
    within_pct: f64,
    out: &Path,
    on_progress: &(dyn Fn(SolveProgress) + Sync),
) -> Result<(Optimized, Alternatives), Error> {
    find_splitting(optimized, k, within_pct, out, SPLIT_MAX_SITES, on_progress)
}

/// [`find`], splitting a part site by site only where its optimum has at most
/// `split_max_sites` free sites (0: never, one program per alternative). The answers are the
/// same whatever it is; tests compare the two.
pub fn find_splitting(
    optimized: Optimized,
    k: usize,
    within_pct: f64,
    out: &Path,
    split_max_sites: usize,
    on_progress: &(dyn Fn(SolveProgress) + Sync),
) -> Result<(Optimized, Alternatives), Error> {
    let optimum_usd = optimized.plan.objective_usd();
    let mut rows = vec![row(
        &optimized.prepared,
        0,
        &optimized.plan,
        optimized.status.as_str(),
        optimized.gap,
        optimum_usd,
    )];
    let max_sites = optimized.prepared.scenario.target.max_sites as usize;
    let optimum_sites = built(&optimized.plan);
    let (mut region, optimum) = optimized.into_solution();
    let limit_usd = optimum_usd * (1.0 + within_pct / 100.0);
    // Every part's search is capped by the limit (see `Parts::add`).
    let whole = Restrictions::default();
    let mut parts = Parts {
        open: Vec::new(),
        limit_usd,
        unproven_bound_usd: None,
    };
    let split = |part: &Restrictions, sites: &BTreeSet<usize>| {
        split(part, sites, max_sites, split_max_sites)
    };
    parts.add(split(&whole, &optimum_sites), &region, on_progress)?;
    let mut stopped = String::new();
    for n in 1..=k {
        let Some(part) = parts.next() else {
            stopped = parts.why_none(within_pct, n - 1);
            break;
        };
        let Part {
            restrictions,
            solved,
            seconds,
        } = part;
        let (status, gap) = parts.standing(&solved);
        rows.push(row(
            &region,
            n,
            &solved.plan,
            status.as_str(),
            gap,
            optimum_usd,
        ));
        let sites = built(&solved.plan);
        region.seconds = seconds;
        region = write_alternative(
            region,
            solved,
            &out.join("alternatives").join(n.to_string()),
        )?;
        if n < k {
            parts.add(split(&restrictions, &sites), &region, on_progress)?;
        }
    }
    let alternatives = Alternatives { rows, stopped };
    write_comparison(out, &alternatives)?;
    let optimized = Optimized::from_solution(region, optimum);
    Ok((optimized, alternatives))
}

/// The parts `part` splits into once its optimum, which builds `sites`, is listed (see the
/// module's doc): site by site where at most `split_max_sites` of them are free, else the one
/// part that differs from it.
fn split(
    part: &Restrictions,
    sites: &BTreeSet<usize>,
    max_sites: usize,
    split_max_sites: usize,
) -> Vec<Restrictions> {
    let free: Vec<usize> = sites.difference(&part.must_build).copied().collect();
    if free.len() > split_max_sites {
        let mut child = part.clone();
        child.differ_from.push(sites.clone());
        return vec![child];
    }
    let mut children = Vec::with_capacity(free.len() + 1);
    for (j, &site) in free.iter().enumerate() {
        let mut child = part.clone();
        child.must_build.extend(free[..j].iter().copied());
        child.must_not_build.insert(site);
        children.push(child);
    }
    if sites.len() < max_sites {
        let mut superset = part.clone();
        superset.must_build.extend(free.iter().copied());
        superset.differ_from.push(sites.clone());
        children.push(superset);
    }
    for child in &mut children {
        drop_met_differences(child);
    }
    children
}

/// Leaves out the plans to differ from that every plan of the part differs from already: one
/// that builds a parcel the part may not build, or lacks one the part must build.
fn drop_met_differences(part: &mut Restrictions) {
    let (must, must_not) = (&part.must_build, &part.must_not_build);
    part.differ_from
        .retain(|d| d.is_disjoint(must_not) && must.is_subset(d));
}

/// A part of the plans not yet listed, with its optimum.
struct Part {
    restrictions: Restrictions,
    solved: Solution,
    seconds: StageSeconds,
}

/// The parts of the plans not yet listed that have a plan within the cap, and what parts
/// dropped without a proof left open.
struct Parts {
    open: Vec<Part>,
    /// `--within`'s cap, USD: a part with no plan within it is dropped.
    limit_usd: f64,
    /// The least bound of a part whose search stopped without a proof (0 without one: costs
    /// are not negative), USD; None while every part dropped was proven to have no plan
    /// within the cap.
    unproven_bound_usd: Option<f64>,
}

impl Parts {
    /// Solves the parts a listed plan split into, side by side, each capped at `--within`'s
    /// limit (the search reduces by the cap, and HiGHS prunes above it, so a part with no
    /// plan within it is proven so quickly), and keeps those with a plan within it.
    fn add(
        &mut self,
        children: Vec<Restrictions>,
        region: &Prepared,
        on_progress: &(dyn Fn(SolveProgress) + Sync),
    ) -> Result<(), Error> {
        let capped_usd = self.limit_usd * (1.0 + 1e-9);
        // Side by side (each with a snapshot of the region's memo, absorbed back in order, so
        // that the answers do not depend on which search ends first).
        let searched: Vec<_> = children
            .into_par_iter()
            .map(|mut restrictions| {
                restrictions.max_cost_usd = Some(capped_usd);
                let memo = region.grid_memo.snapshot();
                let mut seconds = StageSeconds::default();
                let solved =
                    solve_restricted_with(region, &memo, &restrictions, &mut seconds, on_progress);
                (restrictions, solved, seconds, memo)
            })
            .collect();
        for (restrictions, solved, seconds, memo) in searched {
            region.grid_memo.absorb(memo);
            let solved = solved?;
            let usd = solved.plan.objective_usd();
            if solved.status.has_plan() && usd <= capped_usd {
                self.open.push(Part {
                    restrictions,
                    solved,
                    seconds,
                });
            } else if solved.status != Status::Infeasible
                && !(solved.status == Status::Optimal && usd > capped_usd)
            {
                // Neither a plan within the cap nor a proof that there is none.
                let bound_usd = solved.search.bound_usd.unwrap_or(0.0);
                self.unproven_bound_usd = Some(
                    self.unproven_bound_usd
                        .map_or(bound_usd, |b| b.min(bound_usd)),
                );
            }
        }
        Ok(())
    }

    /// Takes out the part with the cheapest plan (the first made, on a tie): the next
    /// alternative. None when no part is left.
    fn next(&mut self) -> Option<Part> {
        let usd = |p: &Part| p.solved.plan.objective_usd();
        let i = (0..self.open.len()).min_by(|&a, &b| {
            usd(&self.open[a])
                .total_cmp(&usd(&self.open[b]))
                .then(a.cmp(&b))
        })?;
        Some(self.open.remove(i))
    }

    /// The status and gap of `solved` as the next alternative (its part is out of the open
    /// ones): its own where it and every open part were proven, else `feasible` with the gap
    /// to the least bound.
    fn standing(&self, solved: &Solution) -> (Status, Option<f64>) {
        let bounds = (self.open.iter()).map(|part| {
            let solved = &part.solved;
            (
                solved.status == Status::Optimal,
                solved.search.bound_usd.unwrap_or(0.0),
            )
        });
        let (mut proven, mut bound_usd) = (solved.status == Status::Optimal, f64::INFINITY);
        for (optimal, usd) in bounds {
            proven &= optimal;
            bound_usd = bound_usd.min(usd);
        }
        if proven && self.unproven_bound_usd.is_none() {
            return (solved.status, solved.gap);
        }
        let usd = solved.plan.objective_usd();
        let own = solved.search.bound_usd.unwrap_or(0.0);
        let least = (bound_usd.min(own))
            .min(self.unproven_bound_usd.unwrap_or(f64::INFINITY))
            .min(usd);
        let gap = if usd > 0.0 { (usd - least) / usd } else { 0.0 };
        (Status::Feasible, Some(gap))
    }

    /// Why no part is left after `found` alternatives.
    fn why_none(&self, within_pct: f64, found: usize) -> String {
        match self.unproven_bound_usd {
            None => format!(
                "no other plan costs within --within {within_pct} % of the optimum after {found} alternative(s)"
            ),
            Some(_) => format!(
                "no other plan was found within the time limit after {found} alternative(s) ({})",
                Status::TimeLimit.as_str()
            ),
        }
    }
}

fn built(plan: &Plan) -> BTreeSet<usize> {
    plan.sites.iter().map(|s| s.parcel).collect()
}

/// Writes an alternative's files as `optimize` writes a plan's; gives the region back.
fn write_alternative(region: Prepared, solved: Solution, folder: &Path) -> Result<Prepared, Error> {
    let optimized = write_solution(region, solved, folder, &ReportOptions::default())?;
    Ok(optimized.prepared)
}

fn row(
    prepared: &Prepared,
    n: usize,
    plan: &Plan,
    status: &str,
    gap: Option<f64>,
    optimum_usd: f64,
) -> AlternativeRow {
    let map = &prepared.map;
    let usd = plan.objective_usd();
    let available_mw: f64 = (map.substations.iter().enumerate())
        .map(|(b, s)| crate::costs::available_mw(&prepared.scenario, s, plan.upgraded.contains(&b)))
        .sum();
    let used_mw: f64 = plan.sites.iter().map(|s| s.firm_mw()).sum();
    AlternativeRow {
        n,
        status: status.into(),
        gap,
        objective_usd: round_to(usd, 2),
        above_optimum_pct: round_to(100.0 * (usd - optimum_usd) / optimum_usd.abs().max(1.0), 4),
        sites: plan
            .sites
            .iter()
            .map(|s| map.parcels[s.parcel].id.clone())
            .collect(),
        communities: (plan.hosting_communities().into_iter())
            .map(|c| map.communities[c].id.clone())
            .collect(),
        burdened_residents: round_to(plan.burdened_residents(map), 1),
        headroom_used_mw: round_to(used_mw, 3),
        headroom_used_share: round_to(
            if available_mw > 0.0 {
                used_mw / available_mw
            } else {
                0.0
            },
            4,
        ),
    }
}

/// `alternatives.json` and `alternatives.csv` beside the plan's files.
fn write_comparison(out: &Path, alternatives: &Alternatives) -> Result<(), Error> {
    write_json(&out.join("alternatives.json"), alternatives)?;
    write_atomically(&out.join("alternatives.csv"), |w| {
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record([
            "n",
            "status",
            "objective_usd",
            "above_optimum_pct",
            "sites",
            "communities",
            "burdened_residents",
            "headroom_used_mw",
            "headroom_used_share",
            "gap",
        ])?;
        for r in &alternatives.rows {
            csv.write_record([
                r.n.to_string(),
                r.status.clone(),
                r.objective_usd.to_string(),
                r.above_optimum_pct.to_string(),
                r.sites.join(" "),
                r.communities.join(" "),
                r.burdened_residents.to_string(),
                r.headroom_used_mw.to_string(),
                r.headroom_used_share.to_string(),
                r.gap.map(|g| g.to_string()).unwrap_or_default(),
            ])?;
        }
        csv.flush()
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Whether the plan building `plan` is a plan of `part`.
    fn meets(plan: &BTreeSet<usize>, part: &Restrictions) -> bool {
        part.must_build.is_subset(plan)
            && part.must_not_build.is_disjoint(plan)
            && part.differ_from.iter().all(|d| d != plan)
    }

    fn set_of(bits: u32) -> BTreeSet<usize> {
        (0..8).filter(|i| bits & (1 << i) != 0).collect()
    }

    proptest! {
        /// Over 8 parcels and every plan of at most `max_sites` of them: the parts a part
        /// splits into hold every plan of it but its optimum S, each in exactly one part,
        /// site by site or as one part, and drop no plan to differ from that still matters.
        #[test]
        fn split_parts_hold_every_plan_but_the_listed_one_once(
            must in 0u32..256,
            must_not in 0u32..256,
            differ in proptest::collection::vec(0u32..256, 0..3),
            listed in 0u32..256,
            extra_sites in 0usize..3,
            split_max_sites in 0usize..6,
        ) {
            // The listed plan is a plan of the part: it builds what the part forces, none of
            // what it forbids, and differs from the plans the part differs from.
            let must = must & !must_not;
            let sites = set_of((listed | must) & !must_not);
            let max_sites = sites.len().max(1) + extra_sites;
            let part = Restrictions {
                must_build: set_of(must),
                must_not_build: set_of(must_not),
                differ_from: (differ.iter().map(|&d| set_of(d)))
                    .filter(|d| *d != sites)
                    .collect(),
                ..Restrictions::default()
            };
            prop_assert!(meets(&sites, &part));
            let children = split(&part, &sites, max_sites, split_max_sites);
            for bits in 0u32..256 {
                let plan = set_of(bits);
                if plan.len() > max_sites {
                    continue;
                }
                let holding = children.iter().filter(|c| meets(&plan, c)).count();
                let expected = usize::from(meets(&plan, &part) && plan != sites);
                prop_assert_eq!(holding, expected, "plan {:?}", plan);
            }
        }
    }
}
