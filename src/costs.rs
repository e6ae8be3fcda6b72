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
