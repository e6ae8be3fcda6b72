//! Zoning: the five zones, their lot sizes and prices, and how blocks get them.
//!
//! Takes the zone table ([`ZONES`]: parcel share, lot sizes, prices per zone)
//! and a [`Layout`] being planned (ground, downtown, corridors); gives each land
//! block a [`Zone`] (districts ranked on noise and city structure) and a lot
//! count, then moves the counts so the region holds exactly the parcels asked
//! for, each zone at its share, every block within its lot-size bounds.

use super::layout::{Block, Ground, Layout};
use super::noise::{dist, fbm, hash3, salted, unit};
use super::{ARTERIAL_EVERY, SALT_AG, SALT_COM, SALT_COUNT, SALT_IND, SALT_OS};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Zone {
    Residential,
    Commercial,
    Industrial,
    Agricultural,
    OpenSpace,
}

pub(super) struct ZoneSpec {
    pub(super) name: &'static str,
    /// Target share of all parcels.
    pub(super) count_share: f64,
    /// Typical lot size drawn per block (log-uniform), acres.
    draw_acres: (f64, f64),
    /// The lot count per block keeps the mean lot inside this range, acres.
    hard_acres: (f64, f64),
    pub(super) usd_per_acre: (f64, f64),
    /// How unequal lots in one block may be (0 = equal).
    pub(super) split_jitter: f64,
}

pub(super) const ZONES: [ZoneSpec; 5] = [
    ZoneSpec {
        name: "residential",
        count_share: 0.50,
        draw_acres: (2.0, 9.0),
        hard_acres: (1.2, 10.0),
        usd_per_acre: (400_000.0, 2_000_000.0),
        split_jitter: 0.35,
    },
    ZoneSpec {
        name: "commercial",
        count_share: 0.12,
        draw_acres: (3.0, 15.0),
        hard_acres: (2.0, 20.0),
        usd_per_acre: (300_000.0, 1_500_000.0),
        split_jitter: 0.35,
    },
    ZoneSpec {
        name: "industrial",
        count_share: 0.15,
        draw_acres: (50.0, 130.0),
        hard_acres: (48.0, 170.0),
        usd_per_acre: (150_000.0, 600_000.0),
        split_jitter: 0.12,
    },
    ZoneSpec {
        name: "agricultural",
        count_share: 0.15,
        draw_acres: (20.0, 90.0),
        hard_acres: (15.0, 150.0),
        usd_per_acre: (10_000.0, 40_000.0),
        split_jitter: 0.3,
    },
    ZoneSpec {
        name: "open_space",
        count_share: 0.08,
        draw_acres: (8.0, 40.0),
        hard_acres: (5.0, 150.0),
        usd_per_acre: (5_000.0, 60_000.0),
        split_jitter: 0.3,
    },
];

impl Zone {
    const ALL: [Zone; 5] = [
        Zone::Residential,
        Zone::Commercial,
        Zone::Industrial,
        Zone::Agricultural,
        Zone::OpenSpace,
    ];

    pub(super) fn spec(self) -> &'static ZoneSpec {
        &ZONES[self as usize]
    }
}

/// Expected lots per acre for a log-uniform lot size on `(a, b)`.
fn lots_per_acre((a, b): (f64, f64)) -> f64 {
    (1.0 / a - 1.0 / b) / (b / a).ln()
}

/// Share of land each zone needs so that parcel counts hit `count_share`.
fn zone_area_fractions() -> [f64; 5] {
    let weights = ZONES.map(|z| z.count_share / lots_per_acre(z.draw_acres));
    let total: f64 = weights.iter().sum();
    weights.map(|w| w / total)
}

/// Expected lots per acre over the whole zoning mix.
pub(super) fn mean_lots_per_acre() -> f64 {
    1.0 / ZONES
        .iter()
        .map(|z| z.count_share / lots_per_acre(z.draw_acres))
        .sum::<f64>()
}

