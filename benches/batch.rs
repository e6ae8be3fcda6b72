//! Speed of `gridsite batch`: 20 scenarios on the shipped suburban map (a sweep of the
//! shipped `suburban-500mw` scenario over target and headroom share, each solved exactly over
//! every candidate), run with `--jobs 1` and `--jobs 2`. The speed-up is the ratio of the
//! medians.
//!
//! Run: `cargo bench --bench batch`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use gridsite::batch::{self, Job};
use gridsite::scenario::Sweep;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The 20 variants: 5 targets × 4 headroom shares.
fn jobs() -> Vec<Job> {
    let scenario = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/suburban-500mw.toml");
    let sweeps = [
        "target.total_mw=100,150,200,250,300",
        "grid.max_headroom_share=0.6,0.7,0.8,0.9",
    ]
    .map(|s| Sweep::parse(s).expect("a valid sweep"));
    let jobs = batch::expand(&[scenario], &[], &sweeps).expect("the shipped scenario expands");
    assert_eq!(jobs.len(), 20);
    jobs
}

fn run(jobs: &[Job], out: &Path, threads: usize) {
    let rows = batch::run(jobs, out, threads, &Default::default(), &|_| {});
    assert!(
        rows.iter().all(|r| r.has_plan()),
        "every variant has a plan"
    );
}

fn bench_batch(c: &mut Criterion) {
    let jobs = jobs();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut group = c.benchmark_group("batch_20_suburban");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(60));
    for threads in [1, 2] {
        group.bench_function(format!("jobs_{threads}"), |b| {
            b.iter(|| run(&jobs, dir.path(), threads))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_batch);
criterion_main!(benches);
