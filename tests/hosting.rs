//! Headroom over time and the queue (DESIGN.md, "Headroom over time and the queue"): the
//! hosting capacity `L*` against the tests' own definitions, checked on a fine sweep of loads
//! (random profiles, weights, upgrades, ties, hours caps); the plan's curtailment recomputed
//! here; and every bad input the contract names.

#[path = "common/rng.rs"]
mod rng;

use std::path::{Path, PathBuf};

use gridsite::hosting::{Budget, HourlyRoom};
use gridsite::layers::{LoadProfiles, Map, Substation};
use gridsite::scenario::Scenario;
use rng::Rng;
use serde_json::{Value, json};

/// The contract's room at each hour, written from its text.
fn avail(s: &Substation, queued: f64, share: f64, load: &[f64], upgraded: bool) -> Vec<f64> {
    let peak = load.iter().copied().fold(0.0, f64::max);
    let up = if upgraded { s.upgrade_mw } else { 0.0 };
    (load.iter())
        .map(|l| share * (s.headroom_mw - s.community_growth_mw - queued + peak - l).max(0.0) + up)
        .collect()
}

/// Whether a load of `l` MW passes both tests.
fn allowed(l: f64, avail: &[f64], weights: &[f64], pct: f64, hours: f64) -> bool {
    let w_total: f64 = weights.iter().sum();
    let energy: f64 = (avail.iter().zip(weights))
        .map(|(a, w)| w * (l - a).max(0.0))
        .sum();
    let curtailed_hours: f64 = (avail.iter().zip(weights))
        .filter(|(a, _)| **a < l)
        .map(|(_, w)| w)
        .sum();
    energy <= pct / 100.0 * l * w_total + 1e-9 * (1.0 + l * w_total)
        && curtailed_hours <= hours + 1e-9 * w_total
}

fn substation(rng: &mut Rng) -> Substation {
    Substation {
        id: "S0".into(),
        name: None,
        point: geo::Point::new(0.0, 0.0),
        voltage_kv: 230.0,
        headroom_mw: rng.pick(&[0.0, 20.0, 50.0, 100.0]),
        flexible_mw: 0.0,
        community_growth_mw: rng.pick(&[0.0, 0.0, 10.0, 60.0]),
        upgrade_mw: rng.pick(&[0.0, 0.0, 30.0]),
        upgrade_usd: 0.0,
        supply_share: 0.0,
        profile: Some(0),
        queued_mw: rng.pick(&[0.0, 0.0, 15.0]),
        hosting: None,
    }
}

fn scenario(share: f64, pct: f64, hours: f64) -> Scenario {
    let text = format!(
        "name = \"h\"\nmap = \"map\"\n[target]\ntotal_mw = 100\n[grid]\nmax_headroom_share = \
         {share}\nmax_curtailment_pct = {pct}\nmax_curtailment_hours = {hours}\n"
    );
    Scenario::parse(&text, Path::new("scenario.toml")).unwrap()
}

