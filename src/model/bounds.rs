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
//! # With N-1 feeds: what each feed set can carry
//!
//! With `min_feeds ≥ 2` a site's feeds must also carry it through the outage of any one of
//! them, and the bounds above are taken over feed sets. Let S be the feeds a plan chooses for
//! p (`min_feeds ≤ |S| ≤ max_feeds`) and `E_b` the emergency capacity of b with its upgrade.
//! While k ∈ S is out, p's firm MW on k moves onto the rest of S (`firm_pk = Σ_{b∈S∖k}
//! pickup_pkb`), and the contract's row of the pair (k, b) gives `firm_b + pickups at b ≤ E_b`
//! with `firm_b ≥ firm_pb`; so `firm_pb + pickup_pkb ≤ E_b`, and also `≤ firm_p ≤ max_site_mw`.
//! Summed over b ∈ S∖k: `firm_p ≤ Σ_{b∈S∖k} min(E_b, max_site_mw)` for every k ∈ S, that is
//! `firm_p ≤ X_S = Σ_S e_b − max_S e_b` with `e_b = min(E_b, max_site_mw)`. The site's
//! flexible MW are at most `flexible_share·s_p` and at most `F_S`, the flexible room of S
//! (none without a flexible share), so `s_p − min(flexible_share·s_p, F_S) ≤ X_S`: s_p is at
//! most the largest s with that property, and at most what S carries without an outage (its
//! capacities, as for `mw_p`), `max_mw` and the community cap. Call that, as whole modules,
//! `m_S`. A plan that builds p with feed set S therefore pays `build_usd_p + usd_S` (the feeds
//! of S) for p and places at most `m_S` modules there; a set with `m_S` below `min_site_mw`
//! can build nothing.
//!
//! So `LB_p = min over S of (build_usd_p + usd_S + K(max_sites − 1, M − m_S))` and `LB_{p,j}`
//! the same minimum over the sets S that hold j, where K is taken over items `(build_usd_q +
//! usd_S, m_S)`, one for each candidate q and each of its sets that no cheaper set of q
//! carries as much as (the others are dominated): a cover of the other sites by such items is
//! at most what the plan pays for them. It may take two sets of one candidate (a rule dropped,
//! so still a lower bound). Each such bound is taken as the larger of it and the bound of the
//! paragraphs above, both holding. A candidate with more than [`MAX_FEED_SETS`] feed sets
//! keeps the bound above alone.
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

/// The most feed sets of one candidate the N-1 bound enumerates (see the module's "With N-1
/// feeds"); a candidate with more keeps the bound without it.
pub const MAX_FEED_SETS: usize = 20_000;

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
        if crate::costs::n_minus_one(scenario) {
            secure_feed_set_bounds(scenario, map, candidates, load_caps_mw, &mut sites);
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

/// The N-1 bounds over feed sets (the module's "With N-1 feeds"), each raising the bound
/// already in `sites` where it is larger.
fn secure_feed_set_bounds(
    scenario: &Scenario,
    map: &Map,
    candidates: &[Candidate],
    load_caps_mw: Option<&[f64]>,
    sites: &mut [SiteBound],
) {
    let target = &scenario.target;
    let module_mw = target.module_mw;
    let sets = FeedSets {
        scenario,
        map,
        load_caps_mw,
    };
    // The undominated sets of each candidate: (build and feeds USD, modules).
    let fronts: Vec<Option<Vec<(f64, usize)>>> = (candidates.iter())
        .map(|c| {
            let build = build_usd(scenario, map, c);
            let mut all = Vec::new();
            sets.each(c, &mut |_, usd, modules| all.push((build + usd, modules)))?;
            Some(undominated(all))
        })
        .collect();
    let items = (fronts.iter().zip(sites.iter())).flat_map(|(front, site)| match front {
        Some(front) => front.clone(),
        None if site.mw >= target.min_site_mw => {
            vec![(site.own_usd, modules_of(site.mw, module_mw))]
        }
        None => Vec::new(),
    });
    let others = max_sites_others(scenario);
    let modules_needed = modules_for(target.total_mw, module_mw);
    let completion = Completion::new(items, others, modules_needed);
    for ((site, c), front) in sites.iter_mut().zip(candidates).zip(&fronts) {
        let Some(front) = front else { continue };
        let build = build_usd(scenario, map, c);
        let mut plan_usd = f64::INFINITY;
        let mut feed_plan_usd = vec![f64::INFINITY; c.feeds.len()];
        sets.each(c, &mut |members, usd, modules| {
            let rest = modules_needed.saturating_sub(modules);
            let usd = build + usd + completion.usd(others, rest);
            plan_usd = plan_usd.min(usd);
            for &j in members {
                feed_plan_usd[j] = feed_plan_usd[j].min(usd);
            }
        });
        let best_modules = front.iter().map(|&(_, m)| m).max().unwrap_or(0);
        let cheapest_usd = front.first().map_or(f64::INFINITY, |&(usd, _)| usd);
        site.own_usd = site.own_usd.max(cheapest_usd);
        site.mw = site.mw.min(best_modules as f64 * module_mw);
        if site.mw < target.min_site_mw {
            site.plan_usd = f64::INFINITY;
            site.feed_plan_usd = vec![f64::INFINITY; c.feeds.len()];
            continue;
        }
        site.plan_usd = site.plan_usd.max(plan_usd);
        for (bound, usd) in site.feed_plan_usd.iter_mut().zip(feed_plan_usd) {
            *bound = bound.max(usd);
        }
    }
}

/// The sets that no cheaper set carries as much as, cheapest first (sets that carry no whole
/// minimum site are already left out).
fn undominated(mut all: Vec<(f64, usize)>) -> Vec<(f64, usize)> {
    all.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut front: Vec<(f64, usize)> = Vec::new();
    for (usd, modules) in all {
        if front.last().is_none_or(|&(_, m)| modules > m) {
            front.push((usd, modules));
        }
    }
    front
}

/// What each feed set of a candidate can carry with N-1 feeds (the module's "With N-1
/// feeds").
struct FeedSets<'a> {
    scenario: &'a Scenario,
    map: &'a Map,
    load_caps_mw: Option<&'a [f64]>,
}

