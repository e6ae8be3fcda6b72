//! The network's sources as read: a California Test System extract or PyPSA-KR's OSM network,
//! each file's problems named ([`Reader`]), into one [`Source`] of buses and branches that
//! [`super::build`] maps onto the map's substations.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use geo::{Geometry, Point};
use serde_json::Value;

use crate::import::boundary::Boundary;
use crate::import::error::{ImportError, NetworkProblem};
use crate::import::recipe::{self, CatsNetwork, OsmNetwork};
use crate::sources::{SourceFeature, SourceSpec};

/// A bus of the source network.
#[derive(Debug, Clone)]
pub(super) struct Bus {
    pub(super) point: Point,
    pub(super) kv: f64,
    pub(super) inside: bool,
    pub(super) name: String,
}

/// A branch (line or transformer) of the source network between two buses.
#[derive(Debug, Clone)]
pub(super) struct Branch {
    pub(super) from: String,
    pub(super) to: String,
    pub(super) x_pu: f64,
    pub(super) rating_mw: f64,
    pub(super) base_flow_mw: f64,
    pub(super) voltage_kv: f64,
    pub(super) geometry: Geometry,
    pub(super) name: String,
    /// Index of its file in [`Source::files`].
    pub(super) file: usize,
}

/// The source network as read.
pub(super) struct Source {
    pub(super) buses: BTreeMap<String, Bus>,
    pub(super) branches: Vec<Branch>,
    /// (path as the recipe writes it, features read, features kept as branches or buses).
    pub(super) files: Vec<(PathBuf, usize)>,
    /// The buses file, as the recipe writes it.
    pub(super) buses_file: PathBuf,
    /// Branches the source marks out of service.
    pub(super) out_of_service: usize,
    /// The rules that derived what the source lacks, in words.
    pub(super) rules: Vec<String>,
}

/// Reads one network source file and names its problems.
pub(super) struct Reader<'a> {
    recipe: &'a Path,
    file: PathBuf,
    /// The field that is each feature's own id in the source.
    id_field: &'static str,
}

impl<'a> Reader<'a> {
    fn open(
        recipe: &'a Path,
        folder: &Path,
        spec: &SourceSpec,
        id_field: &'static str,
    ) -> Result<(Self, Vec<SourceFeature>), ImportError> {
        let features = crate::import::source_file::read(recipe, folder, "network", spec)?;
        let file = recipe::resolve(spec, folder).path;
        Ok((
            Reader {
                recipe,
                file,
                id_field,
            },
            features,
        ))
    }

    fn error(&self, f: &SourceFeature, property: &str, problem: String) -> ImportError {
        let id = f.properties.get(self.id_field).and_then(text_of);
        ImportError::Network(Box::new(NetworkProblem {
            recipe: self.recipe.to_path_buf(),
            file: self.file.clone(),
            index: f.index,
            id,
            property: property.to_string(),
            problem,
        }))
    }

