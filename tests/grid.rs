//! Grid security end to end (docs/grid-security.md, "Grid security", contract revision of 2026-11-30):
//! tiny maps whose optimum is computed by hand, run through `gridsite optimize`, each plan
//! checked by the independent plan checker and the independent grid checker.
//!
//! Every map lies on the meridian 100° W: each parcel is a 0.01° square centred on it (about
//! 234 acres, room for 468 MW at 0.5 acres/MW), each substation a point on it, and a fiber line
//! runs along it. So every distance is R·Δφ: one hundredth of a degree is
//! d = 6371.0088 km · 0.01·π/180 = 1.111950802 km. Land and fiber cost nothing; a site costs
//! 20 M USD fixed plus 3 M USD per feed km: a site fed over n·d costs 20 M + 3 M·n·d =
//! 20,000,000 + n·3,335,852.41 USD. The target is 100 MW, sites 50–100 MW: one site meets it,
//! and two cost at least 40 M USD, more than any single-site plan below. Feeds reach 5 km
//! (4.5 d), so each parcel sees only the substations named near it.

#[path = "common/cli.rs"]
mod cli;
#[path = "common/grid_checker.rs"]
mod grid_checker;
#[path = "common/plan_checker.rs"]
mod plan_checker;

use std::path::{Path, PathBuf};

use cli::{describe, gridsite, read_json};
use grid_checker::check_grid;
use plan_checker::check_plan;
use serde_json::{Value, json};

/// One hundredth of a degree of latitude, in km.
fn d() -> f64 {
    6371.0088 * 0.01f64.to_radians()
}

/// A one-site plan fed over `n`·d km in total.
fn one_site_usd(n: f64) -> f64 {
    20_000_000.0 + 3_000_000.0 * n * d()
}

fn collection(features: Vec<Value>) -> Value {
    json!({"type": "FeatureCollection", "features": features})
}

fn feature(geometry: Value, properties: Value) -> Value {
    json!({"type": "Feature", "geometry": geometry, "properties": properties})
}

/// A substation at latitude `lat` on the meridian: (id, latitude, properties).
fn substation(id: &str, lat: f64, headroom_mw: f64, supply_share: f64) -> (String, f64, Value) {
    (
        id.to_string(),
        lat,
        json!({"id": id, "voltage_kv": 230, "headroom_mw": headroom_mw,
               "supply_share": supply_share}),
    )
}

