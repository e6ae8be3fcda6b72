//! Secure siting at real scale (issue 21): the fast path and the contract's plain program side
//! by side, in one run, on the instances where line outages and N-1 feeds make the program
//! hard:
//! - `sacramento-0.05`: the shipped `sacramento-300mw` on a fresh import of its CATS network,
//!   every line outage, the contract's default harm cutoff (0.05);
//! - `sacramento-0.01`: the same at a 1 % cutoff;
//! - `county-n1-<seed>`: a synthetic county (500,000 parcels, 300 substations) under the hard
//!   scenario of `tests/time_limit.rs` with N-1 feeds (`min_feeds = 2`): 2,500 MW on up to 14
//!   sites, spacing and community rules, the county's line limits and outages.
//!
//! After the group, a table gives each instance's medians, both outcomes and the ratio
//! (plain ÷ fast). Where both prove an optimum they must agree within 0.1 %. A side that
//! reaches the time limit has its time counted at the limit and the table says so: the ratio
//! is then a bound, not a figure.
//!
//! - `GRIDSITE_SECURITY_LIMIT_S`: both sides' time limit (default 600 s);
//! - `GRIDSITE_SECURITY_SEEDS`: the county seeds, comma-separated (default `7`);
//! - `GRIDSITE_BENCH_PLAIN=0`: the fast path alone;
//! - `GRIDSITE_BENCH_ONCE=1`: one run a side and the table, without criterion's samples.
//!
//! Run: `cargo bench --bench security` (each sample is a whole solve: the plain program may
//! take its whole limit ten times over).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use gridsite::pipeline::{self, Prepared};
use gridsite::synth::{SynthConfig, generate};

mod common;
use common::{Runs, Side, assert_agree, env_f64, median, prepare_shipped, proven, sides};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The hard county scenario of `tests/time_limit.rs`, with the contract's N-1 feeds.
const COUNTY_N1: &str = r#"name = "county-n1"
map = "map"
[target]
total_mw = 2500
max_sites = 14
max_site_mw = 300
[site]
min_feeds = 2
max_feeds = 3
min_spacing_km = 4
[grid]
flexible_share = 0.2
[community]
max_share_per_community = 0.2
min_communities = 6
[solver]
mip_gap = 0.0
"#;

fn county(dir: &Path, seed: u64) -> Prepared {
    let folder = dir.join(format!("county-{seed}"));
    let config = SynthConfig::new(seed, 500_000, 300);
    generate(&config, &folder.join("map"), &mut |_, _, _| {}).expect("the county is written");
    let scenario = folder.join("county-n1.toml");
    std::fs::write(&scenario, COUNTY_N1).expect("the scenario is written");
    pipeline::prepare(&scenario).expect("the county prepares")
}

fn seeds() -> Vec<u64> {
    let text = std::env::var("GRIDSITE_SECURITY_SEEDS").unwrap_or_else(|_| "7".into());
    (text.split(','))
        .map(|s| (s.trim().parse()).expect("GRIDSITE_SECURITY_SEEDS: seeds like 7,11"))
        .collect()
}

/// The instances, each with both sides' time limit.
fn instances(dir: &Path, limit_s: f64) -> Vec<(String, Prepared)> {
    let mut instances = Vec::new();
    for cutoff in [0.05, 0.01] {
        let mut prepared = prepare_shipped("sacramento-300mw", dir);
        prepared.scenario.grid.harm_factor_cutoff = cutoff;
        assert!(prepared.scenario.grid.line_contingencies);
        instances.push((format!("sacramento-{cutoff}"), prepared));
    }
    for seed in seeds() {
        instances.push((format!("county-n1-{seed}"), county(dir, seed)));
    }
    for (_, prepared) in &mut instances {
        prepared.scenario.solver.time_limit_s = limit_s;
    }
    instances
}

/// Runs `solve` on `prepared` and records it under `(id, side)`.
fn record(
    runs: &Mutex<BTreeMap<(String, &'static str), Runs>>,
    id: &str,
    side: &'static str,
    solve: Side,
    prepared: &Prepared,
) -> Duration {
    let started = Instant::now();
    let (outcome, usd) = solve(prepared);
    let took = started.elapsed();
    let mut runs = runs.lock().expect("no bench thread panicked");
    let entry = runs.entry((id.to_string(), side)).or_default();
    entry.seconds.push(took.as_secs_f64());
    entry.outcome = Some(outcome);
    entry.usd = usd;
    took
}

/// `GRIDSITE_BENCH_ONCE=1`: one run a side, no criterion samples (a probe).
fn once() -> bool {
    std::env::var("GRIDSITE_BENCH_ONCE").is_ok_and(|v| v == "1")
}

fn bench_security(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let limit_s = env_f64("GRIDSITE_SECURITY_LIMIT_S", 600.0);
    let runs: Mutex<BTreeMap<(String, &'static str), Runs>> = Mutex::new(BTreeMap::new());
    let mut group = c.benchmark_group("security");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(1));
    group.measurement_time(Duration::from_secs(5));
    let instances = instances(dir.path(), limit_s);
    for (id, prepared) in &instances {
        for (side, solve) in sides() {
            if once() {
                record(&runs, id, side, solve, prepared);
                continue;
            }
            group.bench_with_input(BenchmarkId::new(side, id), prepared, |b, p| {
                b.iter_custom(|iters| (0..iters).map(|_| record(&runs, id, side, solve, p)).sum())
            });
        }
    }
    group.finish();

    let runs = runs.into_inner().expect("no bench thread panicked");
    println!(
        "\nsecurity: instance, fast (median s, outcome, USD), plain (median s, outcome), plain/fast"
    );
    for (id, _) in &instances {
        let side = |s: &'static str| runs.get(&(id.clone(), s));
        let Some(f) = side("fast") else { continue };
        let fast_s = median(&f.seconds);
        let (plain_s, plain_outcome) = match side("plain") {
            Some(p) => {
                assert_agree(id, f, p);
                (median(&p.seconds), p.outcome)
            }
            None => (f64::NAN, None),
        };
        let censored = !proven(f.outcome) || !proven(plain_outcome);
        println!(
            "{id:>16} | {fast_s:>8.3} {:<11} {:>14.0} | {plain_s:>8.3} {:<11} | {:>8.2}{}",
            format!("{:?}", f.outcome.expect("a run")),
            f.usd,
            plain_outcome.map_or("-".into(), |o| format!("{o:?}")),
            plain_s / fast_s,
            if censored {
                " (a side hit the limit)"
            } else {
                ""
            },
        );
    }
}

criterion_group!(benches, bench_security);
criterion_main!(benches);
