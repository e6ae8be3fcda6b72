//! `gridsite synth --seed N --parcels P --substations S --out DIR`.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use gridsite::synth::{self, Profile, SynthConfig};
use indicatif::{ProgressBar, ProgressStyle};

/// The synth flags, validated by the generator itself.
pub struct SynthArgs {
    pub seed: u64,
    pub parcels: usize,
    pub substations: usize,
    pub receptors: Option<usize>,
    pub fiber_segments: Option<usize>,
    pub center_lon: f64,
    pub center_lat: f64,
    pub coastal: bool,
}

pub fn run(args: SynthArgs, out: &Path) -> anyhow::Result<ExitCode> {
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
        "wrote {}: {} parcels, {} substations, {} receptors, {} fiber segments, {} communities ({:.1} MB)",
        out.display(),
        summary.parcels,
        summary.substations,
        summary.receptors,
        summary.fiber_segments,
        summary.communities,
        summary.bytes_written as f64 / 1e6
    );
    Ok(ExitCode::SUCCESS)
}
