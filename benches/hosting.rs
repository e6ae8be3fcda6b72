//! Speed of headroom over time (docs/profiles-and-queue.md, "Headroom over time and the queue"): reading a
//! `load_profiles.csv` of 1,000 substations × 8,760 hours and computing every substation's
//! hosting capacity `L*` (with and without its upgrade) for a scenario with a curtailment
//! budget. Issue 22 asks for both within 0.5 s.
//!
//! Run: `cargo bench --bench hosting`.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use gridsite::layers::{self, Map, Substation};
use gridsite::scenario::Scenario;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SUBSTATIONS: usize = 1_000;
const HOURS: usize = 8_760;

fn substations() -> Vec<Substation> {
    (0..SUBSTATIONS)
        .map(|b| Substation {
            id: format!("S{b:04}"),
            name: None,
            point: geo::Point::new(-121.0, 38.5),
            voltage_kv: 115.0,
            headroom_mw: 20.0 + (b % 17) as f64 * 10.0,
            flexible_mw: 0.0,
            community_growth_mw: (b % 5) as f64,
            upgrade_mw: if b % 3 == 0 { 50.0 } else { 0.0 },
            upgrade_usd: 0.0,
            supply_share: 0.0,
            profile: None,
            queued_mw: 0.0,
            hosting: None,
        })
        .collect()
}

/// A deterministic profile: a daily and a seasonal wave and a hash for noise, 3 decimals.
fn write_profiles(path: &Path, substations: &[Substation]) {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    write!(w, "hour").unwrap();
    for s in substations {
        write!(w, ",{}", s.id).unwrap();
    }
    writeln!(w).unwrap();
    for h in 0..HOURS {
        write!(w, "{h}").unwrap();
        let day = (h % 24) as f64 / 24.0 * std::f64::consts::TAU;
        let year = h as f64 / HOURS as f64 * std::f64::consts::TAU;
        for (b, s) in substations.iter().enumerate() {
            let noise = ((h * 7919 + b * 104_729) % 1000) as f64 / 1000.0;
            let mw = s.headroom_mw * (2.0 + 0.6 * day.sin() - 0.5 * year.cos() + 0.2 * noise);
            write!(w, ",{mw:.3}").unwrap();
        }
        writeln!(w).unwrap();
    }
}

fn bench_hosting(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let substations = substations();
    let csv = dir.path().join("load_profiles.csv");
    write_profiles(&csv, &substations);
    let substations_path = dir.path().join("substations.geojson");
    let scenario = Scenario::parse(
        "name = \"b\"\nmap = \"m\"\n[target]\ntotal_mw = 100\n[grid]\nflexible_share = 0.5\n\
         max_curtailment_pct = 0.5\nmax_curtailment_hours = 200\n",
        &dir.path().join("scenario.toml"),
    )
    .unwrap();
    let read_and_derive = || {
        let profiles = layers::read_profiles(&csv, &substations_path, &substations).unwrap();
        let mut map = Map {
            substations: substations.clone(),
            ..Map::default()
        };
        for (k, column) in profiles.columns.iter().enumerate() {
            map.substations[column.substation].profile = Some(k);
        }
        map.profiles = Some(profiles);
        gridsite::hosting::apply(&mut map, &scenario);
        map
    };
    let map = read_and_derive();
    assert!(map.substations.iter().all(|s| s.hosting.is_some()));
    let mut group = c.benchmark_group("hosting");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("read_and_l_star_1000x8760", |b| b.iter(read_and_derive));
    let mut derived = map.clone();
    group.bench_function("l_star_1000x8760", |b| {
        b.iter(|| gridsite::hosting::apply(&mut derived, &scenario))
    });
    group.finish();
}

criterion_group!(benches, bench_hosting);
criterion_main!(benches);
