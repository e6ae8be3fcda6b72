//! The grid-security checker (`tests/common/grid_checker.rs`) tried on hand-written maps and
//! hand-written output files: it finds closed-form flows, passes secure plans and names the row
//! each tampered plan breaks.

#[path = "common/grid_checker.rs"]
mod grid_checker;
#[path = "common/plan_checker.rs"]
mod plan_checker;

use std::path::{Path, PathBuf};

use grid_checker::{GridLine, GridMap, GridPlan, GridScenario, check_grid, dc_flows};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Writing tiny maps and outputs.

fn collection(features: Vec<Value>) -> Value {
    json!({"type": "FeatureCollection", "features": features})
}

fn write(path: &Path, doc: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(doc).unwrap()).unwrap();
}

/// A substation: id, headroom_mw, community_growth_mw, supply_share.
type Sub = (&'static str, f64, f64, f64);
/// A line: id, from, to, x_pu, rating_mw, emergency_rating_mw, base_flow_mw.
type Line = (&'static str, &'static str, &'static str, f64, f64, f64, f64);
/// A feed: parcel, substation, firm_mw, flexible_mw.
type Feed = (&'static str, &'static str, f64, f64);

/// Substations on the meridian 100° W, 0.1° apart, in the order given.
fn write_map(dir: &Path, subs: &[Sub], lines: &[Line]) -> PathBuf {
    let map = dir.join("map");
    std::fs::create_dir_all(&map).unwrap();
    let lat = |id: &str| 40.0 + 0.1 * subs.iter().position(|s| s.0 == id).unwrap() as f64;
    let features = subs
        .iter()
        .map(|(id, headroom, growth, share)| {
            json!({"type": "Feature",
                   "geometry": {"type": "Point", "coordinates": [-100.0, lat(id)]},
                   "properties": {"id": id, "voltage_kv": 230, "headroom_mw": headroom,
                                  "community_growth_mw": growth, "supply_share": share}})
        })
        .collect();
    write(&map.join("substations.geojson"), &collection(features));
    if !lines.is_empty() {
        let features = lines
            .iter()
            .map(|(id, from, to, x, rating, emergency, base)| {
                json!({"type": "Feature",
                       "geometry": {"type": "LineString",
                                    "coordinates": [[-100.0, lat(from)], [-100.0, lat(to)]]},
                       "properties": {"id": id, "from": from, "to": to, "x_pu": x,
                                      "rating_mw": rating, "emergency_rating_mw": emergency,
                                      "base_flow_mw": base}})
            })
            .collect();
        write(&map.join("lines.geojson"), &collection(features));
    }
    map
}

fn write_scenario(dir: &Path, keys: &str) -> PathBuf {
    let path = dir.join("scenario.toml");
    std::fs::write(
        &path,
        format!("name = \"grid\"\nmap = \"map\"\n[target]\ntotal_mw = 100\n{keys}"),
    )
    .unwrap();
    path
}

/// Writes `feeds.geojson` and `substations.geojson` (only `id` and `upgraded`, plus any extra
/// properties given) into `dir/out`.
fn write_out(dir: &Path, subs: &[Sub], feeds: &[Feed], upgraded: &[&str]) -> PathBuf {
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let features = feeds
        .iter()
        .map(|(parcel, sub, firm, flex)| {
            json!({"type": "Feature",
                   "geometry": {"type": "LineString", "coordinates": [[-100.0, 40.0], [-100.0, 40.1]]},
                   "properties": {"parcel_id": parcel, "substation_id": sub,
                                  "firm_mw": firm, "flexible_mw": flex}})
        })
        .collect();
    write(&out.join("feeds.geojson"), &collection(features));
    let features = subs
        .iter()
        .map(|(id, ..)| {
            json!({"type": "Feature",
                   "geometry": {"type": "Point", "coordinates": [-100.0, 40.0]},
                   "properties": {"id": id, "upgraded": upgraded.contains(id)}})
        })
        .collect();
    write(&out.join("substations.geojson"), &collection(features));
    out
}

/// An output line: id, from, to, rating, base, flow, worst outage and its loading.
type LineOut<'a> = (
    &'a str,
    &'a str,
    &'a str,
    f64,
    f64,
    f64,
    Option<(&'a str, f64)>,
);

/// Writes the output `lines.geojson`, one feature per row.
fn write_lines_out(out: &Path, rows: &[LineOut]) {
    let features = rows
        .iter()
        .map(|(id, from, to, rating, base, flow, worst)| {
            json!({"type": "Feature",
                   "geometry": {"type": "LineString", "coordinates": [[-100.0, 40.0], [-100.0, 40.1]]},
                   "properties": {"id": id, "from": from, "to": to, "rating_mw": rating,
                                  "base_flow_mw": base, "flow_mw": flow,
                                  "loading": flow.abs() / rating,
                                  "worst_outage": worst.map(|w| w.0),
                                  "outage_loading": worst.map(|w| w.1)}})
        })
        .collect();
    write(&out.join("lines.geojson"), &collection(features));
}

fn write_summary(out: &Path, summary: Value) {
    write(&out.join("summary.json"), &summary);
}

fn assert_one_fault_contains(faults: &[String], needle: &str) {
    assert!(
        faults.iter().any(|f| f.contains(needle)),
        "no fault mentions {needle:?}: {faults:#?}"
    );
}

fn line(id: &str, from: usize, to: usize, x_pu: f64) -> GridLine {
    GridLine {
        id: id.into(),
        from,
        to,
        x_pu,
        rating_mw: 100.0,
        emergency_rating_mw: 100.0,
        base_flow_mw: 0.0,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

// ---------------------------------------------------------------------------------------------
// Closed forms.

#[test]
fn a_three_bus_loop_splits_two_thirds_direct_one_third_round() {
    // Buses A=0, B=1, C=2, equal reactances: 1 MW from A to C meets x on the direct line and 2x
    // through B, so 2/3 goes direct and 1/3 round.
    let lines = [
        line("AB", 0, 1, 0.1),
        line("BC", 1, 2, 0.1),
        line("AC", 0, 2, 0.1),
    ];
    let f = dc_flows(3, &lines, &|_| true, &[1.0, 0.0, -1.0]);
    assert!(
        close(f[0], 1.0 / 3.0) && close(f[1], 1.0 / 3.0) && close(f[2], 2.0 / 3.0),
        "{f:?}"
    );
    // A line written the other way round carries the same flow with the opposite sign.
    let lines = [
        line("BA", 1, 0, 0.1),
        line("BC", 1, 2, 0.1),
        line("AC", 0, 2, 0.1),
    ];
    let f = dc_flows(3, &lines, &|_| true, &[1.0, 0.0, -1.0]);
    assert!(close(f[0], -1.0 / 3.0) && close(f[2], 2.0 / 3.0), "{f:?}");
    // The direct line at twice the reactance: both paths 2x, half each.
    let lines = [
        line("AB", 0, 1, 0.1),
        line("BC", 1, 2, 0.1),
        line("AC", 0, 2, 0.2),
    ];
    let f = dc_flows(3, &lines, &|_| true, &[1.0, 0.0, -1.0]);
    assert!(close(f[0], 0.5) && close(f[2], 0.5), "{f:?}");
    // With AC out, all of it goes round.
    let f = dc_flows(3, &lines, &|i| i != 2, &[1.0, 0.0, -1.0]);
    assert!(
        close(f[0], 1.0) && close(f[1], 1.0) && close(f[2], 0.0),
        "{f:?}"
    );
    // Two separate parts are solved on their own: a second pair D=3–E=4.
    let lines = [
        line("AB", 0, 1, 0.1),
        line("BC", 1, 2, 0.1),
        line("AC", 0, 2, 0.1),
        line("DE", 3, 4, 0.3),
    ];
    let f = dc_flows(5, &lines, &|_| true, &[1.0, 0.0, -1.0, -5.0, 5.0]);
    assert!(close(f[2], 2.0 / 3.0) && close(f[3], -5.0), "{f:?}");
}

/// The triangle A (supply), B, C with equal reactances; `ratings` of AB, BC, AC as
/// (normal, emergency); `base` flows.
fn triangle(ratings: [(f64, f64); 3], base: [f64; 3]) -> ([Sub; 3], Vec<Line>) {
    let subs = [
        ("A", 500.0, 0.0, 1.0),
        ("B", 500.0, 0.0, 0.0),
        ("C", 500.0, 0.0, 0.0),
    ];
    let lines = vec![
        ("AB", "A", "B", 0.1, ratings[0].0, ratings[0].1, base[0]),
        ("BC", "B", "C", 0.1, ratings[1].0, ratings[1].1, base[1]),
        ("AC", "A", "C", 0.1, ratings[2].0, ratings[2].1, base[2]),
    ];
    (subs, lines)
}

#[test]
fn plan_load_in_the_loop_is_supplied_from_the_supply_substation() {
    // 90 MW at C, all supplied from A: AC 60, AB 30, BC 30 on top of the base flows.
    let dir = tempfile::tempdir().unwrap();
    let (subs, lines) = triangle([(200.0, 200.0); 3], [10.0, -5.0, 0.0]);
    let map = GridMap::load(&write_map(dir.path(), &subs, &lines));
    let scenario = GridScenario::load(&write_scenario(dir.path(), ""));
    let out = write_out(dir.path(), &subs, &[("P1", "C", 90.0, 0.0)], &[]);
    let mut faults = Vec::new();
    let plan = GridPlan::load(&map, &out, &mut faults);
    assert!(faults.is_empty(), "{faults:?}");
    let (flows, faults) = grid_checker::line_flows(&map, &scenario, &plan);
    assert!(faults.is_empty(), "{faults:?}");
    let want = [40.0, 25.0, 60.0];
    for (got, want) in flows.flow_mw.iter().zip(want) {
        assert!((got - want).abs() < 1e-9, "{:?} != {want:?}", flows.flow_mw);
    }
    assert_eq!(flows.radial, vec![false; 3]);
    // Outage of AC (firm flow 60): the 60 MW go A→B→C, so AB 40 + 60 = 100, BC 25 + 60 = 85.
    let ab_while_ac_out = flows.outages[0].iter().find(|r| r.0 == 2).unwrap();
    assert!(
        (ab_while_ac_out.2 - 100.0).abs() < 1e-9,
        "{ab_while_ac_out:?}"
    );
    // Without the plan: AB 10 + 0 = 10 (AC carried nothing).
    assert!(
        (ab_while_ac_out.1 - 10.0).abs() < 1e-9,
        "{ab_while_ac_out:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Secure plans pass, tampered ones fail.

/// S1 and S3 have 125 MW of emergency capacity (100 MW normal at 0.8), S2 only 60.
const N1_SUBS: [Sub; 3] = [
    ("S1", 125.0, 0.0, 0.0),
    ("S2", 60.0, 0.0, 0.0),
    ("S3", 125.0, 0.0, 0.0),
];

#[test]
fn n1_a_secure_plan_passes_and_a_weak_second_feed_fails() {
    let dir = tempfile::tempdir().unwrap();
    let map = write_map(dir.path(), &N1_SUBS, &[]);
    let scenario = write_scenario(dir.path(), "[site]\nmin_feeds = 2\n");
    // 100 MW fed 50/50 by S1 and S3: either outage moves 50 MW onto 50 MW, 100 ≤ 125.
    let out = write_out(
        dir.path(),
        &N1_SUBS,
        &[("P", "S1", 50.0, 0.0), ("P", "S3", 50.0, 0.0)],
        &[],
    );
    write_summary(&out, json!({"status": "optimal", "counts": {"lines": 0}}));
    let faults = check_grid(&map, &scenario, &out);
    // The emergency fields are not written here: only those faults.
    assert!(
        faults
            .iter()
            .all(|f| f.contains("no emergency_available_mw")
                || f.contains("no worst_outage_pickup_mw")),
        "{faults:#?}"
    );
    let secure = grid_checker::check_security(
        &GridMap::load(&map),
        &GridScenario::load(&scenario),
        &GridPlan::load(&GridMap::load(&map), &out, &mut Vec::new()),
    );
    assert!(secure.is_empty(), "{secure:#?}");

    // Tampered: the second feed is S2. S1 out: S2 must carry 50 + 50 = 100 MW > 60 MW.
    let out = write_out(
        dir.path(),
        &N1_SUBS,
        &[("P", "S1", 50.0, 0.0), ("P", "S2", 50.0, 0.0)],
        &[],
    );
    let faults = check_grid(&map, &scenario, &out);
    assert_one_fault_contains(&faults, "while substation S1 is out, 40.0000 MW");
    // The old reading (a second feed that carries nothing) is no longer secure either.
    let out = write_out(
        dir.path(),
        &N1_SUBS,
        &[("P", "S1", 100.0, 0.0), ("P", "S2", 0.0, 0.0)],
        &[],
    );
    let faults = check_grid(&map, &scenario, &out);
    assert_one_fault_contains(&faults, "while substation S1 is out, 40.0000 MW");
    // A site with one feed cannot move anything.
    let out = write_out(dir.path(), &N1_SUBS, &[("P", "S1", 100.0, 0.0)], &[]);
    assert_one_fault_contains(&check_grid(&map, &scenario, &out), "no other feed");
    // With min_feeds = 1 nothing of this is checked.
    let one = write_scenario(dir.path(), "[site]\nmin_feeds = 1\n");
    assert!(check_grid(&map, &one, &out).is_empty());
}

#[test]
fn n1_is_a_transportation_problem_not_a_greedy_one() {
    // K out: P (60 MW on K) may move to A or B, Q (60 MW on K) only to A. A and B have 60 MW of
    // spare emergency capacity each. Moving P to A first would strand Q; the max-flow moves P
    // to B and Q to A. Upgrading A (+40 MW) is counted in its emergency capacity.
    let subs: [Sub; 3] = [
        ("K", 200.0, 0.0, 0.0),
        ("A", 80.0, 0.0, 0.0),
        ("B", 60.0, 0.0, 0.0),
    ];
    let dir = tempfile::tempdir().unwrap();
    let map = write_map(dir.path(), &subs, &[]);
    let scenario = write_scenario(dir.path(), "[site]\nmin_feeds = 2\n");
    let feeds = [
        ("P", "K", 60.0, 0.0),
        ("P", "A", 0.0, 0.0),
        ("P", "B", 0.0, 0.0),
        ("Q", "K", 60.0, 0.0),
        ("Q", "A", 20.0, 0.0),
    ];
    let out = write_out(dir.path(), &subs, &feeds, &[]);
    let grid = GridMap::load(&map);
    let keys = GridScenario::load(&scenario);
    let plan = GridPlan::load(&grid, &out, &mut Vec::new());
    assert!(grid_checker::n1_violations(&grid, &keys, &plan).is_empty());
    // 1 MW more on Q's K feed: A has 60 spare, Q needs 61 there.
    let mut heavier = plan.clone();
    heavier.feeds[3].firm_mw = 61.0;
    let faults = grid_checker::n1_violations(&grid, &keys, &heavier);
    assert_one_fault_contains(&faults, "while substation K is out, 1.0000 MW");
    // The tolerance forgives the rounding of a written figure.
    let mut rounded = plan.clone();
    rounded.feeds[3].firm_mw = 60.0004;
    assert!(grid_checker::n1_violations(&grid, &keys, &rounded).is_empty());
    // The emergency share applies: at 0.5, A has 40 − 20 = 20 MW spare, B 30.
    let half = write_scenario(
        dir.path(),
        "[site]\nmin_feeds = 2\n[grid]\nemergency_headroom_share = 0.5\n",
    );
    let faults = grid_checker::n1_violations(&grid, &GridScenario::load(&half), &plan);
    assert_one_fault_contains(&faults, "while substation K is out, 70.0000 MW");
}

#[test]
fn lines_a_secure_plan_passes_with_its_files() {
    // The triangle, 90 MW at C from A: AC 60, AB 30, BC 30 (base 0). Worst outages: AC out
    // loads AB and BC to 90; AB or BC out loads AC to 90 (a tie: either may be named).
    let dir = tempfile::tempdir().unwrap();
    let (subs, lines) = triangle([(200.0, 200.0); 3], [0.0; 3]);
    let map = write_map(dir.path(), &subs, &lines);
    let scenario = write_scenario(dir.path(), "");
    let out = write_out(dir.path(), &subs, &[("P1", "C", 90.0, 0.0)], &[]);
    write_lines_out(
        &out,
        &[
            ("AB", "A", "B", 200.0, 0.0, 30.0, Some(("AC", 0.45))),
            ("BC", "B", "C", 200.0, 0.0, 30.0, Some(("AC", 0.45))),
            ("AC", "A", "C", 200.0, 0.0, 60.0, Some(("BC", 0.45))),
        ],
    );
    write_summary(
        &out,
        json!({"status": "optimal", "counts": {"lines": 3, "contingencies": 3},
               "radial_lines": [], "preexisting_violations": 0}),
    );
    let faults = check_grid(&map, &scenario, &out);
    assert!(faults.is_empty(), "{faults:#?}");

    // The written figures are checked too.
    write_lines_out(
        &out,
        &[
            ("AB", "A", "B", 200.0, 0.0, 30.0, Some(("BC", 0.0))),
            ("BC", "B", "C", 200.0, 0.0, 31.0, Some(("AC", 0.45))),
            ("AC", "A", "C", 200.0, 0.0, 60.0, None),
        ],
    );
    write_summary(
        &out,
        json!({"status": "optimal", "counts": {"lines": 4, "contingencies": 2},
               "radial_lines": ["AB"], "preexisting_violations": 1}),
    );
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("lines.geojson")).unwrap()).unwrap();
    doc["features"][2]["properties"]["preexisting_violation"] = json!(true);
    write(&out.join("lines.geojson"), &doc);
    let faults = check_grid(&map, &scenario, &out);
    for needle in [
        "lines.geojson AC: preexisting_violation true, but without the plan it is within",
        "lines.geojson AB: worst_outage BC loads it to 0.0000, less than",
        "lines.geojson BC: flow_mw 31",
        "lines.geojson AC: worst_outage is null",
        "counts.lines 4",
        "counts.contingencies 2",
        "radial_lines",
        "preexisting_violations 1",
    ] {
        assert_one_fault_contains(&faults, needle);
    }
}

/// A summary that is missing, or lacks a key a map with lines needs, is a fault, not a pass.
#[test]
fn a_missing_summary_or_key_is_a_fault() {
    let dir = tempfile::tempdir().unwrap();
    let (subs, lines) = triangle([(200.0, 200.0); 3], [0.0; 3]);
    let map = write_map(dir.path(), &subs, &lines);
    let scenario = write_scenario(dir.path(), "");
    let out = write_out(dir.path(), &subs, &[("P1", "C", 90.0, 0.0)], &[]);
    write_lines_out(
        &out,
        &[
            ("AB", "A", "B", 200.0, 0.0, 30.0, Some(("AC", 0.45))),
            ("BC", "B", "C", 200.0, 0.0, 30.0, Some(("AC", 0.45))),
            ("AC", "A", "C", 200.0, 0.0, 60.0, Some(("BC", 0.45))),
        ],
    );
    let _ = std::fs::remove_file(out.join("summary.json"));
    assert_one_fault_contains(&check_grid(&map, &scenario, &out), "summary.json missing");
    write_summary(
        &out,
        json!({"status": "optimal", "counts": {"contingencies": 3}, "radial_lines": []}),
    );
    let faults = check_grid(&map, &scenario, &out);
    assert_one_fault_contains(&faults, "counts.lines missing");
    assert_one_fault_contains(&faults, "preexisting_violations missing");
}

#[test]
fn lines_a_normal_overload_fails() {
    // AC rated 150: 90 MW at C puts 60 on it, 240 MW would put 160.
    let dir = tempfile::tempdir().unwrap();
    let (subs, lines) = triangle([(200.0, 200.0), (200.0, 200.0), (150.0, 300.0)], [0.0; 3]);
    let map = GridMap::load(&write_map(dir.path(), &subs, &lines));
    let scenario = GridScenario::load(&write_scenario(dir.path(), ""));
    let plan = |mw: f64| {
        let out = write_out(dir.path(), &subs, &[("P1", "C", mw, 0.0)], &[]);
        GridPlan::load(&map, &out, &mut Vec::new())
    };
    assert!(grid_checker::check_security(&map, &scenario, &plan(90.0)).is_empty());
    let faults = grid_checker::check_security(&map, &scenario, &plan(240.0));
    assert_one_fault_contains(&faults, "line AC in normal operation: 160.0000 MW exceeds");
    // At max_line_loading 0.5 the limit is 75: 90 MW at C (60 on AC) passes, 120 (80) fails.
    let half = GridScenario::load(&write_scenario(
        dir.path(),
        "[grid]\nmax_line_loading = 0.5\n",
    ));
    assert!(grid_checker::check_security(&map, &half, &plan(90.0)).is_empty());
    let faults = grid_checker::check_security(&map, &half, &plan(120.0));
    assert_one_fault_contains(&faults, "line AC in normal operation: 80.0000 MW exceeds");
    // Flexible MW count in normal operation: 60 firm + 60 flexible = 120 at C.
    let out = write_out(dir.path(), &subs, &[("P1", "C", 60.0, 60.0)], &[]);
    let flexible = GridPlan::load(&map, &out, &mut Vec::new());
    assert_one_fault_contains(
        &grid_checker::check_security(&map, &half, &flexible),
        "line AC in normal operation: 80.0000 MW",
    );
}

#[test]
fn lines_an_overload_after_an_outage_fails() {
    // AB's emergency rating is 80: with 90 MW at C, the outage of AC puts 90 on AB.
    let dir = tempfile::tempdir().unwrap();
    let (subs, lines) = triangle([(200.0, 80.0), (200.0, 200.0), (200.0, 200.0)], [0.0; 3]);
    let map = GridMap::load(&write_map(dir.path(), &subs, &lines));
    let scenario = GridScenario::load(&write_scenario(dir.path(), ""));
    let plan = |firm: f64, flex: f64| {
        let out = write_out(dir.path(), &subs, &[("P1", "C", firm, flex)], &[]);
        GridPlan::load(&map, &out, &mut Vec::new())
    };
    let faults = grid_checker::check_security(&map, &scenario, &plan(90.0, 0.0));
    assert_one_fault_contains(
        &faults,
        "line AB while line AC is out (emergency rating): 90.0000",
    );
    assert_eq!(faults.len(), 1, "{faults:#?}");
    // 80 MW passes; flexible MW are curtailed during outages: 80 firm + 40 flexible passes.
    assert!(grid_checker::check_security(&map, &scenario, &plan(80.0, 0.0)).is_empty());
    assert!(grid_checker::check_security(&map, &scenario, &plan(80.0, 40.0)).is_empty());
    // Without line contingencies, 90 MW passes.
    let off = GridScenario::load(&write_scenario(
        dir.path(),
        "[grid]\nline_contingencies = false\n",
    ));
    assert!(grid_checker::check_security(&map, &off, &plan(90.0, 0.0)).is_empty());
}

#[test]
fn lines_a_preexisting_violation_may_be_relieved_not_worsened() {
    // One line L1 from B to A carrying 120 MW today, rated 100; A and B each supply half of new
    // load. 100 MW at B: half comes from A, L1 = 120 − 50 = 70 (relieved). 100 MW at A: half
    // comes from B, L1 = 120 + 50 = 170 (worsened). 500 MW at B: 120 − 250 = −130 (overshoot).
    let subs: [Sub; 2] = [("A", 1000.0, 0.0, 0.5), ("B", 1000.0, 0.0, 0.5)];
    let lines = [("L1", "B", "A", 0.1, 100.0, 100.0, 120.0)];
    let dir = tempfile::tempdir().unwrap();
    let map = GridMap::load(&write_map(dir.path(), &subs, &lines));
    let scenario = GridScenario::load(&write_scenario(dir.path(), ""));
    let plan = |sub: &'static str, mw: f64| {
        let out = write_out(dir.path(), &subs, &[("P", sub, mw, 0.0)], &[]);
        GridPlan::load(&map, &out, &mut Vec::new())
    };
    assert!(grid_checker::check_security(&map, &scenario, &plan("B", 100.0)).is_empty());
    // No plan at all keeps it as it is: allowed.
    assert!(grid_checker::check_security(&map, &scenario, &plan("B", 0.0)).is_empty());
    let faults = grid_checker::check_security(&map, &scenario, &plan("A", 100.0));
    assert_one_fault_contains(&faults, "line L1 in normal operation: 170.0000 MW leaves");
    assert_one_fault_contains(&faults, "worsened");
    let faults = grid_checker::check_security(&map, &scenario, &plan("B", 500.0));
    assert_one_fault_contains(&faults, "line L1 in normal operation: -130.0000 MW leaves");
    // L1 is radial (its outage splits A from B): no contingency, no outage rows.
    let (flows, _) = grid_checker::line_flows(&map, &scenario, &plan("B", 100.0));
    assert_eq!(flows.radial, vec![true]);
    assert!(flows.outages[0].is_empty());
    assert_eq!(flows.preexisting_normal, 1);
}

#[test]
fn lines_a_preexisting_outage_violation_may_not_be_worsened() {
    // The triangle with base flows AB 70, BC 0, AC 30 and AB's emergency rating 80. Without
    // the plan, the outage of AC moves its 30 MW round A→B→C: AB = 100 > 80, a pre-existing
    // violation (the only one). Any new load at C adds to both AB and AC, so it is refused; no
    // plan passes.
    let dir = tempfile::tempdir().unwrap();
    let (subs, lines) = triangle(
        [(200.0, 80.0), (200.0, 200.0), (200.0, 200.0)],
        [70.0, 0.0, 30.0],
    );
    let map = GridMap::load(&write_map(dir.path(), &subs, &lines));
    let scenario = GridScenario::load(&write_scenario(dir.path(), ""));
    let plan = |mw: f64| {
        let out = write_out(dir.path(), &subs, &[("P", "C", mw, 0.0)], &[]);
        GridPlan::load(&map, &out, &mut Vec::new())
    };
    assert!(grid_checker::check_security(&map, &scenario, &plan(0.0)).is_empty());
    let faults = grid_checker::check_security(&map, &scenario, &plan(3.0));
    // AB = 70 + 1 = 71, AC = 30 + 2 = 32 → AC out: AB = 71 + 32 = 103 > pre 100.
    assert_one_fault_contains(
        &faults,
        "line AB while line AC is out (emergency rating): 103.0000 MW leaves [−80.0000, 100.0000]",
    );
    let (flows, _) = grid_checker::line_flows(&map, &scenario, &plan(0.0));
    assert_eq!(flows.preexisting_outage_pairs, 1);
}

#[test]
fn radial_lines_are_found_by_graph_search() {
    // A=0 and B=1 joined by two parallel lines (neither is radial), B–C=2 a single line (radial),
    // D=3 on no line.
    let subs: [Sub; 4] = [
        ("A", 500.0, 0.0, 1.0),
        ("B", 500.0, 0.0, 0.0),
        ("C", 500.0, 0.0, 0.0),
        ("D", 500.0, 0.0, 0.0),
    ];
    let lines = [
        ("AB1", "A", "B", 0.1, 200.0, 200.0, 0.0),
        ("AB2", "A", "B", 0.3, 200.0, 200.0, 0.0),
        ("BC", "B", "C", 0.1, 200.0, 200.0, 0.0),
    ];
    let dir = tempfile::tempdir().unwrap();
    let map = GridMap::load(&write_map(dir.path(), &subs, &lines));
    assert_eq!(grid_checker::radial_lines(&map), vec![false, false, true]);
    // 100 MW at C: BC carries 100, the parallel pair splits it by 1/x: 75 and 25. AB1 out puts
    // all 100 on AB2. D's load is outside the network: no line row limits it.
    let scenario = GridScenario::load(&write_scenario(dir.path(), ""));
    let out = write_out(
        dir.path(),
        &subs,
        &[("P", "C", 100.0, 0.0), ("Q", "D", 300.0, 0.0)],
        &[],
    );
    let plan = GridPlan::load(&map, &out, &mut Vec::new());
    let (flows, faults) = grid_checker::line_flows(&map, &scenario, &plan);
    assert!(faults.is_empty(), "{faults:#?}");
    let want = [75.0, 25.0, 100.0];
    for (got, want) in flows.flow_mw.iter().zip(want) {
        assert!((got - want).abs() < 1e-9, "{:?}", flows.flow_mw);
    }
    let ab2_while_ab1_out = flows.outages[1].iter().find(|r| r.0 == 0).unwrap();
    assert!((ab2_while_ab1_out.2 - 100.0).abs() < 1e-9);
    // BC is no contingency: no line has a row for its outage.
    assert!(flows.outages.iter().flatten().all(|r| r.0 != 2));
}

#[test]
fn load_in_a_part_without_supply_is_refused() {
    // A–B supplied at A; C–D is a part of its own with no supply.
    let subs: [Sub; 4] = [
        ("A", 500.0, 0.0, 1.0),
        ("B", 500.0, 0.0, 0.0),
        ("C", 500.0, 0.0, 0.0),
        ("D", 500.0, 0.0, 0.0),
    ];
    let lines = [
        ("AB", "A", "B", 0.1, 200.0, 200.0, 0.0),
        ("CD", "C", "D", 0.1, 200.0, 200.0, 0.0),
    ];
    let dir = tempfile::tempdir().unwrap();
    let map = GridMap::load(&write_map(dir.path(), &subs, &lines));
    let scenario = GridScenario::load(&write_scenario(dir.path(), ""));
    let out = write_out(dir.path(), &subs, &[("P", "D", 50.0, 0.0)], &[]);
    let plan = GridPlan::load(&map, &out, &mut Vec::new());
    let faults = grid_checker::check_security(&map, &scenario, &plan);
    assert_one_fault_contains(
        &faults,
        "substation D takes 50.0000 MW of new load in a part",
    );
    let out = write_out(dir.path(), &subs, &[("P", "B", 50.0, 0.0)], &[]);
    let plan = GridPlan::load(&map, &out, &mut Vec::new());
    assert!(grid_checker::check_security(&map, &scenario, &plan).is_empty());
}