impl Layout {
    fn zone_score(&self, zone: Zone, i: usize, j: usize, p: (f64, f64)) -> f64 {
        let d_city = dist(p, self.city);
        match zone {
            Zone::Commercial => {
                let on_v =
                    i.is_multiple_of(ARTERIAL_EVERY) || (i + 1).is_multiple_of(ARTERIAL_EVERY);
                let on_h =
                    j.is_multiple_of(ARTERIAL_EVERY) || (j + 1).is_multiple_of(ARTERIAL_EVERY);
                let arterial = match (on_v, on_h) {
                    (true, true) => 1.0,
                    (false, false) => 0.0,
                    _ => 0.4,
                };
                0.45 * (-d_city / (0.15 * self.reach + 1_500.0)).exp()
                    + 0.3 * arterial
                    + 0.25 * fbm(salted(self.seed, SALT_COM), p, 2_500.0)
            }
            Zone::Industrial => {
                0.45 * fbm(salted(self.seed, SALT_IND), p, 5_000.0)
                    + 0.35 * (-self.corridor_distance(p) / 2_500.0).exp()
                    + 0.2 * (-self.edge_distance(p) / 3_000.0).exp()
                    - 0.5 * (-d_city / 2_500.0).exp()
            }
            // Farmland on the fringe, but not on the corridors.
            Zone::Agricultural => {
                0.6 * d_city / self.reach + 0.4 * fbm(salted(self.seed, SALT_AG), p, 8_000.0)
                    - 0.3 * (-self.corridor_distance(p) / 2_500.0).exp()
            }
            Zone::OpenSpace | Zone::Residential => fbm(salted(self.seed, SALT_OS), p, 3_000.0),
        }
    }

    /// Districts: each zone takes the land blocks where its score is highest,
    /// as many as its area share asks for. Residential takes the rest.
    pub(super) fn assign_zones(&mut self) {
        let fractions = zone_area_fractions();
        let n_land = self
            .blocks
            .iter()
            .filter(|b| b.ground != Ground::Water)
            .count();
        // Port and old fill are industrial already; water is never zoned.
        let mut forced_industrial = 0;
        for b in &mut self.blocks {
            if matches!(b.ground, Ground::Port | Ground::Reclaimed) {
                b.zone = Zone::Industrial;
                forced_industrial += 1;
            }
        }
        let mut taken: Vec<bool> = self
            .blocks
            .iter()
            .map(|b| b.ground != Ground::Land)
            .collect();
        let order = [
            Zone::Commercial,
            Zone::Agricultural,
            Zone::Industrial,
            Zone::OpenSpace,
        ];
        for zone in order {
            let mut quota = (fractions[zone as usize] * n_land as f64).round() as usize;
            if zone == Zone::Industrial {
                quota = quota.saturating_sub(forced_industrial);
            }
            self.take_best(zone, quota, &mut taken);
        }
    }

