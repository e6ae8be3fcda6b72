//! The receptors layer: homes, schools, hospitals and protected areas.
//!
//! Takes the [`Layout`] and a [`ReceptorPlan`] (how many of each kind, from the
//! config); gives points on sampled lots (homes on residential lots, schools
//! and hospitals on residential or commercial ones) and star-shaped protected
//! patches on open space, with unique readable names, and streams
//! `receptors.geojson`.

use std::f64::consts::TAU;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::layers::ReceptorKind;

use super::layout::{Block, Layout};
use super::noise::salted;
use super::parcels::Parcel;
use super::writer::{GeoWriter, Props, open_feature, push_polygon, push_position};
use super::zoning::Zone;
use super::{SALT_RECEPTORS, SynthConfig, SynthError};

pub(super) struct ReceptorPlan {
    residential: usize,
    schools: usize,
    hospitals: usize,
    protected: usize,
}

impl ReceptorPlan {
    pub(super) fn new(cfg: &SynthConfig) -> Self {
        let total = cfg.receptor_count();
        let hospitals = (cfg.parcels / 10_000).max(1).min(total);
        let schools = (cfg.parcels / 2_000).max(2).min(total - hospitals);
        let protected = (cfg.parcels / 20_000)
            .max(3)
            .min(total - hospitals - schools);
        Self {
            residential: total - hospitals - schools - protected,
            schools,
            hospitals,
            protected,
        }
    }

    fn total(&self) -> usize {
        self.residential + self.schools + self.hospitals + self.protected
    }
}

fn residential_block(b: &Block) -> bool {
    b.zone == Zone::Residential
}

fn civic_block(b: &Block) -> bool {
    matches!(b.zone, Zone::Residential | Zone::Commercial)
}

fn open_space_block(b: &Block) -> bool {
    b.zone == Zone::OpenSpace
}

fn any_block(_: &Block) -> bool {
    true
}

/// Caches the lots of the last block asked for.
struct BlockCache {
    idx: usize,
    parcels: Vec<Parcel>,
}

impl BlockCache {
    fn parcel(&mut self, layout: &Layout, idx: usize, local: usize) -> Parcel {
        if self.idx != idx || self.parcels.is_empty() {
            layout.block_parcels(idx, &mut self.parcels);
            self.idx = idx;
        }
        self.parcels[local]
    }
}

impl Layout {
    /// Systematic sample of `k` lots among blocks passing `eligible`
    /// (weighted by lot count, spread evenly), visited in block order.
    /// Falls back to all blocks when none is eligible.
    fn for_each_pick(
        &self,
        eligible: fn(&Block) -> bool,
        k: usize,
        start: f64,
        visit: &mut dyn FnMut(usize, usize) -> Result<(), SynthError>,
    ) -> Result<(), SynthError> {
        let lots = |f: fn(&Block) -> bool| -> u64 {
            self.blocks
                .iter()
                .filter(|b| f(b))
                .map(|b| u64::from(b.count))
                .sum()
        };
        let eligible = if lots(eligible) == 0 {
            any_block
        } else {
            eligible
        };
        let total = lots(eligible);
        if total == 0 || k == 0 {
            return Ok(());
        }
        let step = total as f64 / k.max(1) as f64;
        let (mut m, mut cum) = (0, 0u64);
        for (idx, b) in self.blocks.iter().enumerate() {
            if b.count == 0 || !eligible(b) {
                continue;
            }
            let end = cum + u64::from(b.count);
            while m < k {
                let pos = (((m as f64 + start) * step) as u64).min(total - 1);
                if pos >= end {
                    break;
                }
                visit(idx, (pos - cum) as usize)?;
                m += 1;
            }
            cum = end;
        }
        Ok(())
    }
}

const PLACE_NAMES: [&str; 16] = [
    "Lincoln",
    "Roosevelt",
    "Jefferson",
    "Franklin",
    "Sequoia",
    "Madison",
    "Kennedy",
    "Redwood",
    "Mission",
    "Valley",
    "Hamilton",
    "Sierra",
    "Oak Ridge",
    "Riverview",
    "Cesar Chavez",
    "Parkside",
];
const SCHOOL_KINDS: [&str; 3] = ["Elementary School", "Middle School", "High School"];
const HOSPITAL_KINDS: [&str; 3] = ["Medical Center", "Community Hospital", "General Hospital"];
const NATURE_NAMES: [&str; 8] = [
    "Willow Creek",
    "Heron Marsh",
    "Blue Oak",
    "Cottonwood",
    "Vernal Pools",
    "Laguna",
    "Deer Creek",
    "Tule Slough",
];
const NATURE_KINDS: [&str; 4] = ["Wetland", "Preserve", "Nature Area", "Regional Park"];