/// L* is the end of the allowed interval: every load up to it passes both tests, and loads a
/// hair above it fail one (checked on 400 loads spread over the range and just around L*).
#[test]
fn hosting_capacity_is_the_end_of_the_allowed_interval_on_random_profiles() {
    let mut rng = Rng(2026_12_07);
    let mut binding_hours = 0;
    let mut above_firm = 0;
    for case in 0..400 {
        let n = rng.int(1, 30);
        // Ties: loads from a few levels only, now and then.
        let levels: Vec<f64> = (0..rng.int(1, 5)).map(|_| rng.range(0.0, 80.0)).collect();
        let load: Vec<f64> = (0..n)
            .map(|_| {
                if rng.chance(0.5) {
                    rng.pick(&levels)
                } else {
                    (rng.range(0.0, 120.0) * 8.0).round() / 8.0
                }
            })
            .collect();
        let weights: Vec<f64> = (0..n)
            .map(|_| {
                if rng.chance(0.5) {
                    1.0
                } else {
                    rng.pick(&[0.5, 2.0, 31.0, 365.0 / 12.0])
                }
            })
            .collect();
        let s = substation(&mut rng);
        let share = rng.pick(&[0.5, 0.8, 1.0]);
        let pct = rng.pick(&[0.0, 0.25, 0.5, 1.0, 5.0, 20.0, 60.0]);
        let w_total: f64 = weights.iter().sum();
        let hours = rng.pick(&[8760.0, w_total, 0.0, 1.0, 3.0, w_total / 2.0]);
        let upgraded = rng.chance(0.5);
        let queued = s.queued_mw;
        let mut map = Map {
            substations: vec![s.clone()],
            profiles: Some(LoadProfiles::new(
                (0..n).map(|h| h.to_string()).collect(),
                weights.clone(),
                vec![(0, load.clone())],
            )),
            ..Map::default()
        };
        let scenario = scenario(share, pct, hours);
        map.substations[0].queued_mw = queued;
        let room = HourlyRoom::of(&map, &scenario, &map.substations[0], 0.0, upgraded).unwrap();
        let l_star = room.hosting_mw(Budget { pct, hours });
        let a = avail(&s, queued, share, &load, upgraded);
        let firm = a.iter().copied().fold(f64::INFINITY, f64::min);
        assert!(l_star.is_finite(), "case {case}: L* = {l_star}");
        assert!(
            l_star >= firm - 1e-9,
            "case {case}: L* {l_star} < firm {firm}"
        );
        if l_star > firm + 1e-6 {
            above_firm += 1;
        }
        let top = a.iter().copied().fold(0.0, f64::max) * 2.0 + 10.0;
        for k in 0..=400 {
            let l = top * k as f64 / 400.0;
            let expected = l <= l_star * (1.0 + 1e-9) + 1e-9;
            let tolerance = 1e-7 * (1.0 + l_star);
            if (l - l_star).abs() < tolerance {
                continue;
            }
            assert_eq!(
                allowed(l, &a, &weights, pct, hours),
                expected,
                "case {case}: load {l} vs L* {l_star} (avail {a:?}, weights {weights:?}, pct {pct}, hours {hours})"
            );
        }
        assert!(
            allowed(l_star, &a, &weights, pct, hours),
            "case {case}: L* itself fails"
        );
        let above = l_star + 1e-6 * (1.0 + l_star);
        assert!(
            !allowed(above, &a, &weights, pct, hours),
            "case {case}: {above} above L* {l_star} passes"
        );
        let energy_only = allowed(above, &a, &weights, pct, f64::INFINITY);
        if energy_only {
            binding_hours += 1;
        }
    }
    // The sample has cases where each test is the one that binds, and budgets that buy MW.
    assert!(
        binding_hours >= 20,
        "hours test bound in {binding_hours} cases"
    );
    assert!(
        above_firm >= 100,
        "L* above the firm room in {above_firm} cases"
    );
}

/// A flat profile with no budget hosts exactly the firm room; with a budget q a flat load
/// curtailed evenly hosts firm/(1 − q).
#[test]
fn a_flat_profile_hosts_the_firm_room_and_a_budget_scales_it() {
    let mut rng = Rng(5);
    let mut s = substation(&mut rng);
    s.headroom_mw = 100.0;
    s.community_growth_mw = 0.0;
    s.queued_mw = 0.0;
    let map = Map {
        substations: vec![s],
        profiles: Some(LoadProfiles::new(
            (0..24).map(|h| h.to_string()).collect(),
            vec![1.0; 24],
            vec![(0, vec![40.0; 24])],
        )),
        ..Map::default()
    };
    let room = |pct: f64| {
        let scenario = scenario(0.8, pct, 8760.0);
        HourlyRoom::of(&map, &scenario, &map.substations[0], 0.0, false)
            .unwrap()
            .hosting_mw(Budget::of(&scenario))
    };
    assert_eq!(room(0.0), 80.0);
    assert!((room(20.0) - 100.0).abs() < 1e-9, "{}", room(20.0));
}

