//! Property tests: the spatial index agrees with brute force over every item, each hard filter
//! agrees with a plain reference implementation of the contract, and the whole screening equals
//! a sequential reference screen (same candidates, same first reason for every parcel).
//!
//! Maps are random: parcels (small squares, triangles, two-part multipolygons), substations
//! (some on the very same point, to exercise ties), fiber (points, lines, multi-lines, some
//! duplicated), receptors (points and small squares) and overlapping community rectangles,
//! within a region of about 50 km around a random centre (lon -125..125, lat -60..60).

use std::collections::BTreeMap;
use std::path::Path;

use geo::{
    BoundingRect, Centroid, Contains, Coord, GeodesicArea, Geometry, LineString, MultiLineString,
    MultiPolygon, Point, Polygon,
};
use gridsite::candidates::{self, Candidate, Reason, Screening};
use gridsite::index::{SpatialIndex, haversine_km, segment_haversine_km, setback_distance_m};
use gridsite::layers::{
    Community, FiberLine, Map, Parcel, Receptor, ReceptorGeometry, SQUARE_METRES_PER_ACRE,
    Substation,
};
use gridsite::scenario::Scenario;
use proptest::prelude::*;
use proptest::sample::Index;

// ---------------------------------------------------------------------------------------------
// Random maps
// ---------------------------------------------------------------------------------------------

/// Kilometres per degree of latitude on the mean sphere.
const KM_PER_DEGREE: f64 = 6_371.008_8 * std::f64::consts::PI / 180.0;

const ZONINGS: [&str; 4] = ["industrial", "commercial", "residential", "agricultural"];
/// Receptor kinds: the four with default setbacks, one a scenario may add, one with none.
const KINDS: [&str; 6] = [
    "school",
    "hospital",
    "residential",
    "protected",
    "wetland",
    "farm",
];

#[derive(Debug, Clone)]
struct ParcelSpec {
    /// Offset of the centre from the map centre, as a share of the half-width (-1..1).
    u: f64,
    v: f64,
    side_km: f64,
    /// 0: square, 1: triangle, 2: two squares (a MultiPolygon).
    form: u8,
    zoning: usize,
    brownfield: bool,
    water_stress: f64,
    land_usd_per_acre: f64,
}

#[derive(Debug, Clone)]
struct SubstationSpec {
    u: f64,
    v: f64,
    /// Put this substation on the point of an earlier one (a tie).
    copy_of: Option<Index>,
}

#[derive(Debug, Clone)]
enum FiberSpec {
    Point(f64, f64),
    Lines(Vec<Vec<(f64, f64)>>),
    /// The same geometry as an earlier fiber (a tie).
    CopyOf(Index),
}

#[derive(Debug, Clone)]
struct ReceptorSpec {
    u: f64,
    v: f64,
    kind: usize,
    /// None: a point; Some(side): a square of that side in km.
    side_km: Option<f64>,
    /// Placed (dx, dy) km from a parcel's centre instead of at (u, v), so that setbacks bite.
    near: Option<(Index, f64, f64)>,
}

#[derive(Debug, Clone)]
struct CommunitySpec {
    u: f64,
    v: f64,
    w_km: f64,
    h_km: f64,
    burden_pct: f64,
}

#[derive(Debug, Clone)]
struct WorldSpec {
    lon0: f64,
    lat0: f64,
    half_km: f64,
    parcels: Vec<ParcelSpec>,
    substations: Vec<SubstationSpec>,
    fiber: Vec<FiberSpec>,
    receptors: Vec<ReceptorSpec>,
    communities: Vec<CommunitySpec>,
}

fn unit() -> impl Strategy<Value = f64> {
    -1.0..1.0f64
}

fn parcel_spec() -> impl Strategy<Value = ParcelSpec> {
    (
        unit(),
        unit(),
        0.05..1.2f64,
        0u8..3,
        prop_oneof![3 => Just(0usize), 3 => Just(1usize), 1 => Just(2usize), 1 => Just(3usize)],
        any::<bool>(),
        0.0..5.0f64,
        0.0..500_000.0f64,
    )
        .prop_map(
            |(u, v, side_km, form, zoning, brownfield, water_stress, land_usd_per_acre)| {
                ParcelSpec {
                    u,
                    v,
                    side_km,
                    form,
                    zoning,
                    brownfield,
                    water_stress,
                    land_usd_per_acre,
                }
            },
        )
}

fn substation_spec() -> impl Strategy<Value = SubstationSpec> {
    (
        unit(),
        unit(),
        proptest::option::weighted(0.2, any::<Index>()),
    )
        .prop_map(|(u, v, copy_of)| SubstationSpec { u, v, copy_of })
}

fn fiber_spec() -> impl Strategy<Value = FiberSpec> {
    let vertex = (unit(), unit());
    prop_oneof![
        2 => (unit(), unit()).prop_map(|(u, v)| FiberSpec::Point(u, v)),
        6 => prop::collection::vec(prop::collection::vec(vertex, 2..6), 1..3)
            .prop_map(FiberSpec::Lines),
        1 => any::<Index>().prop_map(FiberSpec::CopyOf),
    ]
}

fn receptor_spec() -> impl Strategy<Value = ReceptorSpec> {
    (
        unit(),
        unit(),
        0..KINDS.len(),
        proptest::option::of(0.02..0.8f64),
        proptest::option::weighted(0.7, (any::<Index>(), -2.0..2.0f64, -2.0..2.0f64)),
    )
        .prop_map(|(u, v, kind, side_km, near)| ReceptorSpec {
            u,
            v,
            kind,
            side_km,
            near,
        })
}

fn community_spec() -> impl Strategy<Value = CommunitySpec> {
    (unit(), unit(), 2.0..40.0f64, 2.0..40.0f64, 0.0..100.0f64).prop_map(
        |(u, v, w_km, h_km, burden_pct)| CommunitySpec {
            u,
            v,
            w_km,
            h_km,
            burden_pct,
        },
    )
}

/// A world about `2·half_km` across, around a random centre.
fn world_spec(half_km: impl Strategy<Value = f64>) -> impl Strategy<Value = WorldSpec> {
    (
        -125.0..125.0f64,
        -60.0..60.0f64,
        half_km,
        prop::collection::vec(parcel_spec(), 1..40),
        prop::collection::vec(substation_spec(), 0..15),
        prop::collection::vec(fiber_spec(), 0..10),
        prop::collection::vec(receptor_spec(), 0..25),
        prop::collection::vec(community_spec(), 0..5),
    )
        .prop_map(
            |(lon0, lat0, half_km, parcels, substations, fiber, receptors, communities)| {
                WorldSpec {
                    lon0,
                    lat0,
                    half_km,
                    parcels,
                    substations,
                    fiber,
                    receptors,
                    communities,
                }
            },
        )
}

