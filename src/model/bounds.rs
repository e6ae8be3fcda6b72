//! Lower bounds on the cost of every plan that builds a given candidate (or uses a given feed),
//! and the exact reductions they allow once some plan's cost is known.
//!
//! Takes the scenario, the map and the screened candidates; gives a [`Bounds`] table: for each
//! candidate the least cost of any plan of the contract's model that builds it, and for each of
//! its feed options the least cost of any plan that uses that feed.
//!
//! # Why the bounds hold
//!
//! Write `own_p = build_usd_p + Σ_{i < min_feeds} usd_{p,i}`, where `build_usd_p` is the site,
//! land and fiber cost and `usd_{p,0} ≤ usd_{p,1} ≤ …` are the feed costs of p's options (nearest
//! first, `feed_usd_per_km·km`). Every plan that builds p pays at least `own_p` for p: it pays
//! `build_usd_p` and at least `min_feeds` feeds of p, which cost at least the `min_feeds`
//! cheapest. Upgrades and flexible MW cost nothing less than 0, so leaving them out only lowers
//! the bound.
//!
//! A built site's MW are at most `mw_p`: the module multiple at or below the least of its
//! `max_mw` (screening), `max_share_per_community·total_mw` (its community's cap), and the sum
//! over its `max_feeds` largest feed options of what each can carry (firm capacity with the
//! upgrade, plus the substation's flexible MW), since `s_p = Σ_b (firm_pb + flex_pb)` over at
//! most `max_feeds` feeds, each bounded by its substation's rows. A candidate whose `mw_p` is
//! below `min_site_mw` is in no plan ([`Rule::CannotBuild`]).
//!
//! A plan that builds p places at least `total_mw`, as whole modules, on at most `max_sites`
//! sites: the other sites carry at least `M − m_p` modules (`M = ⌈total_mw/module_mw⌉`,
//! `m_p = mw_p/module_mw`) on at most `max_sites − 1` sites, each other site q paying at least
//! `own_q` and carrying at most `m_q` modules. So the plan costs at least
//! `LB_p = own_p + K(max_sites − 1, M − m_p)`, where `K(k, r)` is the least `Σ own_q` over at
//! most k distinct candidates with `Σ m_q ≥ r` (a 0/1 covering knapsack with a count limit,
//! solved exactly by dynamic programming over module counts). `K` is taken over every
//! candidate, p included: a larger set of choices can only lower the minimum, so the bound
//! stays valid (spacing, communities and shared substations are likewise left out: fewer rules,
//! lower bound). `K(k, r) = ∞` when no k candidates carry r modules: no plan builds p.
//!
//! A plan that uses p's feed option j (j ≥ `min_feeds`, counting from 0 nearest first) pays
//! `usd_{p,j}` and at least `min_feeds − 1` other feeds of p, which cost at least the
//! `min_feeds − 1` cheapest (indices below j, so distinct from j); so it costs at least
//! `LB_{p,j} = LB_p − usd_{p,min_feeds−1} + usd_{p,j}`. For j < `min_feeds`, `LB_{p,j} = LB_p`.
//!
//! # Why the reductions keep the optimum
//!
//! Let `UB` be the cost of a plan of the contract's model (any feasible plan) and `OPT` the
//! optimum, so `OPT ≤ UB`. Every optimal plan builds only candidates with `LB_p ≤ OPT ≤ UB` and
//! uses only feeds with `LB_{p,j} ≤ UB`. Removing the candidates with `LB_p > UB` and the feed
//! options with `LB_{p,j} > UB` therefore removes no optimal plan, and adds none (the reduced
//! model's plans are plans of the whole model): the reduced model has the same optimum, and
//! every optimal plan of the whole model is among its plans. A bound a few ULPs above UB is
//! kept ([`Bounds::exceeds`]), so rounding cannot remove a plan that ties.

use crate::candidates::Candidate;
use crate::layers::Map;
use crate::scenario::Scenario;

/// Why a candidate or feed option is left out of the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// Its substations and community cap cannot carry `min_site_mw` (or no plan can reach the
    /// target with it): it is in no plan at all.
    CannotBuild,
    /// Every plan that builds it costs more than a plan already found.
    Bound,
}

impl Rule {
    /// The name the summary uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::CannotBuild => "cannot_build",
            Rule::Bound => "bound",
        }
    }
}

/// What every plan that builds one candidate costs at least.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteBound {
    /// `own_p`: its build cost and its `min_feeds` cheapest feeds, in USD.
    pub own_usd: f64,
    /// `mw_p`: the most MW it can carry, in MW (a module multiple).
    pub mw: f64,
    /// `LB_p`, in USD; infinite when no plan builds it.
    pub plan_usd: f64,
    /// `LB_{p,j}` for each feed option in the candidate's order, in USD.
    pub feed_plan_usd: Vec<f64>,
}

/// The bounds of every candidate, in the candidates' order.
#[derive(Debug, Clone, PartialEq)]
pub struct Bounds {
    pub sites: Vec<SiteBound>,
}

/// Relative slack under which a bound counts as equal to a plan's cost.
const TIE_TOLERANCE: f64 = 1e-9;

