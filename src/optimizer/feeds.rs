//! Feed options no optimal plan needs, left out before the search (each proven below).

use super::*;

/// Leaves out the feed options whose substation can give a site nothing — no firm MW even
/// with its upgrade, and no flexible MW (none there, or `flexible_share = 0`), or no new load
/// at all by the line rows' implied bounds (`load_caps_mw`) — where `min_feeds ≤ 1` and
/// `min_site_mw > 0`; gives how many. (Network-only substations of an imported network are
/// such: a tie point or a bus with no headroom.)
///
/// Why the optimum is kept: such a feed carries 0 MW in every plan (its firm and flexible
/// columns are bounded by those capacities, or the line rows allow its substation no load). In a plan that uses it, the built site carries
/// `s_p ≥ min_site_mw > 0` MW, so some other feed of the site carries MW; dropping the idle
/// feed leaves at least that one, so `Σ_b feed_pb ≥ 1 ≥ min_feeds` still holds, and it changes
/// no flow, no substation or line row (it carried nothing) and no other rule, while the cost
/// falls by `feed_usd_per_km·km ≥ 0`. So some optimal plan uses no idle feed, and the program
/// without them has the same optimum. With `min_feeds ≥ 2` a feed may be needed for its count
/// alone, and none is dropped.
pub(super) fn drop_idle_feeds(
    scenario: &Scenario,
    map: &Map,
    load_caps_mw: Option<&[f64]>,
    candidates: &mut [Candidate],
) -> usize {
    if scenario.site.min_feeds > 1 || scenario.target.min_site_mw <= 0.0 {
        return 0;
    }
    let idle = |b: usize| {
        let s = &map.substations[b];
        let no_capacity = crate::costs::load_room_mw(scenario, s, true) <= 0.0;
        no_capacity || load_caps_mw.is_some_and(|caps| caps[b] <= 0.0)
    };
    drop_feeds_to(candidates, idle)
}

/// Leaves out every feed option to a substation `drop` names; gives how many.
pub(super) fn drop_feeds_to(candidates: &mut [Candidate], drop: impl Fn(usize) -> bool) -> usize {
    let mut dropped = 0;
    for c in candidates.iter_mut() {
        let before = c.feeds.len();
        c.feeds.retain(|f| !drop(f.substation));
        dropped += before - c.feeds.len();
    }
    dropped
}

/// Leaves out, where every site has exactly two feeds (`min_feeds = max_feeds = 2`), the feed
/// options whose substation could not carry a site alone in its other feed's outage: those
/// whose emergency MW with the upgrade is below the least firm MW of a site,
/// `(1 − flexible_share)·min_site_mw`; gives how many.
///
/// Why the optimum is kept: a built site p with feeds {k, b} draws firm MW
/// `firm_pk + firm_pb = s_p − Σ flex ≥ (1 − flexible_share)·min_site_mw`. In the outage of k its
/// pickups go to its only other feed, `pickup_pkb = firm_pk`, and the program's row of the
/// pair (k, b) holds `Σ_q firm_qb + Σ_q pickup_qkb ≥ firm_pb + firm_pk`, within b's emergency
/// MW (at most `emergency_mw` with the upgrade). So no plan of the program uses such an option:
/// leaving it out removes no plan, and the optimum (or the proof that there is none) is the
/// same. In the LP relaxation a site may spread fractional feeds over many substations; without
/// these options it cannot, which is what proves a region short of N-1 capacity infeasible at
/// the root instead of after a long search.
pub(super) fn drop_insecure_feeds(
    scenario: &Scenario,
    map: &Map,
    candidates: &mut [Candidate],
) -> usize {
    let site = &scenario.site;
    if site.min_feeds != 2 || site.max_feeds != 2 {
        return 0;
    }
    let least_firm_mw = (1.0 - scenario.grid.flexible_share) * scenario.target.min_site_mw;
    let insecure =
        |b: usize| crate::costs::emergency_mw(scenario, &map.substations[b], true) < least_firm_mw;
    drop_feeds_to(candidates, insecure)
}
