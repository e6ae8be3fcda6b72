//! `gridsite explain SCENARIO --parcel ID... [--out DIR]`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use comfy_table::Table;

/// Flags of `gridsite explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// A parcel id to explain (the parcels layer's `id`); give it again for more.
    #[arg(long = "parcel", value_name = "ID", required = true)]
    parcels: Vec<String>,
    /// Also write the plan's outputs, `explain.json`, and the explanations in report.html.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    report: super::ReportArgs,
}

pub fn run(args: ExplainArgs) -> anyhow::Result<ExitCode> {
    if args.out.is_none() && args.report.any() {
        anyhow::bail!(
            "--basemap, --gpkg, --fgb and --parquet shape the files --out writes: give --out DIR"
        );
    }
    eprintln!(
        "solving the scenario, then one restricted program for each of {} parcel(s)…",
        args.parcels.len()
    );
    let explained = gridsite::explain::run(
        &args.scenario,
        &args.parcels,
        args.out.as_deref().map(|out| (out, args.report.options())),
        &|_| {},
    )?;
    say!(
        "optimum: {} at {:.0} USD",
        explained.status.as_str(),
        explained.optimum_usd
    );
    for e in &explained.explanations {
        let mut table = Table::new();
        table.set_header(vec![e.parcel_id.clone(), e.verdict.clone()]);
        for f in &e.failures {
            table.add_row(vec![f.reason.clone(), f.detail.clone()]);
        }
        if let Some(a) = &e.alternative {
            table.add_row(vec!["answer".to_string(), a.message.clone()]);
            table.add_row(vec![a.restriction.clone(), a.status.clone()]);
            if !a.sites.is_empty() {
                table.add_row(vec!["sites".to_string(), a.sites.join(", ")]);
            }
            if !a.displaced.is_empty() {
                table.add_row(vec!["displaces".to_string(), a.displaced.join(", ")]);
            }
            for b in &a.binding {
                table.add_row(vec!["because".to_string(), b.clone()]);
            }
        }
        say!("{table}");
    }
    if let Some(out) = &args.out {
        say!("wrote {}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}