impl Bounds {
    /// Computes every bound; `O(candidates · max_sites · modules)`.
    pub fn new(scenario: &Scenario, map: &Map, candidates: &[Candidate]) -> Bounds {
        Self::with_load_caps(scenario, map, candidates, None)
    }

    /// The bounds where each substation's new load is also at most `load_caps_mw[b]` in every
    /// plan (bounds the line rows imply, [`crate::grid::security::LoadBounds::tighten`]): a feed from
    /// b carries no more, so `mw_p` stays a bound on every plan's site.
    pub fn with_load_caps(
        scenario: &Scenario,
        map: &Map,
        candidates: &[Candidate],
        load_caps_mw: Option<&[f64]>,
    ) -> Bounds {
        let target = &scenario.target;
        let module_mw = target.module_mw;
        let modules_needed = modules_for(target.total_mw, module_mw);
        let mut sites: Vec<SiteBound> = candidates
            .iter()
            .map(|c| {
                let own_usd = build_usd(scenario, map, c) + cheapest_feeds_usd(scenario, c);
                SiteBound {
                    own_usd,
                    mw: site_mw_bound(scenario, map, c, load_caps_mw),
                    plan_usd: f64::INFINITY,
                    feed_plan_usd: Vec::new(),
                }
            })
            .collect();
        let others = max_sites_others(scenario);
        let completion = Completion::new(
            sites
                .iter()
                .filter(|s| s.mw >= target.min_site_mw)
                .map(|s| (s.own_usd, modules_of(s.mw, module_mw))),
            others,
            modules_needed,
        );
        for (site, c) in sites.iter_mut().zip(candidates) {
            if site.mw < target.min_site_mw {
                site.feed_plan_usd = vec![f64::INFINITY; c.feeds.len()];
                continue;
            }
            let rest = modules_needed.saturating_sub(modules_of(site.mw, module_mw));
            site.plan_usd = site.own_usd + completion.usd(others, rest);
            site.feed_plan_usd = feed_plan_bounds(scenario, c, site.plan_usd);
        }
        Bounds { sites }
    }

    /// Whether a bound lies above a plan's cost (beyond rounding): what it bounds is in no
    /// plan cheaper than, or as cheap as, that plan.
    pub fn exceeds(bound_usd: f64, plan_usd: f64) -> bool {
        bound_usd > plan_usd + TIE_TOLERANCE * plan_usd.abs().max(1.0)
    }

    /// The least bound over every candidate: no plan of the model costs less.
    pub fn least_plan_usd(&self) -> f64 {
        self.sites
            .iter()
            .map(|s| s.plan_usd)
            .fold(f64::INFINITY, f64::min)
    }
}

/// `⌈total_mw / module_mw⌉`, the modules any plan places at least.
fn modules_for(total_mw: f64, module_mw: f64) -> usize {
    if total_mw <= 0.0 {
        return 0;
    }
    // The slack absorbs the division's rounding (500/25 must be 20, not 21).
    ((total_mw / module_mw) - 1e-9).ceil().max(0.0) as usize
}

/// Whole modules in a module multiple of MW.
fn modules_of(mw: f64, module_mw: f64) -> usize {
    ((mw / module_mw) + 1e-9).floor().max(0.0) as usize
}

/// `max_sites − 1`: how many other sites a plan may build.
fn max_sites_others(scenario: &Scenario) -> usize {
    (scenario.target.max_sites as usize).saturating_sub(1)
}

/// The cost of building on a candidate whatever its size: site, land and fiber lateral.
pub fn build_usd(scenario: &Scenario, map: &Map, c: &Candidate) -> f64 {
    crate::costs::build_usd(scenario, &map.parcels[c.parcel], c.fiber_km)
}

/// The cost of the `min_feeds` cheapest feed options (the nearest).
fn cheapest_feeds_usd(scenario: &Scenario, c: &Candidate) -> f64 {
    (c.feeds.iter())
        .take(scenario.site.min_feeds as usize)
        .map(|f| crate::costs::feed_usd(scenario, f.km))
        .sum()
}

/// `LB_{p,j}` for each feed option j of a candidate whose plans cost at least `plan_usd`.
fn feed_plan_bounds(scenario: &Scenario, c: &Candidate, plan_usd: f64) -> Vec<f64> {
    let min_feeds = scenario.site.min_feeds as usize;
    let dearest_needed_usd = match min_feeds {
        0 => 0.0,
        n => c
            .feeds
            .get(n - 1)
            .map_or(0.0, |f| crate::costs::feed_usd(scenario, f.km)),
    };
    (c.feeds.iter().enumerate())
        .map(|(j, f)| {
            if j < min_feeds {
                plan_usd
            } else {
                plan_usd - dearest_needed_usd + crate::costs::feed_usd(scenario, f.km)
            }
        })
        .collect()
}

/// The most MW a feed option can carry: its substation's firm capacity with the upgrade, plus
/// its flexible MW when the scenario lets sites draw on them.
pub fn feed_capacity_mw(scenario: &Scenario, map: &Map, substation: usize) -> f64 {
    crate::costs::load_room_mw(scenario, &map.substations[substation], true)
}