/// The plan's curtailment as the outputs report it, against the sums written here.
#[test]
fn curtailment_of_a_load_is_the_weighted_shortfall() {
    let mut rng = Rng(11);
    for _ in 0..200 {
        let n = rng.int(1, 20);
        let load: Vec<f64> = (0..n).map(|_| rng.range(0.0, 100.0)).collect();
        let weights: Vec<f64> = (0..n).map(|_| rng.pick(&[1.0, 2.0, 30.5])).collect();
        let s = substation(&mut rng);
        let upgraded = rng.chance(0.5);
        let map = Map {
            substations: vec![s.clone()],
            profiles: Some(LoadProfiles::new(
                (0..n).map(|h| h.to_string()).collect(),
                weights.clone(),
                vec![(0, load.clone())],
            )),
            ..Map::default()
        };
        let scenario = scenario(0.8, 1.0, 8760.0);
        let room = HourlyRoom::of(&map, &scenario, &map.substations[0], 0.0, upgraded).unwrap();
        let new_mw = rng.range(0.0, 150.0);
        let c = room.curtailment(new_mw);
        let a = avail(&s, s.queued_mw, 0.8, &load, upgraded);
        let mwh: f64 = (a.iter().zip(&weights))
            .map(|(a, w)| w * (new_mw - a).max(0.0))
            .sum();
        let hours: f64 = (a.iter().zip(&weights))
            .filter(|(a, _)| **a < new_mw)
            .map(|(_, w)| w)
            .sum();
        let w_total: f64 = weights.iter().sum();
        assert!((c.mwh - mwh).abs() < 1e-9 * (1.0 + mwh));
        assert_eq!(c.hours, hours);
        assert!((c.pct - 100.0 * mwh / (new_mw * w_total)).abs() < 1e-9);
    }
}

// ---------------------------------------------------------------------------------------------
// Bad input: each names the file, the row or feature, and the column or property; nothing is
// written.

fn tiny() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny")
}

/// A copy of the tiny fixture's map with `files` added, and a scenario over it.
fn map_with(dir: &Path, files: &[(&str, String)], grid: &str) -> PathBuf {
    let map = dir.join("map");
    std::fs::create_dir_all(&map).unwrap();
    for entry in std::fs::read_dir(tiny()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), map.join(entry.file_name())).unwrap();
    }
    for (name, text) in files {
        std::fs::write(map.join(name), text).unwrap();
    }
    let scenario = std::fs::read_to_string(tiny().with_file_name("scenarios/tiny.toml")).unwrap();
    let scenario = scenario.replace("\"../tiny\"", "\"map\"") + &format!("\n[grid]\n{grid}\n");
    let path = dir.join("scenario.toml");
    std::fs::write(&path, scenario).unwrap();
    path
}

fn substation_ids() -> Vec<String> {
    let text = std::fs::read_to_string(tiny().join("substations.geojson")).unwrap();
    let layer: Value = serde_json::from_str(&text).unwrap();
    (layer["features"].as_array().unwrap().iter())
        .map(|f| f["properties"]["id"].as_str().unwrap().to_string())
        .collect()
}

fn load(id: &str, substation: &str, mw: Value, status: &str) -> Value {
    json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [-121.0, 38.0]},
           "properties": {"id": id, "substation": substation, "mw": mw, "status": status}})
}

fn loads_file(features: Vec<Value>) -> String {
    json!({"type": "FeatureCollection", "features": features}).to_string()
}

/// Runs `optimize` and gives its error's text; checks nothing was written.
fn error_of(scenario: &Path) -> String {
    let out = scenario.parent().unwrap().join("out");
    let result = gridsite::pipeline::optimize(scenario, &out, &|_| {});
    let error = match result {
        Ok(_) => panic!("{} was accepted", scenario.display()),
        Err(e) => e.to_string(),
    };
    assert!(!out.exists(), "{error}: something was written");
    error
}