/// Unique readable name number `k` from `names` x `kinds` (then numbered).
pub(super) fn unique_name(k: usize, names: &[&str], kinds: &[&str]) -> String {
    let combos = names.len() * kinds.len();
    let base = format!(
        "{} {}",
        names[k % names.len()],
        kinds[(k / names.len()) % kinds.len()]
    );
    if k < combos {
        base
    } else {
        format!("{base} {}", k / combos + 1)
    }
}

struct ReceptorWriter<'a, 'w> {
    layout: &'a Layout,
    w: &'a mut GeoWriter<'w>,
    rng: ChaCha8Rng,
    cache: BlockCache,
    next_id: usize,
}

impl ReceptorWriter<'_, '_> {
    fn point(&mut self, kind: &str, name: Option<&str>, p: (f64, f64)) -> Result<(), SynthError> {
        self.next_id += 1;
        let buf = self.w.begin();
        open_feature(buf, "Point");
        push_position(buf, &self.layout.proj, p);
        self.finish_props(kind, name)
    }

    fn polygon(&mut self, kind: &str, name: &str, ring: &[(f64, f64)]) -> Result<(), SynthError> {
        self.next_id += 1;
        let buf = self.w.begin();
        open_feature(buf, "Polygon");
        push_polygon(buf, &self.layout.proj, ring);
        self.finish_props(kind, Some(name))
    }

    fn finish_props(&mut self, kind: &str, name: Option<&str>) -> Result<(), SynthError> {
        let mut props = Props::open(&mut self.w.buf);
        props.id("id", b'R', self.next_id, 6);
        props.str("kind", kind);
        if let Some(name) = name {
            props.str("name", name);
        }
        props.close();
        self.w.commit()
    }

    /// Irregular star-shaped patch (wetland / park), counter-clockwise.
    fn blob(&mut self, center: (f64, f64), radius: f64) -> Vec<(f64, f64)> {
        let n = 10;
        (0..n)
            .map(|k| {
                let angle = (k as f64 + self.rng.random_range(-0.2..0.2)) * TAU / n as f64;
                let r = radius * self.rng.random_range(0.7..1.0);
                (center.0 + r * angle.cos(), center.1 + r * angle.sin())
            })
            .collect()
    }
}

pub(super) fn write_receptors(
    layout: &Layout,
    plan: &ReceptorPlan,
    w: &mut GeoWriter,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<(), SynthError> {
    progress("receptors", 0, plan.total());
    let mut rw = ReceptorWriter {
        layout,
        w,
        rng: ChaCha8Rng::seed_from_u64(salted(layout.seed, SALT_RECEPTORS)),
        cache: BlockCache {
            idx: usize::MAX,
            parcels: Vec::new(),
        },
        next_id: 0,
    };
    // Homes: a house somewhere on a residential lot.
    let start = rw.rng.random::<f64>();
    layout.for_each_pick(
        residential_block,
        plan.residential,
        start,
        &mut |idx, local| {
            let c = rw.cache.parcel(layout, idx, local).centroid;
            let p = (
                c.0 + rw.rng.random_range(-6.0..6.0),
                c.1 + rw.rng.random_range(-6.0..6.0),
            );
            rw.point(ReceptorKind::Residential.as_str(), None, p)
        },
    )?;
    let mut k = 0;
    let start = rw.rng.random::<f64>();
    layout.for_each_pick(civic_block, plan.schools, start, &mut |idx, local| {
        let c = rw.cache.parcel(layout, idx, local).centroid;
        k += 1;
        rw.point(
            ReceptorKind::School.as_str(),
            Some(&unique_name(k - 1, &PLACE_NAMES, &SCHOOL_KINDS)),
            c,
        )
    })?;
    let mut k = 0;
    let start = rw.rng.random::<f64>();
    layout.for_each_pick(civic_block, plan.hospitals, start, &mut |idx, local| {
        let c = rw.cache.parcel(layout, idx, local).centroid;
        k += 1;
        rw.point(
            ReceptorKind::Hospital.as_str(),
            Some(&unique_name(k - 1, &PLACE_NAMES, &HOSPITAL_KINDS)),
            c,
        )
    })?;
    let mut k = 0;
    let start = rw.rng.random::<f64>();
    layout.for_each_pick(
        open_space_block,
        plan.protected,
        start,
        &mut |idx, local| {
            let lot = rw.cache.parcel(layout, idx, local);
            let radius = (0.45 * lot.area_m2.sqrt()).clamp(40.0, 300.0);
            let ring = rw.blob(lot.centroid, radius);
            k += 1;
            rw.polygon(
                ReceptorKind::Protected.as_str(),
                &unique_name(k - 1, &NATURE_NAMES, &NATURE_KINDS),
                &ring,
            )
        },
    )?;
    progress("receptors", plan.total(), plan.total());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_names_combine_then_number() {
        assert_eq!(
            unique_name(0, &PLACE_NAMES, &SCHOOL_KINDS),
            "Lincoln Elementary School"
        );
        assert_eq!(
            unique_name(48, &PLACE_NAMES, &SCHOOL_KINDS),
            "Lincoln Elementary School 2"
        );
    }
}
