//! The best plan found so far, and plans pointed at the region's candidates.

use super::*;

/// The best plan found so far, with what a later program needs of it.
pub(super) struct Incumbent {
    pub(super) plan: Plan,
    pub(super) usd: f64,
    /// Its solution by meaning, the start of later programs.
    pub(super) assignment: Assignment,
    /// Its sites, as indices of the search's candidates (they stay in every later core).
    pub(super) candidates: Vec<usize>,
    /// The size of the program it came from.
    pub(super) size: ModelSize,
}

impl Incumbent {
    pub(super) fn new(solved: &Solved, plan: Plan, candidates: &[Candidate]) -> Incumbent {
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

/// Points the plan's sites at the region's candidates (the solved program numbered its own).
pub(super) fn renumber(plan: &mut Plan, region: &[Candidate]) {
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
