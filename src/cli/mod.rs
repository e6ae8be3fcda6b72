//! Command-line flags (plain data) and the commands that run the library with them.

/// Prints a line to stdout; a closed pipe (`gridsite ... | head`) is not an error.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

mod check;
mod optimize;
mod synth;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    Check {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// The folder to write `candidates.geojson` and `excluded.geojson` into.
        #[arg(long)]
        out: PathBuf,
    },
    /// Choose AI-factory sites: solve the siting program and write the plan as GeoJSON.
    Optimize {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// The folder to write sites, feeds, substations, excluded and summary into.
        #[arg(long)]
        out: PathBuf,
    },
    /// Write a deterministic synthetic region: the five layers of a map.
    Synth {
        /// Seed of the generator: the same seed and options give the same bytes.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Number of land parcels.
        #[arg(long, default_value_t = 2_000)]
        parcels: usize,
        /// Number of substations.
        #[arg(long, default_value_t = 40)]
        substations: usize,
        /// Number of receptors (default: about parcels/10).
        #[arg(long)]
        receptors: Option<usize>,
        /// Number of fiber segments (default: about parcels/50).
        #[arg(long)]
        fiber_segments: Option<usize>,
        /// Longitude of the region's centre.
        #[arg(long, default_value_t = -121.30, allow_hyphen_values = true)]
        center_lon: f64,
        /// Latitude of the region's centre.
        #[arg(long, default_value_t = 38.59, allow_hyphen_values = true)]
        center_lat: f64,
        /// A coastal industrial zone on reclaimed land instead of a suburban city.
        #[arg(long)]
        coastal: bool,
        /// The map folder to write.
        #[arg(long)]
        out: PathBuf,
    },
}

/// Runs the command line; the exit status is 0 on success (errors are mapped by `main`).
pub fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { scenario, out } => check::run(&scenario, &out),
        Command::Optimize { scenario, out } => optimize::run(&scenario, &out),
        Command::Synth {
            seed,
            parcels,
            substations,
            receptors,
            fiber_segments,
            center_lon,
            center_lat,
            coastal,
            out,
        } => synth::run(
            synth::SynthArgs {
                seed,
                parcels,
                substations,
                receptors,
                fiber_segments,
                center_lon,
                center_lat,
                coastal,
            },
            &out,
        ),
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