/// `mw_p`: the module multiple at or below the site's size cap, its community's cap and what
/// its `max_feeds` largest feed options can carry together.
fn site_mw_bound(
    scenario: &Scenario,
    map: &Map,
    c: &Candidate,
    load_caps_mw: Option<&[f64]>,
) -> f64 {
    let target = &scenario.target;
    let cap = |b: usize| load_caps_mw.map_or(f64::INFINITY, |caps| caps[b]);
    let mut capacities: Vec<f64> = (c.feeds.iter())
        .map(|f| feed_capacity_mw(scenario, map, f.substation).min(cap(f.substation)))
        .collect();
    capacities.sort_by(|a, b| b.total_cmp(a));
    let feeds_mw: f64 = capacities
        .iter()
        .take(scenario.site.max_feeds as usize)
        .sum();
    let community_mw = scenario.community.max_share_per_community * target.total_mw;
    let mw = c.max_mw.min(feeds_mw).min(community_mw);
    target.module_mw * modules_of(mw, target.module_mw) as f64
}

/// `K(k, r)`: the least total `own` cost of at most k distinct candidates carrying at least r
/// modules, for every `k ≤ max_count` and `r ≤ max_modules` (exact, by dynamic programming).
struct Completion {
    /// `usd[k][r]`.
    usd: Vec<Vec<f64>>,
}

impl Completion {
    fn new(
        items: impl Iterator<Item = (f64, usize)>,
        max_count: usize,
        max_modules: usize,
    ) -> Completion {
        let mut usd = vec![vec![f64::INFINITY; max_modules + 1]; max_count + 1];
        for row in &mut usd {
            row[0] = 0.0;
        }
        for (cost, modules) in cheapest_by_modules(items, max_count, max_modules) {
            // Counts downwards so that each candidate is taken at most once.
            for k in (1..=max_count).rev() {
                for r in (1..=max_modules).rev() {
                    let with = usd[k - 1][r.saturating_sub(modules)] + cost;
                    if with < usd[k][r] {
                        usd[k][r] = with;
                    }
                }
            }
        }
        Completion { usd }
    }

    fn usd(&self, count: usize, modules: usize) -> f64 {
        self.usd[count][modules]
    }
}

/// The items a cover of at most `max_count` items can use: for each module count (counts
/// above `max_modules` cover as much as `max_modules`), the `max_count` cheapest, ties to the
/// earlier item. A cover that used a dearer item of some count while a cheaper one of the same
/// count stayed out can swap them, so the least cover is among these; the table stays small
/// (at most `(max_modules + 1)·max_count` items) however many candidates a region has.
fn cheapest_by_modules(
    items: impl Iterator<Item = (f64, usize)>,
    max_count: usize,
    max_modules: usize,
) -> Vec<(f64, usize)> {
    let mut by_modules: Vec<Vec<f64>> = vec![Vec::new(); max_modules + 1];
    for (cost, modules) in items {
        if modules == 0 {
            continue;
        }
        let kept = &mut by_modules[modules.min(max_modules)];
        kept.push(cost);
        if kept.len() > 4 * max_count.max(1) {
            kept.sort_by(f64::total_cmp);
            kept.truncate(max_count);
        }
    }
    let mut chosen = Vec::new();
    for (modules, mut costs) in by_modules.into_iter().enumerate() {
        costs.sort_by(f64::total_cmp);
        costs.truncate(max_count);
        chosen.extend(costs.into_iter().map(|c| (c, modules)));
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_is_the_cheapest_cover_with_a_count_limit() {
        // (cost, modules): covering 5 modules with at most 2 items.
        let items = [(10.0, 3), (4.0, 2), (7.0, 2), (30.0, 5)];
        let k = Completion::new(items.into_iter(), 2, 5);
        assert_eq!(k.usd(2, 5), 14.0); // 10 + 4
        assert_eq!(k.usd(1, 5), 30.0);
        assert_eq!(k.usd(2, 4), 11.0); // 4 + 7
        assert_eq!(k.usd(0, 0), 0.0);
        assert_eq!(k.usd(0, 1), f64::INFINITY);
        // Each item once: two items of 2 modules cannot carry 5.
        let pair = Completion::new([(1.0, 2)].into_iter(), 2, 4);
        assert_eq!(pair.usd(2, 4), f64::INFINITY);
    }

    #[test]
    fn module_counts_absorb_rounding() {
        assert_eq!(modules_for(500.0, 25.0), 20);
        assert_eq!(modules_for(510.0, 25.0), 21);
        assert_eq!(modules_for(0.0, 25.0), 0);
        assert_eq!(modules_of(75.0, 25.0), 3);
        assert_eq!(modules_of(0.3 * 250.0, 25.0), 3);
    }

    #[test]
    fn exceeds_keeps_ties() {
        assert!(!Bounds::exceeds(100.0, 100.0));
        assert!(!Bounds::exceeds(100.0 + 1e-8, 100.0));
        assert!(Bounds::exceeds(100.001, 100.0));
    }
}
