//! Deterministic synthetic region generator.
//!
//! **Takes** a [`SynthConfig`] (seed, parcel and substation counts, optional
//! receptor / fiber counts, map centre, [`Profile`]) and an output directory.
//!
//! **Gives** six RFC 7946 GeoJSON FeatureCollections (WGS84 lon/lat, at most
//! 7 decimals, one feature per line) and a [`SynthSummary`]:
//! `substations.geojson`, `fiber.geojson`, `parcels.geojson`,
//! `receptors.geojson`, `communities.geojson` and the transmission network
//! `lines.geojson` (with each substation's `supply_share`). Each file is
//! written to `<file>.tmp` and renamed into place, so readers never see half a
//! file.
//!
//! With [`SynthConfig::profiles`] (`gridsite synth --profiles`) two optional files follow:
//! `load_profiles.csv`, each substation's hourly existing load for a year (those without
//! `flexible_mw`), and `loads.geojson`, a queue of large loads (docs/profiles-and-queue.md, "Headroom over time
//! and the queue"). They draw from streams of their own and are written last, so the six
//! layers keep their bytes.
//!
//! The same config always gives byte-identical files. Every layer draws from
//! its own seeded stream (a salt each), so the network (its own stream) leaves
//! the other five layers' bytes as they were before it existed, apart from the
//! substations' added `supply_share`.
//!
//! Model: the region is a jittered grid of 800 m street blocks (arterials
//! every third line). Each block gets one zoning from smooth value noise plus
//! city structure (commercial downtown and on arterial corners, industrial
//! along long-haul corridors and the edges, farmland outside), then is cut into
//! strips of convex lots (about 1 m apart, so no two parcels overlap). The
//! region grows with `sqrt(parcels)` so lots keep realistic sizes. Only
//! per-block numbers (8 bytes each) are kept in memory; parcels are streamed
//! block by block and rebuilt on demand from a per-block `ChaCha8Rng`, so
//! 5 M parcels (1.6 GB of GeoJSON) take about 20 MB of RAM.
//!
//! Shares of zoning refer to parcel counts (about 50 % residential, 12 %
//! commercial, 15 % industrial, 15 % agricultural, 8 % open space); because
//! industrial and farm lots are much bigger than house lots, they cover most of
//! the land area.
//!
//! Submodules (this file keeps the public API, the shared constants and
//! stream salts, and the validation of a config):
//! - `noise`: hashing, seeded streams, value noise and small plane geometry.
//! - `layout`: the block grid built from a [`SynthConfig`] (ground, coast and
//!   port, corridors, block frames, the projection to lon/lat).
//! - `zoning`: the five zones and their lot sizes and prices; gives each block
//!   a zone and a lot count so the parcels add up exactly.
//! - `parcels`, `substations`, `fiber`, `receptors`, `communities`: one layer
//!   each, drawn from the layout and streamed to a writer.
//! - `profiles`, `loads`: the optional `load_profiles.csv` and `loads.geojson`, drawn over
//!   the substations as written.
//! - `grid`: the transmission network over the drawn substations (a meshed
//!   230/500 kV backbone, radial and double-circuit spurs, reactances and
//!   ratings by voltage class, supply substations, today's DC power flow);
//!   its rules are stated there. Kept in memory: O(substations).
//! - `land`: the same city laid over a real area for `gridsite import`
//!   ([`Land`]), rebuilt on demand instead of written to files.
//! - `writer`: atomic files and hand-formatted GeoJSON (one feature a line).
//! - `tests`: end-to-end checks of [`generate`]'s files.

mod communities;
pub mod family;
mod fiber;
mod land;
mod layout;
mod loads;
mod noise;
mod parcels;
mod profiles;
mod receptors;
mod substations;
#[cfg(test)]
mod tests;
mod transmission;
mod writer;
mod zoning;

use std::fs;
use std::path::{Path, PathBuf};

pub use land::{Land, LandConfig, LandParcel};
pub use profiles::write_generated_profiles;

use communities::write_communities;
use fiber::write_fiber;
use layout::Layout;
use loads::write_loads;
use parcels::write_parcels;
use receptors::{ReceptorPlan, write_receptors};
use substations::{draw_substations, write_substations};
use transmission::{plan_grid, write_lines};
use writer::{io_error, write_layer};

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/// Shape of the generated region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Inland metro: square region, downtown in the middle.
    Suburban,
    /// Water on the west side, a reclaimed industrial waterfront and a port.
    Coastal,
}

