//! The reader of `load_profiles.csv` (docs/profiles-and-queue.md, "Headroom over time and the queue"): one row
//! per hour, `hour` (a unique label), an optional `weight` (> 0, the hours of the year the row
//! stands for), then one column per profiled substation, named by its `id`, holding its existing
//! load in MW.
//!
//! Takes the file and the map's substations; gives [`LoadProfiles`] with each column's hours
//! already ordered by load, or the first [`LayerError`] in file order (row, then column). Rows
//! are parsed in parallel; the file is a table, so its errors name the row (counted from 1 after
//! the header, with its hour) and the column.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rayon::prelude::*;

use super::LayerError;
use super::types::{LoadProfiles, ProfileColumn, Substation};

/// The optional hourly load file of a map folder.
pub const PROFILES_FILE: &str = "load_profiles.csv";

/// The column of hour labels (first) and the optional column of row weights.
const HOUR: &str = "hour";
const WEIGHT: &str = "weight";

/// Reads `load_profiles.csv` at `path` over the map's `substations` (read from
/// `substations_path`, which errors about `flexible_mw` name too).
pub fn read_profiles(
    path: &Path,
    substations_path: &Path,
    substations: &[Substation],
) -> Result<LoadProfiles, LayerError> {
    let error = |row: Option<(usize, String)>, column: &str, message: String| LayerError {
        path: path.to_path_buf(),
        feature: row,
        property: column.to_string(),
        message,
    };
    let file_error = |message: String| error(None, "file", message);
    let text =
        std::fs::read_to_string(path).map_err(|e| file_error(format!("cannot read: {e}")))?;
    // Spreadsheet and SCADA exports often open with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    // A table without quotes (what SCADA exports and `gridsite synth` write) is split here,
    // its rows in parallel; one with quotes goes through the csv crate.
    let quoted = text.contains('"');
    let records: Vec<csv::StringRecord> = if quoted {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes())
            .records()
            .enumerate()
            .map(|(r, record)| {
                record.map_err(|e| error(Some((r, String::new())), "file", e.to_string()))
            })
            .collect::<Result<_, _>>()?
    } else {
        Vec::new()
    };
    let lines: Vec<&str> = if quoted {
        Vec::new()
    } else {
        (text.lines()).filter(|l| !l.trim().is_empty()).collect()
    };
    let count = if quoted { records.len() } else { lines.len() };
    let fields = |k: usize| -> Vec<&str> {
        if quoted {
            records[k].iter().map(str::trim).collect()
        } else {
            lines[k].split(',').map(str::trim).collect()
        }
    };
    if count == 0 {
        return Err(file_error("is empty: a header row is needed".into()));
    }
    let headers: Vec<String> = fields(0).into_iter().map(str::to_string).collect();
    let layout = Layout::of(&headers, substations, substations_path, &error)?;
    if count == 1 {
        return Err(file_error(
            "has no hours: one row per hour is needed".into(),
        ));
    }
    let rows: Vec<Result<Row, LayerError>> = ((1..count).into_par_iter())
        .map(|r| layout.row(r, &fields(r), &headers, &error))
        .collect();
    let mut hours = Vec::with_capacity(count - 1);
    let mut weights = Vec::with_capacity(count - 1);
    let mut seen: HashSet<String> = HashSet::with_capacity(count - 1);
    let mut loads: Vec<Vec<f64>> = (layout.substations.iter())
        .map(|_| Vec::with_capacity(count - 1))
        .collect();
    for (r, row) in rows.into_iter().enumerate() {
        let (hour, weight, row_loads) = row?;
        if !seen.insert(hour.clone()) {
            let message = format!("the hour \"{hour}\" is given twice");
            return Err(error(Some((r + 1, hour)), HOUR, message));
        }
        hours.push(hour);
        weights.push(weight);
        for (column, mw) in loads.iter_mut().zip(row_loads) {
            column.push(mw);
        }
    }
    let columns: Vec<ProfileColumn> = (layout.substations.par_iter().zip(loads))
        .map(|(&(_, b), load_mw)| ProfileColumn::new(b, load_mw))
        .collect();
    Ok(LoadProfiles {
        hours,
        weights,
        columns,
    })
}

