//! `gridsite check SCENARIO --out DIR`.

use std::path::Path;
use std::process::ExitCode;

use comfy_table::Table;
use gridsite::pipeline;

pub fn run(scenario: &Path, out: &Path) -> anyhow::Result<ExitCode> {
    let prepared = pipeline::check(scenario, out)?;
    let screening = &prepared.screening;
    let mut table = Table::new();
    table.set_header(vec!["", "count"]);
    table.add_row(vec![
        "parcels".to_string(),
        prepared.map.parcels.len().to_string(),
    ]);
    table.add_row(vec![
        "candidates".to_string(),
        screening.candidates.len().to_string(),
    ]);
    for (reason, count) in screening.counts_by_reason() {
        table.add_row(vec![format!("excluded: {reason}"), count.to_string()]);
    }
    say!("{} ({})", prepared.scenario.name, scenario.display());
    say!("{table}");
    say!("{}", super::stage_table(&prepared.seconds));
    say!("wrote {}", out.join("candidates.geojson").display());
    say!("wrote {}", out.join("excluded.geojson").display());
    Ok(ExitCode::SUCCESS)
}