impl WorldSpec {
    /// The lon/lat of a point `x_km` east and `y_km` north of the centre.
    fn at_km(&self, x_km: f64, y_km: f64) -> Coord {
        Coord {
            x: self.lon0 + x_km / (KM_PER_DEGREE * self.lat0.to_radians().cos()),
            y: self.lat0 + y_km / KM_PER_DEGREE,
        }
    }

    /// The lon/lat of a point given as shares of the half-width.
    fn at(&self, u: f64, v: f64) -> Coord {
        self.at_km(u * self.half_km, v * self.half_km)
    }

    /// A closed ring through points given in km from (x, y), counter-clockwise.
    fn ring(&self, x: f64, y: f64, corners_km: &[(f64, f64)]) -> LineString {
        let mut coords: Vec<Coord> = corners_km
            .iter()
            .map(|(dx, dy)| self.at_km(x + dx, y + dy))
            .collect();
        coords.push(coords[0]);
        LineString(coords)
    }

    fn square(&self, x: f64, y: f64, side_km: f64) -> Polygon {
        let h = side_km / 2.0;
        Polygon::new(
            self.ring(x, y, &[(-h, -h), (h, -h), (h, h), (-h, h)]),
            vec![],
        )
    }

    fn build(&self) -> Map {
        let km = |u: f64| u * self.half_km;
        let parcels = self
            .parcels
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let (x, y) = (km(s.u), km(s.v));
                let shape = match s.form {
                    0 => MultiPolygon(vec![self.square(x, y, s.side_km)]),
                    1 => {
                        let h = s.side_km / 2.0;
                        MultiPolygon(vec![Polygon::new(
                            self.ring(x, y, &[(-h, -h), (h, -h), (-h, h)]),
                            vec![],
                        )])
                    }
                    _ => MultiPolygon(vec![
                        self.square(x, y, s.side_km),
                        self.square(x + 1.5 * s.side_km, y + 0.3, s.side_km / 2.0),
                    ]),
                };
                let acres = shape.geodesic_area_unsigned() / SQUARE_METRES_PER_ACRE;
                let site_point = shape.centroid().unwrap();
                Parcel {
                    id: format!("P{i}"),
                    zoning: ZONINGS[s.zoning].to_string(),
                    land_usd_per_acre: s.land_usd_per_acre,
                    brownfield: s.brownfield,
                    water_stress: s.water_stress,
                    shape,
                    site_point,
                    acres,
                }
            })
            .collect();

        let mut substations: Vec<Substation> = Vec::new();
        for (i, s) in self.substations.iter().enumerate() {
            let point = match &s.copy_of {
                Some(ix) if !substations.is_empty() => ix.get(&substations).point,
                _ => Point(self.at(s.u, s.v)),
            };
            substations.push(Substation {
                id: format!("S{i}"),
                name: None,
                point,
                voltage_kv: 115.0,
                headroom_mw: 100.0,
                flexible_mw: 0.0,
                community_growth_mw: 0.0,
                upgrade_mw: 0.0,
                upgrade_usd: 0.0,
                supply_share: 0.0,
                profile: None,
                queued_mw: 0.0,
                hosting: None,
            });
        }

        let mut fiber: Vec<FiberLine> = Vec::new();
        for (i, s) in self.fiber.iter().enumerate() {
            let lines = match s {
                FiberSpec::Point(u, v) => MultiLineString(vec![LineString(vec![self.at(*u, *v)])]),
                FiberSpec::Lines(parts) => MultiLineString(
                    parts
                        .iter()
                        .map(|part| LineString(part.iter().map(|(u, v)| self.at(*u, *v)).collect()))
                        .collect(),
                ),
                FiberSpec::CopyOf(ix) if !fiber.is_empty() => ix.get(&fiber).lines.clone(),
                FiberSpec::CopyOf(_) => MultiLineString(vec![LineString(vec![self.at(0.0, 0.0)])]),
            };
            fiber.push(FiberLine {
                id: format!("F{i}"),
                kind: None,
                lines,
            });
        }

        let receptors = self
            .receptors
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let (x, y) = match &s.near {
                    Some((ix, dx, dy)) => {
                        let p = ix.get(&self.parcels);
                        (km(p.u) + dx, km(p.v) + dy)
                    }
                    None => (km(s.u), km(s.v)),
                };
                Receptor {
                    id: format!("R{i}"),
                    kind: KINDS[s.kind].to_string(),
                    name: None,
                    geometry: match s.side_km {
                        None => ReceptorGeometry::Point(Point(self.at_km(x, y))),
                        Some(side) => {
                            ReceptorGeometry::Area(MultiPolygon(vec![self.square(x, y, side)]))
                        }
                    },
                }
            })
            .collect();

        let communities = self
            .communities
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let (x, y) = (km(s.u), km(s.v));
                let (w, h) = (s.w_km / 2.0, s.h_km / 2.0);
                Community {
                    id: format!("C{i}"),
                    name: format!("Community {i}"),
                    population: 1000.0,
                    burden_pct: s.burden_pct,
                    shape: MultiPolygon(vec![Polygon::new(
                        self.ring(x, y, &[(-w, -h), (w, -h), (w, h), (-w, h)]),
                        vec![],
                    )]),
                }
            })
            .collect();

        Map {
            substations,
            fiber,
            parcels,
            receptors,
            communities,
            lines: Vec::new(),
            ..Map::default()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Brute-force references for the index
// ---------------------------------------------------------------------------------------------

/// Every substation within `max_km` of a point, nearest first, ties to the lower index.
fn brute_substations_within(map: &Map, from: Point, max_km: f64) -> Vec<(usize, f64)> {
    let mut found: Vec<(usize, f64)> = map
        .substations
        .iter()
        .enumerate()
        .map(|(i, s)| (i, haversine_km(from, s.point)))
        .filter(|(_, km)| *km <= max_km)
        .collect();
    found.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    found
}

/// The nearest substation, ties to the lower index.
fn brute_nearest_substation(map: &Map, from: Point) -> Option<(usize, f64)> {
    let mut best: Option<(usize, f64)> = None;
    for (i, s) in map.substations.iter().enumerate() {
        let km = haversine_km(from, s.point);
        if best.is_none_or(|(_, b)| km < b) {
            best = Some((i, km));
        }
    }
    best
}

/// The great-circle km from a point to the nearest point of a fiber geometry.
fn fiber_km(from: Point, fiber: &FiberLine) -> f64 {
    let mut best = f64::INFINITY;
    for line in &fiber.lines.0 {
        if line.0.len() == 1 {
            best = best.min(haversine_km(from, Point(line.0[0])));
        }
        for segment in line.lines() {
            best = best.min(segment_haversine_km(from, segment));
        }
    }
    best
}

/// The nearest fiber, ties to the lower index.
fn brute_nearest_fiber(map: &Map, from: Point) -> Option<(usize, f64)> {
    let mut best: Option<(usize, f64)> = None;
    for (i, f) in map.fiber.iter().enumerate() {
        let km = fiber_km(from, f);
        if best.is_none_or(|(_, b)| km < b) {
            best = Some((i, km));
        }
    }
    best
}

/// The lowest-index community containing a point.
fn brute_community_of(map: &Map, point: Point) -> Option<usize> {
    map.communities
        .iter()
        .position(|c| c.shape.contains(&point))
}

/// Parcels (other than `p`) whose site points lie closer than `km`, in index order.
fn brute_parcels_closer(map: &Map, p: usize, km: f64) -> Vec<usize> {
    let from = map.parcels[p].site_point;
    (0..map.parcels.len())
        .filter(|&q| q != p && haversine_km(from, map.parcels[q].site_point) < km)
        .collect()
}

/// A receptor's geometry in the index's local frame, projected independently of the index.
fn receptor_local(index: &SpatialIndex, receptor: &Receptor) -> Geometry {
    let g = match &receptor.geometry {
        ReceptorGeometry::Point(p) => Geometry::Point(*p),
        ReceptorGeometry::Area(a) => Geometry::MultiPolygon(a.clone()),
    };
    index.frame.project_geometry(&g).unwrap()
}

fn parcel_local(index: &SpatialIndex, parcel: &Parcel) -> Geometry {
    index
        .frame
        .project_geometry(&Geometry::MultiPolygon(parcel.shape.clone()))
        .unwrap()
}

fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-12)
}

