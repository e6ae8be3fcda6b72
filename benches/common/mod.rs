//! What the side-by-side benchmarks share: runs of one side on one instance, and the summary
//! figures of their table (medians, proofs, spreads).

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use gridsite::optimizer;
use gridsite::pipeline::{self, Prepared};
use gridsite::solve::SolverOutcome;
use gridsite::synth::{SynthConfig, generate};

/// One side's runs on one instance: seconds, outcome and cost of each.
#[derive(Default)]
pub struct Runs {
    pub seconds: Vec<f64>,
    pub outcome: Option<SolverOutcome>,
    pub usd: f64,
}

/// One side of the comparison: solves the instance, gives its outcome and cost.
pub type Side = fn(&Prepared) -> (SolverOutcome, f64);

/// The fast path (`optimizer::optimize`).
pub fn fast(prepared: &Prepared) -> (SolverOutcome, f64) {
    let optimum = optimizer::optimize(&prepared.region(), &|_| {}).expect("the fast path runs");
    (optimum.outcome, optimum.plan.objective_usd())
}

/// The contract's program as it stands (`optimizer::solve_plain`, same HiGHS).
pub fn plain(prepared: &Prepared) -> (SolverOutcome, f64) {
    let (outcome, plan, _) =
        optimizer::solve_plain(&prepared.region(), &|_| {}).expect("the plain program runs");
    (outcome, plan.objective_usd())
}

/// The sides to run: both, or the fast path alone with `GRIDSITE_BENCH_PLAIN=0`.
pub fn sides() -> Vec<(&'static str, Side)> {
    if std::env::var("GRIDSITE_BENCH_PLAIN").map_or(true, |v| v != "0") {
        vec![("fast", fast), ("plain", plain)]
    } else {
        vec![("fast", fast)]
    }
}

/// A number from the environment, or `default`.
pub fn env_f64(key: &str, default: f64) -> f64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub fn median(xs: &[f64]) -> f64 {
    let mut xs = xs.to_vec();
    xs.sort_by(f64::total_cmp);
    match xs.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => xs[n / 2],
        n => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}

pub fn proven(outcome: Option<SolverOutcome>) -> bool {
    matches!(
        outcome,
        Some(SolverOutcome::Optimal | SolverOutcome::Infeasible)
    )
}

/// Where both sides proved an optimum, they agree within 0.1 % (the bench stops otherwise).
pub fn assert_agree(id: &str, fast: &Runs, plain: &Runs) {
    if let (Some(SolverOutcome::Optimal), Some(SolverOutcome::Optimal)) =
        (fast.outcome, plain.outcome)
    {
        let tolerance = 1e-3 * plain.usd.abs().max(1.0);
        assert!(
            (fast.usd - plain.usd).abs() <= tolerance,
            "{id}: fast {} USD against plain {} USD",
            fast.usd,
            plain.usd
        );
    }
}

/// `min, median, max (n)` of some figures.
pub fn spread(xs: &[f64]) -> String {
    let min = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!(
        "min {min:.3}, median {:.3}, max {max:.3} (n = {})",
        median(xs),
        xs.len()
    )
}

/// A shipped scenario's file.
pub fn shipped(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{name}.toml"))
}

/// The shipped scenario, on a fresh import of its map when the map is built by a recipe.
pub fn prepare_shipped(name: &str, dir: &Path) -> Prepared {
    let scenario = shipped(name);
    let text = std::fs::read_to_string(&scenario).expect("the shipped scenario");
    let mut table: toml::Table = toml::from_str(&text).expect("the shipped scenario is TOML");
    let map = table
        .get("map")
        .and_then(|m| m.as_str())
        .expect("the scenario names its map");
    let recipe = scenario
        .parent()
        .expect("scenarios/")
        .join(map)
        .join("recipe.toml");
    if !recipe.is_file() {
        return pipeline::prepare(&scenario).expect("the shipped scenario prepares");
    }
    let imported = dir.join(name);
    gridsite::import::import(&recipe, &imported).expect("the shipped recipe imports");
    let path = imported.to_str().expect("a UTF-8 temporary folder");
    table.insert("map".into(), path.into());
    let copy = dir.join(format!("{name}.toml"));
    std::fs::write(&copy, toml::to_string(&table).expect("TOML")).expect("the copy is written");
    pipeline::prepare(&copy).expect("the shipped scenario prepares")
}

/// `suburban-500mw` pointed at a synthetic map written into `dir`.
pub fn synthetic(dir: &Path, seed: u64, parcels: usize, substations: usize) -> PathBuf {
    let config = SynthConfig::new(seed, parcels, substations);
    generate(&config, &dir.join("map"), &mut |_, _, _| {})
        .expect("the synthetic region is written");
    let text = std::fs::read_to_string(shipped("suburban-500mw")).expect("the shipped scenario");
    let text = text.replace("map = \"../maps/suburban\"", "map = \"map\"");
    let path = dir.join("suburban-500mw.toml");
    std::fs::write(&path, text).expect("the scenario is written");
    path
}
