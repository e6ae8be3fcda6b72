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
use gridsite::pipeline;
use gridsite::synth::family;

mod common;
use common::{Runs, assert_agree, env_f64, median, proven, sides, spread};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    env_f64("GRIDSITE_FAMILY_LIMIT_S", 120.0)
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
        for (side, solve) in sides() {
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
                assert_agree(id, f, p);
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
    println!("ratio plain/fast: {}", spread(&ratios));
    println!("fast path proof seconds: {}", spread(&proofs));
}

criterion_group!(benches, bench_family);
criterion_main!(benches);
