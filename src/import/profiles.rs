//! `[profiles]`: the map's `load_profiles.csv` (docs/profiles-and-queue.md, "Headroom over time and the queue"),
//! from a source table or generated.
//!
//! - **A source table** (a SCADA export, CSV): `source = { path = "…" }` (optional `delimiter`),
//!   `hour` names the column of hour labels (kept as written), optional `weight` the column of
//!   row weights, `columns` maps source columns to substation ids of the map, and every other
//!   column (but those in `skip`) names a substation as `id_prefix` + its name, the way the
//!   substations' own `id_prefix` makes their ids. Values are multiplied by `scale` (0.001 for
//!   kW) and written in MW to 6 decimals. Each column must name an imported substation without
//!   `flexible_mw`, once; each cell must be a number ≥ 0; hours must be unique. Errors name the
//!   recipe, the source file, the row (from 1 after the header, with its line and hour) and the
//!   column.
//! - **Generated**: `generate = { seed = N }` draws the synth generator's hourly year (2025)
//!   for each imported substation without `flexible_mw` and with `headroom_mw > 0` (a
//!   network-only substation has no room a profile could add to), over the substations as
//!   written ([`crate::synth::write_generated_profiles`]). `map.json` labels them generated.
//!
//! Takes the recipe's [`ProfilesSpec`] and the built substations; gives a [`Profiles`] ready to
//! be written into the import's staging folder, where the map's reader validates it with the
//! layers, and the `map.json` entry.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::build::Built;
use super::error::{ImportError, TableProblem, TableRow};
use super::recipe::{ProfilesSpec, TableSource};
use crate::files;
use crate::layers::{FieldMap, LAYER_FILES, LoadProfiles, PROFILES_FILE, read_substations};

/// `load_profiles.csv`, ready to be written.
#[derive(Debug, Clone, PartialEq)]
pub enum Profiles {
    /// Read from a source table and mapped: the file's bytes and the source's `map.json` entry.
    Table { csv: Vec<u8>, source: Value },
    /// Drawn by the synth generator over the substations as written.
    Generated { seed: u64 },
}

/// What an import's `load_profiles.csv` holds.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfilesSummary {
    /// `real` (from a source table) or `generated`.
    pub origin: &'static str,
    /// Substation columns.
    pub columns: usize,
    /// Rows (hours).
    pub hours: usize,
    /// The source table, as the recipe writes it.
    pub source: Option<PathBuf>,
    /// The generator's seed.
    pub seed: Option<u64>,
}

fn rule(recipe: &Path, message: String) -> ImportError {
    ImportError::Rule {
        recipe: recipe.to_path_buf(),
        message: format!("profiles: {message}"),
    }
}

/// The `[profiles]` table's rules, checked before reading anything: a source or `generate`,
/// not both; with a source, its `hour` column, a `scale` > 0, a one-character delimiter.
pub fn check_rules(recipe: &Path, spec: &ProfilesSpec) -> Result<(), ImportError> {
    match (&spec.source, &spec.generate) {
        (None, None) => Err(rule(
            recipe,
            "give a source table (source, hour) or generate = { seed = N }".into(),
        )),
        (Some(_), Some(_)) => Err(rule(recipe, "source and generate: choose one".into())),
        (None, Some(_)) => {
            let table_keys = [
                ("hour", spec.hour.is_some()),
                ("weight", spec.weight.is_some()),
                ("columns", !spec.columns.is_empty()),
                ("id_prefix", !spec.id_prefix.is_empty()),
                ("skip", !spec.skip.is_empty()),
                ("scale", spec.scale.is_some()),
            ];
            match table_keys.iter().find(|(_, given)| *given) {
                Some((key, _)) => Err(rule(
                    recipe,
                    format!("{key} is a key of a source table; generate takes only its seed"),
                )),
                None => Ok(()),
            }
        }
        (Some(source), None) => {
            if spec.hour.is_none() {
                return Err(rule(
                    recipe,
                    "hour: name the source's column of hour labels".into(),
                ));
            }
            if let Some(scale) = spec.scale.filter(|s| !s.is_finite() || *s <= 0.0) {
                return Err(rule(
                    recipe,
                    format!("scale: must be a figure > 0 (MW per unit of the source), got {scale}"),
                ));
            }
            if let Some(format) = source.format.as_deref().filter(|f| *f != "csv") {
                return Err(rule(
                    recipe,
                    format!("source.format: a profile table is read as \"csv\", got {format:?}"),
                ));
            }
            delimiter(recipe, source).map(|_| ())
        }
    }
}

