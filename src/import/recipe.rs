//! The import recipe (`maps/<region>/recipe.toml`): which source files make each layer of a
//! map, how their fields map onto the contract's properties, and the rules that derive what
//! the sources lack.
//!
//! Every table rejects unknown keys. Source paths are relative to the recipe file.
//!
//! ```toml
//! name = "sacramento"
//! # Rule: headroom_mw from voltage_kv where a substation source has no headroom field.
//! # The class with min_kv <= voltage_kv < below_kv applies; a voltage in no class is an error.
//! headroom_by_voltage = [
//!   { min_kv = 0, below_kv = 33, headroom_mw = 5 },
//!   { min_kv = 33, headroom_mw = 30 },
//! ]
//!
//! [boundary]                       # polygons of this source, unioned
//! source = { path = "territory.geojson", format = "geojson" }
//!
//! [generate]                       # synthetic land inside the boundary
//! seed = 7
//! parcels = 3000
//! downtown = [-121.4944, 38.5816]  # where the generator's city centre sits (default: bbox centre)
//! receptor_kinds = ["residential", "school", "protected"]
//! communities = true
//!
//! [[substations]]                  # a layer: one table per source, merged in this order
//! source = { path = "subs.geojson", format = "geojson" }   # crs = "EPSG:3310" where not WGS84
//! id_prefix = "cec-"               # ids are prefix + the id field (or the feature index)
//! geometry = ["point"]             # keep only these geometry kinds: point, line, polygon
//! where = { Status = "Operational" }   # keep features whose fields equal these (a list: any of)
//! clip_km = 0.0                    # keep features within this distance of the boundary
//! fields = { id = "OBJECTID", voltage_kv = "Highest_kV" }  # contract property = source field
//! constants = { community_growth_mw = 0 }                  # contract property = value
//! leading_number = ["voltage_kv"]  # read "110kV to 161kV" as 110
//!
//! [[loads]]                        # the queue of large loads (optional)
//! source = { path = "queue.csv", format = "csv", x_field = "lon", y_field = "lat" }
//! id_prefix = "q-"
//! substation_prefix = "cec-"       # the substations' id_prefix, before each `substation`
//! fields = { id = "QUEUE_ID", substation = "POI_SUB", mw = "MW", status = "STATUS" }
//!
//! [profiles]                       # load_profiles.csv (optional): a source table ...
//! source = { path = "scada.csv" }
//! hour = "timestamp"               # the column of hour labels, kept as written
//! id_prefix = "cec-"               # every other column names a substation: prefix + column
//! columns = { "FEEDER 12" = "cec-123" }   # ... or explicitly
//! skip = ["TOTAL"]
//! scale = 0.001                    # kW -> MW
//! # ... or generated:  generate = { seed = 916 }
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::sources::SourceSpec;

/// A whole recipe.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// The map's name (written to `map.json`).
    pub name: String,
    /// Free text for `map.json`.
    #[serde(default)]
    pub description: Option<String>,
    /// Headroom by voltage class, for substation sources without a headroom field.
    #[serde(default)]
    pub headroom_by_voltage: Vec<HeadroomClass>,
    /// The region: the union of a source's polygons.
    pub boundary: BoundarySpec,
    /// Synthetic land inside the boundary, where no source has it.
    #[serde(default)]
    pub generate: Option<GenerateSpec>,
    #[serde(default)]
    pub substations: Vec<LayerSource>,
    #[serde(default)]
    pub fiber: Vec<LayerSource>,
    #[serde(default)]
    pub parcels: Vec<LayerSource>,
    #[serde(default)]
    pub receptors: Vec<LayerSource>,
    #[serde(default)]
    pub communities: Vec<LayerSource>,
    /// The optional queue of large loads (`loads.geojson`): connected, under construction,
    /// signed, in study or withdrawn; `substation_prefix` maps their substation references.
    #[serde(default)]
    pub loads: Vec<LayerSource>,
    /// The optional hourly load of the substations (`load_profiles.csv`): from a source table
    /// or generated; see [`ProfilesSpec`].
    #[serde(default)]
    pub profiles: Option<ProfilesSpec>,
    /// The transmission network (`lines.geojson`, substations' `supply_share`); see
    /// [`NetworkSpec`].
    #[serde(default)]
    pub network: Option<NetworkSpec>,
}

