//! Map layers (`maps/<region>/*.geojson`): reading and validating the five layers of the
//! contract into domain types.
//!
//! Takes a map folder; gives a [`Map`] of [`Substation`]s, [`FiberLine`]s, [`Parcel`]s,
//! [`Receptor`]s and [`Community`]s, or a [`LayerError`] naming the file, the feature (index and
//! id) and the property at fault.

mod fields;
pub mod geojson_in;
pub mod geometry;

use std::path::{Path, PathBuf};

use geo::orient::{Direction, Orient};
use geo::{Centroid, GeodesicArea, MultiLineString, MultiPolygon, Point};
use rayon::prelude::*;

pub use fields::{FieldMap, Fields, number_in_text};
use geojson_in::{RawFeature, Scalar};
use geometry::{Accepts, Shape};

/// Square metres in an international acre.
pub const SQUARE_METRES_PER_ACRE: f64 = 4_046.856_422_4;

/// The five layer files of a map folder.
pub const LAYER_FILES: [&str; 5] = [
    "substations.geojson",
    "fiber.geojson",
    "parcels.geojson",
    "receptors.geojson",
    "communities.geojson",
];

/// A layer that cannot be used. `feature` is `(index, id)` where the fault is in one feature.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{}: {property}: {message}", path.display(), feature_label(feature))]
pub struct LayerError {
    pub path: PathBuf,
    pub feature: Option<(usize, String)>,
    pub property: String,
    pub message: String,
}

fn feature_label(feature: &Option<(usize, String)>) -> String {
    match feature {
        Some((index, id)) if id.is_empty() => format!(": feature {index}"),
        Some((index, id)) => format!(": feature {index} (id \"{id}\")"),
        None => String::new(),
    }
}

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

/// Reads and validates the five layers of a map folder.
pub fn load_map(folder: &Path) -> Result<Map, LayerError> {
    check_imported(folder)?;
    let plain = FieldMap::default();
    Ok(Map {
        substations: read_substations(&folder.join(LAYER_FILES[0]), &plain)?,
        fiber: read_fiber(&folder.join(LAYER_FILES[1]), &plain)?,
        parcels: read_parcels(&folder.join(LAYER_FILES[2]), &plain)?,
        receptors: read_receptors(&folder.join(LAYER_FILES[3]), &plain)?,
        communities: read_communities(&folder.join(LAYER_FILES[4]), &plain)?,
    })
}

/// A real region's map folder holds its recipe until `gridsite import` builds the layers: say
/// so, rather than that a file is missing.
fn check_imported(folder: &Path) -> Result<(), LayerError> {
    let recipe = folder.join("recipe.toml");
    let substations = folder.join(LAYER_FILES[0]);
    if recipe.is_file() && !substations.exists() {
        return Err(LayerError {
            path: substations,
            feature: None,
            property: "file".into(),
            message: format!(
                "this map is built from public layers: run `gridsite import {}` first",
                recipe.display()
            ),
        });
    }
    Ok(())
}

const SUBSTATION_PROPS: &[&str] = &[
    "id",
    "name",
    "voltage_kv",
    "headroom_mw",
    "flexible_mw",
    "community_growth_mw",
    "upgrade_mw",
    "upgrade_usd",
];
const FIBER_PROPS: &[&str] = &["id", "kind"];
const PARCEL_PROPS: &[&str] = &[
    "id",
    "zoning",
    "land_usd_per_acre",
    "brownfield",
    "water_stress",
];
const RECEPTOR_PROPS: &[&str] = &["id", "kind", "name"];
const COMMUNITY_PROPS: &[&str] = &["id", "name", "population", "burden_pct"];

/// Reads `substations.geojson`; gives the substations.
pub fn read_substations(path: &Path, map: &FieldMap) -> Result<Vec<Substation>, LayerError> {
    let accepts = Accepts {
        point: true,
        lines: false,
        areas: false,
    };
    read_layer(path, SUBSTATION_PROPS, map, accepts, |f, shape| {
        let Shape::Point(point) = shape else {
            return Err(f.error("geometry", "expected a Point"));
        };
        let voltage_kv = f.number("voltage_kv")?;
        if voltage_kv <= 0.0 {
            return Err(f.error("voltage_kv", format!("must be > 0, got {voltage_kv}")));
        }
        Ok(Substation {
            id: f.id.clone(),
            name: f.optional_text("name")?,
            point,
            voltage_kv,
            headroom_mw: f.number_at_least("headroom_mw", 0.0)?,
            flexible_mw: f.optional_number_at_least("flexible_mw", 0.0)?,
            community_growth_mw: f.optional_number_at_least("community_growth_mw", 0.0)?,
            upgrade_mw: f.optional_number_at_least("upgrade_mw", 0.0)?,
            upgrade_usd: f.optional_number_at_least("upgrade_usd", 0.0)?,
        })
    })
}

