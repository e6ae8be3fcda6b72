//! What the model is built from: the scenario, the map and the candidates, with the figures
//! every constraint family shares (capacities, build costs, spacing pairs).

use crate::candidates::Candidate;
use crate::grid::twin::Network;
use crate::index::SpatialIndex;
use crate::layers::Map;
use crate::scenario::Scenario;

use crate::grid::security::FlowRow;

/// The model's inputs.
pub struct ModelInput<'a> {
    pub scenario: &'a Scenario,
    pub map: &'a Map,
    /// The candidates the model chooses from: the screening's, less any `[solver]` reduction.
    pub candidates: Vec<Candidate>,
    /// Pairs of candidate indices (i < j) whose site points are closer than `min_spacing_km`.
    pub spacing_pairs: Vec<(usize, usize)>,
    /// Valid inequalities that tighten the program without changing its plans (the fast
    /// path's); None for the contract's program as written.
    pub strengthening: Option<Strengthening>,
    /// The map's network (empty without lines).
    pub network: &'a Network,
    /// The line rows the program holds (see [`crate::grid::security`]): all of them for the plain
    /// program, those found so far in the fast path's lazy loop.
    pub flow_rows: Vec<FlowRow>,
    /// With `min_feeds ≥ 2`: the substations whose outage block the program holds (see
    /// [`crate::grid::outages`]); None for every one, as the contract writes the program.
    pub outages: Option<std::collections::BTreeSet<usize>>,
    /// By substation, the most new load any plan can put there by the line rows' implied
    /// bounds ([`crate::grid::security::LoadBounds::tighten`]); None: only the substation's own
    /// capacity bounds it.
    pub load_caps_mw: Option<Vec<f64>>,
    /// What a question asks of the plan beyond the scenario (`explain`, alternatives).
    pub restrictions: Restrictions,
    /// A plan's integer choices, fixed: the program is then linear (no integer columns), and
    /// its duals price the plan's limits ([`FixedChoices`]).
    pub fixed: Option<FixedChoices>,
}

/// A plan's integer choices: every candidate of the input is built with these modules, every
/// feed option of the input is taken (the input holds only the plan's feeds), and exactly
/// these substations are upgraded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FixedChoices {
    /// By parcel: the site's modules.
    pub modules: std::collections::BTreeMap<usize, f64>,
    pub upgraded: std::collections::BTreeSet<usize>,
    /// A substation whose `headroom_mw` is one MW higher in this program (the value of that
    /// MW is the fall of the optimum).
    pub raised_headroom: Option<usize>,
}

/// Choices a question puts on the program beyond the scenario, by parcel index of the map:
/// parcels every plan must build, parcels no plan may build, and earlier plans (their sets of built parcels) from which a
/// plan must differ in at least one site. Empty: the contract's program.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Restrictions {
    pub must_build: std::collections::BTreeSet<usize>,
    pub must_not_build: std::collections::BTreeSet<usize>,
    pub differ_from: Vec<std::collections::BTreeSet<usize>>,
    /// At most this many burdened residents in the communities that host a site
    /// ([`crate::costs::burdened_residents`]): the `pareto burden` sweep's epsilon.
    pub max_burdened_residents: Option<f64>,
    /// At most this share of `total_mw` in any one community (tighter than the scenario's
    /// `max_share_per_community`): the `pareto spread` sweep's epsilon.
    pub max_community_share: Option<f64>,
    /// Only plans costing at most this many USD are wanted (`--alternatives --within`): the
    /// search reduces by it as by a plan's cost, and hands it to HiGHS as a cutoff
    /// ([`crate::solve::Limits::cutoff_usd`]), so it gives the optimum where that lies within
    /// the cap, and otherwise a costlier plan or none (then `infeasible` means "none within",
    /// and a bound it reports speaks of the plans within the cap; a costlier plan reported
    /// `optimal` says only that none lies within). The model holds no row for it.
    pub max_cost_usd: Option<f64>,
}

impl Restrictions {
    pub fn is_empty(&self) -> bool {
        self.must_build.is_empty()
            && self.must_not_build.is_empty()
            && self.differ_from.is_empty()
            && self.max_burdened_residents.is_none()
            && self.max_community_share.is_none()
            && self.max_cost_usd.is_none()
    }
}

/// Up to this many candidate pairs (8,192 candidates; about half a second), spacing pairs are
/// found by testing every pair.
const PAIRWISE_SPACING_MAX: usize = 1 << 26;

/// Rows every plan of the program satisfies, which its linear relaxation does not imply.
///
/// - `s_p ≤ site_mw[p]·build_p`, where `site_mw[p]` is the bound `mw_p` of
///   [`super::bounds`] (at most the candidate's `max_mw`, the module multiple below the
///   contract's size cap): every plan keeps a built site within it, and an unbuilt one at 0.
/// - `Σ_p build_p ≥ min_sites`, the fewest candidates whose `site_mw` reach `total_mw`
///   (largest first): a plan places `total_mw` on sites of at most `site_mw` each, so it
///   builds at least that many. The relaxation could otherwise build fractions of the
///   cheapest sites per MW; this row is what makes its bound close to the optimum.
#[derive(Debug, Clone, PartialEq)]
pub struct Strengthening {
    /// By candidate, in the input's order.
    pub site_mw: Vec<f64>,
    pub min_sites: Option<usize>,
}

