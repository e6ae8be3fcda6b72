//! The charts' figures against the hosting rules, and the downsampling.

use std::path::Path;

use geo::Point;

use super::*;
use crate::layers::Map;

fn substation(headroom_mw: f64, upgrade_mw: f64) -> Substation {
    Substation {
        id: "S".into(),
        name: None,
        point: Point::new(0.0, 0.0),
        voltage_kv: 115.0,
        headroom_mw,
        flexible_mw: 0.0,
        community_growth_mw: 10.0,
        upgrade_mw,
        upgrade_usd: 0.0,
        supply_share: 0.0,
        profile: Some(0),
        queued_mw: 15.0,
        hosting: None,
    }
}

fn profiles(loads: Vec<f64>, weights: Vec<f64>) -> LoadProfiles {
    let mut by_load: Vec<u32> = (0..loads.len() as u32).collect();
    by_load.sort_by(|&a, &b| loads[b as usize].total_cmp(&loads[a as usize]));
    LoadProfiles {
        hours: (0..loads.len()).map(|h| h.to_string()).collect(),
        weights,
        columns: vec![ProfileColumn {
            substation: 0,
            load_mw: loads,
            by_load,
        }],
    }
}

fn scenario(share: f64) -> Scenario {
    let text = format!(
        "name = \"t\"\nmap = \"m\"\n[target]\ntotal_mw = 100\n[grid]\nmax_headroom_share = {share}\nflexible_share = 0.5\nmax_curtailment_pct = 2.0\n"
    );
    Scenario::parse(&text, Path::new("t.toml")).unwrap()
}

/// A year of varied load: a daily and a seasonal swing, deterministic.
fn year(n: usize) -> Vec<f64> {
    (0..n)
        .map(|h| {
            let day = (h % 24) as f64 / 24.0 * std::f64::consts::TAU;
            let season = h as f64 / n as f64 * std::f64::consts::TAU;
            (80.0 + 40.0 * day.sin() + 30.0 * season.cos() + (h * 7919 % 13) as f64).max(0.0)
        })
        .collect()
}

/// The chart's room is the library's: the hours and MWh it shades are the plan's
/// curtailment, in both upgrade states and for shares below and at 1.
#[test]
fn the_shaded_hours_are_the_curtailed_hours() {
    for (share, upgraded, n) in [(0.8, false, 48), (1.0, true, 48), (0.8, true, 8760)] {
        let loads = year(n);
        let weights: Vec<f64> = (0..n).map(|h| 1.0 + (h % 3) as f64).collect();
        let map = Map {
            substations: vec![substation(150.0, 40.0)],
            profiles: Some(profiles(loads.clone(), weights.clone())),
            ..Map::default()
        };
        let scenario = scenario(share);
        let s = &map.substations[0];
        let hourly = HourlyRoom::of(&map, &scenario, s, 0.0, upgraded).unwrap();
        let column = &map.profiles.as_ref().unwrap().columns[0];
        let peak = loads.iter().copied().fold(0.0, f64::max);
        let room = Room::of(&scenario, s, peak, upgraded);
        assert!(
            (room.avail(peak) - crate::costs::available_mw(&scenario, s, upgraded)).abs() < 1e-9
        );
        for load_mw in [10.0, 120.0, 160.0, 200.0, 260.0] {
            let expected = hourly.curtailment(load_mw);
            let (mut hours, mut mwh) = (0.0, 0.0);
            for (&l, &w) in loads.iter().zip(&weights) {
                if load_mw > room.avail(l) {
                    hours += w;
                    mwh += w * (l + load_mw - room.limit(l));
                }
            }
            assert_eq!(hours, expected.hours, "share {share} load {load_mw}");
            assert!((mwh - expected.mwh).abs() <= 1e-6 * expected.mwh.max(1.0));
            let p = profiles(loads.clone(), weights.clone());
            let curve = duration_curve(&p, column, &room, load_mw);
            assert!(curve.len() <= MAX_CURVE_POINTS, "{}", curve.len());
            let shaded_rows = curve.iter().filter(|v| v.curtailed).count();
            assert_eq!(shaded_rows > 0, expected.hours > 0.0);
        }
    }
}

/// Downsampling keeps the peak, the top hours exactly, both ends, the curtailment's edge,
/// and at most [`MAX_CURVE_POINTS`] vertices; a short curve is kept whole.
#[test]
fn downsampling_keeps_the_top_and_the_ends() {
    let n = 8760;
    let loads = year(n);
    let weights = vec![1.0; n];
    let p = profiles(loads.clone(), weights);
    let column = &p.columns[0];
    let room = Room {
        share: 1.0,
        base_mw: 170.0,
        upgrade_mw: 0.0,
    };
    let load_mw = 40.0;
    let curve = duration_curve(&p, column, &room, load_mw);
    assert!(curve.len() <= MAX_CURVE_POINTS && curve.len() > 300);
    let peak = loads.iter().copied().fold(0.0, f64::max);
    assert_eq!(curve[0].load_mw, peak);
    assert_eq!(curve[0].hours, 0.0);
    assert_eq!(curve.last().unwrap().hours, n as f64);
    let lowest = loads.iter().copied().fold(f64::INFINITY, f64::min);
    assert_eq!(curve.last().unwrap().load_mw, lowest);
    for (k, v) in curve.iter().take(2 * HEAD_ROWS).enumerate() {
        assert_eq!(v.hours, k.div_ceil(2) as f64);
        assert_eq!(v.load_mw, loads[column.by_load[k / 2] as usize]);
    }
    // Curtailed: the hours whose load exceeds 130 MW; the edge is kept exactly.
    let curtailed = loads.iter().filter(|&&l| l + load_mw > 170.0).count();
    assert!(curtailed > HEAD_ROWS, "{curtailed}");
    assert!(
        curve
            .iter()
            .any(|v| v.curtailed && v.hours == curtailed as f64)
    );
    assert!(
        curve
            .iter()
            .any(|v| !v.curtailed && v.hours == curtailed as f64)
    );
    assert!(
        curve
            .windows(2)
            .all(|w| w[0].hours <= w[1].hours && w[0].load_mw >= w[1].load_mw)
    );
    let same = duration_curve(&p, column, &room, load_mw);
    assert_eq!(curve, same);

    let short = profiles(year(48), vec![2.0; 48]);
    let curve = duration_curve(&short, &short.columns[0], &room, load_mw);
    assert_eq!(curve.len(), 96);
}
