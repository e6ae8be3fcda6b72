//! `comparison.svg`: the chart of a batch comparison is a whole SVG document, shows every
//! scenario and the status of those without a plan, is the same bytes for the same rows, and
//! takes odd rows (none, all failed, missing or non-finite values, zero target) without panicking.

use std::collections::BTreeMap;

use gridsite::batch::ComparisonRow;
use gridsite::batch::chart::{comparison_svg, write_comparison_svg};

fn planned(
    scenario: &str,
    total_mw: f64,
    target_mw: f64,
    usd_per_mw: f64,
    share: f64,
) -> ComparisonRow {
    ComparisonRow {
        scenario: scenario.to_string(),
        status: "optimal".to_string(),
        total_mw: Some(total_mw),
        target_mw: Some(target_mw),
        sites: Some(4),
        objective_usd: Some(usd_per_mw * total_mw),
        usd_per_mw: Some(usd_per_mw),
        communities: Some(2),
        candidates: Some(120),
        worst_line_loading: None,
        worst_outage_loading: None,
        queued_mw: None,
        curtailment_mwh: None,
        headroom_used_share: Some(share),
        gap: Some(0.0),
        bound_usd: Some(usd_per_mw * total_mw),
        seconds: Some(1.5),
        overrides: BTreeMap::new(),
        message: String::new(),
    }
}

fn failed(scenario: &str, status: &str) -> ComparisonRow {
    ComparisonRow {
        scenario: scenario.to_string(),
        status: status.to_string(),
        total_mw: None,
        target_mw: Some(500.0),
        sites: None,
        objective_usd: None,
        usd_per_mw: None,
        communities: None,
        candidates: Some(0),
        worst_line_loading: None,
        worst_outage_loading: None,
        queued_mw: None,
        curtailment_mwh: None,
        headroom_used_share: None,
        gap: None,
        bound_usd: None,
        seconds: Some(0.2),
        overrides: BTreeMap::new(),
        message: "no parcel passes every filter".to_string(),
    }
}

fn batch() -> Vec<ComparisonRow> {
    vec![
        planned("rural-200mw", 204.0, 200.0, 1.31e6, 0.42),
        planned(
            "suburban-500mw_school=1000_max_headroom_share=0.5",
            480.0,
            500.0,
            1.82e6,
            0.5,
        ),
        failed(
            "suburban-500mw_school=2000_max_headroom_share=0.3",
            "infeasible",
        ),
        failed("urban-1gw", "no_candidates"),
    ]
}

fn assert_whole_svg(svg: &str) {
    assert!(
        svg.starts_with("<svg"),
        "starts with {:?}",
        &svg[..svg.len().min(40)]
    );
    assert!(svg.trim_end().ends_with("</svg>"));
}

#[test]
fn shows_every_scenario_and_the_status_of_those_without_a_plan() {
    let svg = comparison_svg(&batch()).unwrap();
    assert_whole_svg(&svg);
    for row in batch() {
        assert!(svg.contains(&row.scenario), "{} is missing", row.scenario);
    }
    assert!(svg.contains("infeasible"));
    assert!(svg.contains("no_candidates"));
    assert!(svg.contains("M USD per MW"));
}

/// Set in the child process of [`the_same_rows_give_the_same_bytes_in_another_process`].
const CHILD: &str = "GRIDSITE_CHART_CHILD";

/// The chart of the same rows drawn by another process (this test binary run again, with its
/// own hash seeds and allocations) has the same bytes: a second call in one process could not
/// see per-process randomness.
#[test]
fn the_same_rows_give_the_same_bytes_in_another_process() {
    let svg = comparison_svg(&batch()).unwrap();
    if std::env::var_os(CHILD).is_some() {
        print!("<<<{svg}>>>");
        return;
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "the_same_rows_give_the_same_bytes_in_another_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let start = stdout.find("<<<").expect("the child drew the chart") + 3;
    let end = stdout.rfind(">>>").expect("the child's chart ends");
    assert_eq!(&stdout[start..end], svg);
}

#[test]
fn is_sized_to_the_rows() {
    let height = |svg: &str| -> u32 {
        let at = svg.find("height=\"").unwrap() + "height=\"".len();
        svg[at..].split('"').next().unwrap().parse().unwrap()
    };
    let few = comparison_svg(&batch()[..1]).unwrap();
    let many: Vec<_> = (0..40)
        .map(|i| planned(&format!("variant-{i:02}"), 100.0, 100.0, 1e6, 0.3))
        .collect();
    assert!(height(&comparison_svg(&many).unwrap()) > height(&few) + 30 * 20);
}

#[test]
fn takes_no_rows() {
    let svg = comparison_svg(&[]).unwrap();
    assert_whole_svg(&svg);
    assert!(svg.contains("no scenarios"));
}

#[test]
fn takes_odd_rows() {
    let mut nan = planned("nan-values", f64::NAN, f64::NAN, f64::INFINITY, f64::NAN);
    nan.status = "feasible".to_string();
    let mut empty = planned("no-values", 0.0, 0.0, 0.0, 0.0);
    empty.total_mw = None;
    empty.target_mw = None;
    empty.usd_per_mw = None;
    empty.headroom_used_share = None;
    let odd = vec![
        nan,
        empty,
        planned("zero-target", 0.0, 0.0, 0.0, 0.0),
        planned("negative-cost", 10.0, 0.0, -2e5, 1.7),
        failed("bad-input", "error"),
        planned(&"very-long-name-".repeat(10), 50.0, 60.0, 1e6, 0.1),
        planned("huge", f64::MAX, -f64::MAX, f64::MAX, f64::MAX),
        failed("no-status", ""),
    ];
    let svg = comparison_svg(&odd).unwrap();
    assert_whole_svg(&svg);
    assert!(svg.contains("n/a"));
    assert!(!svg.contains("NaN") && !svg.contains("inf"));

    let all_failed = vec![failed("a", "infeasible"), failed("b", "error")];
    let svg = comparison_svg(&all_failed).unwrap();
    assert_whole_svg(&svg);
    assert!(svg.contains("error"));
}

#[test]
fn writes_the_file_whole() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("batch").join("comparison.svg");
    write_comparison_svg(&path, &batch()).unwrap();
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(written, comparison_svg(&batch()).unwrap());
    let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["comparison.svg"]);
}
