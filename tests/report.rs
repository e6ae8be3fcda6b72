//! `report.html` as a planner opens it: headless Chromium (Debian's `chromium`; CI installs
//! it) loads each shipped scenario's page with the network cut off, and the page must run
//! without a console message, show every site, feed and substation of the output files, show
//! the figures of `summary.json`, and draw a picture that is not blank. Screenshots go to a
//! temporary folder, never into the repository.

#[path = "common/shipped.rs"]
mod shipped;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;

fn gridsite(args: &[&str]) -> Output {
    Command::cargo_bin("gridsite")
        .unwrap()
        .args(args)
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `gridsite optimize SCENARIO --out OUT [extra...]`; gives its exit code.
fn optimize(scenario: &Path, out: &Path, extra: &[&str]) -> Option<i32> {
    let mut args = vec![
        "optimize",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let output = gridsite(&args);
    assert!(
        matches!(output.status.code(), Some(0 | 2)),
        "{}: {}",
        scenario.display(),
        text(&output)
    );
    output.status.code()
}

/// Chromium's own background services: requests to them are the browser's, not the page's.
const BROWSER_HOSTS: [&str; 4] = [
    "google.com/",
    "googleapis.com/",
    "gvt1.com/",
    "gstatic.com/",
];

/// What the browser saw of a page: the DOM after its script ran, its console messages, and
/// the URLs the page requested (from Chromium's net log; the proxy goes nowhere, so nothing
/// is fetched).
struct Loaded {
    dom: Html,
    console: Vec<String>,
    requests: Vec<String>,
}

fn chromium() -> &'static str {
    let found = std::process::Command::new("chromium")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "these tests need Debian's `chromium` on PATH (apt-get install chromium); .ci/run installs it"
    );
    "chromium"
}

fn headless(page: &Path, work: &Path, extra: &[String]) -> Output {
    let profile = work.join("profile");
    let mut args = vec![
        "--headless".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--hide-scrollbars".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--disable-default-apps".into(),
        "--proxy-server=http://127.0.0.1:9".into(),
        "--window-size=1400,1000".into(),
        format!("--user-data-dir={}", profile.display()),
    ];
    args.extend_from_slice(extra);
    args.push(format!("file://{}", page.display()));
    std::process::Command::new(chromium())
        .args(&args)
        .output()
        .unwrap()
}

fn load(page: &Path) -> Loaded {
    let work = tempfile::tempdir().unwrap();
    let net_log = work.path().join("net.json");
    let output = headless(
        page,
        work.path(),
        &[
            "--enable-logging=stderr".into(),
            "--v=0".into(),
            format!("--log-net-log={}", net_log.display()),
            "--dump-dom".into(),
        ],
    );
    assert!(output.status.success(), "chromium: {}", text(&output));
    let console = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    // The log must exist and be Chromium's (it opens with its constants): without it, "no
    // request" would be nothing seen, not nothing sent.
    let log = std::fs::read_to_string(&net_log).expect("chromium wrote its net log");
    assert!(
        log.contains("\"constants\"") && log.contains("\"events\""),
        "not a net log: {}",
        &log[..log.len().min(200)]
    );
    let requests = requested_urls(&log)
        .into_iter()
        .filter(|u| !BROWSER_HOSTS.iter().any(|h| u.contains(h)))
        .collect();
    Loaded {
        dom: Html::parse_document(&String::from_utf8_lossy(&output.stdout)),
        console,
        requests,
    }
}

/// Every http(s) URL in a net log.
fn requested_urls(log: &str) -> BTreeSet<String> {
    let mut urls = BTreeSet::new();
    for piece in log.split("\"url\":\"").skip(1) {
        let url: String = piece.chars().take_while(|&c| c != '"').collect();
        if url.starts_with("http://") || url.starts_with("https://") {
            urls.insert(url);
        }
    }
    urls
}

