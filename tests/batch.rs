//! `gridsite batch` and `gridsite compare` end to end, as a planner runs them: a batch equals
//! its scenarios run one by one, whatever the jobs or shards; sweeps carry their values; a
//! failing scenario is a row, never the end of the batch.

#[path = "common/cli.rs"]
mod cli;

use std::path::{Path, PathBuf};
use std::process::Output;

use cli::{describe, gridsite, read_json};
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Fast scenarios of every outcome: optimal, infeasible, no candidates.
fn scenarios() -> Vec<PathBuf> {
    [
        "tiny",
        "hand",
        "hand-infeasible-substation",
        "hand-no-candidates",
        "hand-diagnose-one-feed",
    ]
    .iter()
    .map(|name| fixtures().join(format!("scenarios/{name}.toml")))
    .collect()
}

fn batch(scenarios: &[PathBuf], out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["batch".to_string()];
    args.extend(scenarios.iter().map(|p| p.display().to_string()));
    args.extend(["--out".to_string(), out.display().to_string()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    gridsite(&args)
}

fn compare(folders: &[PathBuf], out: &Path) -> Output {
    let mut args = vec!["compare".to_string()];
    args.extend(folders.iter().map(|p| p.display().to_string()));
    args.extend(["--out".to_string(), out.display().to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    gridsite(&args)
}

/// The rows of a comparison without their wall-clock seconds, the one column that varies.
fn rows_without_seconds(folder: &Path) -> Vec<Value> {
    let Value::Array(rows) = read_json(&folder.join("comparison.json")) else {
        panic!("comparison.json is not an array");
    };
    rows.into_iter()
        .map(|mut row| {
            row.as_object_mut().unwrap().remove("seconds");
            row
        })
        .collect()
}

fn scenario_names(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .map(|r| r["scenario"].as_str().unwrap().to_string())
        .collect()
}

/// Every output of a scenario folder; `summary.json` without its seconds.
fn scenario_files(folder: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = if name == "summary.json" {
                let mut summary = read_json(&path);
                summary.as_object_mut().unwrap().remove("seconds");
                if let Some(search) = summary["search"].as_object_mut() {
                    search.remove("seconds");
                }
                summary.to_string()
            } else if name == "report.html" {
                cli::without_seconds_cells(&std::fs::read_to_string(&path).unwrap())
            } else {
                std::fs::read_to_string(&path).unwrap()
            };
            (name, text)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn a_batch_equals_its_scenarios_run_one_by_one_with_optimize() {
    let dir = tempfile::tempdir().unwrap();
    let batch_out = dir.path().join("batch");
    let output = batch(&scenarios(), &batch_out, &["--jobs", "2"]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));

    let mut folders = Vec::new();
    for scenario in scenarios() {
        let name = scenario.file_stem().unwrap().to_string_lossy().into_owned();
        let folder = dir.path().join("one-by-one").join(&name);
        let output = gridsite(&[
            "optimize",
            scenario.to_str().unwrap(),
            "--out",
            folder.to_str().unwrap(),
        ]);
        assert!(
            matches!(output.status.code(), Some(0 | 2)),
            "{}",
            describe(&output)
        );
        assert_eq!(
            scenario_files(&folder),
            scenario_files(&batch_out.join(&name)),
            "{name}: batch and optimize wrote different files"
        );
        folders.push(folder);
    }
    let merged = dir.path().join("merged");
    let output = compare(&folders, &merged);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let rows = rows_without_seconds(&batch_out);
    assert_eq!(rows.len(), 5);
    assert_eq!(rows, rows_without_seconds(&merged));
    let mut sorted = scenario_names(&rows);
    sorted.sort();
    assert_eq!(
        scenario_names(&rows),
        sorted,
        "rows sorted by scenario name"
    );
}

#[test]
fn jobs_1_and_jobs_2_give_the_same_comparison() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = ["--sweep", "grid.max_headroom_share=0.5,0.8"];
    let one = dir.path().join("jobs1");
    let two = dir.path().join("jobs2");
    batch(&scenarios(), &one, &[&["--jobs", "1"][..], &sweep].concat());
    batch(&scenarios(), &two, &[&["--jobs", "2"][..], &sweep].concat());
    let rows = rows_without_seconds(&one);
    assert_eq!(rows.len(), 10);
    assert_eq!(rows, rows_without_seconds(&two));
    for name in scenario_names(&rows) {
        assert_eq!(
            scenario_files(&one.join(&name)),
            scenario_files(&two.join(&name)),
            "{name}"
        );
    }
}

#[test]
fn shards_merged_with_compare_equal_the_unsharded_batch() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = ["--sweep", "target.total_mw=150,200"];
    let whole = dir.path().join("whole");
    batch(&scenarios(), &whole, &sweep);
    let mut shards = Vec::new();
    let mut shard_sizes = Vec::new();
    for k in 1..=3 {
        let out = dir.path().join(format!("shard-{k}"));
        let shard = format!("{k}/3");
        let output = batch(
            &scenarios(),
            &out,
            &[&sweep[..], &["--shard", &shard]].concat(),
        );
        assert!(
            matches!(output.status.code(), Some(0 | 2)),
            "{}",
            describe(&output)
        );
        shard_sizes.push(rows_without_seconds(&out).len());
        shards.push(out);
    }
    assert_eq!(shard_sizes, vec![4, 3, 3], "10 variants dealt round-robin");
    let merged = dir.path().join("merged");
    compare(&shards, &merged);
    assert_eq!(rows_without_seconds(&merged), rows_without_seconds(&whole));
    for file in ["comparison.csv", "comparison.md"] {
        assert!(merged.join(file).is_file(), "{file}");
    }
}

#[test]
fn sweep_variants_carry_their_values_in_their_summaries() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let hand = fixtures().join("scenarios/hand.toml");
    let output = batch(
        &[hand],
        &out,
        &[
            "--set",
            "target.max_sites=3",
            "--sweep",
            "community.setback_m.school=0,1000",
            "--sweep",
            "grid.max_headroom_share=0.5,0.8",
        ],
    );
    assert!(output.status.success(), "{}", describe(&output));
    let rows = rows_without_seconds(&out);
    assert_eq!(
        scenario_names(&rows),
        [
            "hand_school=0_max_headroom_share=0.5",
            "hand_school=0_max_headroom_share=0.8",
            "hand_school=1000_max_headroom_share=0.5",
            "hand_school=1000_max_headroom_share=0.8",
        ]
    );
    let mut available_mw = Vec::new();
    for name in scenario_names(&rows) {
        let summary = read_json(&out.join(&name).join("summary.json"));
        assert_eq!(summary["scenario"], name.as_str());
        let overrides = &summary["overrides"];
        assert_eq!(overrides["target.max_sites"], 3);
        let school = if name.contains("school=0_") { 0 } else { 1000 };
        assert_eq!(overrides["community.setback_m.school"], school, "{name}");
        let share = if name.ends_with("0.5") { 0.5 } else { 0.8 };
        assert_eq!(overrides["grid.max_headroom_share"], share, "{name}");
        available_mw.push(summary["headroom"]["available_mw"].as_f64().unwrap());
    }
    // The share took effect: less headroom is available at 0.5 than at 0.8.
    assert!(available_mw[0] < available_mw[1], "{available_mw:?}");
    assert!(available_mw[2] < available_mw[3], "{available_mw:?}");
    let csv = std::fs::read_to_string(out.join("comparison.csv")).unwrap();
    assert!(
        csv.contains(
            "community.setback_m.school=1000; grid.max_headroom_share=0.5; target.max_sites=3"
        ),
        "{csv}"
    );
}

#[test]
fn a_bad_key_in_set_is_an_error_naming_it_and_nothing_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    for (flag, value) in [
        ("--set", "target.totl_mw=300"),
        ("--sweep", "grid.max_headroom_shar=0.5,0.8"),
        ("--set", "solver.threads.x=1"),
    ] {
        let output = batch(&scenarios(), &out, &[flag, value]);
        assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        let key = value.split('=').next().unwrap();
        assert!(stderr.contains(key), "{stderr}");
        assert!(!out.exists(), "nothing written for {value}");
    }
    let output = batch(&scenarios(), &out, &["--set", "no-equals-sign"]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no-equals-sign"));
}

#[test]
fn a_failing_scenario_in_the_middle_leaves_the_other_rows_whole() {
    let dir = tempfile::tempdir().unwrap();
    // A copy of the tiny map whose parcel P2 lost its zoning: a bad input mid-batch.
    let broken_map = dir.path().join("broken-map");
    std::fs::create_dir(&broken_map).unwrap();
    for entry in std::fs::read_dir(fixtures().join("tiny")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, broken_map.join(path.file_name().unwrap())).unwrap();
    }
    let parcels_path = broken_map.join("parcels.geojson");
    let mut parcels = read_json(&parcels_path);
    let features = parcels["features"].as_array_mut().unwrap();
    let victim = features.len() / 2;
    let victim_id = features[victim]["properties"]["id"].to_string();
    features[victim]["properties"]
        .as_object_mut()
        .unwrap()
        .remove("zoning");
    std::fs::write(&parcels_path, parcels.to_string()).unwrap();
    let broken = dir.path().join("broken.toml");
    std::fs::write(
        &broken,
        "name = \"hand-m-broken\"\nmap = \"broken-map\"\n[target]\ntotal_mw = 300\n",
    )
    .unwrap();
    let not_toml = dir.path().join("hand-n-not-toml.toml");
    std::fs::write(&not_toml, "name = \n").unwrap();

    let whole = dir.path().join("whole");
    batch(&scenarios(), &whole, &[]);
    let mixed = dir.path().join("mixed");
    let mut with_failures = scenarios();
    with_failures.insert(2, broken.clone());
    with_failures.insert(3, not_toml.clone());
    let output = batch(&with_failures, &mixed, &["--jobs", "2"]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));

    let rows = rows_without_seconds(&mixed);
    assert_eq!(rows.len(), 7);
    let failed: Vec<&Value> = rows.iter().filter(|r| r["status"] == "error").collect();
    assert_eq!(failed.len(), 2, "{rows:#?}");
    let bad_input = &failed[0];
    assert_eq!(bad_input["scenario"], "hand-m-broken");
    let message = bad_input["message"].as_str().unwrap();
    for part in ["parcels.geojson", "zoning", victim_id.trim_matches('"')] {
        assert!(message.contains(part), "{part} in {message}");
    }
    assert!(
        !mixed.join("hand-m-broken").exists(),
        "nothing written for bad input"
    );
    assert_eq!(failed[1]["scenario"], "hand-n-not-toml");
    assert!(
        failed[1]["message"]
            .as_str()
            .unwrap()
            .contains("hand-n-not-toml.toml")
    );
    let others: Vec<Value> = rows
        .into_iter()
        .filter(|r| r["status"] != "error")
        .collect();
    assert_eq!(others, rows_without_seconds(&whole));
    let records = csv::Reader::from_path(mixed.join("comparison.csv"))
        .unwrap()
        .records()
        .count();
    assert_eq!(records, 7, "a record a scenario");
}

