//! Building a layer from one source: the source read ([`source_file`](super::source_file)),
//! its features kept by the recipe's filters ([`filter`](super::filter), the boundary's
//! `clip_km`), their fields mapped onto the contract's properties (`fields`, `constants`,
//! `leading_number`; [`convert`](super::convert)), then what is left derived by the recipe's
//! rules (headroom by voltage class). Takes the recipe's [`LayerSource`] and a [`Context`];
//! gives the [`Built`] features and a [`SourceCount`] for `map.json`.

use std::path::{Path, PathBuf};

use geo::Geometry;
use geojson::JsonObject;
use serde_json::Value;

use super::boundary::Boundary;
use super::convert::convert;
use super::error::{FieldProblem, ImportError};
use super::filter::kind_of;
use super::recipe::{HeadroomClass, LayerSource};
use crate::layers::schema::{Kind, Layer, geometry_name};
use crate::sources::SourceFeature;

// Each has its own module now; `build::` still names them for the callers it had.
pub use super::convert::number;
pub use super::filter::{check_filter_fields, matches_filter};
pub use super::source_file::read;

/// A feature of a built layer, with where it came from (for duplicate-id messages).
#[derive(Debug, Clone, PartialEq)]
pub struct Built {
    pub id: String,
    pub geometry: Geometry,
    pub properties: JsonObject,
    /// `"<file> feature <index>"` or `"generated"`.
    pub origin: String,
}

/// What one source gave a layer.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceCount {
    /// The source path as the recipe writes it.
    pub path: PathBuf,
    /// Features in the source.
    pub read: usize,
    /// Features kept (after `geometry`, `where` and `clip_km`).
    pub kept: usize,
    /// The rules applied to this source, in words.
    pub rules: Vec<String>,
}

/// Everything a source needs to know of the recipe around it.
pub struct Context<'a> {
    pub recipe: &'a Path,
    pub folder: &'a Path,
    pub boundary: &'a Boundary,
    pub headroom_by_voltage: &'a [HeadroomClass],
}

impl Context<'_> {
    fn recipe(&self) -> PathBuf {
        self.recipe.to_path_buf()
    }
}