/// Where the header puts the weight and each substation's column.
struct Layout {
    weight: Option<usize>,
    /// (position in the record, substation index), in file order.
    substations: Vec<(usize, usize)>,
}

/// A row read: its hour, weight and loads in the layout's column order.
type Row = (String, f64, Vec<f64>);

type MakeError<'a> = dyn Fn(Option<(usize, String)>, &str, String) -> LayerError + 'a;

impl Layout {
    fn of(
        headers: &[String],
        substations: &[Substation],
        substations_path: &Path,
        error: &MakeError,
    ) -> Result<Layout, LayerError> {
        if headers.first().map(String::as_str) != Some(HOUR) {
            let first = headers.first().cloned().unwrap_or_default();
            let message = format!("the first column must be \"{HOUR}\", got \"{first}\"");
            return Err(error(None, &first, message));
        }
        let by_id: HashMap<&str, usize> = (substations.iter().enumerate())
            .map(|(i, s)| (s.id.as_str(), i))
            .collect();
        let mut layout = Layout {
            weight: None,
            substations: Vec::new(),
        };
        let mut seen: HashSet<&str> = HashSet::new();
        for (k, name) in headers.iter().enumerate().skip(1) {
            if !seen.insert(name.as_str()) || name == HOUR {
                return Err(error(None, name, "the column is given twice".into()));
            }
            if name == WEIGHT && !by_id.contains_key(WEIGHT) {
                layout.weight = Some(k);
                continue;
            }
            let Some(&b) = by_id.get(name.as_str()) else {
                let message = format!(
                    "names no substation: a column after \"{HOUR}\" (and \"{WEIGHT}\") must be \
                     a substation id of {}",
                    substations_path.display()
                );
                return Err(error(None, name, message));
            };
            let flexible_mw = substations[b].flexible_mw;
            if flexible_mw > 0.0 {
                let message = format!(
                    "substation \"{name}\" has flexible_mw = {flexible_mw} in {}: a substation \
                     with a load profile has its flexible room derived from the profile; remove \
                     one of the two",
                    substations_path.display()
                );
                return Err(error(None, name, message));
            }
            layout.substations.push((k, b));
        }
        Ok(layout)
    }

    /// One row's hour, weight and loads (in the layout's column order); `row` counts from 1
    /// after the header.
    fn row(
        &self,
        row: usize,
        fields: &[&str],
        headers: &[String],
        error: &MakeError,
    ) -> Result<Row, LayerError> {
        let hour = fields.first().copied().unwrap_or_default();
        let at = || Some((row, hour.to_string()));
        if fields.len() != headers.len() {
            let message = format!(
                "the row has {} values, the header {} columns",
                fields.len(),
                headers.len()
            );
            return Err(error(at(), "file", message));
        }
        if hour.is_empty() {
            return Err(error(at(), HOUR, "the hour label is missing".into()));
        }
        let cell = |k: usize| -> Result<f64, LayerError> {
            let column = headers[k].as_str();
            let text = fields[k];
            if text.is_empty() {
                return Err(error(at(), column, "the value is missing".into()));
            }
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v),
                _ => Err(error(at(), column, format!("\"{text}\" is not a number"))),
            }
        };
        let weight = match self.weight {
            None => 1.0,
            Some(k) => {
                let weight = cell(k)?;
                if weight <= 0.0 {
                    let message =
                        format!("must be > 0 (the hours the row stands for), got {weight}");
                    return Err(error(at(), WEIGHT, message));
                }
                weight
            }
        };
        let loads = (self.substations.iter())
            .map(|&(k, _)| {
                let mw = cell(k)?;
                if mw < 0.0 {
                    let message = format!("a load must be ≥ 0 MW, got {mw}");
                    return Err(error(at(), &headers[k], message));
                }
                Ok(mw)
            })
            .collect::<Result<Vec<f64>, LayerError>>()?;
        Ok((hour.to_string(), weight, loads))
    }
}
