//! The domain types of the five layers, as the readers give them: [`Substation`],
//! [`FiberLine`], [`Parcel`], [`Receptor`], [`Community`] and the optional [`Line`]s,
//! [`LoadProfiles`] and [`LargeLoad`]s, all of them in a [`Map`]; and the
//! units they are measured in. Coordinates are WGS84 longitude/latitude.

use geo::{MultiLineString, MultiPolygon, Point};

/// Square metres in an international acre, exactly (43,560 ft² of 0.3048 m): parcels' acres
/// are their geodesic area divided by this.
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
    /// Share of new load supplied here (imports and generation), on maps with lines.
    pub supply_share: f64,
    /// Its column in [`Map::profiles`], where `load_profiles.csv` has one.
    pub profile: Option<usize>,
    /// MW of the large loads the scenario counts here (`loads.geojson`, `queue_statuses`):
    /// 0 as read, set for a scenario by [`crate::hosting::apply`].
    pub queued_mw: f64,
    /// With a profile: its hosting capacities for the scenario (None as read, set by
    /// [`crate::hosting::apply`]).
    pub hosting: Option<Hosting>,
}

/// A profiled substation's room over time for a scenario (docs/profiles-and-queue.md, "Headroom over time and
/// the queue"): the most new load `L*` that meets the curtailment budget, without and with its
/// upgrade ([`crate::hosting`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hosting {
    /// `max_h load(h)`, MW.
    pub peak_load_mw: f64,
    /// `L*` without the upgrade, MW (at least the firm room).
    pub load_mw: f64,
    /// `L*` with the upgrade, MW (at least `load_mw + upgrade_mw`).
    pub upgraded_load_mw: f64,
}

/// `load_profiles.csv`: the existing load of some substations, hour by hour.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LoadProfiles {
    /// By row: the hour's label (an index or a timestamp; unique).
    pub hours: Vec<String>,
    /// By row: the hours of the year the row stands for (> 0; 1 without a `weight` column).
    pub weights: Vec<f64>,
    /// One per profiled substation, in the file's column order.
    pub columns: Vec<ProfileColumn>,
}

impl LoadProfiles {
    /// Profiles over rows `hours` weighted by `weights`, one column per (substation index, load
    /// by row): each column's hours are ordered by load here.
    pub fn new(hours: Vec<String>, weights: Vec<f64>, columns: Vec<(usize, Vec<f64>)>) -> Self {
        let columns = columns
            .into_iter()
            .map(|(substation, load_mw)| ProfileColumn::new(substation, load_mw))
            .collect();
        LoadProfiles {
            hours,
            weights,
            columns,
        }
    }
}

impl ProfileColumn {
    /// A column with its hours ordered by load, highest first (ties in row order).
    pub fn new(substation: usize, load_mw: Vec<f64>) -> ProfileColumn {
        // Loads are finite and ≥ 0 (the reader's rule), whose bits order as the numbers do:
        // sorting (complemented bits, row) pairs of integers is several times faster than
        // comparing floats through the index, and gives the same order (ties by row).
        let key = |mw: f64| !(mw.max(0.0) + 0.0).to_bits();
        let mut keyed: Vec<(u64, u32)> = (load_mw.iter().enumerate())
            .map(|(r, &mw)| (key(mw), r as u32))
            .collect();
        keyed.sort_unstable();
        let by_load: Vec<u32> = keyed.into_iter().map(|(_, r)| r).collect();
        ProfileColumn {
            substation,
            load_mw,
            by_load,
        }
    }
}

/// One substation's column of `load_profiles.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileColumn {
    /// Index in [`Map::substations`].
    pub substation: usize,
    /// By row: the existing load, MW (finite, ≥ 0).
    pub load_mw: Vec<f64>,
    /// The rows by load, highest first (ties in row order): the order in which the room for
    /// new load rises.
    pub by_load: Vec<u32>,
}

/// The status of a large load (`loads.geojson`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum QueueStatus {
    Operating,
    Construction,
    Signed,
    Study,
    Withdrawn,
}

impl QueueStatus {
    /// Every status, in the contract's order.
    pub const ALL: [QueueStatus; 5] = [
        QueueStatus::Operating,
        QueueStatus::Construction,
        QueueStatus::Signed,
        QueueStatus::Study,
        QueueStatus::Withdrawn,
    ];

