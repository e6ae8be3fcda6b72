//! Headroom over time and the queue (docs/profiles-and-queue.md, "Headroom over time and the queue", revision of
//! 2026-12-07): what a substation can host once its hourly load and the large loads already
//! counted are known.
//!
//! Takes a map (with `load_profiles.csv` and `loads.geojson` where it has them) and a scenario;
//! [`apply`] sets each substation's counted queue (`queued_mw`) and, where it has a profile, its
//! hosting capacities `L*` ([`Hosting`]) before screening and the program read them. The rules
//! the outputs report (a plan's curtailment, `hosting.csv`'s points) are here too, so that they
//! are the same arithmetic the program's bounds came from.
//!
//! For a profiled substation b the room for new load at hour h is
//! `avail(h) = share·max(0, room_b + peak_b − load_b(h)) + upgrade` with
//! `room_b = headroom − community_growth − queued`. A load of L MW is curtailed by
//! `max(0, L − avail(h))` in hour h, and may connect when both tests hold:
//! - energy: `E(L) = Σ_h w_h·max(0, L − avail(h)) ≤ q·L·W` (`q = max_curtailment_pct/100`,
//!   `W = Σ_h w_h`);
//! - hours: `H(L) = Σ_{h: avail(h) < L} w_h ≤ K` (`K = max_curtailment_hours`).
//!
//! **Why the allowed loads are the interval [0, L*] and [`hosting_mw`] finds its end.** Sort
//! the hours by `avail` ascending, `a_1 ≤ … ≤ a_n`, and group equal values. `f(L) = E(L) − qLW`
//! is convex and piecewise linear with `f(0) = 0` (every `a ≥ 0`); between consecutive
//! distinct values `a_g ≤ L ≤ a_{g+1}` it is `(C_g − qW)·L − S_g`, with `C_g`, `S_g` the sums
//! of `w` and `w·a` over the hours with `avail ≤ a_g`. Below `a_1` it is `−qWL ≤ 0`. A convex
//! function that is ≤ 0 at 0 is ≤ 0 on an interval from 0, and past the last value its slope is
//! `(1 − q)W > 0`, so the interval ends at the first root on the first segment with positive
//! slope whose root `S_g/(C_g − qW)` lies within it (a segment with slope ≤ 0 starts ≤ 0 and
//! stays so). With `q = 0` that root is `a_1` itself, taken exactly. `H` is a nondecreasing
//! step function that is left-continuous (at `L = a_g` the hours at `a_g` are not yet below
//! L), so `H(L) ≤ K` exactly for `L ≤` the first `a_g` whose cumulative weight `C_g` exceeds
//! K (no end when `W ≤ K`). `L*` is the smaller end. At the peak hour `avail` is the firm room,
//! where nothing is curtailed, so `L*` is at least the firm room; with the upgrade every
//! `avail` rises by `upgrade_mw`, so a load `L + upgrade_mw` sees the same curtailment as L
//! did, against a larger budget, and `L*` rises by at least `upgrade_mw`.

use rayon::prelude::*;

use crate::layers::{Hosting, LoadProfiles, Map, ProfileColumn, Substation};
use crate::scenario::Scenario;

/// The curtailment budgets `hosting.csv` reports `L*` at, in percent of the annual energy.
pub const HOSTING_BUDGETS_PCT: [f64; 4] = [0.25, 0.5, 1.0, 5.0];

/// Relative slack on sums of weights compared with the hours cap (rounding of the sum's order).
const WEIGHT_TOLERANCE: f64 = 1e-12;

/// A curtailment budget: the energy share (percent) and the hours (by weight) a new load may
/// be curtailed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    pub pct: f64,
    pub hours: f64,
}

impl Budget {
    /// The scenario's budget (`max_curtailment_pct`, `max_curtailment_hours`).
    pub fn of(scenario: &Scenario) -> Budget {
        Budget {
            pct: scenario.grid.max_curtailment_pct,
            hours: scenario.grid.max_curtailment_hours,
        }
    }
}

/// One profiled substation's room by hour: `avail(h) = share·max(0, base_mw − load(h)) +
/// upgrade_mw`, with `base_mw = room + peak`.
#[derive(Debug, Clone, Copy)]
pub struct HourlyRoom<'a> {
    profiles: &'a LoadProfiles,
    column: &'a ProfileColumn,
    share: f64,
    base_mw: f64,
    upgrade_mw: f64,
}