/// What to generate; see [`SynthConfig::new`] for defaults.
#[derive(Debug, Clone)]
pub struct SynthConfig {
    /// Same seed and sizes give byte-identical files.
    pub seed: u64,
    /// Parcel polygons to write (exact), at least 1.
    pub parcels: usize,
    /// Substation points to write (exact), at least 1.
    pub substations: usize,
    /// Receptors (exact); `None`: `parcels / 10`, at least 20.
    pub receptors: Option<usize>,
    /// Fiber LineStrings (exact); `None`: `parcels / 50`, at least 10.
    pub fiber_segments: Option<usize>,
    /// Longitude of the region centre, degrees.
    pub center_lon: f64,
    /// Latitude of the region centre, degrees (within ±85).
    pub center_lat: f64,
    /// Region shape.
    pub profile: Profile,
    /// Also write `load_profiles.csv` and `loads.geojson` (default false).
    pub profiles: bool,
}

impl SynthConfig {
    /// Suburban region centred on -121.30, 38.59 (east of Sacramento).
    pub fn new(seed: u64, parcels: usize, substations: usize) -> Self {
        Self {
            seed,
            parcels,
            substations,
            receptors: None,
            fiber_segments: None,
            center_lon: -121.30,
            center_lat: 38.59,
            profile: Profile::Suburban,
            profiles: false,
        }
    }

    fn receptor_count(&self) -> usize {
        self.receptors.unwrap_or((self.parcels / 10).max(20))
    }

    fn fiber_count(&self) -> usize {
        self.fiber_segments.unwrap_or((self.parcels / 50).max(10))
    }
}

/// Feature counts per layer and total bytes written.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthSummary {
    /// Features in `parcels.geojson`.
    pub parcels: usize,
    /// Features in `substations.geojson`.
    pub substations: usize,
    /// Features in `receptors.geojson`.
    pub receptors: usize,
    /// Features in `fiber.geojson`.
    pub fiber_segments: usize,
    /// Features in `communities.geojson` (about `parcels / 400`, at least 4).
    pub communities: usize,
    /// Features in `lines.geojson` (about 1.5 a substation).
    pub lines: usize,
    /// Substation columns in `load_profiles.csv` (0 without [`SynthConfig::profiles`]).
    pub load_profiles: usize,
    /// Features in `loads.geojson` (about `substations / 5`; 0 without
    /// [`SynthConfig::profiles`]).
    pub loads: usize,
    /// Total size of the files written.
    pub bytes_written: u64,
}

/// Why [`generate`] failed.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// Creating, writing or renaming a file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The base flows of the synthetic network could not be computed.
    #[error("cannot compute the synthetic network's base flows: {0}")]
    Network(#[source] crate::grid::twin::NetworkError),
    /// A config value is out of range; nothing was written.
    #[error("invalid synth option {option}: {message}")]
    InvalidOption {
        /// Config field name, e.g. `"parcels"`.
        option: &'static str,
        /// What is wrong with it.
        message: String,
    },
}