/// A screenshot, checked not blank: many colours, and much of it not white.
fn assert_screenshot_not_blank(page: &Path) {
    let work = tempfile::tempdir().unwrap();
    let png = work.path().join("page.png");
    let output = headless(
        page,
        work.path(),
        &[format!("--screenshot={}", png.display())],
    );
    assert!(output.status.success(), "chromium: {}", text(&output));
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
    let colours: BTreeSet<[u8; 3]> = pixels.iter().map(|p| [p[0], p[1], p[2]]).collect();
    let not_white = pixels.iter().filter(|p| p[..3] != [255, 255, 255]).count();
    assert!(
        colours.len() > 100 && not_white * 10 > pixels.len(),
        "{}: the screenshot looks blank ({} colours, {not_white} of {} pixels not white)",
        page.display(),
        colours.len(),
        pixels.len()
    );
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap()
}

/// The `data-id`s of the page's map elements of a layer.
fn drawn_ids(dom: &Html, layer: &str) -> BTreeSet<String> {
    dom.select(&selector(&format!(
        "#map [data-layer=\"{layer}\"][data-id]"
    )))
    .filter_map(|e| e.value().attr("data-id").map(str::to_string))
    .collect()
}

fn features(path: &Path) -> Vec<Value> {
    let value: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    value["features"].as_array().unwrap().clone()
}

fn ids(path: &Path, key: impl Fn(&Value) -> String) -> BTreeSet<String> {
    features(path)
        .iter()
        .map(|f| key(&f["properties"]))
        .collect()
}

fn str_of(v: &Value) -> String {
    v.as_str().unwrap().to_string()
}

/// The value a summary cell shows, by its `data-key`.
fn cell_value(dom: &Html, key: &str) -> Option<String> {
    dom.select(&selector(&format!("table.summary td[data-key=\"{key}\"]")))
        .next()
        .and_then(|e| e.value().attr("data-value").map(str::to_string))
}

fn assert_same_number(page: &Html, key: &str, expected: Option<f64>, scenario: &str) {
    let shown = cell_value(page, key).unwrap_or_default();
    match expected {
        None => assert_eq!(shown, "", "{scenario}: {key} should be empty"),
        Some(v) => {
            let shown: f64 = shown
                .parse()
                .unwrap_or_else(|_| panic!("{scenario}: {key} shows {shown:?}"));
            assert!(
                (shown - v).abs() <= 1e-9 * v.abs().max(1.0),
                "{scenario}: the page shows {key} = {shown}, summary.json has {v}"
            );
        }
    }
}

/// Every figure of the summary table against `summary.json`.
fn assert_summary_matches(dom: &Html, out: &Path, scenario: &str) {
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        cell_value(dom, "status").as_deref(),
        summary["status"].as_str(),
        "{scenario}"
    );
    assert_eq!(
        cell_value(dom, "scenario").as_deref(),
        summary["scenario"].as_str()
    );
    for key in [
        "total_mw",
        "target_mw",
        "sites",
        "objective_usd",
        "gap",
        "communities",
        "upgrade_usd",
        "worst_line_loading",
        "worst_outage_loading",
    ] {
        assert_same_number(dom, key, summary[key].as_f64(), scenario);
    }
    for key in ["parcels", "candidates", "variables", "constraints"] {
        assert_same_number(dom, key, summary["counts"][key].as_f64(), scenario);
    }
    let usd_per_mw = summary["objective_usd"]
        .as_f64()
        .filter(|_| summary["total_mw"].as_f64().unwrap() > 0.0)
        .map(|usd| usd / summary["total_mw"].as_f64().unwrap());
    assert_same_number(dom, "usd_per_mw", usd_per_mw, scenario);
    // A person reads labels and units, worked out here from summary.json's raw figures.
    let shown = |key: &str| -> (String, String) {
        let cell = (dom.select(&selector(&format!("table.summary td[data-key=\"{key}\"]"))))
            .next()
            .unwrap_or_else(|| panic!("{scenario}: no {key} row"));
        let row = ElementRef::wrap(cell.parent().unwrap()).unwrap();
        let label = row.select(&selector("th")).next().unwrap().text().collect();
        (label, cell.text().collect())
    };
    if let Some(usd_per_mw) = usd_per_mw {
        let text = format!("{:.2} M USD", usd_per_mw / 1e6);
        assert_eq!(
            shown("usd_per_mw"),
            ("Cost per MW".into(), text),
            "{scenario}"
        );
    }
    if let Some(gap) = summary["gap"].as_f64() {
        let text = format!("{:.2} %", gap * 100.0);
        assert_eq!(shown("gap"), ("Gap".into(), text), "{scenario}");
    }
    let total = format!("{:.1} MW", summary["total_mw"].as_f64().unwrap());
    assert_eq!(shown("total_mw"), ("MW placed".into(), total), "{scenario}");
    for (stage, s) in summary["seconds"].as_object().unwrap() {
        assert_same_number(dom, &format!("seconds.{stage}"), s.as_f64(), scenario);
    }
}

