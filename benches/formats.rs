//! Writing the county's two largest layers in each GIS format: `excluded` (about 484,000
//! parcels) and `candidates` of a synthetic county of 500,000 parcels and 300 substations
//! under `suburban-500mw`, as GeoJSON, a GeoPackage with its R-tree (`--gpkg`), FlatGeobuf with
//! its Hilbert R-tree (`--fgb`) and GeoParquet (`--parquet`). Each format's writer on one
//! layer, from the features the outputs stream; after the runs, each file's size is printed.
//! The county is generated and optimized once, first. Run: `cargo bench --bench formats`.

use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use gridsite::pipeline;
use gridsite::report::layers::{LayerKind, OutputLayer, output_layers};

mod common;
use common::synthetic;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn bench_formats(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let scenario = synthetic(dir.path(), 7, 500_000, 300);
    let run = dir.path().join("run");
    let optimized = pipeline::optimize(&scenario, &run, &|_| {}).expect("the county runs");
    assert_eq!(optimized.status, pipeline::Status::Optimal);
    let prepared = &optimized.prepared;
    let grid = (optimized.plan).grid_report(&prepared.map, &prepared.network, &prepared.scenario);
    let out = dir.path().join("formats");
    std::fs::create_dir_all(&out).expect("the output folder");
    let mut group = c.benchmark_group("formats");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    let mut files = Vec::new();
    for kind in [LayerKind::Excluded, LayerKind::Candidates] {
        let name = kind.name();
        let layer = || -> Vec<OutputLayer> {
            (output_layers(&optimized, &grid).into_iter())
                .filter(|l| l.kind == kind)
                .collect()
        };
        let geojson = out.join(format!("{name}.geojson"));
        group.bench_function(format!("geojson/{name}"), |b| {
            b.iter(|| {
                let features = layer().into_iter().flat_map(|l| l.features);
                gridsite::files::write_feature_collection(&geojson, features).expect("written");
            })
        });
        let gpkg = out.join(format!("{name}.gpkg"));
        group.bench_function(format!("gpkg/{name}"), |b| {
            b.iter(|| gridsite::report::gpkg::write_gpkg(&gpkg, layer).expect("written"))
        });
        group.bench_function(format!("fgb/{name}"), |b| {
            b.iter(|| gridsite::report::fgb::write_fgb(&out, layer).expect("written"))
        });
        group.bench_function(format!("parquet/{name}"), |b| {
            b.iter(|| gridsite::report::parquet::write_parquet(&out, layer).expect("written"))
        });
        for ext in ["geojson", "gpkg", "fgb", "parquet"] {
            files.push(out.join(format!("{name}.{ext}")));
        }
    }
    group.finish();
    for file in files {
        let bytes = std::fs::metadata(&file).map_or(0, |m| m.len());
        println!(
            "{}: {:.1} MB",
            file.file_name().unwrap_or_default().to_string_lossy(),
            bytes as f64 / 1e6
        );
    }
    if let Ok(keep) = std::env::var("GRIDSITE_FORMATS_KEEP") {
        // The files, for timing GIS tools opening them (docs/benchmarks.md).
        let keep = PathBuf::from(keep);
        std::fs::create_dir_all(&keep).expect("the folder to keep");
        for entry in std::fs::read_dir(&out).expect("the outputs") {
            let path = entry.expect("an output").path();
            std::fs::copy(&path, keep.join(path.file_name().unwrap_or_default())).expect("kept");
        }
    }
}

criterion_group!(format_benches, bench_formats);
criterion_main!(format_benches);
