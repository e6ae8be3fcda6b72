//! `gridsite import`: a map in the contract's schema, built from public source layers by a
//! recipe (`maps/<region>/recipe.toml`, see [`recipe`]).
//!
//! Takes a recipe; gives the five layers and `map.json` (which layer is real, from which
//! files and how many features; which is generated, with its seed; the rules applied). The
//! stages: read the recipe → the boundary (union of a source's polygons, [`boundary`]) →
//! each layer's sources read ([`source_file`]), filtered ([`filter`]), clipped to the boundary
//! and mapped onto the contract's properties ([`build`], [`convert`]) → synthetic land inside
//! the boundary where no source has it ([`land`]) → ids checked unique, features sorted by id
//! → the hourly profiles read from a source table or generated ([`profiles`]) → written to a
//! staging folder, validated with [`layers::load_map`], then renamed into place. On any error
//! nothing is written. The optional queue of large loads (`[[loads]]`, `loads.geojson`) is a
//! layer like the others.

pub mod boundary;
pub mod build;
pub mod convert;
pub mod error;
pub mod filter;
pub mod land;
pub mod lines;
pub mod profiles;
pub mod recipe;
pub mod source_file;

pub use crate::layers::schema::Layer;
pub use error::ImportError;
pub use recipe::Recipe;

use std::path::{Path, PathBuf};
use std::time::Instant;

use geo::Geometry;
use serde_json::{Value, json};

use crate::files;
use boundary::Boundary;
use build::{Built, Context, SourceCount};
use profiles::{Profiles, ProfilesSummary};
use recipe::GenerateSpec;

use crate::layers::{self, ReceptorKind};

/// What one layer of an imported map holds.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerSummary {
    pub layer: Layer,
    /// Features from sources.
    pub real: usize,
    /// Features generated.
    pub generated: usize,
    /// What each source gave.
    pub sources: Vec<SourceCount>,
    /// How the generated features were made, in words.
    pub generated_rule: Option<String>,
}

impl LayerSummary {
    /// `real`, `generated`, `real + generated` or `empty`.
    pub fn origin(&self) -> &'static str {
        match (self.real > 0, self.generated > 0) {
            (true, true) => "real + generated",
            (true, false) => "real",
            (false, true) => "generated",
            (false, false) => "empty",
        }
    }
}

/// An import that wrote its map.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportSummary {
    pub name: String,
    pub out: PathBuf,
    pub layers: Vec<LayerSummary>,
    /// `load_profiles.csv`, where the recipe has `[profiles]`.
    pub profiles: Option<ProfilesSummary>,
    pub seconds: f64,
}

/// The file with the map's provenance, beside the five layers.
pub const METADATA_FILE: &str = "map.json";

