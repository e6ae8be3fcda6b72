//! The contract's cost and capacity rules (`DESIGN.md`, "The model"), each written once.
//!
//! Takes a scenario and map features; gives USD and MW. Screening, the model and its bounds,
//! the plan read back from a solution, the summary and the diagnosis all ask here, so that a
//! figure in `sites.geojson` is the same rule as the coefficient the solver saw.

use crate::layers::{Parcel, Substation};
use crate::scenario::Scenario;

/// Firm MW AI factories may take at a substation without its upgrade:
/// `max_headroom_share·max(0, headroom_mw − community_growth_mw)`.
pub fn firm_capacity_mw(scenario: &Scenario, substation: &Substation) -> f64 {
    let s = substation;
    scenario.grid.max_headroom_share * (s.headroom_mw - s.community_growth_mw).max(0.0)
}

/// Firm MW a substation offers AI factories in a plan: its firm capacity, plus its upgrade
/// when the plan takes it.
pub fn available_mw(scenario: &Scenario, substation: &Substation, upgraded: bool) -> f64 {
    firm_capacity_mw(scenario, substation) + if upgraded { substation.upgrade_mw } else { 0.0 }
}

/// Firm MW a substation may give AI factories while another substation is out (N-1, with
/// `min_feeds ≥ 2`): `emergency_headroom_share·max(0, headroom_mw − community_growth_mw)`, plus
/// its upgrade when the plan takes it.
pub fn emergency_mw(scenario: &Scenario, substation: &Substation, upgraded: bool) -> f64 {
    let s = substation;
    let share = scenario.grid.emergency_headroom_share;
    share * (s.headroom_mw - s.community_growth_mw).max(0.0)
        + if upgraded { s.upgrade_mw } else { 0.0 }
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
