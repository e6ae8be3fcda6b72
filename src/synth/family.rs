//! A family of test regions unlike the shipped maps, for measuring and testing the optimizer
//! on the kind of region a user brings (`gridsite synth --family`).
//!
//! **Takes** a seed and a parcel count; **gives** a map folder (`map/`: parcels, substations,
//! fiber, receptors, communities and, for about half the seeds, lines) and a scenario
//! (`scenario.toml`) beside it. The same seed and count give the same bytes.
//!
//! Where [`super::generate`] draws a city (blocks, zoning by noise, a meshed backbone), this
//! draws a plain field of lots on a jittered lattice, and puts the difficulty in the numbers the
//! seed draws, each over a wide range:
//! - **many sites against tight headroom**: 20–40 sites of small modules, many substations
//!   (one per 8–60 parcels) with little headroom each (10–200 MW, most under 60), a target of
//!   25–70 % of what the substations the candidates reach can give (with N-1, half of what
//!   those that can carry a whole site give) and of what the largest candidates can hold (as
//!   many as `max_sites` and as fit at the spacing): sites must share substations and spread;
//! - **few or many feed options**: a feed reach of 2–10 km;
//! - **N-1 feeds** for a third of the seeds (`min_feeds = 2`), with an emergency share;
//! - **upgrades** on 0–50 % of substations;
//! - **spacing that binds**: 5–25 % of the region's side between sites, on lots of a few
//!   hundred metres, each holding one to two and a half minimum sites;
//! - **community caps that bind**: 4–25 communities, a cap per community of 20–100 % of the
//!   target and up to 4 hosting communities;
//! - **lines** for half the seeds: a tree joining nearest substations plus some meshing,
//!   ratings of 40–600 MW, a few flows over their rating today, and line outages for half of
//!   those.
//!
//! The scenario's target is set from the screened region ([`crate::pipeline::prepare`]), so
//! that it lies near what the region can hold; some seeds are infeasible, as users' regions
//! are.

use std::path::{Path, PathBuf};

use geo::{Geometry, LineString, Point, Polygon, coord};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use crate::files::{self, feature, properties};
use crate::pipeline;