/// Imports the map a recipe describes into `out` (created if missing). The same recipe and
/// sources give byte-identical files.
pub fn import(recipe_path: &Path, out: &Path) -> Result<ImportSummary, ImportError> {
    let started = Instant::now();
    let recipe = Recipe::load(recipe_path)?;
    check_rules(recipe_path, &recipe)?;
    let folder = recipe_path
        .parent()
        .filter(|f| !f.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let boundary = read_boundary(recipe_path, folder, &recipe)?;
    let ctx = Context {
        recipe: recipe_path,
        folder,
        boundary: &boundary,
        headroom_by_voltage: &recipe.headroom_by_voltage,
    };
    let mut built: Vec<(LayerSummary, Vec<Built>)> = Vec::new();
    for (layer, sources) in recipe.layers() {
        if layer.optional() && sources.is_empty() {
            continue;
        }
        let mut features = Vec::new();
        let mut counts = Vec::new();
        for source in sources {
            let (mut kept, count) = build::map_source(&ctx, layer, source)?;
            features.append(&mut kept);
            counts.push(count);
        }
        let summary = LayerSummary {
            layer,
            real: features.len(),
            generated: 0,
            sources: counts,
            generated_rule: None,
        };
        built.push((summary, features));
    }
    if let Some(spec) = &recipe.generate {
        generate_land(recipe_path, spec, &boundary, &mut built)?;
    }
    let network = match &recipe.network {
        Some(spec) => Some(add_network(
            recipe_path,
            folder,
            &boundary,
            spec,
            &mut built,
        )?),
        None => None,
    };
    for (summary, features) in &mut built {
        sort_and_check_ids(recipe_path, summary.layer, features)?;
    }
    let profiles = match &recipe.profiles {
        Some(spec) => {
            let substations = built.iter().find(|(s, _)| s.layer == Layer::Substations);
            let substations = substations.map_or(&[][..], |(_, f)| f.as_slice());
            let prepared = profiles::prepare(recipe_path, folder, spec, substations)?;
            Some((spec, prepared))
        }
        None => None,
    };
    let mut metadata = metadata(&recipe, recipe_path, &boundary, &built);
    if let (Some(network), Some(object)) = (network, metadata.as_object_mut()) {
        object.insert("network".into(), network);
    }
    let profiles = write_map(recipe_path, out, &built, &metadata, profiles)?;
    Ok(ImportSummary {
        name: recipe.name,
        out: out.to_path_buf(),
        layers: built.into_iter().map(|(summary, _)| summary).collect(),
        profiles,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn rule_error(recipe: &Path, message: String) -> ImportError {
    ImportError::Rule {
        recipe: recipe.to_path_buf(),
        message,
    }
}

/// The recipe's rules that can be checked before reading any source.
fn check_rules(path: &Path, recipe: &Recipe) -> Result<(), ImportError> {
    for (k, class) in recipe.headroom_by_voltage.iter().enumerate() {
        let bad_range = class.below_kv.is_some_and(|below| below <= class.min_kv);
        if !class.headroom_mw.is_finite() || class.headroom_mw < 0.0 || bad_range {
            return Err(rule_error(
                path,
                format!(
                    "headroom_by_voltage[{k}]: needs headroom_mw >= 0 and below_kv > min_kv, got {class:?}"
                ),
            ));
        }
    }
    let generate = recipe.generate.as_ref();
    if generate.is_some_and(|g| g.communities) && !recipe.communities.is_empty() {
        return Err(rule_error(
            path,
            "generate.communities = true and [[communities]] sources: choose one".into(),
        ));
    }
    if let Some(kind) = generate
        .into_iter()
        .flat_map(|g| &g.receptor_kinds)
        .find(|k| ReceptorKind::from_name(k).is_none())
    {
        return Err(rule_error(
            path,
            format!(
                "generate.receptor_kinds: the generator makes no {kind:?} (it makes {})",
                ReceptorKind::ALL.map(ReceptorKind::as_str).join(", ")
            ),
        ));
    }
    let clip_kms = (recipe.layers().into_iter())
        .flat_map(|(layer, sources)| sources.iter().map(move |s| (layer, s.clip_km)))
        .map(|(layer, km)| (format!("[[{layer}]] clip_km"), km))
        .chain(generate.map(|g| ("generate.receptor_clip_km".to_string(), g.receptor_clip_km)));
    for (key, km) in clip_kms {
        if !km.is_finite() || km < 0.0 {
            return Err(rule_error(
                path,
                format!("{key}: must be a distance >= 0 km, got {km}"),
            ));
        }
    }
    if let Some(network) = &recipe.network {
        check_network_rules(path, network)?;
    }
    if let Some(spec) = &recipe.profiles {
        profiles::check_rules(path, spec)?;
    }
    if recipe.parcels.is_empty() && generate.is_none_or(|g| g.parcels == 0) {
        return Err(rule_error(
            path,
            "no parcels: add [[parcels]] sources or generate.parcels".into(),
        ));
    }
    Ok(())
}

/// The network's rules: distances, reactances and ratings that are figures > 0.
fn check_network_rules(path: &Path, network: &recipe::NetworkSpec) -> Result<(), ImportError> {
    let mut figures = vec![("network.bus_km".to_string(), network.bus_km(), true)];
    if let recipe::NetworkSpec::PypsaOsm(osm) = network {
        figures.push((
            "network.conductors_per_circuit".into(),
            osm.conductors_per_circuit,
            false,
        ));
        figures.push((
            "network.transformer.x_pu".into(),
            osm.transformer.x_pu,
            false,
        ));
        figures.push((
            "network.transformer.rating_mw".into(),
            osm.transformer.rating_mw,
            false,
        ));
        for (k, class) in osm.line_classes.iter().enumerate() {
            let key = format!("network.line_classes[{k}]");
            figures.push((format!("{key}.voltage_kv"), class.voltage_kv, false));
            figures.push((format!("{key}.x_ohm_per_km"), class.x_ohm_per_km, false));
            figures.push((format!("{key}.mw_per_circuit"), class.mw_per_circuit, false));
        }
    }
    for (key, value, zero_ok) in figures {
        let ok = value.is_finite() && (value > 0.0 || (zero_ok && value == 0.0));
        if !ok {
            let bound = if zero_ok { ">= 0" } else { "> 0" };
            return Err(rule_error(
                path,
                format!("{key}: must be a figure {bound}, got {value}"),
            ));
        }
    }
    Ok(())
}

/// The union of the boundary source's polygons (after `where`).
fn read_boundary(
    recipe_path: &Path,
    folder: &Path,
    recipe: &Recipe,
) -> Result<Boundary, ImportError> {
    let spec = &recipe.boundary;
    let features = source_file::read(recipe_path, folder, "boundary", &spec.source)?;
    let file = recipe::resolve(&spec.source, folder).path;
    filter::check_filter_fields(recipe_path, "boundary", &file, &spec.filter, &features)?;
    let mut polygons = Vec::new();
    for feature in features
        .into_iter()
        .filter(|f| filter::matches_filter(&spec.filter, &f.properties))
    {
        match feature.geometry {
            Geometry::Polygon(p) => polygons.push(p),
            Geometry::MultiPolygon(m) => polygons.extend(m.0),
            _ => {}
        }
    }
    Boundary::from_polygons(polygons).ok_or_else(|| ImportError::NoBoundaryPolygon {
        recipe: recipe_path.to_path_buf(),
        file: recipe::resolve(&spec.source, folder).path,
    })
}

/// Adds the generated parcels, receptors and communities to the built layers.
fn generate_land(
    recipe_path: &Path,
    spec: &GenerateSpec,
    boundary: &Boundary,
    built: &mut [(LayerSummary, Vec<Built>)],
) -> Result<(), ImportError> {
    let generate_error = |source| ImportError::Generate {
        recipe: recipe_path.to_path_buf(),
        source,
    };
    let land = land::lay_out(spec, boundary).map_err(generate_error)?;
    let downtown = spec
        .downtown
        .map_or("the boundary's bbox centre".to_string(), |[x, y]| {
            format!("[{x}, {y}]")
        });
    let mut add = |layer: Layer, mut features: Vec<Built>, rule: String| {
        if let Some((summary, existing)) = built.iter_mut().find(|(s, _)| s.layer == layer) {
            summary.generated = features.len();
            summary.generated_rule = Some(rule);
            existing.append(&mut features);
        }
    };
    if spec.parcels > 0 {
        let parcels = land::parcels(&land, spec.parcels, boundary);
        if parcels.len() < spec.parcels {
            return Err(rule_error(
                recipe_path,
                format!(
                    "generate.parcels: only {} generated lots lie inside the boundary, {} asked for",
                    parcels.len(),
                    spec.parcels
                ),
            ));
        }
        let rule = format!(
            "synth generator (seed {}), its suburban city centred on {downtown} over the boundary's extent ({} lots); a seeded sample of {} lots lying wholly inside the boundary",
            spec.seed,
            land.lot_count(),
            parcels.len()
        );
        add(Layer::Parcels, parcels, rule);
    }
    if !spec.receptor_kinds.is_empty() {
        let receptors =
            land::receptors(&land, &spec.receptor_kinds, spec.receptor_clip_km, boundary)
                .map_err(|m| rule_error(recipe_path, format!("generate: receptors: {m}")))?;
        let rule = format!(
            "synth generator (seed {}): every generated receptor of kinds {:?} within {} km of the boundary, at the generated city's density (about one per 10 lots)",
            spec.seed, spec.receptor_kinds, spec.receptor_clip_km
        );
        add(Layer::Receptors, receptors, rule);
    }
    if spec.communities {
        let communities = land::communities(&land, boundary)
            .map_err(|m| rule_error(recipe_path, format!("generate: communities: {m}")))?;
        let rule = format!(
            "synth generator (seed {}): its community rectangles clipped to the boundary, population scaled by the area share inside; burden_pct generated",
            spec.seed
        );
        add(Layer::Communities, communities, rule);
    }
    Ok(())
}

/// Adds the recipe's network: `supply_share` on the map's substations that supply new load,
/// the network-only substations, and the lines layer. Gives the network's `map.json` entry.
fn add_network(
    recipe_path: &Path,
    folder: &Path,
    boundary: &Boundary,
    spec: &recipe::NetworkSpec,
    built: &mut Vec<(LayerSummary, Vec<Built>)>,
) -> Result<Value, ImportError> {
    let Some((summary, substations)) = built
        .iter_mut()
        .find(|(s, _)| s.layer == Layer::Substations)
    else {
        return Err(rule_error(
            recipe_path,
            "network: the map has no substations layer to put it on".into(),
        ));
    };
    let network = lines::build(recipe_path, folder, boundary, spec, substations)?;
    for substation in substations.iter_mut() {
        if let Some(share) = network.supply.get(&substation.id) {
            substation
                .properties
                .insert("supply_share".into(), build::number(*share));
        }
    }
    summary.real += network.network_only.len();
    summary.sources.push(network.buses.clone());
    substations.extend(network.network_only);
    built.push((
        LayerSummary {
            layer: Layer::Lines,
            real: network.lines.len(),
            generated: 0,
            sources: network.counts,
            generated_rule: None,
        },
        network.lines,
    ));
    Ok(network.metadata)
}

/// Sorts a layer by id; two features with one id are an error naming both.
fn sort_and_check_ids(
    recipe: &Path,
    layer: Layer,
    features: &mut [Built],
) -> Result<(), ImportError> {
    features.sort_by(|a, b| a.id.cmp(&b.id));
    match features.windows(2).find(|w| w[0].id == w[1].id) {
        Some(pair) => Err(ImportError::DuplicateId {
            recipe: recipe.to_path_buf(),
            layer: layer.name(),
            id: pair[0].id.clone(),
            first: pair[0].origin.clone(),
            second: pair[1].origin.clone(),
        }),
        None => Ok(()),
    }
}

/// `map.json`: for each layer, real (sources, counts, rules) or generated (seed, count, rule).
fn metadata(
    recipe: &Recipe,
    recipe_path: &Path,
    boundary: &Boundary,
    built: &[(LayerSummary, Vec<Built>)],
) -> Value {
    let mut layers = serde_json::Map::new();
    for (summary, features) in built {
        let sources: Vec<Value> = summary
            .sources
            .iter()
            .map(|s| json!({"path": s.path, "read": s.read, "kept": s.kept, "rules": s.rules}))
            .collect();
        let generated = summary.generated_rule.as_ref().map(|rule| {
            json!({
                "count": summary.generated,
                "seed": recipe.generate.as_ref().map(|g| g.seed),
                "rule": rule,
            })
        });
        layers.insert(
            summary.layer.name().to_string(),
            json!({
                "file": summary.layer.file(),
                "origin": summary.origin(),
                "count": features.len(),
                "real": summary.real,
                "sources": sources,
                "generated": generated,
            }),
        );
    }
    let (min, max) = (boundary.bbox.min(), boundary.bbox.max());
    let bbox = [min.x, min.y, max.x, max.y].map(|v| files::round_to(v, 7));
    let headroom: Vec<Value> = recipe
        .headroom_by_voltage
        .iter()
        .map(|c| json!({"min_kv": c.min_kv, "below_kv": c.below_kv, "headroom_mw": c.headroom_mw}))
        .collect();
    json!({
        "name": recipe.name,
        "description": recipe.description,
        "recipe": recipe_path.file_name().map(|n| n.to_string_lossy().into_owned()),
        "boundary": {
            "source": recipe.boundary.source.path,
            "polygons": boundary.shape.0.len(),
            "bbox": bbox,
        },
        "layers": layers,
        "rules": {
            "headroom_by_voltage": headroom,
            "note": "headroom_mw is a planning figure derived from the voltage class (the class with min_kv <= voltage_kv < below_kv), not a utility's published capacity",
        },
        "generated_by": format!("gridsite import {}", env!("CARGO_PKG_VERSION")),
    })
}

/// Writes the layers, the profiles and `map.json` to a staging folder in `out`, validates the
/// map there with the contract's readers, then renames each file into `out`. On an error the
/// staging folder is removed and `out` keeps whatever it held.
fn write_map(
    recipe_path: &Path,
    out: &Path,
    built: &[(LayerSummary, Vec<Built>)],
    metadata: &Value,
    profiles: Option<(&recipe::ProfilesSpec, Profiles)>,
) -> Result<Option<ProfilesSummary>, ImportError> {
    let out_existed = out.exists();
    // One staging folder per import, so two imports into one folder never share it.
    static IMPORTS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = IMPORTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let staging = out.join(format!(".gridsite-import-{}-{n}.tmp", std::process::id()));
    let result = stage(recipe_path, &staging, built, metadata, profiles).and_then(|summary| {
        let mut names: Vec<&str> = built.iter().map(|(s, _)| s.layer.file()).collect();
        names.extend(summary.as_ref().map(|_| layers::PROFILES_FILE));
        names.push(METADATA_FILE);
        for name in &names {
            std::fs::rename(staging.join(name), out.join(name)).map_err(|source| {
                ImportError::Write(crate::files::WriteError {
                    path: out.join(name),
                    source,
                })
            })?;
        }
        // A map whose recipe has no network, queue or profiles keeps none from an earlier
        // import.
        for optional in [
            layers::LINES_FILE,
            layers::LOADS_FILE,
            layers::PROFILES_FILE,
        ] {
            let stale = out.join(optional);
            if !names.contains(&optional) && stale.exists() {
                std::fs::remove_file(&stale).map_err(|source| {
                    ImportError::Write(crate::files::WriteError {
                        path: stale,
                        source,
                    })
                })?;
            }
        }
        Ok(summary)
    });
    let _ = std::fs::remove_dir_all(&staging);
    if result.is_err() && !out_existed {
        // Nothing written: not even the (empty) folder this import created.
        let _ = std::fs::remove_dir(out);
    }
    result
}

/// What the contract's validation refused, told in the recipe's terms: the layer, and the
/// source feature (file and index) or "generated", rather than the staging file.
fn invalid_feature_message(
    error: &layers::LayerError,
    built: &[(LayerSummary, Vec<Built>)],
) -> String {
    let file = error
        .path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if file == layers::PROFILES_FILE {
        let table = layers::LayerError {
            path: PathBuf::from(file),
            ..error.clone()
        };
        return format!("profiles: {table}");
    }
    let layer = built.iter().find(|(s, _)| s.layer.file() == file);
    let origin = match (&error.feature, layer) {
        (Some((_, id)), Some((_, features))) => features
            .iter()
            .find(|f| &f.id == id)
            .map(|f| format!("{} (id {id:?})", f.origin)),
        _ => None,
    };
    let layer_name = layer.map_or(file.to_string(), |(s, _)| s.layer.to_string());
    format!(
        "layer {layer_name}: {}: {}: {}",
        origin.unwrap_or_else(|| "the layer as a whole".into()),
        error.property,
        error.message
    )
}

fn stage(
    recipe_path: &Path,
    staging: &Path,
    built: &[(LayerSummary, Vec<Built>)],
    metadata: &Value,
    profiles: Option<(&recipe::ProfilesSpec, Profiles)>,
) -> Result<Option<ProfilesSummary>, ImportError> {
    let _ = std::fs::remove_dir_all(staging);
    for (summary, features) in built {
        let path = staging.join(summary.layer.file());
        let geojson = features
            .iter()
            .map(|f| files::feature(&f.geometry, f.properties.clone()));
        files::write_feature_collection(&path, geojson)?;
    }
    if let Some((_, profiles)) = &profiles {
        profiles.write(recipe_path, staging)?;
    }
    let map = layers::load_map(staging).map_err(|source| ImportError::Invalid {
        recipe: recipe_path.to_path_buf(),
        message: invalid_feature_message(&source, built),
    })?;
    let mut metadata = metadata.clone();
    let summary = match (&profiles, &map.profiles, metadata.as_object_mut()) {
        (Some((spec, profiles)), Some(read), Some(object)) => {
            let (summary, entry) = profiles.describe(spec, read, map.substations.len());
            object.insert("profiles".into(), entry);
            Some(summary)
        }
        _ => None,
    };
    files::write_json(&staging.join(METADATA_FILE), &metadata)?;
    Ok(summary)
}
