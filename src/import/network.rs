//! The recipe's `[network]`: a region's transmission network as `lines.geojson`, and the
//! substations' `supply_share`. Takes the network's source files (a California Test System
//! extract, or PyPSA-KR's OSM network; [`NetworkSpec`]) and the map's substations as built;
//! gives the lines, the network-only substations and the supply shares.
//!
//! The rules, the same for every source:
//! - **Buses onto substations.** A bus belongs to the nearest substation of the map within
//!   `bus_km` (great-circle; a tie in distance goes to the smaller id). Buses of one substation
//!   merge, so branches between them (transformers and bus ties inside a station) drop out. A
//!   bus with no map substation within `bus_km` becomes a network-only substation
//!   `<id_prefix><bus>` with `headroom_mw` 0: the network passes through it, new load does
//!   not connect there.
//! - **The region's edge.** A bus is inside when the source says so (CATS: its `inside` flag,
//!   the extract's bbox) or, for sources without that flag, when it lies in the boundary.
//!   Branches with both ends outside are dropped; a branch with one end outside is a tie
//!   branch, and its outside end a tie point.
//! - **Supply.** New load is supplied through the tie points: each tie point's substation
//!   gets `supply_share` = the ratings (`rating_mw`) of its tie branches over the ratings of
//!   all tie branches. The shares sum to 1 over the map; the optimizer renormalises them
//!   within each connected part. Generators inside the region are not counted: their output
//!   is in the base case's flows already, and the MW for new load come across the ties.
//! - **Line ids** are `<id_prefix><from bus>-<to bus>-<n>`, the source's bus ids in the
//!   source's direction, `n` counting parallel branches between those buses in source order
//!   (dropped branches counted too, so ids stay stable when `bus_km` changes).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use geo::{Distance, Geometry, Haversine, Point};
use geojson::JsonObject;
use serde_json::{Value, json};

use super::boundary::Boundary;
use super::build::{Built, SourceCount};
use super::convert::number;
use super::error::{ImportError, NetworkProblem};
use super::recipe::{self, CatsNetwork, NetworkSpec, OsmNetwork};
use crate::sources::{SourceFeature, SourceSpec};

/// What the network gives the map.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    /// The lines, one per branch between two different substations.
    pub lines: Vec<Built>,
    /// Buses with no map substation within `bus_km` (headroom 0).
    pub network_only: Vec<Built>,
    /// `supply_share` by substation id (only those > 0).
    pub supply: BTreeMap<String, f64>,
    /// What each source file gave (branches, buses) for `map.json`.
    pub counts: Vec<SourceCount>,
    /// The buses file's count for the substations layer (kept = network-only substations).
    pub buses: SourceCount,
    /// Figures and rules for `map.json`.
    pub metadata: Value,
}

/// A bus of the source network.
#[derive(Debug, Clone)]
struct Bus {
    point: Point,
    kv: f64,
    inside: bool,
    name: String,
}

/// A branch (line or transformer) of the source network between two buses.
#[derive(Debug, Clone)]
struct Branch {
    from: String,
    to: String,
    x_pu: f64,
    rating_mw: f64,
    base_flow_mw: f64,
    voltage_kv: f64,
    geometry: Geometry,
    name: String,
    /// Index of its file in [`Source::files`].
    file: usize,
}

/// The source network as read.
struct Source {
    buses: BTreeMap<String, Bus>,
    branches: Vec<Branch>,
    /// (path as the recipe writes it, features read, features kept as branches or buses).
    files: Vec<(PathBuf, usize)>,
    /// The buses file, as the recipe writes it.
    buses_file: PathBuf,
    /// Branches the source marks out of service.
    out_of_service: usize,
    /// The rules that derived what the source lacks, in words.
    rules: Vec<String>,
}

