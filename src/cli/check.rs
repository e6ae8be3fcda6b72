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
    let time = gridsite::hosting::Overview::of(&prepared.map);
    if time.profile_rows > 0 {
        table.add_row(vec![
            "profiled substations".to_string(),
            time.profiled_substations.to_string(),
        ]);
        table.add_row(vec![
            "profile rows (hours they stand for)".to_string(),
            format!("{} ({})", time.profile_rows, time.profile_hours),
        ]);
    }
    for (status, count, mw) in &time.loads_by_status {
        table.add_row(vec![
            format!("large loads: {status}"),
            format!("{count} ({mw:.1} MW)"),
        ]);
    }
    if !prepared.map.loads.is_empty() {
        let statuses = prepared.scenario.grid.queue_statuses.join(", ");
        table.add_row(vec![
            format!("queued MW counted ({statuses})"),
            format!("{:.1}", time.queued_mw),
        ]);
    }
    say!("{} ({})", prepared.scenario.name, scenario.display());
    say!("{table}");
    say!("{}", super::stage_table(&prepared.seconds));
    say!("wrote {}", out.join("candidates.geojson").display());
    say!("wrote {}", out.join("excluded.geojson").display());
    if time.profile_rows > 0 {
        say!("wrote {}", out.join("hosting.csv").display());
    }
    Ok(ExitCode::SUCCESS)
}