#[test]
fn every_shipped_scenario_has_a_page_that_opens_offline_and_shows_the_outputs() {
    for runnable in shipped::scenarios() {
        let name = runnable
            .scenario
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .to_string();
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        optimize(&runnable.scenario, &out, &[]);
        let page = out.join("report.html");
        let html = std::fs::read_to_string(&page).unwrap();
        // Nothing in the page points outside it (the SVG namespace is a name, not a request).
        let outside = html.replace("http://www.w3.org/2000/svg", "");
        assert!(
            !outside.contains("http://")
                && !outside.contains("https://")
                && !html.contains(" src="),
            "{name}: the page links outside itself"
        );
        let loaded = load(&page);
        assert!(
            loaded.console.is_empty(),
            "{name}: console: {:?}",
            loaded.console
        );
        assert!(
            loaded.requests.is_empty(),
            "{name}: requests: {:?}",
            loaded.requests
        );
        let dom = &loaded.dom;
        // The script ran: markers got their on-screen size.
        let sized = dom
            .select(&selector("circle[data-r]"))
            .all(|c| c.value().attr("r").is_some_and(|r| r != "0"));
        assert!(sized, "{name}: the page's script did not run to the end");

        let sites = ids(&out.join("sites.geojson"), |p| str_of(&p["parcel_id"]));
        let feeds = ids(&out.join("feeds.geojson"), |p| {
            format!(
                "{}→{}",
                str_of(&p["parcel_id"]),
                str_of(&p["substation_id"])
            )
        });
        let substations = ids(&out.join("substations.geojson"), |p| str_of(&p["id"]));
        assert!(!sites.is_empty() && !feeds.is_empty(), "{name}: no plan");
        assert_eq!(drawn_ids(dom, "sites"), sites, "{name}: sites on the map");
        assert_eq!(drawn_ids(dom, "feeds"), feeds, "{name}: feeds on the map");
        assert_eq!(
            drawn_ids(dom, "substations"),
            substations,
            "{name}: substations"
        );
        let tabled = |layer: &str| -> BTreeSet<String> {
            dom.select(&selector(&format!(
                "table[data-layer=\"{layer}\"] tbody tr"
            )))
            .filter_map(|r| r.value().attr("data-id").map(str::to_string))
            .collect()
        };
        assert_eq!(tabled("sites"), sites, "{name}: sites table");
        // The substation table leads with what the plan uses (most MW first).
        let used_mw: BTreeMap<String, f64> = (features(&out.join("substations.geojson")).iter())
            .map(|f| {
                let p = &f["properties"];
                let mw =
                    p["used_firm_mw"].as_f64().unwrap() + p["used_flexible_mw"].as_f64().unwrap();
                (str_of(&p["id"]), mw)
            })
            .collect();
        let order: Vec<f64> = (dom.select(&selector("table[data-layer=\"substations\"] tbody tr")))
            .filter_map(|r| r.value().attr("data-id"))
            .map(|id| used_mw[id])
            .collect();
        assert!(
            order.windows(2).all(|w| w[0] >= w[1]),
            "{name}: substations sorted by MW used: {order:?}"
        );
        // Network buses (no headroom) are drawn apart from the substations a plan can use.
        let buses: BTreeSet<String> = (features(&out.join("substations.geojson")).iter())
            .filter(|f| f["properties"]["headroom_mw"].as_f64().unwrap() <= 0.0)
            .map(|f| str_of(&f["properties"]["id"]))
            .collect();
        let drawn_buses: BTreeSet<String> = (dom.select(&selector("svg .substation.bus")))
            .filter_map(|e| e.value().attr("data-id").map(str::to_string))
            .collect();
        assert_eq!(drawn_buses, buses, "{name}: network buses drawn apart");
        assert_eq!(
            tabled("substations"),
            substations,
            "{name}: substations table"
        );
        if out.join("lines.geojson").is_file() {
            let lines = ids(&out.join("lines.geojson"), |p| str_of(&p["id"]));
            assert_eq!(drawn_ids(dom, "lines"), lines, "{name}: lines on the map");
        }
        // Every cost term of every site, as sites.geojson has it.
        for site in features(&out.join("sites.geojson")) {
            let p = &site["properties"];
            let id = str_of(&p["parcel_id"]);
            for key in [
                "mw",
                "land_usd",
                "fiber_usd",
                "feed_usd",
                "site_fixed_usd",
                "total_usd",
            ] {
                let css = format!(
                    "table[data-layer=\"sites\"] tr[data-id=\"{id}\"] td[data-key=\"{key}\"]"
                );
                let shown: f64 = dom
                    .select(&selector(&css))
                    .next()
                    .and_then(|c| c.value().attr("data-value"))
                    .unwrap_or_else(|| panic!("{name}: {id} has no {key} cell"))
                    .parse()
                    .unwrap();
                assert_eq!(shown, p[key].as_f64().unwrap(), "{name}: {id} {key}");
            }
        }
        assert_summary_matches(dom, &out, &name);
        assert_screenshot_not_blank(&page);
    }
}

