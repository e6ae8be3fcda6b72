//! Deterministic synthetic region generator.
//!
//! **Takes** a [`SynthConfig`] (seed, parcel and substation counts, optional
//! receptor / fiber counts, map centre, [`Profile`]) and an output directory.
//!
//! **Gives** five RFC 7946 GeoJSON FeatureCollections (WGS84 lon/lat, at most
//! 7 decimals, one feature per line) and a [`SynthSummary`]:
//! `substations.geojson`, `fiber.geojson`, `parcels.geojson`,
//! `receptors.geojson`, `communities.geojson`. Each file is written to
//! `<file>.tmp` and renamed into place, so readers never see half a file.
//!
//! The same config always gives byte-identical files.
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

use std::f64::consts::TAU;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

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
    /// Total size of the five files.
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
    /// A config value is out of range; nothing was written.
    #[error("invalid synth option {option}: {message}")]
    InvalidOption {
        /// Config field name, e.g. `"parcels"`.
        option: &'static str,
        /// What is wrong with it.
        message: String,
    },
}

/// Writes the five layers into `out_dir` (created if missing).
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
    let (substations, b) = write_layer(out_dir, "substations.geojson", |w| {
        write_substations(&layout, config.substations, w, progress)
    })?;
    bytes += b;
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

    Ok(SynthSummary {
        parcels,
        substations,
        receptors,
        fiber_segments,
        communities,
        bytes_written: bytes,
    })
}

// ---------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------

const M_PER_DEG_LAT: f64 = 111_320.0;
const SQM_PER_ACRE: f64 = 4_046.86;
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

// ---------------------------------------------------------------------------
// Hashing, noise, small math
// ---------------------------------------------------------------------------

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Seed of one independent stream (layer, noise field, ...).
fn salted(seed: u64, salt: u64) -> u64 {
    splitmix(seed ^ splitmix(salt.wrapping_mul(0xD6E8_FEB8_6659_FD93)))
}

fn hash3(seed: u64, a: u64, b: u64) -> u64 {
    splitmix(
        splitmix(seed ^ a.wrapping_mul(0xA24B_AED4_963E_E407))
            ^ b.wrapping_mul(0x9FB2_1C65_1E98_DF25),
    )
}

/// Uniform in [0, 1).
fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

fn lerp(a: f64, b: f64, t: f64) -> f64 {
    a + (b - a) * t
}

fn smoothstep(t: f64) -> f64 {
    t * t * (3.0 - 2.0 * t)
}

/// Hash-based value noise in [0, 1], one lattice cell per unit.
fn value_noise(seed: u64, x: f64, y: f64) -> f64 {
    let (xf, yf) = (x.floor(), y.floor());
    let (tx, ty) = (smoothstep(x - xf), smoothstep(y - yf));
    let (ix, iy) = (xf as i64, yf as i64);
    let corner = |dx: i64, dy: i64| unit(hash3(seed, (ix + dx) as u64, (iy + dy) as u64));
    let bottom = lerp(corner(0, 0), corner(1, 0), tx);
    let top = lerp(corner(0, 1), corner(1, 1), tx);
    lerp(bottom, top, ty)
}

/// Two octaves of value noise at `scale_m` metres per lattice cell.
fn fbm(seed: u64, p: (f64, f64), scale_m: f64) -> f64 {
    let (x, y) = (p.0 / scale_m, p.1 / scale_m);
    0.65 * value_noise(seed, x, y)
        + 0.35 * value_noise(seed ^ 0xA5A5_A5A5, x * 2.03 + 17.1, y * 2.03 + 9.7)
}

fn dist(a: (f64, f64), b: (f64, f64)) -> f64 {
    (a.0 - b.0).hypot(a.1 - b.1)
}

fn bilinear(q: &[(f64, f64); 4], u: f64, v: f64) -> (f64, f64) {
    let w = [(1.0 - u) * (1.0 - v), u * (1.0 - v), u * v, (1.0 - u) * v];
    (
        w[0] * q[0].0 + w[1] * q[1].0 + w[2] * q[2].0 + w[3] * q[3].0,
        w[0] * q[0].1 + w[1] * q[1].1 + w[2] * q[2].1 + w[3] * q[3].1,
    )
}

/// Signed area (positive = counter-clockwise) and area centroid of a ring
/// given without its closing point.
fn ring_area_centroid(ring: &[(f64, f64)]) -> (f64, (f64, f64)) {
    let (ox, oy) = ring[0];
    let (mut a2, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for (k, &(x0, y0)) in ring.iter().enumerate() {
        let (x1, y1) = ring[(k + 1) % ring.len()];
        let (x0, y0, x1, y1) = (x0 - ox, y0 - oy, x1 - ox, y1 - oy);
        let cross = x0 * y1 - x1 * y0;
        a2 += cross;
        cx += (x0 + x1) * cross;
        cy += (y0 + y1) * cross;
    }
    if a2 == 0.0 {
        return (0.0, ring[0]);
    }
    (a2 / 2.0, (ox + cx / (3.0 * a2), oy + cy / (3.0 * a2)))
}

/// Low-discrepancy sequence: spreads substations without clumps.
fn halton(mut i: u64, base: u64) -> f64 {
    let (mut f, mut r) = (1.0, 0.0);
    while i > 0 {
        f /= base as f64;
        r += f * (i % base) as f64;
        i /= base;
    }
    r
}

/// Monotone map of `[0, 1]` onto itself that packs points towards `c`.
fn warp_towards(u: f64, c: f64, gamma: f64) -> f64 {
    let c = c.clamp(0.0, 1.0);
    if u < c {
        c - c * ((c - u) / c).powf(gamma)
    } else if c < 1.0 {
        c + (1.0 - c) * ((u - c) / (1.0 - c)).powf(gamma)
    } else {
        u
    }
}

// ---------------------------------------------------------------------------
// Zoning
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zone {
    Residential,
    Commercial,
    Industrial,
    Agricultural,
    OpenSpace,
}

struct ZoneSpec {
    name: &'static str,
    /// Target share of all parcels.
    count_share: f64,
    /// Typical lot size drawn per block (log-uniform), acres.
    draw_acres: (f64, f64),
    /// The lot count per block keeps the mean lot inside this range, acres.
    hard_acres: (f64, f64),
    usd_per_acre: (f64, f64),
    /// How unequal lots in one block may be (0 = equal).
    split_jitter: f64,
}

const ZONES: [ZoneSpec; 5] = [
    ZoneSpec {
        name: "residential",
        count_share: 0.50,
        draw_acres: (2.0, 9.0),
        hard_acres: (1.2, 10.0),
        usd_per_acre: (400_000.0, 2_000_000.0),
        split_jitter: 0.35,
    },
    ZoneSpec {
        name: "commercial",
        count_share: 0.12,
        draw_acres: (3.0, 15.0),
        hard_acres: (2.0, 20.0),
        usd_per_acre: (300_000.0, 1_500_000.0),
        split_jitter: 0.35,
    },
    ZoneSpec {
        name: "industrial",
        count_share: 0.15,
        draw_acres: (50.0, 130.0),
        hard_acres: (48.0, 170.0),
        usd_per_acre: (150_000.0, 600_000.0),
        split_jitter: 0.12,
    },
    ZoneSpec {
        name: "agricultural",
        count_share: 0.15,
        draw_acres: (20.0, 90.0),
        hard_acres: (15.0, 150.0),
        usd_per_acre: (10_000.0, 40_000.0),
        split_jitter: 0.3,
    },
    ZoneSpec {
        name: "open_space",
        count_share: 0.08,
        draw_acres: (8.0, 40.0),
        hard_acres: (5.0, 150.0),
        usd_per_acre: (5_000.0, 60_000.0),
        split_jitter: 0.3,
    },
];

impl Zone {
    const ALL: [Zone; 5] = [
        Zone::Residential,
        Zone::Commercial,
        Zone::Industrial,
        Zone::Agricultural,
        Zone::OpenSpace,
    ];

    fn spec(self) -> &'static ZoneSpec {
        &ZONES[self as usize]
    }
}

/// Expected lots per acre for a log-uniform lot size on `(a, b)`.
fn lots_per_acre((a, b): (f64, f64)) -> f64 {
    (1.0 / a - 1.0 / b) / (b / a).ln()
}

/// Share of land each zone needs so that parcel counts hit `count_share`.
fn zone_area_fractions() -> [f64; 5] {
    let weights = ZONES.map(|z| z.count_share / lots_per_acre(z.draw_acres));
    let total: f64 = weights.iter().sum();
    weights.map(|w| w / total)
}

/// Expected lots per acre over the whole zoning mix.
fn mean_lots_per_acre() -> f64 {
    1.0 / ZONES
        .iter()
        .map(|z| z.count_share / lots_per_acre(z.draw_acres))
        .sum::<f64>()
}

// ---------------------------------------------------------------------------
// Layout: the block grid and everything derived from it
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ground {
    Water,
    Land,
    /// Coastal fill along the shore: industrial, often brownfield.
    Reclaimed,
    /// Port terminal, partly built out into the water.
    Port,
}

#[derive(Debug, Clone, Copy)]
struct Block {
    ground: Ground,
    zone: Zone,
    /// Lots in this block.
    count: u16,
    /// Fewest / most lots that keep the mean lot inside the zone's range.
    min: u16,
    max: u16,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Line {
    /// Horizontal grid line `j`.
    Row(usize),
    /// Vertical grid line `i`.
    Col(usize),
    /// South-west to north-east staircase.
    Diagonal,
}

/// Local metres (x east, y north) to lon/lat.
#[derive(Debug, Clone, Copy)]
struct Projection {
    lon0: f64,
    lat0: f64,
    x0: f64,
    y0: f64,
    m_per_deg_lon: f64,
}

impl Projection {
    fn lon(&self, x: f64) -> f64 {
        self.lon0 + (x - self.x0) / self.m_per_deg_lon
    }

    fn lat(&self, y: f64) -> f64 {
        self.lat0 + (y - self.y0) / M_PER_DEG_LAT
    }
}

/// The buildable part of one block: its jittered quad minus half the streets.
#[derive(Debug, Clone, Copy)]
struct Frame {
    q: [(f64, f64); 4],
    u: (f64, f64),
    v: (f64, f64),
}

impl Frame {
    /// Point at fractions `(a, b)` of the buildable area.
    fn at(&self, a: f64, b: f64) -> (f64, f64) {
        bilinear(
            &self.q,
            lerp(self.u.0, self.u.1, a),
            lerp(self.v.0, self.v.1, b),
        )
    }

    /// Counter-clockwise quad for `[a0,a1] x [b0,b1]`; bilinear images of
    /// disjoint rectangles are disjoint, so lots never overlap.
    fn rect(&self, a: (f64, f64), b: (f64, f64)) -> [(f64, f64); 4] {
        [
            self.at(a.0, b.0),
            self.at(a.1, b.0),
            self.at(a.1, b.1),
            self.at(a.0, b.1),
        ]
    }

    fn center(&self) -> (f64, f64) {
        self.at(0.5, 0.5)
    }

    fn acres(&self) -> f64 {
        ring_area_centroid(&self.rect((0.0, 1.0), (0.0, 1.0))).0 / SQM_PER_ACRE
    }
}

struct Layout {
    seed: u64,
    profile: Profile,
    nx: usize,
    ny: usize,
    blocks: Vec<Block>,
    /// Downtown, in local metres.
    city: (f64, f64),
    /// Distance from downtown to the farthest region corner.
    reach: f64,
    corridors: Vec<Line>,
    port: Option<(f64, f64)>,
    proj: Projection,
}

impl Layout {
    /// Grows the grid until its blocks can hold `parcels` lots, then moves
    /// lot counts to exactly that many.
    fn build(cfg: &SynthConfig) -> Result<Self, SynthError> {
        let target = cfg.parcels as u64;
        let mut side = initial_side(cfg);
        loop {
            let mut layout = Layout::plan(cfg, side);
            let (_, most) = layout.count_bounds(|_| true);
            if most >= target {
                layout.fit_counts(target);
                layout.check_bounds()?;
                return Ok(layout);
            }
            let ratio = (target as f64 / layout.total_count().max(1) as f64).sqrt();
            side = ((side as f64 * ratio).ceil() as usize).max(side + 1);
        }
    }