/// A plan's curtailment at one substation.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Curtailment {
    /// `Σ_h w_h·max(0, L − avail(h))`, MWh (no rescaling of the weights).
    pub mwh: f64,
    /// The weight of the hours with `avail(h) < L`.
    pub hours: f64,
    /// `100·mwh / (L·W)`; 0 without load.
    pub pct: f64,
}

impl<'a> HourlyRoom<'a> {
    /// Substation `s`'s room for the scenario, with its headroom raised by `extra_headroom_mw`
    /// and with or without its upgrade; None without a profile.
    pub fn of(
        map: &'a Map,
        scenario: &Scenario,
        s: &Substation,
        extra_headroom_mw: f64,
        upgraded: bool,
    ) -> Option<HourlyRoom<'a>> {
        let profiles = map.profiles.as_ref()?;
        let column = profiles.columns.get(s.profile?)?;
        let room_mw = s.headroom_mw + extra_headroom_mw - s.community_growth_mw - s.queued_mw;
        Some(HourlyRoom {
            profiles,
            column,
            share: scenario.grid.max_headroom_share,
            base_mw: room_mw + peak_mw(column),
            upgrade_mw: if upgraded { s.upgrade_mw } else { 0.0 },
        })
    }

    /// `avail` at row `r`.
    fn at(&self, r: usize) -> f64 {
        self.share * (self.base_mw - self.column.load_mw[r]).max(0.0) + self.upgrade_mw
    }

    /// The hours in ascending `avail`, grouped by equal values: (value, Σ w, Σ w·value).
    fn groups(&self) -> impl Iterator<Item = (f64, f64, f64)> + '_ {
        let order = &self.column.by_load;
        let weights = &self.profiles.weights;
        let mut k = 0;
        std::iter::from_fn(move || {
            let first = *order.get(k)? as usize;
            let a = self.at(first);
            let mut weight = 0.0;
            while let Some(&r) = order.get(k) {
                if self.at(r as usize) != a {
                    break;
                }
                weight += weights[r as usize];
                k += 1;
            }
            Some((a, weight, weight * a))
        })
    }

    /// `L*`: the most new load both tests allow under `budget` (see the module's proof).
    pub fn hosting_mw(&self, budget: Budget) -> f64 {
        let total_weight: f64 = self.profiles.weights.iter().sum();
        let q = budget.pct / 100.0;
        let mut groups = self.groups().peekable();
        let (mut cum_w, mut cum_wa) = (0.0, 0.0);
        let mut energy_end = f64::INFINITY;
        let mut hours_end = f64::INFINITY;
        while let Some((a, w, wa)) = groups.next() {
            cum_w += w;
            cum_wa += wa;
            // The weights are summed in another order than the user's total: a cap equal to
            // that total must not bind by rounding.
            if hours_end.is_infinite() && cum_w > budget.hours + WEIGHT_TOLERANCE * total_weight {
                hours_end = a;
            }
            let slope = cum_w - q * total_weight;
            if energy_end.is_infinite() && slope > 0.0 {
                let next = groups.peek().map_or(f64::INFINITY, |g| g.0);
                let root = if q == 0.0 { a } else { cum_wa / slope };
                if root <= next {
                    energy_end = root.max(a);
                }
            }
            // Either end found here bounds `L*`: the energy test allows every load up to this
            // group's value (else an earlier group would have ended it), and the hours end
            // found later would be a later, larger value.
            if energy_end.is_finite() || hours_end.is_finite() {
                break;
            }
        }
        energy_end.min(hours_end)
    }

    /// What a new load of `load_mw` here is curtailed.
    pub fn curtailment(&self, load_mw: f64) -> Curtailment {
        if load_mw <= 0.0 {
            return Curtailment::default();
        }
        let weights = &self.profiles.weights;
        let mut c = Curtailment::default();
        for (r, &w) in weights.iter().enumerate() {
            let short_mw = load_mw - self.at(r);
            if short_mw > 0.0 {
                c.mwh += w * short_mw;
                c.hours += w;
            }
        }
        let total_weight: f64 = weights.iter().sum();
        c.pct = 100.0 * c.mwh / (load_mw * total_weight);
        c
    }
}

/// `max_h load(h)` of a column (0 for an empty one).
fn peak_mw(column: &ProfileColumn) -> f64 {
    column
        .by_load
        .first()
        .map_or(0.0, |&r| column.load_mw[r as usize])
}

