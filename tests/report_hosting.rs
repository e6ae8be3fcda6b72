//! `report.html` on a map with `load_profiles.csv` and `loads.geojson` (docs/profiles-and-queue.md, "Headroom
//! over time and the queue"): for each substation of the plan with a profile, a load-duration
//! chart and a MW-against-curtailment chart whose figures are those of `substations.geojson`
//! and `hosting.csv`; the large loads on the map and in a table, counted as the scenario says;
//! nothing of either on a map without them; and the page still opens offline.
//!
//! The map is `tests/fixtures/tiny` with a 48-hour profile (weights 182.5, a year) on S2 and
//! S3 (S2's `flexible_mw` removed, as the contract requires) and five large loads, written to
//! a temporary folder.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use gridsite::pipeline::{self, Status};
use scraper::{ElementRef, Html, Selector};
use serde_json::{Value, json};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The large loads written: id, substation, MW, status.
const LOADS: [(&str, &str, f64, &str); 5] = [
    ("Q1", "S2", 25.0, "signed"),
    ("Q2", "S1", 40.0, "study"),
    ("Q3", "S3", 10.0, "construction"),
    ("Q4", "S1", 15.0, "withdrawn"),
    ("Q5", "S2", 30.0, "operating"),
];

/// S2's and S3's existing load in hour `h` of 48: a daily swing, and at S2 two peaks that the
/// plan's flexible MW must be curtailed in.
fn hourly_load(h: usize) -> (f64, f64) {
    let day = ((h % 24) as f64 / 24.0 * std::f64::consts::TAU).sin();
    let s2 = match h {
        17 => 200.0,
        41 => 150.0,
        _ => 60.0 + 25.0 * day,
    };
    (s2, 10.0 + 5.0 * day)
}

/// The tiny map in `dir/map`, with profiles and/or loads; gives the scenario's path.
fn tiny_map(dir: &Path, profiles: bool, loads: bool, grid: &str) -> PathBuf {
    let map = dir.join("map");
    std::fs::create_dir_all(&map).unwrap();
    for entry in std::fs::read_dir(fixture("tiny")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, map.join(path.file_name().unwrap())).unwrap();
    }
    if profiles {
        // A profiled substation derives its flexible room: it may not also carry flexible_mw.
        let path = map.join("substations.geojson");
        let mut substations: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for f in substations["features"].as_array_mut().unwrap() {
            f["properties"]
                .as_object_mut()
                .unwrap()
                .remove("flexible_mw");
        }
        std::fs::write(&path, substations.to_string()).unwrap();
        let mut csv = String::from("hour,weight,S2,S3\n");
        for h in 0..48 {
            let (s2, s3) = hourly_load(h);
            csv.push_str(&format!("{h},182.5,{s2:.3},{s3:.3}\n"));
        }
        std::fs::write(map.join("load_profiles.csv"), csv).unwrap();
    }
    if loads {
        let features: Vec<Value> = (LOADS.iter().enumerate())
            .map(|(i, (id, substation, mw, status))| {
                json!({
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [-121.3 + 0.04 * i as f64, 38.605]},
                    "properties": {"id": id, "substation": substation, "mw": mw, "status": status},
                })
            })
            .collect();
        let collection = json!({"type": "FeatureCollection", "features": features});
        std::fs::write(map.join("loads.geojson"), collection.to_string()).unwrap();
    }
    let scenario = dir.join("hosting.toml");
    std::fs::write(
        &scenario,
        format!(
            "name = \"hosting\"\nmap = {:?}\n[target]\ntotal_mw = 300\n[grid]\n{grid}\n",
            map.to_str().unwrap()
        ),
    )
    .unwrap();
    scenario
}

const FLEXIBLE: &str = "flexible_share = 0.5\nmax_curtailment_pct = 1.0";

/// Runs `optimize`; gives the output folder and the page.
fn optimize(dir: &Path, scenario: &Path) -> (PathBuf, String) {
    let out = dir.join("out");
    let optimized = pipeline::optimize(scenario, &out, &|_| {}).unwrap();
    assert_eq!(optimized.status, Status::Optimal);
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    (out, page)
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap()
}