impl Strengthening {
    /// The rows for candidates whose MW bounds are `site_mw`.
    pub fn new(site_mw: Vec<f64>, total_mw: f64) -> Strengthening {
        let mut largest = site_mw.clone();
        largest.sort_by(|a, b| b.total_cmp(a));
        let mut placed_mw = 0.0;
        let mut min_sites = None;
        for (k, mw) in largest.iter().enumerate() {
            placed_mw += mw;
            // A hair of slack: the MW are module multiples summed in floating point.
            if placed_mw >= total_mw - 1e-6 {
                min_sites = Some(k + 1);
                break;
            }
        }
        if total_mw <= 0.0 {
            min_sites = None;
        }
        Strengthening { site_mw, min_sites }
    }
}

impl<'a> ModelInput<'a> {
    /// Gathers the inputs; the spacing pairs come from the parcel R-tree.
    pub fn new(
        scenario: &'a Scenario,
        map: &'a Map,
        network: &'a Network,
        index: &SpatialIndex,
        screened: &[Candidate],
    ) -> Self {
        Self::with_candidates(
            scenario,
            map,
            network,
            index,
            user_reductions(screened, scenario, map),
        )
    }

    /// The inputs over exactly these candidates (and their feed options as given).
    pub fn with_candidates(
        scenario: &'a Scenario,
        map: &'a Map,
        network: &'a Network,
        index: &SpatialIndex,
        candidates: Vec<Candidate>,
    ) -> Self {
        let min_spacing_km = scenario.site.min_spacing_km;
        let mut spacing_pairs = Vec::new();
        if min_spacing_km > 0.0 && candidates.len().pow(2) <= PAIRWISE_SPACING_MAX {
            // Few candidates: every pair directly, the distance the R-tree search confirms
            // with (a wide spacing would make each search visit most of the region's parcels).
            for i in 0..candidates.len() {
                for j in i + 1..candidates.len() {
                    let km = index.parcel_distance_km(candidates[i].parcel, candidates[j].parcel);
                    if km < min_spacing_km {
                        spacing_pairs.push((i, j));
                    }
                }
            }
        } else if min_spacing_km > 0.0 {
            let mut candidate_of_parcel = vec![usize::MAX; map.parcels.len()];
            for (i, c) in candidates.iter().enumerate() {
                candidate_of_parcel[c.parcel] = i;
            }
            for (i, c) in candidates.iter().enumerate() {
                for q in index.parcels_closer_than_km(c.parcel, min_spacing_km) {
                    let j = candidate_of_parcel[q];
                    if j != usize::MAX && i < j {
                        spacing_pairs.push((i, j));
                    }
                }
            }
        }
        spacing_pairs.sort_unstable();
        ModelInput {
            scenario,
            map,
            candidates,
            spacing_pairs,
            strengthening: None,
            network,
            flow_rows: Vec::new(),
            outages: None,
            load_caps_mw: None,
            restrictions: Restrictions::default(),
            fixed: None,
        }
    }

    /// Firm MW AI factories may take at a substation without its upgrade:
    /// `max_headroom_share·max(0, headroom_mw − community_growth_mw)`.
    pub fn firm_capacity_mw(&self, substation: usize) -> f64 {
        crate::costs::firm_capacity_mw(self.scenario, &self.map.substations[substation])
    }

    /// The cost of building on candidate `i` whatever its size: site, land and fiber lateral.
    pub fn build_usd(&self, i: usize) -> f64 {
        super::bounds::build_usd(self.scenario, self.map, &self.candidates[i])
    }
}

/// The `[solver]` reductions a user may set (both off by default, when the model takes every
/// candidate and every substation in reach, and its optimum is exact).
pub fn user_reductions(screened: &[Candidate], scenario: &Scenario, map: &Map) -> Vec<Candidate> {
    let solver = &scenario.solver;
    let mut kept: Vec<Candidate> = screened.to_vec();
    if solver.max_feed_options > 0 {
        let options = solver.max_feed_options.max(scenario.site.min_feeds) as usize;
        for c in &mut kept {
            c.feeds.truncate(options);
        }
    }
    let limit = solver.max_candidates as usize;
    if limit > 0 && kept.len() > limit {
        let mut ranked: Vec<(f64, usize)> = kept
            .iter()
            .enumerate()
            .map(|(i, c)| (usd_per_mw_lower_bound(c, scenario, map), i))
            .collect();
        ranked.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut chosen: Vec<usize> = ranked[..limit].iter().map(|(_, i)| *i).collect();
        chosen.sort_unstable();
        kept = chosen.into_iter().map(|i| kept[i].clone()).collect();
    }
    kept
}

/// What a MW on this candidate costs at least: its site, land and fiber costs and its
/// `min_feeds` nearest feeds, spread over its maximum MW.
fn usd_per_mw_lower_bound(c: &Candidate, scenario: &Scenario, map: &Map) -> f64 {
    let parcel = &map.parcels[c.parcel];
    let feeds_km: f64 = c
        .feeds
        .iter()
        .take(scenario.site.min_feeds as usize)
        .map(|f| f.km)
        .sum();
    let usd = crate::costs::build_usd(scenario, parcel, c.fiber_km)
        + crate::costs::feed_usd(scenario, feeds_km);
    usd / c.max_mw.max(f64::MIN_POSITIVE)
}