impl FeedSets<'_> {
    /// Calls `visit(members, feeds_usd, m_S)` for each feed set S of `c` (indices into its
    /// feeds) that can carry a minimum site; None, visiting nothing, where `c` has more than
    /// [`MAX_FEED_SETS`] sets.
    fn each(&self, c: &Candidate, visit: &mut dyn FnMut(&[usize], f64, usize)) -> Option<()> {
        let site = &self.scenario.site;
        let (smallest, largest) = (site.min_feeds as usize, site.max_feeds as usize);
        let n = c.feeds.len();
        let count: usize = (smallest..=largest.min(n)).map(|k| choose(n, k)).sum();
        if count > MAX_FEED_SETS {
            return None;
        }
        let per_feed: Vec<FeedRoom> = (c.feeds.iter())
            .map(|f| self.room(f.substation, f.km))
            .collect();
        let mut members = Vec::with_capacity(largest);
        for size in smallest..=largest.min(n) {
            combinations(n, size, &mut members, &mut |members| {
                let usd = members.iter().map(|&j| per_feed[j].usd).sum();
                let modules = self.modules(c, members.iter().map(|&j| &per_feed[j]));
                let mw = modules as f64 * self.scenario.target.module_mw;
                if mw >= self.scenario.target.min_site_mw {
                    visit(members, usd, modules);
                }
            });
        }
        Some(())
    }

    fn room(&self, substation: usize, km: f64) -> FeedRoom {
        let scenario = self.scenario;
        let s = &self.map.substations[substation];
        let cap = self
            .load_caps_mw
            .map_or(f64::INFINITY, |caps| caps[substation]);
        let flexible_mw = if scenario.grid.flexible_share > 0.0 {
            crate::costs::flexible_room_mw(s, true)
        } else {
            0.0
        };
        FeedRoom {
            usd: crate::costs::feed_usd(scenario, km),
            normal_mw: feed_capacity_mw(scenario, self.map, substation).min(cap),
            emergency_mw: (crate::costs::emergency_mw(scenario, s, true))
                .min(scenario.target.max_site_mw),
            flexible_mw,
        }
    }

    /// `m_S`: the whole modules a site fed by the set can carry.
    fn modules<'r>(&self, c: &Candidate, set: impl Iterator<Item = &'r FeedRoom> + Clone) -> usize {
        let target = &self.scenario.target;
        let normal_mw: f64 = set.clone().map(|f| f.normal_mw).sum();
        let emergency_mw: f64 = set.clone().map(|f| f.emergency_mw).sum();
        let largest_mw = set.clone().map(|f| f.emergency_mw).fold(0.0, f64::max);
        let flexible_mw: f64 = set.map(|f| f.flexible_mw).sum();
        let secure_mw = most_mw_through_an_outage(
            emergency_mw - largest_mw,
            flexible_mw,
            self.scenario.grid.flexible_share,
        );
        let community_mw = self.scenario.community.max_share_per_community * target.total_mw;
        let mw = c.max_mw.min(normal_mw).min(community_mw).min(secure_mw);
        modules_of(mw, target.module_mw)
    }
}