fn select<'a>(dom: &'a Html, css: &str) -> Vec<ElementRef<'a>> {
    dom.select(&selector(css)).collect()
}

fn attr(e: &ElementRef, name: &str) -> String {
    e.value()
        .attr(name)
        .unwrap_or_else(|| panic!("no {name} on {:?}", e.value()))
        .to_string()
}

fn number(e: &ElementRef, name: &str) -> f64 {
    attr(e, name).parse().unwrap()
}

fn features(path: &Path) -> Vec<Value> {
    let value: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    value["features"].as_array().unwrap().clone()
}

/// `substations.geojson`'s properties by id.
fn substations(out: &Path) -> BTreeMap<String, Value> {
    features(&out.join("substations.geojson"))
        .into_iter()
        .map(|f| {
            (
                f["properties"]["id"].as_str().unwrap().to_string(),
                f["properties"].clone(),
            )
        })
        .collect()
}

/// `hosting.csv` by substation id: column name to value.
fn hosting_csv(out: &Path) -> BTreeMap<String, BTreeMap<String, f64>> {
    let mut reader = csv::Reader::from_path(out.join("hosting.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let row = (headers.iter().zip(r.iter()).skip(1))
                .map(|(h, v)| (h.to_string(), v.parse().unwrap()))
                .collect();
            (r[0].to_string(), row)
        })
        .collect()
}

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-3 * b.abs().max(1.0),
        "{what}: the page has {a}, the files {b}"
    );
}

