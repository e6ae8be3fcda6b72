//! The queue of large loads: `loads.geojson` (docs/profiles-and-queue.md, "Headroom over time and the queue"),
//! written by `gridsite synth --profiles`.
//!
//! Takes the [`Layout`], the substations' local positions (as drawn) and the substations as
//! written (read back, for their ids, `headroom_mw` and `community_growth_mw`); gives about one
//! large load per 5 substations (at least one), each a Point 200–1,200 m from its substation,
//! with properties in the order `id` (`L0001`, …), `substation`, `mw` (20–300, log-uniform,
//! one decimal), `status`, `name` and `in_service_year` (by status: operating 2016–2025,
//! construction 2026–2027, signed 2027–2029, study 2028–2031, withdrawn 2027–2030).
//!
//! Substations are drawn with weight `sqrt(headroom_mw)` (big loads go where the room is,
//! repeats allowed). Statuses are drawn 10 % operating, 25 % construction, 25 % signed, 30 %
//! study, 10 % withdrawn; a construction or signed load (the statuses a scenario counts by
//! default) is kept within 75 % of its substation's `headroom_mw − community_growth_mw`
//! together with the counted loads drawn there before it: it shrinks to fit when 20 MW or more
//! is left, and stays in study otherwise. So the default queue never takes a substation's
//! whole firm room, and the map stays usable.

use std::f64::consts::TAU;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::layers::{QueueStatus, Substation};

use super::layout::Layout;
use super::noise::salted;
use super::writer::{GeoWriter, Props, open_feature, push_position};
use super::{SALT_LOADS, SynthError};

/// One large load per this many substations.
const SUBSTATIONS_PER_LOAD: usize = 5;
const MIN_MW: f64 = 20.0;
const MAX_MW: f64 = 300.0;
/// The counted queue at a substation stays within this share of its room.
const COUNTED_SHARE: f64 = 0.75;
/// (status, weight, first and last in-service year).
const STATUSES: [(QueueStatus, f64, u32, u32); 5] = [
    (QueueStatus::Operating, 0.10, 2016, 2025),
    (QueueStatus::Construction, 0.25, 2026, 2027),
    (QueueStatus::Signed, 0.25, 2027, 2029),
    (QueueStatus::Study, 0.30, 2028, 2031),
    (QueueStatus::Withdrawn, 0.10, 2027, 2030),
];
/// What the loads are, for their names.
const KINDS: [&str; 5] = [
    "Data Center ",
    "Battery Plant ",
    "Chip Fab ",
    "Electrolyzer ",
    "Cold Storage ",
];

/// How many loads [`write_loads`] writes for `substations`.
pub(super) fn load_count(substations: usize) -> usize {
    ((substations + SUBSTATIONS_PER_LOAD / 2) / SUBSTATIONS_PER_LOAD).max(1)
}

/// Whether a scenario counts `status` by default (`queue_statuses`).
fn counted(status: QueueStatus) -> bool {
    matches!(status, QueueStatus::Construction | QueueStatus::Signed)
}

/// Streams `loads.geojson`; `positions[k]` is substation `subs[k]`'s point in local metres.
pub(super) fn write_loads(
    layout: &Layout,
    positions: &[(f64, f64)],
    subs: &[Substation],
    w: &mut GeoWriter,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<(), SynthError> {
    let count = load_count(subs.len());
    progress("loads", 0, count);
    let mut rng = ChaCha8Rng::seed_from_u64(salted(layout.seed, SALT_LOADS));
    let weights: Vec<f64> = subs.iter().map(|s| s.headroom_mw.max(0.0).sqrt()).collect();
    let total: f64 = weights.iter().sum();
    let mut queued = vec![0.0; subs.len()];
    for n in 1..=count {
        let b = pick(&weights, total, rng.random::<f64>());
        let mut mw = (MIN_MW * (MAX_MW / MIN_MW).powf(rng.random::<f64>()) * 10.0).round() / 10.0;
        let r = rng.random::<f64>();
        let mut status = STATUSES.len() - 1;
        let mut acc = 0.0;
        for (k, &(_, weight, _, _)) in STATUSES.iter().enumerate() {
            acc += weight;
            if r < acc {
                status = k;
                break;
            }
        }
        let fit = rng.random::<f64>();
        if counted(STATUSES[status].0) {
            let room = COUNTED_SHARE * (subs[b].headroom_mw - subs[b].community_growth_mw);
            let left = ((room - queued[b]) * 10.0).floor() / 10.0;
            if mw > left {
                if left >= MIN_MW {
                    mw = ((MIN_MW + fit * (left - MIN_MW)) * 10.0).floor() / 10.0;
                } else {
                    status = 3; // study
                }
            }
        }
        let (status, _, first, last) = STATUSES[status];
        if counted(status) {
            queued[b] += mw;
        }
        let year = rng.random_range(first..=last);
        let (angle, distance) = (TAU * rng.random::<f64>(), rng.random_range(200.0..1_200.0));
        let p = positions[b];
        let p = (p.0 + distance * angle.cos(), p.1 + distance * angle.sin());
        let kind = KINDS[rng.random_range(0..KINDS.len())];

        let buf = w.begin();
        open_feature(buf, "Point");
        push_position(buf, &layout.proj, p);
        let mut props = Props::open(buf);
        props.id("id", b'L', n, 4);
        props.str("substation", &subs[b].id);
        props.num("mw", mw, 1);
        props.str("status", status.as_str());
        props.str_num("name", kind, n);
        props.uint("in_service_year", year as u64);
        props.close();
        w.commit()?;
    }
    progress("loads", count, count);
    Ok(())
}

/// The index whose share of `total` covers `u` in [0, 1) (the last one on rounding; the
/// first when every weight is 0).
fn pick(weights: &[f64], total: f64, u: f64) -> usize {
    if total <= 0.0 {
        return 0;
    }
    let target = u * total;
    let mut acc = 0.0;
    for (k, &w) in weights.iter().enumerate() {
        acc += w;
        if target < acc {
            return k;
        }
    }
    weights.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_picks() {
        assert_eq!(load_count(1), 1);
        assert_eq!(load_count(40), 8);
        assert_eq!(load_count(200), 40);
        let w = [0.0, 1.0, 3.0];
        assert_eq!(pick(&w, 4.0, 0.0), 1);
        assert_eq!(pick(&w, 4.0, 0.3), 2);
        assert_eq!(pick(&w, 4.0, 0.999_999), 2);
        assert_eq!(pick(&[0.0, 0.0], 0.0, 0.5), 0);
        let total: f64 = STATUSES.iter().map(|s| s.1).sum();
        assert!((total - 1.0).abs() < 1e-12);
        assert_eq!(STATUSES[3].0, QueueStatus::Study);
    }
}
