//! An independent checker of the files `gridsite optimize` writes, against docs/contract.md.
//!
//! It reads the raw map layers (GeoJSON) and the scenario (TOML) itself, recomputes every figure
//! the contract defines (site points, acres, great-circle distances, communities, capacities,
//! costs) without any of the crate's code, and checks every constraint of "The model" and every
//! formula of "Output" on `sites.geojson`, `feeds.geojson`, `substations.geojson`,
//! `excluded.geojson` and `summary.json`. It also checks RFC 7946 form (no `crs`, ring
//! orientation, at most 7 decimals) on every GeoJSON output.
//!
//! Only `geo`'s `GeodesicArea` and `Centroid` are borrowed, because the contract names them
//! ("geodesic" area, "geo's `Centroid`"); distances and point-in-polygon are written here.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use geo::{Centroid, GeodesicArea};
use serde_json::Value;

/// Mean Earth radius of the contract, in metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;
/// Square metres in an international acre.
pub const SQUARE_METRES_PER_ACRE: f64 = 4_046.856_422_4;

pub type Pt = [f64; 2];
/// Rings of one polygon, exterior first.
pub type PolygonRings = Vec<Vec<Pt>>;
pub type MultiPoly = Vec<PolygonRings>;

// ---------------------------------------------------------------------------------------------
// Geometry, written from scratch.

/// Great-circle distance in km between two lon/lat points (haversine, R = 6,371,008.8 m).
pub fn haversine_km(a: Pt, b: Pt) -> f64 {
    let (lat1, lat2) = (a[1].to_radians(), b[1].to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b[0] - a[0]).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin() / 1000.0
}

fn unit(p: Pt) -> [f64; 3] {
    let (lon, lat) = (p[0].to_radians(), p[1].to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn norm(a: [f64; 3]) -> f64 {
    dot(a, a).sqrt()
}

/// Great-circle distance in km from `p` to the nearest point of the minor arc `a`–`b`.
pub fn point_arc_km(p: Pt, a: Pt, b: Pt) -> f64 {
    let ends = haversine_km(p, a).min(haversine_km(p, b));
    if a == b {
        return ends;
    }
    let (pu, au, bu) = (unit(p), unit(a), unit(b));
    let n = cross(au, bu);
    let nn = norm(n);
    if nn < 1e-15 {
        return ends;
    }
    let n = [n[0] / nn, n[1] / nn, n[2] / nn];
    let off = dot(pu, n);
    let c = [pu[0] - off * n[0], pu[1] - off * n[1], pu[2] - off * n[2]];
    if norm(c) < 1e-15 {
        return ends;
    }
    // C lies on the arc when A→C and C→B both turn the same way as A→B.
    let on_arc = dot(cross(au, c), n) >= 0.0 && dot(cross(c, bu), n) >= 0.0;
    if !on_arc {
        return ends;
    }
    let angle = norm(cross(pu, c)).atan2(dot(pu, c));
    (EARTH_RADIUS_M * angle / 1000.0).min(ends)
}

/// Even-odd ray casting over one ring (lon/lat treated as planar, as polygon containment is).
fn in_ring(p: Pt, ring: &[Pt]) -> bool {
    let mut inside = false;
    let n = ring.len();
    if n < 3 {
        return false;
    }
    let mut j = n - 1;
    for i in 0..n {
        let (a, b) = (ring[i], ring[j]);
        if (a[1] > p[1]) != (b[1] > p[1]) {
            let x = a[0] + (p[1] - a[1]) * (b[0] - a[0]) / (b[1] - a[1]);
            if p[0] < x {
                inside = !inside;
            }
        }
        j = i;
    }
    inside
}

/// Whether a point lies inside a multipolygon (inside an exterior and outside its holes).
pub fn in_multipolygon(p: Pt, mp: &MultiPoly) -> bool {
    mp.iter()
        .any(|poly| in_ring(p, &poly[0]) && !poly[1..].iter().any(|hole| in_ring(p, hole)))
}

/// Twice the signed planar area of a ring (shoelace; > 0 for counter-clockwise).
pub fn shoelace(ring: &[Pt]) -> f64 {
    ring.windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum()
}

fn to_geo(mp: &MultiPoly) -> geo::MultiPolygon {
    let ls = |ring: &Vec<Pt>| {
        geo::LineString::from(ring.iter().map(|c| (c[0], c[1])).collect::<Vec<_>>())
    };
    geo::MultiPolygon(
        mp.iter()
            .map(|poly| geo::Polygon::new(ls(&poly[0]), poly[1..].iter().map(ls).collect()))
            .collect(),
    )
}

/// Geodesic area in acres (geo's `GeodesicArea`, as the contract says "geodesic"). Rings are
/// first wound as geo's area expects (exterior counter-clockwise, holes clockwise): RFC 7946
/// readers must accept either winding, and geo's unsigned area of a clockwise exterior is the
/// rest of the Earth.
pub fn acres_of(mp: &MultiPoly) -> f64 {
    let wound: MultiPoly = mp
        .iter()
        .map(|poly| {
            poly.iter()
                .enumerate()
                .map(|(r, ring)| {
                    let ccw = shoelace(ring) > 0.0;
                    let mut ring = ring.clone();
                    if ccw != (r == 0) {
                        ring.reverse();
                    }
                    ring
                })
                .collect()
        })
        .collect();
    to_geo(&wound).geodesic_area_unsigned() / SQUARE_METRES_PER_ACRE
}

/// A parcel's site point: its area centroid (geo's `Centroid`, as the contract says).
pub fn site_point_of(mp: &MultiPoly) -> Pt {
    let c = to_geo(mp).centroid().expect("parcel has a centroid");
    [c.x(), c.y()]
}

// ---------------------------------------------------------------------------------------------
// Reading GeoJSON values.

fn pt(v: &Value) -> Pt {
    let a = v.as_array().expect("position is an array");
    [a[0].as_f64().expect("lon"), a[1].as_f64().expect("lat")]
}

fn ring(v: &Value) -> Vec<Pt> {
    v.as_array().expect("ring").iter().map(pt).collect()
}

fn polygon(v: &Value) -> PolygonRings {
    v.as_array().expect("polygon").iter().map(ring).collect()
}

/// A Polygon or MultiPolygon geometry as a multipolygon.
pub fn areas(geometry: &Value) -> MultiPoly {
    let coords = &geometry["coordinates"];
    match geometry["type"].as_str() {
        Some("Polygon") => vec![polygon(coords)],
        Some("MultiPolygon") => coords
            .as_array()
            .expect("multipolygon")
            .iter()
            .map(polygon)
            .collect(),
        other => panic!("expected a Polygon or MultiPolygon, got {other:?}"),
    }
}

/// Reads a FeatureCollection file: (geometry, properties) of each feature.
pub fn read_features(path: &Path) -> Vec<(Value, serde_json::Map<String, Value>)> {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let doc: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()));
    assert_eq!(
        doc["type"],
        "FeatureCollection",
        "{} is not a FeatureCollection",
        path.display()
    );
    doc["features"]
        .as_array()
        .unwrap_or_else(|| panic!("{} has no features array", path.display()))
        .iter()
        .map(|f| {
            assert_eq!(f["type"], "Feature", "{}", path.display());
            let props = f["properties"].as_object().cloned().unwrap_or_default();
            (f["geometry"].clone(), props)
        })
        .collect()
}

