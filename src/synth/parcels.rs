//! The parcels layer: convex lots cut from each block, with their attributes.
//!
//! Takes the [`Layout`]; gives each block's lots (rebuilt on demand from a
//! per-block `ChaCha8Rng`, so any block can be redrawn alone), their land price,
//! brownfield flag and water stress, and streams `parcels.geojson` block by
//! block.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::layout::{Block, Ground, Layout};
use super::noise::{fbm, hash3, ring_area_centroid, salted};
use super::writer::{GeoWriter, Props, open_feature, push_polygon};
use super::zoning::Zone;
use super::{
    BLOCK_M, LOT_GAP_M, PROGRESS_EVERY, Profile, SALT_PARCELS, SALT_VALUE, SALT_WATER, SynthError,
};

#[derive(Debug, Clone, Copy)]
pub(super) struct Parcel {
    pub(super) ring: [(f64, f64); 4],
    pub(super) centroid: (f64, f64),
    pub(super) area_m2: f64,
}

/// Per-block stream: any block can be rebuilt without the ones before it.
fn block_rng(seed: u64, idx: usize) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(hash3(salted(seed, SALT_PARCELS), idx as u64, 0))
}

/// Cut points 0 = c0 < c1 < ... < cn = 1, each nudged by up to jitter/2 of a
/// share, so neighbours never cross.
fn cuts(rng: &mut ChaCha8Rng, n: usize, jitter: f64, out: &mut Vec<f64>) {
    out.clear();
    out.push(0.0);
    for m in 1..n {
        let nudge = (rng.random::<f64>() - 0.5) * jitter / n as f64;
        out.push(m as f64 / n as f64 + nudge);
    }
    out.push(1.0);
}

impl Layout {
    /// Lots of block `idx` as strips of side-by-side lots (about twice as
    /// deep as wide). Returns the block's RNG, positioned after the geometry
    /// draws, for the attribute draws.
    pub(super) fn block_parcels(&self, idx: usize, out: &mut Vec<Parcel>) -> ChaCha8Rng {
        let mut rng = block_rng(self.seed, idx);
        out.clear();
        let block = self.blocks[idx];
        let n = usize::from(block.count);
        if n == 0 {
            return rng;
        }
        let frame = self.frame(idx % self.nx, idx / self.nx);
        let jitter = block.zone.spec().split_jitter;
        let strips = ((n as f64 / 2.0).sqrt().round() as usize).clamp(1, n);
        let swap = rng.random_bool(0.5);
        let (mut across, mut along) = (Vec::new(), Vec::new());
        cuts(&mut rng, strips, jitter, &mut across);
        let gap = LOT_GAP_M / BLOCK_M;
        for s in 0..strips {
            let lots = n / strips + usize::from(s < n % strips);
            cuts(&mut rng, lots, jitter, &mut along);
            let b = (across[s] + gap, across[s + 1] - gap);
            for a in along.windows(2) {
                let a = (a[0] + gap, a[1] - gap);
                let ring = if swap {
                    frame.rect(b, a)
                } else {
                    frame.rect(a, b)
                };
                let (area_m2, centroid) = ring_area_centroid(&ring);
                out.push(Parcel {
                    ring,
                    centroid,
                    area_m2,
                });
            }
        }
        rng
    }

    pub(super) fn land_price(&self, zone: Zone, p: (f64, f64), rng: &mut ChaCha8Rng) -> u64 {
        let (lo, hi) = zone.spec().usd_per_acre;
        // Urban land prices follow distance to downtown; farm and open land
        // mostly follow soil and access (the noise field).
        let urban = match zone {
            Zone::Agricultural | Zone::OpenSpace => 0.3,
            _ => 0.65,
        };
        let noise =
            ((fbm(salted(self.seed, SALT_VALUE), p, 6_000.0) - 0.5) * 1.8 + 0.5).clamp(0.0, 1.0);
        let mut t = urban * self.centrality(p) + (0.9 - urban) * noise + 0.10 * rng.random::<f64>();
        if let (Profile::Coastal, Zone::Residential) = (self.profile, zone) {
            // Waterfront premium.
            t += 0.15 * (-(p.0 - self.coast_x(p.1)).max(0.0) / 1_500.0).exp();
        }
        let usd = lo * (hi / lo).powf(t.clamp(0.0, 1.0));
        (usd / 100.0).round() as u64 * 100
    }

    /// 0-5 smooth field. Suburban: drier to the south-east; coastal: wetter
    /// near the shore.
    pub(super) fn water_stress(&self, p: (f64, f64)) -> f64 {
        let noise = fbm(salted(self.seed, SALT_WATER), p, 20_000.0);
        let (w, h) = (self.width(), self.height());
        let trend = match self.profile {
            Profile::Suburban => 0.6 * p.0 / w + 0.4 * (1.0 - p.1 / h),
            Profile::Coastal => ((p.0 - self.coast_x(p.1)) / (0.6 * w)).clamp(0.0, 1.0),
        };
        let base = 0.5 * noise + 0.5 * trend;
        5.0 * ((base - 0.5) * 1.6 + 0.5).clamp(0.0, 1.0)
    }

    pub(super) fn brownfield(&self, block: Block, p: (f64, f64), rng: &mut ChaCha8Rng) -> bool {
        let draw = rng.random::<f64>();
        if block.zone != Zone::Industrial {
            return false;
        }
        let share = match block.ground {
            Ground::Port => 1.0,
            Ground::Reclaimed => 0.65,
            // Older industry sits closer to downtown.
            _ => 0.12 + 0.35 * self.centrality(p),
        };
        draw < share
    }
}

pub(super) fn write_parcels(
    layout: &Layout,
    w: &mut GeoWriter,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<(), SynthError> {
    let total = layout.total_count() as usize;
    progress("parcels", 0, total);
    let mut parcels = Vec::with_capacity(256);
    let mut done = 0;
    for (idx, &block) in layout.blocks.iter().enumerate() {
        if block.count == 0 {
            continue;
        }
        let mut rng = layout.block_parcels(idx, &mut parcels);
        for p in &parcels {
            let usd = layout.land_price(block.zone, p.centroid, &mut rng);
            let brownfield = layout.brownfield(block, p.centroid, &mut rng);
            let buf = w.begin();
            open_feature(buf, "Polygon");
            push_polygon(buf, &layout.proj, &p.ring);
            let mut props = Props::open(buf);
            props.id("id", b'P', done + 1, 6);
            props.str("zoning", block.zone.spec().name);
            props.uint("land_usd_per_acre", usd);
            props.bool("brownfield", brownfield);
            props.num("water_stress", layout.water_stress(p.centroid), 2);
            props.close();
            w.commit()?;
            done += 1;
            if done % PROGRESS_EVERY == 0 {
                progress("parcels", done, total);
            }
        }
    }
    if done % PROGRESS_EVERY != 0 {
        progress("parcels", done, total);
    }
    Ok(())
}