    fn plan(cfg: &SynthConfig, side: usize) -> Self {
        let (nx, ny) = (side, side);
        let (w, h) = (nx as f64 * BLOCK_M, ny as f64 * BLOCK_M);
        let default_block = Block {
            ground: Ground::Land,
            zone: Zone::Residential,
            count: 0,
            min: 0,
            max: 0,
        };
        let mut layout = Layout {
            seed: cfg.seed,
            profile: cfg.profile,
            nx,
            ny,
            blocks: vec![default_block; nx * ny],
            city: (w / 2.0, h / 2.0),
            reach: 1.0,
            corridors: Vec::new(),
            port: None,
            proj: Projection {
                lon0: cfg.center_lon,
                lat0: cfg.center_lat,
                x0: w / 2.0,
                y0: h / 2.0,
                m_per_deg_lon: M_PER_DEG_LAT * cfg.center_lat.to_radians().cos(),
            },
        };
        if cfg.profile == Profile::Coastal {
            layout.shape_coast();
        }
        layout.reach = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)]
            .iter()
            .map(|&c| dist(c, layout.city))
            .fold(BLOCK_M, f64::max);
        layout.corridors = layout.plan_corridors();
        layout.assign_zones();
        layout.draw_counts();
        layout
    }

    fn width(&self) -> f64 {
        self.nx as f64 * BLOCK_M
    }

    fn height(&self) -> f64 {
        self.ny as f64 * BLOCK_M
    }

    fn block(&self, i: usize, j: usize) -> &Block {
        &self.blocks[j * self.nx + i]
    }

    fn block_mut(&mut self, i: usize, j: usize) -> &mut Block {
        &mut self.blocks[j * self.nx + i]
    }

    fn is_land(&self, i: usize, j: usize) -> bool {
        self.block(i, j).ground != Ground::Water
    }

    fn first_land_col(&self, j: usize) -> usize {
        (0..self.nx)
            .find(|&i| self.is_land(i, j))
            .unwrap_or(self.nx)
    }

    /// Street-grid vertex `(i, j)`, jittered by a hash so any row can be
    /// rebuilt independently.
    fn vertex(&self, i: usize, j: usize) -> (f64, f64) {
        let h = hash3(salted(self.seed, SALT_VERTEX), i as u64, j as u64);
        let jx = (unit(h) - 0.5) * 2.0 * VERTEX_JITTER_M;
        let jy = (unit(splitmix(h)) - 0.5) * 2.0 * VERTEX_JITTER_M;
        (i as f64 * BLOCK_M + jx, j as f64 * BLOCK_M + jy)
    }

    fn frame(&self, i: usize, j: usize) -> Frame {
        let street = |line: usize| {
            let half = if line.is_multiple_of(ARTERIAL_EVERY) {
                ARTERIAL_HALF_M
            } else {
                LOCAL_STREET_HALF_M
            };
            half / BLOCK_M
        };
        Frame {
            q: [
                self.vertex(i, j),
                self.vertex(i + 1, j),
                self.vertex(i + 1, j + 1),
                self.vertex(i, j + 1),
            ],
            u: (street(i), 1.0 - street(i + 1)),
            v: (street(j), 1.0 - street(j + 1)),
        }
    }

    /// Shoreline x (metres) at height `y`: bays and headlands around 40 % of
    /// the width.
    fn coast_x(&self, y: f64) -> f64 {
        let scale = (0.3 * self.height()).max(3.0 * BLOCK_M);
        let wiggle = fbm(salted(self.seed, SALT_COAST), (0.5 * scale, y), scale);
        self.width() * (0.28 + 0.24 * wiggle)
    }

    fn shape_coast(&mut self) {
        for j in 0..self.ny {
            for i in 0..self.nx {
                let c = self.frame(i, j).center();
                if c.0 < self.coast_x(c.1) {
                    self.block_mut(i, j).ground = Ground::Water;
                }
            }
        }
        let jp = self.ny / 2;
        let shore = self.first_land_col(jp);
        let city_x = ((shore as f64 + 2.5) * BLOCK_M).min(self.width() - 0.5 * BLOCK_M);
        self.city = (city_x, self.height() / 2.0);
        // The port: three block rows built two blocks out into the water.
        for j in jp.saturating_sub(1)..=(jp + 1).min(self.ny - 1) {
            let fl = self.first_land_col(j);
            for i in fl.saturating_sub(2)..=fl.min(self.nx - 1) {
                self.block_mut(i, j).ground = Ground::Port;
            }
        }
        self.port = Some(self.frame(shore.saturating_sub(1), jp).center());
        self.mark_reclaimed();
    }

    /// First one or two land blocks of each row are old fill.
    fn mark_reclaimed(&mut self) {
        let salt = salted(self.seed, SALT_RECLAIM);
        for j in 0..self.ny {
            let fl = self.first_land_col(j);
            for i in fl..(fl + 2).min(self.nx) {
                let second_ok = unit(hash3(salt, i as u64, j as u64)) < 0.45;
                let block = self.block_mut(i, j);
                if block.ground == Ground::Land && (i == fl || second_ok) {
                    block.ground = Ground::Reclaimed;
                }
            }
        }
    }

    /// Long-haul corridors (highway / rail rights of way) on grid lines.
    fn plan_corridors(&self) -> Vec<Line> {
        let mut lines = Vec::new();
        let (row_at, col_at) = match self.profile {
            Profile::Suburban => (0.42, 0.62),
            Profile::Coastal => (0.85, 0.72),
        };
        if self.profile == Profile::Coastal {
            lines.push(Line::Row(self.ny / 2 + 1));
        }
        let rows = 1 + self.ny / 64;
        for k in 0..rows {
            let j = ((k as f64 + row_at) / rows as f64 * self.ny as f64).round() as usize;
            if !lines.contains(&Line::Row(j)) {
                lines.push(Line::Row(j.min(self.ny)));
            }
        }
        let cols = 1 + self.nx / 64;
        for k in 0..cols {
            let i = ((k as f64 + col_at) / cols as f64 * self.nx as f64).round() as usize;
            lines.push(Line::Col(i.min(self.nx)));
        }
        if self.profile == Profile::Suburban && self.nx >= 6 {
            lines.push(Line::Diagonal);
        }
        lines
    }

    fn corridor_distance(&self, p: (f64, f64)) -> f64 {
        let (w, h) = (self.width(), self.height());
        self.corridors
            .iter()
            .map(|line| match *line {
                Line::Row(j) => (p.1 - j as f64 * BLOCK_M).abs(),
                Line::Col(i) => (p.0 - i as f64 * BLOCK_M).abs(),
                Line::Diagonal => (h * p.0 - w * p.1).abs() / w.hypot(h),
            })
            .fold(f64::INFINITY, f64::min)
    }

    /// Distance to the inland region boundary.
    fn edge_distance(&self, p: (f64, f64)) -> f64 {
        let (w, h) = (self.width(), self.height());
        let inland = p.1.min(h - p.1).min(w - p.0);
        match self.profile {
            Profile::Suburban => inland.min(p.0),
            Profile::Coastal => inland,
        }
    }

    /// 1 downtown, falling off smoothly; drives prices and density.
    fn centrality(&self, p: (f64, f64)) -> f64 {
        (-dist(p, self.city) / (0.3 * self.reach).max(4_000.0)).exp()
    }

    fn zone_score(&self, zone: Zone, i: usize, j: usize, p: (f64, f64)) -> f64 {
        let d_city = dist(p, self.city);
        match zone {
            Zone::Commercial => {
                let on_v =
                    i.is_multiple_of(ARTERIAL_EVERY) || (i + 1).is_multiple_of(ARTERIAL_EVERY);
                let on_h =
                    j.is_multiple_of(ARTERIAL_EVERY) || (j + 1).is_multiple_of(ARTERIAL_EVERY);
                let arterial = match (on_v, on_h) {
                    (true, true) => 1.0,
                    (false, false) => 0.0,
                    _ => 0.4,
                };
                0.45 * (-d_city / (0.15 * self.reach + 1_500.0)).exp()
                    + 0.3 * arterial
                    + 0.25 * fbm(salted(self.seed, SALT_COM), p, 2_500.0)
            }
            Zone::Industrial => {
                0.45 * fbm(salted(self.seed, SALT_IND), p, 5_000.0)
                    + 0.35 * (-self.corridor_distance(p) / 2_500.0).exp()
                    + 0.2 * (-self.edge_distance(p) / 3_000.0).exp()
                    - 0.5 * (-d_city / 2_500.0).exp()
            }
            // Farmland on the fringe, but not on the corridors.
            Zone::Agricultural => {
                0.6 * d_city / self.reach + 0.4 * fbm(salted(self.seed, SALT_AG), p, 8_000.0)
                    - 0.3 * (-self.corridor_distance(p) / 2_500.0).exp()
            }
            Zone::OpenSpace | Zone::Residential => fbm(salted(self.seed, SALT_OS), p, 3_000.0),
        }
    }

    /// Districts: each zone takes the land blocks where its score is highest,
    /// as many as its area share asks for. Residential takes the rest.
    fn assign_zones(&mut self) {
        let fractions = zone_area_fractions();
        let n_land = self
            .blocks
            .iter()
            .filter(|b| b.ground != Ground::Water)
            .count();
        // Port and old fill are industrial already; water is never zoned.
        let mut forced_industrial = 0;
        for b in &mut self.blocks {
            if matches!(b.ground, Ground::Port | Ground::Reclaimed) {
                b.zone = Zone::Industrial;
                forced_industrial += 1;
            }
        }
        let mut taken: Vec<bool> = self
            .blocks
            .iter()
            .map(|b| b.ground != Ground::Land)
            .collect();
        let order = [
            Zone::Commercial,
            Zone::Agricultural,
            Zone::Industrial,
            Zone::OpenSpace,
        ];
        for zone in order {
            let mut quota = (fractions[zone as usize] * n_land as f64).round() as usize;
            if zone == Zone::Industrial {
                quota = quota.saturating_sub(forced_industrial);
            }
            self.take_best(zone, quota, &mut taken);
        }
    }

    fn take_best(&mut self, zone: Zone, quota: usize, taken: &mut [bool]) {
        let mut scored: Vec<(f64, u32)> = Vec::new();
        for (k, &t) in taken.iter().enumerate() {
            if !t {
                let (i, j) = (k % self.nx, k / self.nx);
                let p = self.frame(i, j).center();
                scored.push((self.zone_score(zone, i, j, p), k as u32));
            }
        }
        if quota == 0 || scored.is_empty() {
            return;
        }
        // Highest score first; the index breaks ties so the pick is unique.
        let by_rank = |a: &(f64, u32), b: &(f64, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        if quota < scored.len() {
            scored.select_nth_unstable_by(quota - 1, by_rank);
            scored.truncate(quota);
        }
        for &(_, k) in &scored {
            taken[k as usize] = true;
            self.blocks[k as usize].zone = zone;
        }
    }

    /// Lots per block: block area over a lot size drawn for the zone
    /// (residential lots are smaller downtown).
    fn draw_counts(&mut self) {
        let salt = salted(self.seed, SALT_COUNT);
        for k in 0..self.blocks.len() {
            let block = self.blocks[k];
            if block.ground == Ground::Water {
                continue;
            }
            let frame = self.frame(k % self.nx, k / self.nx);
            let acres = frame.acres();
            let u = unit(hash3(salt, k as u64, 0));
            let spec = block.zone.spec();
            let t = if block.zone == Zone::Residential {
                let far = 1.0 - self.centrality(frame.center());
                (0.55 * u + 0.45 * far).clamp(0.0, 1.0)
            } else {
                u
            };
            let (a, b) = spec.draw_acres;
            let size = (a.ln() + t * (b / a).ln()).exp();
            let cap = f64::from(u16::MAX);
            let lo = (acres / spec.hard_acres.1).ceil().clamp(1.0, cap);
            let hi = (acres / spec.hard_acres.0).floor().clamp(lo, cap);
            let b = &mut self.blocks[k];
            b.count = (acres / size).round().clamp(lo, hi) as u16;
            (b.min, b.max) = (lo as u16, hi as u16);
        }
    }

    fn total_count(&self) -> u64 {
        self.blocks.iter().map(|b| u64::from(b.count)).sum()
    }

    /// Sums of (min, max) lots over the blocks passing `pick`.
    fn count_bounds(&self, pick: impl Fn(&Block) -> bool) -> (u64, u64) {
        self.blocks
            .iter()
            .filter(|b| b.ground != Ground::Water && pick(b))
            .fold((0, 0), |(lo, hi), b| {
                (lo + u64::from(b.min), hi + u64::from(b.max))
            })
    }

    /// Moves lot counts to exactly `target`, each zone to its share of it,
    /// every block staying within its size bounds.
    fn fit_counts(&mut self, target: u64) {
        match self.zone_targets(target) {
            Some(targets) => {
                for zone in Zone::ALL {
                    self.retarget_zone(zone, targets[zone as usize]);
                }
            }
            // Tiny regions: even the biggest lots give too many; leave some
            // blocks vacant.
            None => self.rescale_all(target),
        }
    }

    /// Per-zone lot targets: shares of `target`, clamped to what each zone's
    /// blocks can hold, remainder handed to zones with room.
    fn zone_targets(&self, target: u64) -> Option<[u64; 5]> {
        let bounds = Zone::ALL.map(|z| self.count_bounds(|b| b.zone == z));
        let mut cum = 0.0;
        let mut prev = 0u64;
        let mut out = [0u64; 5];
        for zone in Zone::ALL {
            cum += zone.spec().count_share;
            let now = (cum * target as f64).round() as u64;
            let (lo, hi) = bounds[zone as usize];
            out[zone as usize] = now.saturating_sub(prev).clamp(lo, hi);
            prev = now;
        }
        let mut sum: u64 = out.iter().sum();
        for zone in Zone::ALL {
            let (lo, hi) = bounds[zone as usize];
            let t = &mut out[zone as usize];
            if sum < target {
                let add = (target - sum).min(hi - *t);
                *t += add;
                sum += add;
            } else {
                let cut = (sum - target).min(*t - lo);
                *t -= cut;
                sum -= cut;
            }
        }
        (sum == target).then_some(out)
    }

    /// Spreads the change over the zone's blocks in proportion to each
    /// block's slack (cumulative rounding keeps the sum exact).
    fn retarget_zone(&mut self, zone: Zone, target: u64) {
        let in_zone = |b: &Block| b.ground != Ground::Water && b.zone == zone;
        let current: u64 = self
            .blocks
            .iter()
            .filter(|b| in_zone(b))
            .map(|b| u64::from(b.count))
            .sum();
        let shrink = target < current;
        let slack = |b: &Block| {
            u64::from(if shrink {
                b.count - b.min
            } else {
                b.max - b.count
            })
        };
        let total_slack: u64 = self.blocks.iter().filter(|b| in_zone(b)).map(slack).sum();
        let delta = current.abs_diff(target);
        if delta == 0 || total_slack == 0 {
            return;
        }
        let (mut cum, mut prev) = (0u64, 0u64);
        for b in self.blocks.iter_mut().filter(|b| in_zone(b)) {
            cum += slack(b);
            let now = cum * delta / total_slack;
            let step = (now - prev) as u16;
            prev = now;
            if shrink {
                b.count -= step;
            } else {
                b.count += step;
            }
        }
    }

    /// Proportional rescale of all blocks to `target` lots (some may become
    /// vacant).
    fn rescale_all(&mut self, target: u64) {
        let old_total = self.total_count();
        if old_total == 0 {
            return;
        }
        let (mut cum_old, mut prev_new) = (0u64, 0u64);
        for b in &mut self.blocks {
            cum_old += u64::from(b.count);
            let cum_new = cum_old * target / old_total;
            b.count = (cum_new - prev_new) as u16;
            prev_new = cum_new;
        }
    }

    fn check_bounds(&self) -> Result<(), SynthError> {
        let margin = 2.0 * BLOCK_M;
        let (w, h) = (self.width(), self.height());
        let (west, east) = (self.proj.lon(-margin), self.proj.lon(w + margin));
        if west < -180.0 || east > 180.0 {
            return Err(invalid(
                "center_lon",
                format!(
                    "a {:.0} km wide region around it would cross the antimeridian",
                    w / 1000.0
                ),
            ));
        }
        let (south, north) = (self.proj.lat(-margin), self.proj.lat(h + margin));
        if south < -MAX_ABS_LAT || north > MAX_ABS_LAT {
            return Err(invalid(
                "center_lat",
                format!(
                    "a {:.0} km tall region around it would reach past ±{MAX_ABS_LAT}°",
                    h / 1000.0
                ),
            ));
        }
        Ok(())
    }

    /// Extent (min, max) of all land blocks, with a small margin.
    fn land_extent(&self) -> ((f64, f64), (f64, f64)) {
        let (mut lo, mut hi) = ((f64::MAX, f64::MAX), (f64::MIN, f64::MIN));
        for k in 0..self.blocks.len() {
            if self.blocks[k].ground == Ground::Water {
                continue;
            }
            for p in self.frame(k % self.nx, k / self.nx).q {
                lo = (lo.0.min(p.0), lo.1.min(p.1));
                hi = (hi.0.max(p.0), hi.1.max(p.1));
            }
        }
        let m = 25.0;
        ((lo.0 - m, lo.1 - m), (hi.0 + m, hi.1 + m))
    }
}

