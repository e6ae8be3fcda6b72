//! The batch's `report.html`: the comparison table, its chart and a link to each scenario's
//! own page, in one self-contained file (no request leaves it).
//!
//! Takes the comparison rows and where each scenario's `report.html` is; gives the page.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use maud::{DOCTYPE, PreEscaped, html};
use serde_json::Value;

use super::BatchError;
use super::chart::comparison_svg;
use super::comparison::{CSV_COLUMNS, ComparisonRow};
use crate::files::write_atomically;
use crate::report::html::REPORT_FILE;
use crate::report::html::tables::cell;

const STYLE: &str = include_str!("../report/html/page.css");

/// Each scenario's own page, by scenario name, where it exists: `DIR/<name>/report.html` of a
/// batch's folder, or `DIR/report.html` of an `optimize` folder.
pub fn scenario_pages(folder: &Path, rows: &[ComparisonRow]) -> BTreeMap<String, PathBuf> {
    let own = folder.join(REPORT_FILE);
    let is_optimize_folder = !folder.join("comparison.json").is_file();
    (rows.iter())
        .filter_map(|r| {
            let page = if is_optimize_folder {
                own.clone()
            } else {
                folder.join(&r.scenario).join(REPORT_FILE)
            };
            page.is_file().then(|| (r.scenario.clone(), page))
        })
        .collect()
}

/// Writes `out/report.html`; `pages` are the scenarios' own pages (links are made relative
/// to `out`, so the folder can be moved or zipped whole).
pub fn write_batch_page(
    out: &Path,
    rows: &[ComparisonRow],
    pages: &BTreeMap<String, PathBuf>,
) -> Result<(), BatchError> {
    let path = out.join(REPORT_FILE);
    let links: BTreeMap<&str, String> = (pages.iter())
        .filter_map(|(name, page)| Some((name.as_str(), relative_link(out, page)?)))
        .collect();
    let page = batch_page(rows, &links)?;
    write_atomically(&path, |w| std::io::Write::write_all(w, page.as_bytes()))?;
    Ok(())
}

/// `page` as a link from a file in `out` (forward slashes, as URLs have them).
fn relative_link(out: &Path, page: &Path) -> Option<String> {
    let absolute = |p: &Path| std::path::absolute(p).ok();
    let relative = pathdiff::diff_paths(absolute(page)?, absolute(out)?)?;
    let parts: Vec<String> = (relative.components())
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

/// The page's HTML.
pub fn batch_page(
    rows: &[ComparisonRow],
    links: &BTreeMap<&str, String>,
) -> Result<String, BatchError> {
    let mut rows = rows.to_vec();
    rows.sort_by(|a, b| a.scenario.cmp(&b.scenario));
    let chart = comparison_svg(&rows).map_err(super::chart::ChartWriteError::from)?;
    let chart = chart.trim_start_matches(|c| c != '<');
    let chart = chart.strip_prefix("<?xml").map_or(chart, |rest| {
        rest.split_once("?>").map_or(rest, |(_, svg)| svg)
    });
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "gridsite — comparison of " (rows.len()) " scenarios" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header { h1 { "gridsite — comparison of " (rows.len()) " scenarios" } }
                main {
                    section #tables {
                        div.table-scroll {
                            table.features #comparison {
                                thead { tr { th { "report" } @for c in CSV_COLUMNS { th { (c) } } } }
                                tbody {
                                    @for row in &rows {
                                        @let values = row_values(row);
                                        tr data-id=(row.scenario) {
                                            td {
                                                @if let Some(href) = links.get(row.scenario.as_str()) {
                                                    a href=(href) { "open" }
                                                } @else { "–" }
                                            }
                                            @for c in CSV_COLUMNS { (cell(c, values.get(c))) }
                                        }
                                    }
                                }
                            }
                        }
                        h2 { "Chart" }
                        div #chart { (PreEscaped(chart)) }
                    }
                }
                footer { p { "The same rows as comparison.csv and comparison.json." } }
            }
        }
    };
    Ok(markup.into_string())
}

/// A row's values by column, as `comparison.json` has them (overrides as their text).
fn row_values(row: &ComparisonRow) -> BTreeMap<&'static str, Value> {
    let json = serde_json::to_value(row).unwrap_or_default();
    (CSV_COLUMNS.iter())
        .map(|&c| {
            let v = match c {
                "overrides" => Value::String(row.overrides_text()),
                _ => json.get(c).cloned().unwrap_or(Value::Null),
            };
            (c, v)
        })
        .collect()
}
