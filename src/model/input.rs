//! What the model is built from: the scenario, the map and the candidates, with the figures
//! every constraint family shares (capacities, build costs, spacing pairs).

use crate::candidates::Candidate;
use crate::index::SpatialIndex;
use crate::layers::Map;
use crate::scenario::Scenario;

/// The model's inputs.
pub struct ModelInput<'a> {
    pub scenario: &'a Scenario,
    pub map: &'a Map,
    pub candidates: &'a [Candidate],
    /// Pairs of candidate indices (i < j) whose site points are closer than `min_spacing_km`.
    pub spacing_pairs: Vec<(usize, usize)>,
}

impl<'a> ModelInput<'a> {
    /// Gathers the inputs; the spacing pairs come from the parcel R-tree.
    pub fn new(
        scenario: &'a Scenario,
        map: &'a Map,
        index: &SpatialIndex,
        candidates: &'a [Candidate],
    ) -> Self {
        let mut candidate_of_parcel = vec![usize::MAX; map.parcels.len()];
        for (i, c) in candidates.iter().enumerate() {
            candidate_of_parcel[c.parcel] = i;
        }
        let min_spacing_km = scenario.site.min_spacing_km;
        let mut spacing_pairs = Vec::new();
        if min_spacing_km > 0.0 {
            for (i, c) in candidates.iter().enumerate() {
                for q in index.parcels_closer_than_km(c.parcel, min_spacing_km) {
                    let j = candidate_of_parcel[q];
                    if j != usize::MAX && i < j {
                        spacing_pairs.push((i, j));
                    }
                }
            }
        }
        ModelInput {
            scenario,
            map,
            candidates,
            spacing_pairs,
        }
    }

    /// Firm MW AI factories may take at a substation without its upgrade:
    /// `max_headroom_share·max(0, headroom_mw − community_growth_mw)`.
    pub fn firm_capacity_mw(&self, substation: usize) -> f64 {
        let s = &self.map.substations[substation];
        self.scenario.grid.max_headroom_share * (s.headroom_mw - s.community_growth_mw).max(0.0)
    }

    /// The cost of building on candidate `i` whatever its size: site, land and fiber lateral.
    pub fn build_usd(&self, i: usize) -> f64 {
        let c = &self.candidates[i];
        let parcel = &self.map.parcels[c.parcel];
        let costs = &self.scenario.costs;
        costs.site_fixed_usd
            + parcel.land_usd_per_acre * parcel.acres
            + costs.fiber_usd_per_km * c.fiber_km
    }
}
