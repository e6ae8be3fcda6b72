//! Land over a real area (for `gridsite import`).
//!
//! Takes a [`LandConfig`] (seed, downtown, half extent); gives a [`Land`]: the
//! suburban city of [`generate`](super::generate) laid over that square,
//! nothing written. Its lots are sampled and rebuilt on demand as
//! [`LandParcel`]s (WGS84, 7 decimals), and its receptors and communities come
//! as in-memory GeoJSON, byte for byte what `generate` would write.

use super::communities::write_communities;
use super::layout::Layout;
use super::noise::{hash3, salted};
use super::receptors::{ReceptorPlan, write_receptors};
use super::writer::write_memory;
use super::{BLOCK_M, MAX_FEATURES, SynthConfig, SynthError, invalid, validate};

/// Where to generate land for a real region: a square of street blocks (the suburban
/// profile) whose downtown sits at `center_lon`, `center_lat` and which reaches at least
/// `half_extent_m` from it east, west, north and south.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LandConfig {
    /// Same seed and extent give the same lots.
    pub seed: u64,
    /// Longitude of downtown, degrees.
    pub center_lon: f64,
    /// Latitude of downtown, degrees (within ±85).
    pub center_lat: f64,
    /// Half the side of the square region, metres (at least one block).
    pub half_extent_m: f64,
}

/// A generated lot in WGS84: its ring closed and counter-clockwise, coordinates rounded to
/// 7 decimals (what a map file holds, so tests on it hold on the file too).
#[derive(Debug, Clone, PartialEq)]
pub struct LandParcel {
    pub ring: Vec<(f64, f64)>,
    pub zoning: &'static str,
    pub land_usd_per_acre: u64,
    pub brownfield: bool,
    pub water_stress: f64,
}

/// The synthetic city laid over a real area: every lot, receptor and community the
/// generator would write for a region that size, rebuilt on demand (nothing is written).
pub struct Land {
    layout: Layout,
    lots: usize,
}

/// Stream of the sampling order of lots (independent of the other streams).
const SALT_SAMPLE: u64 = 0x14;

impl Land {
    /// Lays out the blocks; the lot count follows from the area (about 10 lots a block).
    pub fn new(config: &LandConfig) -> Result<Self, SynthError> {
        let mut cfg = SynthConfig::new(config.seed, 1, 1);
        cfg.center_lon = config.center_lon;
        cfg.center_lat = config.center_lat;
        validate(&cfg)?;
        if !config.half_extent_m.is_finite() || config.half_extent_m <= 0.0 {
            return Err(invalid(
                "half_extent_m",
                format!("must be a positive distance, got {}", config.half_extent_m),
            ));
        }
        let side = (2.0 * config.half_extent_m / BLOCK_M).ceil().max(1.0);
        if side * side > MAX_FEATURES as f64 / 10.0 {
            return Err(invalid(
                "half_extent_m",
                format!(
                    "a region {:.0} km across is too large",
                    side * BLOCK_M / 1e3
                ),
            ));
        }
        let layout = Layout::plan(&cfg, side as usize);
        layout.check_bounds()?;
        let lots = layout.total_count() as usize;
        Ok(Self { layout, lots })
    }

    /// Lots of the whole square region.
    pub fn lot_count(&self) -> usize {
        self.lots
    }

    /// A seeded random sample of `count` lots among those `keep` accepts (for example, those
    /// inside a boundary): lots are visited in an order drawn from the seed, each rebuilt
    /// with its attributes, until `count` are kept. Gives them in block order (spatially
    /// coherent), fewer when fewer are accepted.
    pub fn sample_parcels(
        &self,
        count: usize,
        keep: &mut dyn FnMut(&LandParcel) -> bool,
    ) -> Vec<LandParcel> {
        let layout = &self.layout;
        let salt = salted(layout.seed, SALT_SAMPLE);
        let mut order: Vec<(u64, u32, u16)> = Vec::with_capacity(self.lots);
        for (idx, block) in layout.blocks.iter().enumerate() {
            for local in 0..block.count {
                let key = hash3(salt, idx as u64, u64::from(local));
                order.push((key, idx as u32, local));
            }
        }
        order.sort_unstable();
        let mut kept = Vec::with_capacity(count.min(order.len()));
        let mut cached: (usize, Vec<LandParcel>) = (usize::MAX, Vec::new());
        for &(_, idx, local) in &order {
            if kept.len() >= count {
                break;
            }
            let idx = idx as usize;
            if cached.0 != idx {
                cached = (idx, self.block_lots(idx));
            }
            if let Some(lot) = cached.1.get(usize::from(local))
                && keep(lot)
            {
                kept.push(((idx, local), lot.clone()));
            }
        }
        kept.sort_unstable_by_key(|(at, _)| *at);
        kept.into_iter().map(|(_, lot)| lot).collect()
    }

    /// The lots of one block with their attributes, drawn as [`generate`](super::generate)
    /// draws them.
    fn block_lots(&self, idx: usize) -> Vec<LandParcel> {
        let layout = &self.layout;
        let block = layout.blocks[idx];
        let mut parcels = Vec::new();
        let mut rng = layout.block_parcels(idx, &mut parcels);
        let round7 = crate::files::round7;
        parcels
            .iter()
            .map(|p| {
                let land_usd_per_acre = layout.land_price(block.zone, p.centroid, &mut rng);
                let brownfield = layout.brownfield(block, p.centroid, &mut rng);
                let mut ring: Vec<(f64, f64)> = p
                    .ring
                    .iter()
                    .map(|&(x, y)| (round7(layout.proj.lon(x)), round7(layout.proj.lat(y))))
                    .collect();
                ring.push(ring[0]);
                LandParcel {
                    ring,
                    zoning: block.zone.spec().name,
                    land_usd_per_acre,
                    brownfield,
                    water_stress: (layout.water_stress(p.centroid) * 100.0).round() / 100.0,
                }
            })
            .collect()
    }

    /// The receptors of the whole region (about one per 10 lots: homes, schools, hospitals,
    /// protected areas) as the GeoJSON FeatureCollection [`generate`](super::generate) writes.
    pub fn receptors_geojson(&self) -> Result<Vec<u8>, SynthError> {
        let mut cfg = SynthConfig::new(self.layout.seed, self.lots.max(1), 1);
        cfg.center_lon = self.layout.proj.lon0;
        cfg.center_lat = self.layout.proj.lat0;
        let plan = ReceptorPlan::new(&cfg);
        write_memory(|w| write_receptors(&self.layout, &plan, w, &mut |_, _, _| {}))
    }

    /// The communities of the whole region (about one per 400 lots, rectangles with
    /// population and burden) as the GeoJSON FeatureCollection
    /// [`generate`](super::generate) writes.
    pub fn communities_geojson(&self) -> Result<Vec<u8>, SynthError> {
        let lots = self.lots.max(1);
        write_memory(|w| write_communities(&self.layout, lots, w, &mut |_, _, _| {}))
    }
}