#[test]
fn the_comparison_has_the_contract_columns() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    batch(&scenarios(), &out, &[]);
    let csv = std::fs::read_to_string(out.join("comparison.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    for column in [
        "scenario",
        "status",
        "total_mw",
        "sites",
        "objective_usd",
        "usd_per_mw",
        "communities",
        "candidates",
        "gap",
        "bound_usd",
        "seconds",
        "message",
    ] {
        assert!(header.contains(&column), "{column} in {header:?}");
    }
    let rows = rows_without_seconds(&out);
    let tiny = rows.iter().find(|r| r["scenario"] == "tiny").unwrap();
    let summary = read_json(&out.join("tiny/summary.json"));
    for key in [
        "status",
        "total_mw",
        "objective_usd",
        "sites",
        "communities",
    ] {
        assert_eq!(tiny[key], summary[key], "{key}");
    }
    assert_eq!(tiny["candidates"], summary["counts"]["candidates"]);
    let bound = summary["search"]["bound_usd"].as_f64().unwrap();
    assert!((tiny["bound_usd"].as_f64().unwrap() - bound).abs() <= 0.5);
    let usd_per_mw =
        summary["objective_usd"].as_f64().unwrap() / summary["total_mw"].as_f64().unwrap();
    assert!((tiny["usd_per_mw"].as_f64().unwrap() - usd_per_mw).abs() <= 0.5);
    let svg = std::fs::read_to_string(out.join("comparison.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    for name in scenario_names(&rows) {
        assert!(svg.contains(&name), "{name} in the chart");
    }
    let md = std::fs::read_to_string(out.join("comparison.md")).unwrap();
    assert_eq!(
        md.lines().filter(|l| l.starts_with("| ")).count(),
        1 + 5,
        "{md}"
    );
}

#[test]
fn compare_refuses_a_scenario_in_two_folders_and_a_folder_without_results() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    let tiny = fixtures().join("scenarios/tiny.toml");
    batch(std::slice::from_ref(&tiny), &a, &[]);
    batch(&[tiny], &b, &[]);
    let out = dir.path().join("merged");
    let output = compare(&[a.clone(), b], &out);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("\"tiny\""));
    let output = compare(&[a, dir.path().to_path_buf()], &out);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no comparison.json"));
    assert!(!out.exists());
}

