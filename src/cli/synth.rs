//! `gridsite synth --seed N --parcels P --substations S [--profiles] --out DIR`: the six layers
//! of a synthetic map (with `--profiles`, also `load_profiles.csv` and `loads.geojson`).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use gridsite::synth::{self, Profile, SynthConfig};
use indicatif::{ProgressBar, ProgressStyle};

/// The synth flags.
#[derive(Debug, clap::Args)]
pub struct SynthArgs {
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
    /// Write an instance of the optimizer's test family instead (`map/` and `scenario.toml`
    /// under `--out`): a region unlike the shipped maps whose scenario the seed draws
    /// (`--substations`, `--receptors`, `--fiber-segments` and the centre are then drawn too).
    #[arg(long)]
    family: bool,
    /// Also write `load_profiles.csv` (a year of hourly existing load for each substation
    /// without `flexible_mw`) and `loads.geojson` (a queue of large loads); the other layers
    /// keep their bytes.
    #[arg(long, conflicts_with = "family")]
    profiles: bool,
    /// The map folder to write (with `--family`, the folder of the map and its scenario).
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: SynthArgs) -> anyhow::Result<ExitCode> {
    let out = args.out.as_path();
    if args.family {
        let instance = synth::family::write_instance(out, args.seed, args.parcels)?;
        say!(
            "wrote {}: {} parcels, {} substations, {} lines, {} candidates; {} MW on up to {} sites, min_feeds = {}",
            instance.scenario.display(),
            instance.parcels,
            instance.substations,
            instance.lines,
            instance.candidates,
            instance.total_mw,
            instance.max_sites,
            instance.min_feeds
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut config = SynthConfig::new(args.seed, args.parcels, args.substations);
    config.receptors = args.receptors;
    config.fiber_segments = args.fiber_segments;
    config.center_lon = args.center_lon;
    config.center_lat = args.center_lat;
    config.profile = if args.coastal {
        Profile::Coastal
    } else {
        Profile::Suburban
    };
    config.profiles = args.profiles;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{msg:12} {bar:40} {pos}/{len} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    let mut report = |layer: &str, done: usize, total: usize| match &bar {
        Some(bar) => {
            bar.set_message(layer.to_string());
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
        None if done == total => eprintln!("{layer}: {total} written"),
        None => {}
    };
    let summary = synth::generate(&config, out, &mut report)?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    say!(
        "wrote {}: {} parcels, {} substations, {} lines, {} receptors, {} fiber segments, {} communities ({:.1} MB)",
        out.display(),
        summary.parcels,
        summary.substations,
        summary.lines,
        summary.receptors,
        summary.fiber_segments,
        summary.communities,
        summary.bytes_written as f64 / 1e6
    );
    if config.profiles {
        say!(
            "  with load_profiles.csv ({} substations, 8760 hours) and loads.geojson ({} large loads)",
            summary.load_profiles,
            summary.loads
        );
    }
    Ok(ExitCode::SUCCESS)
}