/// Where a map's transmission network comes from, and the rules that fit it onto the map's
/// substations (see [`crate::import::lines`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NetworkSpec {
    /// An extract of the California Test System: branches with x_pu, rateA_MVA and a base
    /// flow, buses with their voltage and whether they lie inside the extract's bbox.
    Cats(CatsNetwork),
    /// PyPSA-KR's OSM-derived network: lines with voltage, circuits and length, transformers
    /// and buses; impedances and ratings derived by the recipe's rules.
    PypsaOsm(OsmNetwork),
}

impl NetworkSpec {
    /// `bus_km`: a bus belongs to the nearest substation of the map within this distance; a
    /// bus with none becomes a network-only substation (headroom 0).
    pub fn bus_km(&self) -> f64 {
        match self {
            NetworkSpec::Cats(c) => c.bus_km,
            NetworkSpec::PypsaOsm(o) => o.bus_km,
        }
    }

    /// `id_prefix`: of network-only substations' and lines' ids (`cats-`).
    pub fn id_prefix(&self) -> &str {
        match self {
            NetworkSpec::Cats(c) => &c.id_prefix,
            NetworkSpec::PypsaOsm(o) => &o.id_prefix,
        }
    }

    /// The source files, as the recipe writes them.
    pub fn sources(&self) -> Vec<&SourceSpec> {
        match self {
            NetworkSpec::Cats(c) => vec![&c.branches, &c.buses],
            NetworkSpec::PypsaOsm(o) => vec![&o.lines, &o.transformers, &o.buses],
        }
    }
}

/// `kind = "cats"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatsNetwork {
    pub branches: SourceSpec,
    pub buses: SourceSpec,
    pub bus_km: f64,
    pub id_prefix: String,
}

/// `kind = "pypsa_osm"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OsmNetwork {
    pub lines: SourceSpec,
    pub transformers: SourceSpec,
    pub buses: SourceSpec,
    /// OSM's `circuits` read as conductor counts when a multiple of this (6 → 2 circuits).
    pub conductors_per_circuit: f64,
    /// Reactance and rating per circuit by the line's voltage.
    pub line_classes: Vec<LineClass>,
    /// Every transformer's reactance and rating.
    pub transformer: TransformerRule,
    pub bus_km: f64,
    pub id_prefix: String,
}

/// A line class: lines at `voltage_kv` get `x_ohm_per_km` and `mw_per_circuit` per circuit.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineClass {
    pub voltage_kv: f64,
    pub x_ohm_per_km: f64,
    pub mw_per_circuit: f64,
}

/// Every transformer's series reactance (per unit, 100 MVA base) and rating.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransformerRule {
    pub x_pu: f64,
    pub rating_mw: f64,
}

/// One row of the headroom rule: substations with `min_kv ≤ voltage_kv < below_kv` get
/// `headroom_mw` (no `below_kv`: no upper bound).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeadroomClass {
    pub min_kv: f64,
    #[serde(default)]
    pub below_kv: Option<f64>,
    pub headroom_mw: f64,
}

/// The region's boundary: every Polygon and MultiPolygon of the source (after `where`), unioned.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoundarySpec {
    pub source: SourceSpec,
    #[serde(default, rename = "where")]
    pub filter: BTreeMap<String, Value>,
}

/// Synthetic land: the synth generator's city laid over the boundary's extent, sampled.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenerateSpec {
    /// Seed of the generator: the same recipe gives the same files.
    pub seed: u64,
    /// Parcels to keep inside the boundary (a seeded sample of the city's lots); 0: none.
    #[serde(default)]
    pub parcels: usize,
    /// `[lon, lat]` of the generated city's downtown; default the boundary's bbox centre.
    #[serde(default)]
    pub downtown: Option<[f64; 2]>,
    /// Generated receptor kinds to keep, as [`ReceptorKind`](crate::layers::ReceptorKind)
    /// spells them (`residential`, `school`, `hospital`, `protected`).
    #[serde(default)]
    pub receptor_kinds: Vec<String>,
    /// Generate the communities (clipped to the boundary); only without community sources.
    #[serde(default)]
    pub communities: bool,
    /// Keep generated receptors within this distance of the boundary (km).
    #[serde(default)]
    pub receptor_clip_km: f64,
}