    /// The status as `loads.geojson` and `queue_statuses` spell it.
    pub const fn as_str(self) -> &'static str {
        match self {
            QueueStatus::Operating => "operating",
            QueueStatus::Construction => "construction",
            QueueStatus::Signed => "signed",
            QueueStatus::Study => "study",
            QueueStatus::Withdrawn => "withdrawn",
        }
    }

    /// The status spelled `name`, if the contract names it.
    pub fn from_name(name: &str) -> Option<QueueStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The words the contract accepts, for messages.
    pub fn names() -> String {
        Self::ALL.map(QueueStatus::as_str).join(", ")
    }
}

impl std::fmt::Display for QueueStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A large load connected or in the interconnection queue (`loads.geojson`).
#[derive(Debug, Clone, PartialEq)]
pub struct LargeLoad {
    pub id: String,
    pub name: Option<String>,
    pub point: Point,
    /// Index of its substation in [`Map::substations`].
    pub substation: usize,
    pub mw: f64,
    pub status: QueueStatus,
    pub in_service_year: Option<f64>,
}

/// A transmission line or transformer between two substations: a branch of the DC power flow.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub id: String,
    pub name: Option<String>,
    /// Index of its `from` substation in [`Map::substations`].
    pub from: usize,
    /// Index of its `to` substation.
    pub to: usize,
    /// Series reactance, per unit on a 100 MVA base (> 0).
    pub x_pu: f64,
    /// Normal thermal limit, MW (> 0).
    pub rating_mw: f64,
    /// The limit after an outage, MW (`rating_mw` when the layer does not give one).
    pub emergency_rating_mw: f64,
    pub voltage_kv: Option<f64>,
    /// Today's flow, MW, positive from `from` to `to`.
    pub base_flow_mw: f64,
    pub geometry: MultiLineString,
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
    /// One of the contract's kinds ([`ReceptorKind`]) or any other word a map uses (which has
    /// a setback only where a scenario gives it one).
    pub kind: String,
    pub name: Option<String>,
    pub geometry: ReceptorGeometry,
}

/// The receptor kinds the contract names: each has a default setback in scenarios, and the
/// synthetic generator makes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReceptorKind {
    Residential,
    School,
    Hospital,
    Protected,
}

impl ReceptorKind {
    /// Every kind, in the contract's order.
    pub const ALL: [ReceptorKind; 4] = [
        ReceptorKind::Residential,
        ReceptorKind::School,
        ReceptorKind::Hospital,
        ReceptorKind::Protected,
    ];

    /// The kind as `receptors.geojson`, scenarios and recipes spell it.
    pub const fn as_str(self) -> &'static str {
        match self {
            ReceptorKind::Residential => "residential",
            ReceptorKind::School => "school",
            ReceptorKind::Hospital => "hospital",
            ReceptorKind::Protected => "protected",
        }
    }

    /// The kind spelled `name`, if the contract names it.
    pub fn from_name(name: &str) -> Option<ReceptorKind> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

impl std::fmt::Display for ReceptorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
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
    /// The optional `lines.geojson`: empty when the map has none (no line limits).
    pub lines: Vec<Line>,
    /// The optional `load_profiles.csv`.
    pub profiles: Option<LoadProfiles>,
    /// The optional `loads.geojson`: empty when the map has none.
    pub loads: Vec<LargeLoad>,
}

/// The community id of a parcel that lies in no community polygon.
pub const UNASSIGNED: &str = "unassigned";

impl Map {
    /// The id of a community by its index, as the outputs name it ([`UNASSIGNED`] for none).
    pub fn community_id(&self, community: Option<usize>) -> &str {
        community.map_or(UNASSIGNED, |c| self.communities[c].id.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::ReceptorKind;

    #[test]
    fn receptor_kinds_read_back_from_their_names() {
        for kind in ReceptorKind::ALL {
            assert_eq!(ReceptorKind::from_name(kind.as_str()), Some(kind));
            assert_eq!(kind.to_string(), kind.as_str());
        }
        assert_eq!(ReceptorKind::from_name("farm"), None);
        assert_eq!(ReceptorKind::from_name("School"), None);
    }
}
