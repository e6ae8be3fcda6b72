//! `excluded.geojson` and `candidates.geojson`: every parcel, as a candidate with its figures or
//! as an exclusion with its reason.

use std::path::Path;

use geo::Geometry;
use geojson::Feature;
use serde_json::json;

use super::layers::LayerKind;
use crate::candidates::{Candidate, Exclusion, Screening};
use crate::files::{WriteError, feature, properties, round_to, write_feature_collection};
use crate::layers::Map;

/// `excluded.geojson`: `parcel_id`, `reason`, `detail` for every parcel that is not a candidate.
pub fn write_excluded(path: &Path, map: &Map, exclusions: &[Exclusion]) -> Result<(), WriteError> {
    write_feature_collection(path, excluded_features(map, exclusions))
}

/// The features of `excluded.geojson`.
pub fn excluded_features<'a>(
    map: &'a Map,
    exclusions: &'a [Exclusion],
) -> impl Iterator<Item = Feature> + 'a {
    exclusions.iter().map(|e| {
        let parcel = &map.parcels[e.parcel];
        feature(
            &Geometry::MultiPolygon(parcel.shape.clone()),
            properties(json!({
                "parcel_id": parcel.id,
                "reason": e.reason.to_string(),
                "detail": e.detail,
            })),
        )
    })
}

/// `candidates.geojson`: each candidate parcel with its community, acres, fiber km, maximum MW
/// and the substations in reach (ids and km, nearest first).
pub fn write_candidates(
    path: &Path,
    map: &Map,
    candidates: &[Candidate],
) -> Result<(), WriteError> {
    write_feature_collection(path, candidate_features(map, candidates))
}

/// The features of `candidates.geojson`.
pub fn candidate_features<'a>(
    map: &'a Map,
    candidates: &'a [Candidate],
) -> impl Iterator<Item = Feature> + 'a {
    candidates.iter().map(|c| {
        let parcel = &map.parcels[c.parcel];
        feature(
            &Geometry::MultiPolygon(parcel.shape.clone()),
            properties(json!({
                "parcel_id": parcel.id,
                "community": map.community_id(c.community),
                "zoning": parcel.zoning,
                "acres": round_to(parcel.acres, 2),
                "fiber_km": round_to(c.fiber_km, 3),
                "max_mw": c.max_mw,
                "feeds": c.feeds.iter().map(|f| map.substations[f.substation].id.clone()).collect::<Vec<_>>(),
                "feed_km": c.feeds.iter().map(|f| round_to(f.km, 3)).collect::<Vec<_>>(),
            })),
        )
    })
}

/// Writes both screening files into `out`.
pub fn write_screening(out: &Path, map: &Map, screening: &Screening) -> Result<(), WriteError> {
    let file = |kind: LayerKind| out.join(kind.spec().geojson_file());
    write_excluded(&file(LayerKind::Excluded), map, &screening.exclusions)?;
    write_candidates(&file(LayerKind::Candidates), map, &screening.candidates)
}
