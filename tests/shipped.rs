//! End to end: the binary on every shipped map and scenario, as a planner runs it.

#[path = "common/plan_checker.rs"]
mod plan_checker;
#[path = "common/shipped.rs"]
mod shipped;

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use shipped::{Runnable, map_of, scenarios};

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

/// Runs `gridsite COMMAND SCENARIO --out OUT`, asserts success and gives its stdout.
fn run_ok(command: &str, scenario: &Path, out: &Path) -> String {
    let output = gridsite(&[
        command,
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}: {}",
        scenario.display(),
        text(&output)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn every_shipped_map_is_under_5_mb() {
    let maps = Path::new(env!("CARGO_MANIFEST_DIR")).join("maps");
    for map in std::fs::read_dir(maps).unwrap() {
        let map = map.unwrap().path();
        if map.join("recipe.toml").is_file() {
            // Built by `gridsite import` from its committed sources and git-ignored.
            continue;
        }
        let bytes: u64 = std::fs::read_dir(&map)
            .unwrap()
            .map(|f| f.unwrap().metadata().unwrap().len())
            .sum();
        assert!(bytes < 5_000_000, "{} is {bytes} bytes", map.display());
    }
}

#[test]
fn check_screens_every_shipped_scenario() {
    for Runnable { scenario, .. } in &scenarios() {
        let out = tempfile::tempdir().unwrap();
        let stdout = run_ok("check", scenario, out.path());
        assert!(
            stdout.contains("candidates") && stdout.contains("excluded: zoning"),
            "{stdout}"
        );
        let candidates = plan_checker::read_features(&out.path().join("candidates.geojson"));
        let excluded = plan_checker::read_features(&out.path().join("excluded.geojson"));
        assert!(
            !candidates.is_empty(),
            "{}: no candidates",
            scenario.display()
        );
        let parcels = plan_checker::read_features(
            &scenario
                .parent()
                .unwrap()
                .join(map_of(scenario))
                .join("parcels.geojson"),
        );
        assert_eq!(
            candidates.len() + excluded.len(),
            parcels.len(),
            "{}",
            scenario.display()
        );
    }
}

#[test]
fn optimize_plans_every_shipped_scenario_within_the_contract() {
    for Runnable { scenario, .. } in &scenarios() {
        let out = tempfile::tempdir().unwrap();
        let stdout = run_ok("optimize", scenario, out.path());
        for row in ["status", "MW placed", "sites", "cost per MW", "solve"] {
            assert!(
                stdout.contains(row),
                "{}: no {row} in\n{stdout}",
                scenario.display()
            );
        }
        let checked = plan_checker::check_plan(out.path(), scenario);
        assert!(
            checked.status == "optimal" || checked.status == "feasible",
            "{}",
            checked.status
        );
        assert!(!checked.sites.is_empty());
    }
}

#[test]
fn two_runs_of_a_shipped_scenario_write_identical_bytes() {
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/coastal-800mw.toml");
    let runs: Vec<tempfile::TempDir> = (0..2)
        .map(|_| {
            let out = tempfile::tempdir().unwrap();
            let output = gridsite(&[
                "optimize",
                scenario.to_str().unwrap(),
                "--out",
                out.path().to_str().unwrap(),
            ]);
            assert!(output.status.success(), "{}", text(&output));
            out
        })
        .collect();
    for file in [
        "sites.geojson",
        "feeds.geojson",
        "substations.geojson",
        "excluded.geojson",
    ] {
        let a = std::fs::read(runs[0].path().join(file)).unwrap();
        let b = std::fs::read(runs[1].path().join(file)).unwrap();
        assert!(a == b, "{file} differs between runs");
    }
    let summary = |dir: &Path| {
        let mut value: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
        value.as_object_mut().unwrap().remove("seconds");
        if let Some(search) = value["search"].as_object_mut() {
            search.remove("seconds");
        }
        value
    };
    assert_eq!(summary(runs[0].path()), summary(runs[1].path()));
}

#[test]
fn synth_is_deterministic_and_its_maps_load() {
    let dirs: Vec<tempfile::TempDir> = (0..2)
        .map(|_| {
            let out = tempfile::tempdir().unwrap();
            let output = gridsite(&[
                "synth",
                "--seed",
                "11",
                "--parcels",
                "1500",
                "--substations",
                "20",
                "--coastal",
                "--out",
                out.path().to_str().unwrap(),
            ]);
            assert!(output.status.success(), "{}", text(&output));
            out
        })
        .collect();
    for file in gridsite::layers::LAYER_FILES {
        let a = std::fs::read(dirs[0].path().join(file)).unwrap();
        let b = std::fs::read(dirs[1].path().join(file)).unwrap();
        assert!(a == b, "{file} differs between runs");
    }
    let map = gridsite::layers::load_map(dirs[0].path()).unwrap();
    assert_eq!(map.parcels.len(), 1500);
    assert_eq!(map.substations.len(), 20);
}

#[test]
fn solver_reductions_limit_the_model_and_keep_the_plan_within_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let map = Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/suburban");
    let scenario = dir.path().join("reduced.toml");
    std::fs::write(
        &scenario,
        format!(
            "name = \"reduced\"\nmap = {:?}\n[target]\ntotal_mw = 500\n[solver]\nmax_candidates = 40\nmax_feed_options = 3\n",
            map.to_str().unwrap()
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    let output = gridsite(&[
        "optimize",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let checked = plan_checker::check_plan(&out, &scenario);
    assert_eq!(checked.summary["modelled_candidates"], 40);
    assert!(checked.summary["counts"]["candidates"].as_u64().unwrap() > 40);

    // Every feed of the plan goes to one of its site's three nearest substations.
    let check_out = dir.path().join("check");
    let output = gridsite(&[
        "check",
        scenario.to_str().unwrap(),
        "--out",
        check_out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let candidates = plan_checker::read_features(&check_out.join("candidates.geojson"));
    for site in &checked.sites {
        let (_, props) = candidates
            .iter()
            .find(|(_, p)| p["parcel_id"].as_str() == Some(site.parcel_id.as_str()))
            .unwrap();
        let nearest: Vec<&str> = props["feeds"]
            .as_array()
            .unwrap()
            .iter()
            .take(3)
            .map(|v| v.as_str().unwrap())
            .collect();
        for feed in checked
            .feeds
            .iter()
            .filter(|f| f.parcel_id == site.parcel_id)
        {
            assert!(
                nearest.contains(&feed.substation_id.as_str()),
                "{} feeds from {}",
                site.parcel_id,
                feed.substation_id
            );
        }
    }
}
