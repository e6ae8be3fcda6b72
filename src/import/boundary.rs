//! The region's boundary: the union of a source's polygons, and the clipping of layers to it.
//!
//! Clipping keeps a feature when it touches the boundary (`clip_km = 0`) or comes within
//! `clip_km` of it. Distances for clipping are measured in an equirectangular frame centred
//! on the boundary (km east = Δlon·cos(lat₀)·111.32, km north = Δlat·111.32): over a region
//! 200 km across that is within about 1% of the great-circle distance, plenty for a margin.
//! Features are kept whole, never cut: a backbone link that crosses the region is one
//! route, and a lateral to its nearest point is what the model prices.

use geo::{
    BooleanOps, BoundingRect, Contains, Coord, Distance, Euclidean, Geometry, Intersects,
    MapCoords, MultiPolygon, Polygon, Rect,
};

/// Kilometres per degree of latitude (the synth generator's figure, 111,320 m).
const KM_PER_DEG_LAT: f64 = 111.32;

/// The region's boundary, in WGS84, with its local km frame.
#[derive(Debug, Clone)]
pub struct Boundary {
    /// The union of the source's polygons.
    pub shape: MultiPolygon,
    /// Bounding box of `shape`.
    pub bbox: Rect,
    /// `shape` in the local km frame.
    local_km: Geometry,
    km_per_deg_lon: f64,
    origin: Coord,
}

impl Boundary {
    /// The union of `polygons`; `None` when there is none.
    pub fn from_polygons(polygons: Vec<Polygon>) -> Option<Self> {
        if polygons.is_empty() {
            return None;
        }
        let shape = geo::unary_union(&polygons);
        let bbox = shape.bounding_rect()?;
        let origin = bbox.center();
        let km_per_deg_lon = KM_PER_DEG_LAT * origin.y.to_radians().cos();
        let mut boundary = Self {
            local_km: Geometry::MultiPolygon(MultiPolygon(Vec::new())),
            shape,
            bbox,
            km_per_deg_lon,
            origin,
        };
        boundary.local_km =
            Geometry::MultiPolygon(boundary.shape.map_coords(|c| boundary.to_km(c)));
        Some(boundary)
    }

    fn to_km(&self, c: Coord) -> Coord {
        Coord {
            x: (c.x - self.origin.x) * self.km_per_deg_lon,
            y: (c.y - self.origin.y) * KM_PER_DEG_LAT,
        }
    }

    /// Whether a feature is kept: it touches the boundary, or lies within `clip_km` of it.
    pub fn keeps(&self, geometry: &Geometry, clip_km: f64) -> bool {
        if !self.near_bbox(geometry, clip_km.max(0.0)) {
            return false;
        }
        if self.shape.intersects(geometry) {
            return true;
        }
        if clip_km <= 0.0 {
            return false;
        }
        let local = geometry.map_coords(|c| self.to_km(c));
        Euclidean.distance(&local, &self.local_km) <= clip_km
    }

    /// Whether a geometry's bounding box comes within `clip_km` of the boundary's (a cheap
    /// test before the exact one; the margin is widened by 10% for the frame's error).
    fn near_bbox(&self, geometry: &Geometry, clip_km: f64) -> bool {
        let Some(rect) = geometry.bounding_rect() else {
            return false;
        };
        let margin = Coord {
            x: 1.1 * clip_km / self.km_per_deg_lon,
            y: 1.1 * clip_km / KM_PER_DEG_LAT,
        };
        let grown = Rect::new(self.bbox.min() - margin, self.bbox.max() + margin);
        grown.intersects(&rect)
    }

    /// Whether a polygon's bounding box lies inside the boundary's (a cheap test before
    /// the exact one).
    pub fn bbox_holds(&self, polygon: &Polygon) -> bool {
        polygon
            .bounding_rect()
            .is_some_and(|r| self.bbox.contains(&r))
    }

    /// The part of a polygon inside the boundary.
    pub fn clip(&self, polygon: &Polygon) -> MultiPolygon {
        self.shape.intersection(polygon)
    }

    /// The boundary's extent from `center`, in metres east-west and north-south (the
    /// farther side of each).
    pub fn half_extent_m(&self, center: Coord) -> (f64, f64) {
        let (min, max) = (self.bbox.min(), self.bbox.max());
        let km_per_deg_lon = KM_PER_DEG_LAT * center.y.to_radians().cos();
        let east_west = (center.x - min.x).abs().max((max.x - center.x).abs()) * km_per_deg_lon;
        let north_south = (center.y - min.y).abs().max((max.y - center.y).abs()) * KM_PER_DEG_LAT;
        (east_west * 1e3, north_south * 1e3)
    }
}
