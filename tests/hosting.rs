//! Headroom over time and the queue (docs/profiles-and-queue.md, "Headroom over time and the queue"): the
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
    let mut rng = Rng(20_261_207);
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
    type Case<'a> = (&'a str, Vec<(&'a str, String)>, &'a str, Vec<String>);
    let cases: Vec<Case> = vec![
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

/// A profile exported by a spreadsheet (a byte-order mark, CRLF line ends, quoted labels or
/// not) reads as the plain one does.
#[test]
fn a_spreadsheet_export_reads_like_a_plain_table() {
    let id = &substation_ids()[0];
    let plain = format!("hour,weight,{id}\n0,2,10.5\n1,3,20\n");
    let exported =
        format!("\u{feff}\"hour\",\"weight\",\"{id}\"\r\n\"0\",2,10.5\r\n\"1\",3,20\r\n");
    let read = |text: &str| {
        let dir = tempfile::tempdir().unwrap();
        let scenario = map_with(dir.path(), &[("load_profiles.csv", text.to_string())], "");
        let prepared = gridsite::pipeline::prepare(&scenario).unwrap();
        prepared.map.profiles.unwrap()
    };
    let unquoted = format!("\u{feff}hour,weight,{id}\r\n0,2,10.5\r\n1,3,20\r\n");
    let (a, b) = (read(&plain), read(&exported));
    assert_eq!(a, b);
    assert_eq!(a, read(&unquoted));
    assert_eq!(a.hours, ["0", "1"]);
    assert_eq!(a.weights, [2.0, 3.0]);
    assert_eq!(a.columns[0].load_mw, [10.5, 20.0]);
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

// ---------------------------------------------------------------------------------------------
// The program with profiles and a queue: against enumeration, and against the rules it must
// reduce to.

fn feature(geometry: Value, properties: Value) -> Value {
    json!({"type": "Feature", "geometry": geometry, "properties": properties})
}

fn r5(v: f64) -> f64 {
    (v * 1e5).round() / 1e5
}

fn rect(lon0: f64, lat0: f64, lon1: f64, lat1: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]]})
}

fn point(lon: f64, lat: f64) -> Value {
    json!({"type": "Point", "coordinates": [lon, lat]})
}

/// A small region: its layers as GeoJSON values, its profiles as CSV, and the scenario.
#[derive(Clone)]
struct Region {
    parcels: Vec<Value>,
    substations: Vec<Value>,
    lines: Vec<Value>,
    loads: Vec<Value>,
    profiles: Option<String>,
    scenario: String,
}

/// What a random region has.
#[derive(Clone, Copy)]
struct Shape {
    lines: bool,
    n1: bool,
    /// Every substation without `flexible_mw` gets a flat profile (else random ones, on some).
    flat: bool,
    queue: bool,
    flexible_share: f64,
}

