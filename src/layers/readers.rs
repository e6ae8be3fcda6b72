//! The readers of the five layers: which properties each reads, which geometry it takes and
//! which values a feature may have. Each takes a layer file and a [`FieldMap`] (the default in a
//! map folder; a source's own field names otherwise) and gives the layer's domain types, or the
//! first [`LayerError`] in file order. [`load_map`] takes a map folder and gives its [`Map`].

use std::collections::HashMap;
use std::path::Path;

use geo::orient::{Direction, Orient};
use geo::{Centroid, GeodesicArea, MultiLineString};

use super::geometry::Shape;
use super::profiles::{PROFILES_FILE, read_profiles};
use super::schema::Layer;
use super::types::{
    Community, FiberLine, LargeLoad, Line, Map, Parcel, QueueStatus, Receptor, ReceptorGeometry,
    SQUARE_METRES_PER_ACRE, Substation,
};
use super::validate::read_layer;
use super::{FieldMap, LayerError};

/// The optional network layer of a map folder.
pub const LINES_FILE: &str = "lines.geojson";

/// The optional layer of large loads, connected and queued.
pub const LOADS_FILE: &str = "loads.geojson";

/// The five layer files every map folder has.
pub const LAYER_FILES: [&str; 5] = [
    "substations.geojson",
    "fiber.geojson",
    "parcels.geojson",
    "receptors.geojson",
    "communities.geojson",
];

