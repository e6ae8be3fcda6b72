//! Speed of the optimizer (the `solve` stage: bounds, first plan, reductions, proof), and of
//! the whole pipeline on a county:
//! - `shipped`: the fast path on each shipped scenario (map loaded and screened once; the real
//!   regions imported from their `sources/` into a temporary folder first);
//! - `fast_vs_plain`: side by side on identical instances, the fast path against the
//!   contract's program solved as it stands (`optimizer::solve_plain`, same HiGHS): the
//!   shipped `suburban-500mw` and a 6,000-parcel synthetic region under the same scenario;
//! - `county`: end to end (load, index, screen, solve, write the files) on a synthetic county
//!   of 500,000 parcels and 300 substations under `suburban-500mw`.
//!
//! `GRIDSITE_BENCH_PLAIN=0` leaves out the plain program (about 30 s a sample on
//! suburban-500mw). Run: `cargo bench --bench optimizer`.

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use gridsite::optimizer;
use gridsite::pipeline::{self, Prepared};
use gridsite::solve::SolverOutcome;

mod common;
use common::{prepare_shipped, shipped, synthetic};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn fast(prepared: &Prepared) -> f64 {
    let optimum = optimizer::optimize(&prepared.region(), &|_| {}).expect("the fast path runs");
    assert_eq!(optimum.outcome, SolverOutcome::Optimal);
    optimum.plan.objective_usd()
}

fn plain(prepared: &Prepared) -> f64 {
    let (outcome, plan, _) =
        optimizer::solve_plain(&prepared.region(), &|_| {}).expect("the plain program runs");
    assert_eq!(outcome, SolverOutcome::Optimal);
    plan.objective_usd()
}

fn with_plain() -> bool {
    std::env::var("GRIDSITE_BENCH_PLAIN").map_or(true, |v| v != "0")
}

fn bench_shipped(c: &mut Criterion) {
    let mut group = c.benchmark_group("shipped");
    group.sample_size(20);
    let dir = tempfile::tempdir().expect("a temporary folder");
    for name in [
        "suburban-500mw",
        "suburban-community-first",
        "coastal-800mw",
        "jeonbuk-300mw",
        "sacramento-300mw",
    ] {
        let prepared = prepare_shipped(name, dir.path());
        group.bench_function(name, |b| b.iter(|| fast(&prepared)));
    }
    group.finish();
}

fn bench_fast_vs_plain(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let instances = [
        ("suburban-500mw", shipped("suburban-500mw")),
        ("synth-6000", synthetic(dir.path(), 6, 6_000, 40)),
    ];
    let mut group = c.benchmark_group("fast_vs_plain");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    for (name, path) in &instances {
        let mut prepared = pipeline::prepare(path).expect("the instance prepares");
        // The plain program is measured to its proof, however loaded the machine is.
        prepared.scenario.solver.time_limit_s = 3600.0;
        if with_plain() {
            let (f, p) = (fast(&prepared), plain(&prepared));
            let tolerance = prepared.scenario.solver.mip_gap * p.abs();
            assert!((f - p).abs() <= tolerance, "{name}: fast {f} vs plain {p}");
        }
        group.bench_with_input(BenchmarkId::new("fast", name), &prepared, |b, p| {
            b.iter(|| fast(p))
        });
        if with_plain() {
            group.bench_with_input(BenchmarkId::new("plain", name), &prepared, |b, p| {
                b.iter(|| plain(p))
            });
        }
    }
    group.finish();
}

fn bench_county(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let scenario = synthetic(dir.path(), 7, 500_000, 300);
    let out = dir.path().join("out");
    let mut group = c.benchmark_group("county");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(60));
    group.bench_function("end_to_end_500000_parcels", |b| {
        b.iter(|| {
            let optimized = pipeline::optimize(&scenario, &out, &|_| {}).expect("the county runs");
            assert_eq!(optimized.status, pipeline::Status::Optimal);
        })
    });
    group.finish();
}

criterion_group!(
    optimizer_benches,
    bench_shipped,
    bench_fast_vs_plain,
    bench_county
);
criterion_main!(optimizer_benches);
