//! The spatial index: a local metric frame chosen from the map's extent and R-trees over
//! substations, fiber segments, receptors, parcel site points and communities.
//!
//! Takes a [`Map`]; gives a [`SpatialIndex`] whose queries answer in the contract's units:
//! great-circle (haversine) kilometres for feeds, fiber and spacing, metres for setbacks. The
//! R-trees live in a transverse-Mercator frame centred on the map (metres), where a coarse
//! search with a margin is followed by the exact distance, so no neighbour is ever missed.

use geo::{
    BoundingRect, Closest, Contains, Coord, Densify, Distance, Euclidean, Geometry, Haversine,
    HaversineClosestPoint, Line, MapCoords, MultiPolygon, Point, Rect,
};
use proj4rs::Proj;
use proj4rs::transform::{Transform, TransformClosure, transform};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Line as RLine, Rectangle};
use rstar::{AABB, RTree};

use crate::layers::{Map, ReceptorGeometry};

/// An index that cannot be built (a map outside the projection's domain).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IndexError {
    #[error("cannot set up the local metric frame ({proj}): {message}")]
    Frame { proj: String, message: String },
    #[error("cannot project coordinate ({lon}, {lat}) into the local frame: {message}")]
    Project { lon: f64, lat: f64, message: String },
}

/// Projected distances over-estimate great-circle ones by at most this share within the
/// regions gridsite works on (transverse Mercator scale error stays under 0.5% within 600 km
/// of the central meridian); searches widen by it, then confirm with the exact distance.
const SEARCH_SLACK: f64 = 1.01;
/// An absolute margin for the coarse searches, in metres.
const SEARCH_MARGIN_M: f64 = 50.0;
/// Fiber segments longer than this are split for the index (a 10 km great-circle piece bows
/// less than a metre from its chord in the local frame).
const MAX_FIBER_SEGMENT_M: f64 = 10_000.0;

/// A transverse-Mercator frame centred on a map's extent, in metres.
pub struct LocalFrame {
    geographic: Proj,
    local: Proj,
    /// The frame's origin (longitude, latitude in degrees).
    pub origin: Coord,
}

struct Xyz(f64, f64, f64);

impl Transform for Xyz {
    fn transform_coordinates<F: TransformClosure>(
        &mut self,
        f: &mut F,
    ) -> proj4rs::errors::Result<()> {
        let (x, y, z) = f(self.0, self.1, self.2)?;
        *self = Xyz(x, y, z);
        Ok(())
    }
}

impl LocalFrame {
    /// A frame centred on a lon/lat rectangle.
    pub fn centred_on(extent: Rect) -> Result<LocalFrame, IndexError> {
        let origin = extent.center();
        let definition = format!(
            "+proj=tmerc +lat_0={} +lon_0={} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs",
            origin.y, origin.x
        );
        let frame_error = |e: proj4rs::errors::Error| IndexError::Frame {
            proj: definition.clone(),
            message: e.to_string(),
        };
        let geographic =
            Proj::from_proj_string("+proj=longlat +ellps=WGS84 +no_defs").map_err(frame_error)?;
        let local = Proj::from_proj_string(&definition).map_err(frame_error)?;
        Ok(LocalFrame {
            geographic,
            local,
            origin,
        })
    }

    /// Longitude/latitude in degrees to local x/y in metres.
    pub fn project(&self, c: Coord) -> Result<Coord, IndexError> {
        let mut p = Xyz(c.x.to_radians(), c.y.to_radians(), 0.0);
        transform(&self.geographic, &self.local, &mut p).map_err(|e| IndexError::Project {
            lon: c.x,
            lat: c.y,
            message: e.to_string(),
        })?;
        Ok(Coord { x: p.0, y: p.1 })
    }

    /// Projects every coordinate of a geometry.
    pub fn project_geometry(&self, g: &Geometry) -> Result<Geometry, IndexError> {
        g.try_map_coords(|c| self.project(c))
    }
}

type PointEntry = GeomWithData<[f64; 2], usize>;
type BoxEntry = GeomWithData<Rectangle<[f64; 2]>, usize>;
type SegmentEntry = GeomWithData<RLine<[f64; 2]>, usize>;

/// A straight piece of a fiber line, in lon/lat, with the line it belongs to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FiberSegment {
    pub fiber: usize,
    pub line: Line,
}