/// Reads `fiber.geojson`; gives the fiber lines.
pub fn read_fiber(path: &Path, map: &FieldMap) -> Result<Vec<FiberLine>, LayerError> {
    let accepts = Accepts {
        point: true,
        lines: true,
        areas: false,
    };
    read_layer(path, FIBER_PROPS, map, accepts, |f, shape| {
        let lines = match shape {
            Shape::Point(p) => MultiLineString(vec![geo::LineString(vec![p.0])]),
            Shape::Lines(lines) => lines,
            Shape::Areas(_) => return Err(f.error("geometry", "expected a line or a point")),
        };
        Ok(FiberLine {
            id: f.id.clone(),
            kind: f.optional_text("kind")?,
            lines,
        })
    })
}

/// Reads `parcels.geojson`; gives the parcels (area and site point computed).
pub fn read_parcels(path: &Path, map: &FieldMap) -> Result<Vec<Parcel>, LayerError> {
    let accepts = Accepts {
        point: false,
        lines: false,
        areas: true,
    };
    read_layer(path, PARCEL_PROPS, map, accepts, |f, shape| {
        let Shape::Areas(shape) = shape else {
            return Err(f.error("geometry", "expected a Polygon or MultiPolygon"));
        };
        // RFC 7946 asks readers to accept either winding; the geodesic area needs exteriors
        // counter-clockwise (a clockwise ring measures the rest of the Earth).
        let shape = shape.orient(Direction::Default);
        let acres = shape.geodesic_area_unsigned() / SQUARE_METRES_PER_ACRE;
        let site_point = match shape.centroid() {
            Some(p) if acres > 0.0 && p.x().is_finite() && p.y().is_finite() => p,
            _ => return Err(f.error("geometry", "the polygon has no area")),
        };
        let water_stress = f.optional_number_at_least("water_stress", 0.0)?;
        if water_stress > 5.0 {
            return Err(f.error(
                "water_stress",
                format!("must be on the 0-5 scale, got {water_stress}"),
            ));
        }
        Ok(Parcel {
            id: f.id.clone(),
            zoning: f.text("zoning")?,
            land_usd_per_acre: f.number_at_least("land_usd_per_acre", 0.0)?,
            brownfield: f.optional_bool("brownfield")?,
            water_stress,
            shape,
            site_point,
            acres,
        })
    })
}

/// Reads `receptors.geojson`; gives the receptors.
pub fn read_receptors(path: &Path, map: &FieldMap) -> Result<Vec<Receptor>, LayerError> {
    let accepts = Accepts {
        point: true,
        lines: false,
        areas: true,
    };
    read_layer(path, RECEPTOR_PROPS, map, accepts, |f, shape| {
        let geometry = match shape {
            Shape::Point(p) => ReceptorGeometry::Point(p),
            Shape::Areas(a) => ReceptorGeometry::Area(a),
            Shape::Lines(_) => return Err(f.error("geometry", "expected a Point or Polygon")),
        };
        Ok(Receptor {
            id: f.id.clone(),
            kind: f.text("kind")?,
            name: f.optional_text("name")?,
            geometry,
        })
    })
}

/// Reads `communities.geojson`; gives the communities.
pub fn read_communities(path: &Path, map: &FieldMap) -> Result<Vec<Community>, LayerError> {
    let accepts = Accepts {
        point: false,
        lines: false,
        areas: true,
    };
    read_layer(path, COMMUNITY_PROPS, map, accepts, |f, shape| {
        let Shape::Areas(shape) = shape else {
            return Err(f.error("geometry", "expected a Polygon or MultiPolygon"));
        };
        let burden_pct = f.optional_number_at_least("burden_pct", 0.0)?;
        if burden_pct > 100.0 {
            return Err(f.error(
                "burden_pct",
                format!("must be a percentile 0-100, got {burden_pct}"),
            ));
        }
        Ok(Community {
            id: f.id.clone(),
            name: f.text("name")?,
            population: f.number_at_least("population", 0.0)?,
            burden_pct,
            shape,
        })
    })
}

