//! The pipeline's front half, timed stage by stage: scenario → layers → index → candidates.
//!
//! Takes a scenario path; gives a [`Prepared`] region that `check` reports on and `optimize`
//! builds its model from.

use std::path::Path;
use std::time::Instant;

use crate::candidates::{self, Screening};
use crate::error::Error;
use crate::index::SpatialIndex;
use crate::layers::{self, Map};
use crate::scenario::Scenario;

/// Wall-clock seconds of each stage, in pipeline order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StageSeconds(pub Vec<(&'static str, f64)>);

impl StageSeconds {
    /// Runs `stage`, recording its duration under `name`.
    pub fn time<T>(&mut self, name: &'static str, stage: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let value = stage();
        self.0.push((name, start.elapsed().as_secs_f64()));
        value
    }

    pub fn total(&self) -> f64 {
        self.0.iter().map(|(_, s)| s).sum()
    }
}

/// A screened region, ready for the model.
pub struct Prepared {
    pub scenario: Scenario,
    pub map: Map,
    pub index: SpatialIndex,
    pub screening: Screening,
    pub seconds: StageSeconds,
}

/// Reads the scenario and its map, builds the index and screens every parcel.
pub fn prepare(scenario_path: &Path) -> Result<Prepared, Error> {
    let mut seconds = StageSeconds::default();
    let scenario = seconds.time("scenario", || Scenario::load(scenario_path))?;
    let map = seconds.time("layers", || layers::load_map(&scenario.map))?;
    let index = seconds.time("index", || SpatialIndex::build(&map))?;
    let screening = seconds.time("candidates", || candidates::screen(&map, &index, &scenario))?;
    Ok(Prepared {
        scenario,
        map,
        index,
        screening,
        seconds,
    })
}

/// `gridsite check`: prepares the region and writes `excluded.geojson` and `candidates.geojson`.
pub fn check(scenario_path: &Path, out: &Path) -> Result<Prepared, Error> {
    let mut prepared = prepare(scenario_path)?;
    let mut seconds = std::mem::take(&mut prepared.seconds);
    seconds.time("report", || {
        crate::report::screening::write_screening(out, &prepared.map, &prepared.screening)
    })?;
    prepared.seconds = seconds;
    Ok(prepared)
}
