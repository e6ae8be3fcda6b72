//! The fast path against the plain program on instances of the test family, one line each:
//! `cargo run --release --example family -- FIRST_SEED COUNT PARCELS [TIME_LIMIT_S]`.
//!
//! Each instance is written to a temporary folder (`gridsite::synth::family`), screened once,
//! then solved by `optimizer::optimize` and by `optimizer::solve_plain` under the same limit;
//! the line gives both statuses, costs and seconds and their ratio. A probe for whoever tunes
//! the search; the benchmark (`cargo bench --bench family`) is where figures come from.

use std::time::Instant;

use gridsite::optimizer;
use gridsite::pipeline;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number =
        |i: usize, default: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let (first, count, parcels) = (number(0, 1), number(1, 5), number(2, 1_000) as usize);
    let limit_s = number(3, 120) as f64;
    let plain_too = std::env::var("FAMILY_PLAIN").map_or(true, |v| v != "0");
    println!(
        "seed parcels cand subs lines n1 sites target | fast status usd s | plain status usd s | ratio"
    );
    for seed in first..first + count {
        let dir = tempfile::tempdir()?;
        let instance = gridsite::synth::family::write_instance(dir.path(), seed, parcels)?;
        let mut prepared = pipeline::prepare(&instance.scenario)?;
        prepared.scenario.solver.time_limit_s = limit_s;
        let region = prepared.region();
        let t = Instant::now();
        let fast = optimizer::optimize(&region, &|_| {})?;
        let fast_s = t.elapsed().as_secs_f64();
        let (plain_outcome, plain_usd, plain_s) = if plain_too {
            let t = Instant::now();
            let (outcome, plan, _) = optimizer::solve_plain(&region, &|_| {})?;
            (
                format!("{outcome:?}"),
                plan.objective_usd(),
                t.elapsed().as_secs_f64(),
            )
        } else {
            ("-".into(), 0.0, f64::NAN)
        };
        println!(
            "{seed} {parcels} {} {} {} {} {} {} | {:?} {:.0} {fast_s:.2} | {plain_outcome} {plain_usd:.0} {plain_s:.2} | {:.2}  solves={} core={} model={}",
            instance.candidates,
            instance.substations,
            instance.lines,
            instance.min_feeds,
            instance.max_sites,
            instance.total_mw,
            fast.outcome,
            fast.plan.objective_usd(),
            plain_s / fast_s,
            fast.report.solves,
            fast.report.core_candidates,
            fast.report.model.candidates,
        );
    }
    Ok(())
}
