//! The domain types of the five layers, as the readers give them: [`Substation`],
//! [`FiberLine`], [`Parcel`], [`Receptor`], [`Community`], all of them in a [`Map`]; and the
//! units they are measured in. Coordinates are WGS84 longitude/latitude.

use geo::{MultiLineString, MultiPolygon, Point};

/// Square metres in an international acre.
pub const SQUARE_METRES_PER_ACRE: f64 = 4_046.856_422_4;

/// A substation: a point with firm headroom and optional flexible capacity and upgrade.
#[derive(Debug, Clone, PartialEq)]
pub struct Substation {
    pub id: String,
    pub name: Option<String>,
    pub point: Point,
    pub voltage_kv: f64,
    pub headroom_mw: f64,
    pub flexible_mw: f64,
    pub community_growth_mw: f64,
    pub upgrade_mw: f64,
    pub upgrade_usd: f64,
}

/// A fiber route or point of presence (a Point is kept as a one-point line).
#[derive(Debug, Clone, PartialEq)]
pub struct FiberLine {
    pub id: String,
    pub kind: Option<String>,
    pub lines: MultiLineString,
}

/// A land parcel with its area from the geometry and its site point (area centroid).
#[derive(Debug, Clone, PartialEq)]
pub struct Parcel {
    pub id: String,
    pub zoning: String,
    pub land_usd_per_acre: f64,
    pub brownfield: bool,
    pub water_stress: f64,
    pub shape: MultiPolygon,
    pub site_point: Point,
    pub acres: f64,
}

/// A sensitive receptor (school, hospital, homes, protected land, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct Receptor {
    pub id: String,
    pub kind: String,
    pub name: Option<String>,
    pub geometry: ReceptorGeometry,
}

/// A receptor is a point or an area.
#[derive(Debug, Clone, PartialEq)]
pub enum ReceptorGeometry {
    Point(Point),
    Area(MultiPolygon),
}

/// A community: an area with its population and environmental-burden percentile.
#[derive(Debug, Clone, PartialEq)]
pub struct Community {
    pub id: String,
    pub name: String,
    pub population: f64,
    pub burden_pct: f64,
    pub shape: MultiPolygon,
}

/// All layers of a map.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Map {
    pub substations: Vec<Substation>,
    pub fiber: Vec<FiberLine>,
    pub parcels: Vec<Parcel>,
    pub receptors: Vec<Receptor>,
    pub communities: Vec<Community>,
}