/// One feed option as the N-1 bound sees it.
struct FeedRoom {
    usd: f64,
    /// What it carries without an outage (firm with the upgrade, and flexible).
    normal_mw: f64,
    /// `min(E_b, max_site_mw)`.
    emergency_mw: f64,
    /// Flexible MW a site may draw there (0 without a flexible share).
    flexible_mw: f64,
}

/// The largest s with `s − min(share·s, flexible_mw) ≤ firm_mw`: the site's firm MW (all but
/// its flexible MW, at most `share·s` and at most `flexible_mw`) must fit in `firm_mw`.
fn most_mw_through_an_outage(firm_mw: f64, flexible_mw: f64, share: f64) -> f64 {
    let firm_mw = firm_mw.max(0.0);
    if share >= 1.0 {
        return firm_mw + flexible_mw;
    }
    // While share·s ≤ flexible_mw the firm part is (1 − share)·s.
    let s = firm_mw / (1.0 - share.max(0.0));
    if share.max(0.0) * s <= flexible_mw {
        s
    } else {
        firm_mw + flexible_mw
    }
}

/// `n choose k`, saturating.
fn choose(n: usize, k: usize) -> usize {
    if k > n {
        return 0;
    }
    let k = k.min(n - k);
    let mut value: usize = 1;
    for i in 0..k {
        value = value.saturating_mul(n - i) / (i + 1);
    }
    value
}

/// Calls `visit` with each k-subset of `0..n` in lexicographic order.
fn combinations(n: usize, k: usize, members: &mut Vec<usize>, visit: &mut dyn FnMut(&[usize])) {
    if members.len() == k {
        visit(members);
        return;
    }
    let start = members.last().map_or(0, |&m| m + 1);
    let left = k - members.len();
    // The last member may start at n − left (none when fewer than `left` are left).
    for j in start..(n + 1).saturating_sub(left) {
        members.push(j);
        combinations(n, k, members, visit);
        members.pop();
    }
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
    fn a_site_through_an_outage_carries_its_flexible_mw_on_top() {
        // No flexible share: the firm room is all.
        assert_eq!(most_mw_through_an_outage(120.0, 50.0, 0.0), 120.0);
        // A 20 % share with room enough: firm is 80 % of the site.
        assert!((most_mw_through_an_outage(80.0, 100.0, 0.2) - 100.0).abs() < 1e-9);
        // A 20 % share with 10 MW of flexible room: the site is its firm room plus 10.
        assert!((most_mw_through_an_outage(80.0, 10.0, 0.2) - 90.0).abs() < 1e-9);
        // A set whose largest feed is all its emergency room carries nothing firm.
        assert_eq!(most_mw_through_an_outage(-5.0, 0.0, 0.0), 0.0);
    }

    #[test]
    fn feed_sets_are_every_subset_once_and_the_front_drops_dominated_sets() {
        for (n, k) in [(5, 2), (7, 3), (4, 4), (3, 0)] {
            let mut seen = Vec::new();
            combinations(n, k, &mut Vec::new(), &mut |m| seen.push(m.to_vec()));
            assert_eq!(seen.len(), choose(n, k), "{n} choose {k}");
            assert!(
                seen.iter()
                    .all(|m| m.len() == k && m.windows(2).all(|w| w[0] < w[1]))
            );
            let unique: std::collections::BTreeSet<_> = seen.iter().collect();
            assert_eq!(unique.len(), seen.len());
        }
        assert_eq!(choose(48, 3), 17_296);
        // (USD, modules): a dearer set is kept only where it carries more.
        let front = undominated(vec![(5.0, 3), (4.0, 2), (6.0, 3), (9.0, 6), (4.0, 1)]);
        assert_eq!(front, vec![(4.0, 2), (5.0, 3), (9.0, 6)]);
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
