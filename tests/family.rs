//! The optimizer on its test family (`gridsite synth --family`, `gridsite::synth::family`):
//! regions unlike the shipped maps (many small sites against tight headroom, N-1 feeds,
//! upgrades, binding spacing and community caps, lines).
//!
//! - On every member small enough for a test (150 parcels, seeds 1–12), the fast path and the
//!   plain program both end with a proof within the time limit, and the same one: the same
//!   optimum, or both infeasible. (Enumeration on smaller members is in `optimize.rs`,
//!   `family_members_agree_with_enumeration_and_the_plain_program`.)
//! - A run whose limit is far too short for a proof spends its limit (no silent stop) and says
//!   why it stopped, with the best bound; `gridsite optimize` exits 0 with a plan, 2 without.

use std::path::Path;

use gridsite::optimizer;
use gridsite::pipeline::{self, Status};
use gridsite::solve::SolverOutcome;
use gridsite::synth::family;

/// The member's scenario with `[solver]` replaced: `time_limit_s` and `mip_gap = 0`.
fn with_limit(scenario: &Path, time_limit_s: f64) {
    let text = std::fs::read_to_string(scenario).unwrap();
    let head = text.split("[solver]").next().unwrap();
    let solver = format!("[solver]\ntime_limit_s = {time_limit_s}\nmip_gap = 0.0\n");
    std::fs::write(scenario, format!("{head}{solver}")).unwrap();
}

fn proven(outcome: SolverOutcome) -> bool {
    matches!(outcome, SolverOutcome::Optimal | SolverOutcome::Infeasible)
}

#[test]
fn fast_path_and_plain_program_prove_the_same_answer_on_small_members() {
    let (mut optimal, mut infeasible, mut n1, mut lines) = (0, 0, 0, 0);
    let (mut repairs, mut repairs_settled) = (0, 0);
    for seed in 1..=12 {
        let dir = tempfile::tempdir().unwrap();
        let instance = family::write_instance(dir.path(), seed, 150).unwrap();
        with_limit(&instance.scenario, 60.0);
        let prepared = pipeline::prepare(&instance.scenario).unwrap();
        let fast = optimizer::optimize(&prepared.region(), &|_| {}).unwrap();
        let (plain, plain_plan, _) = optimizer::solve_plain(&prepared.region(), &|_| {}).unwrap();
        let id = format!("member {seed}-150");
        assert!(
            proven(fast.outcome),
            "{id}: the fast path ended {:?}",
            fast.outcome
        );
        assert!(proven(plain), "{id}: the plain program ended {plain:?}");
        assert_eq!(fast.outcome, plain, "{id}");
        if fast.outcome == SolverOutcome::Optimal {
            let (f, p) = (fast.plan.objective_usd(), plain_plan.objective_usd());
            assert!(
                (f - p).abs() <= 1e-6 * p.abs().max(1.0),
                "{id}: fast path {f} USD, plain program {p} USD"
            );
            assert!(
                fast.report.stopped.is_none(),
                "{id}: a proof has no stop note"
            );
            optimal += 1;
        } else {
            infeasible += 1;
        }
        n1 += usize::from(instance.min_feeds >= 2);
        lines += usize::from(instance.lines > 0);
        repairs += fast.report.repairs;
        repairs_settled += fast.report.repairs_settled;
    }
    eprintln!("{repairs} repairs, {repairs_settled} of them settled a core");
    // The members must hold both outcomes and the grid's rules, or the comparison says little.
    assert!(
        optimal >= 6 && infeasible >= 1,
        "{optimal} optimal, {infeasible} infeasible"
    );
    assert!(
        n1 >= 3 && lines >= 3,
        "{n1} with N-1 feeds, {lines} with lines"
    );
    // And the repair of insecure plans, with a repaired plan standing for a core's answer.
    assert!(
        repairs >= 1 && repairs_settled >= 1,
        "{repairs} repairs, {repairs_settled} settled"
    );
}

/// Member 2 of 600 parcels (117 candidates) takes seconds to prove on the development machine;
/// with a limit of 0.5 s the run must spend it and say why it stopped.
#[test]
fn a_run_without_a_proof_spends_its_limit_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let instance = family::write_instance(dir.path(), 2, 600).unwrap();
    let limit_s = 0.5;
    with_limit(&instance.scenario, limit_s);
    let out = dir.path().join("out");
    let optimized = pipeline::optimize(&instance.scenario, &out, &|_| {}).unwrap();
    assert!(
        matches!(optimized.status, Status::Feasible | Status::TimeLimit),
        "a 0.5 s run proved {:?}",
        optimized.status
    );
    let solve_s: f64 = (optimized.prepared.seconds.0.iter())
        .filter(|(stage, _)| *stage == "solve")
        .map(|(_, s)| s)
        .sum();
    assert!(
        solve_s >= 0.9 * limit_s,
        "the run stopped at {solve_s:.3} s of its {limit_s} s without a proof"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let message = summary["message"]
        .as_str()
        .expect("summary.message says why the run stopped");
    assert!(message.contains("time limit"), "{message}");
    assert!(
        message.contains("USD") && message.contains("program"),
        "the message gives the best bound and what was tried: {message}"
    );
    assert!(summary["search"]["stopped"].is_string());
    let status = summary["status"].as_str().unwrap();
    let code = assert_cmd::Command::cargo_bin("gridsite")
        .unwrap()
        .args(["optimize"])
        .arg(&instance.scenario)
        .arg("--out")
        .arg(dir.path().join("cli"))
        .output()
        .unwrap()
        .status
        .code();
    // The binary's run may end the other way (a plan found a little sooner or later).
    let cli: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("cli/summary.json")).unwrap(),
    )
    .unwrap();
    let expected = if cli["status"] == "feasible" { 0 } else { 2 };
    assert!(
        cli["status"] == "feasible" || cli["status"] == "time_limit",
        "{status} in the library, {} from the binary",
        cli["status"]
    );
    assert_eq!(code, Some(expected));

    // The bound it reports is a bound: at most the optimum a run with time proves.
    let bound_usd = summary["search"]["bound_usd"].as_f64();
    with_limit(&instance.scenario, 120.0);
    let proven =
        pipeline::optimize(&instance.scenario, &dir.path().join("proof"), &|_| {}).unwrap();
    assert_eq!(proven.status, Status::Optimal);
    let optimum_usd = proven.plan.objective_usd();
    let bound_usd = bound_usd.expect("a run that stops without a proof reports its bound");
    assert!(
        bound_usd <= optimum_usd * (1.0 + 1e-6),
        "best bound {bound_usd} USD above the optimum {optimum_usd} USD"
    );
}
