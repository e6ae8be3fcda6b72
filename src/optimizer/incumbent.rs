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

impl Incumbent {
    /// A plan an earlier search over the region found, as this search's best so far (None
    /// where one of its sites is no candidate here, or one of its feeds no feed option).
    pub(super) fn pooled(pooled: &memo::Pooled, candidates: &[Candidate]) -> Option<Incumbent> {
        let by_parcel: BTreeMap<usize, usize> = (candidates.iter().enumerate())
            .map(|(i, c)| (c.parcel, i))
            .collect();
        let mut found = Vec::new();
        for site in &pooled.plan.sites {
            let &i = by_parcel.get(&site.parcel)?;
            let offered = |b: usize| candidates[i].feeds.iter().any(|f| f.substation == b);
            if !site.feeds.iter().all(|f| offered(f.substation)) {
                return None;
            }
            found.push(i);
        }
        found.sort_unstable();
        Some(Incumbent {
            plan: pooled.plan.clone(),
            usd: pooled.usd,
            assignment: pooled.assignment.clone(),
            candidates: found,
            size: ModelSize::default(),
        })
    }

    /// The plan as the memo keeps it.
    pub(super) fn to_pooled(&self) -> memo::Pooled {
        memo::Pooled {
            usd: self.usd,
            plan: self.plan.clone(),
            assignment: self.assignment.clone(),
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
