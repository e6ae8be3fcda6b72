//! A solution of one siting program carried to another over other candidates: what a plan
//! found on a few candidates becomes, as a starting plan, in a program over more of them.
//!
//! Takes a solved [`SitingModel`] and its column values; gives an [`Assignment`] keyed by what
//! the columns mean (parcels, substations, communities), which fills the columns of any other
//! program of the same scenario: integer columns at whole values, continuous ones as solved
//! (HiGHS completes them with integers fixed where they do not fit exactly).

use std::collections::BTreeMap;

use super::{CommunityKey, ModelInput, SitingModel};

/// The values of one feed.
#[derive(Debug, Clone, Copy, PartialEq)]
struct FeedValues {
    feed: f64,
    firm_mw: f64,
    flexible_mw: f64,
}

/// A solution by meaning; anything it does not name is 0 (not built, not fed, not upgraded).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Assignment {
    /// `(build, modules)` by parcel.
    sites: BTreeMap<usize, (f64, f64)>,
    /// By (parcel, substation).
    feeds: BTreeMap<(usize, usize), FeedValues>,
    upgrades: BTreeMap<usize, f64>,
    hosts: BTreeMap<CommunityKey, f64>,
    /// N-1 pickups by (parcel, substation out, substation picking up).
    pickups: BTreeMap<(usize, usize, usize), f64>,
}

impl Assignment {
    /// Reads the solution of `model` (built from `input`) from its column values.
    pub fn read(model: &SitingModel, input: &ModelInput, values: &[f64]) -> Assignment {
        let value = |col: usize| values.get(col).copied().unwrap_or(0.0);
        let whole = |col: usize| value(col).round();
        let mut assignment = Assignment::default();
        for site in &model.sites {
            let parcel = input.candidates[site.candidate].parcel;
            if whole(site.build.col) == 0.0 {
                continue;
            }
            let (build, modules) = (whole(site.build.col), whole(site.modules.col));
            assignment.sites.insert(parcel, (build, modules));
            for f in &site.feeds {
                let values = FeedValues {
                    feed: whole(f.feed.col),
                    firm_mw: value(f.firm.col).max(0.0),
                    flexible_mw: f.flex.map_or(0.0, |c| value(c.col).max(0.0)),
                };
                assignment.feeds.insert((parcel, f.substation), values);
            }
        }
        for (b, upgrade) in &model.upgrades {
            assignment.upgrades.insert(*b, whole(upgrade.col));
        }
        for (c, hosts) in &model.hosts {
            assignment.hosts.insert(*c, whole(hosts.col));
        }
        if crate::costs::n_minus_one(input.scenario) {
            assignment.pickups = redispatch(&assignment, input);
        }
        assignment
    }

    /// A value for every column of `model` (built from `input`).
    pub fn columns(&self, model: &SitingModel, input: &ModelInput) -> Vec<f64> {
        let mut values = vec![0.0; model.variable_count()];
        for site in &model.sites {
            let parcel = input.candidates[site.candidate].parcel;
            let Some(&(build, modules)) = self.sites.get(&parcel) else {
                continue;
            };
            values[site.build.col] = build;
            values[site.modules.col] = modules;
            for f in &site.feeds {
                let Some(v) = self.feeds.get(&(parcel, f.substation)) else {
                    continue;
                };
                values[f.feed.col] = v.feed;
                values[f.firm.col] = v.firm_mw;
                if let Some(flex) = f.flex {
                    values[flex.col] = v.flexible_mw;
                }
            }
        }
        for (b, upgrade) in &model.upgrades {
            values[upgrade.col] = self.upgrades.get(b).copied().unwrap_or(0.0);
        }
        for (c, hosts) in &model.hosts {
            values[hosts.col] = self.hosts.get(c).copied().unwrap_or(0.0);
        }
        for p in &model.pickups {
            let parcel = input.candidates[model.sites[p.site].candidate].parcel;
            let mw = self.pickups.get(&(parcel, p.out, p.to)).copied();
            values[p.col.col] = mw.unwrap_or(0.0);
        }
        for site in &model.sites {
            for f in &site.feeds {
                if let Some(load) = model.loads.get(&f.substation) {
                    let flex = f.flex.map_or(0.0, |c| values[c.col]);
                    values[load.firm.col] += values[f.firm.col];
                    values[load.all.col] += values[f.firm.col] + flex;
                }
            }
        }
        values
    }
}

/// Every outage's pickups for the assignment's feeds, from the re-dispatch of
/// [`crate::grid::outages`]: a start that meets the N-1 block of any outage a later program holds
/// (where the plan survives it).
fn redispatch(assignment: &Assignment, input: &ModelInput) -> BTreeMap<(usize, usize, usize), f64> {
    let parcels: Vec<usize> = assignment.sites.keys().copied().collect();
    let sites: Vec<Vec<crate::grid::outages::SiteFeed>> = (parcels.iter())
        .map(|parcel| {
            (assignment.feeds.range((*parcel, 0)..=(*parcel, usize::MAX)))
                .filter(|(_, v)| v.feed > 0.5)
                .map(|(&(_, substation), v)| crate::grid::outages::SiteFeed {
                    substation,
                    firm_mw: v.firm_mw,
                })
                .collect()
        })
        .collect();
    let emergency_mw = |b: usize| {
        let upgraded = assignment.upgrades.get(&b).is_some_and(|u| *u > 0.5);
        crate::costs::emergency_mw(input.scenario, &input.map.substations[b], upgraded)
    };
    let mut pickups = BTreeMap::new();
    for outage in crate::grid::outages::check(&sites, &emergency_mw) {
        for (site, to, mw) in outage.pickups {
            pickups.insert((parcels[site], outage.out, to), mw);
        }
    }
    pickups
}
