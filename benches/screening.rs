//! Speed of the pipeline's front half on a seeded synthetic region:
//! - `screening`: index build and candidate screening of 1,000,000 parcels against 1,000
//!   substations, 100,000 receptors and 20,000 fiber segments (loading excluded);
//! - `load`: reading and validating the five layers of that map (throughput in bytes).
//!
//! `GRIDSITE_BENCH_PARCELS` scales the region (default 1,000,000; receptors and fiber scale
//! with it). Run: `cargo bench --bench screening`.

use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gridsite::index::SpatialIndex;
use gridsite::scenario::Scenario;
use gridsite::synth::{SynthConfig, generate};
use gridsite::{candidates, layers};

/// mimalloc: reading a large map allocates millions of small vectors from several threads at
/// once, where the system allocator costs a third of the load time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn parcels() -> usize {
    std::env::var("GRIDSITE_BENCH_PARCELS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

fn region(dir: &Path) -> u64 {
    let parcels = parcels();
    let mut config = SynthConfig::new(3, parcels, 1_000);
    config.receptors = Some(parcels / 10);
    config.fiber_segments = Some(parcels / 50);
    let summary =
        generate(&config, dir, &mut |_, _, _| {}).expect("the synthetic region is written");
    summary.bytes_written
}

fn scenario() -> Scenario {
    let text = "name = \"bench\"\nmap = \"map\"\n[target]\ntotal_mw = 500\n";
    Scenario::parse(text, Path::new("bench.toml")).expect("the bench scenario parses")
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let bytes = region(dir.path());
    let map = layers::load_map(dir.path()).expect("the synthetic region loads");
    let scenario = scenario();

    let mut group = c.benchmark_group("screening");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(40));
    group.bench_function(
        format!("index_and_screen_{}_parcels", map.parcels.len()),
        |b| {
            b.iter(|| {
                let index = SpatialIndex::build(&map).expect("the index builds");
                candidates::screen(&map, &index, &scenario).expect("screening runs")
            })
        },
    );
    group.finish();

    let mut group = c.benchmark_group("load");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(60));
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function(format!("five_layers_{}_parcels", map.parcels.len()), |b| {
        b.iter(|| layers::load_map(dir.path()).expect("the synthetic region loads"))
    });
    group.finish();
}

criterion_group!(screening, benches);
criterion_main!(screening);