    fn take_best(&mut self, zone: Zone, quota: usize, taken: &mut [bool]) {
        let mut scored: Vec<(f64, u32)> = Vec::new();
        for (k, &t) in taken.iter().enumerate() {
            if !t {
                let (i, j) = (k % self.nx, k / self.nx);
                let p = self.frame(i, j).center();
                scored.push((self.zone_score(zone, i, j, p), k as u32));
            }
        }
        if quota == 0 || scored.is_empty() {
            return;
        }
        // Highest score first; the index breaks ties so the pick is unique.
        let by_rank = |a: &(f64, u32), b: &(f64, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        if quota < scored.len() {
            scored.select_nth_unstable_by(quota - 1, by_rank);
            scored.truncate(quota);
        }
        for &(_, k) in &scored {
            taken[k as usize] = true;
            self.blocks[k as usize].zone = zone;
        }
    }

    /// Lots per block: block area over a lot size drawn for the zone
    /// (residential lots are smaller downtown).
    pub(super) fn draw_counts(&mut self) {
        let salt = salted(self.seed, SALT_COUNT);
        for k in 0..self.blocks.len() {
            let block = self.blocks[k];
            if block.ground == Ground::Water {
                continue;
            }
            let frame = self.frame(k % self.nx, k / self.nx);
            let acres = frame.acres();
            let u = unit(hash3(salt, k as u64, 0));
            let spec = block.zone.spec();
            let t = if block.zone == Zone::Residential {
                let far = 1.0 - self.centrality(frame.center());
                (0.55 * u + 0.45 * far).clamp(0.0, 1.0)
            } else {
                u
            };
            let (a, b) = spec.draw_acres;
            let size = (a.ln() + t * (b / a).ln()).exp();
            let cap = f64::from(u16::MAX);
            let lo = (acres / spec.hard_acres.1).ceil().clamp(1.0, cap);
            let hi = (acres / spec.hard_acres.0).floor().clamp(lo, cap);
            let b = &mut self.blocks[k];
            b.count = (acres / size).round().clamp(lo, hi) as u16;
            (b.min, b.max) = (lo as u16, hi as u16);
        }
    }

    pub(super) fn total_count(&self) -> u64 {
        self.blocks.iter().map(|b| u64::from(b.count)).sum()
    }

    /// Sums of (min, max) lots over the blocks passing `pick`.
    pub(super) fn count_bounds(&self, pick: impl Fn(&Block) -> bool) -> (u64, u64) {
        self.blocks
            .iter()
            .filter(|b| b.ground != Ground::Water && pick(b))
            .fold((0, 0), |(lo, hi), b| {
                (lo + u64::from(b.min), hi + u64::from(b.max))
            })
    }

    /// Moves lot counts to exactly `target`, each zone to its share of it,
    /// every block staying within its size bounds.
    pub(super) fn fit_counts(&mut self, target: u64) {
        match self.zone_targets(target) {
            Some(targets) => {
                for zone in Zone::ALL {
                    self.retarget_zone(zone, targets[zone as usize]);
                }
            }
            // Tiny regions: even the biggest lots give too many; leave some
            // blocks vacant.
            None => self.rescale_all(target),
        }
    }

    /// Per-zone lot targets: shares of `target`, clamped to what each zone's
    /// blocks can hold, remainder handed to zones with room.
    fn zone_targets(&self, target: u64) -> Option<[u64; 5]> {
        let bounds = Zone::ALL.map(|z| self.count_bounds(|b| b.zone == z));
        let mut cum = 0.0;
        let mut prev = 0u64;
        let mut out = [0u64; 5];
        for zone in Zone::ALL {
            cum += zone.spec().count_share;
            let now = (cum * target as f64).round() as u64;
            let (lo, hi) = bounds[zone as usize];
            out[zone as usize] = now.saturating_sub(prev).clamp(lo, hi);
            prev = now;
        }
        let mut sum: u64 = out.iter().sum();
        for zone in Zone::ALL {
            let (lo, hi) = bounds[zone as usize];
            let t = &mut out[zone as usize];
            if sum < target {
                let add = (target - sum).min(hi - *t);
                *t += add;
                sum += add;
            } else {
                let cut = (sum - target).min(*t - lo);
                *t -= cut;
                sum -= cut;
            }
        }
        (sum == target).then_some(out)
    }

    /// Spreads the change over the zone's blocks in proportion to each
    /// block's slack (cumulative rounding keeps the sum exact).
    fn retarget_zone(&mut self, zone: Zone, target: u64) {
        let in_zone = |b: &Block| b.ground != Ground::Water && b.zone == zone;
        let current: u64 = self
            .blocks
            .iter()
            .filter(|b| in_zone(b))
            .map(|b| u64::from(b.count))
            .sum();
        let shrink = target < current;
        let slack = |b: &Block| {
            u64::from(if shrink {
                b.count - b.min
            } else {
                b.max - b.count
            })
        };
        let total_slack: u64 = self.blocks.iter().filter(|b| in_zone(b)).map(slack).sum();
        let delta = current.abs_diff(target);
        if delta == 0 || total_slack == 0 {
            return;
        }
        let (mut cum, mut prev) = (0u64, 0u64);
        for b in self.blocks.iter_mut().filter(|b| in_zone(b)) {
            cum += slack(b);
            let now = cum * delta / total_slack;
            let step = (now - prev) as u16;
            prev = now;
            if shrink {
                b.count -= step;
            } else {
                b.count += step;
            }
        }
    }

    /// Proportional rescale of all blocks to `target` lots (some may become
    /// vacant).
    fn rescale_all(&mut self, target: u64) {
        let old_total = self.total_count();
        if old_total == 0 {
            return;
        }
        let (mut cum_old, mut prev_new) = (0u64, 0u64);
        for b in &mut self.blocks {
            cum_old += u64::from(b.count);
            let cum_new = cum_old * target / old_total;
            b.count = (cum_new - prev_new) as u16;
            prev_new = cum_new;
        }
    }
}
