//! Running a batch's jobs in parallel, each as `optimize` runs it, one HiGHS thread a solve.

use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;

use super::comparison::ComparisonRow;
use super::expand::Job;
use crate::files::round_to;
use crate::pipeline::{self, StageSeconds};
use crate::report::ReportOptions;
use crate::report::outputs::output_files;
use crate::summary::Summary;

/// What a batch reports while it runs, for progress displays.
#[derive(Debug, Clone, Copy)]
pub enum BatchEvent<'a> {
    Started { scenario: &'a str },
    Finished { row: &'a ComparisonRow },
}

/// Runs every job with `threads` scenarios at a time, each writing its files under
/// `out/<name>/`; gives one row a job, sorted by name. A job that fails (bad input, no plan)
/// is a row with its status and message: it never stops the others.
pub fn run(
    jobs: &[Job],
    out: &Path,
    threads: usize,
    options: &ReportOptions,
    on_event: &(dyn Fn(BatchEvent) + Sync),
) -> Vec<ComparisonRow> {
    let work = || {
        jobs.par_iter()
            .map(|job| run_job(job, out, options, on_event))
            .collect::<Vec<_>>()
    };
    let mut rows = match rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
    {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    };
    rows.sort_by(|a, b| a.scenario.cmp(&b.scenario));
    rows
}

fn run_job(
    job: &Job,
    out: &Path,
    options: &ReportOptions,
    on_event: &(dyn Fn(BatchEvent) + Sync),
) -> ComparisonRow {
    on_event(BatchEvent::Started {
        scenario: &job.name,
    });
    let overrides = job
        .overrides
        .iter()
        .map(|o| (o.key.clone(), o.value_text()))
        .collect();
    let start = Instant::now();
    let folder = out.join(&job.name);
    clear_outputs(&folder);
    let row = match &job.scenario {
        Err(message) => ComparisonRow::failed(&job.name, overrides, message),
        Ok(scenario) => {
            let mut scenario = scenario.clone();
            // Scenarios run side by side: one HiGHS thread each, as the jobs fill the cores.
            scenario.solver.threads = 1;
            let mut seconds = StageSeconds::default();
            seconds.0.push(("scenario", job.load_seconds));
            match pipeline::optimize_scenario(scenario, seconds, &folder, options, &|_| {}) {
                Ok(optimized) => {
                    ComparisonRow::from_summary(&optimized.summary(&optimized.prepared.seconds))
                }
                Err(error) => ComparisonRow::failed(&job.name, overrides, &error.to_string()),
            }
        }
    };
    let row = ComparisonRow {
        seconds: row
            .seconds
            .or(Some(round_to(start.elapsed().as_secs_f64(), 3))),
        ..row
    };
    on_event(BatchEvent::Finished { row: &row });
    row
}

/// Removes a previous run's outputs from a scenario's folder, so that a scenario that now
/// fails does not leave an old plan beside its error row. Other files are left alone.
fn clear_outputs(folder: &Path) {
    for file in output_files() {
        let _ = std::fs::remove_file(folder.join(file));
    }
}

/// A result folder's `summary.json` that cannot be read back.
#[derive(Debug, thiserror::Error)]
pub enum SummaryReadError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a summary written by gridsite optimize: {source}", path.display())]
    NotASummary {
        path: std::path::PathBuf,
        source: serde_json::Error,
    },
}

/// The comparison row of a scenario's result folder, from its `summary.json`.
pub fn read_row(summary_path: &Path) -> Result<ComparisonRow, SummaryReadError> {
    let path = summary_path.to_path_buf();
    let text = std::fs::read_to_string(summary_path).map_err(|source| SummaryReadError::Read {
        path: path.clone(),
        source,
    })?;
    let summary: Summary = serde_json::from_str(&text)
        .map_err(|source| SummaryReadError::NotASummary { path, source })?;
    Ok(ComparisonRow::from_summary(&summary))
}