/// Writes the six layers into `out_dir` (created if missing), and with
/// [`SynthConfig::profiles`] `load_profiles.csv` and `loads.geojson` after them.
///
/// `progress(layer, done, total)` is called when a layer starts and ends, and
/// every 100,000 parcels.
pub fn generate(
    config: &SynthConfig,
    out_dir: &Path,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<SynthSummary, SynthError> {
    validate(config)?;
    let layout = Layout::build(config)?;
    fs::create_dir_all(out_dir).map_err(|e| io_error(out_dir, e))?;

    let mut bytes = 0;
    let drawn = draw_substations(&layout, config.substations);
    let grid = plan_grid(&layout, &drawn)?;
    let (substations, b) = write_layer(out_dir, "substations.geojson", |w| {
        write_substations(&layout, &drawn, &grid.supply_share, w, progress)
    })?;
    bytes += b;
    let (lines, b) = write_layer(out_dir, crate::layers::LINES_FILE, |w| {
        write_lines(&layout, &drawn, &grid, w, progress)
    })?;
    bytes += b;
    drop(grid);
    let positions: Vec<(f64, f64)> = if config.profiles {
        drawn.iter().map(|s| s.p).collect()
    } else {
        Vec::new()
    };
    drop(drawn);
    let (fiber_segments, b) = write_layer(out_dir, "fiber.geojson", |w| {
        write_fiber(&layout, config.fiber_count(), w, progress)
    })?;
    bytes += b;
    let (parcels, b) = write_layer(out_dir, "parcels.geojson", |w| {
        write_parcels(&layout, w, progress)
    })?;
    bytes += b;
    let (receptors, b) = write_layer(out_dir, "receptors.geojson", |w| {
        write_receptors(&layout, &ReceptorPlan::new(config), w, progress)
    })?;
    bytes += b;
    let (communities, b) = write_layer(out_dir, "communities.geojson", |w| {
        write_communities(&layout, config.parcels, w, progress)
    })?;
    bytes += b;
    let (mut load_profiles, mut loads) = (0, 0);
    if config.profiles {
        let subs = profiles::read_back(out_dir)?;
        let (columns, b) = profiles::write_profiles(layout.seed, &subs, out_dir, progress)?;
        load_profiles = columns;
        bytes += b;
        let (features, b) = write_layer(out_dir, crate::layers::LOADS_FILE, |w| {
            write_loads(&layout, &positions, &subs, w, progress)
        })?;
        loads = features;
        bytes += b;
    }

    Ok(SynthSummary {
        parcels,
        substations,
        receptors,
        fiber_segments,
        communities,
        lines,
        load_profiles,
        loads,
        bytes_written: bytes,
    })
}

// ---------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------

const M_PER_DEG_LAT: f64 = 111_320.0;
const SQM_PER_ACRE: f64 = crate::layers::SQUARE_METRES_PER_ACRE;
/// Street grid pitch: a half-mile superblock.
const BLOCK_M: f64 = 800.0;
/// Grid vertices move up to this much so blocks are not perfect squares.
const VERTEX_JITTER_M: f64 = 70.0;
const LOCAL_STREET_HALF_M: f64 = 9.0;
const ARTERIAL_HALF_M: f64 = 18.0;
/// Every third grid line is an arterial (fiber runs, commercial strips).
const ARTERIAL_EVERY: usize = 3;
/// Half of the gap left between neighbouring lots; keeps lots disjoint even
/// after rounding coordinates to 7 decimals (about 1 cm).
const LOT_GAP_M: f64 = 0.5;
const PROGRESS_EVERY: usize = 100_000;
/// Upper bound for any feature count (keeps per-block arrays well below 1 GB).
const MAX_FEATURES: usize = 50_000_000;
const MAX_ABS_LAT: f64 = 85.0;

// Independent hash / RNG streams.
const SALT_VERTEX: u64 = 0x01;
const SALT_COAST: u64 = 0x02;
const SALT_RECLAIM: u64 = 0x03;
const SALT_COM: u64 = 0x04;
const SALT_IND: u64 = 0x05;
const SALT_AG: u64 = 0x06;
const SALT_OS: u64 = 0x07;
const SALT_COUNT: u64 = 0x08;
const SALT_VALUE: u64 = 0x09;
const SALT_WATER: u64 = 0x0A;
const SALT_BURDEN: u64 = 0x0B;
const SALT_PARCELS: u64 = 0x10;
const SALT_SUBSTATIONS: u64 = 0x11;
const SALT_RECEPTORS: u64 = 0x12;
const SALT_NAMES: u64 = 0x13;
// 0x14: `land`'s sample.
const SALT_LINES: u64 = 0x15;
const SALT_PROFILES: u64 = 0x16;
const SALT_LOADS: u64 = 0x17;

// ---------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------

fn invalid(option: &'static str, message: impl Into<String>) -> SynthError {
    SynthError::InvalidOption {
        option,
        message: message.into(),
    }
}

fn check_count(option: &'static str, value: usize, min: usize) -> Result<(), SynthError> {
    if value < min {
        return Err(invalid(
            option,
            format!("must be at least {min}, got {value}"),
        ));
    }
    if value > MAX_FEATURES {
        return Err(invalid(
            option,
            format!("must be at most {MAX_FEATURES}, got {value}"),
        ));
    }
    Ok(())
}

fn validate(cfg: &SynthConfig) -> Result<(), SynthError> {
    check_count("parcels", cfg.parcels, 1)?;
    check_count("substations", cfg.substations, 1)?;
    check_count("receptors", cfg.receptor_count(), 0)?;
    check_count("fiber_segments", cfg.fiber_count(), 0)?;
    if !cfg.center_lon.is_finite() || !(-180.0..=180.0).contains(&cfg.center_lon) {
        return Err(invalid(
            "center_lon",
            format!("must be within [-180, 180], got {}", cfg.center_lon),
        ));
    }
    if !cfg.center_lat.is_finite() || !(-MAX_ABS_LAT..=MAX_ABS_LAT).contains(&cfg.center_lat) {
        return Err(invalid(
            "center_lat",
            format!(
                "must be within [-{MAX_ABS_LAT}, {MAX_ABS_LAT}] (local metric grid), got {}",
                cfg.center_lat
            ),
        ));
    }
    Ok(())
}