/// R-trees over a map's layers, in the local frame.
pub struct SpatialIndex {
    pub frame: LocalFrame,
    substation_points: Vec<Point>,
    substations: RTree<PointEntry>,
    fiber_segments: Vec<FiberSegment>,
    fiber: RTree<SegmentEntry>,
    /// Receptor geometries in the local frame (metres), by receptor index.
    pub receptor_shapes: Vec<Geometry>,
    receptors: RTree<BoxEntry>,
    /// Parcel site points in the local frame, by parcel index.
    pub parcel_xy: Vec<Coord>,
    parcel_points: Vec<Point>,
    parcels: RTree<PointEntry>,
    community_shapes: Vec<MultiPolygon>,
    communities: RTree<BoxEntry>,
}

fn xy(c: Coord) -> [f64; 2] {
    [c.x, c.y]
}

fn rect_entry(rect: Rect, data: usize) -> BoxEntry {
    GeomWithData::new(
        Rectangle::from_corners(xy(rect.min()), xy(rect.max())),
        data,
    )
}

/// The lon/lat extent of every layer of a map.
pub fn map_extent(map: &Map) -> Option<Rect> {
    let mut rects: Vec<Rect> = Vec::new();
    rects.extend(
        map.substations
            .iter()
            .map(|s| Rect::new(s.point.0, s.point.0)),
    );
    rects.extend(map.parcels.iter().filter_map(|p| p.shape.bounding_rect()));
    rects.extend(map.fiber.iter().filter_map(|f| f.lines.bounding_rect()));
    rects.into_iter().reduce(|a, b| {
        Rect::new(
            Coord {
                x: a.min().x.min(b.min().x),
                y: a.min().y.min(b.min().y),
            },
            Coord {
                x: a.max().x.max(b.max().x),
                y: a.max().y.max(b.max().y),
            },
        )
    })
}

impl SpatialIndex {
    /// Builds every tree at once (`bulk_load`).
    pub fn build(map: &Map) -> Result<SpatialIndex, IndexError> {
        let extent = map_extent(map).unwrap_or(Rect::new(
            Coord { x: 0.0, y: 0.0 },
            Coord { x: 0.0, y: 0.0 },
        ));
        let frame = LocalFrame::centred_on(extent)?;

        let substation_points: Vec<Point> = map.substations.iter().map(|s| s.point).collect();
        let substations = RTree::bulk_load(
            substation_points
                .iter()
                .enumerate()
                .map(|(i, p)| Ok(GeomWithData::new(xy(frame.project(p.0)?), i)))
                .collect::<Result<_, IndexError>>()?,
        );

        let fiber_segments: Vec<FiberSegment> = map
            .fiber
            .iter()
            .enumerate()
            .flat_map(|(fiber, f)| {
                f.lines.0.iter().flat_map(move |ls| {
                    let single = (ls.0.len() == 1).then(|| Line::new(ls.0[0], ls.0[0]));
                    let lines: Vec<Line> = ls.lines().chain(single).collect();
                    lines
                        .into_iter()
                        .map(move |line| FiberSegment { fiber, line })
                })
            })
            .collect();
        let fiber = RTree::bulk_load(
            fiber_segments
                .par_iter()
                .enumerate()
                .map(|(i, s)| segment_entries(&frame, s.line, i))
                .collect::<Result<Vec<Vec<SegmentEntry>>, IndexError>>()?
                .into_iter()
                .flatten()
                .collect(),
        );

        let receptor_shapes: Vec<Geometry> = map
            .receptors
            .par_iter()
            .map(|r| match &r.geometry {
                ReceptorGeometry::Point(p) => frame.project(p.0).map(|c| Geometry::Point(Point(c))),
                ReceptorGeometry::Area(a) => {
                    frame.project_geometry(&Geometry::MultiPolygon(a.clone()))
                }
            })
            .collect::<Result<_, _>>()?;
        let receptors = RTree::bulk_load(
            receptor_shapes
                .iter()
                .enumerate()
                .filter_map(|(i, g)| g.bounding_rect().map(|r| rect_entry(r, i)))
                .collect(),
        );

        let parcel_points: Vec<Point> = map.parcels.iter().map(|p| p.site_point).collect();
        let parcel_xy: Vec<Coord> = parcel_points
            .par_iter()
            .map(|p| frame.project(p.0))
            .collect::<Result<_, _>>()?;
        let parcels = RTree::bulk_load(
            parcel_xy
                .iter()
                .enumerate()
                .map(|(i, c)| GeomWithData::new(xy(*c), i))
                .collect(),
        );

        let community_shapes: Vec<MultiPolygon> =
            map.communities.iter().map(|c| c.shape.clone()).collect();
        let communities = RTree::bulk_load(
            community_shapes
                .iter()
                .enumerate()
                .filter_map(|(i, s)| s.bounding_rect().map(|r| rect_entry(r, i)))
                .collect(),
        );

        Ok(SpatialIndex {
            frame,
            substation_points,
            substations,
            fiber_segments,
            fiber,
            receptor_shapes,
            receptors,
            parcel_xy,
            parcel_points,
            parcels,
            community_shapes,
            communities,
        })
    }