/// The points of a `points="x,y x,y "` attribute.
fn points(polyline: &ElementRef) -> Vec<(i64, i64)> {
    attr(polyline, "points")
        .split_whitespace()
        .map(|p| {
            let (x, y) = p.split_once(',').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect()
}

/// The longest polyline of a chart in a colour (plotters writes `#RRGGBB`).
fn curve(figure: &ElementRef, colour: &str) -> Vec<(i64, i64)> {
    figure
        .select(&selector(&format!("svg polyline[stroke=\"{colour}\"]")))
        .map(|p| points(&p))
        .max_by_key(Vec::len)
        .unwrap_or_else(|| panic!("no {colour} curve"))
}

fn text_of(e: &ElementRef) -> String {
    e.text().collect::<Vec<_>>().join(" ")
}

/// The page's JSON data (the map's layers' properties).
fn page_data(dom: &Html) -> Value {
    let script = select(dom, "#gridsite-data");
    serde_json::from_str(&text_of(&script[0])).unwrap()
}

#[test]
fn the_plans_profiled_substations_have_their_charts() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = tiny_map(dir.path(), true, true, FLEXIBLE);
    let (out, page) = optimize(dir.path(), &scenario);
    let dom = Html::parse_document(&page);
    let by_id = substations(&out);
    let used = |p: &Value| {
        p["used_firm_mw"].as_f64().unwrap() + p["used_flexible_mw"].as_f64().unwrap() > 0.0
    };
    let profiled: BTreeSet<String> = (by_id.iter())
        .filter(|(_, p)| p.get("peak_load_mw").is_some())
        .map(|(id, _)| id.clone())
        .collect();
    let expected: BTreeSet<String> = (by_id.iter())
        .filter(|(id, p)| profiled.contains(*id) && used(p))
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(profiled, BTreeSet::from(["S2".into(), "S3".into()]));
    assert!(!expected.is_empty() && expected != profiled, "{expected:?}");

    let charted = |kind: &str| -> BTreeSet<String> {
        select(
            &dom,
            &format!("#hosting figure.hosting-chart[data-chart=\"{kind}\"]"),
        )
        .iter()
        .map(|f| attr(f, "data-id"))
        .collect()
    };
    assert_eq!(charted("duration"), expected);
    assert_eq!(charted("hosting"), expected);
    assert_eq!(
        select(&dom, "figure.hosting-chart").len(),
        2 * expected.len()
    );
    let csv = hosting_csv(&out);
    let mut curtailed_somewhere = false;

    for id in &expected {
        let p = &by_id[id];
        let load_mw = p["used_firm_mw"].as_f64().unwrap() + p["used_flexible_mw"].as_f64().unwrap();
        let figure = |kind: &str| {
            select(
                &dom,
                &format!("figure[data-chart=\"{kind}\"][data-id=\"{id}\"]"),
            )
            .remove(0)
        };

        // (a) The load-duration curve: 48 hours as steps, two vertices an hour.
        let duration = figure("duration");
        assert_eq!(duration.select(&selector("svg")).count(), 1);
        let svg_text = text_of(&duration.select(&selector("svg")).next().unwrap());
        assert!(
            svg_text.contains(&format!("{id}: load-duration curve")),
            "{svg_text}"
        );
        assert!(
            svg_text.contains("(MW)") && svg_text.contains("(h)"),
            "{svg_text}"
        );
        assert_eq!(attr(&duration, "data-points"), "96");
        let existing = curve(&duration, "#4C78A8");
        let with_plan = curve(&duration, "#6A3D9A");
        assert_eq!(existing.len(), 96, "{id}: the existing load's curve");
        assert_eq!(with_plan.len(), 96, "{id}: the curve with the plan");
        assert!(curve(&duration, "#D73027").len() >= 2, "{id}: the limit");
        // Highest load first (SVG y grows downwards), the plan's load above the existing.
        assert!(
            existing
                .windows(2)
                .all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1)
        );
        assert!(existing.iter().zip(&with_plan).all(|(e, w)| w.1 < e.1));
        close(
            number(&duration, "data-peak-mw"),
            p["peak_load_mw"].as_f64().unwrap(),
            "peak",
        );
        close(
            number(&duration, "data-firm-room-mw"),
            p["available_mw"].as_f64().unwrap(),
            "firm room",
        );
        close(
            number(&duration, "data-hosting-mw"),
            p["available_mw"].as_f64().unwrap() + p["flexible_room_mw"].as_f64().unwrap(),
            "L*",
        );
        close(number(&duration, "data-load-mw"), load_mw, "load");
        for key in ["mwh", "hours", "pct"] {
            close(
                number(&duration, &format!("data-curtailment-{key}")),
                p[&format!("curtailment_{key}")].as_f64().unwrap(),
                key,
            );
        }
        let mwh = p["curtailment_mwh"].as_f64().unwrap();
        let shaded = duration
            .select(&selector("svg polygon[fill=\"#F4A6A0\"]"))
            .count();
        assert_eq!(shaded > 0, mwh > 0.0, "{id}: the curtailed area");
        curtailed_somewhere |= mwh > 0.0;
        let caption = text_of(&duration.select(&selector("figcaption")).next().unwrap());
        for shown in ["Peak load", "firm room", "L*", "MWh"] {
            assert!(
                caption.contains(shown),
                "{id}: the caption lacks {shown}: {caption}"
            );
        }

        // (b) MW against curtailment: hosting.csv's points, from the firm room up.
        let hosting = figure("hosting");
        let svg_text = text_of(&hosting.select(&selector("svg")).next().unwrap());
        assert!(
            svg_text.contains(&format!("{id}: MW against curtailment")),
            "{svg_text}"
        );
        assert!(
            svg_text.contains("(MW)") && svg_text.contains("%"),
            "{svg_text}"
        );
        assert!(curve(&hosting, "#1A9850").len() > 20, "{id}: the L* curve");
        let curve_points: Vec<(f64, f64)> =
            serde_json::from_str::<Vec<(f64, f64)>>(&attr(&hosting, "data-points")).unwrap();
        assert!(
            curve_points
                .windows(2)
                .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1 + 1e-9)
        );
        let at = |pct: f64| {
            curve_points
                .iter()
                .find(|(x, _)| *x == pct)
                .unwrap_or_else(|| panic!("{id}: no point at {pct} %"))
                .1
        };
        let row = &csv[id];
        assert_eq!(attr(&hosting, "data-upgraded"), "false");
        close(at(0.0), row["firm_mw"], "L* at 0 %");
        close(at(0.25), row["mw_at_0_25_pct"], "L* at 0.25 %");
        close(at(0.5), row["mw_at_0_5_pct"], "L* at 0.5 %");
        close(at(1.0), row["mw_at_1_pct"], "L* at 1 %");
        close(at(5.0), row["mw_at_5_pct"], "L* at 5 %");
        close(
            at(1.0),
            number(&hosting, "data-hosting-mw"),
            "L* at the scenario's budget",
        );
        assert_eq!(number(&hosting, "data-budget-pct"), 1.0);
        assert!(load_mw <= at(1.0) + 1e-6, "{id}: the plan exceeds L*");
    }
    assert!(
        curtailed_somewhere,
        "the test's plan should be curtailed somewhere"
    );

    // The large loads: on the map and in the table, counted by the default queue_statuses.
    assert_loads(&dom, &["construction", "signed"]);
    assert_offline(&out.join("report.html"), &page);

    // The same bytes on a rerun (but for the wall-clock seconds).
    let again = tempfile::tempdir().unwrap();
    let scenario = tiny_map(again.path(), true, true, FLEXIBLE);
    let (_, rerun) = optimize(again.path(), &scenario);
    let blank = |page: &str| -> String {
        let dir_free = page.replace(dir.path().to_str().unwrap(), "");
        let dom_free = dir_free.replace(again.path().to_str().unwrap(), "");
        without_seconds(&dom_free)
    };
    assert!(
        blank(&page) == blank(&rerun),
        "report.html differs between runs"
    );
}

