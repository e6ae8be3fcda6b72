//! Every output of the shipped scenarios, and of a batch over them, is byte for byte what it
//! was when `tests/fixtures/golden.sha256` was written: a refactor that changes no behaviour
//! changes none of these digests.
//!
//! Every run has a 600 s time limit, so that the search's path (and the figures it reports)
//! never depends on how loaded the machine is.
//!
//! Wall-clock seconds are the only part of an output that may differ between runs; they are
//! blanked before hashing (`seconds` keys in JSON, the `seconds` column of the comparison
//! tables, the `seconds` cells of the pages). Where an output changes on purpose (a change of the contract, a new output),
//! rerun with `GRIDSITE_BLESS=1` to rewrite the digests, and say why in the commit. On a
//! mismatch the outputs are kept under `target/golden-actual/` to compare.

#[path = "common/cli.rs"]
mod cli;
#[path = "common/shipped.rs"]
mod shipped;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};

fn golden_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/golden.sha256")
}

/// JSON without its wall-clock `seconds`, anywhere in the tree.
fn without_seconds(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("seconds");
            map.values_mut().for_each(without_seconds);
        }
        Value::Array(items) => items.iter_mut().for_each(without_seconds),
        _ => {}
    }
}

/// A table's `seconds` column blanked: CSV (`,`) or Markdown (`|`) rows.
fn without_seconds_column(text: &str, separator: char) -> String {
    let mut column = None;
    let mut out = String::new();
    for line in text.lines() {
        let mut cells: Vec<String> = line.split(separator).map(str::to_string).collect();
        if column.is_none() {
            column = cells.iter().position(|c| c.trim() == "seconds");
        } else if let Some(i) = column
            && i < cells.len()
            && !cells[i].trim().chars().all(|c| c == '-' || c == ':')
        {
            cells[i] = String::new();
        }
        out.push_str(&cells.join(&separator.to_string()));
        out.push('\n');
    }
    out
}

/// The bytes of an output as compared: exact, but for its wall-clock seconds.
fn comparable(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy();
    let text = || String::from_utf8(bytes.clone()).unwrap();
    if name == "summary.json" || name == "comparison.json" {
        let mut value: Value = serde_json::from_slice(&bytes).unwrap();
        without_seconds(&mut value);
        serde_json::to_vec_pretty(&value).unwrap()
    } else if name == "comparison.csv" {
        without_seconds_column(&text(), ',').into_bytes()
    } else if name == "comparison.md" {
        without_seconds_column(&text(), '|').into_bytes()
    } else if name == "report.html" {
        cli::without_seconds_cells(&text()).into_bytes()
    } else {
        bytes
    }
}

/// Every file under `root`, by its path relative to `label`.
fn digests(label: &str, root: &Path, into: &mut BTreeMap<String, String>) {
    let mut files: Vec<PathBuf> = walk(root);
    files.sort();
    for file in files {
        let relative = file.strip_prefix(root).unwrap().to_string_lossy();
        let digest = Sha256::digest(comparable(&file));
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        into.insert(format!("{label}/{relative}"), hex);
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// A copy of a scenario (in `dir`, its map path made absolute) with a time limit no loaded
/// machine reaches: the search, and so every figure it reports, must not depend on the clock.
fn unhurried(scenario: &Path, dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(scenario).unwrap();
    let mut table: toml::Table = toml::from_str(&text).unwrap();
    let map = scenario
        .parent()
        .unwrap()
        .join(table["map"].as_str().unwrap());
    table.insert("map".into(), map.to_str().unwrap().into());
    let solver = table
        .entry("solver")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    if let toml::Value::Table(solver) = solver {
        solver.insert("time_limit_s".into(), 600.0.into());
    }
    let copy = dir.join(format!(
        "unhurried-{}",
        scenario.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&copy, toml::to_string(&table).unwrap()).unwrap();
    copy
}

fn run_ok(args: &[&str]) {
    let output = cli::gridsite(args);
    assert!(output.status.success(), "{}", cli::describe(&output));
}

#[test]
fn outputs_of_the_shipped_scenarios_are_unchanged() {
    let out = tempfile::tempdir().unwrap();
    let mut actual = BTreeMap::new();
    let runnable = shipped::scenarios();
    for shipped::Runnable { scenario, .. } in &runnable {
        let name = scenario.file_stem().unwrap().to_string_lossy().into_owned();
        let dir = out.path().join(&name);
        let scenario = unhurried(scenario, out.path());
        run_ok(&[
            "optimize",
            scenario.to_str().unwrap(),
            "--out",
            dir.to_str().unwrap(),
        ]);
        digests(&format!("optimize/{name}"), &dir, &mut actual);
    }
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let batch = out.path().join("batch");
    run_ok(&[
        "batch",
        scenarios.join("suburban-500mw.toml").to_str().unwrap(),
        scenarios
            .join("suburban-community-first.toml")
            .to_str()
            .unwrap(),
        "--sweep",
        "target.total_mw=300,500",
        "--jobs",
        "2",
        "--set",
        "solver.time_limit_s=600",
        "--out",
        batch.to_str().unwrap(),
    ]);
    digests("batch", &batch, &mut actual);
    let compared = out.path().join("compare");
    run_ok(&[
        "compare",
        batch.to_str().unwrap(),
        "--out",
        compared.to_str().unwrap(),
    ]);
    digests("compare", &compared, &mut actual);

    let written: String = actual.iter().map(|(k, v)| format!("{v}  {k}\n")).collect();
    if std::env::var_os("GRIDSITE_BLESS").is_some() {
        std::fs::write(golden_file(), written).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(golden_file())
        .expect("tests/fixtures/golden.sha256 (write it with GRIDSITE_BLESS=1)");
    if expected != written {
        let kept = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/golden-actual");
        let _ = std::fs::remove_dir_all(&kept);
        copy_tree(out.path(), &kept);
        let expected: BTreeMap<&str, &str> = expected
            .lines()
            .filter_map(|l| l.split_once("  ").map(|(d, f)| (f, d)))
            .collect();
        let changed: Vec<String> = actual
            .iter()
            .filter(|(f, d)| expected.get(f.as_str()) != Some(&d.as_str()))
            .map(|(f, _)| f.clone())
            .chain(
                expected
                    .keys()
                    .filter(|f| !actual.contains_key(**f))
                    .map(|f| format!("{f} (missing)")),
            )
            .collect();
        panic!(
            "outputs changed: {}; the outputs are in {}",
            changed.join(", "),
            kept.display()
        );
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for file in walk(from) {
        let target = to.join(file.strip_prefix(from).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&file, &target).unwrap();
    }
}