fn id_of(props: &serde_json::Map<String, Value>) -> String {
    match &props["id"] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => panic!("bad id {other}"),
    }
}

fn num_or(props: &serde_json::Map<String, Value>, key: &str, default: f64) -> f64 {
    props.get(key).and_then(Value::as_f64).unwrap_or(default)
}

// ---------------------------------------------------------------------------------------------
// The map and the scenario, read independently of the crate.

#[derive(Debug, Clone)]
pub struct Substation {
    pub id: String,
    pub point: Pt,
    pub headroom_mw: f64,
    pub flexible_mw: f64,
    pub community_growth_mw: f64,
    pub upgrade_mw: f64,
    pub upgrade_usd: f64,
    /// MW of the large loads the scenario counts here (`loads.geojson`), set by
    /// [`Map::count_queue`].
    pub queued_mw: f64,
    /// Its existing load by row of `load_profiles.csv`, where it has a column.
    pub profile: Option<Vec<f64>>,
}

#[derive(Debug, Clone)]
pub struct Parcel {
    pub id: String,
    pub zoning: String,
    pub land_usd_per_acre: f64,
    pub brownfield: bool,
    pub water_stress: f64,
    pub shape: MultiPoly,
    pub acres: f64,
    pub site_point: Pt,
}

#[derive(Debug, Clone)]
pub struct Community {
    pub id: String,
    pub burden_pct: f64,
    pub shape: MultiPoly,
}

#[derive(Debug, Clone)]
pub struct Map {
    pub substations: Vec<Substation>,
    pub parcels: Vec<Parcel>,
    pub communities: Vec<Community>,
    /// Each fiber feature as polylines; a Point is a one-point line.
    pub fiber: Vec<Vec<Vec<Pt>>>,
    /// `loads.geojson`: (substation id, MW, status).
    pub loads: Vec<(String, f64, String)>,
    /// `load_profiles.csv`'s row weights (empty without the file).
    pub weights: Vec<f64>,
}

