//! `gridsite import RECIPE [--out DIR]`.

use std::path::PathBuf;
use std::process::ExitCode;

use gridsite::import;

/// The import flags.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The recipe (TOML) naming the source layers and their field maps.
    recipe: PathBuf,
    /// The map folder to write (default: the recipe's folder).
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let out = args.out.unwrap_or_else(|| {
        args.recipe
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), PathBuf::from)
    });
    let summary = import::import(&args.recipe, &out)?;
    let mut table = comfy_table::Table::new();
    table.set_header(vec![
        "layer",
        "origin",
        "features",
        "real",
        "generated",
        "sources",
    ]);
    for layer in &summary.layers {
        let sources: Vec<String> = layer
            .sources
            .iter()
            .map(|s| {
                let file = s.path.file_name().map_or_else(
                    || s.path.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                format!("{file} ({} of {})", s.kept, s.read)
            })
            .collect();
        table.add_row(vec![
            layer.layer.file().to_string(),
            layer.origin().to_string(),
            (layer.real + layer.generated).to_string(),
            layer.real.to_string(),
            layer.generated.to_string(),
            sources.join("\n"),
        ]);
    }
    say!("{table}");
    say!(
        "imported {} into {} in {:.2} s (provenance in {})",
        summary.name,
        summary.out.display(),
        summary.seconds,
        import::METADATA_FILE
    );
    Ok(ExitCode::SUCCESS)
}