    /// Substations within `max_km` (haversine) of a parcel's site point, nearest first, as
    /// (substation index, km); ties go to the lower index.
    pub fn substations_within_km(&self, parcel: usize, max_km: f64) -> Vec<(usize, f64)> {
        let from = self.parcel_points[parcel];
        let radius_m = max_km * 1000.0 * SEARCH_SLACK + SEARCH_MARGIN_M;
        let mut found: Vec<(usize, f64)> = self
            .substations
            .locate_within_distance(xy(self.parcel_xy[parcel]), radius_m * radius_m)
            .map(|e| (e.data, haversine_km(from, self.substation_points[e.data])))
            .filter(|(_, km)| *km <= max_km)
            .collect();
        sort_by_km(&mut found);
        found
    }

    /// The nearest substation to a parcel's site point, as (index, haversine km).
    pub fn nearest_substation(&self, parcel: usize) -> Option<(usize, f64)> {
        let from = self.parcel_points[parcel];
        let nearest = self
            .substations
            .nearest_neighbor(xy(self.parcel_xy[parcel]))?;
        let d_m = distance_m(self.parcel_xy[parcel], nearest.geom());
        let radius_m = d_m * SEARCH_SLACK * SEARCH_SLACK + SEARCH_MARGIN_M;
        let mut found: Vec<(usize, f64)> = self
            .substations
            .locate_within_distance(xy(self.parcel_xy[parcel]), radius_m * radius_m)
            .map(|e| (e.data, haversine_km(from, self.substation_points[e.data])))
            .collect();
        sort_by_km(&mut found);
        found.first().copied()
    }

    /// The fiber line nearest to a parcel's site point, as (fiber index, haversine km to its
    /// nearest point).
    pub fn nearest_fiber(&self, parcel: usize) -> Option<(usize, f64)> {
        let here = xy(self.parcel_xy[parcel]);
        let nearest = self.fiber.nearest_neighbor(here)?;
        let d_m = rstar::PointDistance::distance_2(nearest.geom(), &here).sqrt();
        let radius_m = d_m * SEARCH_SLACK * SEARCH_SLACK + SEARCH_MARGIN_M;
        let from = self.parcel_points[parcel];
        let mut found: Vec<(usize, f64)> = self
            .fiber
            .locate_within_distance(here, radius_m * radius_m)
            .map(|e| {
                let segment = &self.fiber_segments[e.data];
                (segment.fiber, segment_haversine_km(from, segment.line))
            })
            .collect();
        sort_by_km(&mut found);
        found.first().copied()
    }

    /// Receptors whose bounding box comes within `radius_m` of a parcel's bounding box (in the
    /// local frame): a superset of the receptors closer than `radius_m` to the parcel.
    pub fn receptors_near(&self, parcel_local: &Geometry, radius_m: f64) -> Vec<usize> {
        let Some(rect) = parcel_local.bounding_rect() else {
            return Vec::new();
        };
        let envelope = AABB::from_corners(
            [rect.min().x - radius_m, rect.min().y - radius_m],
            [rect.max().x + radius_m, rect.max().y + radius_m],
        );
        let mut found: Vec<usize> = self
            .receptors
            .locate_in_envelope_intersecting(envelope)
            .map(|e| e.data)
            .collect();
        found.sort_unstable();
        found
    }

    /// The community whose polygon contains a point (lon/lat); the lowest index when several do.
    pub fn community_of(&self, point: Point) -> Option<usize> {
        self.communities
            .locate_all_at_point([point.x(), point.y()])
            .map(|e| e.data)
            .filter(|&i| self.community_shapes[i].contains(&point))
            .min()
    }

    /// Parcels whose site points lie closer than `km` (haversine) to parcel `parcel`'s, other
    /// than itself, in index order.
    /// The great-circle km between two parcels' site points: the distance
    /// [`Self::parcels_closer_than_km`] compares.
    pub fn parcel_distance_km(&self, p: usize, q: usize) -> f64 {
        haversine_km(self.parcel_points[p], self.parcel_points[q])
    }

