//! A plan read back from a solved model: the chosen sites, their feeds, the upgrades, and every
//! cost term of the objective, recomputed from the data (not taken from the solver).

use std::collections::BTreeSet;

use crate::costs;
use crate::grid::figures::{GridReport, PlanLoads};
use crate::grid::outages::{self, Outage, SiteFeed};
use crate::grid::twin::Network;
use crate::layers::Map;
use crate::model::{CommunityKey, ModelInput, SitingModel};
use crate::scenario::Scenario;

/// One feed of a chosen site.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedFeed {
    pub substation: usize,
    pub km: f64,
    pub firm_mw: f64,
    pub flexible_mw: f64,
    /// `feed_usd_per_km · km`.
    pub usd: f64,
}

/// The cost terms of a site, in USD.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SiteCosts {
    pub land_usd: f64,
    pub fiber_usd: f64,
    pub feed_usd: f64,
    pub site_fixed_usd: f64,
    pub flexible_usd: f64,
    pub total_usd: f64,
}

/// A chosen site.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedSite {
    /// Index into the screening's candidates.
    pub candidate: usize,
    pub parcel: usize,
    pub community: CommunityKey,
    pub mw: f64,
    pub fiber_km: f64,
    pub feeds: Vec<PlannedFeed>,
    pub costs: SiteCosts,
}

impl PlannedSite {
    pub fn firm_mw(&self) -> f64 {
        self.feeds.iter().map(|f| f.firm_mw).sum()
    }
    pub fn flexible_mw(&self) -> f64 {
        self.feeds.iter().map(|f| f.flexible_mw).sum()
    }
}

/// A siting plan.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    /// In candidate (parcel) order.
    pub sites: Vec<PlannedSite>,
    /// Substations whose upgrade the plan takes.
    pub upgraded: BTreeSet<usize>,
    pub upgrade_usd: f64,
}

impl Plan {
    /// The map communities that host a site (the unassigned land is none of them).
    pub fn hosting_communities(&self) -> std::collections::BTreeSet<usize> {
        self.sites.iter().filter_map(|s| s.community).collect()
    }

    /// The plan's population-weighted burden: [`crate::costs::burdened_residents`] summed over
    /// the communities that host a site.
    pub fn burdened_residents(&self, map: &crate::layers::Map) -> f64 {
        (self.hosting_communities().into_iter())
            .map(|c| crate::costs::burdened_residents(&map.communities[c]))
            .sum()
    }

    /// MW placed.
    pub fn total_mw(&self) -> f64 {
        self.sites.iter().map(|s| s.mw).sum()
    }

    /// The objective: the sites' totals plus the upgrades, in USD.
    pub fn objective_usd(&self) -> f64 {
        self.sites.iter().map(|s| s.costs.total_usd).sum::<f64>() + self.upgrade_usd
    }

    /// Checks the plan's cost, recomputed from the cost rules, against the model's objective
    /// for the same solution: they agree within the solver's tolerances (`tolerance_usd`),
    /// unless the model and the cost rules disagree.
    pub fn check_cost(&self, solver_usd: f64, tolerance_usd: f64) -> Result<(), crate::Error> {
        let plan_usd = self.objective_usd();
        if (plan_usd - solver_usd).abs() <= tolerance_usd {
            Ok(())
        } else {
            Err(crate::Error::PlanCost {
                plan_usd,
                solver_usd,
            })
        }
    }

    /// Firm and flexible MW the plan draws from a substation.
    pub fn used_mw(&self, substation: usize) -> (f64, f64) {
        self.sites
            .iter()
            .flat_map(|s| &s.feeds)
            .filter(|f| f.substation == substation)
            .fold((0.0, 0.0), |(firm, flex), f| {
                (firm + f.firm_mw, flex + f.flexible_mw)
            })
    }

    /// New load by substation (`n` substations): all of it, and its firm part, MW.
    pub fn load_by_substation(&self, n: usize) -> (Vec<f64>, Vec<f64>) {
        let mut load_mw = vec![0.0; n];
        let mut firm_mw = vec![0.0; n];
        for f in self.sites.iter().flat_map(|s| &s.feeds) {
            load_mw[f.substation] += f.firm_mw + f.flexible_mw;
            firm_mw[f.substation] += f.firm_mw;
        }
        (load_mw, firm_mw)
    }

    /// Each site's chosen feeds and their firm MW, as the N-1 check reads them.
    pub fn site_feeds(&self) -> Vec<Vec<SiteFeed>> {
        (self.sites.iter())
            .map(|s| {
                (s.feeds.iter())
                    .map(|f| SiteFeed {
                        substation: f.substation,
                        firm_mw: f.firm_mw,
                    })
                    .collect()
            })
            .collect()
    }

