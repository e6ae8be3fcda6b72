//! The path every layer's reader shares: read the file, parse it in batches while other
//! threads validate the batches already parsed, then report the first error in file order
//! (a feature's, or a duplicate id's). Takes a layer file, its property names, a [`FieldMap`]
//! and the layer's conversion of one feature; gives the converted features in file order.

use std::path::Path;

use rayon::prelude::*;

use super::LayerError;
use super::fields::{self, FieldMap, Fields};
use super::geojson_in::{self, CollectionError, RawFeature, Scalar};
use super::geometry::{self, Accepts, Shape};

/// The common path of every layer: read the file, then validate each feature (in parallel),
/// reporting the first error in file order, then reject duplicate ids.
pub(super) fn read_layer<T: Send>(
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
        Err(error) => match geojson_in::replace_non_finite_literals(&bytes) {
            Some(fixed) => validate_while_parsing(&fixed, &wanted_refs, &convert_batch)
                .map_err(|_| file_error(error.to_string()))?,
            None => return Err(file_error(error.to_string())),
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
) -> Result<Vec<R>, CollectionError> {
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
    let mut batches = batches.into_inner().map_err(|_| CollectionError::Thread)?;
    batches.sort_unstable_by_key(|(first, _)| *first);
    let results: Vec<R> = batches
        .into_iter()
        .flat_map(|(_, results)| results)
        .collect();
    if results.len() == count {
        Ok(results)
    } else {
        Err(CollectionError::Incomplete {
            validated: results.len(),
            count,
        })
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
    let shape = geometry::decode(&geometry, accepts)
        .map_err(|e| fields.error("geometry", e.to_string()))?;
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
