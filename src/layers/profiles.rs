//! The reader of `load_profiles.csv` (DESIGN.md, "Headroom over time and the queue"): one row
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
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| file_error(format!("cannot read: {e}")))?;
    let headers: Vec<String> = (reader.headers())
        .map_err(|e| file_error(format!("cannot read the header row: {e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    let layout = Layout::of(&headers, substations, substations_path, &error)?;
    let records: Vec<csv::StringRecord> = reader
        .records()
        .enumerate()
        .map(|(r, record)| {
            record.map_err(|e| error(Some((r + 1, String::new())), "file", e.to_string()))
        })
        .collect::<Result<_, _>>()?;
    if records.is_empty() {
        return Err(file_error(
            "has no hours: one row per hour is needed".into(),
        ));
    }
    let rows: Vec<Result<(f64, Vec<f64>), LayerError>> = (records.par_iter().enumerate())
        .map(|(r, record)| layout.row(r + 1, record, &headers, &error))
        .collect();
    let mut hours = Vec::with_capacity(records.len());
    let mut weights = Vec::with_capacity(records.len());
    let mut seen: HashSet<&str> = HashSet::with_capacity(records.len());
    let mut loads: Vec<Vec<f64>> = (layout.substations.iter())
        .map(|_| Vec::with_capacity(records.len()))
        .collect();
    for (r, (record, row)) in records.iter().zip(rows).enumerate() {
        let (weight, row_loads) = row?;
        let hour = record.get(0).unwrap_or_default();
        if !seen.insert(hour) {
            let message = format!("the hour \"{hour}\" is given twice");
            return Err(error(Some((r + 1, hour.to_string())), HOUR, message));
        }
        hours.push(hour.to_string());
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

    /// One row's weight and loads (in the layout's column order).
    fn row(
        &self,
        row: usize,
        record: &csv::StringRecord,
        headers: &[String],
        error: &MakeError,
    ) -> Result<(f64, Vec<f64>), LayerError> {
        let hour = record.get(0).unwrap_or_default();
        let at = || Some((row, hour.to_string()));
        if hour.is_empty() {
            return Err(error(at(), HOUR, "the hour label is missing".into()));
        }
        let cell = |k: usize| -> Result<f64, LayerError> {
            let column = headers[k].as_str();
            let text = record.get(k).unwrap_or_default();
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
        Ok((weight, loads))
    }
}