/// A scenario file in `dir` on the tiny fixture map.
fn scenario_in(dir: &Path, file: &str, name: &str, extra: &str) -> PathBuf {
    let path = dir.join(file);
    let map = fixtures().join("tiny");
    std::fs::write(
        &path,
        format!(
            "name = {name:?}\nmap = {:?}\n[target]\ntotal_mw = 300\n{extra}",
            map.display()
        ),
    )
    .unwrap();
    path
}

fn status_of(rows: &[Value], scenario: &str) -> String {
    let row = rows.iter().find(|r| r["scenario"] == scenario);
    row.unwrap_or_else(|| panic!("no row {scenario} in {rows:#?}"))["status"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn overrides_are_checked_together_whatever_their_order() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = fixtures().join("scenarios/tiny.toml");
    // min_site_mw=350 alone exceeds the default max_site_mw (300): only the pair is valid.
    let (low, high) = ("target.min_site_mw=350", "target.max_site_mw=400");
    for (i, order) in [[low, high], [high, low]].iter().enumerate() {
        let out = dir.path().join(format!("order-{i}"));
        batch(
            std::slice::from_ref(&tiny),
            &out,
            &["--set", order[0], "--set", order[1]],
        );
        let rows = rows_without_seconds(&out);
        assert_ne!(status_of(&rows, "tiny"), "error", "{order:?}: {rows:#?}");
    }
    // A combination that is invalid as a whole is that variant's error row, naming both keys.
    let out = dir.path().join("sweep");
    batch(
        &[tiny],
        &out,
        &[
            "--sweep",
            "site.min_feeds=1,3",
            "--sweep",
            "site.max_feeds=2",
        ],
    );
    let rows = rows_without_seconds(&out);
    assert_eq!(status_of(&rows, "tiny_min_feeds=1_max_feeds=2"), "optimal");
    let bad = rows
        .iter()
        .find(|r| r["scenario"] == "tiny_min_feeds=3_max_feeds=2")
        .unwrap();
    assert_eq!(bad["status"], "error");
    let message = bad["message"].as_str().unwrap();
    assert!(
        message.contains("site.min_feeds=3") && message.contains("site.max_feeds=2"),
        "{message}"
    );
}

#[test]
fn a_scenario_refused_under_set_keeps_its_name_and_its_variants() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let scenario = scenario_in(dir.path(), "file-stem.toml", "bravo", "");
    let output = batch(
        &[scenario],
        &out,
        &[
            "--set",
            "grid.flexible_share=3",
            "--sweep",
            "grid.max_headroom_share=0.5,0.8",
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let rows = rows_without_seconds(&out);
    assert_eq!(
        scenario_names(&rows),
        [
            "bravo_max_headroom_share=0.5",
            "bravo_max_headroom_share=0.8"
        ]
    );
    for row in &rows {
        assert_eq!(row["status"], "error");
        assert!(
            row["message"]
                .as_str()
                .unwrap()
                .contains("grid.flexible_share")
        );
    }
}

#[test]
fn a_scenario_name_cannot_write_outside_the_batch_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let escaping = scenario_in(dir.path(), "escaping.toml", "../escaped", "");
    let here = scenario_in(dir.path(), "here.toml", ".", "");
    let good = fixtures().join("scenarios/tiny.toml");
    let output = batch(&[escaping, here, good], &out, &[]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(!dir.path().join("escaped").exists());
    assert!(!out.join("summary.json").exists());
    let rows = rows_without_seconds(&out);
    assert_eq!(status_of(&rows, "escaping"), "error");
    assert_eq!(status_of(&rows, "here"), "error");
    assert_eq!(status_of(&rows, "tiny"), "optimal");
}

#[test]
fn a_rerun_that_fails_leaves_no_old_plan_in_the_scenario_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let scenario = scenario_in(dir.path(), "reuse.toml", "reuse", "");
    batch(std::slice::from_ref(&scenario), &out, &[]);
    assert!(out.join("reuse/summary.json").is_file());
    // The same scenario, now pointing at a map that is not there.
    std::fs::write(
        &scenario,
        "name = \"reuse\"\nmap = \"missing-map\"\n[target]\ntotal_mw = 300\n",
    )
    .unwrap();
    let output = batch(&[scenario], &out, &[]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert_eq!(status_of(&rows_without_seconds(&out), "reuse"), "error");
    for file in ["summary.json", "sites.geojson", "feeds.geojson"] {
        assert!(!out.join("reuse").join(file).exists(), "old {file} left");
    }
}

#[test]
fn set_name_renames_the_scenario_and_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let tiny = fixtures().join("scenarios/tiny.toml");
    let output = batch(&[tiny], &out, &["--set", "name=tiny-renamed"]);
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(
        scenario_names(&rows_without_seconds(&out)),
        ["tiny-renamed"]
    );
    let summary = read_json(&out.join("tiny-renamed/summary.json"));
    assert_eq!(summary["scenario"], "tiny-renamed");
    assert!(!out.join("tiny").exists());
}
