//! The optimizer on its test family (`gridsite synth --family`, [`gridsite::synth::family`]):
//! regions unlike the shipped maps, from 300 to 6,000 parcels. For each member, side by side
//! in one run, `fast/<seed>-<parcels>` (the fast path, `optimizer::optimize`) and
//! `plain/<seed>-<parcels>` (the contract's program as it stands, `optimizer::solve_plain`,
//! same HiGHS), each from the screened region to its answer. After the group, a table gives
//! each member's medians, their ratio (plain ÷ fast) and both outcomes, then the
//! distribution (min, median, max) of the ratio and of the fast path's proof times.
//!
//! Where both prove an optimum they must agree within `mip_gap` (the bench stops otherwise).
//! A side that reaches the time limit has its time counted at the limit, and the table marks
//! it: the ratio is then a bound, not a figure.
//!
//! - `GRIDSITE_FAMILY=a-b`: members a to b (from 0; default `0-59`, the benchmark's 60);
//! - `GRIDSITE_FAMILY_LIMIT_S`: both sides' time limit (default 120 s);
//! - `GRIDSITE_BENCH_PLAIN=0`: the fast path alone.
//!
//! Run: `cargo bench --bench family` (hours for all 60 on 2 shared cores; a range for less).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use gridsite::optimizer;
use gridsite::pipeline::{self, Prepared};
use gridsite::solve::SolverOutcome;
use gridsite::synth::family;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// One side's runs on one member: seconds, outcome and cost of each.
#[derive(Default)]
struct Runs {
    seconds: Vec<f64>,
    outcome: Option<SolverOutcome>,
    usd: f64,
}

/// One side of the comparison: solves the member, gives its outcome and cost.
type Side = fn(&Prepared) -> (SolverOutcome, f64);

fn fast(prepared: &Prepared) -> (SolverOutcome, f64) {
    let optimum = optimizer::optimize(&prepared.region(), &|_| {}).expect("the fast path runs");
    (optimum.outcome, optimum.plan.objective_usd())
}

fn plain(prepared: &Prepared) -> (SolverOutcome, f64) {
    let (outcome, plan, _) =
        optimizer::solve_plain(&prepared.region(), &|_| {}).expect("the plain program runs");
    (outcome, plan.objective_usd())
}

fn members() -> std::ops::RangeInclusive<usize> {
    let range = std::env::var("GRIDSITE_FAMILY").unwrap_or_else(|_| "0-59".into());
    let mut ends = range.split('-').map(|n| n.trim().parse::<usize>());
    match (ends.next(), ends.next()) {
        (Some(Ok(a)), Some(Ok(b))) => a..=b,
        (Some(Ok(a)), None) => a..=a,
        _ => panic!("GRIDSITE_FAMILY must be a range like 0-59, not {range:?}"),
    }
}

fn limit_s() -> f64 {
    std::env::var("GRIDSITE_FAMILY_LIMIT_S")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(120.0)
}

fn with_plain() -> bool {
    std::env::var("GRIDSITE_BENCH_PLAIN").map_or(true, |v| v != "0")
}

fn median(xs: &[f64]) -> f64 {
    let mut xs = xs.to_vec();
    xs.sort_by(f64::total_cmp);
    match xs.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => xs[n / 2],
        n => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}

fn proven(outcome: Option<SolverOutcome>) -> bool {
    matches!(
        outcome,
        Some(SolverOutcome::Optimal | SolverOutcome::Infeasible)
    )
}

fn bench_family(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let runs: Mutex<BTreeMap<(String, &'static str), Runs>> = Mutex::new(BTreeMap::new());
    let mut group = c.benchmark_group("family");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(1));
    group.measurement_time(Duration::from_secs(5));
    let mut table = Vec::new();
    for k in members() {
        let (seed, parcels) = family::member(k);
        let folder = dir.path().join(format!("{seed}"));
        let instance =
            family::write_instance(&folder, seed, parcels).expect("the member is written");
        let mut prepared = pipeline::prepare(&instance.scenario).expect("the member prepares");
        prepared.scenario.solver.time_limit_s = limit_s();
        let id = format!("{seed}-{parcels}");
        let sides: Vec<(&'static str, Side)> = if with_plain() {
            vec![("fast", fast), ("plain", plain)]
        } else {
            vec![("fast", fast)]
        };
        for (side, solve) in sides {
            group.bench_with_input(BenchmarkId::new(side, &id), &prepared, |b, p| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let started = Instant::now();
                        let (outcome, usd) = solve(p);
                        let took = started.elapsed();
                        total += took;
                        let mut runs = runs.lock().expect("no bench thread panicked");
                        let entry = runs.entry((id.clone(), side)).or_default();
                        entry.seconds.push(took.as_secs_f64());
                        entry.outcome = Some(outcome);
                        entry.usd = usd;
                    }
                    total
                })
            });
        }
        table.push((id, instance));
    }
    group.finish();

    let runs = runs.into_inner().expect("no bench thread panicked");
    println!(
        "\nfamily: member, candidates, substations, lines, min_feeds, fast (median s, outcome), plain (median s, outcome), plain/fast"
    );
    let (mut ratios, mut proofs) = (Vec::new(), Vec::new());
    for (id, instance) in &table {
        let side = |s: &'static str| runs.get(&(id.clone(), s));
        let Some(f) = side("fast") else { continue };
        let fast_s = median(&f.seconds);
        if proven(f.outcome) {
            proofs.push(fast_s);
        }
        let (plain_s, plain_outcome, ratio) = match side("plain") {
            Some(p) => {
                if let (Some(SolverOutcome::Optimal), Some(SolverOutcome::Optimal)) =
                    (f.outcome, p.outcome)
                {
                    let tolerance = 1e-3 * p.usd.abs().max(1.0);
                    assert!(
                        (f.usd - p.usd).abs() <= tolerance,
                        "{id}: fast {} USD against plain {} USD",
                        f.usd,
                        p.usd
                    );
                }
                let plain_s = median(&p.seconds);
                (plain_s, p.outcome, plain_s / fast_s)
            }
            None => (f64::NAN, None, f64::NAN),
        };
        let censored = !proven(f.outcome) || !proven(plain_outcome);
        if ratio.is_finite() {
            ratios.push(ratio);
        }
        println!(
            "{id:>10} {:>5} {:>4} {:>4} {} | {fast_s:>8.3} {:<11} | {plain_s:>8.3} {:<11} | {ratio:>8.2}{}",
            instance.candidates,
            instance.substations,
            instance.lines,
            instance.min_feeds,
            format!("{:?}", f.outcome.expect("a run")),
            plain_outcome.map_or("-".into(), |o| format!("{o:?}")),
            if censored {
                " (a side hit the limit)"
            } else {
                ""
            },
        );
    }
    let spread = |xs: &[f64]| {
        let min = xs.iter().copied().fold(f64::INFINITY, f64::min);
        let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        format!(
            "min {min:.3}, median {:.3}, max {max:.3} (n = {})",
            median(xs),
            xs.len()
        )
    };
    println!("ratio plain/fast: {}", spread(&ratios));
    println!("fast path proof seconds: {}", spread(&proofs));
}

criterion_group!(benches, bench_family);
criterion_main!(benches);