fn delimiter(recipe: &Path, source: &TableSource) -> Result<u8, ImportError> {
    match source.delimiter.as_deref() {
        None => Ok(b','),
        Some(d) if d.len() == 1 => Ok(d.as_bytes()[0]),
        Some(d) => Err(rule(
            recipe,
            format!("source.delimiter: must be one ASCII character, got {d:?}"),
        )),
    }
}

/// The profiles the recipe asks for, over the built `substations`: a source table is read,
/// mapped and checked here (nothing is written).
pub fn prepare(
    recipe: &Path,
    folder: &Path,
    spec: &ProfilesSpec,
    substations: &[Built],
) -> Result<Profiles, ImportError> {
    match (&spec.source, &spec.generate) {
        (Some(source), _) => Table::read(recipe, folder, spec, source, substations),
        (None, Some(generate)) => Ok(Profiles::Generated {
            seed: generate.seed,
        }),
        (None, None) => Err(rule(recipe, "no source and no generate".into())),
    }
}

impl Profiles {
    /// Writes `load_profiles.csv` into `folder`, where the layers are already written.
    pub fn write(&self, recipe: &Path, folder: &Path) -> Result<(), ImportError> {
        let path = folder.join(PROFILES_FILE);
        match self {
            Profiles::Table { csv, .. } => {
                files::write_atomically(&path, |out| std::io::Write::write_all(out, csv))?;
            }
            Profiles::Generated { seed } => {
                let substations_path = folder.join(LAYER_FILES[0]);
                let substations = read_substations(&substations_path, &FieldMap::default())
                    .map_err(|e| ImportError::Invalid {
                        recipe: recipe.to_path_buf(),
                        message: e.to_string(),
                    })?;
                let drawn: Vec<_> = (substations.into_iter())
                    .filter(|s| s.headroom_mw > 0.0 && s.flexible_mw <= 0.0)
                    .collect();
                if drawn.is_empty() {
                    return Err(rule(
                        recipe,
                        "generate: no substation without flexible_mw and with headroom_mw > 0 \
                         to draw a profile for"
                            .into(),
                    ));
                }
                crate::synth::write_generated_profiles(*seed, &drawn, folder).map_err(
                    |source| ImportError::Generate {
                        recipe: recipe.to_path_buf(),
                        source,
                    },
                )?;
            }
        }
        Ok(())
    }

    /// The summary and the `map.json` entry, given the file as the map's reader read it.
    pub fn describe(
        &self,
        spec: &ProfilesSpec,
        read: &LoadProfiles,
        substations: usize,
    ) -> (ProfilesSummary, Value) {
        let (columns, hours) = (read.columns.len(), read.hours.len());
        let weighted = read.weights.iter().any(|&w| w != 1.0);
        let (summary, source, generated) = match self {
            Profiles::Table { source, .. } => (
                ProfilesSummary {
                    origin: "real",
                    columns,
                    hours,
                    source: spec.source.as_ref().map(|s| s.path.clone()),
                    seed: None,
                },
                source.clone(),
                Value::Null,
            ),
            Profiles::Generated { seed } => (
                ProfilesSummary {
                    origin: "generated",
                    columns,
                    hours,
                    source: None,
                    seed: Some(*seed),
                },
                Value::Null,
                json!({
                    "count": columns,
                    "seed": seed,
                    "synthetic": true,
                    "rule": format!(
                        "synthetic, not measured: the synth generator's hourly load for 2025 \
                         (gridsite synth --profiles; its model: a hot, dry inland climate and a \
                         US calendar, a residential/commercial/industrial mix drawn per \
                         substation, peak = k·headroom_mw with k drawn in [1.5, 4]) for each \
                         substation without flexible_mw and with headroom_mw > 0 ({columns} of \
                         {substations}; network-only substations, with no headroom, get none)"
                    ),
                }),
            ),
        };
        let entry = json!({
            "file": PROFILES_FILE,
            "origin": summary.origin,
            "columns": columns,
            "hours": hours,
            "weighted": weighted,
            "source": source,
            "generated": generated,
        });
        (summary, entry)
    }
}

/// A source table being read.
struct Table<'a> {
    recipe: &'a Path,
    file: PathBuf,
}