/// The same bytes on a rerun; wall-clock seconds (as in `summary.json`) are the only part
/// that may differ, and they are blanked.
#[test]
fn the_page_is_the_same_bytes_on_a_rerun() {
    let scenario =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/suburban-community-first.toml");
    let pages: Vec<String> = (0..2)
        .map(|_| {
            let dir = tempfile::tempdir().unwrap();
            optimize(&scenario, dir.path(), &[]);
            without_seconds(&std::fs::read_to_string(dir.path().join("report.html")).unwrap())
        })
        .collect();
    assert!(pages[0].len() > 10_000);
    assert!(pages[0] == pages[1], "report.html differs between runs");
}

/// The page with every `seconds.*` cell's value and text blanked.
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

#[test]
fn a_basemap_is_requested_only_when_asked_for() {
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/suburban-500mw.toml");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("with");
    optimize(
        &scenario,
        &out,
        &["--basemap", "https://tiles.invalid/{z}/{x}/{y}.png"],
    );
    let loaded = load(&out.join("report.html"));
    assert!(loaded.console.is_empty(), "console: {:?}", loaded.console);
    let tiles: Vec<&String> = (loaded.requests.iter())
        .filter(|u| u.starts_with("https://tiles.invalid/"))
        .collect();
    assert!(
        !tiles.is_empty(),
        "no tile was requested: {:?}",
        loaded.requests
    );
    let images = loaded.dom.select(&selector("#layer-basemap image")).count();
    assert!(images > 0 && images <= 400, "{images} tiles");
}