impl Map {
    pub fn load(folder: &Path) -> Map {
        let substations = read_features(&folder.join("substations.geojson"))
            .into_iter()
            .map(|(g, p)| Substation {
                id: id_of(&p),
                point: pt(&g["coordinates"]),
                headroom_mw: num_or(&p, "headroom_mw", f64::NAN),
                flexible_mw: num_or(&p, "flexible_mw", 0.0),
                community_growth_mw: num_or(&p, "community_growth_mw", 0.0),
                upgrade_mw: num_or(&p, "upgrade_mw", 0.0),
                upgrade_usd: num_or(&p, "upgrade_usd", 0.0),
                queued_mw: 0.0,
                profile: None,
            })
            .collect::<Vec<Substation>>();
        let mut substations = substations;
        let mut weights = Vec::new();
        let profiles = folder.join("load_profiles.csv");
        if profiles.exists() {
            // A plain table: `hour`, optional `weight`, then substation columns.
            let text = std::fs::read_to_string(&profiles).unwrap();
            let mut lines = text.lines().filter(|l| !l.trim().is_empty());
            let header: Vec<String> = (lines.next().unwrap().split(','))
                .map(|h| h.trim().to_string())
                .collect();
            let rows: Vec<Vec<f64>> = lines
                .map(|l| {
                    (l.split(',').skip(1))
                        .map(|v| v.trim().parse::<f64>().unwrap())
                        .collect()
                })
                .collect();
            let weighted = header.get(1).is_some_and(|h| h == "weight");
            weights = rows
                .iter()
                .map(|r| if weighted { r[0] } else { 1.0 })
                .collect();
            for (k, id) in header.iter().enumerate().skip(if weighted { 2 } else { 1 }) {
                let s = substations
                    .iter_mut()
                    .find(|s| &s.id == id)
                    .expect("profiled id");
                s.profile = Some(rows.iter().map(|r| r[k - 1]).collect());
            }
        }
        let loads_path = folder.join("loads.geojson");
        let loads = if loads_path.exists() {
            (read_features(&loads_path).into_iter())
                .map(|(_, p)| {
                    (
                        p["substation"].as_str().unwrap().to_string(),
                        num_or(&p, "mw", f64::NAN),
                        p["status"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        } else {
            Vec::new()
        };
        let parcels = read_features(&folder.join("parcels.geojson"))
            .into_iter()
            .map(|(g, p)| {
                let shape = areas(&g);
                Parcel {
                    id: id_of(&p),
                    zoning: p["zoning"].as_str().expect("zoning").to_string(),
                    land_usd_per_acre: num_or(&p, "land_usd_per_acre", f64::NAN),
                    brownfield: p
                        .get("brownfield")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    water_stress: num_or(&p, "water_stress", 0.0),
                    acres: acres_of(&shape),
                    site_point: site_point_of(&shape),
                    shape,
                }
            })
            .collect();
        let communities = read_features(&folder.join("communities.geojson"))
            .into_iter()
            .map(|(g, p)| Community {
                id: id_of(&p),
                burden_pct: num_or(&p, "burden_pct", 0.0),
                shape: areas(&g),
            })
            .collect();
        let fiber = read_features(&folder.join("fiber.geojson"))
            .into_iter()
            .map(|(g, _)| {
                let c = &g["coordinates"];
                match g["type"].as_str() {
                    Some("Point") => vec![vec![pt(c)]],
                    Some("LineString") => vec![ring(c)],
                    Some("MultiLineString") => c.as_array().unwrap().iter().map(ring).collect(),
                    other => panic!("fiber geometry {other:?}"),
                }
            })
            .collect();
        Map {
            substations,
            parcels,
            communities,
            fiber,
            loads,
            weights,
        }
    }

    /// Sets each substation's `queued_mw`: the loads whose status the scenario counts.
    pub fn count_queue(&mut self, scenario: &Scenario) {
        for s in &mut self.substations {
            s.queued_mw = (self.loads.iter())
                .filter(|(id, _, status)| id == &s.id && scenario.queue_statuses.contains(status))
                .map(|(_, mw, _)| mw)
                .sum();
        }
    }

    /// The room for new load at each row of a profiled substation (docs/profiles-and-queue.md, "Headroom over
    /// time and the queue"): `share·max(0, headroom − growth − queued + peak − load) + upgrade`.
    pub fn hourly_room(&self, scenario: &Scenario, s: &Substation, upgraded: bool) -> Vec<f64> {
        let load = s.profile.as_ref().expect("a profiled substation");
        let peak = load.iter().copied().fold(0.0, f64::max);
        let up = if upgraded { s.upgrade_mw } else { 0.0 };
        (load.iter())
            .map(|l| {
                let room = s.headroom_mw - s.community_growth_mw - s.queued_mw + peak - l;
                scenario.max_headroom_share * room.max(0.0) + up
            })
            .collect()
    }

    /// A new load's curtailment at a profiled substation: (MWh, hours, % of its energy).
    pub fn curtailment(&self, room: &[f64], load_mw: f64) -> (f64, f64, f64) {
        let mut mwh = 0.0;
        let mut hours = 0.0;
        for (a, w) in room.iter().zip(&self.weights) {
            if load_mw > *a {
                mwh += w * (load_mw - a);
                hours += w;
            }
        }
        let total: f64 = self.weights.iter().sum();
        let pct = if load_mw > 0.0 {
            100.0 * mwh / (load_mw * total)
        } else {
            0.0
        };
        (mwh, hours, pct)
    }

    /// Whether a new load of `load_mw` passes the energy and hours tests (with a hair of
    /// slack for the outputs' rounding).
    pub fn hostable(&self, scenario: &Scenario, room: &[f64], load_mw: f64) -> bool {
        self.passes(scenario, room, load_mw - 1e-6, 1e-6)
    }

    /// The two tests at `load_mw`, the energy test with `slack_mwh` per hour of the year.
    fn passes(&self, scenario: &Scenario, room: &[f64], load_mw: f64, slack_mwh: f64) -> bool {
        let (mwh, hours, _) = self.curtailment(room, load_mw);
        let total: f64 = self.weights.iter().sum();
        mwh <= scenario.max_curtailment_pct / 100.0 * load_mw * total + slack_mwh * total
            && hours <= scenario.max_curtailment_hours + 1e-9 * total
    }

    /// `L*`, by bisection on the two tests without slack (the allowed loads are an interval
    /// from 0).
    pub fn hosting_mw(&self, scenario: &Scenario, room: &[f64]) -> f64 {
        let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
        let hostable = |mw: f64| self.passes(scenario, room, mw, 0.0);
        while hostable(hi) {
            lo = hi;
            hi *= 2.0;
        }
        for _ in 0..80 {
            let mid = 0.5 * (lo + hi);
            if hostable(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// Great-circle km from a point to the nearest point of any fiber geometry.
    pub fn fiber_km(&self, p: Pt) -> f64 {
        let mut best = f64::INFINITY;
        for lines in &self.fiber {
            for line in lines {
                if line.len() == 1 {
                    best = best.min(haversine_km(p, line[0]));
                }
                for w in line.windows(2) {
                    best = best.min(point_arc_km(p, w[0], w[1]));
                }
            }
        }
        best
    }

    /// Ids of the communities whose polygon contains `p`, in layer order; `unassigned` if none.
    pub fn communities_of(&self, p: Pt) -> Vec<String> {
        let ids: Vec<String> = self
            .communities
            .iter()
            .filter(|c| in_multipolygon(p, &c.shape))
            .map(|c| c.id.clone())
            .collect();
        if ids.is_empty() {
            vec!["unassigned".to_string()]
        } else {
            ids
        }
    }

    pub fn parcel(&self, id: &str) -> Option<&Parcel> {
        self.parcels.iter().find(|p| p.id == id)
    }

    pub fn substation(&self, id: &str) -> Option<&Substation> {
        self.substations.iter().find(|s| s.id == id)
    }
}

/// Every scenario key of the contract, with the contract's defaults.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub map: PathBuf,
    pub total_mw: f64,
    pub module_mw: f64,
    pub min_site_mw: f64,
    pub max_site_mw: f64,
    pub max_sites: usize,
    pub allowed_zoning: Vec<String>,
    pub acres_per_mw: f64,
    pub max_fiber_km: f64,
    pub max_feed_km: f64,
    pub min_feeds: usize,
    pub max_feeds: usize,
    pub min_spacing_km: f64,
    pub max_headroom_share: f64,
    pub flexible_share: f64,
    pub max_burden_pct: f64,
    pub brownfield_exempt: bool,
    pub max_water_stress: f64,
    pub max_share_per_community: f64,
    pub min_communities: usize,
    pub site_fixed_usd: f64,
    pub feed_usd_per_km: f64,
    pub fiber_usd_per_km: f64,
    pub flexible_usd_per_mw: f64,
    pub time_limit_s: f64,
    pub mip_gap: f64,
    pub max_curtailment_pct: f64,
    pub max_curtailment_hours: f64,
    pub queue_statuses: Vec<String>,
}

impl Scenario {
    pub fn load(path: &Path) -> Scenario {
        let text = std::fs::read_to_string(path).expect("read scenario");
        let doc: toml::Table = text.parse().expect("scenario TOML");
        let get = |section: &str, key: &str| doc.get(section).and_then(|t| t.get(key));
        let num = |section: &str, key: &str, default: f64| match get(section, key) {
            Some(toml::Value::Integer(i)) => *i as f64,
            Some(toml::Value::Float(f)) => *f,
            None => default,
            Some(other) => panic!("{section}.{key}: not a number: {other}"),
        };
        let int =
            |section: &str, key: &str, default: usize| num(section, key, default as f64) as usize;
        let folder = path.parent().unwrap_or(Path::new(""));
        Scenario {
            name: doc["name"].as_str().expect("name").to_string(),
            map: folder.join(doc["map"].as_str().expect("map")),
            total_mw: num("target", "total_mw", f64::NAN),
            module_mw: num("target", "module_mw", 25.0),
            min_site_mw: num("target", "min_site_mw", 50.0),
            max_site_mw: num("target", "max_site_mw", 300.0),
            max_sites: int("target", "max_sites", 6),
            allowed_zoning: match get("site", "allowed_zoning") {
                Some(toml::Value::Array(a)) => {
                    a.iter().map(|v| v.as_str().unwrap().to_string()).collect()
                }
                _ => vec!["industrial".into(), "commercial".into()],
            },
            acres_per_mw: num("site", "acres_per_mw", 0.5),
            max_fiber_km: num("site", "max_fiber_km", 5.0),
            max_feed_km: num("site", "max_feed_km", 15.0),
            min_feeds: int("site", "min_feeds", 1),
            max_feeds: int("site", "max_feeds", 2),
            min_spacing_km: num("site", "min_spacing_km", 2.0),
            max_headroom_share: num("grid", "max_headroom_share", 0.8),
            flexible_share: num("grid", "flexible_share", 0.0),
            max_burden_pct: num("community", "max_burden_pct", 100.0),
            brownfield_exempt: get("community", "brownfield_exempt")
                .and_then(toml::Value::as_bool)
                .unwrap_or(true),
            max_water_stress: num("community", "max_water_stress", 5.0),
            max_share_per_community: num("community", "max_share_per_community", 1.0),
            min_communities: int("community", "min_communities", 1),
            site_fixed_usd: num("costs", "site_fixed_usd", 20_000_000.0),
            feed_usd_per_km: num("costs", "feed_usd_per_km", 3_000_000.0),
            fiber_usd_per_km: num("costs", "fiber_usd_per_km", 150_000.0),
            flexible_usd_per_mw: num("costs", "flexible_usd_per_mw", 0.0),
            time_limit_s: num("solver", "time_limit_s", 60.0),
            mip_gap: num("solver", "mip_gap", 0.001),
            max_curtailment_pct: num("grid", "max_curtailment_pct", 0.0),
            max_curtailment_hours: num("grid", "max_curtailment_hours", 8760.0),
            queue_statuses: match get("grid", "queue_statuses") {
                Some(toml::Value::Array(a)) => {
                    a.iter().map(|v| v.as_str().unwrap().to_string()).collect()
                }
                _ => vec!["construction".into(), "signed".into()],
            },
        }
    }

    /// `max_headroom_share·max(0, headroom − growth − queued)`: firm MW open to AI factories,
    /// no upgrade.
    pub fn firm_capacity_mw(&self, s: &Substation) -> f64 {
        self.max_headroom_share * (s.headroom_mw - s.community_growth_mw - s.queued_mw).max(0.0)
    }

    /// `min(max_site_mw, acres/acres_per_mw)`.
    pub fn size_cap_mw(&self, acres: f64) -> f64 {
        self.max_site_mw.min(acres / self.acres_per_mw)
    }
}

// ---------------------------------------------------------------------------------------------
// RFC 7946.

/// Decimals of a JSON number's text, counting an exponent (`1.5e-7` has 8).
fn decimals(token: &str) -> i64 {
    let (mantissa, exponent) = match token.find(['e', 'E']) {
        Some(i) => (&token[..i], token[i + 1..].parse::<i64>().unwrap_or(0)),
        None => (token, 0),
    };
    let frac = mantissa.find('.').map_or(0, |i| mantissa.len() - i - 1) as i64;
    (frac - exponent).max(0)
}

/// Checks RFC 7946 form of a GeoJSON file: no `crs` member, exterior rings counter-clockwise,
/// holes clockwise, rings closed, every coordinate with at most 7 decimals in the raw text.
/// Gives the feature count, or the list of faults.
pub fn rfc7946_faults(path: &Path) -> (usize, Vec<String>) {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut faults = Vec::new();
    // Raw text: every number inside a "coordinates" array.
    let mut rest = text.as_str();
    while let Some(at) = rest.find("\"coordinates\"") {
        rest = &rest[at + "\"coordinates\"".len()..];
        let start = rest.find('[').expect("coordinates array");
        let mut depth = 0usize;
        let mut end = start;
        for (i, ch) in rest[start..].char_indices() {
            match ch {
                '[' => depth += 1,
                ']' => {
                    depth -= 1;
                    if depth == 0 {
                        end = start + i;
                        break;
                    }
                }
                _ => {}
            }
        }
        for token in rest[start..=end]
            .split(|c: char| c == '[' || c == ']' || c == ',' || c.is_whitespace())
            .filter(|t| !t.is_empty())
        {
            if decimals(token) > 7 {
                faults.push(format!("coordinate {token} has more than 7 decimals"));
            }
        }
        rest = &rest[end..];
    }
    let doc: Value = serde_json::from_str(&text).expect("valid JSON");
    if doc.get("crs").is_some() {
        faults.push("top-level `crs` member".into());
    }
    let features = doc["features"].as_array().cloned().unwrap_or_default();
    for (i, f) in features.iter().enumerate() {
        if f.get("crs").is_some() {
            faults.push(format!("feature {i} has a `crs` member"));
        }
        let g = &f["geometry"];
        if matches!(g["type"].as_str(), Some("Polygon" | "MultiPolygon")) {
            for (k, poly) in areas(g).iter().enumerate() {
                for (r, ring) in poly.iter().enumerate() {
                    if ring.first() != ring.last() || ring.len() < 4 {
                        faults.push(format!("feature {i} polygon {k} ring {r} is not closed"));
                    }
                    let area = shoelace(ring);
                    if r == 0 && area <= 0.0 {
                        faults.push(format!(
                            "feature {i} polygon {k}: exterior ring is not counter-clockwise"
                        ));
                    }
                    if r > 0 && area >= 0.0 {
                        faults.push(format!(
                            "feature {i} polygon {k}: hole {r} is not clockwise"
                        ));
                    }
                }
            }
        }
    }
    (features.len(), faults)
}

// ---------------------------------------------------------------------------------------------
// The plan checker.

/// A chosen site as `sites.geojson` gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteOut {
    pub parcel_id: String,
    pub community: String,
    pub mw: f64,
    pub feeds: Vec<String>,
    pub total_usd: f64,
}

/// A feed as `feeds.geojson` gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedOut {
    pub parcel_id: String,
    pub substation_id: String,
    pub km: f64,
    pub firm_mw: f64,
    pub flexible_mw: f64,
}

/// What the checker read, for tests to assert further on.
#[derive(Debug, Clone)]
pub struct Checked {
    pub status: String,
    pub summary: Value,
    pub objective_usd: Option<f64>,
    /// The objective recomputed from the layers for the plan in the files.
    pub recomputed_objective_usd: f64,
    pub sites: Vec<SiteOut>,
    pub feeds: Vec<FeedOut>,
    pub upgraded: Vec<String>,
    /// Feature count of each `.geojson` output.
    pub feature_counts: BTreeMap<String, usize>,
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

/// USD tolerance: 1 USD per rounded term plus a relative millionth.
fn usd_tol(terms: usize, value: f64) -> f64 {
    terms as f64 + 1e-6 * value.abs()
}

const OUTPUT_FILES: [&str; 4] = [
    "sites.geojson",
    "feeds.geojson",
    "substations.geojson",
    "excluded.geojson",
];

const EXCLUSION_REASONS: [&str; 6] = ["zoning", "burden", "water", "fiber", "no_feed", "too_small"];

/// Checks the output folder of `gridsite optimize` for `scenario_path` against the contract;
/// panics listing every fault.
pub fn check_plan(out: &Path, scenario_path: &Path) -> Checked {
    let scenario = Scenario::load(scenario_path);
    let mut map = Map::load(&scenario.map);
    map.count_queue(&scenario);
    let mut faults: Vec<String> = Vec::new();
    macro_rules! fault {
        ($($arg:tt)*) => { faults.push(format!($($arg)*)) };
    }

    // Every file exists and is RFC 7946.
    let mut feature_counts = BTreeMap::new();
    for file in OUTPUT_FILES {
        let path = out.join(file);
        if !path.exists() {
            panic!("{} was not written", path.display());
        }
        let (count, rfc) = rfc7946_faults(&path);
        faults.extend(rfc.into_iter().map(|f| format!("{file}: {f}")));
        feature_counts.insert(file.to_string(), count);
    }
    let summary: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("summary.json")).expect("summary.json was written"),
    )
    .expect("summary.json is JSON");
    let status = summary["status"].as_str().unwrap_or("").to_string();
    if ![
        "optimal",
        "feasible",
        "infeasible",
        "time_limit",
        "no_candidates",
    ]
    .contains(&status.as_str())
    {
        fault!("summary status {status:?} is not one of the contract's");
    }
    let has_plan = status == "optimal" || status == "feasible";

    // summary basics.
    if summary["scenario"] != scenario.name.as_str() {
        fault!(
            "summary scenario {} != {}",
            summary["scenario"],
            scenario.name
        );
    }
    if !summary["version"].is_string() {
        fault!("summary version is not a string");
    }
    match summary["seconds"].as_object() {
        Some(s) if s.values().all(|v| v.as_f64().is_some_and(|x| x >= 0.0)) => {}
        _ => fault!("summary seconds is not an object of non-negative numbers"),
    }
    let counts = &summary["counts"];
    for key in ["parcels", "candidates", "variables", "constraints"] {
        if counts[key].as_u64().is_none() {
            fault!("summary counts.{key} missing");
        }
    }
    if counts["parcels"].as_u64() != Some(map.parcels.len() as u64) {
        fault!(
            "summary counts.parcels {} != {} parcels in the layer",
            counts["parcels"],
            map.parcels.len()
        );
    }

    // excluded.geojson
    let excluded = read_features(&out.join("excluded.geojson"));
    let mut excluded_ids = BTreeSet::new();
    let mut reason_counts: BTreeMap<String, u64> = BTreeMap::new();
    for (_, p) in &excluded {
        let id = p
            .get("parcel_id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if map.parcel(&id).is_none() {
            fault!("excluded parcel {id:?} is not in the parcels layer");
        }
        if !excluded_ids.insert(id.clone()) {
            fault!("parcel {id} excluded twice");
        }
        let reason = p.get("reason").and_then(Value::as_str).unwrap_or("");
        if !(EXCLUSION_REASONS.contains(&reason) || reason.starts_with("setback:")) {
            fault!("parcel {id}: unknown exclusion reason {reason:?}");
        }
        if !p.get("detail").is_some_and(Value::is_string) {
            fault!("parcel {id}: exclusion without detail");
        }
        *reason_counts.entry(reason.to_string()).or_default() += 1;
    }
    if counts["candidates"]
        .as_u64()
        .map(|c| c as usize + excluded.len())
        != Some(map.parcels.len())
    {
        fault!(
            "candidates {} + excluded {} != parcels {}",
            counts["candidates"],
            excluded.len(),
            map.parcels.len()
        );
    }

    // sites.geojson and feeds.geojson
    let site_features = read_features(&out.join("sites.geojson"));
    let feed_features = read_features(&out.join("feeds.geojson"));
    let mut feeds: Vec<FeedOut> = Vec::new();
    let mut feed_keys = BTreeSet::new();
    for (g, p) in &feed_features {
        let f = FeedOut {
            parcel_id: p
                .get("parcel_id")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            substation_id: p
                .get("substation_id")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            km: num_or(p, "km", f64::NAN),
            firm_mw: num_or(p, "firm_mw", f64::NAN),
            flexible_mw: num_or(p, "flexible_mw", f64::NAN),
        };
        let usd = num_or(p, "usd", f64::NAN);
        let label = format!("feed {}→{}", f.parcel_id, f.substation_id);
        if !feed_keys.insert((f.parcel_id.clone(), f.substation_id.clone())) {
            fault!("{label} appears twice");
        }
        let (Some(parcel), Some(sub)) =
            (map.parcel(&f.parcel_id), map.substation(&f.substation_id))
        else {
            fault!("{label}: unknown parcel or substation");
            continue;
        };
        if g["type"] != "LineString" {
            fault!("{label}: geometry is not a LineString");
            continue;
        }
        let line = ring(&g["coordinates"]);
        if line.len() != 2 {
            fault!("{label}: LineString has {} positions, not 2", line.len());
            continue;
        }
        let (start, end) = (line[0], line[1]);
        let near = |a: Pt, b: Pt| (a[0] - b[0]).abs() <= 6e-8 && (a[1] - b[1]).abs() <= 6e-8;
        if !near(start, parcel.site_point) {
            fault!(
                "{label}: starts at {start:?}, not at the site point {:?}",
                parcel.site_point
            );
        }
        if !near(end, sub.point) {
            fault!(
                "{label}: ends at {end:?}, not at the substation {:?}",
                sub.point
            );
        }
        let km = haversine_km(parcel.site_point, sub.point);
        if !close(f.km, km, 5e-4 + 1e-9 * km) {
            fault!("{label}: km {} != haversine {km}", f.km);
        }
        if !close(haversine_km(start, end), km, 2e-3) {
            fault!(
                "{label}: its own line is {} km, not {km}",
                haversine_km(start, end)
            );
        }
        if km > scenario.max_feed_km + 1e-9 {
            fault!(
                "{label}: {km} km is beyond max_feed_km {}",
                scenario.max_feed_km
            );
        }
        let want_usd = scenario.feed_usd_per_km * km;
        if !close(usd, want_usd, usd_tol(1, want_usd)) {
            fault!("{label}: usd {usd} != feed_usd_per_km·km = {want_usd}");
        }
        if !(f.firm_mw >= 0.0 && f.flexible_mw >= 0.0) {
            fault!(
                "{label}: negative or missing MW ({} firm, {} flexible)",
                f.firm_mw,
                f.flexible_mw
            );
        }
        if f.firm_mw + f.flexible_mw > scenario.max_site_mw + 1e-3 {
            fault!(
                "{label}: firm+flex {} > max_site_mw",
                f.firm_mw + f.flexible_mw
            );
        }
        let flexible_room = sub.flexible_mw > 0.0 || sub.profile.is_some();
        if f.flexible_mw > 1e-6 && (scenario.flexible_share <= 0.0 || !flexible_room) {
            fault!("{label}: flexible MW {} where none may flow", f.flexible_mw);
        }
        feeds.push(f);
    }

    let mut sites: Vec<SiteOut> = Vec::new();
    let mut recomputed_sites_usd = 0.0;
    let mut chosen_points: Vec<(String, Pt)> = Vec::new();
    let mut mw_by_community: BTreeMap<String, f64> = BTreeMap::new();
    for (g, p) in &site_features {
        let parcel_id = p
            .get("parcel_id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let label = format!("site {parcel_id}");
        for key in [
            "parcel_id",
            "community",
            "mw",
            "firm_mw",
            "flexible_mw",
            "acres",
            "fiber_km",
            "feeds",
            "land_usd",
            "fiber_usd",
            "feed_usd",
            "site_fixed_usd",
            "total_usd",
        ] {
            if !p.contains_key(key) {
                fault!("{label}: property {key} missing");
            }
        }
        let Some(parcel) = map.parcel(&parcel_id) else {
            fault!("{label}: not in the parcels layer");
            continue;
        };
        if excluded_ids.contains(&parcel_id) {
            fault!("{label}: the parcel is also in excluded.geojson");
        }
        if chosen_points.iter().any(|(id, _)| *id == parcel_id) {
            fault!("{label}: chosen twice");
        }
        // Geometry: the parcel's polygon (coordinates rounded to 7 decimals).
        let key = |c: &Pt| ((c[0] * 1e7).round() as i64, (c[1] * 1e7).round() as i64);
        let got: BTreeSet<_> = areas(g).iter().flatten().flatten().map(key).collect();
        let want: BTreeSet<_> = parcel.shape.iter().flatten().flatten().map(key).collect();
        if got != want || areas(g).len() != parcel.shape.len() {
            fault!("{label}: geometry is not the parcel's polygon");
        }
        // Filters a chosen parcel must pass.
        if !scenario.allowed_zoning.contains(&parcel.zoning) {
            fault!("{label}: zoning {} is not allowed", parcel.zoning);
        }
        if parcel.water_stress > scenario.max_water_stress {
            fault!("{label}: water stress above the maximum");
        }
        let fiber_km = map.fiber_km(parcel.site_point);
        if fiber_km > scenario.max_fiber_km + 1e-9 {
            fault!("{label}: fiber {fiber_km} km beyond max_fiber_km");
        }
        if !close(num_or(p, "fiber_km", f64::NAN), fiber_km, 5e-4 + 1e-9) {
            fault!(
                "{label}: fiber_km {} != recomputed {fiber_km}",
                p["fiber_km"]
            );
        }
        if !close(
            num_or(p, "acres", f64::NAN),
            parcel.acres,
            5e-3 + 1e-9 * parcel.acres,
        ) {
            fault!("{label}: acres {} != geodesic {}", p["acres"], parcel.acres);
        }
        // Community: the property, and the community by point-in-polygon of the site point and
        // of the feed's start point.
        let community = p
            .get("community")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let containing = map.communities_of(parcel.site_point);
        if !containing.contains(&community) {
            fault!("{label}: community {community} but its site point lies in {containing:?}");
        }
        let site_feeds: Vec<&FeedOut> = feeds.iter().filter(|f| f.parcel_id == parcel_id).collect();
        for (fg, fp) in &feed_features {
            if fp.get("parcel_id").and_then(Value::as_str) == Some(parcel_id.as_str()) {
                let start = ring(&fg["coordinates"])[0];
                if !map.communities_of(start).contains(&community) {
                    fault!(
                        "{label}: community {community} but its feed starts in {:?}",
                        map.communities_of(start)
                    );
                }
            }
        }
        // Size.
        let mw = num_or(p, "mw", f64::NAN);
        let modules = mw / scenario.module_mw;
        if !(modules.is_finite() && (modules - modules.round()).abs() < 1e-6) {
            fault!(
                "{label}: {mw} MW is not a whole number of {} MW modules",
                scenario.module_mw
            );
        }
        if mw < scenario.min_site_mw - 1e-6 {
            fault!("{label}: {mw} MW < min_site_mw {}", scenario.min_site_mw);
        }
        let cap = scenario.size_cap_mw(parcel.acres);
        if mw > cap + 1e-6 {
            fault!("{label}: {mw} MW > min(max_site_mw, acres/acres_per_mw) = {cap}");
        }
        // Feeds.
        let n = site_feeds.len();
        if n < scenario.min_feeds || n > scenario.max_feeds {
            fault!(
                "{label}: {n} feeds, outside [{}, {}]",
                scenario.min_feeds,
                scenario.max_feeds
            );
        }
        let listed: Vec<String> = p
            .get("feeds")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let listed_set: BTreeSet<&String> = listed.iter().collect();
        let fed_set: BTreeSet<&String> = site_feeds.iter().map(|f| &f.substation_id).collect();
        if listed_set != fed_set || listed.len() != listed_set.len() {
            fault!("{label}: feeds {listed:?} differ from feeds.geojson {fed_set:?}");
        }
        let firm: f64 = site_feeds.iter().map(|f| f.firm_mw).sum();
        let flex: f64 = site_feeds.iter().map(|f| f.flexible_mw).sum();
        let tol = 1e-3 * (n as f64 + 1.0);
        if !close(firm + flex, mw, tol) {
            fault!("{label}: {mw} MW but its feeds carry {firm} firm + {flex} flexible");
        }
        if !close(num_or(p, "firm_mw", f64::NAN), firm, tol)
            || !close(num_or(p, "flexible_mw", f64::NAN), flex, tol)
        {
            fault!("{label}: firm_mw/flexible_mw differ from the sums of its feeds");
        }
        if flex > scenario.flexible_share * mw + tol {
            fault!(
                "{label}: flexible {flex} MW > flexible_share·mw = {}",
                scenario.flexible_share * mw
            );
        }
        // Costs.
        let land = parcel.land_usd_per_acre * parcel.acres;
        let fiber = scenario.fiber_usd_per_km * fiber_km;
        let feed: f64 = site_feeds
            .iter()
            .map(|f| {
                scenario.feed_usd_per_km
                    * haversine_km(
                        parcel.site_point,
                        map.substation(&f.substation_id).unwrap().point,
                    )
            })
            .sum();
        let flexible = scenario.flexible_usd_per_mw * flex;
        let total = land + fiber + feed + scenario.site_fixed_usd + flexible;
        for (key, want, terms) in [
            ("land_usd", land, 1),
            ("fiber_usd", fiber, 1),
            ("feed_usd", feed, n.max(1)),
            ("site_fixed_usd", scenario.site_fixed_usd, 1),
            ("total_usd", total, 5 + n),
        ] {
            let got = num_or(p, key, f64::NAN);
            // The flexible term's tolerance: rounding of the MW written.
            let extra = if key == "total_usd" {
                scenario.flexible_usd_per_mw * tol
            } else {
                0.0
            };
            if !close(got, want, usd_tol(terms, want) + extra) {
                fault!("{label}: {key} {got} != recomputed {want}");
            }
        }
        let written: f64 = ["land_usd", "fiber_usd", "feed_usd", "site_fixed_usd"]
            .iter()
            .map(|k| num_or(p, k, 0.0))
            .sum::<f64>()
            + flexible;
        if !close(
            num_or(p, "total_usd", f64::NAN),
            written,
            usd_tol(5, written) + scenario.flexible_usd_per_mw * tol,
        ) {
            fault!("{label}: total_usd is not land + fiber + feed + fixed (+ flexible)");
        }
        recomputed_sites_usd += total;
        *mw_by_community.entry(community.clone()).or_default() += mw;
        chosen_points.push((parcel_id.clone(), parcel.site_point));
        sites.push(SiteOut {
            parcel_id,
            community,
            mw,
            feeds: listed,
            total_usd: num_or(p, "total_usd", f64::NAN),
        });
    }
    for f in &feeds {
        if !sites.iter().any(|s| s.parcel_id == f.parcel_id) {
            fault!(
                "feed {}→{} belongs to no chosen site",
                f.parcel_id,
                f.substation_id
            );
        }
    }

    // substations.geojson
    let substation_features = read_features(&out.join("substations.geojson"));
    let mut upgraded = Vec::new();
    let mut upgrade_usd = 0.0;
    let mut seen = BTreeSet::new();
    for (g, p) in &substation_features {
        let id = p
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let label = format!("substation {id}");
        let Some(s) = map.substation(&id) else {
            fault!("{label}: not in the substations layer");
            continue;
        };
        if !seen.insert(id.clone()) {
            fault!("{label}: written twice");
        }
        if g["type"] != "Point" || {
            let c = pt(&g["coordinates"]);
            (c[0] - s.point[0]).abs() > 6e-8 || (c[1] - s.point[1]).abs() > 6e-8
        } {
            fault!("{label}: geometry is not its point");
        }
        let is_upgraded = p.get("upgraded").and_then(Value::as_bool);
        let Some(is_upgraded) = is_upgraded else {
            fault!("{label}: upgraded is not a boolean");
            continue;
        };
        if is_upgraded {
            if s.upgrade_mw <= 0.0 {
                fault!("{label}: upgraded without an upgrade option");
            }
            if !has_plan {
                fault!("{label}: upgraded in a scenario without a plan");
            }
            upgraded.push(id.clone());
            upgrade_usd += s.upgrade_usd;
        }
        let available = scenario.firm_capacity_mw(s) + if is_upgraded { s.upgrade_mw } else { 0.0 };
        let reserved = (s.headroom_mw - available).max(0.0);
        let used_firm: f64 = feeds
            .iter()
            .filter(|f| f.substation_id == id)
            .map(|f| f.firm_mw)
            .sum();
        let used_flex: f64 = feeds
            .iter()
            .filter(|f| f.substation_id == id)
            .map(|f| f.flexible_mw)
            .sum();
        let n = feeds.iter().filter(|f| f.substation_id == id).count();
        let tol = 1e-3 * (n as f64 + 1.0);
        let utilization = if available > 0.0 {
            used_firm / available
        } else {
            0.0
        };
        for (key, want, tol) in [
            ("headroom_mw", s.headroom_mw, 1e-3),
            ("available_mw", available, 1e-3),
            ("reserved_mw", reserved, 1e-3),
            ("used_firm_mw", used_firm, tol),
            ("used_flexible_mw", used_flex, tol),
            ("utilization", utilization, 1e-4 + tol / available.max(1e-9)),
        ] {
            let got = num_or(p, key, f64::NAN);
            if !close(got, want, tol) {
                fault!("{label}: {key} {got} != {want}");
            }
        }
        if used_firm > available + tol {
            fault!("{label}: firm {used_firm} MW > available {available} MW");
        }
        if !close(num_or(p, "queued_mw", f64::NAN), s.queued_mw, 1e-3) {
            fault!(
                "{label}: queued_mw differs from the counted loads ({})",
                s.queued_mw
            );
        }
        if s.profile.is_none() && used_flex > s.flexible_mw + tol {
            fault!(
                "{label}: flexible {used_flex} MW > flexible_mw {}",
                s.flexible_mw
            );
        }
        if s.profile.is_some() {
            let room = map.hourly_room(&scenario, s, is_upgraded);
            let load_mw = used_firm + used_flex;
            if load_mw > 0.0 && !map.hostable(&scenario, &room, load_mw - tol) {
                fault!("{label}: a new load of {load_mw} MW breaks the curtailment budget");
            }
            let (mwh, hours, pct) = map.curtailment(&room, load_mw);
            let peak = (s.profile.iter().flatten()).copied().fold(0.0, f64::max);
            let flexible_room = (map.hosting_mw(&scenario, &room) - available).max(0.0);
            for (key, want, tol) in [
                ("peak_load_mw", peak, 1e-3),
                ("flexible_room_mw", flexible_room, 1e-3),
                ("curtailment_mwh", mwh, 1e-3 + 1e-6 * mwh),
                ("curtailment_hours", hours, 1e-3),
                ("curtailment_pct", pct, 1e-4),
            ] {
                let got = num_or(p, key, f64::NAN);
                if !close(got, want, tol) {
                    fault!("{label}: {key} {got} != {want}");
                }
            }
        }
    }
    for s in &map.substations {
        if !seen.contains(&s.id) {
            fault!("substation {} missing from substations.geojson", s.id);
        }
    }

    let objective_usd = summary["objective_usd"].as_f64();
    let recomputed_objective_usd = recomputed_sites_usd + upgrade_usd;
    if has_plan {
        // target and count
        let total: f64 = sites.iter().map(|s| s.mw).sum();
        if total < scenario.total_mw - 1e-6 {
            fault!("plan places {total} MW < target {}", scenario.total_mw);
        }
        if sites.len() > scenario.max_sites {
            fault!("{} sites > max_sites {}", sites.len(), scenario.max_sites);
        }
        if sites.is_empty() {
            fault!("status {status} without any site");
        }
        // spacing
        for (i, (a, pa)) in chosen_points.iter().enumerate() {
            for (b, pb) in &chosen_points[i + 1..] {
                let km = haversine_km(*pa, *pb);
                if km < scenario.min_spacing_km - 1e-9 {
                    fault!(
                        "sites {a} and {b} are {km} km apart, closer than {} km",
                        scenario.min_spacing_km
                    );
                }
            }
        }
        // community
        let cap = scenario.max_share_per_community * scenario.total_mw;
        for (c, mw) in &mw_by_community {
            if *mw > cap + 1e-6 {
                fault!("community {c} hosts {mw} MW > {cap} MW");
            }
        }
        if mw_by_community.len() < scenario.min_communities {
            fault!(
                "sites span {} communities < min_communities {}",
                mw_by_community.len(),
                scenario.min_communities
            );
        }
        // objective
        let written: f64 = sites.iter().map(|s| s.total_usd).sum::<f64>() + upgrade_usd;
        match objective_usd {
            None => fault!("summary objective_usd is not a number"),
            Some(obj) => {
                if !close(obj, written, usd_tol(sites.len() + 1, obj)) {
                    fault!("objective_usd {obj} != Σ site total_usd + Σ upgrade_usd = {written}");
                }
                if !close(
                    obj,
                    recomputed_objective_usd,
                    usd_tol(sites.len() * 8 + 1, obj),
                ) {
                    fault!(
                        "objective_usd {obj} != objective recomputed from the layers {recomputed_objective_usd}"
                    );
                }
            }
        }
        if !close(
            summary["total_mw"].as_f64().unwrap_or(f64::NAN),
            total,
            1e-3,
        ) {
            fault!("summary total_mw {} != Σ mw {total}", summary["total_mw"]);
        }
        match summary["gap"].as_f64() {
            Some(gap) if gap >= 0.0 => {
                if status == "optimal" && gap > scenario.mip_gap + 1e-6 {
                    fault!(
                        "status optimal with gap {gap} > mip_gap {}",
                        scenario.mip_gap
                    );
                }
            }
            _ => fault!("summary gap is not a non-negative number with a plan"),
        }
    } else {
        if !site_features.is_empty() || !feed_features.is_empty() {
            fault!("status {status}: sites.geojson and feeds.geojson must be empty");
        }
        if !summary["objective_usd"].is_null() {
            fault!(
                "status {status}: objective_usd should be null, got {}",
                summary["objective_usd"]
            );
        }
        if summary["message"].as_str().is_none_or(str::is_empty) {
            fault!("status {status}: summary has no message");
        }
        if summary["total_mw"].as_f64().is_some_and(|x| x != 0.0) {
            fault!("status {status}: total_mw {}", summary["total_mw"]);
        }
    }
    if summary["sites"].as_u64() != Some(sites.len() as u64) {
        fault!(
            "summary sites {} != {} features",
            summary["sites"],
            sites.len()
        );
    }
    // Fields the crate adds beyond the contract must agree with the files where present.
    if let Some(list) = summary.get("upgraded").and_then(Value::as_array) {
        let listed: BTreeSet<&str> = list.iter().filter_map(Value::as_str).collect();
        let flagged: BTreeSet<&str> = upgraded.iter().map(String::as_str).collect();
        if listed != flagged {
            fault!("summary upgraded {listed:?} != substations flagged upgraded {flagged:?}");
        }
    }
    if let Some(n) = summary.get("communities").and_then(Value::as_u64)
        && n as usize != mw_by_community.len()
    {
        fault!("summary communities {n} != {}", mw_by_community.len());
    }
    if status == "no_candidates" {
        if counts["candidates"].as_u64() != Some(0) {
            fault!(
                "no_candidates with counts.candidates {}",
                counts["candidates"]
            );
        }
        match summary["exclusions"].as_object() {
            None => fault!("no_candidates summary without exclusion counts"),
            Some(ex) => {
                let got: BTreeMap<String, u64> = ex
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
                    .collect();
                if got != reason_counts {
                    fault!(
                        "summary exclusions {got:?} != counts in excluded.geojson {reason_counts:?}"
                    );
                }
            }
        }
    }

    if !faults.is_empty() {
        panic!(
            "plan in {} breaks the contract ({} faults):\n  {}",
            out.display(),
            faults.len(),
            faults.join("\n  ")
        );
    }
    Checked {
        status,
        summary,
        objective_usd,
        recomputed_objective_usd,
        sites,
        feeds,
        upgraded,
        feature_counts,
    }
}