    fn value<'f>(&self, f: &'f SourceFeature, field: &str) -> Result<&'f Value, ImportError> {
        match f.properties.get(field) {
            None => Err(self.error(f, field, "is absent".into())),
            Some(Value::Null) => Err(self.error(f, field, "is null".into())),
            Some(v) => Ok(v),
        }
    }

    fn text(&self, f: &SourceFeature, field: &str) -> Result<String, ImportError> {
        let value = self.value(f, field)?;
        text_of(value)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| self.error(f, field, format!("is not a text or number: {value}")))
    }

    fn number(&self, f: &SourceFeature, field: &str) -> Result<f64, ImportError> {
        let value = self.value(f, field)?;
        let parsed = match value {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => crate::layers::number_in_text(s, false),
            _ => None,
        };
        parsed
            .filter(|v| v.is_finite())
            .ok_or_else(|| self.error(f, field, format!("is not a number: {value}")))
    }

    /// A number that must be > 0 (`what` says what it measures).
    fn positive(&self, f: &SourceFeature, field: &str, what: &str) -> Result<f64, ImportError> {
        let v = self.number(f, field)?;
        if v > 0.0 {
            Ok(v)
        } else {
            Err(self.error(f, field, format!("must be > 0 ({what}), got {v}")))
        }
    }

    fn flag(&self, f: &SourceFeature, field: &str) -> Result<bool, ImportError> {
        let value = self.value(f, field)?;
        match value {
            Value::Bool(b) => Ok(*b),
            Value::Number(n) if n.as_f64() == Some(1.0) => Ok(true),
            Value::Number(n) if n.as_f64() == Some(0.0) => Ok(false),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                _ => Err(self.error(f, field, format!("is not true or false: {value}"))),
            },
            _ => Err(self.error(f, field, format!("is not true or false: {value}"))),
        }
    }

    fn point(&self, f: &SourceFeature) -> Result<Point, ImportError> {
        match &f.geometry {
            Geometry::Point(p) => Ok(*p),
            Geometry::MultiPoint(m) if m.0.len() == 1 => Ok(m.0[0]),
            other => Err(self.error(
                f,
                "geometry",
                format!(
                    "a bus must be a Point, got a {}",
                    crate::layers::schema::geometry_name(other)
                ),
            )),
        }
    }

    fn line(&self, f: &SourceFeature) -> Result<Geometry, ImportError> {
        match &f.geometry {
            g @ (Geometry::LineString(_) | Geometry::MultiLineString(_)) => Ok(g.clone()),
            other => Err(self.error(
                f,
                "geometry",
                format!(
                    "a branch must be a LineString, got a {}",
                    crate::layers::schema::geometry_name(other)
                ),
            )),
        }
    }

    /// The bus an end names, which must be in `buses`.
    fn end(
        &self,
        f: &SourceFeature,
        field: &str,
        buses: &BTreeMap<String, Bus>,
        buses_file: &Path,
    ) -> Result<String, ImportError> {
        let id = self.text(f, field)?;
        if buses.contains_key(&id) {
            Ok(id)
        } else {
            Err(self.error(
                f,
                field,
                format!("names bus {id:?}, which is not in {}", buses_file.display()),
            ))
        }
    }
}

/// A source value as an id: a text trimmed, or a number written as an integer where it is one.
pub(super) fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(match n.as_f64().and_then(crate::layers::whole_number) {
            Some(i) => i.to_string(),
            None => n.to_string(),
        }),
        _ => None,
    }
}

/// A bus id seen twice in a buses file.
pub(super) fn duplicate_bus(
    reader: &Reader,
    f: &SourceFeature,
    field: &str,
    id: &str,
) -> ImportError {
    reader.error(f, field, format!("bus {id:?} appears twice"))
}

/// The CATS extract: buses (`bus`, `kv`, `inside`), branches (`f_bus`, `t_bus`, `x_pu`,
/// `rateA_MVA`, `base_flow_mw`, `kv_from`, `kv_to`, `status`).
pub(super) fn read_cats(
    recipe_path: &Path,
    folder: &Path,
    spec: &CatsNetwork,
) -> Result<Source, ImportError> {
    let (reader, features) = Reader::open(recipe_path, folder, &spec.buses, "bus")?;
    let bus_count = features.len();
    let mut buses = BTreeMap::new();
    for f in &features {
        let id = reader.text(f, "bus")?;
        let bus = Bus {
            point: reader.point(f)?,
            kv: reader.positive(f, "kv", "a voltage in kV")?,
            inside: reader.flag(f, "inside")?,
            name: format!("CATS bus {id}"),
        };
        if buses.insert(id.clone(), bus).is_some() {
            return Err(duplicate_bus(&reader, f, "bus", &id));
        }
    }
    let buses_file = reader.file.clone();
    let (reader, features) = Reader::open(recipe_path, folder, &spec.branches, "branch")?;
    let mut branches = Vec::new();
    let mut out_of_service = 0;
    for f in &features {
        let from = reader.end(f, "f_bus", &buses, &buses_file)?;
        let to = reader.end(f, "t_bus", &buses, &buses_file)?;
        let x_pu = reader.positive(f, "x_pu", "a series reactance")?;
        let rating_mw = reader.positive(
            f,
            "rateA_MVA",
            "a thermal rating; MATPOWER's 0 for unlimited is no limit a plan can check",
        )?;
        let base_flow_mw = reader.number(f, "base_flow_mw")?;
        let voltage_kv = reader.number(f, "kv_from")?.max(reader.number(f, "kv_to")?);
        let geometry = reader.line(f)?;
        if reader.number(f, "status")? == 0.0 {
            out_of_service += 1;
            continue;
        }
        let name = match f.properties.get("branch").and_then(text_of) {
            Some(b) => format!("CATS branch {b}"),
            None => format!("CATS branch {from}-{to}"),
        };
        branches.push(Branch {
            from,
            to,
            x_pu,
            rating_mw,
            base_flow_mw,
            voltage_kv,
            geometry,
            name,
            file: 0,
        });
    }
    Ok(Source {
        buses,
        branches,
        files: vec![
            (spec.branches.path.clone(), features.len()),
            (spec.buses.path.clone(), bus_count),
        ],
        buses_file: spec.buses.path.clone(),
        out_of_service,
        rules: vec![
            "x_pu and base_flow_mw from CATS (x_pu per unit on 100 MVA; base_flow_mw: a DC power flow of the whole CATS base case)".into(),
            "rating_mw = rateA_MVA (read as MW, as a DC power flow does); emergency_rating_mw = rating_mw (CATS gives one rating)".into(),
            "a bus is inside when CATS's inside flag says so (the extract's bbox)".into(),
        ],
    })
}