fn random_region(rng: &mut Rng, shape: Shape) -> Region {
    let parcels = (0..rng.int(3, 6))
        .map(|i| {
            let (w, h) = (rng.range(0.002, 0.005), rng.range(0.002, 0.005));
            let lon = r5(rng.range(-100.1, -99.9 - w));
            let lat = r5(rng.range(39.95, 40.05 - h));
            feature(
                rect(lon, lat, r5(lon + w), r5(lat + h)),
                json!({"id": format!("P{i}"), "zoning": "industrial",
                       "land_usd_per_acre": rng.pick(&[0, 50_000, 200_000])}),
            )
        })
        .collect();
    let n = rng.int(2, 3);
    let mut substations = Vec::new();
    let mut profiled = Vec::new();
    for b in 0..n {
        let flexible = !shape.flat && rng.chance(0.25);
        let mut props = json!({
            "id": format!("S{b}"), "voltage_kv": 230,
            "headroom_mw": rng.pick(&[40, 80, 120, 200]),
            "community_growth_mw": rng.pick(&[0, 0, 20]),
            "supply_share": if b == 0 { 1.0 } else { 0.0 },
        });
        if flexible {
            props["flexible_mw"] = json!(rng.pick(&[30, 60]));
        } else if shape.flat || rng.chance(0.8) {
            profiled.push(b);
        }
        if rng.chance(0.4) {
            props["upgrade_mw"] = json!(rng.pick(&[50, 100]));
            props["upgrade_usd"] = json!(rng.pick(&[5_000_000, 25_000_000]));
        }
        let (lon, lat) = (r5(rng.range(-100.05, -99.95)), r5(rng.range(39.97, 40.03)));
        substations.push(feature(point(lon, lat), props));
    }
    let mut lines = Vec::new();
    if shape.lines {
        let at = |b: usize| substations[b]["geometry"]["coordinates"].clone();
        for b in 1..n {
            let a = rng.int(0, b - 1);
            lines.push(feature(
                json!({"type": "LineString", "coordinates": [at(a), at(b)]}),
                json!({"id": format!("L{b}"), "from": format!("S{a}"), "to": format!("S{b}"),
                       "x_pu": rng.pick(&[0.01, 0.05]),
                       "rating_mw": rng.pick(&[60, 120, 250]),
                       "base_flow_mw": rng.pick(&[0, 40, -60])}),
            ));
        }
        // A loop, so that some outages are contingencies.
        lines.push(feature(
            json!({"type": "LineString", "coordinates": [at(0), at(n - 1)]}),
            json!({"id": "L0", "from": "S0", "to": format!("S{}", n - 1), "x_pu": 0.02,
                   "rating_mw": rng.pick(&[80, 200]), "base_flow_mw": 10}),
        ));
    }
    let hours = rng.int(4, 12);
    let profiles = (!profiled.is_empty()).then(|| {
        let mut csv = String::from("hour,weight");
        for b in &profiled {
            csv += &format!(",S{b}");
        }
        csv.push('\n');
        let flat_mw: Vec<f64> = profiled.iter().map(|_| rng.pick(&[0.0, 50.0])).collect();
        for h in 0..hours {
            csv += &format!("h{h},{}", rng.pick(&[1.0, 1.0, 3.0, 730.0]));
            for &flat in &flat_mw {
                let mw = if shape.flat {
                    flat
                } else {
                    rng.pick(&[0.0, 30.0, 60.0, 100.0, 180.0])
                };
                csv += &format!(",{mw}");
            }
            csv.push('\n');
        }
        csv
    });
    let loads = if shape.queue {
        (0..rng.int(1, 3))
            .map(|k| {
                feature(
                    point(-100.0, 40.0),
                    json!({"id": format!("Q{k}"), "substation": format!("S{}", rng.int(0, n - 1)),
                           "mw": rng.pick(&[20, 40, 80]),
                           "status": rng.pick(&["construction", "signed", "study", "withdrawn"])}),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let scenario = format!(
        r#"name = "time"
map = "map"

[target]
total_mw = {total}
module_mw = 50
min_site_mw = 50
max_site_mw = 150
max_sites = {max_sites}

[site]
acres_per_mw = 0.02
max_fiber_km = 50.0
max_feed_km = 50.0
min_feeds = {min_feeds}
max_feeds = 2
min_spacing_km = 0.0

[grid]
max_headroom_share = {share}
flexible_share = {flexible_share}
max_curtailment_pct = {pct}
max_curtailment_hours = {cap_hours}
queue_statuses = {statuses}
line_contingencies = {contingencies}

[costs]
site_fixed_usd = {fixed}
flexible_usd_per_mw = 0

[solver]
mip_gap = 0.0
"#,
        total = rng.pick(&[100, 150, 200, 300]),
        max_sites = rng.int(1, 3),
        min_feeds = if shape.n1 { 2 } else { 1 },
        share = rng.pick(&[0.8, 1.0]),
        flexible_share = shape.flexible_share,
        pct = if shape.flat {
            0.0
        } else {
            rng.pick(&[0.0, 0.5, 2.0, 10.0, 40.0])
        },
        cap_hours = rng.pick(&[8760.0, 8760.0, 2.0, 800.0]),
        statuses = rng.pick(&["[\"construction\", \"signed\"]", "[\"study\"]", "[]"]),
        contingencies = rng.chance(0.6),
        fixed = rng.pick(&[5_000_000, 20_000_000]),
    );
    Region {
        parcels,
        substations,
        lines,
        loads,
        profiles,
        scenario,
    }
}

impl Region {
    /// Writes the region into `dir`; gives the scenario's path.
    fn write(&self, dir: &Path) -> PathBuf {
        let map = dir.join("map");
        std::fs::create_dir_all(&map).unwrap();
        let layer = |name: &str, features: &[Value]| {
            let text = json!({"type": "FeatureCollection", "features": features}).to_string();
            std::fs::write(map.join(format!("{name}.geojson")), text).unwrap();
        };
        layer("parcels", &self.parcels);
        layer("substations", &self.substations);
        layer(
            "fiber",
            &[feature(
                json!({"type": "LineString", "coordinates": [[-100.2, 40.0], [-99.8, 40.0]]}),
                json!({"id": "F0"}),
            )],
        );
        layer("receptors", &[]);
        layer("communities", &[]);
        if !self.lines.is_empty() {
            layer("lines", &self.lines);
        }
        if !self.loads.is_empty() {
            layer("loads", &self.loads);
        }
        if let Some(csv) = &self.profiles {
            std::fs::write(map.join("load_profiles.csv"), csv).unwrap();
        }
        let path = dir.join("scenario.toml");
        std::fs::write(&path, &self.scenario).unwrap();
        path
    }
}

/// The proven optimum of a region (None: infeasible), by the fast path; it must agree with
/// the plain program.
fn optimum(region: &Region) -> Option<f64> {
    use gridsite::solve::SolverOutcome;
    let dir = tempfile::tempdir().unwrap();
    let prepared = gridsite::pipeline::prepare(&region.write(dir.path())).unwrap();
    let r = prepared.region();
    if r.candidates.is_empty() {
        return None;
    }
    let fast = gridsite::optimizer::optimize(&r, &|_| {}).unwrap();
    if std::env::var("GRIDSITE_KEEP").is_ok() {
        let keep = std::env::temp_dir().join("gridsite-keep");
        let _ = std::fs::remove_dir_all(&keep);
        region.write(&keep);
    }
    let (plain, plain_plan, _) = gridsite::optimizer::solve_plain(&r, &|_| {}).unwrap();
    assert_eq!(fast.outcome, plain, "fast path and plain program");
    match fast.outcome {
        SolverOutcome::Optimal => {
            let (f, p) = (fast.plan.objective_usd(), plain_plan.objective_usd());
            assert!((f - p).abs() <= 1e-6 * p.max(1.0), "fast {f} vs plain {p}");
            Some(f)
        }
        SolverOutcome::Infeasible => None,
        other => panic!("no proof: {other:?}"),
    }
}

fn same(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-6 * x.max(1.0),
        (None, None) => true,
        _ => false,
    }
}

/// A flat profile with no budget is the old rule with `flexible_mw = 0`: the same optimum as
/// the region without `load_profiles.csv`. (With N-1 feeds or line outages the two differ in
/// principle: flexible MW are curtailed in outages, so the profile's flexible MW could be worth
/// more than firm ones there; the equality is checked where outages do not read the split, and
/// with `flexible_share = 0` everywhere.)
#[test]
fn a_flat_profile_equals_the_old_rule_without_flexible_mw() {
    let mut rng = Rng(77);
    let mut plans = 0;
    for case in 0..24 {
        let secure = case % 2 == 1;
        let shape = Shape {
            lines: secure,
            n1: secure && rng.chance(0.5),
            flat: true,
            queue: rng.chance(0.5),
            flexible_share: if secure {
                0.0
            } else {
                rng.pick(&[0.0, 0.5, 1.0])
            },
        };
        let region = random_region(&mut rng, shape);
        let without = Region {
            profiles: None,
            ..region.clone()
        };
        let (a, b) = (optimum(&region), optimum(&without));
        assert!(same(a, b), "case {case}: flat profile {a:?} vs none {b:?}");
        plans += usize::from(a.is_some());
    }
    assert!(plans >= 8, "{plans} cases with a plan");
}

/// A queue is headroom taken and flow moved before the plan: the region with counted loads
/// has the optimum of the region without them whose headroom is lower by the counted MW and
/// whose lines already carry those MW's flows (computed here by a DC power flow).
#[test]
fn a_counted_queue_is_headroom_and_flow_taken_before_the_plan() {
    let mut rng = Rng(1312);
    let (mut plans, mut changed, mut lines_bind) = (0, 0, 0);
    for case in 0..30 {
        let shape = Shape {
            lines: case % 3 != 0,
            n1: case % 4 == 1,
            flat: false,
            queue: true,
            flexible_share: rng.pick(&[0.0, 0.5]),
        };
        let mut region = random_region(&mut rng, shape);
        // Count every status, so that each load is taken.
        region.scenario = region.scenario.replace(
            &region.scenario[region.scenario.find("queue_statuses").unwrap()..]
                .lines()
                .next()
                .unwrap()
                .to_string(),
            "queue_statuses = [\"construction\", \"signed\", \"study\", \"withdrawn\"]",
        );
        let n = region.substations.len();
        let mut queued = vec![0.0; n];
        for load in &region.loads {
            let id = load["properties"]["substation"].as_str().unwrap();
            let b: usize = id[1..].parse().unwrap();
            queued[b] += load["properties"]["mw"].as_f64().unwrap();
        }
        let mut moved = region.clone();
        moved.loads.clear();
        for (b, s) in moved.substations.iter_mut().enumerate() {
            let h = s["properties"]["headroom_mw"].as_f64().unwrap();
            s["properties"]["headroom_mw"] = json!(h - queued[b]);
        }
        // Negative headroom is bad input: keep to regions where the queue fits.
        if moved
            .substations
            .iter()
            .any(|s| s["properties"]["headroom_mw"].as_f64().unwrap() < 0.0)
        {
            continue;
        }
        let flows = dc_flows(&region, &queued);
        for (l, line) in moved.lines.iter_mut().enumerate() {
            let base = line["properties"]["base_flow_mw"].as_f64().unwrap();
            line["properties"]["base_flow_mw"] = json!(base + flows[l]);
        }
        let no_queue = Region {
            loads: Vec::new(),
            ..region.clone()
        };
        let (a, b) = (optimum(&region), optimum(&moved));
        assert!(same(a, b), "case {case}: queue {a:?} vs moved {b:?}");
        plans += usize::from(a.is_some());
        changed += usize::from(!same(a, optimum(&no_queue)));
        if !region.lines.is_empty() {
            let unlimited = Region {
                lines: Vec::new(),
                ..region.clone()
            };
            lines_bind += usize::from(!same(a, optimum(&unlimited)));
        }
    }
    assert!(
        lines_bind >= 3,
        "the lines changed the optimum in {lines_bind} cases"
    );
    assert!(plans >= 6, "{plans} cases with a plan");
    assert!(
        changed >= 4,
        "the queue changed the optimum in {changed} cases"
    );
}

/// Flows of the DC power flow for new load `load_mw` by substation, supplied by the
/// substations with `supply_share` (here S0 alone, the reference bus): `B θ = −load`.
fn dc_flows(region: &Region, load_mw: &[f64]) -> Vec<f64> {
    let n = region.substations.len();
    if region.lines.is_empty() {
        return Vec::new();
    }
    let index = |v: &Value| -> usize { v.as_str().unwrap()[1..].parse().unwrap() };
    let mut b = nalgebra::DMatrix::<f64>::zeros(n - 1, n - 1);
    let ends: Vec<(usize, usize, f64)> = (region.lines.iter())
        .map(|l| {
            let p = &l["properties"];
            (
                index(&p["from"]),
                index(&p["to"]),
                p["x_pu"].as_f64().unwrap(),
            )
        })
        .collect();
    for &(i, j, x) in &ends {
        for (a, c) in [(i, j), (j, i)] {
            if a > 0 {
                b[(a - 1, a - 1)] += 1.0 / x;
                if c > 0 {
                    b[(a - 1, c - 1)] -= 1.0 / x;
                }
            }
        }
    }
    let injection = nalgebra::DVector::from_iterator(n - 1, (1..n).map(|k| -load_mw[k]));
    let theta = b.lu().solve(&injection).unwrap();
    let at = |k: usize| if k == 0 { 0.0 } else { theta[k - 1] };
    ends.iter().map(|&(i, j, x)| (at(i) - at(j)) / x).collect()
}

/// Loads whose statuses the scenario does not count, or none at all, change nothing: the same
/// files, byte for byte, but for the stage times and the `queued_mw` the substations report.
#[test]
fn a_queue_that_counts_nothing_changes_nothing() {
    let mut rng = Rng(4242);
    for case in 0..6 {
        let shape = Shape {
            lines: case % 2 == 0,
            n1: false,
            flat: false,
            queue: true,
            flexible_share: 0.5,
        };
        let mut region = random_region(&mut rng, shape);
        let start = region.scenario.find("queue_statuses").unwrap();
        let line = region.scenario[start..].lines().next().unwrap().to_string();
        region.scenario = region
            .scenario
            .replace(&line, "queue_statuses = [\"operating\"]");
        let none = Region {
            loads: Vec::new(),
            ..region.clone()
        };
        let outputs = |region: &Region| {
            let dir = tempfile::tempdir().unwrap();
            let scenario = region.write(dir.path());
            let out = dir.path().join("out");
            gridsite::pipeline::optimize(&scenario, &out, &|_| {}).unwrap();
            let mut files = std::collections::BTreeMap::new();
            for name in [
                "sites.geojson",
                "feeds.geojson",
                "substations.geojson",
                "hosting.csv",
            ] {
                if let Ok(text) = std::fs::read_to_string(out.join(name)) {
                    files.insert(name, text);
                }
            }
            let mut summary: Value =
                serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap())
                    .unwrap();
            summary["seconds"] = Value::Null;
            summary["search"]["seconds"] = Value::Null;
            files.insert("summary.json", summary.to_string());
            files
        };
        assert_eq!(outputs(&region), outputs(&none), "case {case}");
    }
}

/// One more MW of headroom shifts every hour and counts net of the queue: on one profiled
/// substation (headroom 100 MW, share 0.8, a 250 MW peak in one hour of a thousand), a 150 MW
/// site draws 80 firm MW and 70 flexible MW at 1,000 USD each, so a MW more of headroom is
/// 0.8 MW more firm room and worth 800 USD; with a counted queue of 120 MW the net headroom is
/// below zero (no firm room), one MW more leaves it there, and the value is 0.
#[test]
fn headroom_values_follow_the_profile_and_the_queue() {
    let value = |queue: bool| {
        let dir = tempfile::tempdir().unwrap();
        let mut region = Region {
            parcels: vec![feature(
                rect(-100.0, 40.0, -99.99, 40.01),
                json!({"id": "P0", "zoning": "industrial", "land_usd_per_acre": 0}),
            )],
            substations: vec![feature(
                point(-99.995, 40.02),
                json!({"id": "S0", "voltage_kv": 230, "headroom_mw": 100}),
            )],
            lines: Vec::new(),
            loads: Vec::new(),
            profiles: Some("hour,weight,S0\npeak,1,250\nrest,999,0\n".into()),
            scenario: "name = \"v\"\nmap = \"map\"\n[target]\ntotal_mw = 150\nmodule_mw = 50\n\
                       min_site_mw = 50\nmax_site_mw = 150\n[site]\nacres_per_mw = 0.01\n\
                       max_fiber_km = 50.0\nmax_feed_km = 50.0\n[grid]\nflexible_share = 1.0\n\
                       max_curtailment_pct = 0.5\n[costs]\nflexible_usd_per_mw = 1000\n\
                       [solver]\nmip_gap = 0.0\n"
                .into(),
        };
        if queue {
            region.loads.push(feature(
                point(-99.995, 40.02),
                json!({"id": "Q0", "substation": "S0", "mw": 120, "status": "signed"}),
            ));
        }
        let scenario = region.write(dir.path());
        let out = dir.path().join("out");
        let optimized = gridsite::pipeline::optimize(&scenario, &out, &|_| {}).unwrap();
        assert_eq!(optimized.status, gridsite::pipeline::Status::Optimal);
        let layer: Value = serde_json::from_str(
            &std::fs::read_to_string(out.join("substations.geojson")).unwrap(),
        )
        .unwrap();
        let p = &layer["features"][0]["properties"];
        let flexible = p["used_flexible_mw"].as_f64().unwrap();
        (p["headroom_value_usd_per_mw"].as_f64().unwrap(), flexible)
    };
    let (free, flexible) = value(false);
    assert!((flexible - 70.0).abs() < 1e-6, "{flexible}");
    assert!((free - 800.0).abs() < 1e-3, "{free}");
    let (queued, flexible) = value(true);
    assert!((flexible - 150.0).abs() < 1e-6, "{flexible}");
    assert_eq!(queued, 0.0);
}

/// `gridsite check` on the shipped flexible scenario reports the profiles and the queue and
/// writes `hosting.csv` with a row per profiled substation.
#[test]
fn check_reports_profiles_and_the_queue() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = assert_cmd::Command::cargo_bin("gridsite")
        .unwrap()
        .args(["check", "scenarios/suburban-flexible.toml", "--out"])
        .arg(dir.path())
        .current_dir(root)
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    for part in [
        "profiled substations",
        "| 31 ",
        "8760 (8760)",
        "large loads: construction",
        "queued MW counted (construction, signed)",
        "285.9",
        "hosting.csv",
    ] {
        assert!(text.contains(part), "{part:?} not in:\n{text}");
    }
    let csv = std::fs::read_to_string(dir.path().join("hosting.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("substation_id,firm_mw,mw_at_0_25_pct,mw_at_0_5_pct,mw_at_1_pct,mw_at_5_pct")
    );
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').skip(1).map(|v| v.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 31);
    for r in &rows {
        // L* grows with the budget and is never below the firm room.
        assert!(r.windows(2).all(|w| w[0] <= w[1] + 1e-9), "{r:?}");
    }
    assert!(
        rows.iter().any(|r| r[2] > r[0] + 1.0),
        "a 0.5 % budget buys MW somewhere"
    );
}