    pub fn parcels_closer_than_km(&self, parcel: usize, km: f64) -> Vec<usize> {
        let from = self.parcel_points[parcel];
        let radius_m = km * 1000.0 * SEARCH_SLACK + SEARCH_MARGIN_M;
        let mut found: Vec<usize> = self
            .parcels
            .locate_within_distance(xy(self.parcel_xy[parcel]), radius_m * radius_m)
            .map(|e| e.data)
            .filter(|&q| q != parcel && haversine_km(from, self.parcel_points[q]) < km)
            .collect();
        found.sort_unstable();
        found
    }
}

/// R-tree entries for a fiber segment: long segments are entered as pieces split along their
/// great circle, so that each piece stays close to its straight chord in the local frame (the
/// coarse search's margin); distances are still taken to the whole segment.
fn segment_entries(
    frame: &LocalFrame,
    line: Line,
    segment: usize,
) -> Result<Vec<SegmentEntry>, IndexError> {
    let pieces = Haversine.densify(&geo::LineString::from(line), MAX_FIBER_SEGMENT_M);
    pieces
        .lines()
        .chain((pieces.0.len() == 1).then(|| Line::new(pieces.0[0], pieces.0[0])))
        .map(|piece| {
            let a = frame.project(piece.start)?;
            let b = frame.project(piece.end)?;
            Ok(GeomWithData::new(RLine::new(xy(a), xy(b)), segment))
        })
        .collect()
}

/// Great-circle distance in kilometres (mean Earth radius 6,371,008.8 m).
pub fn haversine_km(a: Point, b: Point) -> f64 {
    Haversine.distance(a, b) / 1000.0
}

/// Great-circle distance in kilometres from a point to the nearest point of a segment.
pub fn segment_haversine_km(from: Point, line: Line) -> f64 {
    if line.start == line.end {
        return haversine_km(from, Point(line.start));
    }
    match line.haversine_closest_point(&from) {
        Closest::Intersection(p) | Closest::SinglePoint(p) => haversine_km(from, p),
        Closest::Indeterminate => {
            haversine_km(from, Point(line.start)).min(haversine_km(from, Point(line.end)))
        }
    }
}

/// Euclidean distance in the local frame, in metres, between a parcel and a receptor.
pub fn setback_distance_m(parcel_local: &Geometry, receptor_local: &Geometry) -> f64 {
    Euclidean.distance(parcel_local, receptor_local)
}

fn distance_m(a: Coord, b: &[f64; 2]) -> f64 {
    ((a.x - b[0]).powi(2) + (a.y - b[1]).powi(2)).sqrt()
}

fn sort_by_km(found: &mut [(usize, f64)]) {
    found.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
}

#[cfg(test)]
mod tests {
    use geo::{Coord, Point, Rect};

    use super::{LocalFrame, haversine_km};

    /// Sacramento's Capitol to San Francisco's City Hall: 120.048 km on a sphere of the mean
    /// Earth radius (the haversine formula worked by hand in Python, 120.04825 km).
    #[test]
    fn haversine_of_a_known_city_pair() {
        let capitol = Point::new(-121.4934, 38.5767);
        let city_hall = Point::new(-122.4193, 37.7793);
        assert!((haversine_km(capitol, city_hall) - 120.048_25).abs() < 1e-4);
        assert_eq!(haversine_km(capitol, capitol), 0.0);
    }

    /// The frame's origin is (0, 0), and 0.01° north along its central meridian is the WGS84
    /// meridian arc from 38.50° to 38.51°: 1,110.061 m (Simpson's rule over the meridian's
    /// radius of curvature, by hand).
    #[test]
    fn the_local_frame_measures_the_meridian_arc() {
        let extent = Rect::new(Coord { x: -121.6, y: 38.4 }, Coord { x: -121.4, y: 38.6 });
        let frame = LocalFrame::centred_on(extent).unwrap();
        let origin = frame.project(Coord { x: -121.5, y: 38.5 }).unwrap();
        assert!(origin.x.abs() < 1e-6 && origin.y.abs() < 1e-6, "{origin:?}");
        let north = frame
            .project(Coord {
                x: -121.5,
                y: 38.51,
            })
            .unwrap();
        assert!(north.x.abs() < 1e-6, "{north:?}");
        assert!((north.y - 1_110.061).abs() < 0.01, "{north:?}");
    }
}
