//! `gridsite batch SCENARIO... --out DIR` and `gridsite compare DIR... --out DIR`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

use clap::Args;
use gridsite::batch::{self, BatchEvent, ComparisonRow, Shard};
use gridsite::scenario::{Override, Sweep};
use indicatif::{ProgressBar, ProgressStyle};

/// Exit status when a scenario has no plan or could not run.
const SOME_FAILED: u8 = 2;

/// Flags of `gridsite batch`.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Scenario files (TOML).
    #[arg(required = true)]
    scenarios: Vec<PathBuf>,
    /// The folder for each scenario's outputs (`DIR/<name>/`) and the comparison.
    #[arg(long)]
    out: PathBuf,
    /// Scenarios solved at a time [default: the number of cores].
    #[arg(long)]
    jobs: Option<usize>,
    /// Override a scenario key in every scenario, e.g. `community.setback_m.school=1000`.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = Override::parse)]
    sets: Vec<Override>,
    /// Run a variant a value, named after it, e.g. `grid.max_headroom_share=0.5,0.8`;
    /// several sweeps make their grid.
    #[arg(long = "sweep", value_name = "KEY=V1,V2,...", value_parser = Sweep::parse)]
    sweeps: Vec<Sweep>,
    /// Run only the K-th of N deterministic slices of the scenarios (for cluster arrays).
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
    #[command(flatten)]
    report: super::ReportArgs,
}

/// Flags of `gridsite compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Result folders: a batch's `--out` (a shard's) or an `optimize --out`.
    #[arg(required = true)]
    folders: Vec<PathBuf>,
    /// The folder to write the merged comparison into.
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: BatchArgs) -> anyhow::Result<ExitCode> {
    let mut jobs = batch::expand(&args.scenarios, &args.sets, &args.sweeps)?;
    let total = jobs.len();
    if let Some(shard) = args.shard {
        jobs = batch::shard(jobs, shard);
        eprintln!(
            "shard {}/{}: {} of {total} scenarios",
            shard.k,
            shard.n,
            jobs.len()
        );
    }
    let threads = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let progress = Progress::new(jobs.len());
    let options = args.report.options();
    let rows = batch::run(&jobs, &args.out, threads, &options, &|event| {
        progress.on(event)
    });
    progress.finish();
    batch::write_comparison(&args.out, &rows)?;
    let pages = batch::scenario_pages(&args.out, &rows);
    batch::write_batch_page(&args.out, &rows, &pages)?;
    report(&rows, &args.out)
}

pub fn compare(args: CompareArgs) -> anyhow::Result<ExitCode> {
    let rows = batch::compare(&args.folders)?;
    batch::write_comparison(&args.out, &rows)?;
    let mut pages = std::collections::BTreeMap::new();
    for folder in &args.folders {
        pages.extend(batch::scenario_pages(
            folder,
            &batch::compare(std::slice::from_ref(folder))?,
        ));
    }
    batch::write_batch_page(&args.out, &rows, &pages)?;
    report(&rows, &args.out)
}

fn report(rows: &[ComparisonRow], out: &std::path::Path) -> anyhow::Result<ExitCode> {
    say!("{}", batch::comparison::markdown(rows));
    say!(
        "wrote {}",
        out.join("comparison.{csv,md,json,svg} and report.html")
            .display()
    );
    let failed = rows.iter().filter(|r| !r.has_plan()).count();
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        eprintln!("{failed} of {} scenarios have no plan", rows.len());
        ExitCode::from(SOME_FAILED)
    })
}

/// One bar over the batch with the scenarios in flight on a terminal; a line a finished
/// scenario otherwise (cluster logs).
struct Progress {
    bar: Option<ProgressBar>,
    total: usize,
    state: Mutex<(usize, Vec<String>)>,
}

impl Progress {
    fn new(total: usize) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total as u64);
            bar.set_style(
                ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        });
        Progress {
            bar,
            total,
            state: Mutex::new((0, Vec::new())),
        }
    }

    fn on(&self, event: BatchEvent) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let (done, in_flight) = &mut *state;
        match event {
            BatchEvent::Started { scenario } => in_flight.push(scenario.to_string()),
            BatchEvent::Finished { row } => {
                in_flight.retain(|s| s != &row.scenario);
                *done += 1;
                let line = format!(
                    "[{done}/{}] {}: {}{}",
                    self.total,
                    row.scenario,
                    row.status,
                    row.seconds
                        .map_or(String::new(), |s| format!(" in {s:.1} s"))
                );
                match &self.bar {
                    Some(bar) => {
                        bar.inc(1);
                        if !row.has_plan() {
                            bar.println(line);
                        }
                    }
                    None => eprintln!("{line}"),
                }
            }
        }
        if let Some(bar) = &self.bar {
            bar.set_message(in_flight.join(", "));
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
