//! `gridsite explain` as a planner runs it on the shipped suburban scenario: an excluded
//! parcel with every filter it fails, a candidate forced in, a chosen site forced out, the
//! files of `--out` (with a report flag), report flags without `--out` and an unknown id as bad
//! input.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

fn gridsite(args: &[&str]) -> Output {
    Command::cargo_bin("gridsite")
        .unwrap()
        .args(args)
        .output()
        .unwrap()
}

fn scenario() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/suburban-500mw.toml")
        .to_string_lossy()
        .into_owned()
}

fn features(path: &Path) -> Vec<Value> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["features"].as_array().unwrap().clone()
}

#[test]
fn explain_answers_for_excluded_left_out_and_chosen_parcels() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan");
    let output = gridsite(&["optimize", &scenario(), "--out", plan.to_str().unwrap()]);
    assert!(output.status.success());
    let excluded = features(&plan.join("excluded.geojson"));
    // A parcel excluded by zoning that fails a later filter too.
    let (excluded_id, first_reason) = excluded
        .iter()
        .map(|f| &f["properties"])
        .find(|p| p["reason"] == "zoning" && p["parcel_id"] == "P000004")
        .map(|p| (p["parcel_id"].as_str().unwrap().to_string(), "zoning"))
        .unwrap();
    let chosen: Vec<String> = features(&plan.join("sites.geojson"))
        .iter()
        .map(|f| f["properties"]["parcel_id"].as_str().unwrap().to_string())
        .collect();
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(plan.join("summary.json")).unwrap()).unwrap();
    let optimum_usd = summary["objective_usd"].as_f64().unwrap();

    let out = dir.path().join("explained");
    let output = gridsite(&[
        "explain",
        &scenario(),
        "--parcel",
        &excluded_id,
        "--parcel",
        "P000367",
        "--parcel",
        &chosen[0],
        "--out",
        out.to_str().unwrap(),
        "--fgb",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answers: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(out.join("explain.json")).unwrap()).unwrap();
    assert_eq!(answers.len(), 3);
    // The report flags reach the files --out writes.
    for layer in ["sites", "feeds", "substations", "excluded", "candidates"] {
        assert!(out.join(format!("{layer}.fgb")).is_file(), "{layer}.fgb");
    }

    let excluded = &answers[0];
    assert_eq!(excluded["verdict"], "excluded");
    let reasons: Vec<&str> = excluded["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons[0], first_reason,
        "the first failure is the exclusion's reason"
    );
    assert!(reasons.len() >= 2, "every filter it fails: {reasons:?}");

    let forced_in = &answers[1];
    assert_eq!(forced_in["verdict"], "not_chosen");
    let a = &forced_in["alternative"];
    assert_eq!(a["restriction"], "must_build");
    let sites: Vec<&str> = a["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(sites.contains(&"P000367"));
    assert!(a["objective_usd"].as_f64().unwrap() >= optimum_usd);
    assert!(!a["displaced"].as_array().unwrap().is_empty());
    assert_eq!(
        a["binding"].as_array().unwrap().len(),
        a["displaced"].as_array().unwrap().len()
    );

    let forced_out = &answers[2];
    assert_eq!(forced_out["verdict"], "chosen");
    let a = &forced_out["alternative"];
    assert_eq!(a["restriction"], "must_not_build");
    assert!(
        !a["sites"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == &Value::from(chosen[0].clone()))
    );
    assert!(a["delta_usd"].as_f64().unwrap() >= 0.0);

    // The outputs of the plan, the same optimum, and the page with the answers.
    let again: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(again["objective_usd"], summary["objective_usd"]);
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(page.contains("Explained parcels"));
    for id in [&excluded_id, "P000367", &chosen[0]] {
        assert!(
            page.contains(&format!("<tr data-id=\"{id}\"><td>{id}</td>")),
            "{id} on the page"
        );
    }
}

#[test]
fn report_flags_without_out_are_refused() {
    let output = gridsite(&["explain", &scenario(), "--parcel", "P000367", "--fgb"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("give --out DIR"), "{stderr}");
}

#[test]
fn an_unknown_parcel_is_bad_input_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = gridsite(&[
        "explain",
        &scenario(),
        "--parcel",
        "NO-SUCH-PARCEL",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("NO-SUCH-PARCEL"), "{stderr}");
    assert!(!out.exists(), "nothing is written");
}

/// Several questions at once on `suburban-community-first` (N-1 feeds, every line outage):
/// they are searched side by side, each from a snapshot of the region's memo, so two runs
/// give the same `explain.json` byte for byte, and each answer is the one the question gets
/// alone.
#[test]
fn questions_asked_together_answer_as_alone_and_the_same_every_run() {
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/suburban-community-first.toml")
        .to_string_lossy()
        .into_owned();
    let dir = tempfile::tempdir().unwrap();
    let ids = ["P000294", "P001050", "P000367", "P000679"];
    let ask = |name: &str, ids: &[&str]| -> String {
        let out = dir.path().join(name);
        let mut args = vec!["explain", scenario.as_str(), "--out", out.to_str().unwrap()];
        for id in ids {
            args.extend(["--parcel", id]);
        }
        let output = gridsite(&args);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::read_to_string(out.join("explain.json")).unwrap()
    };
    let first = ask("first", &ids);
    assert!(first == ask("second", &ids), "two runs differ");
    let first: Value = serde_json::from_str(&first).unwrap();
    let together = first.as_array().unwrap();
    assert_eq!(together.len(), ids.len());
    for (i, id) in ids.iter().enumerate() {
        let alone: Value = serde_json::from_str(&ask(&format!("alone-{id}"), &[id])).unwrap();
        let cost = |v: &Value| v["alternative"]["objective_usd"].as_f64();
        assert_eq!(together[i]["parcel_id"], *id);
        assert_eq!(
            cost(&together[i]),
            cost(&alone.as_array().unwrap()[0]),
            "{id} asked with others"
        );
    }
}
