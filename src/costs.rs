//! The contract's cost and capacity rules (`docs/contract.md`, "The model"), each written once.
//!
//! Takes a scenario and map features; gives USD and MW. Screening, the model and its bounds,
//! the plan read back from a solution, the summary and the diagnosis all ask here, so that a
//! figure in `sites.geojson` is the same rule as the coefficient the solver saw.

use crate::layers::{Parcel, Substation};
use crate::scenario::Scenario;

/// The headroom left for AI factories before any share is applied:
/// `max(0, headroom_mw − community_growth_mw − queued_mw)`, the counted queue
/// ([`crate::hosting::apply`]) taking its MW in every hour and every outage.
pub fn net_headroom_mw(substation: &Substation) -> f64 {
    let s = substation;
    (s.headroom_mw - s.community_growth_mw - s.queued_mw).max(0.0)
}

/// Firm MW AI factories may take at a substation without its upgrade:
/// `max_headroom_share·max(0, headroom_mw − community_growth_mw − queued_mw)`.
pub fn firm_capacity_mw(scenario: &Scenario, substation: &Substation) -> f64 {
    scenario.grid.max_headroom_share * net_headroom_mw(substation)
}

/// With a load profile: the most new load (firm and flexible) the substation hosts within the
/// curtailment budget, `L*` in the given upgrade state ([`crate::hosting`]); None without one
/// (firm MW and `flexible_mw` then have limits of their own).
pub fn hosting_mw(substation: &Substation, upgraded: bool) -> Option<f64> {
    let h = substation.hosting?;
    Some(if upgraded {
        h.upgraded_load_mw
    } else {
        h.load_mw
    })
}

/// The most flexible MW a substation can carry in the given upgrade state: its
/// `flexible_mw`, or with a profile its `L*` (a load there may be all flexible).
pub fn flexible_room_mw(substation: &Substation, upgraded: bool) -> f64 {
    hosting_mw(substation, upgraded).unwrap_or(substation.flexible_mw)
}

/// The most new load a substation can carry in the given upgrade state: its firm MW, plus
/// with `flexible_share > 0` its flexible MW (`flexible_mw`, or `L*` with a profile, which
/// bounds firm and flexible together).
pub fn load_room_mw(scenario: &Scenario, substation: &Substation, upgraded: bool) -> f64 {
    let firm = available_mw(scenario, substation, upgraded);
    if scenario.grid.flexible_share <= 0.0 {
        return firm;
    }
    match hosting_mw(substation, upgraded) {
        Some(hosting) => hosting,
        None => firm + substation.flexible_mw,
    }
}

/// Firm MW a substation offers AI factories in a plan: its firm capacity, plus its upgrade
/// when the plan takes it.
pub fn available_mw(scenario: &Scenario, substation: &Substation, upgraded: bool) -> f64 {
    firm_capacity_mw(scenario, substation) + if upgraded { substation.upgrade_mw } else { 0.0 }
}

/// Firm MW a substation may give AI factories while another substation is out (N-1, with
/// `min_feeds ≥ 2`): `emergency_headroom_share·max(0, headroom_mw − community_growth_mw −
/// queued_mw)`, plus its upgrade when the plan takes it.
pub fn emergency_mw(scenario: &Scenario, substation: &Substation, upgraded: bool) -> f64 {
    let s = substation;
    let share = scenario.grid.emergency_headroom_share;
    share * net_headroom_mw(s) + if upgraded { s.upgrade_mw } else { 0.0 }
}

/// Whether the plan must survive the outage of any one substation (`min_feeds ≥ 2`).
pub fn n_minus_one(scenario: &Scenario) -> bool {
    scenario.site.min_feeds >= 2
}

/// The most MW the land and the size limit allow on a parcel, before modules:
/// `min(max_site_mw, acres/acres_per_mw)`.
pub fn size_cap_mw(scenario: &Scenario, acres: f64) -> f64 {
    scenario
        .target
        .max_site_mw
        .min(acres / scenario.site.acres_per_mw)
}

/// The land of a parcel: `land_usd_per_acre·acres`.
pub fn land_usd(parcel: &Parcel) -> f64 {
    parcel.land_usd_per_acre * parcel.acres
}