fn same_hits(a: &[(usize, f64)], b: &[(usize, f64)]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.0 == y.0 && close(x.1, y.1))
}

fn same_hit(a: Option<(usize, f64)>, b: Option<(usize, f64)>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => x.0 == y.0 && close(x.1, y.1),
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Random scenarios
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct ScenarioSpec {
    allowed: [bool; 4],
    acres_per_mw: f64,
    max_fiber_km: f64,
    max_feed_km: f64,
    min_feeds: u32,
    extra_feeds: u32,
    /// Setback overrides for KINDS[0..5] (None: keep the default; Some(0): remove).
    setbacks: [Option<f64>; 5],
    max_burden_pct: f64,
    brownfield_exempt: bool,
    max_water_stress: f64,
    module_mw: f64,
    min_site_mw: f64,
    extra_site_mw: f64,
}

fn setback_override() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![
        2 => Just(None),
        1 => Just(Some(0.0)),
        3 => (1.0..2000.0f64).prop_map(Some),
    ]
}

fn scenario_spec() -> impl Strategy<Value = ScenarioSpec> {
    (
        (
            [
                prop::bool::weighted(0.8),
                prop::bool::weighted(0.8),
                prop::bool::weighted(0.5),
                prop::bool::weighted(0.5),
            ],
            0.05..2.0f64,
            0.0..15.0f64,
            0.0..30.0f64,
            0u32..4,
            0u32..3,
        ),
        (
            [
                setback_override(),
                setback_override(),
                setback_override(),
                setback_override(),
                setback_override(),
            ],
            prop_oneof![Just(100.0), 0.0..100.0f64],
            any::<bool>(),
            prop_oneof![Just(5.0), 0.0..5.0f64],
        ),
        (
            prop::sample::select(vec![5.0, 10.0, 25.0, 50.0, 12.5]),
            1.0..300.0f64,
            0.0..400.0f64,
        ),
    )
        .prop_map(
            |(
                (allowed, acres_per_mw, max_fiber_km, max_feed_km, min_feeds, extra_feeds),
                (setbacks, max_burden_pct, brownfield_exempt, max_water_stress),
                (module_mw, min_site_mw, extra_site_mw),
            )| ScenarioSpec {
                allowed,
                acres_per_mw,
                max_fiber_km,
                max_feed_km,
                min_feeds,
                extra_feeds,
                setbacks,
                max_burden_pct,
                brownfield_exempt,
                max_water_stress,
                module_mw,
                min_site_mw,
                extra_site_mw,
            },
        )
}

impl ScenarioSpec {
    fn allowed_zoning(&self) -> Vec<&'static str> {
        ZONINGS
            .iter()
            .zip(self.allowed)
            .filter(|(_, a)| *a)
            .map(|(z, _)| *z)
            .collect()
    }

    fn max_feeds(&self) -> u32 {
        self.min_feeds.max(1) + self.extra_feeds
    }

    fn max_site_mw(&self) -> f64 {
        self.min_site_mw + self.extra_site_mw
    }

    fn toml(&self) -> String {
        let zoning: Vec<String> = self
            .allowed_zoning()
            .iter()
            .map(|z| format!("\"{z}\""))
            .collect();
        let setbacks: Vec<String> = KINDS[..5]
            .iter()
            .zip(self.setbacks)
            .filter_map(|(kind, m)| m.map(|m| format!("{kind} = {m:?}")))
            .collect();
        format!(
            "name = \"prop\"\nmap = \"m\"\n\n[target]\ntotal_mw = 100.0\nmodule_mw = {:?}\n\
             min_site_mw = {:?}\nmax_site_mw = {:?}\n\n[site]\nallowed_zoning = [{}]\n\
             acres_per_mw = {:?}\nmax_fiber_km = {:?}\nmax_feed_km = {:?}\nmin_feeds = {}\n\
             max_feeds = {}\n\n[community]\nsetback_m = {{ {} }}\nmax_burden_pct = {:?}\n\
             brownfield_exempt = {}\nmax_water_stress = {:?}\n",
            self.module_mw,
            self.min_site_mw,
            self.max_site_mw(),
            zoning.join(", "),
            self.acres_per_mw,
            self.max_fiber_km,
            self.max_feed_km,
            self.min_feeds,
            self.max_feeds(),
            setbacks.join(", "),
            self.max_burden_pct,
            self.brownfield_exempt,
            self.max_water_stress,
        )
    }

    fn scenario(&self) -> Scenario {
        let text = self.toml();
        Scenario::parse(&text, Path::new("x.toml"))
            .unwrap_or_else(|e| panic!("generated scenario does not parse: {e}\n{text}"))
    }

    /// The merged setback table, built from the contract's defaults by hand.
    fn setback_table(&self) -> BTreeMap<&'static str, f64> {
        let mut table: BTreeMap<&'static str, f64> = [
            ("school", 500.0),
            ("hospital", 500.0),
            ("residential", 300.0),
            ("protected", 1000.0),
        ]
        .into_iter()
        .collect();
        for (kind, m) in KINDS[..5].iter().zip(self.setbacks) {
            if let Some(m) = m {
                table.insert(kind, m);
            }
        }
        table
    }

    fn setback_m(&self, kind: &str) -> f64 {
        self.setback_table().get(kind).copied().unwrap_or(0.0)
    }
}

