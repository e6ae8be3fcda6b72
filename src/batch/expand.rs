//! Scenario files, overrides and sweeps expanded into named jobs, and sliced into shards.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Instant;

use super::BatchError;
use crate::scenario::{Override, Scenario, Sweep, overrides::sweep_grid};

/// One scenario variant to run: its name (the folder its outputs go to), where it came from,
/// and the scenario, or why it cannot be read.
#[derive(Debug, Clone)]
pub struct Job {
    pub name: String,
    pub source: PathBuf,
    /// Keys overridden for this variant (`--set`, then the sweep's values).
    pub overrides: Vec<Override>,
    pub scenario: Result<Scenario, String>,
    /// Seconds spent reading the scenario (its `scenario` stage).
    pub load_seconds: f64,
}

/// `--shard K/N`: the K-th (1-based) of N slices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub k: usize,
    pub n: usize,
}

impl FromStr for Shard {
    type Err = BatchError;

    fn from_str(text: &str) -> Result<Shard, BatchError> {
        let error = || BatchError::Shard(text.to_string());
        let (k, n) = text.split_once('/').ok_or_else(error)?;
        let k: usize = k.trim().parse().map_err(|_| error())?;
        let n: usize = n.trim().parse().map_err(|_| error())?;
        if k == 0 || k > n {
            return Err(error());
        }
        Ok(Shard { k, n })
    }
}

/// Every scenario file crossed with the sweeps' grid, `sets` applied to all, sorted by name.
///
/// A key that no scenario has (a typo) stops the batch; a scenario that cannot be read, or a
/// value out of range, is a job that carries its error and becomes a row of the comparison.
pub fn expand(
    scenario_paths: &[PathBuf],
    sets: &[Override],
    sweeps: &[Sweep],
) -> Result<Vec<Job>, BatchError> {
    for key in sets
        .iter()
        .map(|o| &o.key)
        .chain(sweeps.iter().map(|s| &s.key))
    {
        check_key_exists(key)?;
    }
    let grid = sweep_grid(sweeps);
    let mut jobs = Vec::new();
    for path in scenario_paths {
        // `--set name=...` renames; where the sets are refused, the file alone names the
        // scenario, and each variant becomes an error row under that name.
        let base_name = match Scenario::load_with(path, sets).or_else(|_| Scenario::load(path)) {
            Ok(scenario) => scenario.name,
            Err(error) => {
                jobs.push(failed_job(path, sets, error.to_string()));
                continue;
            }
        };
        if let Err(error) = check_folder_name(&base_name) {
            jobs.push(failed_job(path, sets, error.to_string()));
            continue;
        }
        for combination in &grid {
            let overrides: Vec<Override> = sets.iter().chain(combination).cloned().collect();
            let name = variant_name(&base_name, combination);
            let start = Instant::now();
            let scenario = Scenario::load_with(path, &overrides)
                .map(|mut s| {
                    s.name = name.clone();
                    s
                })
                .map_err(|e| e.to_string());
            jobs.push(Job {
                name,
                source: path.clone(),
                overrides,
                scenario,
                load_seconds: start.elapsed().as_secs_f64(),
            });
        }
    }
    jobs.sort_by(|a, b| a.name.cmp(&b.name));
    check_unique_names(&jobs)?;
    Ok(jobs)
}

/// The jobs of one shard: every N-th job from the K-th, so that slow and fast scenarios
/// (neighbours in name order are often a sweep of one scenario) spread over the shards.
pub fn shard(jobs: Vec<Job>, shard: Shard) -> Vec<Job> {
    jobs.into_iter()
        .enumerate()
        .filter(|(i, _)| i % shard.n == shard.k - 1)
        .map(|(_, job)| job)
        .collect()
}

/// A scenario name that cannot name a folder inside `--out`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "scenario name {0:?} cannot name a folder inside --out: use letters, digits, `-`, `_`, `.`"
)]
pub struct UnsafeFolderName(pub String);

/// A scenario's name is the folder its outputs go to, inside the batch's `--out`.
fn check_folder_name(name: &str) -> Result<(), UnsafeFolderName> {
    let unsafe_name = name.is_empty()
        || name == "."
        || name == ".."
        || name.contains(['/', '\\'])
        || name.chars().any(char::is_control);
    if unsafe_name {
        Err(UnsafeFolderName(name.to_string()))
    } else {
        Ok(())
    }
}

fn failed_job(path: &Path, sets: &[Override], message: String) -> Job {
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    Job {
        name,
        source: path.to_path_buf(),
        overrides: sets.to_vec(),
        scenario: Err(message),
        load_seconds: 0.0,
    }
}

/// `suburban-500mw` swept over two keys → `suburban-500mw_school=1000_max_headroom_share=0.5`:
/// each key by its last part, or whole where two swept keys share a last part.
pub fn variant_name(base: &str, combination: &[Override]) -> String {
    let leaf = |key: &str| key.rsplit('.').next().unwrap_or(key).to_string();
    let mut leaf_count: BTreeMap<String, usize> = BTreeMap::new();
    for o in combination {
        *leaf_count.entry(leaf(&o.key)).or_default() += 1;
    }
    let mut name = base.to_string();
    for o in combination {
        let short = leaf(&o.key);
        let label = if leaf_count[&short] > 1 {
            o.key.clone()
        } else {
            short
        };
        let value: String = o
            .value_text()
            .chars()
            .map(|c| if "/\\ \"[]{},".contains(c) { '-' } else { c })
            .collect();
        name.push_str(&format!("_{label}={value}"));
    }
    name
}

/// An override key must name a scenario key ([`Scenario`]'s own schema); whether its value
/// fits is checked when each scenario is read with it.
fn check_key_exists(key: &str) -> Result<(), BatchError> {
    if crate::scenario::is_known_key(key) {
        Ok(())
    } else {
        Err(BatchError::Override {
            key: key.to_string(),
            message: "no such scenario key".to_string(),
        })
    }
}

fn check_unique_names(jobs: &[Job]) -> Result<(), BatchError> {
    for pair in jobs.windows(2) {
        if pair[0].name == pair[1].name {
            return Err(BatchError::DuplicateName {
                name: pair[0].name.clone(),
                first: pair[0].source.clone(),
                second: pair[1].source.clone(),
            });
        }
    }
    Ok(())
}