#[test]
fn bad_profiles_and_queues_name_the_file_the_row_and_the_column() {
    let ids = substation_ids();
    // S2 of the fixture has flexible_mw, so a profile may not name it.
    let (a, b) = (&ids[0], &ids[2]);
    let csv = |text: &str| vec![("load_profiles.csv", text.to_string())];
    let cases: Vec<(&str, Vec<(&str, String)>, &str, Vec<String>)> = vec![
        (
            "a column naming no substation",
            csv(&format!("hour,{a},nowhere\n0,1,2\n")),
            "",
            vec![
                "load_profiles.csv".into(),
                "nowhere".into(),
                "names no substation".into(),
            ],
        ),
        (
            "a non-numeric cell",
            csv(&format!("hour,{a}\n0,1\n1,lots\n")),
            "",
            vec![
                "load_profiles.csv: row 2 (hour \"1\")".into(),
                format!("{a}: \"lots\" is not a number"),
            ],
        ),
        (
            "a missing cell",
            csv(&format!("hour,{a},{b}\n0,1,\n")),
            "",
            vec![
                "row 1 (hour \"0\")".into(),
                format!("{b}: the value is missing"),
            ],
        ),
        (
            "a duplicate hour",
            csv(&format!("hour,{a}\n0,1\n1,2\n0,3\n")),
            "",
            vec!["row 3 (hour \"0\")".into(), "given twice".into()],
        ),
        (
            "a negative weight",
            csv(&format!("hour,weight,{a}\n0,1,1\n1,-2,1\n")),
            "",
            vec!["row 2 (hour \"1\")".into(), "weight: must be > 0".into()],
        ),
        (
            "a zero weight",
            csv(&format!("hour,weight,{a}\n0,0,1\n")),
            "",
            vec!["row 1 (hour \"0\")".into(), "weight: must be > 0".into()],
        ),
        (
            "a negative load",
            csv(&format!("hour,{a}\n0,-1\n")),
            "",
            vec!["row 1".into(), format!("{a}: a load must be ≥ 0 MW")],
        ),
        (
            "no hour column",
            csv(&format!("{a},hour\n1,0\n")),
            "",
            vec![
                "load_profiles.csv".into(),
                "the first column must be \"hour\"".into(),
            ],
        ),
        (
            "an unknown status",
            vec![(
                "loads.geojson",
                loads_file(vec![load("Q1", a, json!(50), "queued")]),
            )],
            "",
            vec![
                "loads.geojson: feature 0 (id \"Q1\"): status".into(),
                "\"queued\" is not one of operating, construction, signed, study, withdrawn".into(),
            ],
        ),
        (
            "a load at an unknown substation",
            vec![(
                "loads.geojson",
                loads_file(vec![load("Q1", "S-none", json!(50), "signed")]),
            )],
            "",
            vec![
                "loads.geojson: feature 0 (id \"Q1\"): substation".into(),
                "no substation has id \"S-none\"".into(),
            ],
        ),
        (
            "a load of 0 MW",
            vec![(
                "loads.geojson",
                loads_file(vec![load("Q1", a, json!(0), "signed")]),
            )],
            "",
            vec!["feature 0 (id \"Q1\"): mw: must be > 0".into()],
        ),
        (
            "an unknown status in queue_statuses",
            Vec::new(),
            "queue_statuses = [\"signed\", \"rumoured\"]",
            vec![
                "grid.queue_statuses".into(),
                "\"rumoured\" is not one of".into(),
            ],
        ),
        (
            "a budget of 100 %",
            Vec::new(),
            "max_curtailment_pct = 100.0",
            vec!["grid.max_curtailment_pct".into()],
        ),
    ];
    for (what, files, grid, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let scenario = map_with(dir.path(), &files, grid);
        let error = error_of(&scenario);
        for part in expected {
            assert!(error.contains(&part), "{what}: {error:?} lacks {part:?}");
        }
    }
}

/// A substation with a profile may not carry `flexible_mw` too: the error names both files.
#[test]
fn a_profiled_substation_with_flexible_mw_names_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = map_with(dir.path(), &[], "");
    let substations = dir.path().join("map/substations.geojson");
    let mut layer: Value =
        serde_json::from_str(&std::fs::read_to_string(&substations).unwrap()).unwrap();
    layer["features"][0]["properties"]["flexible_mw"] = json!(40);
    std::fs::write(&substations, layer.to_string()).unwrap();
    let id = substation_ids()[0].clone();
    std::fs::write(
        dir.path().join("map/load_profiles.csv"),
        format!("hour,{id}\n0,1\n"),
    )
    .unwrap();
    let error = error_of(&scenario);
    assert!(error.contains("load_profiles.csv"), "{error}");
    assert!(error.contains("substations.geojson"), "{error}");
    assert!(
        error.contains(&format!("substation \"{id}\" has flexible_mw = 40")),
        "{error}"
    );
}