fn initial_side(cfg: &SynthConfig) -> usize {
    let usable = BLOCK_M - LOCAL_STREET_HALF_M - ARTERIAL_HALF_M;
    let per_block = usable * usable / SQM_PER_ACRE * mean_lots_per_acre();
    let land_blocks = cfg.parcels as f64 / per_block;
    match cfg.profile {
        Profile::Suburban => (land_blocks.sqrt().round() as usize).max(1),
        Profile::Coastal => ((land_blocks / 0.6).sqrt().round() as usize).max(4),
    }
}

// ---------------------------------------------------------------------------
// Parcels
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
struct Parcel {
    ring: [(f64, f64); 4],
    centroid: (f64, f64),
    area_m2: f64,
}

/// Per-block stream: any block can be rebuilt without the ones before it.
fn block_rng(seed: u64, idx: usize) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(hash3(salted(seed, SALT_PARCELS), idx as u64, 0))
}

/// Cut points 0 = c0 < c1 < ... < cn = 1, each nudged by up to jitter/2 of a
/// share, so neighbours never cross.
fn cuts(rng: &mut ChaCha8Rng, n: usize, jitter: f64, out: &mut Vec<f64>) {
    out.clear();
    out.push(0.0);
    for m in 1..n {
        let nudge = (rng.random::<f64>() - 0.5) * jitter / n as f64;
        out.push(m as f64 / n as f64 + nudge);
    }
    out.push(1.0);
}

impl Layout {
    /// Lots of block `idx` as strips of side-by-side lots (about twice as
    /// deep as wide). Returns the block's RNG, positioned after the geometry
    /// draws, for the attribute draws.
    fn block_parcels(&self, idx: usize, out: &mut Vec<Parcel>) -> ChaCha8Rng {
        let mut rng = block_rng(self.seed, idx);
        out.clear();
        let block = self.blocks[idx];
        let n = usize::from(block.count);
        if n == 0 {
            return rng;
        }
        let frame = self.frame(idx % self.nx, idx / self.nx);
        let jitter = block.zone.spec().split_jitter;
        let strips = ((n as f64 / 2.0).sqrt().round() as usize).clamp(1, n);
        let swap = rng.random_bool(0.5);
        let (mut across, mut along) = (Vec::new(), Vec::new());
        cuts(&mut rng, strips, jitter, &mut across);
        let gap = LOT_GAP_M / BLOCK_M;
        for s in 0..strips {
            let lots = n / strips + usize::from(s < n % strips);
            cuts(&mut rng, lots, jitter, &mut along);
            let b = (across[s] + gap, across[s + 1] - gap);
            for a in along.windows(2) {
                let a = (a[0] + gap, a[1] - gap);
                let ring = if swap {
                    frame.rect(b, a)
                } else {
                    frame.rect(a, b)
                };
                let (area_m2, centroid) = ring_area_centroid(&ring);
                out.push(Parcel {
                    ring,
                    centroid,
                    area_m2,
                });
            }
        }
        rng
    }

    fn land_price(&self, zone: Zone, p: (f64, f64), rng: &mut ChaCha8Rng) -> u64 {
        let (lo, hi) = zone.spec().usd_per_acre;
        // Urban land prices follow distance to downtown; farm and open land
        // mostly follow soil and access (the noise field).
        let urban = match zone {
            Zone::Agricultural | Zone::OpenSpace => 0.3,
            _ => 0.65,
        };
        let noise =
            ((fbm(salted(self.seed, SALT_VALUE), p, 6_000.0) - 0.5) * 1.8 + 0.5).clamp(0.0, 1.0);
        let mut t = urban * self.centrality(p) + (0.9 - urban) * noise + 0.10 * rng.random::<f64>();
        if let (Profile::Coastal, Zone::Residential) = (self.profile, zone) {
            // Waterfront premium.
            t += 0.15 * (-(p.0 - self.coast_x(p.1)).max(0.0) / 1_500.0).exp();
        }
        let usd = lo * (hi / lo).powf(t.clamp(0.0, 1.0));
        (usd / 100.0).round() as u64 * 100
    }

    /// 0-5 smooth field. Suburban: drier to the south-east; coastal: wetter
    /// near the shore.
    fn water_stress(&self, p: (f64, f64)) -> f64 {
        let noise = fbm(salted(self.seed, SALT_WATER), p, 20_000.0);
        let (w, h) = (self.width(), self.height());
        let trend = match self.profile {
            Profile::Suburban => 0.6 * p.0 / w + 0.4 * (1.0 - p.1 / h),
            Profile::Coastal => ((p.0 - self.coast_x(p.1)) / (0.6 * w)).clamp(0.0, 1.0),
        };
        let base = 0.5 * noise + 0.5 * trend;
        5.0 * ((base - 0.5) * 1.6 + 0.5).clamp(0.0, 1.0)
    }

    fn brownfield(&self, block: Block, p: (f64, f64), rng: &mut ChaCha8Rng) -> bool {
        let draw = rng.random::<f64>();
        if block.zone != Zone::Industrial {
            return false;
        }
        let share = match block.ground {
            Ground::Port => 1.0,
            Ground::Reclaimed => 0.65,
            // Older industry sits closer to downtown.
            _ => 0.12 + 0.35 * self.centrality(p),
        };
        draw < share
    }
}

