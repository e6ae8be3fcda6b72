//! The readers of the five layers: which properties each reads, which geometry it takes and
//! which values a feature may have. Each takes a layer file and a [`FieldMap`] (the default in a
//! map folder; a source's own field names otherwise) and gives the layer's domain types, or the
//! first [`LayerError`] in file order. [`load_map`] takes a map folder and gives its [`Map`].

use std::path::Path;

use geo::orient::{Direction, Orient};
use geo::{Centroid, GeodesicArea, MultiLineString};

use super::geometry::Shape;
use super::schema::Layer;
use super::types::{
    Community, FiberLine, Map, Parcel, Receptor, ReceptorGeometry, SQUARE_METRES_PER_ACRE,
    Substation,
};
use super::validate::read_layer;
use super::{FieldMap, LayerError};

/// The five layer files of a map folder.
pub const LAYER_FILES: [&str; 5] = [
    "substations.geojson",
    "fiber.geojson",
    "parcels.geojson",
    "receptors.geojson",
    "communities.geojson",
];

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