/// PyPSA-KR's OSM network: buses (`bus_id`, `voltage` in V), lines (`line_id`, `bus0`,
/// `bus1`, `voltage` in V, `circuits`, `length` in m, `bus0_lon`…), transformers (`line_id`,
/// `bus0`, `bus1`, `voltage_bus0`, `voltage_bus1`). Impedances and ratings by the recipe's
/// rules; base flows unknown (0).
pub(super) fn read_osm(
    recipe_path: &Path,
    folder: &Path,
    spec: &OsmNetwork,
    boundary: &Boundary,
) -> Result<Source, ImportError> {
    let (reader, features) = Reader::open(recipe_path, folder, &spec.buses, "bus_id")?;
    let bus_count = features.len();
    let inside = |p: Point| boundary.keeps(&Geometry::Point(p), 0.0);
    let mut buses = BTreeMap::new();
    for f in &features {
        let id = reader.text(f, "bus_id")?;
        let point = reader.point(f)?;
        let bus = Bus {
            point,
            kv: reader.positive(f, "voltage", "a voltage in V")? / 1000.0,
            inside: inside(point),
            name: format!("OSM bus {id}"),
        };
        if buses.insert(id.clone(), bus).is_some() {
            return Err(duplicate_bus(&reader, f, "bus_id", &id));
        }
    }
    let buses_file = reader.file.clone();
    let (reader, lines) = Reader::open(recipe_path, folder, &spec.lines, "line_id")?;
    let mut branches = Vec::new();
    for f in &lines {
        let voltage_kv = reader.positive(f, "voltage", "a voltage in V")? / 1000.0;
        // A line end beyond the buses file (outside its bbox) is placed where the line says.
        let mut ends = Vec::new();
        for end in ["bus0", "bus1"] {
            let id = reader.text(f, end)?;
            if !buses.contains_key(&id) {
                let lon = reader.number(f, &format!("{end}_lon"))?;
                let lat = reader.number(f, &format!("{end}_lat"))?;
                let point = Point::new(lon, lat);
                let bus = Bus {
                    point,
                    kv: voltage_kv,
                    inside: inside(point),
                    name: format!("OSM bus {id} (a line end)"),
                };
                buses.insert(id.clone(), bus);
            }
            ends.push(id);
        }
        let class = spec
            .line_classes
            .iter()
            .find(|c| (c.voltage_kv - voltage_kv).abs() < 0.5)
            .ok_or_else(|| {
                let known: Vec<String> = (spec.line_classes.iter())
                    .map(|c| c.voltage_kv.to_string())
                    .collect();
                let problem = format!(
                    "{voltage_kv} kV is in no line class of the recipe (line_classes: {} kV)",
                    known.join(", ")
                );
                reader.error(f, "voltage", problem)
            })?;
        let circuits = circuits(
            reader.positive(f, "circuits", "a circuit count")?,
            spec.conductors_per_circuit,
        );
        let km = reader.positive(f, "length", "a length in m")? / 1000.0;
        let x_ohm = class.x_ohm_per_km * km / circuits;
        let [from, to] = [ends[0].clone(), ends[1].clone()];
        if from == to {
            return Err(reader.error(f, "bus1", format!("both ends are bus {from:?}")));
        }
        branches.push(Branch {
            from,
            to,
            x_pu: crate::files::round_to(x_ohm * 100.0 / (voltage_kv * voltage_kv), 8),
            rating_mw: circuits * class.mw_per_circuit,
            base_flow_mw: 0.0,
            voltage_kv,
            geometry: reader.line(f)?,
            name: format!("OSM line {}", reader.text(f, "line_id")?),
            file: 0,
        });
    }
    let (reader, transformers) = Reader::open(recipe_path, folder, &spec.transformers, "line_id")?;
    for f in &transformers {
        let from = reader.end(f, "bus0", &buses, &buses_file)?;
        let to = reader.end(f, "bus1", &buses, &buses_file)?;
        let kv0 = reader.positive(f, "voltage_bus0", "a voltage in V")?;
        let kv1 = reader.positive(f, "voltage_bus1", "a voltage in V")?;
        branches.push(Branch {
            from,
            to,
            x_pu: spec.transformer.x_pu,
            rating_mw: spec.transformer.rating_mw,
            base_flow_mw: 0.0,
            voltage_kv: kv0.max(kv1) / 1000.0,
            geometry: reader.line(f)?,
            name: format!("OSM transformer {}", reader.text(f, "line_id")?),
            file: 1,
        });
    }
    let classes: Vec<String> = (spec.line_classes.iter())
        .map(|c| {
            format!(
                "{} kV: {} ohm/km and {} MW per circuit",
                c.voltage_kv, c.x_ohm_per_km, c.mw_per_circuit
            )
        })
        .collect();
    Ok(Source {
        buses,
        branches,
        files: vec![
            (spec.lines.path.clone(), lines.len()),
            (spec.transformers.path.clone(), transformers.len()),
            (spec.buses.path.clone(), bus_count),
        ],
        buses_file: spec.buses.path.clone(),
        out_of_service: 0,
        rules: vec![
            format!(
                "circuits = OSM's circuits, read as conductors when a multiple of {} (6 -> 2)",
                spec.conductors_per_circuit
            ),
            format!(
                "lines: x_pu = x_ohm_per_km * length_km / circuits * 100 / kV^2, rating_mw = circuits * mw_per_circuit; {}",
                classes.join("; ")
            ),
            format!(
                "transformers: x_pu {} (100 MVA base), rating_mw {}",
                spec.transformer.x_pu, spec.transformer.rating_mw
            ),
            "emergency_rating_mw = rating_mw; base_flow_mw = 0 (today's flows are not public)"
                .into(),
            "a bus is inside when it lies in the boundary; a line end beyond the buses file is placed at the line's bus0_lon/bus0_lat".into(),
        ],
    })
}

/// Three-phase circuits from OSM's `circuits`, which PyPSA's OSM cleaning fills from the
/// `cables` tag where `circuits` is missing: a multiple of `per_circuit` conductors is read
/// as that many circuits' conductors (6 → 2), any other value as circuits.
pub fn circuits(value: f64, per_circuit: f64) -> f64 {
    let whole = value / per_circuit;
    if per_circuit > 0.0 && value >= per_circuit && whole.fract() == 0.0 {
        whole
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::circuits;

    #[test]
    fn osm_circuits_read_conductor_counts_as_circuits() {
        assert_eq!(circuits(1.0, 3.0), 1.0);
        assert_eq!(circuits(2.0, 3.0), 2.0);
        assert_eq!(circuits(6.0, 3.0), 2.0);
        assert_eq!(circuits(12.0, 3.0), 4.0);
    }
}