/// Why a family instance could not be written.
#[derive(Debug, thiserror::Error)]
pub enum FamilyError {
    #[error(transparent)]
    Write(#[from] files::WriteError),
    #[error("the family instance does not prepare: {0}")]
    Prepare(#[from] Box<crate::error::Error>),
    #[error("parcels must be at least 50 (got {0})")]
    TooFewParcels(usize),
}

/// What one instance is: its seed, its size, and the knobs the seed drew.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FamilyInstance {
    pub seed: u64,
    pub parcels: usize,
    pub substations: usize,
    pub lines: usize,
    pub min_feeds: u32,
    pub max_sites: u32,
    pub total_mw: f64,
    pub candidates: usize,
    pub scenario: PathBuf,
}

/// The drawn knobs of an instance.
struct Knobs {
    side_km: f64,
    substations: usize,
    industrial_share: f64,
    upgrade_share: f64,
    lines: bool,
    contingencies: bool,
    communities_per_side: usize,
    min_feeds: u32,
    max_feeds: u32,
    module_mw: f64,
    min_site_mw: f64,
    max_site_mw: f64,
    max_sites: u32,
    acres_per_mw: f64,
    max_feed_km: f64,
    max_fiber_km: f64,
    min_spacing_km: f64,
    max_share: f64,
    min_communities: u32,
    target_share: f64,
    headroom_share: f64,
    emergency_share: f64,
    flexible_share: f64,
}

impl Knobs {
    fn draw(rng: &mut ChaCha8Rng, parcels: usize) -> Knobs {
        let n1 = rng.random_bool(1.0 / 3.0);
        let lines = rng.random_bool(0.5);
        let module_mw = pick(rng, &[5.0, 10.0, 20.0]);
        let min_site_mw = module_mw * rng.random_range(2..=4) as f64;
        // Cells of 130–260 m, lots of about half a cell: a typical lot holds 1–2.5 minimum
        // sites' worth of land.
        let cell_km: f64 = rng.random_range(0.13..0.26);
        let side_km = (parcels as f64).sqrt() * cell_km;
        let lot_acres = (0.7 * cell_km).powi(2) * 247.105;
        Knobs {
            side_km,
            substations: (parcels / rng.random_range(8..=60)).max(6),
            industrial_share: rng.random_range(0.08..0.35),
            upgrade_share: rng.random_range(0.0..0.5),
            lines,
            contingencies: lines && rng.random_bool(0.5),
            communities_per_side: rng.random_range(2..=5),
            min_feeds: if n1 { 2 } else { 1 },
            max_feeds: if n1 { rng.random_range(2..=3) } else { 2 },
            module_mw,
            min_site_mw,
            max_site_mw: min_site_mw * rng.random_range(2.0..6.0),
            max_sites: rng.random_range(20..=40),
            acres_per_mw: ((lot_acres / (min_site_mw * rng.random_range(1.0..2.5))) * 1e4).round()
                / 1e4,
            max_feed_km: rng.random_range(2.0..10.0),
            max_fiber_km: rng.random_range(1.0..5.0),
            min_spacing_km: side_km * rng.random_range(0.05..0.25),
            max_share: pick(rng, &[0.2, 0.3, 0.5, 1.0]),
            min_communities: rng.random_range(1..=4),
            target_share: rng.random_range(0.25..0.7),
            headroom_share: rng.random_range(0.6..1.0),
            emergency_share: rng.random_range(0.8..1.3),
            flexible_share: pick(rng, &[0.0, 0.0, 0.2]),
        }
    }
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, xs: &[T]) -> T {
    xs[rng.random_range(0..xs.len())]
}

/// Where instances are drawn: central Texas, away from every shipped map.
const CENTER_LON: f64 = -97.5;
const CENTER_LAT: f64 = 31.0;
const KM_PER_DEG_LAT: f64 = 111.195;

/// A point `x_km`, `y_km` from the region's south-west corner, in longitude and latitude.
fn lonlat(x_km: f64, y_km: f64, side_km: f64) -> (f64, f64) {
    let km_per_deg_lon = KM_PER_DEG_LAT * CENTER_LAT.to_radians().cos();
    (
        CENTER_LON + (x_km - side_km / 2.0) / km_per_deg_lon,
        CENTER_LAT + (y_km - side_km / 2.0) / KM_PER_DEG_LAT,
    )
}

fn rect(x0: f64, y0: f64, x1: f64, y1: f64, side: f64) -> Geometry {
    let (a, b) = (lonlat(x0, y0, side), lonlat(x1, y1, side));
    Geometry::Polygon(Polygon::new(
        LineString::from(vec![
            coord! {x: a.0, y: a.1},
            coord! {x: b.0, y: a.1},
            coord! {x: b.0, y: b.1},
            coord! {x: a.0, y: b.1},
            coord! {x: a.0, y: a.1},
        ]),
        vec![],
    ))
}

fn point(x: f64, y: f64, side: f64) -> Geometry {
    let (lon, lat) = lonlat(x, y, side);
    Geometry::Point(Point::new(lon, lat))
}

fn segment(a: (f64, f64), b: (f64, f64), side: f64) -> Geometry {
    let (a, b) = (lonlat(a.0, a.1, side), lonlat(b.0, b.1, side));
    Geometry::LineString(LineString::from(vec![
        coord! {x: a.0, y: a.1},
        coord! {x: b.0, y: b.1},
    ]))
}

fn write(dir: &Path, name: &str, features: Vec<geojson::Feature>) -> Result<(), FamilyError> {
    files::write_feature_collection(&dir.join(format!("{name}.geojson")), features)?;
    Ok(())
}

/// Writes instance `seed` of `parcels` parcels into `dir` (`dir/map/`, `dir/scenario.toml`).
pub fn write_instance(
    dir: &Path,
    seed: u64,
    parcels: usize,
) -> Result<FamilyInstance, FamilyError> {
    if parcels < 50 {
        return Err(FamilyError::TooFewParcels(parcels));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xFA31_17F0_0D5E_ED00);
    let mut knobs = Knobs::draw(&mut rng, parcels);
    let map = dir.join("map");
    let side = knobs.side_km;
    write_parcels(&map, &mut rng, &knobs, parcels)?;
    let substations = draw_substations(&mut rng, &knobs);
    write_substations(&map, &mut rng, &knobs, &substations)?;
    let lines = if knobs.lines {
        write_lines(&map, &mut rng, &substations, side)?
    } else {
        0
    };
    write_fiber(&map, &mut rng, side)?;
    write_receptors(&map, &mut rng, side, parcels)?;
    write_communities(&map, &mut rng, &knobs)?;

    // A scenario with a provisional target, screened, then the target near what it can hold.
    let scenario = dir.join("scenario.toml");
    write_scenario(&scenario, seed, parcels, &knobs, 1.0)?;
    let prepared = pipeline::prepare(&scenario).map_err(Box::new)?;
    let total_mw = target_mw(&prepared, &knobs);
    // A cap per community below one site would leave no plan at all: at least two sites.
    knobs.max_share = knobs
        .max_share
        .max((2.0 * knobs.min_site_mw / total_mw).min(1.0));
    // As many hosting communities as the target has minimum sites, at most.
    let sites_in_target = (total_mw / knobs.min_site_mw).floor().max(1.0) as u32;
    knobs.min_communities = knobs.min_communities.min(sites_in_target);
    write_scenario(&scenario, seed, parcels, &knobs, total_mw)?;
    Ok(FamilyInstance {
        seed,
        parcels,
        substations: substations.len(),
        lines,
        min_feeds: knobs.min_feeds,
        max_sites: knobs.max_sites,
        total_mw,
        candidates: prepared.screening.candidates.len(),
        scenario,
    })
}

/// `target_share` of the least of: the firm MW of the substations some candidate reaches, and
/// the MW of the largest candidates, as many as `max_sites` and as fit in the region at the
/// spacing; in whole modules, at least one site.
fn target_mw(prepared: &pipeline::Prepared, knobs: &Knobs) -> f64 {
    let scenario = &prepared.scenario;
    let candidates = &prepared.screening.candidates;
    let reached: std::collections::BTreeSet<usize> = (candidates.iter())
        .flat_map(|c| c.feeds.iter().map(|f| f.substation))
        .collect();
    // With N-1 feeds a substation serves a site only if it can carry all of it in its partner's
    // outage; about half of each one's room then stays free for the pickups.
    let n1 = crate::costs::n_minus_one(scenario);
    let least_firm_mw = (1.0 - scenario.grid.flexible_share) * scenario.target.min_site_mw;
    let grid_mw: f64 = (reached.iter())
        .map(|&b| &prepared.map.substations[b])
        .filter(|s| !n1 || crate::costs::emergency_mw(scenario, s, true) >= least_firm_mw)
        .map(|s| crate::costs::available_mw(scenario, s, false) * if n1 { 0.5 } else { 1.0 })
        .sum();
    let mut sizes: Vec<f64> = candidates.iter().map(|c| c.max_mw).collect();
    sizes.sort_by(|a, b| b.total_cmp(a));
    // About this many sites fit in the square at the spacing.
    let fit = (0.5 * (knobs.side_km / knobs.min_spacing_km + 1.0).powi(2)) as usize;
    let sites_mw: f64 = sizes.iter().take((knobs.max_sites as usize).min(fit)).sum();
    let mw = knobs.target_share * grid_mw.min(sites_mw);
    ((mw / knobs.module_mw).floor() * knobs.module_mw).max(knobs.min_site_mw)
}

fn write_parcels(
    map: &Path,
    rng: &mut ChaCha8Rng,
    knobs: &Knobs,
    parcels: usize,
) -> Result<(), FamilyError> {
    let side = knobs.side_km;
    let per_row = (parcels as f64).sqrt().ceil() as usize;
    let cell = side / per_row as f64;
    let mut features = Vec::with_capacity(parcels);
    for i in 0..parcels {
        let (col, row) = ((i % per_row) as f64, (i / per_row) as f64);
        let w = cell * rng.random_range(0.45..0.95);
        let h = cell * rng.random_range(0.45..0.95);
        let x0 = col * cell + rng.random_range(0.0..(cell - w));
        let y0 = row * cell + rng.random_range(0.0..(cell - h));
        let draw: f64 = rng.random();
        let zoning = if draw < knobs.industrial_share {
            "industrial"
        } else if draw < knobs.industrial_share + 0.1 {
            "commercial"
        } else if draw < 0.75 {
            "residential"
        } else {
            "agricultural"
        };
        // Land prices spread over two orders of magnitude, so bounds differ.
        let price = (rng.random_range(8.0f64..13.0).exp() / 1000.0).round() * 1000.0;
        features.push(feature(
            &rect(x0, y0, x0 + w, y0 + h, side),
            properties(json!({
                "id": format!("F{i}"),
                "zoning": zoning,
                "land_usd_per_acre": price,
                "brownfield": rng.random_bool(0.1),
                "water_stress": (rng.random_range(0.0..5.0f64) * 10.0).round() / 10.0,
            })),
        ));
    }
    write(map, "parcels", features)
}

fn draw_substations(rng: &mut ChaCha8Rng, knobs: &Knobs) -> Vec<(f64, f64)> {
    let side = knobs.side_km;
    let mut points: Vec<(f64, f64)> = (0..knobs.substations)
        .map(|_| (rng.random_range(0.0..side), rng.random_range(0.0..side)))
        .collect();
    // West to east, so that a line joins each to a nearer earlier one.
    points.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    points
}

fn write_substations(
    map: &Path,
    rng: &mut ChaCha8Rng,
    knobs: &Knobs,
    points: &[(f64, f64)],
) -> Result<(), FamilyError> {
    let supply = rng.random_range(1..=3).min(points.len());
    let features = (points.iter().enumerate())
        .map(|(b, &(x, y))| {
            // Mostly small headroom, now and then a large one.
            let headroom: f64 = (rng.random_range(2.3f64..5.3).exp()).round();
            let growth = (headroom * rng.random_range(0.0..0.3)).round();
            let upgrade = rng.random_bool(knobs.upgrade_share);
            let mut props = json!({
                "id": format!("B{b}"),
                "voltage_kv": pick(rng, &[69, 115, 138, 230]),
                "headroom_mw": headroom,
                "community_growth_mw": growth,
                "flexible_mw": (rng.random_range(0.0..40.0f64)).round(),
            });
            if upgrade {
                props["upgrade_mw"] = json!(pick(rng, &[25, 50, 100, 200]));
                props["upgrade_usd"] = json!((rng.random_range(3.0..40.0f64)).round() * 1e6);
            }
            if knobs.lines && b < supply {
                props["supply_share"] = json!(1.0 / supply as f64);
            }
            feature(&point(x, y, knobs.side_km), properties(props))
        })
        .collect();
    write(map, "substations", features)
}

/// A tree joining each substation to its nearest earlier one, and a tenth more lines between
/// near neighbours; gives how many.
fn write_lines(
    map: &Path,
    rng: &mut ChaCha8Rng,
    points: &[(f64, f64)],
    side: f64,
) -> Result<usize, FamilyError> {
    let km = |a: usize, b: usize| (points[a].0 - points[b].0).hypot(points[a].1 - points[b].1);
    let nearest = |b: usize, among: &mut dyn Iterator<Item = usize>| {
        among.min_by(|&p, &q| km(b, p).total_cmp(&km(b, q)).then(p.cmp(&q)))
    };
    let mut pairs = Vec::new();
    for b in 1..points.len() {
        if let Some(a) = nearest(b, &mut (0..b)) {
            pairs.push((a, b));
        }
    }
    for _ in 0..points.len() / 10 + 1 {
        let b = rng.random_range(0..points.len());
        if let Some(a) = nearest(
            b,
            &mut (0..points.len()).filter(|&a| a != b && !pairs.contains(&(a.min(b), a.max(b)))),
        ) {
            pairs.push((a.min(b), a.max(b)));
        }
    }
    let features: Vec<_> = (pairs.iter().enumerate())
        .map(|(l, &(a, b))| {
            let rating: f64 = pick(rng, &[40.0, 80.0, 150.0, 300.0, 600.0]);
            let base = if rng.random_bool(0.05) {
                rating * rng.random_range(1.02..1.3)
            } else {
                rating * rng.random_range(-0.6..0.6)
            };
            feature(
                &segment(points[a], points[b], side),
                properties(json!({
                    "id": format!("L{l}"),
                    "from": format!("B{a}"),
                    "to": format!("B{b}"),
                    "x_pu": ((0.002 * km(a, b).max(0.5)) * 1e5).round() / 1e5,
                    "rating_mw": rating,
                    "emergency_rating_mw": (rating * rng.random_range(1.0..1.4)).round(),
                    "base_flow_mw": base.round(),
                })),
            )
        })
        .collect();
    let count = features.len();
    write(map, "lines", features)?;
    Ok(count)
}

/// A few long-haul routes across the region and some points of presence.
fn write_fiber(map: &Path, rng: &mut ChaCha8Rng, side: f64) -> Result<(), FamilyError> {
    let mut features = Vec::new();
    for i in 0..rng.random_range(2..=6) {
        let horizontal = rng.random_bool(0.5);
        let (a, b) = (rng.random_range(0.0..side), rng.random_range(0.0..side));
        let (from, to) = if horizontal {
            ((0.0, a), (side, b))
        } else {
            ((a, 0.0), (b, side))
        };
        features.push(feature(
            &segment(from, to, side),
            properties(json!({"id": format!("R{i}"), "kind": "long_haul"})),
        ));
    }
    for i in 0..rng.random_range(1..=5) {
        let (x, y) = (rng.random_range(0.0..side), rng.random_range(0.0..side));
        features.push(feature(
            &point(x, y, side),
            properties(json!({"id": format!("POP{i}"), "kind": "pop"})),
        ));
    }
    write(map, "fiber", features)
}

fn write_receptors(
    map: &Path,
    rng: &mut ChaCha8Rng,
    side: f64,
    parcels: usize,
) -> Result<(), FamilyError> {
    let features = (0..parcels / 40 + 3)
        .map(|i| {
            let (x, y) = (rng.random_range(0.0..side), rng.random_range(0.0..side));
            let kind = pick(rng, &["school", "hospital", "residential", "residential"]);
            feature(
                &point(x, y, side),
                properties(json!({"id": format!("Q{i}"), "kind": kind})),
            )
        })
        .collect();
    write(map, "receptors", features)
}

/// Communities tile the region in a grid, each with its population and burden.
fn write_communities(map: &Path, rng: &mut ChaCha8Rng, knobs: &Knobs) -> Result<(), FamilyError> {
    let (side, n) = (knobs.side_km, knobs.communities_per_side);
    let cell = side / n as f64;
    let features = (0..n * n)
        .map(|k| {
            let (col, row) = ((k % n) as f64, (k / n) as f64);
            feature(
                &rect(
                    col * cell,
                    row * cell,
                    (col + 1.0) * cell,
                    (row + 1.0) * cell,
                    side,
                ),
                properties(json!({
                    "id": format!("C{k}"),
                    "name": format!("Community {k}"),
                    "population": rng.random_range(500..50_000),
                    "burden_pct": rng.random_range(0..100),
                })),
            )
        })
        .collect();
    write(map, "communities", features)
}

/// The scenario's file (the knobs as its keys).
fn write_scenario(
    path: &Path,
    seed: u64,
    parcels: usize,
    k: &Knobs,
    total_mw: f64,
) -> Result<(), FamilyError> {
    let text = format!(
        "# gridsite synth --family {seed} --parcels {parcels}: a test region unlike the shipped maps.\n\
         name = \"family-{seed}-{parcels}\"\n\
         map = \"map\"\n\n\
         [target]\n\
         total_mw = {total_mw}\nmodule_mw = {module}\nmin_site_mw = {min_site}\n\
         max_site_mw = {max_site}\nmax_sites = {max_sites}\n\n\
         [site]\n\
         allowed_zoning = [\"industrial\", \"commercial\"]\n\
         acres_per_mw = {acres}\nmax_fiber_km = {fiber:.2}\nmax_feed_km = {feed:.2}\n\
         min_feeds = {min_feeds}\nmax_feeds = {max_feeds}\nmin_spacing_km = {spacing:.2}\n\n\
         [grid]\n\
         max_headroom_share = {headroom:.2}\nemergency_headroom_share = {emergency:.2}\n\
         flexible_share = {flexible}\nline_contingencies = {contingencies}\n\n\
         [community]\n\
         setback_m = {{ school = 400.0, hospital = 400.0, residential = 150.0 }}\n\
         max_burden_pct = 90.0\nmax_water_stress = 4.5\n\
         max_share_per_community = {share}\nmin_communities = {communities}\n\n\
         [costs]\nflexible_usd_per_mw = 40000\n\n\
         [solver]\ntime_limit_s = 600\nmip_gap = 0.0001\n",
        module = k.module_mw,
        min_site = k.min_site_mw,
        max_site = (k.max_site_mw / k.module_mw).round() * k.module_mw,
        max_sites = k.max_sites,
        acres = k.acres_per_mw,
        fiber = k.max_fiber_km,
        feed = k.max_feed_km,
        min_feeds = k.min_feeds,
        max_feeds = k.max_feeds,
        spacing = k.min_spacing_km,
        headroom = k.headroom_share,
        emergency = k.emergency_share,
        flexible = k.flexible_share,
        contingencies = k.contingencies,
        share = (k.max_share * 1000.0).ceil() / 1000.0,
        communities = k.min_communities,
    );
    files::write_atomically(path, |w| std::io::Write::write_all(w, text.as_bytes()))?;
    Ok(())
}

/// The parcel counts the family's members cycle through.
pub const SIZES: [usize; 6] = [300, 600, 1_000, 2_000, 4_000, 6_000];

/// Member `k` of the family (from 0): seed `k + 1` with `SIZES[k % 6]` parcels. The first 60
/// are the benchmark's (`cargo bench --bench family`), ten of each size.
pub fn member(k: usize) -> (u64, usize) {
    (k as u64 + 1, SIZES[k % SIZES.len()])
}
