//! `gridsite optimize SCENARIO --out DIR`.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Mutex;

use comfy_table::Table;
use gridsite::pipeline::{self, Optimized, Status};
use gridsite::report::ReportOptions;
use gridsite::solve::SolveProgress;
use indicatif::{ProgressBar, ProgressStyle};

/// Exit status of a scenario without a plan (infeasible, no candidates).
const NO_PLAN: u8 = 2;

pub fn run(
    scenario: &Path,
    out: &Path,
    options: &ReportOptions,
    questions: Questions,
) -> anyhow::Result<ExitCode> {
    let Questions {
        alternatives,
        within_pct,
        pareto,
        pareto_points,
    } = questions;
    let progress = Progress::new();
    let result = pipeline::optimize_with(scenario, out, options, &|p| progress.tick(p));
    progress.finish();
    let mut optimized = result?;
    print_result(&optimized, out);
    if alternatives > 0 {
        if optimized.status.has_plan() {
            eprintln!("looking for up to {alternatives} alternatives within {within_pct} %…");
            let (back, found) =
                gridsite::alternatives::find(optimized, alternatives, within_pct, out, &|p| {
                    progress.tick(p)
                })?;
            progress.finish();
            optimized = back;
            print_alternatives(&found);
        } else {
            eprintln!("no alternatives: the scenario has no plan");
        }
    }
    if let Some(axis) = pareto {
        if optimized.status.has_plan() {
            eprintln!(
                "tracing the cost against {} (up to {pareto_points} points)…",
                axis.name()
            );
            let (back, front) =
                gridsite::pareto::trace(optimized, axis, pareto_points, out, &|p| {
                    progress.tick(p)
                })?;
            progress.finish();
            optimized = back;
            print_front(&front);
        } else {
            eprintln!("no trade-off: the scenario has no plan");
        }
    }
    Ok(if optimized.status.has_plan() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(NO_PLAN)
    })
}

/// A spinner with elapsed time and gap on a terminal; a plain line every 10 s otherwise.
struct Progress {
    spinner: Option<ProgressBar>,
    last_line_s: Mutex<u64>,
}

impl Progress {
    fn new() -> Progress {
        let spinner = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} solving {elapsed} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar
        });
        Progress {
            spinner,
            last_line_s: Mutex::new(0),
        }
    }

    fn tick(&self, p: SolveProgress) {
        let gap = p
            .gap_pct
            .map_or("gap: -".to_string(), |g| format!("gap: {g:.2}%"));
        match &self.spinner {
            Some(bar) => {
                bar.set_message(gap);
                bar.tick();
            }
            None => {
                let s = p.elapsed.as_secs();
                if let Ok(mut last) = self.last_line_s.lock()
                    && s >= *last + 10
                {
                    *last = s;
                    eprintln!("solving: {s} s, {gap}");
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.spinner {
            bar.finish_and_clear();
        }
    }
}

fn print_result(optimized: &Optimized, out: &Path) {
    let prepared = &optimized.prepared;
    let plan = &optimized.plan;
    let mut table = Table::new();
    table.add_row(vec!["scenario".to_string(), prepared.scenario.name.clone()]);
    table.add_row(vec![
        "status".to_string(),
        optimized.status.as_str().to_string(),
    ]);
    table.add_row(vec![
        "parcels / candidates".to_string(),
        format!(
            "{} / {}",
            prepared.map.parcels.len(),
            prepared.screening.candidates.len()
        ),
    ]);
    if optimized.status.has_plan() {
        let total_mw = plan.total_mw();
        let usd = plan.objective_usd();
        table.add_row(vec![
            "MW placed".to_string(),
            format!(
                "{total_mw:.0} (target {})",
                prepared.scenario.target.total_mw
            ),
        ]);
        table.add_row(vec!["sites".to_string(), plan.sites.len().to_string()]);
        table.add_row(vec!["cost".to_string(), format!("{:.1} M USD", usd / 1e6)]);
        table.add_row(vec![
            "cost per MW".to_string(),
            format!("{:.2} M USD", usd / total_mw.max(1e-9) / 1e6),
        ]);
        if let Some(gap) = optimized.gap {
            table.add_row(vec!["gap".to_string(), format!("{:.3}%", gap * 100.0)]);
        }
    }
    for s in &optimized.shortfalls {
        table.add_row(vec![s.requirement.clone(), s.message.clone()]);
    }
    if optimized.status == Status::NoCandidates {
        for (reason, count) in prepared.screening.counts_by_reason() {
            table.add_row(vec![format!("excluded: {reason}"), count.to_string()]);
        }
    }
    say!("{table}");
    say!("{}", super::stage_table(&prepared.seconds));
    say!("wrote {}", out.display());
}

/// What `optimize` is asked beyond the optimum.
pub struct Questions {
    pub alternatives: usize,
    pub within_pct: f64,
    pub pareto: Option<gridsite::pareto::Axis>,
    pub pareto_points: usize,
}

fn print_front(front: &gridsite::pareto::Front) {
    let mut table = Table::new();
    table.set_header(vec!["n", "cost (M USD)", front.axis.name(), "sites"]);
    for p in &front.points {
        table.add_row(vec![
            p.n.to_string(),
            format!("{:.2}", p.objective_usd / 1e6),
            format!("{:.3}", p.measure),
            p.sites.join(", "),
        ]);
    }
    say!("{table}");
    say!("front: {}", front.ended);
}

fn print_alternatives(found: &gridsite::alternatives::Alternatives) {
    let mut table = Table::new();
    table.set_header(vec![
        "n",
        "cost (M USD)",
        "above optimum",
        "sites",
        "communities",
        "burdened residents",
        "headroom used",
    ]);
    for r in &found.rows {
        table.add_row(vec![
            r.n.to_string(),
            format!("{:.2}", r.objective_usd / 1e6),
            format!("{:.2} %", r.above_optimum_pct),
            r.sites.join(", "),
            r.communities.join(", "),
            format!("{:.0}", r.burdened_residents),
            format!("{:.1} %", 100.0 * r.headroom_used_share),
        ]);
    }
    say!("{table}");
    if !found.stopped.is_empty() {
        say!("fewer alternatives than asked: {}", found.stopped);
    }
}