/// Geometry kinds a layer source may keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GeometryKind {
    /// Point (and MultiPoint).
    Point,
    /// LineString, MultiLineString.
    Line,
    /// Polygon, MultiPolygon.
    Polygon,
}

/// One source of a layer and how its features become the contract's features.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerSource {
    pub source: SourceSpec,
    /// Prefixed to every id of this source (keeps ids unique when sources are merged).
    #[serde(default)]
    pub id_prefix: String,
    /// Keep only these geometry kinds (empty: all).
    #[serde(default)]
    pub geometry: Vec<GeometryKind>,
    /// Keep only features whose source fields equal these values (an array: any of them).
    #[serde(default, rename = "where")]
    pub filter: BTreeMap<String, Value>,
    /// Keep features within this distance of the boundary, km (0: touching or inside it).
    #[serde(default)]
    pub clip_km: f64,
    /// Contract property = source field.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Contract property = the same value for every feature of this source.
    #[serde(default)]
    pub constants: BTreeMap<String, Value>,
    /// Contract properties read as the number a text starts with ("110kV to 161kV" → 110).
    #[serde(default)]
    pub leading_number: Vec<String>,
    /// `[[loads]]` only: prefixed to each load's `substation` value, as the substations' own
    /// `id_prefix` is to their ids (`"cec-"`), so a queue naming a station by the source's id
    /// finds it in the map.
    #[serde(default)]
    pub substation_prefix: String,
}

/// `[profiles]`: where `load_profiles.csv` comes from. Either a source table (`source`, `hour`,
/// optional `weight`, `columns`, `id_prefix`, `skip`, `scale`) or `generate = { seed = N }`
/// (see [`crate::import::profiles`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfilesSpec {
    /// The source table: one row per hour, one column per substation (a SCADA export).
    #[serde(default)]
    pub source: Option<TableSource>,
    /// The source's column of hour labels (kept as written).
    #[serde(default)]
    pub hour: Option<String>,
    /// The source's column of row weights (the hours a row stands for), if any.
    #[serde(default)]
    pub weight: Option<String>,
    /// Source column = substation id of the map, for columns not named by `id_prefix`.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// Every other column names a substation as `id_prefix` + the column's name (default
    /// empty: the column's name is the id).
    #[serde(default)]
    pub id_prefix: String,
    /// Source columns to leave out (totals, quality flags).
    #[serde(default)]
    pub skip: Vec<String>,
    /// MW per unit of the source's values (0.001 for kW); default 1.
    #[serde(default)]
    pub scale: Option<f64>,
    /// Generated profiles instead of a source.
    #[serde(default)]
    pub generate: Option<GenerateProfiles>,
}

/// `[profiles] generate = { seed = N }`: the synth generator's profiles.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenerateProfiles {
    pub seed: u64,
}

/// A source table (CSV): its path, relative to the recipe, and its delimiter.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSource {
    pub path: PathBuf,
    /// Only `"csv"` (the default).
    #[serde(default)]
    pub format: Option<String>,
    /// One character; default `","`.
    #[serde(default)]
    pub delimiter: Option<String>,
}

/// A recipe that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum RecipeError {
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Toml { path: PathBuf, message: String },
}

impl Recipe {
    /// Reads a recipe. Source paths stay as written (relative to the recipe's folder); see
    /// [`resolve`].
    pub fn load(path: &Path) -> Result<Self, RecipeError> {
        let text = std::fs::read_to_string(path).map_err(|source| RecipeError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| RecipeError::Toml {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })
    }

    /// The layers' sources by layer name, in the contract's file order (the five required
    /// layers, then the optional large loads).
    pub fn layers(&self) -> [(super::Layer, &[LayerSource]); 6] {
        use super::Layer;
        [
            (Layer::Substations, &self.substations),
            (Layer::Fiber, &self.fiber),
            (Layer::Parcels, &self.parcels),
            (Layer::Receptors, &self.receptors),
            (Layer::Communities, &self.communities),
            (Layer::Loads, &self.loads),
        ]
    }
}

/// A source as the readers need it: its path joined to the recipe's folder when relative.
pub fn resolve(spec: &SourceSpec, recipe_folder: &Path) -> SourceSpec {
    let mut spec = spec.clone();
    if spec.path.is_relative() {
        spec.path = recipe_folder.join(&spec.path);
    }
    spec
}