/// The common path of every layer: read the file, then validate each feature (in parallel),
/// reporting the first error in file order, then reject duplicate ids.
fn read_layer<T: Send>(
    path: &Path,
    names: &[&str],
    map: &FieldMap,
    accepts: Accepts,
    convert: impl Fn(&Fields, Shape) -> Result<T, LayerError> + Sync,
) -> Result<Vec<T>, LayerError> {
    let file_error = |message: String| LayerError {
        path: path.to_path_buf(),
        feature: None,
        property: "file".into(),
        message,
    };
    let bytes = std::fs::read(path).map_err(|e| file_error(format!("cannot read: {e}")))?;
    let wanted = map.source_names(names);
    let wanted_refs: Vec<&str> = wanted.iter().map(String::as_str).collect();
    let convert_batch =
        |first: usize, batch: Vec<RawFeature>| -> Vec<Result<(String, T), LayerError>> {
            let indexed = batch.into_iter().enumerate();
            indexed
                .map(|(k, feature)| {
                    convert_feature(path, names, map, accepts, first + k, feature, &convert)
                })
                .collect()
        };
    let results = match validate_while_parsing(&bytes, &wanted_refs, &convert_batch) {
        Ok(results) => results,
        Err(message) => match geojson_in::replace_non_finite_literals(&bytes) {
            Some(fixed) => validate_while_parsing(&fixed, &wanted_refs, &convert_batch)
                .map_err(|_| file_error(message))?,
            None => return Err(file_error(message)),
        },
    };
    drop(bytes);
    let first_error = results.iter().position(Result::is_err);
    let mut ids = Vec::with_capacity(results.len());
    let mut items = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok((id, item)) => {
                ids.push(id);
                items.push(item);
            }
            // The first error in file order wins, whether it is this or a duplicate before it.
            Err(error) => match first_duplicate(&ids) {
                Some(duplicate) if duplicate.0 < first_error.unwrap_or(usize::MAX) => {
                    return Err(duplicate_error(path, map, &ids, duplicate));
                }
                _ => return Err(error),
            },
        }
    }
    match first_duplicate(&ids) {
        Some(duplicate) => Err(duplicate_error(path, map, &ids, duplicate)),
        None => Ok(items),
    }
}

/// Features per batch handed from the parser to the validating threads.
const BATCH_FEATURES: usize = 4096;

/// Parses on this thread while other threads of the pool validate the batches already parsed;
/// gives every feature's result in file order.
fn validate_while_parsing<R: Send>(
    bytes: &[u8],
    wanted: &[&str],
    convert_batch: &(dyn Fn(usize, Vec<RawFeature>) -> Vec<R> + Sync),
) -> Result<Vec<R>, String> {
    let batches = std::sync::Mutex::new(Vec::new());
    let parsed = rayon::scope(|scope| {
        let batches = &batches;
        geojson_in::read_in_batches(bytes, wanted, BATCH_FEATURES, &mut |first, batch| {
            scope.spawn(move |_| {
                let results = convert_batch(first, batch);
                if let Ok(mut batches) = batches.lock() {
                    batches.push((first, results));
                }
            });
        })
    });
    let count = parsed?;
    let mut batches = batches
        .into_inner()
        .map_err(|_| "a validating thread failed".to_string())?;
    batches.sort_unstable_by_key(|(first, _)| *first);
    let results: Vec<R> = batches
        .into_iter()
        .flat_map(|(_, results)| results)
        .collect();
    if results.len() == count {
        Ok(results)
    } else {
        Err(format!(
            "{} of {count} features were validated",
            results.len()
        ))
    }
}

/// The first feature (in file order) whose id an earlier feature has, with that earlier one.
fn first_duplicate(ids: &[String]) -> Option<(usize, usize)> {
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.par_sort_unstable_by(|&a, &b| ids[a].cmp(&ids[b]).then(a.cmp(&b)));
    order
        .windows(2)
        .filter(|w| ids[w[0]] == ids[w[1]])
        .map(|w| (w[1], w[0]))
        .min()
}

fn duplicate_error(
    path: &Path,
    map: &FieldMap,
    ids: &[String],
    (index, first): (usize, usize),
) -> LayerError {
    LayerError {
        path: path.to_path_buf(),
        feature: Some((index, ids[index].clone())),
        property: map.source_name("id").to_string(),
        message: format!("duplicate id: feature {first} has the same id"),
    }
}

fn convert_feature<T>(
    path: &Path,
    names: &[&str],
    map: &FieldMap,
    accepts: Accepts,
    index: usize,
    feature: RawFeature,
    convert: &impl Fn(&Fields, Shape) -> Result<T, LayerError>,
) -> Result<(String, T), LayerError> {
    let mut fields = Fields::new(path, index, names, feature.properties, map);
    fields.id = feature_id(&fields, feature.feature_id)?;
    let geometry = feature
        .geometry
        .ok_or_else(|| fields.error("geometry", "missing (null) geometry"))?;
    let shape = geometry::decode(&geometry, accepts).map_err(|m| fields.error("geometry", m))?;
    let item = convert(&fields, shape)?;
    Ok((fields.id, item))
}

/// The id from `properties.id`, else the feature-level `id`; a number reads as its decimal.
fn feature_id(fields: &Fields, feature_level: Option<Scalar>) -> Result<String, LayerError> {
    let value = match fields.get("id") {
        Some(Scalar::Null) | None => feature_level,
        Some(v) => Some(v.clone()),
    };
    match value {
        Some(Scalar::Str(s)) if !s.trim().is_empty() => Ok(s),
        Some(Scalar::Num(n)) if n.is_finite() => Ok(fields::number_to_id(n)),
        Some(Scalar::Int(i)) => Ok(i.to_string()),
        Some(Scalar::Null) | None => Err(fields.error("id", "missing")),
        Some(_) => Err(fields.error("id", "must be a non-empty string or a number")),
    }
}