/// The loads of [`LOADS`] as the page shows them, counted when their status is in `counted`.
fn assert_loads(dom: &Html, counted: &[&str]) {
    let data = page_data(dom);
    let properties = data["properties"]["loads"]
        .as_array()
        .expect("a loads layer");
    assert_eq!(properties.len(), LOADS.len());
    let markers = select(dom, "#map #layer-loads circle[data-layer=\"loads\"]");
    assert_eq!(markers.len(), LOADS.len());
    for (id, substation, mw, status) in LOADS {
        let is_counted = counted.contains(&status);
        let props = properties
            .iter()
            .find(|p| p["id"] == id)
            .unwrap_or_else(|| panic!("{id} is not in the map's data"));
        assert_eq!(props["substation_id"], substation, "{id}");
        assert_eq!(props["mw"].as_f64(), Some(mw), "{id}");
        assert_eq!(props["status"], status, "{id}");
        assert_eq!(props["counted"], is_counted, "{id}");
        // Its marker points to those properties, and is filled (counted) or hollow.
        let marker = (markers.iter())
            .find(|m| attr(m, "data-id") == id)
            .unwrap_or_else(|| panic!("{id} is not drawn"));
        let i: usize = attr(marker, "data-i").parse().unwrap();
        assert_eq!(properties[i]["id"], id);
        let class = attr(marker, "class");
        let expected = if is_counted { "counted" } else { "uncounted" };
        assert!(class.split(' ').any(|c| c == expected), "{id}: {class}");
        assert_eq!(marker.value().attr("fill").is_some(), is_counted, "{id}");
        // Its row in the table.
        let cell = |key: &str| {
            select(
                dom,
                &format!("table[data-layer=\"loads\"] tr[data-id=\"{id}\"] td[data-key=\"{key}\"]"),
            )
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("{id} has no {key} cell"))
        };
        assert_eq!(attr(&cell("substation_id"), "data-value"), substation);
        assert_eq!(attr(&cell("mw"), "data-value").parse::<f64>().unwrap(), mw);
        assert_eq!(attr(&cell("status"), "data-value"), status);
        let flag = cell("counted");
        assert_eq!(attr(&flag, "data-value"), is_counted.to_string(), "{id}");
        assert_eq!(text_of(&flag), if is_counted { "yes" } else { "no" });
    }
    assert_eq!(
        select(dom, "table[data-layer=\"loads\"] tbody tr").len(),
        LOADS.len()
    );
    // The legend tells counted from not counted.
    let legend = text_of(&select(dom, "#legend-loads")[0]);
    assert!(legend.contains("hollow: not counted"), "{legend}");
}