#[test]
fn an_infeasible_scenario_shows_why() {
    let dir = tempfile::tempdir().unwrap();
    let map = Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/suburban");
    let scenario = dir.path().join("too-much.toml");
    std::fs::write(
        &scenario,
        format!(
            "name = \"too-much\"\nmap = {:?}\n[target]\ntotal_mw = 90000\nmax_sites = 2\n",
            map.to_str().unwrap()
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    assert_eq!(optimize(&scenario, &out, &[]), Some(2));
    let loaded = load(&out.join("report.html"));
    assert!(loaded.console.is_empty(), "console: {:?}", loaded.console);
    let dom = &loaded.dom;
    assert_eq!(cell_value(dom, "status").as_deref(), Some("infeasible"));
    let explained: Vec<String> = dom
        .select(&selector("#explanation td[data-key=\"requirement\"]"))
        .map(|e| e.text().collect())
        .collect();
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let expected: Vec<String> = summary["infeasibility"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| str_of(&s["requirement"]))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(explained, expected);
    assert!(drawn_ids(dom, "sites").is_empty());
    assert_summary_matches(dom, &out, "too-much");
}

#[test]
fn a_batch_page_links_each_scenario_and_shows_the_comparison() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("batch");
    let output = gridsite(&[
        "batch",
        root.join("scenarios/suburban-500mw.toml").to_str().unwrap(),
        root.join("scenarios/coastal-800mw.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let loaded = load(&out.join("report.html"));
    assert!(loaded.console.is_empty(), "console: {:?}", loaded.console);
    let dom = &loaded.dom;
    let rows: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(out.join("comparison.json")).unwrap())
            .unwrap();
    for row in &rows {
        let name = str_of(&row["scenario"]);
        let tr = format!("#comparison tr[data-id=\"{name}\"]");
        let link = dom
            .select(&selector(&format!("{tr} a")))
            .next()
            .and_then(|a| a.value().attr("href"))
            .unwrap_or_else(|| panic!("{name} has no link"));
        assert_eq!(link, format!("{name}/report.html"));
        assert!(out.join(link).is_file());
        let cost: f64 = dom
            .select(&selector(&format!("{tr} td[data-key=\"objective_usd\"]")))
            .next()
            .and_then(|c| c.value().attr("data-value"))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(cost, row["objective_usd"].as_f64().unwrap(), "{name}");
    }
    assert_eq!(dom.select(&selector("#chart svg")).count(), 1);

    // `compare` of the batch's folder links the same pages from its own folder.
    let merged = dir.path().join("merged");
    let output = gridsite(&[
        "compare",
        out.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let page = std::fs::read_to_string(merged.join("report.html")).unwrap();
    let dom = Html::parse_document(&page);
    let links: Vec<PathBuf> = dom
        .select(&selector("#comparison a"))
        .map(|a| merged.join(a.value().attr("href").unwrap()))
        .collect();
    assert_eq!(links.len(), rows.len());
    assert!(links.iter().all(|l| l.is_file()), "{links:?}");
}

/// A region with more excluded parcels than the page draws one by one: they become cells,
/// the page says so, and it still opens cleanly.
#[test]
fn a_large_region_aggregates_its_exclusions_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("map");
    let output = gridsite(&[
        "synth",
        "--seed",
        "5",
        "--parcels",
        "40000",
        "--substations",
        "60",
        "--out",
        map.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let scenario = dir.path().join("large.toml");
    std::fs::write(
        &scenario,
        format!(
            "name = \"large\"\nmap = {:?}\n[target]\ntotal_mw = 300\n",
            map.to_str().unwrap()
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    optimize(&scenario, &out, &[]);
    let excluded = features(&out.join("excluded.geojson")).len();
    assert!(
        excluded > gridsite::report::html::map::MAX_DRAWN_PARCELS,
        "{excluded}"
    );
    let page = out.join("report.html");
    let loaded = load(&page);
    assert!(loaded.console.is_empty(), "console: {:?}", loaded.console);
    let cells = loaded
        .dom
        .select(&selector("#layer-excluded rect[data-layer=\"excluded\"]"))
        .count();
    assert!(
        cells > 0 && cells < excluded,
        "{cells} cells for {excluded} parcels"
    );
    let footer: String = loaded
        .dom
        .select(&selector("footer"))
        .flat_map(|f| f.text())
        .collect();
    assert!(
        footer.contains("cells of"),
        "the page does not say it aggregates: {footer}"
    );
    // Each cell counts its parcels; together they are every excluded parcel.
    let data: Value = serde_json::from_str(
        &loaded
            .dom
            .select(&selector("#gridsite-data"))
            .next()
            .unwrap()
            .text()
            .collect::<String>(),
    )
    .unwrap();
    let counted: u64 = data["properties"]["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["parcels"].as_u64().unwrap())
        .sum();
    assert_eq!(counted as usize, excluded);
    assert_screenshot_not_blank(&page);
}