/// A line: id, from, to, x_pu, rating_mw, emergency_rating_mw, base_flow_mw.
type Line = (&'static str, &'static str, &'static str, f64, f64, f64, f64);

/// Writes the map into `dir/map`: substations, lines (if any), one 0.01° square parcel
/// (industrial, free land) centred on each latitude of `parcels`, fiber along the meridian,
/// one community over all of it, no receptors.
fn write_map(
    dir: &Path,
    substations: &[(String, f64, Value)],
    lines: &[Line],
    parcels: &[(&str, f64)],
) -> PathBuf {
    let map = dir.join("map");
    std::fs::create_dir_all(&map).unwrap();
    let write = |name: &str, features: Vec<Value>| {
        let text = serde_json::to_string_pretty(&collection(features)).unwrap();
        std::fs::write(map.join(format!("{name}.geojson")), text).unwrap();
    };
    let lat_of = |id: &str| substations.iter().find(|s| s.0 == id).unwrap().1;
    write(
        "substations",
        substations
            .iter()
            .map(|(_, lat, props)| {
                feature(
                    json!({"type": "Point", "coordinates": [-100.0, lat]}),
                    props.clone(),
                )
            })
            .collect(),
    );
    if !lines.is_empty() {
        write(
            "lines",
            lines
                .iter()
                .map(|(id, from, to, x, rating, emergency, base)| {
                    feature(
                        json!({"type": "LineString",
                               "coordinates": [[-100.0, lat_of(from)], [-100.0, lat_of(to)]]}),
                        json!({"id": id, "from": from, "to": to, "x_pu": x,
                               "rating_mw": rating, "emergency_rating_mw": emergency,
                               "base_flow_mw": base}),
                    )
                })
                .collect(),
        );
    }
    write(
        "parcels",
        parcels
            .iter()
            .map(|(id, lat)| {
                let (s, n) = (lat - 0.005, lat + 0.005);
                feature(
                    json!({"type": "Polygon", "coordinates": [[[-100.005, s], [-99.995, s],
                           [-99.995, n], [-100.005, n], [-100.005, s]]]}),
                    json!({"id": id, "zoning": "industrial", "land_usd_per_acre": 0}),
                )
            })
            .collect(),
    );
    write(
        "fiber",
        vec![feature(
            json!({"type": "LineString", "coordinates": [[-100.0, 39.5], [-100.0, 40.5]]}),
            json!({"id": "F1", "kind": "long_haul"}),
        )],
    );
    write(
        "communities",
        vec![feature(
            json!({"type": "Polygon", "coordinates": [[[-100.5, 39.5], [-99.5, 39.5],
                   [-99.5, 40.5], [-100.5, 40.5], [-100.5, 39.5]]]}),
            json!({"id": "C1", "name": "Meridian", "population": 1000}),
        )],
    );
    write("receptors", Vec::new());
    map
}

/// A scenario next to the map in `dir`, with the common keys and `site` / `grid` keys added.
fn write_scenario(dir: &Path, file: &str, site: &str, grid: &str) -> PathBuf {
    let path = dir.join(file);
    let text = format!(
        "name = \"{}\"\nmap = \"map\"\n\n[target]\ntotal_mw = 100\nmodule_mw = 25\n\
         min_site_mw = 50\nmax_site_mw = 100\nmax_sites = 2\n\n[site]\nmax_feed_km = 5.0\n{site}\n\n\
         [grid]\n{grid}\n\n[costs]\nsite_fixed_usd = 20_000_000\nfeed_usd_per_km = 3_000_000\n\
         fiber_usd_per_km = 0\n\n[solver]\nmip_gap = 0.0\n",
        file.trim_end_matches(".toml")
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// What one run wrote.
struct Run {
    code: i32,
    out: PathBuf,
    summary: Value,
    _dir: tempfile::TempDir,
}

impl Run {
    fn objective(&self) -> f64 {
        self.summary["objective_usd"]
            .as_f64()
            .unwrap_or_else(|| panic!("no objective in {}", self.summary))
    }

    /// (parcel, substation, firm MW) of each feed, sorted.
    fn feeds(&self) -> Vec<(String, String, f64)> {
        let doc = read_json(&self.out.join("feeds.geojson"));
        let mut feeds: Vec<(String, String, f64)> = doc["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let p = &f["properties"];
                (
                    p["parcel_id"].as_str().unwrap().to_string(),
                    p["substation_id"].as_str().unwrap().to_string(),
                    p["firm_mw"].as_f64().unwrap(),
                )
            })
            .collect();
        feeds.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        feeds
    }

    fn sites_and_feeds(&self) -> Vec<(String, String)> {
        self.feeds().into_iter().map(|(p, s, _)| (p, s)).collect()
    }

    /// A property of a feature of an output layer, by its id property.
    fn property(&self, file: &str, id_key: &str, id: &str, key: &str) -> Value {
        let doc = read_json(&self.out.join(file));
        let f = doc["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"][id_key] == id)
            .unwrap_or_else(|| panic!("{file} has no {id_key} {id}"));
        f["properties"][key].clone()
    }
}

/// Runs `gridsite optimize` and checks the outputs with both independent checkers.
fn optimize(map: &Path, scenario: &Path) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = gridsite(&[
        "optimize".as_ref(),
        scenario.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    let code = output.status.code().unwrap_or(-1);
    assert!(code == 0 || code == 2, "{}", describe(&output));
    check_plan(&out, scenario);
    let faults = check_grid(map, scenario, &out);
    assert!(
        faults.is_empty(),
        "grid checker on {}:\n  {}\n{}",
        scenario.display(),
        faults.join("\n  "),
        describe(&output)
    );
    let lines = out.join("lines.geojson");
    if lines.exists() {
        let (_, rfc) = plan_checker::rfc7946_faults(&lines);
        assert!(rfc.is_empty(), "lines.geojson: {rfc:?}");
    }
    let summary = read_json(&out.join("summary.json"));
    Run {
        code,
        out,
        summary,
        _dir: dir,
    }
}

fn assert_usd(got: f64, want: f64) {
    // objective_usd is written in whole USD.
    assert!((got - want).abs() <= 1.0, "objective {got} != {want:.2}");
}

fn assert_mw(got: &Value, want: f64, what: &str) {
    let got = got
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: {got} not a number"));
    assert!((got - want).abs() <= 1.5e-3, "{what}: {got} != {want}");
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// (a) The three-bus loop.

/// A (40.20°, supply), B (40.10°), C (40.00°), lines AB, BC, AC with x = 0.1 pu, rated 200 MW;
/// AB already carries 10 MW from A to B. One parcel P1 centred at 40.01°: only C is within
/// reach (d; B is 9d away).
///
/// Optimum: P1 at 100 MW fed by C, 20 M + 3 M·d = 23,335,852.41 USD.
/// Flows: the 100 MW withdrawn at C come from A; A→C directly meets x, A→B→C 2x, so AC
/// carries 2/3·100 = 66.667, AB 10 + 33.333 = 43.333, BC 33.333 MW. Every line is a
/// contingency: AC out moves its 66.667 onto AB (110) and BC (100), within 200.
#[test]
fn a_three_bus_loop_carries_the_closed_form_flows() {
    let dir = tempfile::tempdir().unwrap();
    let map = write_map(
        dir.path(),
        &[
            substation("A", 40.20, 1000.0, 1.0),
            substation("B", 40.10, 1000.0, 0.0),
            substation("C", 40.00, 1000.0, 0.0),
        ],
        &[
            ("AB", "A", "B", 0.1, 200.0, 200.0, 10.0),
            ("BC", "B", "C", 0.1, 200.0, 200.0, 0.0),
            ("AC", "A", "C", 0.1, 200.0, 200.0, 0.0),
        ],
        &[("P1", 40.01)],
    );
    let scenario = write_scenario(dir.path(), "loop.toml", "", "");
    let run = optimize(&map, &scenario);
    assert_eq!(run.code, 0);
    assert_eq!(run.summary["status"], "optimal");
    assert_usd(run.objective(), one_site_usd(1.0));
    assert_eq!(run.sites_and_feeds(), pairs(&[("P1", "C")]));
    for (line, flow) in [
        ("AB", 10.0 + 100.0 / 3.0),
        ("BC", 100.0 / 3.0),
        ("AC", 200.0 / 3.0),
    ] {
        let got = run.property("lines.geojson", "id", line, "flow_mw");
        assert_mw(&got, flow, &format!("{line} flow_mw"));
        let loading = run.property("lines.geojson", "id", line, "loading");
        assert!(
            (loading.as_f64().unwrap() - flow / 200.0).abs() < 1e-3,
            "{line} loading {loading}"
        );
    }
    assert_eq!(run.summary["counts"]["lines"], 3);
    assert_eq!(run.summary["counts"]["contingencies"], 3);
}

// ---------------------------------------------------------------------------------------------
// (b) A radial line.

/// The loop of (a) with a fourth substation D (39.80°) hanging off C by the line CD (rated 150):
/// CD's outage would cut D off, so it is radial — listed in `radial_lines`, not a contingency.
/// One parcel P1 centred at 39.81°: only D is within reach (d; C is 19d away).
///
/// Optimum: P1 at 100 MW fed by D, 23,335,852.41 USD. CD carries 100 MW from C to D, the loop
/// as in (a): AC 66.667, AB 33.333, BC 33.333.
#[test]
fn b_a_radial_line_is_listed_and_not_a_contingency() {
    let dir = tempfile::tempdir().unwrap();
    let map = write_map(
        dir.path(),
        &[
            substation("A", 40.20, 1000.0, 1.0),
            substation("B", 40.10, 1000.0, 0.0),
            substation("C", 40.00, 1000.0, 0.0),
            substation("D", 39.80, 1000.0, 0.0),
        ],
        &[
            ("AB", "A", "B", 0.1, 200.0, 200.0, 0.0),
            ("BC", "B", "C", 0.1, 200.0, 200.0, 0.0),
            ("AC", "A", "C", 0.1, 200.0, 200.0, 0.0),
            ("CD", "C", "D", 0.1, 150.0, 150.0, 0.0),
        ],
        &[("P1", 39.81)],
    );
    let scenario = write_scenario(dir.path(), "radial.toml", "", "");
    let run = optimize(&map, &scenario);
    assert_eq!(run.code, 0);
    assert_usd(run.objective(), one_site_usd(1.0));
    assert_eq!(run.sites_and_feeds(), pairs(&[("P1", "D")]));
    let radial = run
        .summary
        .get("radial_lines")
        .or_else(|| run.summary["counts"].get("radial_lines"))
        .cloned();
    assert_eq!(radial, Some(json!(["CD"])), "{}", run.summary);
    assert_eq!(run.summary["counts"]["lines"], 4);
    assert_eq!(run.summary["counts"]["contingencies"], 3);
    assert_mw(
        &run.property("lines.geojson", "id", "CD", "flow_mw"),
        100.0,
        "CD flow_mw",
    );
    for line in ["AB", "BC", "AC", "CD"] {
        let worst = run.property("lines.geojson", "id", line, "worst_outage");
        assert_ne!(
            worst,
            json!("CD"),
            "{line}: the radial CD named as its worst outage"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// (c) Line contingencies change the optimum.

/// The loop A (supply), B, C, with AB's emergency rating 80 MW (normal 200), and a radial line
/// AD to D (39.80°). P1 (40.01°) reaches only C (d); P2 (39.78°) reaches only D (2d).
///
/// Without contingencies: P1 at C, 23,335,852.41 USD (AC 66.667, AB 33.333 within 200).
/// With them: P1 would put all 100 MW on A→B→C when AC is out, AB 100 > 80; so P2 at D over
/// the radial AD (no contingency, 100 ≤ 200): 20 M + 3 M·2d = 26,671,704.81 USD. (A smaller
/// P1 that would fit, 75 MW, leaves 25 MW for a second site below min_site_mw; two sites cost
/// over 40 M.)
#[test]
fn c_line_contingencies_change_the_optimum() {
    let dir = tempfile::tempdir().unwrap();
    let map = write_map(
        dir.path(),
        &[
            substation("A", 40.20, 1000.0, 1.0),
            substation("B", 40.10, 1000.0, 0.0),
            substation("C", 40.00, 1000.0, 0.0),
            substation("D", 39.80, 1000.0, 0.0),
        ],
        &[
            ("AB", "A", "B", 0.1, 200.0, 80.0, 0.0),
            ("BC", "B", "C", 0.1, 200.0, 200.0, 0.0),
            ("AC", "A", "C", 0.1, 200.0, 200.0, 0.0),
            ("AD", "A", "D", 0.1, 200.0, 200.0, 0.0),
        ],
        &[("P1", 40.01), ("P2", 39.78)],
    );
    let off = write_scenario(dir.path(), "off.toml", "", "line_contingencies = false");
    let on = write_scenario(dir.path(), "on.toml", "", "line_contingencies = true");
    let run_off = optimize(&map, &off);
    assert_eq!(run_off.code, 0);
    assert_usd(run_off.objective(), one_site_usd(1.0));
    assert_eq!(run_off.sites_and_feeds(), pairs(&[("P1", "C")]));
    let run_on = optimize(&map, &on);
    assert_eq!(run_on.code, 0);
    assert_usd(run_on.objective(), one_site_usd(2.0));
    assert_eq!(run_on.sites_and_feeds(), pairs(&[("P2", "D")]));
    assert!(run_on.objective() > run_off.objective());
    // The plan without contingencies does break the outage row the checker knows.
    let faults = check_grid(&map, &on, &run_off.out);
    assert!(
        faults
            .iter()
            .any(|f| f.contains("line AB while line AC is out")),
        "{faults:#?}"
    );
}

// ---------------------------------------------------------------------------------------------
// (d) A line overloaded before the plan.

/// Two substations A (40.00°) and B (40.10°), each supplying half of new load, joined by one
/// line L1 from B to A that already carries 120 MW (rated 100): a pre-existing violation. PA
/// (40.01°) reaches only A (d); PB (40.12°) reaches only B (2d).
///
/// 100 MW at A draws half of it from B over L1: 170 MW, worse — refused. 100 MW at B draws half
/// from A against L1's flow: 70 MW, relieved — allowed. Optimum: PB fed by B,
/// 20 M + 3 M·2d = 26,671,704.81 USD, L1 at 70 MW. Without PB the scenario is infeasible and
/// the explanation names L1.
#[test]
fn d_a_preexisting_overload_may_be_relieved_not_worsened() {
    let subs = [
        substation("A", 40.00, 1000.0, 0.5),
        substation("B", 40.10, 1000.0, 0.5),
    ];
    let lines = [("L1", "B", "A", 0.1, 100.0, 100.0, 120.0)];
    let dir = tempfile::tempdir().unwrap();
    let map = write_map(dir.path(), &subs, &lines, &[("PA", 40.01), ("PB", 40.12)]);
    let scenario = write_scenario(dir.path(), "relieve.toml", "", "");
    let run = optimize(&map, &scenario);
    assert_eq!(run.code, 0);
    assert_usd(run.objective(), one_site_usd(2.0));
    assert_eq!(run.sites_and_feeds(), pairs(&[("PB", "B")]));
    assert_mw(
        &run.property("lines.geojson", "id", "L1", "flow_mw"),
        70.0,
        "L1 flow_mw",
    );
    assert_eq!(run.summary["counts"]["contingencies"], 0);
    let preexisting = run
        .summary
        .get("preexisting_violations")
        .or_else(|| run.summary["counts"].get("preexisting_violations"))
        .cloned();
    assert_eq!(preexisting, Some(json!(1)), "{}", run.summary);

    // Only PA: any load there worsens L1.
    let dir = tempfile::tempdir().unwrap();
    let map = write_map(dir.path(), &subs, &lines, &[("PA", 40.01)]);
    let scenario = write_scenario(dir.path(), "worsen.toml", "", "");
    let run = optimize(&map, &scenario);
    assert_eq!(run.code, 2);
    assert_eq!(run.summary["status"], "infeasible");
    let text = run.summary.to_string();
    assert!(
        text.contains("L1"),
        "the explanation does not name L1: {text}"
    );
}

/// `grid.harm_factor_cutoff` (0.05 by default, docs/contract.md's revision of 2026-12-07; 0.0 is the
/// strict reading). A (40.00°, supply 0.97) and B (40.10°, supply 0.03), L1 from B to A already
/// at 120 MW over its 100 MW rating. A MW of new load at A comes 0.97 from A itself and 0.03
/// from B, over L1: factor +0.03 (worsens L1). A MW at B comes 0.97 from A, against L1's flow:
/// factor −0.97 (relieves).
///
/// - Strict (0.0, every factor counts): PA at A worsens L1, so PB at B (2d) is the optimum,
///   one_site_usd(2) = 26,671,704.82 USD, and L1 falls to 120 − 97 = 23 MW.
/// - Default (no key: 0.05): A's 0.03 counts for nothing on L1, so PA at A (d) is the optimum,
///   one_site_usd(1) = 23,335,852.41 USD; L1 carries 120 + 3 = 123 MW, as written in
///   `lines.geojson`. The checker with the default passes it; with the strict rule it finds L1
///   worsened. A cutoff of 0.1 gives the same.
/// - Cutoff 0.02: 0.03 still counts, and PB is the optimum again.
#[test]
fn f_a_harm_factor_cutoff_ignores_small_factors_on_broken_limits_by_default() {
    let subs = [
        substation("A", 40.00, 1000.0, 0.97),
        substation("B", 40.10, 1000.0, 0.03),
    ];
    let lines = [("L1", "B", "A", 0.1, 100.0, 100.0, 120.0)];
    let dir = tempfile::tempdir().unwrap();
    let map = write_map(dir.path(), &subs, &lines, &[("PA", 40.01), ("PB", 40.12)]);

    let strict = write_scenario(dir.path(), "strict.toml", "", "harm_factor_cutoff = 0.0");
    let run = optimize(&map, &strict);
    assert_eq!(run.code, 0);
    assert_usd(run.objective(), one_site_usd(2.0));
    assert_eq!(run.sites_and_feeds(), pairs(&[("PB", "B")]));
    assert_mw(
        &run.property("lines.geojson", "id", "L1", "flow_mw"),
        23.0,
        "L1",
    );

    let default = write_scenario(dir.path(), "default.toml", "", "");
    let run = optimize(&map, &default);
    assert_eq!(run.code, 0);
    assert_usd(run.objective(), one_site_usd(1.0));
    assert_eq!(run.sites_and_feeds(), pairs(&[("PA", "A")]));
    assert_mw(
        &run.property("lines.geojson", "id", "L1", "flow_mw"),
        123.0,
        "L1",
    );
    assert!(check_grid(&map, &default, &run.out).is_empty());
    let faults = check_grid(&map, &strict, &run.out);
    assert!(
        faults
            .iter()
            .any(|f| f.contains("L1") && f.contains("worsened")),
        "the strict rule should find L1 worsened: {faults:?}"
    );

    let cut = write_scenario(dir.path(), "cut.toml", "", "harm_factor_cutoff = 0.1");
    let run = optimize(&map, &cut);
    assert_eq!(run.code, 0);
    assert_eq!(run.sites_and_feeds(), pairs(&[("PA", "A")]));

    let below = write_scenario(dir.path(), "below.toml", "", "harm_factor_cutoff = 0.02");
    let run = optimize(&map, &below);
    assert_eq!(run.code, 0);
    assert_eq!(run.sites_and_feeds(), pairs(&[("PB", "B")]));

    let wrong = write_scenario(dir.path(), "wrong.toml", "", "harm_factor_cutoff = 1.5");
    let out = dir.path().join("wrong-out");
    let output = gridsite(&[
        "optimize".as_ref(),
        wrong.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("grid.harm_factor_cutoff"),
        "{}",
        describe(&output)
    );
    assert!(!out.exists(), "nothing is written for bad input");
}

// ---------------------------------------------------------------------------------------------
// (e) N-1 feeds.

/// No lines. One parcel P centred at 40.00°; S1 (40.01°, d away), S2 (39.98°, 2d), S3 (40.03°,
/// 3d). S1 and S3 have 125 MW headroom: 100 MW normal (0.8), 125 MW in an emergency (1.0). S2
/// has 60: 48 normal, 60 emergency.
///
/// `min_feeds = 1`: P fed by S1 alone (100 ≤ 100), 20 M + 3 M·d = 23,335,852.41 USD.
/// `min_feeds = 2`: S1+S2 is the cheapest pair (3d) but while S1 is out S2 must carry all
/// 100 MW > 60 (whatever the split, firm on S1 + S2 = 100): refused. S1+S3 (4d): either outage
/// leaves 100 ≤ 125 on the other. Optimum 20 M + 3 M·4d = 33,343,409.62 USD.
/// With S2's headroom raised to 125, S1+S2 (3d) is secure: 30,007,557.22 USD.
#[test]
fn e_n1_refuses_a_cheap_second_feed_without_emergency_room() {
    let parcels = [("P", 40.00)];
    let subs = |s2_headroom: f64| {
        [
            substation("S1", 40.01, 125.0, 0.0),
            substation("S2", 39.98, s2_headroom, 0.0),
            substation("S3", 40.03, 125.0, 0.0),
        ]
    };
    let dir = tempfile::tempdir().unwrap();
    let map = write_map(dir.path(), &subs(60.0), &[], &parcels);
    let one = write_scenario(dir.path(), "one.toml", "min_feeds = 1", "");
    let run = optimize(&map, &one);
    assert_eq!(run.code, 0);
    assert_usd(run.objective(), one_site_usd(1.0));
    assert_eq!(run.sites_and_feeds(), pairs(&[("P", "S1")]));

    let two = write_scenario(dir.path(), "two.toml", "min_feeds = 2", "");
    let run = optimize(&map, &two);
    assert_eq!(run.code, 0);
    assert_usd(run.objective(), one_site_usd(4.0));
    assert_eq!(run.sites_and_feeds(), pairs(&[("P", "S1"), ("P", "S3")]));
    for (id, emergency) in [("S1", 125.0), ("S2", 60.0), ("S3", 125.0)] {
        assert_mw(
            &run.property("substations.geojson", "id", id, "emergency_available_mw"),
            emergency,
            &format!("{id} emergency_available_mw"),
        );
    }
    // The worst outage moves the other feed's firm MW: S1's pickup is S3's firm, and back.
    let firm = |sub: &str| {
        run.feeds()
            .iter()
            .find(|f| f.1 == sub)
            .map(|f| f.2)
            .unwrap()
    };
    assert_mw(
        &run.property("substations.geojson", "id", "S1", "worst_outage_pickup_mw"),
        firm("S3"),
        "S1 worst_outage_pickup_mw",
    );

    let dir = tempfile::tempdir().unwrap();
    let map = write_map(dir.path(), &subs(125.0), &[], &parcels);
    let two = write_scenario(dir.path(), "two.toml", "min_feeds = 2", "");
    let run = optimize(&map, &two);
    assert_eq!(run.code, 0);
    assert_usd(run.objective(), one_site_usd(3.0));
    assert_eq!(run.sites_and_feeds(), pairs(&[("P", "S1"), ("P", "S2")]));
}

// ---------------------------------------------------------------------------------------------
// A real network.

/// Jeonbuk as its recipe imports it (PyPSA-KR's network: lines, transformers and tie points
/// with supply shares), its shipped 300 MW scenario with N-1 feeds: the optimum passes both
/// checkers, lines and substation outages alike.
#[test]
fn jeonbuk_with_n1_feeds_is_secure_on_its_real_network() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("map");
    let output = gridsite(&[
        "import".as_ref(),
        root.join("maps/jeonbuk/recipe.toml").as_os_str(),
        "--out".as_ref(),
        map.as_os_str(),
    ]);
    assert!(output.status.success(), "{}", describe(&output));
    let text = std::fs::read_to_string(root.join("scenarios/jeonbuk-300mw.toml")).unwrap();
    let mut doc: toml::Table = text.parse().unwrap();
    doc.insert("map".into(), map.to_str().unwrap().into());
    let site = doc
        .entry("site")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    site.as_table_mut()
        .unwrap()
        .insert("min_feeds".into(), 2.into());
    let scenario = dir.path().join("jeonbuk-n1.toml");
    std::fs::write(&scenario, toml::to_string(&doc).unwrap()).unwrap();
    let run = optimize(&map, &scenario);
    assert_eq!(run.summary["status"], "optimal", "{}", run.summary);
    assert!(run.summary["counts"]["lines"].as_u64().unwrap() > 0);
    assert!(run.summary["counts"]["contingencies"].as_u64().unwrap() > 0);
}

/// Sacramento's shipped scenario on its imported CATS network, and the shipped synthetic
/// scenarios on their generated networks, each with every line outage (and N-1 feeds in
/// `suburban-community-first`): each plan is optimal and passes both checkers.
#[test]
fn shipped_scenarios_are_secure_on_their_networks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("sacramento");
    let output = gridsite(&[
        "import".as_ref(),
        root.join("maps/sacramento/recipe.toml").as_os_str(),
        "--out".as_ref(),
        map.as_os_str(),
    ]);
    assert!(output.status.success(), "{}", describe(&output));
    let text = std::fs::read_to_string(root.join("scenarios/sacramento-300mw.toml")).unwrap();
    let mut doc: toml::Table = text.parse().unwrap();
    doc.insert("map".into(), map.to_str().unwrap().into());
    let scenario = dir.path().join("sacramento.toml");
    std::fs::write(&scenario, toml::to_string(&doc).unwrap()).unwrap();
    let run = optimize(&map, &scenario);
    assert_eq!(run.summary["status"], "optimal", "{}", run.summary);
    assert!(run.summary["counts"]["lines"].as_u64().unwrap() > 600);
    assert!(run.summary["counts"]["contingencies"].as_u64().unwrap() > 0);

    for (name, map) in [
        ("suburban-community-first", "suburban"),
        ("coastal-800mw", "coastal"),
    ] {
        let scenario = root.join(format!("scenarios/{name}.toml"));
        let run = optimize(&root.join("maps").join(map), &scenario);
        assert_eq!(run.summary["status"], "optimal", "{name}: {}", run.summary);
        assert!(run.summary["counts"]["contingencies"].as_u64().unwrap() > 0);
    }
}
