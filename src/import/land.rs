//! Synthetic land inside a real boundary, where no public layer exists (parcels everywhere;
//! communities and receptors where the sources lack them).
//!
//! The synth generator's suburban city ([`crate::synth::Land`]) is laid over a square around
//! the boundary, its downtown at the recipe's `downtown` (default the boundary's bbox
//! centre), with its usual lot sizes, zoning mix, prices, brownfields and water stress.
//! - **Parcels**: a seeded random sample of `generate.parcels` of the city's lots among those
//!   lying wholly inside the boundary (tested on the coordinates as written, 7 decimals). A
//!   sample, not every lot: the region holds hundreds of thousands of lots, the model needs
//!   thousands. Ids `P000001`… in the generator's block order.
//! - **Receptors**: every generated receptor of the kinds asked for (homes, schools,
//!   protected areas; hospitals where no real layer has them) touching the boundary or within
//!   `receptor_clip_km` of it, at the city's full density, so setbacks screen the sample as
//!   they would screen every lot. Ids `synth-R…`.
//! - **Communities**: the generator's rectangles clipped to the boundary; population scaled
//!   by the share of the rectangle's area left inside (planar area in degrees: the ratio of
//!   two areas a few km apart); burden as generated. Ids `synth-C…`.

use geo::{Area, Coord, Geometry, LineString, Polygon, PreparedGeometry, Relate};
use serde_json::Value;

use super::boundary::Boundary;
use super::build::Built;
use super::convert::number;
use super::recipe::GenerateSpec;
use crate::synth::{Land, LandConfig, SynthError};

/// One street block of the generator (m), the margin added around the boundary's extent.
const BLOCK_MARGIN_M: f64 = 800.0;

/// The generator's city over the boundary.
pub fn lay_out(spec: &GenerateSpec, boundary: &Boundary) -> Result<Land, SynthError> {
    let center = match spec.downtown {
        Some([lon, lat]) => Coord { x: lon, y: lat },
        None => boundary.bbox.center(),
    };
    let (east_west_m, north_south_m) = boundary.half_extent_m(center);
    Land::new(&LandConfig {
        seed: spec.seed,
        center_lon: center.x,
        center_lat: center.y,
        half_extent_m: east_west_m.max(north_south_m) + BLOCK_MARGIN_M,
    })
}

/// `count` generated parcels wholly inside the boundary (fewer when fewer lots fit).
pub fn parcels(land: &Land, count: usize, boundary: &Boundary) -> Vec<Built> {
    // The boundary's edges indexed once: each test is then logarithmic in its vertices.
    let prepared = PreparedGeometry::from(&boundary.shape);
    let lots = land.sample_parcels(count, &mut |lot| {
        let polygon = ring_polygon(&lot.ring);
        boundary.bbox_holds(&polygon) && prepared.relate(&polygon).is_contains()
    });
    lots.into_iter()
        .enumerate()
        .map(|(k, lot)| {
            let id = format!("P{:06}", k + 1);
            let mut properties = geojson::JsonObject::new();
            properties.insert("id".into(), Value::String(id.clone()));
            properties.insert("zoning".into(), Value::String(lot.zoning.to_string()));
            properties.insert(
                "land_usd_per_acre".into(),
                Value::from(lot.land_usd_per_acre),
            );
            properties.insert("brownfield".into(), Value::Bool(lot.brownfield));
            properties.insert("water_stress".into(), number(lot.water_stress));
            Built {
                id,
                geometry: Geometry::Polygon(ring_polygon(&lot.ring)),
                properties,
                origin: "generated".into(),
            }
        })
        .collect()
}

fn ring_polygon(ring: &[(f64, f64)]) -> Polygon {
    Polygon::new(LineString::from(ring.to_vec()), Vec::new())
}

/// Generated receptors of `kinds` near the boundary.
pub fn receptors(
    land: &Land,
    kinds: &[String],
    clip_km: f64,
    boundary: &Boundary,
) -> Result<Vec<Built>, String> {
    let bytes = land.receptors_geojson().map_err(|e| e.to_string())?;
    let features = features_of(&bytes)?;
    Ok(features
        .into_iter()
        .filter(|(geometry, properties)| {
            let kind = properties.get("kind").and_then(Value::as_str).unwrap_or("");
            kinds.iter().any(|k| k == kind) && boundary.keeps(geometry, clip_km)
        })
        .map(|(geometry, mut properties)| {
            let id = prefixed_id(&mut properties);
            Built {
                id,
                geometry,
                properties,
                origin: "generated".into(),
            }
        })
        .collect())
}

/// Generated communities clipped to the boundary.
pub fn communities(land: &Land, boundary: &Boundary) -> Result<Vec<Built>, String> {
    let bytes = land.communities_geojson().map_err(|e| e.to_string())?;
    let mut built = Vec::new();
    for (geometry, mut properties) in features_of(&bytes)? {
        let Geometry::Polygon(rect) = geometry else {
            continue;
        };
        let inside = boundary.clip(&rect);
        let share = inside.unsigned_area() / rect.unsigned_area().max(f64::MIN_POSITIVE);
        if inside.0.is_empty() || share < 1e-6 {
            continue;
        }
        let population = properties
            .get("population")
            .and_then(Value::as_f64)
            .unwrap_or(0.0);
        properties.insert("population".into(), number((population * share).round()));
        let id = prefixed_id(&mut properties);
        built.push(Built {
            id,
            geometry: Geometry::MultiPolygon(inside),
            properties,
            origin: "generated".into(),
        });
    }
    Ok(built)
}

fn prefixed_id(properties: &mut geojson::JsonObject) -> String {
    let id = format!(
        "synth-{}",
        properties.get("id").and_then(Value::as_str).unwrap_or("")
    );
    properties.insert("id".into(), Value::String(id.clone()));
    id
}

type Feature = (Geometry, geojson::JsonObject);

fn features_of(bytes: &[u8]) -> Result<Vec<Feature>, String> {
    let collection: geojson::FeatureCollection =
        serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    collection
        .features
        .into_iter()
        .map(|f| {
            let geometry = f.geometry.ok_or("a generated feature without geometry")?;
            let geometry = Geometry::try_from(geometry).map_err(|e| e.to_string())?;
            Ok((geometry, f.properties.unwrap_or_default()))
        })
        .collect()
}