    /// The substation outages (N-1) of the plan, in substation order (see
    /// [`crate::grid::outages`]).
    pub fn outages(&self, scenario: &Scenario, map: &Map) -> Vec<Outage> {
        let emergency_mw = |b: usize| {
            costs::emergency_mw(scenario, &map.substations[b], self.upgraded.contains(&b))
        };
        outages::check(&self.site_feeds(), &emergency_mw)
    }

    /// The plan's grid figures: line flows and loadings, worst outages, N-1 pickups.
    pub fn grid_report(&self, map: &Map, network: &Network, scenario: &Scenario) -> GridReport {
        let (load_mw, firm_mw) = self.load_by_substation(map.substations.len());
        let outages = if costs::n_minus_one(scenario) {
            self.outages(scenario, map)
        } else {
            Vec::new()
        };
        let loads = PlanLoads {
            load_mw,
            firm_mw,
            outages,
        };
        GridReport::of(map, network, scenario, &loads)
    }

    /// How many communities host a site.
    pub fn communities(&self) -> usize {
        self.sites
            .iter()
            .map(|s| s.community)
            .collect::<BTreeSet<_>>()
            .len()
    }
}

/// Binary and integer values come back from the solver as floats near whole numbers.
fn is_on(value: f64) -> bool {
    value > 0.5
}

/// Flows below a micro-MW are solver noise.
fn clean_mw(value: f64) -> f64 {
    let rounded = (value * 1e6).round() / 1e6;
    if rounded.abs() < 1e-6 { 0.0 } else { rounded }
}

/// Reads the plan from a solution's column values.
pub fn read_plan(model: &SitingModel, input: &ModelInput, values: &[f64]) -> Plan {
    let value = |col: usize| values.get(col).copied().unwrap_or(0.0);
    let scenario = input.scenario;
    let mut plan = Plan::default();
    for site in model.sites.iter().filter(|s| is_on(value(s.build.col))) {
        let candidate = &input.candidates[site.candidate];
        let feeds: Vec<PlannedFeed> = site
            .feeds
            .iter()
            .filter(|f| is_on(value(f.feed.col)))
            .map(|f| PlannedFeed {
                substation: f.substation,
                km: f.km,
                firm_mw: clean_mw(value(f.firm.col)),
                flexible_mw: f.flex.map_or(0.0, |c| clean_mw(value(c.col))),
                usd: costs::feed_usd(scenario, f.km),
            })
            .collect();
        let mw = scenario.target.module_mw * value(site.modules.col).round();
        let parcel = &input.map.parcels[candidate.parcel];
        let flexible_mw: f64 = feeds.iter().map(|f| f.flexible_mw).sum();
        let mut costs = SiteCosts {
            land_usd: costs::land_usd(parcel),
            fiber_usd: costs::fiber_usd(scenario, candidate.fiber_km),
            feed_usd: feeds.iter().map(|f| f.usd).sum(),
            site_fixed_usd: scenario.costs.site_fixed_usd,
            flexible_usd: costs::flexible_usd(scenario, flexible_mw),
            total_usd: 0.0,
        };
        costs.total_usd = costs.land_usd
            + costs.fiber_usd
            + costs.feed_usd
            + costs.site_fixed_usd
            + costs.flexible_usd;
        plan.sites.push(PlannedSite {
            candidate: site.candidate,
            parcel: candidate.parcel,
            community: site.community,
            mw,
            fiber_km: candidate.fiber_km,
            feeds,
            costs,
        });
    }
    for (b, upgrade) in &model.upgrades {
        if is_on(value(upgrade.col)) {
            plan.upgraded.insert(*b);
            plan.upgrade_usd += input.map.substations[*b].upgrade_usd;
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::Plan;

    fn costing(upgrade_usd: f64) -> Plan {
        Plan {
            upgrade_usd,
            ..Plan::default()
        }
    }

    #[test]
    fn the_cost_check_allows_the_tolerance_and_nothing_more() {
        let plan = costing(1_000_000.0);
        assert!(plan.check_cost(1_000_000.0, 0.0).is_ok());
        assert!(plan.check_cost(1_000_005.0, 5.0).is_ok());
        assert!(plan.check_cost(999_995.0, 5.0).is_ok());
        assert!(matches!(
            plan.check_cost(1_000_006.0, 5.0),
            Err(crate::Error::PlanCost { plan_usd, solver_usd })
                if plan_usd == 1_000_000.0 && solver_usd == 1_000_006.0
        ));
        assert!(plan.check_cost(999_994.0, 5.0).is_err());
    }
}