/// Nothing in the page points outside it, and headless Chromium, with the network cut off,
/// runs its script without a console message or a request.
fn assert_offline(path: &Path, page: &str) {
    let outside = page.replace("http://www.w3.org/2000/svg", "");
    assert!(
        !outside.contains("http://") && !outside.contains("https://") && !page.contains(" src="),
        "the page links outside itself"
    );
    let work = tempfile::tempdir().unwrap();
    let net_log = work.path().join("net.json");
    let output = std::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--proxy-server=http://127.0.0.1:9",
            "--window-size=1400,1000",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", work.path().join("profile").display()))
        .arg(format!("--log-net-log={}", net_log.display()))
        .arg(format!("file://{}", path.display()))
        .output()
        .expect(
            "these tests need Debian's `chromium` on PATH (apt-get install chromium); .ci/run installs it",
        );
    assert!(output.status.success(), "chromium failed");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let console: Vec<&str> = stderr.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console: {console:?}");
    // The browser's own services are not the page's requests.
    let log = std::fs::read_to_string(&net_log).unwrap_or_default();
    let requests: Vec<String> = (log.split("\"url\":\"").skip(1))
        .map(|piece| piece.chars().take_while(|&c| c != '"').collect::<String>())
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        .filter(|u| {
            ![
                "google.com/",
                "googleapis.com/",
                "gvt1.com/",
                "gstatic.com/",
            ]
            .iter()
            .any(|h| u.contains(h))
        })
        .collect();
    assert!(requests.is_empty(), "requests: {requests:?}");
    // The script ran to the end: every marker, the loads' too, got its on-screen size.
    let dom = Html::parse_document(&String::from_utf8_lossy(&output.stdout));
    let markers = select(&dom, "#map circle[data-r]");
    assert!(!markers.is_empty());
    assert!(
        markers
            .iter()
            .all(|c| c.value().attr("r").is_some_and(|r| r != "0")),
        "the page's script did not run to the end"
    );
    assert_eq!(select(&dom, "#layer-loads circle").len(), LOADS.len());
}

/// The page with every `seconds.*` cell blanked.
fn without_seconds(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(at) = rest.find("data-key=\"seconds.") {
        let end = rest[at..].find("</td>").map_or(rest.len(), |e| at + e);
        out.push_str(&rest[..at]);
        out.push_str("[seconds]");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Nothing of the new sections on a map without profiles or loads.
fn assert_no_charts(dom: &Html, page: &str) {
    assert!(select(dom, "#hosting").is_empty());
    assert!(select(dom, "figure.hosting-chart").is_empty());
    assert!(!page.contains("hosting-chart") && !page.contains("load-duration"));
}

#[test]
fn a_map_without_profiles_or_loads_has_none_of_the_new_sections() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = tiny_map(dir.path(), false, false, FLEXIBLE);
    let (out, page) = optimize(dir.path(), &scenario);
    assert!(!out.join("hosting.csv").exists() || hosting_csv(&out).is_empty());
    let dom = Html::parse_document(&page);
    assert_no_charts(&dom, &page);
    assert!(select(&dom, "[data-layer=\"loads\"]").is_empty());
    assert!(select(&dom, "#legend-loads").is_empty());
    assert!(page_data(&dom)["properties"].get("loads").is_none());
    assert_eq!(
        select(&dom, "head style").len(),
        1,
        "only the page's own style"
    );
    assert!(!page.contains("Large loads"));
}

/// Loads without profiles: the loads are shown, counted by the scenario's own
/// `queue_statuses`, and there are no charts.
#[test]
fn loads_without_profiles_are_shown_and_counted_as_the_scenario_says() {
    let dir = tempfile::tempdir().unwrap();
    let grid = "queue_statuses = [\"study\", \"withdrawn\"]";
    let scenario = tiny_map(dir.path(), false, true, grid);
    let (out, page) = optimize(dir.path(), &scenario);
    let dom = Html::parse_document(&page);
    assert_no_charts(&dom, &page);
    assert_loads(&dom, &["study", "withdrawn"]);
    // The counted loads take their MW from S1's headroom (study 40 + withdrawn 15).
    assert_eq!(substations(&out)["S1"]["queued_mw"].as_f64(), Some(55.0));
}