/// Sets each substation's counted queue and, with a profile, its hosting capacities for the
/// scenario.
pub fn apply(map: &mut Map, scenario: &Scenario) {
    let counted = scenario.grid.counted_statuses();
    for s in &mut map.substations {
        s.queued_mw = 0.0;
        s.hosting = None;
    }
    for load in &map.loads {
        if counted.contains(&load.status) {
            map.substations[load.substation].queued_mw += load.mw;
        }
    }
    let Some(profiles) = &map.profiles else {
        return;
    };
    let budget = Budget::of(scenario);
    let hosting: Vec<(usize, Hosting)> = (profiles.columns.par_iter())
        .map(|column| {
            let s = &map.substations[column.substation];
            let room = |upgraded| {
                HourlyRoom::of(map, scenario, s, 0.0, upgraded)
                    .map_or(0.0, |r| r.hosting_mw(budget))
            };
            let hosting = Hosting {
                peak_load_mw: peak_mw(column),
                load_mw: room(false),
                upgraded_load_mw: room(true),
            };
            (column.substation, hosting)
        })
        .collect();
    for (b, h) in hosting {
        map.substations[b].hosting = Some(h);
    }
}

/// One row of `hosting.csv`: a profiled substation's firm room and its `L*` at each of
/// [`HOSTING_BUDGETS_PCT`], under the scenario's hours cap and queue, without the upgrade.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HostingRow {
    pub substation_id: String,
    pub firm_mw: f64,
    pub mw_at_0_25_pct: f64,
    pub mw_at_0_5_pct: f64,
    pub mw_at_1_pct: f64,
    pub mw_at_5_pct: f64,
}

/// `hosting.csv`'s rows, in the profile file's column order.
pub fn hosting_rows(map: &Map, scenario: &Scenario) -> Vec<HostingRow> {
    let Some(profiles) = &map.profiles else {
        return Vec::new();
    };
    let hours = scenario.grid.max_curtailment_hours;
    (profiles.columns.par_iter())
        .filter_map(|column| {
            let s = &map.substations[column.substation];
            let room = HourlyRoom::of(map, scenario, s, 0.0, false)?;
            let at = |pct| room.hosting_mw(Budget { pct, hours });
            let [a, b, c, d] = HOSTING_BUDGETS_PCT.map(at);
            Some(HostingRow {
                substation_id: s.id.clone(),
                firm_mw: crate::costs::firm_capacity_mw(scenario, s),
                mw_at_0_25_pct: a,
                mw_at_0_5_pct: b,
                mw_at_1_pct: c,
                mw_at_5_pct: d,
            })
        })
        .collect()
}

/// What a plan's `load_mw` at substation `b` is curtailed, in the plan's upgrade state (zero
/// without a profile).
pub fn plan_curtailment(
    map: &Map,
    scenario: &Scenario,
    b: usize,
    load_mw: f64,
    upgraded: bool,
) -> Curtailment {
    let s = &map.substations[b];
    HourlyRoom::of(map, scenario, s, 0.0, upgraded)
        .map_or(Curtailment::default(), |room| room.curtailment(load_mw))
}

/// What a map says about time and the queue, as `gridsite check` reports it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Overview {
    /// Substations with a column in `load_profiles.csv`.
    pub profiled_substations: usize,
    /// Rows of `load_profiles.csv`, and the hours they stand for (Σ weight).
    pub profile_rows: usize,
    pub profile_hours: f64,
    /// Large loads by status (the contract's order): count and MW.
    pub loads_by_status: Vec<(crate::layers::QueueStatus, usize, f64)>,
    /// MW of the loads the scenario counts.
    pub queued_mw: f64,
}

impl Overview {
    /// The overview of a map prepared for a scenario ([`apply`] done).
    pub fn of(map: &Map) -> Overview {
        let mut overview = Overview::default();
        if let Some(p) = &map.profiles {
            overview.profiled_substations = p.columns.len();
            overview.profile_rows = p.hours.len();
            overview.profile_hours = p.weights.iter().sum();
        }
        for status in crate::layers::QueueStatus::ALL {
            let of_status = map.loads.iter().filter(|l| l.status == status);
            let (count, mw) = of_status.fold((0, 0.0), |(n, mw), l| (n + 1, mw + l.mw));
            if count > 0 {
                overview.loads_by_status.push((status, count, mw));
            }
        }
        overview.queued_mw = map.substations.iter().map(|s| s.queued_mw).sum();
        overview
    }
}