/// Reads one network source file and names its problems.
struct Reader<'a> {
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
        let features = super::source_file::read(recipe, folder, "network", spec)?;
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
fn text_of(value: &Value) -> Option<String> {
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
fn duplicate_bus(reader: &Reader, f: &SourceFeature, field: &str, id: &str) -> ImportError {
    reader.error(f, field, format!("bus {id:?} appears twice"))
}

/// The CATS extract: buses (`bus`, `kv`, `inside`), branches (`f_bus`, `t_bus`, `x_pu`,
/// `rateA_MVA`, `base_flow_mw`, `kv_from`, `kv_to`, `status`).
fn read_cats(recipe_path: &Path, folder: &Path, spec: &CatsNetwork) -> Result<Source, ImportError> {
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
fn read_osm(
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

/// The nearest map substation to `point` within `km`, ties to the smaller id.
fn nearest(point: Point, substations: &[(String, Point)], km: f64) -> Option<&str> {
    let mut best: Option<(f64, &str)> = None;
    for (id, p) in substations {
        let d = Haversine.distance(point, *p) / 1000.0;
        if d <= km && best.is_none_or(|(bd, bid)| d < bd || (d == bd && id.as_str() < bid)) {
            best = Some((d, id.as_str()));
        }
    }
    best.map(|(_, id)| id)
}

/// Builds the network of the recipe's `[network]` onto the map's substations.
pub fn build(
    recipe_path: &Path,
    folder: &Path,
    boundary: &Boundary,
    spec: &NetworkSpec,
    substations: &[Built],
) -> Result<Network, ImportError> {
    let source = match spec {
        NetworkSpec::Cats(cats) => read_cats(recipe_path, folder, cats)?,
        NetworkSpec::PypsaOsm(osm) => read_osm(recipe_path, folder, osm, boundary)?,
    };
    let (bus_km, prefix) = (spec.bus_km(), spec.id_prefix());
    let points: Vec<(String, Point)> = substations
        .iter()
        .filter_map(|s| match s.geometry {
            Geometry::Point(p) => Some((s.id.clone(), p)),
            _ => None,
        })
        .collect();

    // Branches with at least one end inside; their buses onto substations.
    let inside = |bus: &str| source.buses.get(bus).is_some_and(|b| b.inside);
    let mut node: BTreeMap<&str, String> = BTreeMap::new();
    let mut network_only: BTreeMap<String, &Bus> = BTreeMap::new();
    let mut mapped_buses = 0;
    let mut parallel: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut lines = Vec::new();
    let mut kept_by_file = vec![0; source.files.len()];
    let mut tie_mw: BTreeMap<String, f64> = BTreeMap::new();
    let (mut outside_both, mut inside_station) = (0, 0);
    for branch in &source.branches {
        let n = parallel
            .entry((branch.from.as_str(), branch.to.as_str()))
            .or_insert(0);
        *n += 1;
        let id = format!("{prefix}{}-{}-{n}", branch.from, branch.to);
        if !inside(&branch.from) && !inside(&branch.to) {
            outside_both += 1;
            continue;
        }
        let mut ends = Vec::new();
        for bus_id in [branch.from.as_str(), branch.to.as_str()] {
            let substation = match node.get(bus_id) {
                Some(s) => s.clone(),
                None => {
                    // Every branch end was checked against the buses when read.
                    let Some(bus) = source.buses.get(bus_id) else {
                        continue;
                    };
                    let s = match nearest(bus.point, &points, bus_km) {
                        Some(s) => {
                            mapped_buses += 1;
                            s.to_string()
                        }
                        None => {
                            let s = format!("{prefix}{bus_id}");
                            network_only.insert(s.clone(), bus);
                            s
                        }
                    };
                    node.insert(bus_id, s.clone());
                    s
                }
            };
            ends.push(substation);
        }
        let [from, to] = &ends[..] else {
            continue;
        };
        if inside(&branch.from) != inside(&branch.to) {
            let outside = if inside(&branch.from) { to } else { from };
            *tie_mw.entry(outside.clone()).or_insert(0.0) += branch.rating_mw;
        }
        if from == to {
            inside_station += 1;
            continue;
        }
        if let Some(kept) = kept_by_file.get_mut(branch.file) {
            *kept += 1;
        }
        let mut properties = JsonObject::new();
        properties.insert("id".into(), Value::String(id.clone()));
        properties.insert("from".into(), Value::String(from.clone()));
        properties.insert("to".into(), Value::String(to.clone()));
        properties.insert("x_pu".into(), number(branch.x_pu));
        properties.insert("rating_mw".into(), number(branch.rating_mw));
        properties.insert("emergency_rating_mw".into(), number(branch.rating_mw));
        properties.insert("base_flow_mw".into(), number(branch.base_flow_mw));
        properties.insert("voltage_kv".into(), number(branch.voltage_kv));
        properties.insert("name".into(), Value::String(branch.name.clone()));
        lines.push(Built {
            id,
            geometry: branch.geometry.clone(),
            properties,
            origin: format!("{} ({})", recipe_path.display(), branch.name),
        });
    }

    let tie_total: f64 = tie_mw.values().sum();
    if tie_total <= 0.0 {
        return Err(ImportError::Rule {
            recipe: recipe_path.to_path_buf(),
            message: format!(
                "network: no branch of {} crosses the region's edge: no tie point to supply new load",
                source.files[0].0.display()
            ),
        });
    }
    let supply: BTreeMap<String, f64> = (tie_mw.iter())
        .map(|(s, mw)| (s.clone(), mw / tie_total))
        .collect();

    let network_only: Vec<Built> = network_only
        .into_iter()
        .map(|(id, bus)| {
            let mut properties = JsonObject::new();
            properties.insert("id".into(), Value::String(id.clone()));
            properties.insert("name".into(), Value::String(bus.name.clone()));
            properties.insert("voltage_kv".into(), number(bus.kv));
            properties.insert("headroom_mw".into(), number(0.0));
            if let Some(share) = supply.get(&id) {
                properties.insert("supply_share".into(), number(*share));
            }
            Built {
                id,
                geometry: Geometry::Point(bus.point),
                properties,
                origin: format!("{} ({})", source.buses_file.display(), bus.name),
            }
        })
        .collect();

    let parts = connected_parts(&lines);
    let supplied_parts = (parts.values().collect::<BTreeSet<_>>().into_iter())
        .filter(|part| {
            supply
                .keys()
                .any(|s| parts.get(s.as_str()).is_some_and(|p| p == *part))
        })
        .count();
    let part_count = parts.values().collect::<BTreeSet<_>>().len();
    let map_on_network = (points.iter())
        .filter(|(id, _)| parts.contains_key(id.as_str()))
        .count();
    let shares: BTreeMap<&String, f64> = supply
        .iter()
        .map(|(s, v)| (s, crate::files::round_to(*v, 6)))
        .collect();
    let buses_file = source.buses_file.clone();
    let mut rules = source.rules.clone();
    rules.extend([
        format!("a bus belongs to the nearest map substation within {bus_km} km; buses of one substation merge and the branches between them drop out"),
        format!("a bus with no map substation within {bus_km} km is a network-only substation \"{prefix}<bus>\" with headroom_mw 0"),
        "branches with both ends outside the region are dropped; a branch with one end outside is a tie branch".into(),
        "supply_share of a substation = ratings of the tie branches whose outside end it holds / ratings of all tie branches; generators inside the region are not counted".into(),
        format!("line ids \"{prefix}<from bus>-<to bus>-<n>\" (n counts parallel branches in source order)"),
    ]);
    let kind = match spec {
        NetworkSpec::Cats(_) => "cats",
        NetworkSpec::PypsaOsm(_) => "pypsa_osm",
    };
    let metadata = json!({
        "kind": kind,
        "bus_km": bus_km,
        "buses_on_lines": node.len(),
        "buses_on_map_substations": mapped_buses,
        "network_only_substations": network_only.len(),
        "map_substations_on_lines": map_on_network,
        "branches_read": source.branches.len() + source.out_of_service,
        "branches_out_of_service": source.out_of_service,
        "branches_outside_the_region": outside_both,
        "branches_inside_one_substation": inside_station,
        "lines": lines.len(),
        "tie_branches_mw": crate::files::round_to(tie_total, 6),
        "supply_share": shares,
        "connected_parts": part_count,
        "connected_parts_with_supply": supplied_parts,
        "rules": rules,
    });
    let counts = (source.files.iter().zip(&kept_by_file))
        .filter(|((path, _), _)| *path != buses_file)
        .map(|((path, read), kept)| SourceCount {
            path: path.clone(),
            read: *read,
            kept: *kept,
            rules: source.rules.clone(),
        })
        .collect();
    let buses_read = (source.files.iter())
        .find(|(path, _)| *path == buses_file)
        .map_or(0, |(_, read)| *read);
    Ok(Network {
        buses: SourceCount {
            path: buses_file,
            read: buses_read,
            kept: network_only.len(),
            rules: vec![format!(
                "network-only substations: buses on lines with no map substation within {bus_km} km; id \"{prefix}<bus>\", headroom_mw 0"
            )],
        },
        lines,
        network_only,
        supply,
        counts,
        metadata,
    })
}

/// Each substation on a line, with the smallest substation id of its connected part.
pub fn connected_parts(lines: &[Built]) -> BTreeMap<String, String> {
    let ends = |l: &Built| {
        let end = |k: &str| {
            l.properties
                .get(k)
                .and_then(Value::as_str)
                .map(String::from)
        };
        end("from").zip(end("to"))
    };
    let mut parent: BTreeMap<String, String> = BTreeMap::new();
    fn root(parent: &BTreeMap<String, String>, mut x: String) -> String {
        while let Some(p) = parent.get(&x).filter(|p| **p != x) {
            x = p.clone();
        }
        x
    }
    for (a, b) in lines.iter().filter_map(ends) {
        parent.entry(a.clone()).or_insert_with(|| a.clone());
        parent.entry(b.clone()).or_insert_with(|| b.clone());
        let (ra, rb) = (root(&parent, a), root(&parent, b));
        if ra != rb {
            let (small, large) = if ra < rb { (ra, rb) } else { (rb, ra) };
            parent.insert(large, small);
        }
    }
    let keys: Vec<String> = parent.keys().cloned().collect();
    keys.into_iter()
        .map(|k| {
            let r = root(&parent, k.clone());
            (k, r)
        })
        .collect()
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