// ---------------------------------------------------------------------------------------------
// Reference filters: the contract, written plainly
// ---------------------------------------------------------------------------------------------

fn ref_zoning_ok(spec: &ScenarioSpec, parcel: &Parcel) -> bool {
    spec.allowed_zoning().contains(&parcel.zoning.as_str())
}

/// Over every receptor: the closest one nearer than its kind's setback (ties to the lower
/// index), as (receptor, distance m).
fn ref_setback(
    spec: &ScenarioSpec,
    map: &Map,
    index: &SpatialIndex,
    parcel: &Parcel,
) -> Option<(usize, f64)> {
    let local = parcel_local(index, parcel);
    let mut worst: Option<(usize, f64)> = None;
    for (r, receptor) in map.receptors.iter().enumerate() {
        let setback = spec.setback_m(&receptor.kind);
        if setback <= 0.0 {
            continue;
        }
        let d = ref_distance_m(&local, &receptor_local(index, receptor));
        if d < setback && worst.is_none_or(|(_, w)| d < w) {
            worst = Some((r, d));
        }
    }
    worst
}

/// The Euclidean distance (metres, in the local frame) between a parcel and a receptor,
/// written here from the definition rather than taken from geo: 0 where they touch or one
/// holds a point of the other, else the least distance from a vertex of one to a segment of
/// the other.
fn ref_distance_m(a: &Geometry, b: &Geometry) -> f64 {
    let (pa, sa, ra) = parts(a);
    let (pb, sb, rb) = parts(b);
    let touch = sa.iter().any(|s| sb.iter().any(|t| segments_cross(*s, *t)))
        || pa.iter().any(|p| inside(*p, &rb))
        || pb.iter().any(|p| inside(*p, &ra));
    if touch {
        return 0.0;
    }
    let from = |points: &[(f64, f64)], segments: &[Seg]| {
        (points.iter())
            .flat_map(|p| segments.iter().map(move |s| point_segment_m(*p, *s)))
            .fold(f64::INFINITY, f64::min)
    };
    let points_apart = (pa.iter())
        .flat_map(|p| {
            pb.iter()
                .map(move |q| ((p.0 - q.0).powi(2) + (p.1 - q.1).powi(2)).sqrt())
        })
        .fold(f64::INFINITY, f64::min);
    from(&pa, &sb).min(from(&pb, &sa)).min(points_apart)
}

type Seg = ((f64, f64), (f64, f64));
/// A polygon's rings, exterior first.
type Rings = Vec<Vec<(f64, f64)>>;

/// A geometry's vertices, its ring segments, and its polygons (exterior first, then holes).
fn parts(g: &Geometry) -> (Vec<(f64, f64)>, Vec<Seg>, Vec<Rings>) {
    let mut polygons: Vec<Rings> = Vec::new();
    match g {
        Geometry::Point(p) => return (vec![(p.x(), p.y())], Vec::new(), Vec::new()),
        Geometry::Polygon(p) => polygons.push(rings_of(p)),
        Geometry::MultiPolygon(m) => polygons.extend(m.0.iter().map(rings_of)),
        other => panic!("unexpected geometry {other:?}"),
    }
    let mut points = Vec::new();
    let mut segments = Vec::new();
    for ring in polygons.iter().flatten() {
        points.extend(ring.iter().copied());
        segments.extend(ring.windows(2).map(|w| (w[0], w[1])));
    }
    (points, segments, polygons)
}

fn rings_of(p: &geo::Polygon) -> Rings {
    std::iter::once(p.exterior())
        .chain(p.interiors())
        .map(|r| r.0.iter().map(|c| (c.x, c.y)).collect())
        .collect()
}

/// Whether `p` lies in one of the polygons (inside its exterior, outside its holes): even-odd
/// ray casting.
fn inside(p: (f64, f64), polygons: &[Rings]) -> bool {
    let in_ring = |ring: &Vec<(f64, f64)>| {
        let mut odd = false;
        for w in ring.windows(2) {
            let ((x1, y1), (x2, y2)) = (w[0], w[1]);
            if (y1 > p.1) != (y2 > p.1) && p.0 < x1 + (p.1 - y1) * (x2 - x1) / (y2 - y1) {
                odd = !odd;
            }
        }
        odd
    };
    (polygons.iter()).any(|rings| in_ring(&rings[0]) && !rings[1..].iter().any(in_ring))
}

fn point_segment_m(p: (f64, f64), (a, b): Seg) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let length2 = dx * dx + dy * dy;
    let t = if length2 == 0.0 {
        0.0
    } else {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / length2).clamp(0.0, 1.0)
    };
    ((p.0 - a.0 - t * dx).powi(2) + (p.1 - a.1 - t * dy).powi(2)).sqrt()
}

/// Whether two segments share a point (proper crossings and touching ends alike).
fn segments_cross((a, b): Seg, (c, d): Seg) -> bool {
    let orient = |p: (f64, f64), q: (f64, f64), r: (f64, f64)| {
        (q.0 - p.0) * (r.1 - p.1) - (q.1 - p.1) * (r.0 - p.0)
    };
    let (d1, d2) = (orient(c, d, a), orient(c, d, b));
    let (d3, d4) = (orient(a, b, c), orient(a, b, d));
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
    {
        return true;
    }
    // Collinear or touching: an end on the other segment.
    point_segment_m(a, (c, d)) == 0.0
        || point_segment_m(b, (c, d)) == 0.0
        || point_segment_m(c, (a, b)) == 0.0
        || point_segment_m(d, (a, b)) == 0.0
}

fn ref_burden_ok(spec: &ScenarioSpec, map: &Map, parcel: &Parcel) -> bool {
    let burden =
        brute_community_of(map, parcel.site_point).map_or(0.0, |c| map.communities[c].burden_pct);
    burden <= spec.max_burden_pct || (parcel.brownfield && spec.brownfield_exempt)
}

