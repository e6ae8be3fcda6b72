//! Command-line flags (plain data) and the commands that run the library with them.
//!
//! Takes the parsed flags; gives progress and tables on the terminal, the library's files on
//! disk, and an error for `main` to report.

/// Prints a line to stdout; a closed pipe (`gridsite ... | head`) is not an error.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

mod batch;
mod check;
mod explain;
mod import;
mod optimize;
mod synth;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Sites AI factories under grid-capacity and community-first constraints.
#[derive(Debug, Parser)]
#[command(name = "gridsite", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate a scenario and its map, screen every parcel, write candidates and exclusions.
    Check(ScenarioRun),
    /// Choose AI-factory sites: solve the siting program and write the plan as GeoJSON and
    /// report.html.
    Optimize(OptimizeArgs),
    /// Write a deterministic synthetic region: the five layers of a map and its lines.
    Synth(synth::SynthArgs),
    /// Run many scenarios side by side (overrides, sweeps, shards) and compare them.
    Batch(batch::BatchArgs),
    /// Merge result folders (a batch's shards, optimize outputs) into one comparison.
    Compare(batch::CompareArgs),
    /// Build a map from public source layers by a recipe (maps/<region>/recipe.toml).
    Import(import::ImportArgs),
    /// Why a parcel is or is not in the plan: its filters, or the best plan with it forced in
    /// (or out) against the optimum.
    Explain(explain::ExplainArgs),
}

/// A scenario and the folder its outputs go to.
#[derive(Debug, Args)]
struct ScenarioRun {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// The folder to write the outputs into (created if missing).
    #[arg(long)]
    out: PathBuf,
}

/// `gridsite optimize`'s flags.
#[derive(Debug, Args)]
struct OptimizeArgs {
    #[command(flatten)]
    run: ScenarioRun,
    #[command(flatten)]
    report: ReportArgs,
    /// Also find up to K next-best plans, each differing from every earlier one in at least
    /// one site, under DIR/alternatives/<n>/, compared in DIR/alternatives.csv.
    #[arg(long, value_name = "K", default_value_t = 0)]
    alternatives: usize,
    /// With --alternatives: keep only plans costing at most PCT % above the optimum.
    #[arg(long, value_name = "PCT", default_value_t = 5.0, value_parser = non_negative)]
    within: f64,
    /// Trace the cost against `burden` (burdened residents of the hosting communities) or
    /// `spread` (the largest community share): pareto.csv, pareto.svg, pareto/<n>/.
    #[arg(long, value_name = "AXIS", value_parser = gridsite::pareto::Axis::parse)]
    pareto: Option<gridsite::pareto::Axis>,
    /// With --pareto: at most this many points.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pareto_points: usize,
}

fn non_negative(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!("expected a percentage of 0 or more, got {text:?}")),
    }
}

/// What the report adds beyond the contract's files (`optimize`, `batch`).
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// An XYZ tile URL template for report.html's basemap, e.g.
    /// `https://tile.openstreetmap.org/{z}/{x}/{y}.png`; without it the page makes no request.
    #[arg(long, value_name = "URL")]
    basemap: Option<String>,
    /// Also write plan.gpkg: every output layer in one GeoPackage, styled for QGIS.
    #[arg(long)]
    gpkg: bool,
    /// Also write each output layer as FlatGeobuf (<layer>.fgb, with its spatial index).
    #[arg(long)]
    fgb: bool,
    /// Also write each output layer as GeoParquet 1.1 (<layer>.parquet, WKB geometry).
    #[arg(long)]
    parquet: bool,
}

impl ReportArgs {
    /// Whether any report flag was given.
    pub fn any(&self) -> bool {
        self.basemap.is_some() || self.gpkg || self.fgb || self.parquet
    }

    pub fn options(&self) -> gridsite::report::ReportOptions {
        gridsite::report::ReportOptions {
            basemap: self.basemap.clone(),
            gpkg: self.gpkg,
            fgb: self.fgb,
            parquet: self.parquet,
            ..Default::default()
        }
    }
}

/// Runs the command line; the exit status is 0 on success (errors are mapped by `main`).
pub fn run() -> anyhow::Result<ExitCode> {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Usage errors exit 1 like any bad input: 2 means "no plan" (optimize, batch).
        Err(error) if error.use_stderr() => {
            let _ = error.print();
            return Ok(ExitCode::from(1));
        }
        Err(help_or_version) => {
            let _ = help_or_version.print();
            return Ok(ExitCode::SUCCESS);
        }
    };
    match cli.command {
        Command::Check(run) => check::run(&run.scenario, &run.out),
        Command::Optimize(args) => optimize::run(
            &args.run.scenario,
            &args.run.out,
            &args.report.options(),
            optimize::Questions {
                alternatives: args.alternatives,
                within_pct: args.within,
                pareto: args.pareto,
                pareto_points: args.pareto_points,
            },
        ),
        Command::Synth(args) => synth::run(args),
        Command::Batch(args) => batch::run(args),
        Command::Compare(args) => batch::compare(args),
        Command::Import(args) => import::run(args),
        Command::Explain(args) => explain::run(args),
    }
}

/// A table of seconds per stage.
fn stage_table(seconds: &gridsite::pipeline::StageSeconds) -> comfy_table::Table {
    let mut table = comfy_table::Table::new();
    table.set_header(vec!["stage", "seconds"]);
    for (stage, s) in &seconds.0 {
        table.add_row(vec![stage.to_string(), format!("{s:.3}")]);
    }
    table.add_row(vec!["total".to_string(), format!("{:.3}", seconds.total())]);
    table
}