/// Where each source column goes.
struct Layout {
    hour: usize,
    weight: Option<usize>,
    /// (source column, substation id), in the file's order.
    columns: Vec<(usize, String)>,
    skipped: usize,
}

impl Table<'_> {
    fn problem(&self, row: Option<TableRow>, column: Option<&str>, problem: String) -> ImportError {
        ImportError::Profiles(Box::new(TableProblem {
            recipe: self.recipe.to_path_buf(),
            file: self.file.clone(),
            row,
            column: column.map(str::to_string),
            problem,
        }))
    }

    fn read(
        recipe: &Path,
        folder: &Path,
        spec: &ProfilesSpec,
        source: &TableSource,
        substations: &[Built],
    ) -> Result<Profiles, ImportError> {
        let table = Table {
            recipe,
            file: if source.path.is_relative() {
                folder.join(&source.path)
            } else {
                source.path.clone()
            },
        };
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .flexible(true)
            .delimiter(delimiter(recipe, source)?)
            .from_path(&table.file)
            .map_err(|e| table.problem(None, None, format!("cannot read: {e}")))?;
        let headers: Vec<String> = (reader.headers())
            .map_err(|e| table.problem(None, None, format!("cannot read the header: {e}")))?
            .iter()
            .map(str::to_string)
            .collect();
        let layout = table.layout(spec, &headers, substations)?;
        let scale = spec.scale.unwrap_or(1.0);
        let mut out = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["hour".to_string()];
        header.extend(layout.weight.map(|_| "weight".to_string()));
        header.extend(layout.columns.iter().map(|(_, id)| id.clone()));
        let write_error = |e: csv::Error| table.problem(None, None, format!("cannot copy: {e}"));
        out.write_record(&header).map_err(write_error)?;
        let mut seen = BTreeSet::new();
        let mut rows = 0;
        for (r, record) in reader.records().enumerate() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, csv::Position::line);
                let at = TableRow {
                    row: r + 1,
                    line,
                    hour: String::new(),
                };
                table.problem(Some(at), None, format!("cannot read: {e}"))
            })?;
            let hour = record.get(layout.hour).unwrap_or_default().to_string();
            let at = || TableRow {
                row: r + 1,
                line: record.position().map_or(0, csv::Position::line),
                hour: hour.clone(),
            };
            let hour_column = Some(headers[layout.hour].as_str());
            if hour.is_empty() {
                return Err(table.problem(Some(at()), hour_column, "the hour is missing".into()));
            }
            if !seen.insert(hour.clone()) {
                let message = "the hour is given twice: hours must be unique".to_string();
                return Err(table.problem(Some(at()), hour_column, message));
            }
            let cell = |k: usize| -> Result<f64, ImportError> {
                let column = Some(headers[k].as_str());
                let text = record.get(k).unwrap_or_default();
                if text.is_empty() {
                    return Err(table.problem(Some(at()), column, "the value is missing".into()));
                }
                match text.parse::<f64>() {
                    Ok(v) if v.is_finite() => Ok(v),
                    _ => {
                        let message = format!("{text:?} is not a number");
                        Err(table.problem(Some(at()), column, message))
                    }
                }
            };
            let mut written = vec![hour.clone()];
            if let Some(k) = layout.weight {
                let weight = cell(k)?;
                if weight <= 0.0 {
                    let message = format!(
                        "a weight must be > 0 (the hours the row stands for), got {weight}"
                    );
                    return Err(table.problem(Some(at()), Some(&headers[k]), message));
                }
                written.push(figure(weight));
            }
            for &(k, _) in &layout.columns {
                let value = cell(k)?;
                if value < 0.0 {
                    let message = format!("a load must be ≥ 0, got {value}");
                    return Err(table.problem(Some(at()), Some(&headers[k]), message));
                }
                written.push(figure(value * scale));
            }
            out.write_record(&written).map_err(write_error)?;
            rows += 1;
        }
        if rows == 0 {
            let message = "has no rows: one row per hour is needed".to_string();
            return Err(table.problem(None, None, message));
        }
        let csv = out
            .into_inner()
            .map_err(|e| table.problem(None, None, format!("cannot copy: {e}")))?;
        let source = json!({
            "path": source.path,
            "rows": rows,
            "columns_read": headers.len(),
            "columns_kept": layout.columns.len(),
            "rules": rules(spec, &headers, &layout),
        });
        Ok(Profiles::Table { csv, source })
    }

    /// The header's columns: the hour, the weight, and the substation each other column names.
    fn layout(
        &self,
        spec: &ProfilesSpec,
        headers: &[String],
        substations: &[Built],
    ) -> Result<Layout, ImportError> {
        let mut position: HashMap<&str, usize> = HashMap::new();
        for (k, name) in headers.iter().enumerate() {
            if position.insert(name, k).is_some() {
                let message = "the column is given twice".to_string();
                return Err(self.problem(None, Some(name), message));
            }
        }
        let find = |key: &str, name: &str| {
            position.get(name).copied().ok_or_else(|| {
                let message = format!(
                    "the recipe's {key} names a column the file does not have (its columns: {})",
                    headers.join(", ")
                );
                self.problem(None, Some(name), message)
            })
        };
        let hour = find("hour", spec.hour.as_deref().unwrap_or_default())?;
        let weight = spec
            .weight
            .as_deref()
            .map(|w| find("weight", w))
            .transpose()?;
        for name in spec.columns.keys() {
            find("columns", name)?;
        }
        for name in &spec.skip {
            find("skip", name)?;
        }
        let flexible: HashMap<&str, f64> = (substations.iter())
            .map(|s| {
                let flexible_mw = s.properties.get("flexible_mw").and_then(Value::as_f64);
                (s.id.as_str(), flexible_mw.unwrap_or(0.0))
            })
            .collect();
        let mut columns = Vec::new();
        let mut by_id: BTreeMap<String, &str> = BTreeMap::new();
        let mut skipped = 0;
        for (k, name) in headers.iter().enumerate() {
            if k == hour || Some(k) == weight || spec.skip.contains(name) {
                skipped += usize::from(spec.skip.contains(name));
                continue;
            }
            let (id, how) = match spec.columns.get(name) {
                Some(id) => (id.clone(), format!("columns maps it to {id:?}")),
                None => (
                    format!("{}{name}", spec.id_prefix),
                    format!("id_prefix {:?} + the column's name", spec.id_prefix),
                ),
            };
            let problem = match flexible.get(id.as_str()) {
                None => Some(format!(
                    "names substation {id:?} ({how}), which the map does not have ({} \
                     substations imported): map the column in [profiles] columns, or list it in \
                     skip",
                    substations.len()
                )),
                Some(&mw) if mw > 0.0 => Some(format!(
                    "names substation {id:?} ({how}), which has flexible_mw = {mw}: a \
                     substation with a profile has its flexible room derived from it"
                )),
                Some(_) => by_id.get(&id).map(|first| {
                    format!("names substation {id:?} ({how}), as column {first:?} does")
                }),
            };
            if let Some(problem) = problem {
                return Err(self.problem(None, Some(name), problem));
            }
            by_id.insert(id.clone(), name);
            columns.push((k, id));
        }
        if columns.is_empty() {
            let message = "no column names a substation besides the hour and weight".to_string();
            return Err(self.problem(None, None, message));
        }
        Ok(Layout {
            hour,
            weight,
            columns,
            skipped,
        })
    }
}

/// A written figure: to 6 decimals (a watt), without trailing zeros.
fn figure(v: f64) -> String {
    files::round_to(v, 6).to_string()
}

/// The rules applied to the source table, in words (for `map.json`).
fn rules(spec: &ProfilesSpec, headers: &[String], layout: &Layout) -> Vec<String> {
    let mut rules = vec![format!(
        "hour labels from {:?}, kept as written",
        headers[layout.hour]
    )];
    match layout.weight {
        Some(k) => rules.push(format!("weight from {:?}", headers[k])),
        None => rules.push("no weight column: every row stands for one hour".into()),
    }
    rules.push(format!(
        "MW = the source's value × {}",
        spec.scale.unwrap_or(1.0)
    ));
    for (column, id) in &spec.columns {
        rules.push(format!("column {column:?} is substation {id:?}"));
    }
    let by_prefix = layout.columns.len() - spec.columns.len();
    if by_prefix > 0 {
        rules.push(format!(
            "{by_prefix} other columns: substation id = {:?} + the column's name",
            spec.id_prefix
        ));
    }
    if layout.skipped > 0 {
        rules.push(format!("left out: {:?}", spec.skip));
    }
    rules
}