fn ref_water_ok(spec: &ScenarioSpec, parcel: &Parcel) -> bool {
    parcel.water_stress <= spec.max_water_stress
}

/// `module_mw·floor(min(max_site_mw, acres/acres_per_mw)/module_mw)`.
fn ref_max_mw(spec: &ScenarioSpec, acres: f64) -> f64 {
    let cap = spec.max_site_mw().min(acres / spec.acres_per_mw);
    spec.module_mw * (cap / spec.module_mw).floor()
}

/// The outcome of the reference screen for one parcel.
#[derive(Debug, Clone, PartialEq)]
enum RefOutcome {
    Candidate {
        community: Option<usize>,
        fiber_km: f64,
        feeds: Vec<(usize, f64)>,
        max_mw: f64,
    },
    Excluded(Reason),
}

/// The contract's screen, one parcel at a time, filters in the contract's order.
fn reference_screen(spec: &ScenarioSpec, map: &Map, index: &SpatialIndex) -> Vec<RefOutcome> {
    map.parcels
        .iter()
        .map(|parcel| {
            if !ref_zoning_ok(spec, parcel) {
                return RefOutcome::Excluded(Reason::Zoning);
            }
            if let Some((r, _)) = ref_setback(spec, map, index, parcel) {
                return RefOutcome::Excluded(Reason::Setback(map.receptors[r].kind.clone()));
            }
            if !ref_burden_ok(spec, map, parcel) {
                return RefOutcome::Excluded(Reason::Burden);
            }
            if !ref_water_ok(spec, parcel) {
                return RefOutcome::Excluded(Reason::Water);
            }
            let fiber_km = match brute_nearest_fiber(map, parcel.site_point) {
                Some((_, km)) if km <= spec.max_fiber_km => km,
                _ => return RefOutcome::Excluded(Reason::Fiber),
            };
            let feeds = brute_substations_within(map, parcel.site_point, spec.max_feed_km);
            if feeds.len() < spec.min_feeds as usize {
                return RefOutcome::Excluded(Reason::NoFeed);
            }
            let max_mw = ref_max_mw(spec, parcel.acres);
            if max_mw < spec.min_site_mw {
                return RefOutcome::Excluded(Reason::TooSmall);
            }
            RefOutcome::Candidate {
                community: brute_community_of(map, parcel.site_point),
                fiber_km,
                feeds,
                max_mw,
            }
        })
        .collect()
}

/// The screening's outcome for each parcel, in the reference's form.
fn screened_outcomes(screening: &Screening, parcels: usize) -> Vec<Option<RefOutcome>> {
    let mut out: Vec<Option<RefOutcome>> = vec![None; parcels];
    for c in &screening.candidates {
        let Candidate {
            parcel,
            community,
            fiber_km,
            feeds,
            max_mw,
        } = c;
        out[*parcel] = Some(RefOutcome::Candidate {
            community: *community,
            fiber_km: *fiber_km,
            feeds: feeds.iter().map(|f| (f.substation, f.km)).collect(),
            max_mw: *max_mw,
        });
    }
    for e in &screening.exclusions {
        out[e.parcel] = Some(RefOutcome::Excluded(e.reason.clone()));
    }
    out
}