/// Reads and validates the five layers of a map folder, and its lines, load profiles and large
/// loads where it has them.
pub fn load_map(folder: &Path) -> Result<Map, LayerError> {
    check_imported(folder)?;
    let plain = FieldMap::default();
    let substations_path = folder.join(LAYER_FILES[0]);
    let mut substations = read_substations(&substations_path, &plain)?;
    let lines_path = folder.join(LINES_FILE);
    let lines = if lines_path.exists() {
        read_lines(&lines_path, &plain, &substations)?
    } else {
        Vec::new()
    };
    let profiles_path = folder.join(PROFILES_FILE);
    let profiles = if profiles_path.exists() {
        let profiles = read_profiles(&profiles_path, &substations_path, &substations)?;
        for (k, column) in profiles.columns.iter().enumerate() {
            substations[column.substation].profile = Some(k);
        }
        Some(profiles)
    } else {
        None
    };
    let loads_path = folder.join(LOADS_FILE);
    let loads = if loads_path.exists() {
        read_loads(&loads_path, &plain, &substations)?
    } else {
        Vec::new()
    };
    Ok(Map {
        substations,
        fiber: read_fiber(&folder.join(LAYER_FILES[1]), &plain)?,
        parcels: read_parcels(&folder.join(LAYER_FILES[2]), &plain)?,
        receptors: read_receptors(&folder.join(LAYER_FILES[3]), &plain)?,
        communities: read_communities(&folder.join(LAYER_FILES[4]), &plain)?,
        lines,
        profiles,
        loads,
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

/// Reads `substations.geojson`; gives the substations.
pub fn read_substations(path: &Path, map: &FieldMap) -> Result<Vec<Substation>, LayerError> {
    read_layer(
        path,
        &Layer::Substations.property_names(),
        map,
        Layer::Substations.shapes(),
        |f, shape| {
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
                supply_share: f.optional_number_at_least("supply_share", 0.0)?,
                profile: None,
                queued_mw: 0.0,
                hosting: None,
            })
        },
    )
}

/// Reads `fiber.geojson`; gives the fiber lines.
pub fn read_fiber(path: &Path, map: &FieldMap) -> Result<Vec<FiberLine>, LayerError> {
    read_layer(
        path,
        &Layer::Fiber.property_names(),
        map,
        Layer::Fiber.shapes(),
        |f, shape| {
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
        },
    )
}

/// Reads `parcels.geojson`; gives the parcels (area and site point computed).
pub fn read_parcels(path: &Path, map: &FieldMap) -> Result<Vec<Parcel>, LayerError> {
    read_layer(
        path,
        &Layer::Parcels.property_names(),
        map,
        Layer::Parcels.shapes(),
        |f, shape| {
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
        },
    )
}

/// Reads `receptors.geojson`; gives the receptors.
pub fn read_receptors(path: &Path, map: &FieldMap) -> Result<Vec<Receptor>, LayerError> {
    read_layer(
        path,
        &Layer::Receptors.property_names(),
        map,
        Layer::Receptors.shapes(),
        |f, shape| {
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
        },
    )
}

/// Reads `communities.geojson`; gives the communities.
pub fn read_communities(path: &Path, map: &FieldMap) -> Result<Vec<Community>, LayerError> {
    read_layer(
        path,
        &Layer::Communities.property_names(),
        map,
        Layer::Communities.shapes(),
        |f, shape| {
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
        },
    )
}

/// Reads `lines.geojson` over the map's `substations`; gives the lines, their ends as
/// substation indices. Besides each feature's own values, it checks what only the whole map
/// shows: ends that name no substation, and a network with no supply substation on it.
pub fn read_lines(
    path: &Path,
    map: &FieldMap,
    substations: &[Substation],
) -> Result<Vec<Line>, LayerError> {
    let by_id: HashMap<&str, usize> = substations
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let lines = read_layer(
        path,
        &Layer::Lines.property_names(),
        map,
        Layer::Lines.shapes(),
        |f, shape| {
            let Shape::Lines(geometry) = shape else {
                return Err(f.error("geometry", "expected a LineString or MultiLineString"));
            };
            let end = |property: &str| -> Result<usize, LayerError> {
                let id = f.text(property)?;
                by_id.get(id.as_str()).copied().ok_or_else(|| {
                    f.error(
                        property,
                        format!("no substation has id \"{id}\" in substations.geojson"),
                    )
                })
            };
            let from = end("from")?;
            let to = end("to")?;
            if from == to {
                return Err(f.error(
                    "to",
                    format!(
                        "a line must join two different substations; both ends are \"{}\"",
                        substations[from].id
                    ),
                ));
            }
            let x_pu = f.number("x_pu")?;
            if x_pu <= 0.0 {
                return Err(f.error("x_pu", format!("must be > 0, got {x_pu}")));
            }
            let rating_mw = f.number("rating_mw")?;
            if rating_mw <= 0.0 {
                return Err(f.error("rating_mw", format!("must be > 0, got {rating_mw}")));
            }
            let emergency_rating_mw = match f.optional_number("emergency_rating_mw")? {
                None => rating_mw,
                Some(mw) if mw > 0.0 => mw,
                Some(mw) => {
                    let message = format!("must be > 0, got {mw}");
                    return Err(f.error("emergency_rating_mw", message));
                }
            };
            let voltage_kv = f.optional_number("voltage_kv")?;
            let base_flow_mw = f.optional_number("base_flow_mw")?.unwrap_or(0.0);
            Ok(Line {
                id: f.id.clone(),
                name: f.optional_text("name")?,
                from,
                to,
                x_pu,
                rating_mw,
                emergency_rating_mw,
                voltage_kv,
                base_flow_mw,
                geometry,
            })
        },
    )?;
    let supplied = lines
        .iter()
        .any(|l| substations[l.from].supply_share > 0.0 || substations[l.to].supply_share > 0.0);
    if !lines.is_empty() && !supplied {
        return Err(LayerError {
            path: path.with_file_name(LAYER_FILES[0]),
            feature: None,
            property: "supply_share".into(),
            message: format!(
                "{} has {} lines but no substation on them has supply_share > 0: say where new \
                 load is supplied from",
                path.display(),
                lines.len()
            ),
        });
    }
    Ok(lines)
}

/// Reads `loads.geojson` over the map's `substations`; gives the large loads, each at its
/// substation's index.
pub fn read_loads(
    path: &Path,
    map: &FieldMap,
    substations: &[Substation],
) -> Result<Vec<LargeLoad>, LayerError> {
    let by_id: HashMap<&str, usize> = substations
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    read_layer(
        path,
        &Layer::Loads.property_names(),
        map,
        Layer::Loads.shapes(),
        |f, shape| {
            let Shape::Point(point) = shape else {
                return Err(f.error("geometry", "expected a Point"));
            };
            let id = f.text("substation")?;
            let substation = by_id.get(id.as_str()).copied().ok_or_else(|| {
                let message = format!("no substation has id \"{id}\" in substations.geojson");
                f.error("substation", message)
            })?;
            let mw = f.number("mw")?;
            if mw <= 0.0 {
                return Err(f.error("mw", format!("must be > 0, got {mw}")));
            }
            let word = f.text("status")?;
            let status = QueueStatus::from_name(&word).ok_or_else(|| {
                let names = QueueStatus::names();
                f.error("status", format!("\"{word}\" is not one of {names}"))
            })?;
            Ok(LargeLoad {
                id: f.id.clone(),
                name: f.optional_text("name")?,
                point,
                substation,
                mw,
                status,
                in_service_year: f.optional_number("in_service_year")?,
            })
        },
    )
}