fn write_parcels(
    layout: &Layout,
    w: &mut GeoWriter,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<(), SynthError> {
    let total = layout.total_count() as usize;
    progress("parcels", 0, total);
    let mut parcels = Vec::with_capacity(256);
    let mut done = 0;
    for (idx, &block) in layout.blocks.iter().enumerate() {
        if block.count == 0 {
            continue;
        }
        let mut rng = layout.block_parcels(idx, &mut parcels);
        for p in &parcels {
            let usd = layout.land_price(block.zone, p.centroid, &mut rng);
            let brownfield = layout.brownfield(block, p.centroid, &mut rng);
            let buf = w.begin();
            open_feature(buf, "Polygon");
            push_polygon(buf, &layout.proj, &p.ring);
            let mut props = Props::open(buf);
            props.id("id", b'P', done + 1, 6);
            props.str("zoning", block.zone.spec().name);
            props.uint("land_usd_per_acre", usd);
            props.bool("brownfield", brownfield);
            props.num("water_stress", layout.water_stress(p.centroid), 2);
            props.close();
            w.commit()?;
            done += 1;
            if done % PROGRESS_EVERY == 0 {
                progress("parcels", done, total);
            }
        }
    }
    if done % PROGRESS_EVERY != 0 {
        progress("parcels", done, total);
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Substations
// ---------------------------------------------------------------------------

struct VoltageClass {
    kv: u64,
    headroom_mw: (f64, f64),
    upgrade_mw: (f64, f64),
}

const VOLTAGE_CLASSES: [VoltageClass; 4] = [
    VoltageClass {
        kv: 69,
        headroom_mw: (10.0, 40.0),
        upgrade_mw: (20.0, 60.0),
    },
    VoltageClass {
        kv: 115,
        headroom_mw: (40.0, 150.0),
        upgrade_mw: (50.0, 200.0),
    },
    VoltageClass {
        kv: 230,
        headroom_mw: (150.0, 400.0),
        upgrade_mw: (150.0, 500.0),
    },
    VoltageClass {
        kv: 500,
        headroom_mw: (400.0, 1_000.0),
        upgrade_mw: (500.0, 1_500.0),
    },
];

impl Layout {
    /// Substation `k`: Halton point (well spread) squeezed towards downtown,
    /// kept on land.
    fn substation_site(&self, k: usize, shift: (f64, f64)) -> (f64, f64) {
        if k == 0
            && let Some(port) = self.port
        {
            return (port.0 + BLOCK_M, port.1);
        }
        let u = (halton(k as u64 + 1, 2) + shift.0).fract();
        let v = (halton(k as u64 + 1, 3) + shift.1).fract();
        let (w, h) = (self.width(), self.height());
        let y = warp_towards(v, self.city.1 / h, 1.6) * h;
        let row = ((y / BLOCK_M) as usize).min(self.ny - 1);
        let x_start = match self.profile {
            Profile::Suburban => 0.0,
            Profile::Coastal => (self.first_land_col(row) as f64 + 0.25) * BLOCK_M,
        }
        .min(w - BLOCK_M / 2.0);
        let span = w - x_start;
        let x = x_start + warp_towards(u, (self.city.0 - x_start) / span, 1.6) * span;
        (x, y)
    }

    /// Bigger transmission classes sit on the corridors.
    fn voltage_class(&self, p: (f64, f64), rng: &mut ChaCha8Rng) -> &'static VoltageClass {
        let near = (-self.corridor_distance(p) / 3_000.0).exp();
        let r = rng.random::<f64>();
        let class = if r < 0.03 + 0.12 * near {
            3
        } else if r < 0.15 + 0.30 * near {
            2
        } else if r < 0.55 + 0.15 * near {
            1
        } else {
            0
        };
        &VOLTAGE_CLASSES[class]
    }
}

fn write_substations(
    layout: &Layout,
    count: usize,
    w: &mut GeoWriter,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<(), SynthError> {
    progress("substations", 0, count);
    let mut rng = ChaCha8Rng::seed_from_u64(salted(layout.seed, SALT_SUBSTATIONS));
    let shift = (rng.random::<f64>(), rng.random::<f64>());
    for k in 0..count {
        let p = layout.substation_site(k, shift);
        let mut class = layout.voltage_class(p, &mut rng);
        if k == 0 && layout.port.is_some() {
            class = &VOLTAGE_CLASSES[2];
        }
        let headroom = rng.random_range(class.headroom_mw.0..class.headroom_mw.1);
        let growth = headroom * rng.random_range(0.05..0.25);
        let flexible = headroom * rng.random_range(0.10..0.35);
        let has_flexible = rng.random_bool(0.2);
        let upgrade_mw = rng
            .random_range(class.upgrade_mw.0..class.upgrade_mw.1)
            .round();
        let usd_per_mw = rng.random_range(0.5e6..1.5e6);
        let has_upgrade = rng.random_bool(0.35);

        let buf = w.begin();
        open_feature(buf, "Point");
        push_position(buf, &layout.proj, p);
        let mut props = Props::open(buf);
        props.id("id", b'S', k + 1, 4);
        props.str_num("name", "Sub ", k + 1);
        props.uint("voltage_kv", class.kv);
        props.num("headroom_mw", headroom, 1);
        props.num("community_growth_mw", growth, 1);
        if has_flexible {
            props.num("flexible_mw", flexible, 1);
        }
        if has_upgrade {
            props.num("upgrade_mw", upgrade_mw, 0);
            props.uint(
                "upgrade_usd",
                (upgrade_mw * usd_per_mw / 10_000.0).round() as u64 * 10_000,
            );
        }
        props.close();
        w.commit()?;
    }
    progress("substations", count, count);
    Ok(())
}

// ---------------------------------------------------------------------------
// Fiber
// ---------------------------------------------------------------------------

struct Route {
    kind: &'static str,
    pts: Vec<(f64, f64)>,
}

impl Layout {
    /// Long-haul routes on the corridors first, then metro routes on the
    /// arterial grid, nearest to downtown first (they survive when few
    /// segments are asked for).
    fn fiber_routes(&self) -> Vec<Route> {
        let mut routes = Vec::new();
        for &line in &self.corridors {
            self.line_routes(line, "long_haul", &mut routes);
        }
        let mut metro: Vec<(f64, usize, Line)> = Vec::new();
        for j in (0..=self.ny).step_by(ARTERIAL_EVERY) {
            let d = (j as f64 * BLOCK_M - self.city.1).abs();
            metro.push((d, 0, Line::Row(j)));
        }
        for i in (0..=self.nx).step_by(ARTERIAL_EVERY) {
            let d = (i as f64 * BLOCK_M - self.city.0).abs();
            metro.push((d, 1, Line::Col(i)));
        }
        metro.retain(|m| !self.corridors.contains(&m.2));
        metro.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (_, _, line) in metro {
            self.line_routes(line, "metro", &mut routes);
        }
        routes
    }

    /// Splits a grid line into runs that border land.
    fn line_routes(&self, line: Line, kind: &'static str, routes: &mut Vec<Route>) {
        let mut run: Vec<(usize, usize)> = Vec::new();
        let mut flush = |run: &mut Vec<(usize, usize)>| {
            if run.len() >= 2 {
                let pts = run.iter().map(|&(i, j)| self.vertex(i, j)).collect();
                routes.push(Route { kind, pts });
            }
            run.clear();
        };
        match line {
            Line::Row(j) => {
                for i in 0..self.nx {
                    let land =
                        (j > 0 && self.is_land(i, j - 1)) || (j < self.ny && self.is_land(i, j));
                    if land {
                        if run.is_empty() {
                            run.push((i, j));
                        }
                        run.push((i + 1, j));
                    } else {
                        flush(&mut run);
                    }
                }
            }
            Line::Col(i) => {
                for j in 0..self.ny {
                    let land =
                        (i > 0 && self.is_land(i - 1, j)) || (i < self.nx && self.is_land(i, j));
                    if land {
                        if run.is_empty() {
                            run.push((i, j));
                        }
                        run.push((i, j + 1));
                    } else {
                        flush(&mut run);
                    }
                }
            }
            Line::Diagonal => run = self.staircase(),
        }
        flush(&mut run);
    }

    fn staircase(&self) -> Vec<(usize, usize)> {
        let (mut i, mut j) = (0, 0);
        let mut pts = vec![(0, 0)];
        while i < self.nx || j < self.ny {
            let step_east = j == self.ny || (i < self.nx && (i + 1) * self.ny <= (j + 1) * self.nx);
            if step_east {
                i += 1;
            } else {
                j += 1;
            }
            pts.push((i, j));
        }
        pts
    }
}

/// Pieces per route: one each, the rest in proportion to route length.
fn allocate_pieces(routes: &[Route], total: usize) -> Vec<usize> {
    if total <= routes.len() {
        return (0..routes.len()).map(|r| usize::from(r < total)).collect();
    }
    let extra = (total - routes.len()) as u64;
    let edges: u64 = routes.iter().map(|r| r.pts.len() as u64 - 1).sum();
    let (mut cum, mut prev) = (0u64, 0u64);
    routes
        .iter()
        .map(|r| {
            cum += r.pts.len() as u64 - 1;
            let now = cum * extra / edges;
            let n = 1 + (now - prev) as usize;
            prev = now;
            n
        })
        .collect()
}

/// Point `t` of a route whose every edge is cut into `sub` equal steps.
fn route_point(pts: &[(f64, f64)], sub: usize, t: usize) -> (f64, f64) {
    let (e, f) = (t / sub, t % sub);
    if e + 1 >= pts.len() {
        return pts[pts.len() - 1];
    }
    let s = f as f64 / sub as f64;
    (
        lerp(pts[e].0, pts[e + 1].0, s),
        lerp(pts[e].1, pts[e + 1].1, s),
    )
}

fn write_fiber(
    layout: &Layout,
    count: usize,
    w: &mut GeoWriter,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<(), SynthError> {
    progress("fiber", 0, count);
    let routes = layout.fiber_routes();
    let pieces = allocate_pieces(&routes, count);
    let mut id = 0;
    for (route, &k) in routes.iter().zip(&pieces) {
        if k == 0 {
            continue;
        }
        let edges = route.pts.len() - 1;
        // Densify when more pieces than street edges are asked for.
        let sub = k.div_ceil(edges);
        let steps = edges * sub;
        for m in 0..k {
            let (t0, t1) = (m * steps / k, (m + 1) * steps / k);
            id += 1;
            let buf = w.begin();
            open_feature(buf, "LineString");
            buf.push(b'[');
            for t in t0..=t1 {
                if t > t0 {
                    buf.push(b',');
                }
                push_position(buf, &layout.proj, route_point(&route.pts, sub, t));
            }
            buf.push(b']');
            let mut props = Props::open(buf);
            props.id("id", b'F', id, 5);
            props.str("kind", route.kind);
            props.close();
            w.commit()?;
        }
    }
    progress("fiber", count, count);
    Ok(())
}

// ---------------------------------------------------------------------------
// Receptors
// ---------------------------------------------------------------------------

struct ReceptorPlan {
    residential: usize,
    schools: usize,
    hospitals: usize,
    protected: usize,
}

impl ReceptorPlan {
    fn new(cfg: &SynthConfig) -> Self {
        let total = cfg.receptor_count();
        let hospitals = (cfg.parcels / 10_000).max(1).min(total);
        let schools = (cfg.parcels / 2_000).max(2).min(total - hospitals);
        let protected = (cfg.parcels / 20_000)
            .max(3)
            .min(total - hospitals - schools);
        Self {
            residential: total - hospitals - schools - protected,
            schools,
            hospitals,
            protected,
        }
    }

    fn total(&self) -> usize {
        self.residential + self.schools + self.hospitals + self.protected
    }
}

fn residential_block(b: &Block) -> bool {
    b.zone == Zone::Residential
}

fn civic_block(b: &Block) -> bool {
    matches!(b.zone, Zone::Residential | Zone::Commercial)
}

fn open_space_block(b: &Block) -> bool {
    b.zone == Zone::OpenSpace
}

fn any_block(_: &Block) -> bool {
    true
}

/// Caches the lots of the last block asked for.
struct BlockCache {
    idx: usize,
    parcels: Vec<Parcel>,
}

impl BlockCache {
    fn parcel(&mut self, layout: &Layout, idx: usize, local: usize) -> Parcel {
        if self.idx != idx || self.parcels.is_empty() {
            layout.block_parcels(idx, &mut self.parcels);
            self.idx = idx;
        }
        self.parcels[local]
    }
}

impl Layout {
    /// Systematic sample of `k` lots among blocks passing `eligible`
    /// (weighted by lot count, spread evenly), visited in block order.
    /// Falls back to all blocks when none is eligible.
    fn for_each_pick(
        &self,
        eligible: fn(&Block) -> bool,
        k: usize,
        start: f64,
        visit: &mut dyn FnMut(usize, usize) -> Result<(), SynthError>,
    ) -> Result<(), SynthError> {
        let lots = |f: fn(&Block) -> bool| -> u64 {
            self.blocks
                .iter()
                .filter(|b| f(b))
                .map(|b| u64::from(b.count))
                .sum()
        };
        let eligible = if lots(eligible) == 0 {
            any_block
        } else {
            eligible
        };
        let total = lots(eligible);
        if total == 0 || k == 0 {
            return Ok(());
        }
        let step = total as f64 / k.max(1) as f64;
        let (mut m, mut cum) = (0, 0u64);
        for (idx, b) in self.blocks.iter().enumerate() {
            if b.count == 0 || !eligible(b) {
                continue;
            }
            let end = cum + u64::from(b.count);
            while m < k {
                let pos = (((m as f64 + start) * step) as u64).min(total - 1);
                if pos >= end {
                    break;
                }
                visit(idx, (pos - cum) as usize)?;
                m += 1;
            }
            cum = end;
        }
        Ok(())
    }
}

const PLACE_NAMES: [&str; 16] = [
    "Lincoln",
    "Roosevelt",
    "Jefferson",
    "Franklin",
    "Sequoia",
    "Madison",
    "Kennedy",
    "Redwood",
    "Mission",
    "Valley",
    "Hamilton",
    "Sierra",
    "Oak Ridge",
    "Riverview",
    "Cesar Chavez",
    "Parkside",
];
const SCHOOL_KINDS: [&str; 3] = ["Elementary School", "Middle School", "High School"];
const HOSPITAL_KINDS: [&str; 3] = ["Medical Center", "Community Hospital", "General Hospital"];
const NATURE_NAMES: [&str; 8] = [
    "Willow Creek",
    "Heron Marsh",
    "Blue Oak",
    "Cottonwood",
    "Vernal Pools",
    "Laguna",
    "Deer Creek",
    "Tule Slough",
];
const NATURE_KINDS: [&str; 4] = ["Wetland", "Preserve", "Nature Area", "Regional Park"];

/// Unique readable name number `k` from `names` x `kinds` (then numbered).
fn unique_name(k: usize, names: &[&str], kinds: &[&str]) -> String {
    let combos = names.len() * kinds.len();
    let base = format!(
        "{} {}",
        names[k % names.len()],
        kinds[(k / names.len()) % kinds.len()]
    );
    if k < combos {
        base
    } else {
        format!("{base} {}", k / combos + 1)
    }
}

struct ReceptorWriter<'a> {
    layout: &'a Layout,
    w: &'a mut GeoWriter,
    rng: ChaCha8Rng,
    cache: BlockCache,
    next_id: usize,
}

impl ReceptorWriter<'_> {
    fn point(&mut self, kind: &str, name: Option<&str>, p: (f64, f64)) -> Result<(), SynthError> {
        self.next_id += 1;
        let buf = self.w.begin();
        open_feature(buf, "Point");
        push_position(buf, &self.layout.proj, p);
        self.finish_props(kind, name)
    }

    fn polygon(&mut self, kind: &str, name: &str, ring: &[(f64, f64)]) -> Result<(), SynthError> {
        self.next_id += 1;
        let buf = self.w.begin();
        open_feature(buf, "Polygon");
        push_polygon(buf, &self.layout.proj, ring);
        self.finish_props(kind, Some(name))
    }

    fn finish_props(&mut self, kind: &str, name: Option<&str>) -> Result<(), SynthError> {
        let mut props = Props::open(&mut self.w.buf);
        props.id("id", b'R', self.next_id, 6);
        props.str("kind", kind);
        if let Some(name) = name {
            props.str("name", name);
        }
        props.close();
        self.w.commit()
    }

    /// Irregular star-shaped patch (wetland / park), counter-clockwise.
    fn blob(&mut self, center: (f64, f64), radius: f64) -> Vec<(f64, f64)> {
        let n = 10;
        (0..n)
            .map(|k| {
                let angle = (k as f64 + self.rng.random_range(-0.2..0.2)) * TAU / n as f64;
                let r = radius * self.rng.random_range(0.7..1.0);
                (center.0 + r * angle.cos(), center.1 + r * angle.sin())
            })
            .collect()
    }
}

fn write_receptors(
    layout: &Layout,
    plan: &ReceptorPlan,
    w: &mut GeoWriter,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<(), SynthError> {
    progress("receptors", 0, plan.total());
    let mut rw = ReceptorWriter {
        layout,
        w,
        rng: ChaCha8Rng::seed_from_u64(salted(layout.seed, SALT_RECEPTORS)),
        cache: BlockCache {
            idx: usize::MAX,
            parcels: Vec::new(),
        },
        next_id: 0,
    };
    // Homes: a house somewhere on a residential lot.
    let start = rw.rng.random::<f64>();
    layout.for_each_pick(
        residential_block,
        plan.residential,
        start,
        &mut |idx, local| {
            let c = rw.cache.parcel(layout, idx, local).centroid;
            let p = (
                c.0 + rw.rng.random_range(-6.0..6.0),
                c.1 + rw.rng.random_range(-6.0..6.0),
            );
            rw.point("residential", None, p)
        },
    )?;
    let mut k = 0;
    let start = rw.rng.random::<f64>();
    layout.for_each_pick(civic_block, plan.schools, start, &mut |idx, local| {
        let c = rw.cache.parcel(layout, idx, local).centroid;
        k += 1;
        rw.point(
            "school",
            Some(&unique_name(k - 1, &PLACE_NAMES, &SCHOOL_KINDS)),
            c,
        )
    })?;
    let mut k = 0;
    let start = rw.rng.random::<f64>();
    layout.for_each_pick(civic_block, plan.hospitals, start, &mut |idx, local| {
        let c = rw.cache.parcel(layout, idx, local).centroid;
        k += 1;
        rw.point(
            "hospital",
            Some(&unique_name(k - 1, &PLACE_NAMES, &HOSPITAL_KINDS)),
            c,
        )
    })?;
    let mut k = 0;
    let start = rw.rng.random::<f64>();
    layout.for_each_pick(
        open_space_block,
        plan.protected,
        start,
        &mut |idx, local| {
            let lot = rw.cache.parcel(layout, idx, local);
            let radius = (0.45 * lot.area_m2.sqrt()).clamp(40.0, 300.0);
            let ring = rw.blob(lot.centroid, radius);
            k += 1;
            rw.polygon(
                "protected",
                &unique_name(k - 1, &NATURE_NAMES, &NATURE_KINDS),
                &ring,
            )
        },
    )?;
    progress("receptors", plan.total(), plan.total());
    Ok(())
}

// ---------------------------------------------------------------------------
// Communities
// ---------------------------------------------------------------------------

/// Rectangles tiling the land extent, row by row from the south-west.
struct CommunityGrid {
    lo: (f64, f64),
    hi: (f64, f64),
    ncx: usize,
    ncy: usize,
}

impl CommunityGrid {
    fn new(layout: &Layout, parcels: usize) -> Self {
        let (lo, hi) = layout.land_extent();
        let target = (parcels / 400).max(4);
        let aspect = (hi.0 - lo.0) / (hi.1 - lo.1);
        let ncx = ((target as f64 * aspect).sqrt().round() as usize).clamp(1, target);
        let ncy = target.div_ceil(ncx);
        Self { lo, hi, ncx, ncy }
    }

    fn len(&self) -> usize {
        self.ncx * self.ncy
    }

    fn x_edge(&self, c: usize) -> f64 {
        lerp(self.lo.0, self.hi.0, c as f64 / self.ncx as f64)
    }

    fn y_edge(&self, r: usize) -> f64 {
        lerp(self.lo.1, self.hi.1, r as f64 / self.ncy as f64)
    }

    fn rect(&self, k: usize) -> [(f64, f64); 4] {
        let (c, r) = (k % self.ncx, k / self.ncx);
        let (x0, x1, y0, y1) = (
            self.x_edge(c),
            self.x_edge(c + 1),
            self.y_edge(r),
            self.y_edge(r + 1),
        );
        [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    }

    fn cell_of(&self, p: (f64, f64)) -> usize {
        let fx = (p.0 - self.lo.0) / (self.hi.0 - self.lo.0);
        let fy = (p.1 - self.lo.1) / (self.hi.1 - self.lo.1);
        let c = ((fx * self.ncx as f64) as usize).min(self.ncx - 1);
        let r = ((fy * self.ncy as f64) as usize).min(self.ncy - 1);
        r * self.ncx + c
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct CommunityTally {
    people: f64,
    land_acres: f64,
    industrial_acres: f64,
}

impl Layout {
    /// People and industrial land per community, from block zoning.
    fn community_tallies(&self, grid: &CommunityGrid) -> Vec<CommunityTally> {
        let mut tallies = vec![CommunityTally::default(); grid.len()];
        for (k, b) in self.blocks.iter().enumerate() {
            if b.ground == Ground::Water {
                continue;
            }
            let frame = self.frame(k % self.nx, k / self.nx);
            let c = frame.center();
            let acres = frame.acres();
            let t = &mut tallies[grid.cell_of(c)];
            t.land_acres += acres;
            let people_per_acre = match b.zone {
                // Dwelling units per acre x 2.6 people, denser downtown.
                Zone::Residential => (2.0 + 9.0 * self.centrality(c)) * 2.6,
                Zone::Commercial => 1.5,
                Zone::Industrial => {
                    t.industrial_acres += acres;
                    0.02
                }
                Zone::Agricultural | Zone::OpenSpace => 0.08,
            };
            let built = if b.count > 0 { 1.0 } else { 0.3 };
            t.people += acres * people_per_acre * built;
        }
        tallies
    }

    /// Environmental burden: industry, the port, corridors, some noise.
    fn burden(&self, center: (f64, f64), tally: &CommunityTally) -> f64 {
        let industrial = if tally.land_acres > 0.0 {
            tally.industrial_acres / tally.land_acres
        } else {
            0.0
        };
        let port = self
            .port
            .map_or(0.0, |p| (-dist(center, p) / 4_000.0).exp());
        let corridor = (-self.corridor_distance(center) / 2_000.0).exp();
        let noise = fbm(salted(self.seed, SALT_BURDEN), center, 6_000.0);
        (6.0 + 55.0 * industrial + 25.0 * port + 8.0 * corridor + 15.0 * noise).clamp(0.0, 100.0)
    }
}

const COMMUNITY_NAMES: [&str; 20] = [
    "Alder",
    "Birch",
    "Cedar",
    "Dry Creek",
    "Elm",
    "Fair Oaks",
    "Granite",
    "Harbor",
    "Iron Point",
    "Juniper",
    "Kensington",
    "Laurel",
    "Mesa",
    "North Gate",
    "Old Town",
    "Pine",
    "Quarry",
    "Riverside",
    "Sunrise",
    "Willow",
];
const COMMUNITY_KINDS: [&str; 12] = [
    "Heights", "Park", "Village", "Flats", "Gardens", "Hills", "Commons", "Terrace", "Crossing",
    "Meadows", "Point", "Vista",
];

fn write_communities(
    layout: &Layout,
    parcels: usize,
    w: &mut GeoWriter,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<(), SynthError> {
    let grid = CommunityGrid::new(layout, parcels);
    progress("communities", 0, grid.len());
    let tallies = layout.community_tallies(&grid);
    // Rotate the name list per seed so maps do not all start with "Alder".
    let offset = (salted(layout.seed, SALT_NAMES) % COMMUNITY_NAMES.len() as u64) as usize;
    for (k, tally) in tallies.iter().enumerate() {
        let rect = grid.rect(k);
        let center = ring_area_centroid(&rect).1;
        let buf = w.begin();
        open_feature(buf, "Polygon");
        push_polygon(buf, &layout.proj, &rect);
        let mut props = Props::open(buf);
        props.id("id", b'C', k + 1, 3);
        props.str(
            "name",
            &unique_name(k + offset, &COMMUNITY_NAMES, &COMMUNITY_KINDS),
        );
        props.uint("population", tally.people.round() as u64);
        props.num("burden_pct", layout.burden(center, tally), 1);
        props.close();
        w.commit()?;
    }
    progress("communities", grid.len(), grid.len());
    Ok(())
}

// ---------------------------------------------------------------------------
// Land over a real area (for `gridsite import`)
// ---------------------------------------------------------------------------

/// Where to generate land for a real region: a square of street blocks (the suburban
/// profile) whose downtown sits at `center_lon`, `center_lat` and which reaches at least
/// `half_extent_m` from it east, west, north and south.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LandConfig {
    /// Same seed and extent give the same lots.
    pub seed: u64,
    /// Longitude of downtown, degrees.
    pub center_lon: f64,
    /// Latitude of downtown, degrees (within ±85).
    pub center_lat: f64,
    /// Half the side of the square region, metres (at least one block).
    pub half_extent_m: f64,
}

/// A generated lot in WGS84: its ring closed and counter-clockwise, coordinates rounded to
/// 7 decimals (what a map file holds, so tests on it hold on the file too).
#[derive(Debug, Clone, PartialEq)]
pub struct LandParcel {
    pub ring: Vec<(f64, f64)>,
    pub zoning: &'static str,
    pub land_usd_per_acre: u64,
    pub brownfield: bool,
    pub water_stress: f64,
}

/// The synthetic city laid over a real area: every lot, receptor and community the
/// generator would write for a region that size, rebuilt on demand (nothing is written).
pub struct Land {
    layout: Layout,
    lots: usize,
}

/// Stream of the sampling order of lots (independent of the other streams).
const SALT_SAMPLE: u64 = 0x14;

impl Land {
    /// Lays out the blocks; the lot count follows from the area (about 10 lots a block).
    pub fn new(config: &LandConfig) -> Result<Self, SynthError> {
        let mut cfg = SynthConfig::new(config.seed, 1, 1);
        cfg.center_lon = config.center_lon;
        cfg.center_lat = config.center_lat;
        validate(&cfg)?;
        if !config.half_extent_m.is_finite() || config.half_extent_m <= 0.0 {
            return Err(invalid(
                "half_extent_m",
                format!("must be a positive distance, got {}", config.half_extent_m),
            ));
        }
        let side = (2.0 * config.half_extent_m / BLOCK_M).ceil().max(1.0);
        if side * side > MAX_FEATURES as f64 / 10.0 {
            return Err(invalid(
                "half_extent_m",
                format!(
                    "a region {:.0} km across is too large",
                    side * BLOCK_M / 1e3
                ),
            ));
        }
        let layout = Layout::plan(&cfg, side as usize);
        layout.check_bounds()?;
        let lots = layout.total_count() as usize;
        Ok(Self { layout, lots })
    }

    /// Lots of the whole square region.
    pub fn lot_count(&self) -> usize {
        self.lots
    }

    /// A seeded random sample of `count` lots among those `keep` accepts (for example, those
    /// inside a boundary): lots are visited in an order drawn from the seed, each rebuilt
    /// with its attributes, until `count` are kept. Gives them in block order (spatially
    /// coherent), fewer when fewer are accepted.
    pub fn sample_parcels(
        &self,
        count: usize,
        keep: &mut dyn FnMut(&LandParcel) -> bool,
    ) -> Vec<LandParcel> {
        let layout = &self.layout;
        let salt = salted(layout.seed, SALT_SAMPLE);
        let mut order: Vec<(u64, u32, u16)> = Vec::with_capacity(self.lots);
        for (idx, block) in layout.blocks.iter().enumerate() {
            for local in 0..block.count {
                let key = hash3(salt, idx as u64, u64::from(local));
                order.push((key, idx as u32, local));
            }
        }
        order.sort_unstable();
        let mut kept = Vec::with_capacity(count.min(order.len()));
        let mut cached: (usize, Vec<LandParcel>) = (usize::MAX, Vec::new());
        for &(_, idx, local) in &order {
            if kept.len() >= count {
                break;
            }
            let idx = idx as usize;
            if cached.0 != idx {
                cached = (idx, self.block_lots(idx));
            }
            if let Some(lot) = cached.1.get(usize::from(local))
                && keep(lot)
            {
                kept.push(((idx, local), lot.clone()));
            }
        }
        kept.sort_unstable_by_key(|(at, _)| *at);
        kept.into_iter().map(|(_, lot)| lot).collect()
    }

    /// The lots of one block with their attributes, drawn as [`generate`] draws them.
    fn block_lots(&self, idx: usize) -> Vec<LandParcel> {
        let layout = &self.layout;
        let block = layout.blocks[idx];
        let mut parcels = Vec::new();
        let mut rng = layout.block_parcels(idx, &mut parcels);
        let round7 = |v: f64| (v * 1e7).round() / 1e7;
        parcels
            .iter()
            .map(|p| {
                let land_usd_per_acre = layout.land_price(block.zone, p.centroid, &mut rng);
                let brownfield = layout.brownfield(block, p.centroid, &mut rng);
                let mut ring: Vec<(f64, f64)> = p
                    .ring
                    .iter()
                    .map(|&(x, y)| (round7(layout.proj.lon(x)), round7(layout.proj.lat(y))))
                    .collect();
                ring.push(ring[0]);
                LandParcel {
                    ring,
                    zoning: block.zone.spec().name,
                    land_usd_per_acre,
                    brownfield,
                    water_stress: (layout.water_stress(p.centroid) * 100.0).round() / 100.0,
                }
            })
            .collect()
    }

    /// The receptors of the whole region (about one per 10 lots: homes, schools, hospitals,
    /// protected areas) as the GeoJSON FeatureCollection [`generate`] writes.
    pub fn receptors_geojson(&self) -> Result<Vec<u8>, SynthError> {
        let mut cfg = SynthConfig::new(self.layout.seed, self.lots.max(1), 1);
        cfg.center_lon = self.layout.proj.lon0;
        cfg.center_lat = self.layout.proj.lat0;
        let plan = ReceptorPlan::new(&cfg);
        write_memory(|w| write_receptors(&self.layout, &plan, w, &mut |_, _, _| {}))
    }

    /// The communities of the whole region (about one per 400 lots, rectangles with
    /// population and burden) as the GeoJSON FeatureCollection [`generate`] writes.
    pub fn communities_geojson(&self) -> Result<Vec<u8>, SynthError> {
        let lots = self.lots.max(1);
        write_memory(|w| write_communities(&self.layout, lots, w, &mut |_, _, _| {}))
    }
}

// ---------------------------------------------------------------------------
// Output: atomic files and hand-formatted GeoJSON
// ---------------------------------------------------------------------------

fn io_error(path: &Path, source: std::io::Error) -> SynthError {
    SynthError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Streams one FeatureCollection, one feature per line.
struct GeoWriter {
    out: Sink,
    path: PathBuf,
    buf: Vec<u8>,
    features: usize,
    bytes: u64,
}

impl GeoWriter {
    fn new(out: Sink, path: PathBuf) -> GeoWriter {
        GeoWriter {
            out,
            path,
            buf: Vec::with_capacity(4096),
            features: 0,
            bytes: 0,
        }
    }

    fn raw(&mut self, bytes: &[u8]) -> Result<(), SynthError> {
        self.out
            .write_all(bytes)
            .map_err(|e| io_error(&self.path, e))?;
        self.bytes += bytes.len() as u64;
        Ok(())
    }

    /// Clears the feature buffer (adding the separator) and hands it out.
    fn begin(&mut self) -> &mut Vec<u8> {
        self.buf.clear();
        if self.features > 0 {
            self.buf.extend_from_slice(b",\n");
        }
        &mut self.buf
    }

    fn commit(&mut self) -> Result<(), SynthError> {
        self.out
            .write_all(&self.buf)
            .map_err(|e| io_error(&self.path, e))?;
        self.bytes += self.buf.len() as u64;
        self.features += 1;
        Ok(())
    }
}

/// Where a [`GeoWriter`] puts its bytes: a file, or memory for [`Land`].
enum Sink {
    File(BufWriter<File>),
    Memory(Vec<u8>),
}

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::File(file) => file.write(bytes),
            Sink::Memory(memory) => memory.write(bytes),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::File(file) => file.flush(),
            Sink::Memory(_) => Ok(()),
        }
    }
}

/// One FeatureCollection written into memory, as [`write_layer`] would write it to a file.
fn write_memory(
    body: impl FnOnce(&mut GeoWriter) -> Result<(), SynthError>,
) -> Result<Vec<u8>, SynthError> {
    let mut w = GeoWriter::new(Sink::Memory(Vec::new()), PathBuf::from("<memory>"));
    w.raw(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
    body(&mut w)?;
    w.raw(b"\n]}\n")?;
    match w.out {
        Sink::Memory(bytes) => Ok(bytes),
        Sink::File(_) => Ok(Vec::new()),
    }
}

/// Writes `<file>.tmp` then renames it to `<file>`; the temp file is removed
/// on failure. Returns (features, bytes).
fn write_layer(
    dir: &Path,
    file: &str,
    body: impl FnOnce(&mut GeoWriter) -> Result<(), SynthError>,
) -> Result<(usize, u64), SynthError> {
    let path = dir.join(file);
    let tmp = dir.join(format!("{file}.tmp"));
    let result = write_tmp(&tmp, body).and_then(|stats| {
        fs::rename(&tmp, &path)
            .map(|()| stats)
            .map_err(|e| io_error(&path, e))
    });
    if result.is_err() {
        // Best effort: the original error is what the caller needs to see.
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn write_tmp(
    tmp: &Path,
    body: impl FnOnce(&mut GeoWriter) -> Result<(), SynthError>,
) -> Result<(usize, u64), SynthError> {
    let file = File::create(tmp).map_err(|e| io_error(tmp, e))?;
    let mut w = GeoWriter::new(
        Sink::File(BufWriter::with_capacity(1 << 20, file)),
        tmp.to_path_buf(),
    );
    w.raw(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
    body(&mut w)?;
    w.raw(b"\n]}\n")?;
    w.out.flush().map_err(|e| io_error(tmp, e))?;
    // Data on disk before the rename, so a crash never leaves a short file
    // under the final name.
    if let Sink::File(file) = &w.out {
        file.get_ref().sync_all().map_err(|e| io_error(tmp, e))?;
    }
    Ok((w.features, w.bytes))
}

fn push_uint(buf: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[i..]);
}

fn push_padded(buf: &mut Vec<u8>, n: u64, width: usize) {
    let mut digits = Vec::with_capacity(20);
    push_uint(&mut digits, n);
    buf.extend(std::iter::repeat_n(
        b'0',
        width.saturating_sub(digits.len()),
    ));
    buf.extend_from_slice(&digits);
}

/// Fixed-point number with at most `decimals` (<= 7) decimals, trailing zeros
/// trimmed; never prints "-0".
fn push_fixed(buf: &mut Vec<u8>, v: f64, decimals: u32) {
    debug_assert!(v.is_finite() && decimals <= 7);
    let scale = 10u64.pow(decimals);
    let scaled = (v * scale as f64).round();
    let magnitude = scaled.abs() as u64;
    if scaled < 0.0 && magnitude != 0 {
        buf.push(b'-');
    }
    push_uint(buf, magnitude / scale);
    let (mut frac, mut width) = (magnitude % scale, decimals as usize);
    if frac == 0 {
        return;
    }
    while frac % 10 == 0 {
        frac /= 10;
        width -= 1;
    }
    buf.push(b'.');
    push_padded(buf, frac, width);
}

/// JSON string; escapes quotes, backslashes and control characters.
fn push_json_str(buf: &mut Vec<u8>, s: &str) {
    buf.push(b'"');
    for c in s.chars() {
        match c {
            '"' => buf.extend_from_slice(b"\\\""),
            '\\' => buf.extend_from_slice(b"\\\\"),
            c if (c as u32) < 0x20 => {
                buf.extend_from_slice(b"\\u00");
                buf.push(b"0123456789abcdef"[(c as usize) >> 4]);
                buf.push(b"0123456789abcdef"[(c as usize) & 15]);
            }
            c => {
                let mut tmp = [0u8; 4];
                buf.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
            }
        }
    }
    buf.push(b'"');
}

fn open_feature(buf: &mut Vec<u8>, geometry: &str) {
    buf.extend_from_slice(b"{\"type\":\"Feature\",\"geometry\":{\"type\":\"");
    buf.extend_from_slice(geometry.as_bytes());
    buf.extend_from_slice(b"\",\"coordinates\":");
}

fn push_position(buf: &mut Vec<u8>, proj: &Projection, p: (f64, f64)) {
    buf.push(b'[');
    push_fixed(buf, proj.lon(p.0), 7);
    buf.push(b',');
    push_fixed(buf, proj.lat(p.1), 7);
    buf.push(b']');
}

/// Single-ring polygon; the ring is given open and written closed.
fn push_polygon(buf: &mut Vec<u8>, proj: &Projection, ring: &[(f64, f64)]) {
    buf.extend_from_slice(b"[[");
    for &p in ring {
        push_position(buf, proj, p);
        buf.push(b',');
    }
    push_position(buf, proj, ring[0]);
    buf.extend_from_slice(b"]]");
}

/// Writes `},"properties":{ ... }}` after a geometry.
struct Props<'a> {
    buf: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Props<'a> {
    fn open(buf: &'a mut Vec<u8>) -> Self {
        buf.extend_from_slice(b"},\"properties\":{");
        Self { buf, first: true }
    }

    fn key(&mut self, key: &str) {
        if !self.first {
            self.buf.push(b',');
        }
        self.first = false;
        push_json_str(self.buf, key);
        self.buf.push(b':');
    }

    fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        push_json_str(self.buf, value);
    }

    /// `"<prefix><n>"` without allocating.
    fn str_num(&mut self, key: &str, prefix: &str, n: usize) {
        self.key(key);
        self.buf.push(b'"');
        self.buf.extend_from_slice(prefix.as_bytes());
        push_uint(self.buf, n as u64);
        self.buf.push(b'"');
    }

    /// Zero-padded id such as `"P000001"`.
    fn id(&mut self, key: &str, letter: u8, n: usize, width: usize) {
        self.key(key);
        self.buf.push(b'"');
        self.buf.push(letter);
        push_padded(self.buf, n as u64, width);
        self.buf.push(b'"');
    }

    fn uint(&mut self, key: &str, value: u64) {
        self.key(key);
        push_uint(self.buf, value);
    }

    fn num(&mut self, key: &str, value: f64, decimals: u32) {
        self.key(key);
        push_fixed(self.buf, value, decimals);
    }

    fn bool(&mut self, key: &str, value: bool) {
        self.key(key);
        self.buf
            .extend_from_slice(if value { b"true" } else { b"false" });
    }

    fn close(self) {
        self.buf.extend_from_slice(b"}}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use std::collections::HashSet;

    const LAYERS: [&str; 5] = [
        "substations",
        "fiber",
        "parcels",
        "receptors",
        "communities",
    ];

    /// Fresh, unique directory under the system temp dir.
    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("gridsite-synth-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn run(cfg: &SynthConfig, name: &str) -> (PathBuf, SynthSummary) {
        let dir = temp_dir(name);
        let summary = generate(cfg, &dir, &mut |_, _, _| {}).expect("generate");
        (dir, summary)
    }

    fn coastal(seed: u64, parcels: usize, substations: usize) -> SynthConfig {
        SynthConfig {
            profile: Profile::Coastal,
            ..SynthConfig::new(seed, parcels, substations)
        }
    }

    fn read(dir: &Path, layer: &str) -> String {
        fs::read_to_string(dir.join(format!("{layer}.geojson"))).expect("read layer")
    }

    fn features(dir: &Path, layer: &str) -> Vec<Value> {
        let doc: Value = serde_json::from_str(&read(dir, layer)).expect("valid JSON");
        assert_eq!(doc["type"], "FeatureCollection", "{layer}");
        let feats = doc["features"].as_array().expect("features array").clone();
        for f in &feats {
            assert_eq!(f["type"], "Feature", "{layer}");
            assert!(f["properties"].is_object(), "{layer}");
        }
        feats
    }

    fn pt(v: &Value) -> (f64, f64) {
        (v[0].as_f64().expect("lon"), v[1].as_f64().expect("lat"))
    }

    /// Exterior ring without its closing point, after checking closure.
    fn open_ring(f: &Value) -> Vec<(f64, f64)> {
        let rings = f["geometry"]["coordinates"].as_array().expect("rings");
        assert_eq!(rings.len(), 1, "one ring");
        let ring: Vec<(f64, f64)> = rings[0].as_array().expect("ring").iter().map(pt).collect();
        assert!(ring.len() >= 4, "ring too short");
        assert_eq!(ring[0], ring[ring.len() - 1], "ring not closed");
        ring[..ring.len() - 1].to_vec()
    }

    fn prop<'a>(f: &'a Value, key: &str) -> &'a Value {
        &f["properties"][key]
    }

    fn bbox(ring: &[(f64, f64)]) -> (f64, f64, f64, f64) {
        ring.iter()
            .fold((f64::MAX, f64::MAX, f64::MIN, f64::MIN), |b, p| {
                (b.0.min(p.0), b.1.min(p.1), b.2.max(p.0), b.3.max(p.1))
            })
    }

    fn small_configs() -> Vec<(SynthConfig, &'static str)> {
        vec![
            (SynthConfig::new(7, 2_000, 40), "sub2k"),
            (coastal(11, 3_000, 30), "coast3k"),
        ]
    }

    #[test]
    fn same_config_gives_identical_bytes() {
        for (cfg, name) in small_configs() {
            let (a, sa) = run(&cfg, &format!("{name}-det-a"));
            let (b, sb) = run(&cfg, &format!("{name}-det-b"));
            assert_eq!(sa, sb);
            for layer in LAYERS {
                assert!(read(&a, layer) == read(&b, layer), "{name}/{layer} differs");
            }
            let other = SynthConfig {
                seed: cfg.seed + 1,
                ..cfg
            };
            let (c, _) = run(&other, &format!("{name}-det-c"));
            assert_ne!(read(&a, "parcels"), read(&c, "parcels"), "seed must matter");
            for d in [a, b, c] {
                let _ = fs::remove_dir_all(d);
            }
        }
    }

    #[test]
    fn counts_match_config() {
        let cfg = SynthConfig::new(3, 2_000, 40);
        let (dir, s) = run(&cfg, "counts-default");
        assert_eq!(
            (s.parcels, s.substations, s.receptors, s.fiber_segments),
            (2_000, 40, 200, 40)
        );
        assert!(s.communities >= 5);
        let (dir2, s2) = run(
            &SynthConfig {
                receptors: Some(57),
                fiber_segments: Some(123),
                ..coastal(4, 1_234, 7)
            },
            "counts-explicit",
        );
        assert_eq!(
            (s2.parcels, s2.substations, s2.receptors, s2.fiber_segments),
            (1_234, 7, 57, 123)
        );
        for (d, s) in [(&dir, &s), (&dir2, &s2)] {
            assert_eq!(features(d, "parcels").len(), s.parcels);
            assert_eq!(features(d, "substations").len(), s.substations);
            assert_eq!(features(d, "receptors").len(), s.receptors);
            assert_eq!(features(d, "fiber").len(), s.fiber_segments);
            assert_eq!(features(d, "communities").len(), s.communities);
            let on_disk: u64 = LAYERS
                .iter()
                .map(|l| {
                    fs::metadata(d.join(format!("{l}.geojson")))
                        .map(|m| m.len())
                        .unwrap_or(0)
                })
                .sum();
            assert_eq!(on_disk, s.bytes_written);
        }
        let _ = fs::remove_dir_all(dir);
        let _ = fs::remove_dir_all(dir2);
    }

    #[test]
    fn odd_sizes_still_match_exactly() {
        let cases = [
            (
                SynthConfig {
                    receptors: Some(0),
                    fiber_segments: Some(0),
                    ..SynthConfig::new(1, 1, 1)
                },
                "one",
            ),
            (coastal(2, 7, 3), "seven"),
            (
                SynthConfig {
                    fiber_segments: Some(5_000),
                    receptors: Some(900),
                    ..SynthConfig::new(5, 100, 2)
                },
                "dense",
            ),
        ];
        for (cfg, name) in cases {
            let (dir, s) = run(&cfg, &format!("odd-{name}"));
            assert_eq!(features(&dir, "parcels").len(), cfg.parcels, "{name}");
            assert_eq!(features(&dir, "fiber").len(), cfg.fiber_count(), "{name}");
            assert_eq!(
                features(&dir, "receptors").len(),
                cfg.receptor_count(),
                "{name}"
            );
            assert_eq!(s.substations, cfg.substations, "{name}");
            assert!(s.communities >= 4, "{name}");
            let _ = fs::remove_dir_all(dir);
        }
    }

    #[test]
    fn polygons_are_closed_ccw_and_coordinates_short() {
        for (cfg, name) in small_configs() {
            let (dir, _) = run(&cfg, &format!("{name}-geom"));
            for layer in ["parcels", "communities", "receptors"] {
                for f in features(&dir, layer) {
                    if f["geometry"]["type"] != "Polygon" {
                        continue;
                    }
                    let ring = open_ring(&f);
                    let (area, _) = ring_area_centroid(&ring);
                    assert!(area > 1e-10, "{layer} ring not CCW / degenerate: {area}");
                }
            }
            for f in features(&dir, "fiber") {
                assert_eq!(f["geometry"]["type"], "LineString");
                assert!(f["geometry"]["coordinates"].as_array().map_or(0, Vec::len) >= 2);
            }
            for layer in LAYERS {
                for line in read(&dir, layer).lines() {
                    assert_coordinate_decimals(line);
                }
            }
            let _ = fs::remove_dir_all(dir);
        }
    }

    /// Every number inside `"coordinates":...` has at most 7 decimals.
    fn assert_coordinate_decimals(line: &str) {
        let Some(start) = line.find("\"coordinates\":") else {
            return;
        };
        let rest = &line[start + 14..];
        let coords = &rest[..rest.find('}').expect("geometry end")];
        for token in coords.split(['[', ']', ',']).filter(|t| !t.is_empty()) {
            let decimals = token.split_once('.').map_or(0, |(_, frac)| frac.len());
            assert!(decimals <= 7, "too many decimals: {token}");
            assert!(token.parse::<f64>().is_ok(), "bad number {token}");
        }
    }

    /// Separating-axis test for convex polygons (touching counts as apart).
    fn convex_overlap(a: &[(f64, f64)], b: &[(f64, f64)]) -> bool {
        for poly in [a, b] {
            for k in 0..poly.len() {
                let (p, q) = (poly[k], poly[(k + 1) % poly.len()]);
                let axis = (q.1 - p.1, p.0 - q.0);
                let proj = |s: &[(f64, f64)]| {
                    s.iter().fold((f64::MAX, f64::MIN), |r, v| {
                        let d = v.0 * axis.0 + v.1 * axis.1;
                        (r.0.min(d), r.1.max(d))
                    })
                };
                let (pa, pb) = (proj(a), proj(b));
                if pa.1 <= pb.0 || pb.1 <= pa.0 {
                    return false;
                }
            }
        }
        true
    }

    fn is_convex_ccw(ring: &[(f64, f64)]) -> bool {
        (0..ring.len()).all(|k| {
            let (a, b, c) = (
                ring[k],
                ring[(k + 1) % ring.len()],
                ring[(k + 2) % ring.len()],
            );
            (b.0 - a.0) * (c.1 - b.1) - (b.1 - a.1) * (c.0 - b.0) > 0.0
        })
    }

    #[test]
    fn parcels_are_convex_and_do_not_overlap() {
        for (cfg, name) in small_configs() {
            let (dir, _) = run(&cfg, &format!("{name}-overlap"));
            let rings: Vec<Vec<(f64, f64)>> =
                features(&dir, "parcels").iter().map(open_ring).collect();
            assert!(
                rings.iter().all(|r| is_convex_ccw(r)),
                "{name}: non-convex parcel"
            );
            // Sweep over x so only nearby pairs are tested.
            let mut order: Vec<(f64, f64, f64, f64, usize)> = rings
                .iter()
                .enumerate()
                .map(|(k, r)| {
                    let b = bbox(r);
                    (b.0, b.1, b.2, b.3, k)
                })
                .collect();
            order.sort_by(|a, b| a.0.total_cmp(&b.0));
            for (n, a) in order.iter().enumerate() {
                for b in order[n + 1..].iter().take_while(|b| b.0 < a.2) {
                    if b.1 < a.3 && a.1 < b.3 {
                        assert!(
                            !convex_overlap(&rings[a.4], &rings[b.4]),
                            "{name}: parcels {} and {} overlap",
                            a.4,
                            b.4
                        );
                    }
                }
            }
            let _ = fs::remove_dir_all(dir);
        }
    }

    #[test]
    fn every_parcel_centroid_is_in_a_community() {
        for (cfg, name) in small_configs() {
            let (dir, _) = run(&cfg, &format!("{name}-comm"));
            let boxes: Vec<_> = features(&dir, "communities")
                .iter()
                .map(|f| bbox(&open_ring(f)))
                .collect();
            for f in features(&dir, "parcels") {
                let (_, c) = ring_area_centroid(&open_ring(&f));
                let inside = boxes
                    .iter()
                    .any(|b| b.0 <= c.0 && c.0 <= b.2 && b.1 <= c.1 && c.1 <= b.3);
                assert!(inside, "{name}: centroid {c:?} outside all communities");
            }
            let _ = fs::remove_dir_all(dir);
        }
    }

    fn assert_unique_ids(feats: &[Value], letter: char, layer: &str) {
        let mut seen = HashSet::new();
        for f in feats {
            let id = prop(f, "id").as_str().expect("string id");
            assert!(
                id.starts_with(letter) && id[1..].chars().all(|c| c.is_ascii_digit()),
                "{layer}: {id}"
            );
            assert!(seen.insert(id.to_string()), "{layer}: duplicate {id}");
        }
    }

    fn num(f: &Value, key: &str) -> f64 {
        prop(f, key)
            .as_f64()
            .unwrap_or_else(|| panic!("missing number {key}: {f}"))
    }

    #[test]
    fn properties_follow_schema() {
        for (cfg, name) in small_configs() {
            let (dir, _) = run(&cfg, &format!("{name}-props"));
            let subs = features(&dir, "substations");
            assert_unique_ids(&subs, 'S', "substations");
            for f in &subs {
                assert_eq!(f["geometry"]["type"], "Point");
                let kv = prop(f, "voltage_kv").as_u64().expect("kv");
                let class = VOLTAGE_CLASSES
                    .iter()
                    .find(|c| c.kv == kv)
                    .expect("known class");
                let head = num(f, "headroom_mw");
                assert!(
                    (class.headroom_mw.0..=class.headroom_mw.1).contains(&head),
                    "{f}"
                );
                let growth = num(f, "community_growth_mw");
                assert!(growth >= 0.04 * head && growth <= 0.26 * head, "{f}");
                assert!(
                    prop(f, "name")
                        .as_str()
                        .is_some_and(|n| n.starts_with("Sub "))
                );
                if let Some(mw) = prop(f, "upgrade_mw").as_f64() {
                    let per_mw = num(f, "upgrade_usd") / mw;
                    assert!((0.49e6..=1.51e6).contains(&per_mw), "{f}");
                }
            }
            let fiber = features(&dir, "fiber");
            assert_unique_ids(&fiber, 'F', "fiber");
            assert!(fiber.iter().any(|f| prop(f, "kind") == "long_haul"));
            assert!(fiber.iter().any(|f| prop(f, "kind") == "metro"));

            let parcels = features(&dir, "parcels");
            assert_unique_ids(&parcels, 'P', "parcels");
            for f in &parcels {
                let zoning = prop(f, "zoning").as_str().expect("zoning");
                let spec = ZONES
                    .iter()
                    .find(|z| z.name == zoning)
                    .expect("known zoning");
                let usd = num(f, "land_usd_per_acre");
                assert!(
                    (spec.usd_per_acre.0..=spec.usd_per_acre.1).contains(&usd),
                    "{f}"
                );
                assert!((0.0..=5.0).contains(&num(f, "water_stress")));
                let brownfield = prop(f, "brownfield").as_bool().expect("bool");
                assert!(!brownfield || zoning == "industrial");
            }
            assert!(parcels.iter().any(|f| prop(f, "brownfield") == true));

            let receptors = features(&dir, "receptors");
            assert_unique_ids(&receptors, 'R', "receptors");
            for f in &receptors {
                let kind = prop(f, "kind").as_str().expect("kind");
                let geometry = f["geometry"]["type"].as_str().expect("type");
                match kind {
                    "residential" => assert_eq!(geometry, "Point"),
                    "school" | "hospital" => {
                        assert_eq!(geometry, "Point");
                        assert!(prop(f, "name").is_string());
                    }
                    "protected" => assert_eq!(geometry, "Polygon"),
                    other => panic!("unknown receptor kind {other}"),
                }
            }
            for kind in ["residential", "school", "hospital", "protected"] {
                assert!(
                    receptors.iter().any(|f| prop(f, "kind") == kind),
                    "{name}: no {kind}"
                );
            }

            let comms = features(&dir, "communities");
            assert_unique_ids(&comms, 'C', "communities");
            for f in &comms {
                assert!(prop(f, "population").is_u64(), "{f}");
                assert!(prop(f, "name").is_string());
                assert!((0.0..=100.0).contains(&num(f, "burden_pct")));
            }
            let _ = fs::remove_dir_all(dir);
        }
    }

    fn acres_of(ring: &[(f64, f64)], lat: f64) -> f64 {
        let m2_per_deg2 = M_PER_DEG_LAT * M_PER_DEG_LAT * lat.to_radians().cos();
        ring_area_centroid(ring).0 * m2_per_deg2 / SQM_PER_ACRE
    }

    fn median(mut v: Vec<f64>) -> f64 {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    }

    #[test]
    fn zoning_shares_and_lot_sizes_are_realistic() {
        let cfg = SynthConfig::new(21, 20_000, 100);
        let (dir, _) = run(&cfg, "shares");
        let parcels = features(&dir, "parcels");
        let of = |zone: &str| -> Vec<f64> {
            parcels
                .iter()
                .filter(|f| prop(f, "zoning") == zone)
                .map(|f| acres_of(&open_ring(f), cfg.center_lat))
                .collect()
        };
        for spec in &ZONES {
            let share = of(spec.name).len() as f64 / parcels.len() as f64;
            assert!(
                (share - spec.count_share).abs() < 0.02,
                "{} share {share}",
                spec.name
            );
        }
        let residential = median(of("residential"));
        let industrial = of("industrial");
        assert!(
            (1.0..=10.0).contains(&residential),
            "residential median {residential}"
        );
        assert!(
            industrial.iter().all(|a| (38.0..=200.0).contains(a)),
            "industrial lot out of range"
        );
        let all: Vec<f64> = parcels
            .iter()
            .map(|f| acres_of(&open_ring(f), cfg.center_lat))
            .collect();
        let typical = all.iter().filter(|a| (1.0..=150.0).contains(*a)).count();
        assert!(typical as f64 > 0.97 * all.len() as f64);
        // Land is dearer downtown: residential prices fall with distance.
        let center = (cfg.center_lon, cfg.center_lat);
        let (mut near, mut far) = (Vec::new(), Vec::new());
        for f in parcels
            .iter()
            .filter(|f| prop(f, "zoning") == "residential")
        {
            let c = ring_area_centroid(&open_ring(f)).1;
            let d = (c.0 - center.0).hypot(c.1 - center.1);
            let usd = num(f, "land_usd_per_acre");
            if d < 0.05 {
                near.push(usd)
            } else if d > 0.12 {
                far.push(usd)
            }
        }
        assert!(median(near) > median(far));
        let _ = fs::remove_dir_all(dir);
    }

    #[test]
    fn coastal_keeps_parcels_on_land() {
        let cfg = coastal(11, 3_000, 30);
        let layout = Layout::build(&cfg).expect("layout");
        assert!(
            layout
                .blocks
                .iter()
                .all(|b| b.ground != Ground::Water || b.count == 0)
        );
        assert!(layout.blocks.iter().any(|b| b.ground == Ground::Water));
        assert!(
            layout
                .blocks
                .iter()
                .any(|b| b.ground == Ground::Port && b.count > 0)
        );
        let reclaimed: Vec<_> = layout
            .blocks
            .iter()
            .filter(|b| b.ground == Ground::Reclaimed)
            .collect();
        assert!(!reclaimed.is_empty() && reclaimed.iter().all(|b| b.zone == Zone::Industrial));
        // The western fifth of the region is open water.
        let west = layout.proj.lon(0.2 * layout.width());
        let (dir, _) = run(&cfg, "coast-water");
        for f in features(&dir, "parcels") {
            let c = ring_area_centroid(&open_ring(&f)).1;
            assert!(c.0 > west, "parcel in the water at {c:?}");
        }
        let _ = fs::remove_dir_all(dir);
    }

    #[test]
    fn invalid_options_are_rejected() {
        let dir = temp_dir("invalid");
        let bad = [
            (SynthConfig::new(1, 0, 5), "parcels"),
            (SynthConfig::new(1, 10, 0), "substations"),
            (
                SynthConfig {
                    center_lon: 181.0,
                    ..SynthConfig::new(1, 10, 1)
                },
                "center_lon",
            ),
            (
                SynthConfig {
                    center_lat: f64::NAN,
                    ..SynthConfig::new(1, 10, 1)
                },
                "center_lat",
            ),
            (
                SynthConfig {
                    center_lat: 89.0,
                    ..SynthConfig::new(1, 10, 1)
                },
                "center_lat",
            ),
            (
                SynthConfig {
                    center_lon: 179.99,
                    ..SynthConfig::new(1, 100_000, 1)
                },
                "center_lon",
            ),
        ];
        for (cfg, option) in bad {
            match generate(&cfg, &dir, &mut |_, _, _| {}) {
                Err(SynthError::InvalidOption { option: o, .. }) => assert_eq!(o, option),
                other => panic!("{option}: expected InvalidOption, got {other:?}"),
            }
        }
        assert!(!dir.exists(), "nothing is written for invalid options");
    }

    #[test]
    fn writes_atomically_and_reports_progress() {
        let dir = temp_dir("atomic").join("nested/out");
        let mut last = std::collections::BTreeMap::new();
        let cfg = SynthConfig::new(9, 500, 5);
        let summary = generate(&cfg, &dir, &mut |layer, done, total| {
            assert!(done <= total);
            last.insert(layer.to_string(), (done, total));
        })
        .expect("generate");
        for layer in LAYERS {
            let (done, total) = last[layer];
            assert_eq!(done, total, "{layer} progress incomplete");
        }
        assert_eq!(last["parcels"], (500, 500));
        let names: Vec<String> = fs::read_dir(&dir)
            .expect("dir")
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect();
        assert_eq!(names.len(), 5, "{names:?}");
        assert!(names.iter().all(|n| n.ends_with(".geojson")), "{names:?}");
        // Re-running over existing files replaces them cleanly.
        assert_eq!(
            generate(&cfg, &dir, &mut |_, _, _| {}).expect("rerun"),
            summary
        );
        let _ = fs::remove_dir_all(temp_dir("atomic"));
    }

    #[test]
    fn number_formatting() {
        let fmt = |v: f64, d: u32| {
            let mut b = Vec::new();
            push_fixed(&mut b, v, d);
            String::from_utf8(b).expect("utf8")
        };
        assert_eq!(fmt(-121.3, 7), "-121.3");
        assert_eq!(fmt(38.123456789, 7), "38.1234568");
        assert_eq!(fmt(-0.00000001, 7), "0");
        assert_eq!(fmt(2.0, 2), "2");
        assert_eq!(fmt(0.05, 2), "0.05");
        assert_eq!(fmt(1999.96, 1), "2000");
        let mut b = Vec::new();
        push_json_str(&mut b, "a\"b\\c\n");
        assert_eq!(String::from_utf8(b).expect("utf8"), r#""a\"b\\c\u000a""#);
        assert_eq!(
            unique_name(0, &PLACE_NAMES, &SCHOOL_KINDS),
            "Lincoln Elementary School"
        );
        assert_eq!(
            unique_name(48, &PLACE_NAMES, &SCHOOL_KINDS),
            "Lincoln Elementary School 2"
        );
    }
}