fn same_outcome(a: &RefOutcome, b: &RefOutcome) -> bool {
    match (a, b) {
        (
            RefOutcome::Candidate {
                community: c1,
                fiber_km: f1,
                feeds: s1,
                max_mw: m1,
            },
            RefOutcome::Candidate {
                community: c2,
                fiber_km: f2,
                feeds: s2,
                max_mw: m2,
            },
        ) => c1 == c2 && close(*f1, *f2) && same_hits(s1, s2) && close(*m1, *m2),
        (RefOutcome::Excluded(r1), RefOutcome::Excluded(r2)) => r1 == r2,
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// The index agrees with brute force
// ---------------------------------------------------------------------------------------------

const CASES: u32 = 64;

fn small_world() -> impl Strategy<Value = WorldSpec> {
    world_spec(Just(25.0))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn substations_within_km_agrees_with_brute_force(
        world in small_world(),
        radii in prop::collection::vec(0.0..60.0f64, 3),
    ) {
        let map = world.build();
        let index = SpatialIndex::build(&map).unwrap();
        for (p, parcel) in map.parcels.iter().enumerate() {
            for &max_km in &radii {
                let got = index.substations_within_km(p, max_km);
                let want = brute_substations_within(&map, parcel.site_point, max_km);
                prop_assert!(
                    same_hits(&got, &want),
                    "parcel {p}, max_km {max_km}: index {got:?}, brute force {want:?}"
                );
            }
        }
    }

    #[test]
    fn nearest_substation_agrees_with_brute_force(world in small_world()) {
        let map = world.build();
        let index = SpatialIndex::build(&map).unwrap();
        for (p, parcel) in map.parcels.iter().enumerate() {
            let got = index.nearest_substation(p);
            let want = brute_nearest_substation(&map, parcel.site_point);
            prop_assert!(same_hit(got, want), "parcel {p}: index {got:?}, brute force {want:?}");
        }
    }

    #[test]
    fn nearest_fiber_agrees_with_brute_force(world in small_world()) {
        let map = world.build();
        let index = SpatialIndex::build(&map).unwrap();
        for (p, parcel) in map.parcels.iter().enumerate() {
            let got = index.nearest_fiber(p);
            let want = brute_nearest_fiber(&map, parcel.site_point);
            prop_assert!(same_hit(got, want), "parcel {p}: index {got:?}, brute force {want:?}");
        }
    }

    #[test]
    fn parcels_closer_than_km_agrees_with_brute_force(
        world in small_world(),
        radii in prop::collection::vec(0.0..40.0f64, 3),
    ) {
        let map = world.build();
        let index = SpatialIndex::build(&map).unwrap();
        for p in 0..map.parcels.len() {
            for &km in &radii {
                let got = index.parcels_closer_than_km(p, km);
                let want = brute_parcels_closer(&map, p, km);
                prop_assert_eq!(&got, &want, "parcel {}, km {}", p, km);
            }
        }
    }

    #[test]
    fn community_of_agrees_with_brute_force(
        world in small_world(),
        probes in prop::collection::vec((unit(), unit()), 20),
    ) {
        let map = world.build();
        let index = SpatialIndex::build(&map).unwrap();
        let points = map
            .parcels
            .iter()
            .map(|p| p.site_point)
            .chain(probes.iter().map(|(u, v)| Point(world.at(*u, *v))));
        for point in points {
            let got = index.community_of(point);
            let want = brute_community_of(&map, point);
            prop_assert_eq!(got, want, "point {:?}", point);
        }
    }

    #[test]
    fn receptors_near_is_the_bounding_box_filter_and_a_superset(
        world in small_world(),
        radii in prop::collection::vec(0.0..3000.0f64, 3),
    ) {
        let map = world.build();
        let index = SpatialIndex::build(&map).unwrap();
        let receptors: Vec<Geometry> =
            map.receptors.iter().map(|r| receptor_local(&index, r)).collect();
        prop_assert_eq!(&index.receptor_shapes, &receptors);
        for (p, parcel) in map.parcels.iter().enumerate() {
            let local = parcel_local(&index, parcel);
            let bbox = local.bounding_rect().unwrap();
            for &radius in &radii {
                let got = index.receptors_near(&local, radius);
                // Exactly the receptors whose bounding box meets the parcel's grown by radius.
                let want: Vec<usize> = receptors
                    .iter()
                    .enumerate()
                    .filter(|(_, g)| {
                        let r = g.bounding_rect().unwrap();
                        r.min().x <= bbox.max().x + radius
                            && r.max().x >= bbox.min().x - radius
                            && r.min().y <= bbox.max().y + radius
                            && r.max().y >= bbox.min().y - radius
                    })
                    .map(|(i, _)| i)
                    .collect();
                prop_assert_eq!(&got, &want, "parcel {}, radius {}", p, radius);
                // A superset of the receptors truly within the radius.
                for (r, g) in receptors.iter().enumerate() {
                    if ref_distance_m(&local, g) < radius {
                        prop_assert!(
                            got.contains(&r),
                            "parcel {p}, radius {radius}: receptor {r} is {} m away but missed",
                            ref_distance_m(&local, g)
                        );
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Each filter agrees with its reference; the whole screen agrees with the sequential one
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn each_filter_agrees_with_its_reference(world in small_world(), spec in scenario_spec()) {
        let scenario = spec.scenario();
        let map = world.build();
        let index = SpatialIndex::build(&map).unwrap();
        for (p, parcel) in map.parcels.iter().enumerate() {
            // zoning
            prop_assert_eq!(
                candidates::zoning_filter(parcel, &scenario).is_ok(),
                ref_zoning_ok(&spec, parcel),
                "zoning, parcel {}", p
            );

            // setback: over all receptors, and over the R-tree's coarse answer.
            let local = parcel_local(&index, parcel);
            let want = ref_setback(&spec, &map, &index, parcel);
            let all = candidates::setback_violation(
                &local,
                0..map.receptors.len(),
                &map.receptors,
                &index.receptor_shapes,
                &scenario,
            );
            let near = index.receptors_near(&local, scenario.community.max_setback_m());
            let coarse = candidates::setback_violation(
                &local,
                near.into_iter(),
                &map.receptors,
                &index.receptor_shapes,
                &scenario,
            );
            for got in [&all, &coarse] {
                match (got, want) {
                    (None, None) => {}
                    (Some(v), Some((r, d))) => {
                        prop_assert_eq!(v.receptor, r, "setback receptor, parcel {}", p);
                        prop_assert_eq!(&v.kind, &map.receptors[r].kind);
                        prop_assert_eq!(&v.receptor_id, &map.receptors[r].id);
                        prop_assert!(close(v.distance_m, d), "setback distance, parcel {p}");
                        prop_assert!(close(v.setback_m, spec.setback_m(&v.kind)));
                    }
                    (got, want) => prop_assert!(
                        false,
                        "setback, parcel {p}: filter {got:?}, reference {want:?}"
                    ),
                }
            }

            // burden
            let community = index.community_of(parcel.site_point).map(|c| &map.communities[c]);
            prop_assert_eq!(
                candidates::burden_filter(parcel, community, &scenario).is_ok(),
                ref_burden_ok(&spec, &map, parcel),
                "burden, parcel {}", p
            );

            // water
            prop_assert_eq!(
                candidates::water_filter(parcel, &scenario).is_ok(),
                ref_water_ok(&spec, parcel),
                "water, parcel {}", p
            );

            // fiber
            let nearest = brute_nearest_fiber(&map, parcel.site_point);
            let got = candidates::fiber_filter(nearest, &map, &scenario);
            match nearest {
                Some((_, km)) if km <= spec.max_fiber_km => {
                    prop_assert_eq!(got, Ok(km), "fiber, parcel {}", p)
                }
                _ => prop_assert!(got.is_err(), "fiber, parcel {p}: {got:?}"),
            }

            // no_feed
            let reach = brute_substations_within(&map, parcel.site_point, spec.max_feed_km);
            let got = candidates::feed_filter(
                &reach,
                || brute_nearest_substation(&map, parcel.site_point),
                &map,
                &scenario,
            );
            prop_assert_eq!(
                got.is_ok(),
                reach.len() >= spec.min_feeds as usize,
                "no_feed, parcel {}: {:?}", p, got
            );

            // too_small
            let want_mw = ref_max_mw(&spec, parcel.acres);
            let got_mw = candidates::max_site_mw(parcel.acres, &scenario);
            prop_assert!(
                close(got_mw, want_mw),
                "max_site_mw, parcel {p} ({} acres): {got_mw} vs {want_mw}", parcel.acres
            );
            let got = candidates::size_filter(parcel, &scenario);
            if want_mw >= spec.min_site_mw {
                prop_assert!(
                    got.as_ref().is_ok_and(|mw| close(*mw, want_mw)),
                    "too_small, parcel {p}: {got:?} vs {want_mw}"
                );
            } else {
                prop_assert!(got.is_err(), "too_small, parcel {p}: {got:?} vs {want_mw}");
            }
        }
    }

    #[test]
    fn screen_agrees_with_the_sequential_reference(
        world in small_world(),
        spec in scenario_spec(),
    ) {
        let scenario = spec.scenario();
        let map = world.build();
        let index = SpatialIndex::build(&map).unwrap();
        let screening = candidates::screen(&map, &index, &scenario).unwrap();

        // Every parcel exactly once, both lists in parcel order.
        let n = map.parcels.len();
        prop_assert_eq!(screening.candidates.len() + screening.exclusions.len(), n);
        prop_assert!(screening.candidates.windows(2).all(|w| w[0].parcel < w[1].parcel));
        prop_assert!(screening.exclusions.windows(2).all(|w| w[0].parcel < w[1].parcel));

        let got = screened_outcomes(&screening, n);
        let want = reference_screen(&spec, &map, &index);
        for p in 0..n {
            let Some(got) = &got[p] else {
                prop_assert!(false, "parcel {p} is neither a candidate nor excluded");
                unreachable!();
            };
            prop_assert!(
                same_outcome(got, &want[p]),
                "parcel {p}: screen {got:?}, reference {:?}", want[p]
            );
        }

        // The detail of a setback exclusion names the closest violating receptor.
        for e in &screening.exclusions {
            if let Reason::Setback(_) = &e.reason {
                let (r, _) = ref_setback(&spec, &map, &index, &map.parcels[e.parcel]).unwrap();
                let id = &map.receptors[r].id;
                prop_assert!(
                    e.detail.contains(&format!("{id},")),
                    "setback detail `{}` does not name receptor {id}", e.detail
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Deterministic cases of the same properties
// ---------------------------------------------------------------------------------------------

/// A world with fixed contents, for the tie and order cases below.
fn fixed_world() -> WorldSpec {
    WorldSpec {
        lon0: -121.3,
        lat0: 38.6,
        half_km: 25.0,
        parcels: vec![],
        substations: vec![],
        fiber: vec![],
        receptors: vec![],
        communities: vec![],
    }
}

fn parcel_at(u: f64, v: f64, side_km: f64) -> ParcelSpec {
    ParcelSpec {
        u,
        v,
        side_km,
        form: 0,
        zoning: 0,
        brownfield: false,
        water_stress: 0.0,
        land_usd_per_acre: 1000.0,
    }
}

#[test]
fn ties_go_to_the_lower_index() {
    let mut world = fixed_world();
    world.parcels = vec![parcel_at(0.0, 0.0, 0.5)];
    // Two substations on one point, and a third farther away.
    world.substations = vec![
        SubstationSpec {
            u: 0.2,
            v: 0.0,
            copy_of: None,
        },
        SubstationSpec {
            u: 0.2,
            v: 0.0,
            copy_of: None,
        },
        SubstationSpec {
            u: 0.4,
            v: 0.0,
            copy_of: None,
        },
    ];
    // Two identical fiber lines.
    let line = vec![vec![(-0.5, 0.1), (0.5, 0.1)]];
    world.fiber = vec![
        FiberSpec::Point(0.9, 0.9),
        FiberSpec::Lines(line.clone()),
        FiberSpec::Lines(line),
    ];
    // Two overlapping communities both containing the parcel.
    world.communities = vec![
        CommunitySpec {
            u: 0.5,
            v: 0.5,
            w_km: 5.0,
            h_km: 5.0,
            burden_pct: 10.0,
        },
        CommunitySpec {
            u: 0.0,
            v: 0.0,
            w_km: 10.0,
            h_km: 10.0,
            burden_pct: 20.0,
        },
        CommunitySpec {
            u: 0.0,
            v: 0.0,
            w_km: 12.0,
            h_km: 12.0,
            burden_pct: 30.0,
        },
    ];
    let map = world.build();
    let index = SpatialIndex::build(&map).unwrap();
    assert_eq!(index.nearest_substation(0).map(|h| h.0), Some(0));
    let within: Vec<usize> = index
        .substations_within_km(0, 15.0)
        .into_iter()
        .map(|h| h.0)
        .collect();
    assert_eq!(within, [0, 1, 2]);
    assert_eq!(index.nearest_fiber(0).map(|h| h.0), Some(1));
    assert_eq!(index.community_of(map.parcels[0].site_point), Some(1));
}

#[test]
fn setback_reason_names_the_closest_violating_receptor() {
    // A parcel with a protected area 800 m away (setback 1000 m) and a school 400 m away
    // (setback 500 m): both fail; the school is closer. A farm at 10 m has no setback.
    let mut world = fixed_world();
    world.parcels = vec![parcel_at(0.0, 0.0, 0.4)];
    let per_km = 1.0 / world.half_km;
    world.receptors = vec![
        ReceptorSpec {
            u: (0.2 + 0.8) * per_km,
            v: 0.0,
            kind: 3, // protected
            side_km: None,
            near: None,
        },
        ReceptorSpec {
            u: -(0.2 + 0.4) * per_km,
            v: 0.0,
            kind: 0, // school
            side_km: None,
            near: None,
        },
        ReceptorSpec {
            u: 0.0,
            v: (0.2 + 0.01) * per_km,
            kind: 5, // farm
            side_km: None,
            near: None,
        },
    ];
    world.fiber = vec![FiberSpec::Point(0.0, 0.0)];
    world.substations = vec![SubstationSpec {
        u: 0.0,
        v: 0.0,
        copy_of: None,
    }];
    let map = world.build();
    let index = SpatialIndex::build(&map).unwrap();
    let scenario = Scenario::parse(
        "name = \"x\"\nmap = \"m\"\n[target]\ntotal_mw = 100\n",
        Path::new("x.toml"),
    )
    .unwrap();
    let screening = candidates::screen(&map, &index, &scenario).unwrap();
    assert_eq!(screening.exclusions.len(), 1, "{screening:?}");
    let e = &screening.exclusions[0];
    assert_eq!(e.reason, Reason::Setback("school".into()), "{}", e.detail);
    assert_eq!(e.reason.to_string(), "setback:school");
    assert!(e.detail.contains("R1"), "{}", e.detail);

    // With the school's setback removed, the protected area is the reason.
    let scenario = Scenario::parse(
        "name = \"x\"\nmap = \"m\"\n[target]\ntotal_mw = 100\n[community]\nsetback_m = { school = 0 }\n",
        Path::new("x.toml"),
    )
    .unwrap();
    let screening = candidates::screen(&map, &index, &scenario).unwrap();
    assert_eq!(
        screening.exclusions[0].reason.to_string(),
        "setback:protected"
    );
}

#[test]
fn a_parcel_that_holds_no_module_is_never_a_candidate() {
    // 0.5 acres/MW and a parcel of about 6 acres: 12 MW, less than one 25 MW module. Even
    // with min_site_mw = 0 the parcel is excluded as too_small (a 0 MW site is no site).
    let mut world = fixed_world();
    world.parcels = vec![parcel_at(0.0, 0.0, 0.15)];
    world.fiber = vec![FiberSpec::Point(0.0, 0.0)];
    world.substations = vec![SubstationSpec {
        u: 0.0,
        v: 0.0,
        copy_of: None,
    }];
    let map = world.build();
    assert!(map.parcels[0].acres < 12.5, "{}", map.parcels[0].acres);
    let index = SpatialIndex::build(&map).unwrap();
    let scenario = Scenario::parse(
        "name = \"x\"\nmap = \"m\"\n[target]\ntotal_mw = 100\nmin_site_mw = 0\n",
        Path::new("x.toml"),
    )
    .unwrap();
    assert_eq!(
        candidates::max_site_mw(map.parcels[0].acres, &scenario),
        0.0
    );
    let screening = candidates::screen(&map, &index, &scenario).unwrap();
    assert_eq!(screening.candidates.len(), 0);
    assert_eq!(screening.exclusions[0].reason, Reason::TooSmall);
}

#[test]
fn max_site_mw_on_module_boundaries() {
    let scenario = Scenario::parse(
        "name = \"x\"\nmap = \"m\"\n[target]\ntotal_mw = 100\n",
        Path::new("x.toml"),
    )
    .unwrap();
    // 0.5 acres/MW, 25 MW modules, at most 300 MW.
    for (acres, mw) in [
        (0.0, 0.0),
        (12.4, 0.0),
        (12.5, 25.0),
        (25.0, 50.0),
        (37.49, 50.0),
        (150.0, 300.0),
        (149.99, 275.0),
        (10_000.0, 300.0),
    ] {
        assert_eq!(
            candidates::max_site_mw(acres, &scenario),
            mw,
            "{acres} acres"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Wider regions: the index's stated bound (within 600 km of the frame's central meridian)
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// Point queries stay exact in regions up to 1,200 km across, where the local frame's scale
    /// error is largest (the searches widen by 1% and 50 m, then confirm with haversine).
    #[test]
    fn point_queries_agree_with_brute_force_in_wide_regions(
        world in world_spec(100.0..600.0f64),
        radii in prop::collection::vec(0.0..60.0f64, 3),
    ) {
        let map = world.build();
        let index = SpatialIndex::build(&map).unwrap();
        for (p, parcel) in map.parcels.iter().enumerate() {
            for &km in &radii {
                let got = index.substations_within_km(p, km);
                let want = brute_substations_within(&map, parcel.site_point, km);
                prop_assert!(
                    same_hits(&got, &want),
                    "parcel {p}, max_km {km}: index {got:?}, brute force {want:?}"
                );
                let got = index.parcels_closer_than_km(p, km);
                let want = brute_parcels_closer(&map, p, km);
                prop_assert_eq!(&got, &want, "parcel {}, km {}", p, km);
            }
            let got = index.nearest_substation(p);
            let want = brute_nearest_substation(&map, parcel.site_point);
            prop_assert!(same_hit(got, want), "parcel {p}: index {got:?}, brute force {want:?}");
        }
    }
}

#[test]
fn nearest_fiber_finds_a_long_segment_far_from_the_frame_centre() {
    // On the equator, a region 1,000 km across (a substation at its west edge sets the frame's
    // centre). At its east edge, a fiber runs along a meridian for 1,000 km, 1.0 km west of a
    // parcel's site point; a point of presence lies 1.1 km east of it. The line is nearer.
    let mut world = fixed_world();
    world.lon0 = 10.0;
    world.lat0 = 0.0;
    world.half_km = 500.0;
    let per_km = 1.0 / world.half_km;
    world.parcels = vec![parcel_at(1.0 + per_km, 0.0, 0.1)];
    world.substations = vec![SubstationSpec {
        u: -1.0,
        v: 0.0,
        copy_of: None,
    }];
    world.fiber = vec![
        FiberSpec::Point(1.0 + 2.1 * per_km, 0.0),
        FiberSpec::Lines(vec![vec![(1.0, -1.0), (1.0, 1.0)]]),
    ];
    let map = world.build();
    let index = SpatialIndex::build(&map).unwrap();
    let want = brute_nearest_fiber(&map, map.parcels[0].site_point);
    assert_eq!(want.map(|h| h.0), Some(1));
    assert!((want.unwrap().1 - 1.0).abs() < 0.01, "{want:?}");
    let got = index.nearest_fiber(0);
    assert!(same_hit(got, want), "index {got:?}, brute force {want:?}");
}

#[test]
fn setback_distance_is_zero_inside_and_measured_from_a_hole() {
    let mut world = fixed_world();
    // Parcel 0: inside a 3 km protected square. Parcel 1: a school point inside it.
    world.parcels = vec![parcel_at(0.0, 0.0, 0.4), parcel_at(0.4, 0.0, 0.6)];
    world.receptors = vec![
        ReceptorSpec {
            u: 0.0,
            v: 0.0,
            kind: 3,
            side_km: Some(3.0),
            near: None,
        },
        ReceptorSpec {
            u: 0.4,
            v: 0.0,
            kind: 0,
            side_km: None,
            near: None,
        },
    ];
    world.fiber = vec![FiberSpec::Point(0.0, 0.0)];
    world.substations = vec![SubstationSpec {
        u: 0.0,
        v: 0.0,
        copy_of: None,
    }];
    let map = world.build();
    let index = SpatialIndex::build(&map).unwrap();
    for (p, r) in [(0, 0), (1, 1)] {
        let local = parcel_local(&index, &map.parcels[p]);
        assert_eq!(
            setback_distance_m(&local, &index.receptor_shapes[r]),
            0.0,
            "parcel {p}, receptor {r}"
        );
    }
    let scenario = Scenario::parse(
        "name = \"x\"\nmap = \"m\"\n[target]\ntotal_mw = 100\n",
        Path::new("x.toml"),
    )
    .unwrap();
    let screening = candidates::screen(&map, &index, &scenario).unwrap();
    let reasons: Vec<String> = screening
        .exclusions
        .iter()
        .map(|e| e.reason.to_string())
        .collect();
    assert_eq!(reasons, ["setback:protected", "setback:school"]);

    // A school in a parcel's hole, 100 m from the hole's edge: 100 m from the parcel.
    let h = 0.1;
    let hole = world.ring(10.0, 0.0, &[(-h, -h), (h, -h), (h, h), (-h, h)]);
    let mut outer = world.square(10.0, 0.0, 2.0);
    outer.interiors_push(hole);
    let holed = MultiPolygon(vec![outer]);
    let local = index
        .frame
        .project_geometry(&Geometry::MultiPolygon(holed))
        .unwrap();
    let school = index
        .frame
        .project_geometry(&Geometry::Point(Point(world.at_km(10.0, 0.0))))
        .unwrap();
    let d = setback_distance_m(&local, &school);
    assert!((d - 100.0).abs() < 1.0, "{d}");
}