/// Checks the recipe's tables of one source against the layer before reading anything:
/// every named property exists, every required one has a field, a constant or a rule.
pub fn check_source(ctx: &Context, layer: Layer, source: &LayerSource) -> Result<(), ImportError> {
    let known = || {
        std::iter::once("id")
            .chain(layer.properties().iter().map(|p| p.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let tables: [(&'static str, Vec<&String>); 3] = [
        ("fields", source.fields.keys().collect()),
        ("constants", source.constants.keys().collect()),
        ("leading_number", source.leading_number.iter().collect()),
    ];
    for (table, names) in tables {
        if let Some(unknown) = names.into_iter().find(|n| layer.property(n).is_none()) {
            return Err(ImportError::UnknownProperty {
                recipe: ctx.recipe(),
                layer: layer.name(),
                table,
                property: unknown.clone(),
                known: known(),
            });
        }
    }
    if layer != Layer::Loads && !source.substation_prefix.is_empty() {
        return Err(ImportError::Rule {
            recipe: ctx.recipe(),
            message: format!(
                "[[{layer}]] substation_prefix: only [[loads]] name a substation (set id_prefix)"
            ),
        });
    }
    for property in layer.properties().iter().filter(|p| p.required) {
        let given = source.fields.contains_key(property.name)
            || source.constants.contains_key(property.name)
            || (layer == Layer::Substations
                && property.name == "headroom_mw"
                && !ctx.headroom_by_voltage.is_empty());
        if !given {
            return Err(ImportError::MissingProperty {
                recipe: ctx.recipe(),
                layer: layer.name(),
                file: super::recipe::resolve(&source.source, ctx.folder).path,
                property: property.name.to_string(),
            });
        }
    }
    Ok(())
}

/// The features one source gives a layer, and its counts.
pub fn map_source(
    ctx: &Context,
    layer: Layer,
    source: &LayerSource,
) -> Result<(Vec<Built>, SourceCount), ImportError> {
    check_source(ctx, layer, source)?;
    let features = read(ctx.recipe, ctx.folder, layer.name(), &source.source)?;
    let read_count = features.len();
    let file = super::recipe::resolve(&source.source, ctx.folder).path;
    check_filter_fields(ctx.recipe, layer.name(), &file, &source.filter, &features)?;
    let mapper = Mapper {
        ctx,
        layer,
        source,
        file: &file,
    };
    let mut built = Vec::new();
    for feature in features {
        if mapper.keeps(&feature) {
            built.push(mapper.map(feature)?);
        }
    }
    let count = SourceCount {
        path: source.source.path.clone(),
        read: read_count,
        kept: built.len(),
        rules: mapper.rules(),
    };
    Ok((built, count))
}

struct Mapper<'a> {
    ctx: &'a Context<'a>,
    layer: Layer,
    source: &'a LayerSource,
    file: &'a Path,
}

impl Mapper<'_> {
    fn keeps(&self, feature: &SourceFeature) -> bool {
        let kind_ok = self.source.geometry.is_empty()
            || kind_of(&feature.geometry).is_some_and(|k| self.source.geometry.contains(&k));
        kind_ok
            && matches_filter(&self.source.filter, &feature.properties)
            && self
                .ctx
                .boundary
                .keeps(&feature.geometry, self.source.clip_km)
    }

    fn derives_headroom(&self) -> bool {
        self.layer == Layer::Substations
            && !self.source.fields.contains_key("headroom_mw")
            && !self.source.constants.contains_key("headroom_mw")
    }

    /// The rules applied to this source, in words (for `map.json`).
    fn rules(&self) -> Vec<String> {
        let s = self.source;
        let mut rules = Vec::new();
        if !s.geometry.is_empty() {
            rules.push(format!("geometry in {:?}", s.geometry));
        }
        for (field, value) in &s.filter {
            rules.push(format!("where {field} = {value}"));
        }
        rules.push(if s.clip_km > 0.0 {
            format!("kept within {} km of the boundary", s.clip_km)
        } else {
            "kept where it touches the boundary".to_string()
        });
        for (property, field) in &s.fields {
            let leading = if s.leading_number.contains(property) {
                " (its leading number)"
            } else {
                ""
            };
            rules.push(format!("{property} from {field}{leading}"));
        }
        for (property, value) in &s.constants {
            rules.push(format!("{property} = {value} for every feature"));
        }
        if !s.fields.contains_key("id") {
            rules.push("id from the feature's index in the source".to_string());
        }
        if !s.id_prefix.is_empty() {
            rules.push(format!("ids prefixed with {:?}", s.id_prefix));
        }
        if self.derives_headroom() {
            rules.push("headroom_mw from voltage_kv by headroom_by_voltage".to_string());
        }
        if !s.substation_prefix.is_empty() {
            rules.push(format!(
                "substation ids prefixed with {:?}",
                s.substation_prefix
            ));
        }
        rules
    }

    fn map(&self, mut feature: SourceFeature) -> Result<Built, ImportError> {
        feature.geometry = single_part(feature.geometry);
        if !self.layer.accepts(&feature.geometry) {
            return Err(ImportError::Geometry {
                recipe: self.ctx.recipe(),
                layer: self.layer.name(),
                file: self.file.to_path_buf(),
                index: feature.index,
                geometry: geometry_name(&feature.geometry),
            });
        }
        let id = self.id(&feature)?;
        let mut properties = JsonObject::new();
        properties.insert("id".into(), Value::String(id.clone()));
        for property in self.layer.properties() {
            if let Some(value) =
                self.value(&feature, property.name, property.kind, property.required)?
            {
                properties.insert(property.name.to_string(), value);
            }
        }
        if self.derives_headroom() {
            let headroom_mw = self.headroom_mw(&feature, &properties)?;
            properties.insert("headroom_mw".into(), number(headroom_mw));
        }
        if let (Layer::Loads, Some(Value::String(substation))) =
            (self.layer, properties.get_mut("substation"))
        {
            // As an id is read: trimmed, after the substations' prefix.
            *substation = format!("{}{}", self.source.substation_prefix, substation.trim());
        }
        Ok(Built {
            id,
            geometry: feature.geometry,
            properties,
            origin: format!("{} feature {}", self.file.display(), feature.index),
        })
    }

    fn id(&self, feature: &SourceFeature) -> Result<String, ImportError> {
        let local = match self.value(feature, "id", Kind::Text, true)? {
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
            Some(_) => return Err(self.bad(feature, "id", "must be a non-empty text or number")),
            None => feature.index.to_string(),
        };
        Ok(format!("{}{local}", self.source.id_prefix))
    }

    /// The property's value from its field or constant, converted to its kind; `None` when
    /// neither names it, or when an optional property's field is null.
    fn value(
        &self,
        feature: &SourceFeature,
        property: &str,
        kind: Kind,
        required: bool,
    ) -> Result<Option<Value>, ImportError> {
        let leading = self.source.leading_number.iter().any(|p| p == property);
        if let Some(constant) = self.source.constants.get(property) {
            return convert(constant, kind, leading)
                .map(Some)
                .map_err(|e| self.bad(feature, property, &e.to_string()));
        }
        let Some(field) = self.source.fields.get(property) else {
            return Ok(None);
        };
        match feature.properties.get(field) {
            None => Err(self.missing(feature, property, "absent")),
            Some(Value::Null) if required => Err(self.missing(feature, property, "null")),
            Some(Value::Null) => Ok(None),
            Some(value) => convert(value, kind, leading)
                .map(Some)
                .map_err(|e| self.bad(feature, property, &e.to_string())),
        }
    }

    fn headroom_mw(
        &self,
        feature: &SourceFeature,
        properties: &JsonObject,
    ) -> Result<f64, ImportError> {
        let voltage_kv = properties
            .get("voltage_kv")
            .and_then(Value::as_f64)
            .ok_or_else(|| self.missing(feature, "voltage_kv", "absent"))?;
        headroom_mw_for(self.ctx.headroom_by_voltage, voltage_kv).ok_or_else(|| {
            ImportError::NoHeadroomRule {
                recipe: self.ctx.recipe(),
                layer: self.layer.name(),
                file: self.file.to_path_buf(),
                index: feature.index,
                voltage_kv,
            }
        })
    }

    fn field_name(&self, property: &str) -> String {
        match (
            self.source.fields.get(property),
            self.source.constants.contains_key(property),
        ) {
            (_, true) => format!("constants.{property}"),
            (Some(field), _) => field.clone(),
            (None, _) => property.to_string(),
        }
    }

    fn problem(
        &self,
        feature: &SourceFeature,
        property: &str,
        problem: String,
    ) -> Box<FieldProblem> {
        Box::new(FieldProblem {
            recipe: self.ctx.recipe(),
            layer: self.layer.name().to_string(),
            file: self.file.to_path_buf(),
            index: feature.index,
            property: property.to_string(),
            field: self.field_name(property),
            problem,
        })
    }

    fn missing(&self, feature: &SourceFeature, property: &str, what: &str) -> ImportError {
        ImportError::MissingField(self.problem(feature, property, format!("is {what}")))
    }

    fn bad(&self, feature: &SourceFeature, property: &str, message: &str) -> ImportError {
        ImportError::BadValue(self.problem(feature, property, format!("is not usable: {message}")))
    }
}

/// A one-part MultiPoint is the Point it holds: GeoPackages and shapefiles often store points
/// that way, and the contract's point layers take Points.
fn single_part(geometry: Geometry) -> Geometry {
    match geometry {
        Geometry::MultiPoint(m) if m.0.len() == 1 => Geometry::Point(m.0[0]),
        other => other,
    }
}

/// The headroom of the first class holding `voltage_kv` (`min_kv ≤ v < below_kv`).
pub fn headroom_mw_for(classes: &[HeadroomClass], voltage_kv: f64) -> Option<f64> {
    classes
        .iter()
        .find(|c| voltage_kv >= c.min_kv && c.below_kv.is_none_or(|below| voltage_kv < below))
        .map(|c| c.headroom_mw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headroom_classes_are_half_open() {
        let classes = [
            HeadroomClass {
                min_kv: 33.0,
                below_kv: Some(110.0),
                headroom_mw: 30.0,
            },
            HeadroomClass {
                min_kv: 110.0,
                below_kv: None,
                headroom_mw: 100.0,
            },
        ];
        assert_eq!(headroom_mw_for(&classes, 33.0), Some(30.0));
        assert_eq!(headroom_mw_for(&classes, 110.0), Some(100.0));
        assert_eq!(headroom_mw_for(&classes, 765.0), Some(100.0));
        assert_eq!(headroom_mw_for(&classes, 12.0), None);
    }
}