/// The fiber lateral of a site `fiber_km` from the nearest fiber.
pub fn fiber_usd(scenario: &Scenario, fiber_km: f64) -> f64 {
    scenario.costs.fiber_usd_per_km * fiber_km
}

/// A feed line of `km`.
pub fn feed_usd(scenario: &Scenario, km: f64) -> f64 {
    scenario.costs.feed_usd_per_km * km
}

/// What a site pays for `flexible_mw` of curtailable load.
pub fn flexible_usd(scenario: &Scenario, flexible_mw: f64) -> f64 {
    scenario.costs.flexible_usd_per_mw * flexible_mw
}

/// The cost of building on a parcel whatever the site's size: the site's fixed cost, its land
/// and its fiber lateral.
pub fn build_usd(scenario: &Scenario, parcel: &Parcel, fiber_km: f64) -> f64 {
    scenario.costs.site_fixed_usd + land_usd(parcel) + fiber_usd(scenario, fiber_km)
}

/// The population-weighted burden of a community hosting a site: its residents in burdened
/// households, `population·burden_pct/100` (persons). A plan's burden is the sum over the
/// communities that host a site (the unassigned land has none); `alternatives` and the
/// `pareto burden` trade-off use it.
pub fn burdened_residents(community: &crate::layers::Community) -> f64 {
    community.population * community.burden_pct / 100.0
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn scenario() -> Scenario {
        Scenario::parse(
            "name = \"k\"\nmap = \"m\"\n[target]\ntotal_mw = 100\n",
            Path::new("k.toml"),
        )
        .unwrap()
    }

    fn substation(headroom_mw: f64, growth_mw: f64, queued_mw: f64) -> Substation {
        Substation {
            id: "S".into(),
            name: None,
            point: geo::Point::new(0.0, 0.0),
            voltage_kv: 115.0,
            headroom_mw,
            flexible_mw: 40.0,
            community_growth_mw: growth_mw,
            upgrade_mw: 50.0,
            upgrade_usd: 1.0,
            supply_share: 0.0,
            profile: None,
            queued_mw,
            hosting: None,
        }
    }

    /// The contract's defaults worked by hand: 20 M USD fixed, 100 acres at 50,000 USD,
    /// 2 km of fiber at 150,000 USD: 25.3 M USD; a 4 km feed at 3 M USD/km: 12 M USD.
    #[test]
    fn build_and_feed_costs_at_the_defaults() {
        let s = scenario();
        let parcel = Parcel {
            id: "P".into(),
            zoning: "industrial".into(),
            land_usd_per_acre: 50_000.0,
            brownfield: false,
            water_stress: 0.0,
            shape: geo::MultiPolygon(vec![]),
            site_point: geo::Point::new(0.0, 0.0),
            acres: 100.0,
        };
        assert_eq!(build_usd(&s, &parcel, 2.0), 25_300_000.0);
        assert_eq!(feed_usd(&s, 4.0), 12_000_000.0);
        // min(300 MW, 100 acres / 0.5 acres per MW) = 200 MW.
        assert_eq!(size_cap_mw(&s, 100.0), 200.0);
    }

    /// Share 0.8 of (200 − 20 − 30) = 120 MW firm; 150 MW in an outage (share 1); with the
    /// upgrade 50 more; a queue beyond the headroom leaves none; 40 flexible MW on top.
    #[test]
    fn capacities_net_of_growth_and_queue() {
        let s = scenario();
        let b = substation(200.0, 20.0, 30.0);
        assert_eq!(firm_capacity_mw(&s, &b), 120.0);
        assert_eq!(available_mw(&s, &b, true), 170.0);
        assert_eq!(emergency_mw(&s, &b, false), 150.0);
        assert_eq!(firm_capacity_mw(&s, &substation(100.0, 20.0, 90.0)), 0.0);
        assert_eq!(
            load_room_mw(&s, &b, false),
            120.0,
            "no flexible share: firm only"
        );
        let flexible = Scenario {
            grid: crate::scenario::Grid {
                flexible_share: 0.5,
                ..s.grid.clone()
            },
            ..s
        };
        assert_eq!(load_room_mw(&flexible, &b, false), 160.0);
    }
}
