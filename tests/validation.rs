//! The contract's validation cases (docs/contract.md, "Bad input gets a clear error naming the file, the
//! feature (index and `id`) and the property, and nothing is written"): each bad input, read
//! through the library's readers, gives an error that names the file, the feature and the
//! property; through the binary, exit status 1, one clear message on stderr, and no output.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use gridsite::layers::{self, FieldMap, LayerError};
use gridsite::scenario::Scenario;
use tempfile::TempDir;

// ---------------------------------------------------------------------------------------------
// Building small layer files
// ---------------------------------------------------------------------------------------------

/// The five layers, with a reader and a valid feature for each.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Layer {
    Substations,
    Fiber,
    Parcels,
    Receptors,
    Communities,
}

const ALL_LAYERS: [Layer; 5] = [
    Layer::Substations,
    Layer::Fiber,
    Layer::Parcels,
    Layer::Receptors,
    Layer::Communities,
];

const POINT: &str = r#"{"type":"Point","coordinates":[-121.3,38.6]}"#;
const LINE: &str = r#"{"type":"LineString","coordinates":[[-121.35,38.62],[-121.2,38.62]]}"#;
const SQUARE: &str = r#"{"type":"Polygon","coordinates":[[[-121.3,38.61],[-121.29,38.61],[-121.29,38.618],[-121.3,38.618],[-121.3,38.61]]]}"#;

impl Layer {
    fn file_name(self) -> &'static str {
        match self {
            Layer::Substations => "substations.geojson",
            Layer::Fiber => "fiber.geojson",
            Layer::Parcels => "parcels.geojson",
            Layer::Receptors => "receptors.geojson",
            Layer::Communities => "communities.geojson",
        }
    }

    /// Reads a file of this layer with the plain field map; gives the feature count.
    fn read(self, path: &Path) -> Result<usize, LayerError> {
        let plain = FieldMap::default();
        Ok(match self {
            Layer::Substations => layers::read_substations(path, &plain)?.len(),
            Layer::Fiber => layers::read_fiber(path, &plain)?.len(),
            Layer::Parcels => layers::read_parcels(path, &plain)?.len(),
            Layer::Receptors => layers::read_receptors(path, &plain)?.len(),
            Layer::Communities => layers::read_communities(path, &plain)?.len(),
        })
    }

    /// A valid geometry of this layer.
    fn geometry(self) -> &'static str {
        match self {
            Layer::Substations => POINT,
            Layer::Fiber => LINE,
            Layer::Parcels | Layer::Receptors | Layer::Communities => SQUARE,
        }
    }

    /// Valid properties of this layer (without the id), as JSON members.
    fn properties(self) -> &'static str {
        match self {
            Layer::Substations => r#""voltage_kv":115,"headroom_mw":200"#,
            Layer::Fiber => r#""kind":"metro""#,
            Layer::Parcels => r#""zoning":"industrial","land_usd_per_acre":200000"#,
            Layer::Receptors => r#""kind":"school","name":"Mather Elementary""#,
            Layer::Communities => r#""name":"Rancho West","population":40000,"burden_pct":35"#,
        }
    }

    /// A valid feature with this id.
    fn good(self, id: &str) -> String {
        feature(
            self.geometry(),
            &format!(r#""id":"{id}",{}"#, self.properties()),
        )
    }

    /// A valid feature with this id whose properties are changed: `set` are JSON members that
    /// replace (or add) members, `remove` are names to drop.
    fn with(self, id: &str, set: &str, remove: &[&str]) -> String {
        let mut props: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&format!(r#"{{"id":"{id}",{}}}"#, self.properties())).unwrap();
        for name in remove
            .iter()
            .copied()
            .map(String::from)
            .chain(set_names(set))
        {
            props.remove(&name);
        }
        // `set` may hold NaN or other non-JSON text: splice it in as text.
        let base = serde_json::to_string(&props).unwrap();
        let members: Vec<&str> = [&base[1..base.len() - 1], set]
            .into_iter()
            .filter(|m| !m.is_empty())
            .collect();
        feature(self.geometry(), &members.join(","))
    }
}

/// The member names in a text of JSON members (`"a":1,"b":"x"`).
fn set_names(members: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = members;
    while let Some(start) = rest.find('"') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('"') else { break };
        let name = &after[..end];
        let tail = after[end + 1..].trim_start();
        if tail.starts_with(':') {
            names.push(name.to_string());
        }
        rest = &after[end + 1..];
    }
    names
}

/// A feature with this geometry (JSON text) and these property members (JSON text).
fn feature(geometry: &str, members: &str) -> String {
    format!(r#"{{"type":"Feature","geometry":{geometry},"properties":{{{members}}}}}"#)
}

/// A FeatureCollection of these features.
fn collection(features: &[String]) -> String {
    format!(
        "{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n]}}\n",
        features.join(",\n")
    )
}

/// Writes a file into `dir`; gives its path.
fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

/// Writes `features` as this layer's file in a fresh folder and reads it; gives the folder
/// (to keep it alive), the path and the error.
fn read_error(layer: Layer, features: &[String]) -> (TempDir, PathBuf, LayerError) {
    read_error_text(layer, &collection(features))
}

fn read_error_text(layer: Layer, text: &str) -> (TempDir, PathBuf, LayerError) {
    let dir = TempDir::new().unwrap();
    let path = write(dir.path(), layer.file_name(), text);
    match layer.read(&path) {
        Ok(n) => panic!(
            "{layer:?}: expected an error, read {n} features from:\n{}",
            text
        ),
        Err(e) => (dir, path, e),
    }
}

/// Reads a valid file of this layer; gives the feature count.
fn read_ok(layer: Layer, features: &[String]) -> usize {
    let dir = TempDir::new().unwrap();
    let text = collection(features);
    let path = write(dir.path(), layer.file_name(), &text);
    match layer.read(&path) {
        Ok(n) => n,
        Err(e) => panic!("{layer:?}: expected success, got `{e}` for:\n{text}"),
    }
}

/// The error names the file (path), the feature (`feature 2 (id "X")`) and the property, both
/// in its fields and in its message.
#[track_caller]
fn assert_names(err: &LayerError, path: &Path, index: usize, id: &str, property: &str) {
    let message = err.to_string();
    assert_eq!(err.path, path, "path of `{message}`");
    assert_eq!(
        err.feature,
        Some((index, id.to_string())),
        "feature of `{message}`"
    );
    assert_eq!(err.property, property, "property of `{message}`");
    let path_text = path.display().to_string();
    assert!(
        message.contains(&path_text),
        "`{message}` does not name the file {path_text}"
    );
    let label = format!("feature {index} (id \"{id}\")");
    assert!(
        message.contains(&label),
        "`{message}` does not name the feature as {label}"
    );
    assert!(
        message.contains(&format!(": {property}:")),
        "`{message}` does not name the property {property}"
    );
}

/// As [`assert_names`], and the message says something containing `hint` (case-insensitive).
#[track_caller]
fn assert_names_with(
    err: &LayerError,
    path: &Path,
    index: usize,
    id: &str,
    property: &str,
    hint: &str,
) {
    assert_names(err, path, index, id, property);
    let message = err.to_string().to_lowercase();
    assert!(
        message.contains(&hint.to_lowercase()),
        "`{err}` does not say `{hint}`"
    );
}

/// Two valid features (ids A0, A1), then `bad` at index 2, then a valid one (A3).
fn around(layer: Layer, bad: String) -> Vec<String> {
    vec![layer.good("A0"), layer.good("A1"), bad, layer.good("A3")]
}

// ---------------------------------------------------------------------------------------------
// A valid file of each layer reads (the baseline the corruptions start from)
// ---------------------------------------------------------------------------------------------

#[test]
fn valid_features_of_every_layer_read() {
    for layer in ALL_LAYERS {
        let features = vec![layer.good("A0"), layer.good("A1"), layer.good("A2")];
        assert_eq!(read_ok(layer, &features), 3, "{layer:?}");
        // `with` without changes is valid too.
        assert_eq!(read_ok(layer, &[layer.with("B", "", &[])]), 1, "{layer:?}");
    }
}

#[test]
fn the_tiny_fixture_map_loads() {
    let map = layers::load_map(Path::new("tests/fixtures/tiny")).unwrap();
    assert_eq!(map.substations.len(), 3);
    assert_eq!(map.parcels.len(), 7);
    assert_eq!(map.parcels[3].id, "P4");
}

// ---------------------------------------------------------------------------------------------
// Wrong geometry type
// ---------------------------------------------------------------------------------------------

#[test]
fn wrong_geometry_type_names_file_feature_and_geometry() {
    let polygon = SQUARE;
    let point = POINT;
    let line = LINE;
    let multi_line = r#"{"type":"MultiLineString","coordinates":[[[-121.3,38.6],[-121.2,38.6]]]}"#;
    let multi_point = r#"{"type":"MultiPoint","coordinates":[[-121.3,38.6]]}"#;
    let collection_geom = r#"{"type":"GeometryCollection","geometries":[]}"#;
    let cases: &[(Layer, &str)] = &[
        (Layer::Parcels, line),
        (Layer::Parcels, point),
        (Layer::Parcels, multi_line),
        (Layer::Substations, polygon),
        (Layer::Substations, line),
        (Layer::Substations, multi_point),
        (Layer::Fiber, polygon),
        (Layer::Receptors, line),
        (Layer::Receptors, multi_line),
        (Layer::Communities, point),
        (Layer::Communities, line),
        (Layer::Parcels, collection_geom),
    ];
    for (layer, geometry) in cases {
        let bad = feature(geometry, &format!(r#""id":"BAD",{}"#, layer.properties()));
        let (_dir, path, err) = read_error(*layer, &around(*layer, bad));
        assert_names(&err, &path, 2, "BAD", "geometry");
        let kind: serde_json::Value = serde_json::from_str(geometry).unwrap();
        let kind = kind["type"].as_str().unwrap();
        assert!(
            err.message.contains(kind),
            "{layer:?}: `{err}` does not say which type ({kind}) was found"
        );
    }
}

#[test]
fn missing_or_null_geometry_names_geometry() {
    for layer in ALL_LAYERS {
        let members = r#""id":"G","#;
        let null_geometry = format!(
            r#"{{"type":"Feature","geometry":null,"properties":{{{members}{}}}}}"#,
            layer.properties()
        );
        let (_dir, path, err) = read_error(layer, &around(layer, null_geometry));
        assert_names(&err, &path, 2, "G", "geometry");
        let no_geometry = format!(
            r#"{{"type":"Feature","properties":{{{members}{}}}}}"#,
            layer.properties()
        );
        let (_dir, path, err) = read_error(layer, &around(layer, no_geometry));
        assert_names(&err, &path, 2, "G", "geometry");
    }
}

#[test]
fn accepted_geometry_types_read() {
    // The contract's accepted types: Point substations; LineString, MultiLineString or Point
    // fiber; Polygon or MultiPolygon parcels and communities; Point or Polygon receptors.
    let multi_polygon = r#"{"type":"MultiPolygon","coordinates":[[[[-121.3,38.61],[-121.29,38.61],[-121.29,38.618],[-121.3,38.618],[-121.3,38.61]]],[[[-121.2,38.61],[-121.19,38.61],[-121.19,38.618],[-121.2,38.61]]]]}"#;
    let multi_line = r#"{"type":"MultiLineString","coordinates":[[[-121.3,38.6],[-121.2,38.6]],[[-121.1,38.6],[-121.0,38.7]]]}"#;
    let cases: &[(Layer, &str)] = &[
        (Layer::Fiber, POINT),
        (Layer::Fiber, multi_line),
        (Layer::Parcels, multi_polygon),
        (Layer::Communities, multi_polygon),
        (Layer::Receptors, POINT),
        (Layer::Receptors, multi_polygon),
    ];
    for (layer, geometry) in cases {
        let f = feature(geometry, &format!(r#""id":"OK",{}"#, layer.properties()));
        assert_eq!(read_ok(*layer, &[f]), 1, "{layer:?} {geometry}");
    }
}

// ---------------------------------------------------------------------------------------------
// Missing required property
// ---------------------------------------------------------------------------------------------

#[test]
fn missing_required_property_names_it() {
    let cases: &[(Layer, &str)] = &[
        (Layer::Substations, "voltage_kv"),
        (Layer::Substations, "headroom_mw"),
        (Layer::Parcels, "zoning"),
        (Layer::Parcels, "land_usd_per_acre"),
        (Layer::Receptors, "kind"),
        (Layer::Communities, "name"),
        (Layer::Communities, "population"),
    ];
    for (layer, property) in cases {
        // Absent.
        let bad = layer.with("M7", "", &[property]);
        let (_dir, path, err) = read_error(*layer, &around(*layer, bad));
        assert_names_with(&err, &path, 2, "M7", property, "missing");
        // Present as null counts as missing.
        let bad = layer.with("M7", &format!(r#""{property}":null"#), &[]);
        let (_dir, path, err) = read_error(*layer, &around(*layer, bad));
        assert_names(&err, &path, 2, "M7", property);
    }
}

#[test]
fn missing_required_property_in_the_first_feature() {
    let bad = Layer::Parcels.with("P1", "", &["land_usd_per_acre"]);
    let (_dir, path, err) = read_error(Layer::Parcels, &[bad, Layer::Parcels.good("P2")]);
    assert_names(&err, &path, 0, "P1", "land_usd_per_acre");
}

#[test]
fn empty_required_text_names_it() {
    for (layer, property) in [
        (Layer::Parcels, "zoning"),
        (Layer::Receptors, "kind"),
        (Layer::Communities, "name"),
    ] {
        let bad = layer.with("E", &format!(r#""{property}":"  ""#), &[]);
        let (_dir, path, err) = read_error(layer, &around(layer, bad));
        assert_names(&err, &path, 2, "E", property);
    }
}

#[test]
fn missing_id_names_the_feature_by_index_and_the_id_property() {
    for layer in ALL_LAYERS {
        for bad in [
            layer.with("X", "", &["id"]),
            layer.with("X", r#""id":null"#, &[]),
            layer.with("X", r#""id":"""#, &[]),
            layer.with("X", r#""id":true"#, &[]),
            layer.with("X", r#""id":[1]"#, &[]),
        ] {
            let (_dir, path, err) = read_error(layer, &around(layer, bad.clone()));
            let message = err.to_string();
            assert_eq!(err.path, path, "{message}");
            assert_eq!(err.property, "id", "{message}");
            assert_eq!(err.feature.as_ref().map(|f| f.0), Some(2), "{message}");
            assert!(message.contains(&path.display().to_string()), "{message}");
            assert!(message.contains("feature 2"), "{message}");
            assert!(message.contains(": id:"), "{message}");
        }
    }
}

#[test]
fn feature_level_id_is_used_when_properties_have_none() {
    let f = format!(
        r#"{{"type":"Feature","id":"TOP","geometry":{SQUARE},"properties":{{"zoning":"industrial"}}}}"#
    );
    // The id comes from the feature; the error then names it.
    let (_dir, path, err) = read_error(Layer::Parcels, &around(Layer::Parcels, f));
    assert_names(&err, &path, 2, "TOP", "land_usd_per_acre");
}

// ---------------------------------------------------------------------------------------------
// Non-numeric required (and optional) numbers
// ---------------------------------------------------------------------------------------------

#[test]
fn non_numeric_number_names_the_property() {
    let cases: &[(Layer, &str, &str)] = &[
        (Layer::Substations, "headroom_mw", r#""lots""#),
        (Layer::Substations, "voltage_kv", "true"),
        (Layer::Substations, "voltage_kv", r#""high""#),
        (Layer::Substations, "headroom_mw", "[200]"),
        (Layer::Substations, "flexible_mw", r#""some""#),
        (Layer::Substations, "community_growth_mw", "{}"),
        (Layer::Substations, "upgrade_mw", "false"),
        (Layer::Substations, "upgrade_usd", r#""80M""#),
        (Layer::Parcels, "land_usd_per_acre", r#""cheap""#),
        (Layer::Parcels, "land_usd_per_acre", r#""""#),
        (Layer::Parcels, "water_stress", r#""dry""#),
        (Layer::Communities, "population", r#""many""#),
        (Layer::Communities, "population", r#"{"n":1}"#),
        (Layer::Communities, "burden_pct", r#""high""#),
    ];
    for (layer, property, value) in cases {
        let bad = layer.with("N1", &format!(r#""{property}":{value}"#), &[]);
        let (_dir, path, err) = read_error(*layer, &around(*layer, bad));
        assert_names(&err, &path, 2, "N1", property);
    }
}

#[test]
fn non_boolean_brownfield_names_the_property() {
    let bad = Layer::Parcels.with("B1", r#""brownfield":"yes""#, &[]);
    let (_dir, path, err) = read_error(Layer::Parcels, &around(Layer::Parcels, bad));
    assert_names(&err, &path, 2, "B1", "brownfield");
}

#[test]
fn nan_property_value_names_the_property() {
    // Some writers emit NaN for a missing number.
    for (layer, property) in [
        (Layer::Substations, "headroom_mw"),
        (Layer::Parcels, "land_usd_per_acre"),
        (Layer::Communities, "population"),
    ] {
        for literal in ["NaN", "Infinity", "-Infinity"] {
            let bad = layer.with("NP", &format!(r#""{property}":{literal}"#), &[]);
            let (_dir, path, err) = read_error(layer, &around(layer, bad));
            assert_names(&err, &path, 2, "NP", property);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// NaN and non-numeric coordinates
// ---------------------------------------------------------------------------------------------

#[test]
fn nan_coordinate_names_feature_and_geometry() {
    let cases: Vec<(Layer, String)> = vec![
        // The literal NaN, as some writers (Python's json, GDAL) emit.
        (Layer::Substations, r#"{"type":"Point","coordinates":[NaN,38.6]}"#.into()),
        (Layer::Substations, r#"{"type":"Point","coordinates":[-121.3,NaN]}"#.into()),
        (Layer::Substations, r#"{"type":"Point","coordinates":[-121.3,Infinity]}"#.into()),
        (Layer::Substations, r#"{"type":"Point","coordinates":[-Infinity,38.6]}"#.into()),
        (
            Layer::Parcels,
            r#"{"type":"Polygon","coordinates":[[[-121.3,38.61],[-121.29,NaN],[-121.29,38.618],[-121.3,38.618],[-121.3,38.61]]]}"#.into(),
        ),
        (
            Layer::Fiber,
            r#"{"type":"LineString","coordinates":[[-121.35,38.62],[NaN,NaN]]}"#.into(),
        ),
        (
            Layer::Communities,
            r#"{"type":"Polygon","coordinates":[[[-121.3,38.61],[-121.29,38.61],[-121.29,38.618],[-121.3,38.618],[-121.3,38.61]],[[-121.299,38.611],[NaN,38.611],[-121.298,38.612],[-121.299,38.611]]]}"#.into(),
        ),
        // null, a string and a nested array where a number belongs.
        (Layer::Substations, r#"{"type":"Point","coordinates":[null,38.6]}"#.into()),
        (Layer::Substations, r#"{"type":"Point","coordinates":[-121.3,null]}"#.into()),
        (Layer::Substations, r#"{"type":"Point","coordinates":["-121.3",38.6]}"#.into()),
        (
            Layer::Receptors,
            r#"{"type":"Polygon","coordinates":[[[-121.3,38.61],[null,38.61],[-121.29,38.618],[-121.3,38.618],[-121.3,38.61]]]}"#.into(),
        ),
        (
            Layer::Fiber,
            r#"{"type":"LineString","coordinates":[[-121.35,null],[-121.2,38.62]]}"#.into(),
        ),
        (Layer::Receptors, r#"{"type":"Point","coordinates":[null,null]}"#.into()),
    ];
    for (layer, geometry) in cases {
        let bad = feature(
            &geometry,
            &format!(r#""id":"NaN-1",{}"#, layer.properties()),
        );
        let (_dir, path, err) = read_error(layer, &around(layer, bad));
        assert_names(&err, &path, 2, "NaN-1", "geometry");
        assert!(
            err.message.to_lowercase().contains("nan")
                || err.message.to_lowercase().contains("number"),
            "{layer:?} {geometry}: `{err}` does not say the coordinate is not a number"
        );
    }
}

#[test]
fn nan_inside_strings_is_left_alone() {
    // The NaN literal fallback must not touch strings: a name "NaN" or with escaped quotes
    // around NaN stays as written while a real NaN coordinate elsewhere is still reported.
    let named = feature(
        POINT,
        r#""id":"S1","name":"say \"NaN\" and \\","voltage_kv":115,"headroom_mw":200"#,
    );
    let bad = feature(
        r#"{"type":"Point","coordinates":[NaN,38.6]}"#,
        r#""id":"NaN","voltage_kv":115,"headroom_mw":200"#,
    );
    let (_dir, path, err) = read_error(Layer::Substations, &[named.clone(), bad]);
    assert_names(&err, &path, 1, "NaN", "geometry");

    let dir = TempDir::new().unwrap();
    let path = write(dir.path(), "substations.geojson", &collection(&[named]));
    let subs = layers::read_substations(&path, &FieldMap::default()).unwrap();
    assert_eq!(subs[0].name.as_deref(), Some("say \"NaN\" and \\"));
}

/// A substation file whose feature 2 (id "HUGE") has the longitude 1e999, which overflows f64.
fn huge_coordinate_file() -> (TempDir, PathBuf, LayerError) {
    let bad = feature(
        r#"{"type":"Point","coordinates":[1e999,38.6]}"#,
        r#""id":"HUGE","voltage_kv":115,"headroom_mw":200"#,
    );
    read_error(Layer::Substations, &around(Layer::Substations, bad))
}

#[test]
fn huge_coordinate_literal_is_an_error_naming_the_file() {
    let (_dir, path, err) = huge_coordinate_file();
    assert_eq!(err.path, path, "{err}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// Out-of-range coordinates
// ---------------------------------------------------------------------------------------------

#[test]
fn out_of_range_coordinate_names_feature_and_geometry() {
    let cases: Vec<(Layer, &str)> = vec![
        (
            Layer::Substations,
            r#"{"type":"Point","coordinates":[181,38.6]}"#,
        ),
        (
            Layer::Substations,
            r#"{"type":"Point","coordinates":[-121.3,-91]}"#,
        ),
        (
            Layer::Substations,
            r#"{"type":"Point","coordinates":[-180.0001,0]}"#,
        ),
        (
            Layer::Receptors,
            r#"{"type":"Point","coordinates":[0,90.5]}"#,
        ),
        (
            Layer::Parcels,
            r#"{"type":"Polygon","coordinates":[[[-121.3,38.61],[181,38.61],[-121.29,38.618],[-121.3,38.618],[-121.3,38.61]]]}"#,
        ),
        (
            Layer::Parcels,
            r#"{"type":"Polygon","coordinates":[[[-121.3,-91],[-121.29,38.61],[-121.29,38.618],[-121.3,38.618],[-121.3,-91]]]}"#,
        ),
        (
            Layer::Fiber,
            r#"{"type":"LineString","coordinates":[[-121.35,38.62],[-200,38.62]]}"#,
        ),
        (
            Layer::Communities,
            r#"{"type":"MultiPolygon","coordinates":[[[[-121.3,38.61],[-121.29,38.61],[-121.29,38.618],[-121.3,38.61]]],[[[10,95],[11,95],[11,96],[10,95]]]]}"#,
        ),
        // Swapped lon/lat in a place where latitude overflows.
        (
            Layer::Substations,
            r#"{"type":"Point","coordinates":[38.6,-121.3]}"#,
        ),
    ];
    for (layer, geometry) in cases {
        let bad = feature(geometry, &format!(r#""id":"OOR",{}"#, layer.properties()));
        let (_dir, path, err) = read_error(layer, &around(layer, bad));
        assert_names_with(&err, &path, 2, "OOR", "geometry", "range");
    }
}

#[test]
fn coordinates_on_the_range_limits_are_accepted() {
    for geometry in [
        r#"{"type":"Point","coordinates":[180,90]}"#,
        r#"{"type":"Point","coordinates":[-180,-90]}"#,
        r#"{"type":"Point","coordinates":[0,0,1200.5]}"#,
    ] {
        let f = feature(geometry, r#""id":"S","voltage_kv":115,"headroom_mw":200"#);
        assert_eq!(read_ok(Layer::Substations, &[f]), 1, "{geometry}");
    }
}

// ---------------------------------------------------------------------------------------------
// Duplicate ids
// ---------------------------------------------------------------------------------------------

#[test]
fn duplicate_id_names_the_second_feature_and_id() {
    for layer in ALL_LAYERS {
        let features = vec![
            layer.good("P1"),
            layer.good("P2"),
            layer.good("P3"),
            layer.good("P1"),
        ];
        let (_dir, path, err) = read_error(layer, &features);
        assert_names_with(&err, &path, 3, "P1", "id", "duplicate");
        assert!(
            err.message.contains("feature 0"),
            "{layer:?}: `{err}` does not say which feature has the id first"
        );
    }
}

#[test]
fn numeric_id_duplicating_a_string_id_is_a_duplicate() {
    for layer in ALL_LAYERS {
        // "7" then 7.
        let string_seven = layer.good("7");
        let number_seven = layer.with("x", r#""id":7"#, &[]);
        let (_dir, path, err) = read_error(
            layer,
            &[layer.good("A"), string_seven.clone(), number_seven.clone()],
        );
        assert_names_with(&err, &path, 2, "7", "id", "duplicate");
        // 7 then "7", and 7.0 reads as 7 too.
        let float_seven = layer.with("x", r#""id":7.0"#, &[]);
        let (_dir, path, err) = read_error(layer, &[number_seven, float_seven, string_seven]);
        assert_names_with(&err, &path, 1, "7", "id", "duplicate");
    }
}

#[test]
fn feature_level_id_duplicating_a_property_id_is_a_duplicate() {
    let top = format!(
        r#"{{"type":"Feature","id":"P9","geometry":{SQUARE},"properties":{{"zoning":"industrial","land_usd_per_acre":1}}}}"#
    );
    let (_dir, path, err) = read_error(
        Layer::Parcels,
        &[Layer::Parcels.good("P9"), Layer::Parcels.good("Q"), top],
    );
    assert_names(&err, &path, 2, "P9", "id");
}

#[test]
fn numeric_id_reads_as_its_decimal_string() {
    let dir = TempDir::new().unwrap();
    let features = [
        Layer::Parcels.with("x", r#""id":7"#, &[]),
        Layer::Parcels.with("x", r#""id":3501160"#, &[]),
        Layer::Parcels.with("x", r#""id":3501161.0"#, &[]),
    ];
    let path = write(dir.path(), "parcels.geojson", &collection(&features));
    let parcels = layers::read_parcels(&path, &FieldMap::default()).unwrap();
    let ids: Vec<&str> = parcels.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["7", "3501160", "3501161"]);

    // A feature-level numeric id too.
    let top = format!(
        r#"{{"type":"Feature","id":3501160,"geometry":{POINT},"properties":{{"voltage_kv":115,"headroom_mw":1}}}}"#
    );
    let path = write(dir.path(), "substations.geojson", &collection(&[top]));
    let subs = layers::read_substations(&path, &FieldMap::default()).unwrap();
    assert_eq!(subs[0].id, "3501160");
}

#[test]
fn large_integer_ids_read_exactly() {
    let dir = TempDir::new().unwrap();
    let features = [
        Layer::Parcels.with("x", r#""id":9007199254740992"#, &[]),
        Layer::Parcels.with("x", r#""id":9007199254740993"#, &[]),
        Layer::Parcels.with("x", r#""id":12345678901234567"#, &[]),
    ];
    let path = write(dir.path(), "parcels.geojson", &collection(&features));
    let parcels = layers::read_parcels(&path, &FieldMap::default())
        .unwrap_or_else(|e| panic!("distinct ids rejected: {e}"));
    let ids: Vec<&str> = parcels.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        ["9007199254740992", "9007199254740993", "12345678901234567"]
    );
}

#[test]
fn numeric_id_appears_in_errors_as_its_decimal_string() {
    let bad = Layer::Parcels.with("x", r#""id":3501160,"land_usd_per_acre":-1"#, &[]);
    let (_dir, path, err) = read_error(Layer::Parcels, &around(Layer::Parcels, bad));
    assert_names(&err, &path, 2, "3501160", "land_usd_per_acre");
}

// ---------------------------------------------------------------------------------------------
// Unclosed and empty polygons
// ---------------------------------------------------------------------------------------------

#[test]
fn unclosed_ring_names_feature_and_geometry() {
    let open_exterior = r#"{"type":"Polygon","coordinates":[[[-121.3,38.61],[-121.29,38.61],[-121.29,38.618],[-121.3,38.618]]]}"#;
    let open_hole = r#"{"type":"Polygon","coordinates":[[[-121.3,38.61],[-121.29,38.61],[-121.29,38.618],[-121.3,38.618],[-121.3,38.61]],[[-121.299,38.611],[-121.298,38.611],[-121.298,38.612],[-121.299,38.612]]]}"#;
    let open_second_part = r#"{"type":"MultiPolygon","coordinates":[[[[-121.3,38.61],[-121.29,38.61],[-121.29,38.618],[-121.3,38.61]]],[[[-121.2,38.61],[-121.19,38.61],[-121.19,38.618],[-121.2,38.62]]]]}"#;
    let cases: &[(Layer, &str)] = &[
        (Layer::Parcels, open_exterior),
        (Layer::Parcels, open_hole),
        (Layer::Parcels, open_second_part),
        (Layer::Communities, open_exterior),
        (Layer::Communities, open_second_part),
        (Layer::Receptors, open_exterior),
    ];
    for (layer, geometry) in cases {
        let bad = feature(geometry, &format!(r#""id":"U",{}"#, layer.properties()));
        let (_dir, path, err) = read_error(*layer, &around(*layer, bad));
        assert_names_with(&err, &path, 2, "U", "geometry", "not closed");
    }
}

#[test]
fn closed_ring_with_too_few_positions_names_geometry() {
    let bad = feature(
        r#"{"type":"Polygon","coordinates":[[[-121.3,38.61],[-121.29,38.61],[-121.3,38.61]]]}"#,
        r#""id":"T","zoning":"industrial","land_usd_per_acre":1"#,
    );
    let (_dir, path, err) = read_error(Layer::Parcels, &around(Layer::Parcels, bad));
    assert_names(&err, &path, 2, "T", "geometry");
}

#[test]
fn empty_polygon_names_feature_and_geometry() {
    let cases: &[(Layer, &str)] = &[
        (Layer::Parcels, r#"{"type":"Polygon","coordinates":[]}"#),
        (Layer::Parcels, r#"{"type":"Polygon","coordinates":[[]]}"#),
        (
            Layer::Parcels,
            r#"{"type":"MultiPolygon","coordinates":[]}"#,
        ),
        (
            Layer::Parcels,
            r#"{"type":"MultiPolygon","coordinates":[[]]}"#,
        ),
        (
            Layer::Parcels,
            r#"{"type":"MultiPolygon","coordinates":[[[[-121.3,38.61],[-121.29,38.61],[-121.29,38.618],[-121.3,38.61]]],[]]}"#,
        ),
        (
            Layer::Parcels,
            r#"{"type":"Polygon","coordinates":[[[-121.3,38.61],[-121.29,38.61],[-121.29,38.618],[-121.3,38.61]],[]]}"#,
        ),
        (Layer::Communities, r#"{"type":"Polygon","coordinates":[]}"#),
        (
            Layer::Communities,
            r#"{"type":"MultiPolygon","coordinates":[]}"#,
        ),
        (Layer::Receptors, r#"{"type":"Polygon","coordinates":[]}"#),
        // No coordinates member at all.
        (Layer::Parcels, r#"{"type":"Polygon"}"#),
    ];
    for (layer, geometry) in cases {
        let bad = feature(geometry, &format!(r#""id":"EMPTY",{}"#, layer.properties()));
        let (_dir, path, err) = read_error(*layer, &around(*layer, bad));
        assert_names(&err, &path, 2, "EMPTY", "geometry");
    }
}

#[test]
fn parcel_without_area_names_geometry() {
    // A closed ring whose positions all coincide: no area, no site point.
    let bad = feature(
        r#"{"type":"Polygon","coordinates":[[[-121.3,38.61],[-121.3,38.61],[-121.3,38.61],[-121.3,38.61]]]}"#,
        r#""id":"FLAT","zoning":"industrial","land_usd_per_acre":1"#,
    );
    let (_dir, path, err) = read_error(Layer::Parcels, &around(Layer::Parcels, bad));
    assert_names(&err, &path, 2, "FLAT", "geometry");
}

#[test]
fn empty_or_short_lines_name_geometry() {
    for geometry in [
        r#"{"type":"LineString","coordinates":[]}"#,
        r#"{"type":"LineString","coordinates":[[-121.3,38.6]]}"#,
        r#"{"type":"MultiLineString","coordinates":[]}"#,
        r#"{"type":"Point","coordinates":[]}"#,
        r#"{"type":"Point","coordinates":[-121.3]}"#,
    ] {
        let bad = feature(geometry, r#""id":"L","kind":"metro""#);
        let (_dir, path, err) = read_error(Layer::Fiber, &around(Layer::Fiber, bad));
        assert_names(&err, &path, 2, "L", "geometry");
    }
}

// ---------------------------------------------------------------------------------------------
// A file that is not a FeatureCollection
// ---------------------------------------------------------------------------------------------

/// A file-level error: it names the file, no feature, and says `hint`.
#[track_caller]
fn assert_file_error(err: &LayerError, path: &Path, hint: &str) {
    let message = err.to_string();
    assert_eq!(err.path, path, "{message}");
    assert_eq!(err.feature, None, "{message}");
    assert!(
        message.contains(&path.display().to_string()),
        "`{message}` does not name the file"
    );
    assert!(
        message.to_lowercase().contains(&hint.to_lowercase()),
        "`{message}` does not say `{hint}`"
    );
}

#[test]
fn not_a_feature_collection_names_the_file() {
    let bare_feature = Layer::Parcels.good("P1");
    let cases: Vec<(String, &str)> = vec![
        (bare_feature, "FeatureCollection"),
        (
            format!("[{}]", Layer::Parcels.good("P1")),
            "FeatureCollection",
        ),
        ("[]".into(), "FeatureCollection"),
        (
            r#"{"type":"Polygon","coordinates":[]}"#.to_string(),
            "FeatureCollection",
        ),
        (r#"{"features":[]}"#.into(), "FeatureCollection"),
        (r#"{"type":"FeatureCollection"}"#.into(), "features"),
        (r#"{"type":"FeatureCollection","features":{}}"#.into(), ""),
        ("42".into(), "FeatureCollection"),
        ("\"FeatureCollection\"".into(), "FeatureCollection"),
        // Invalid JSON: truncated, trailing garbage, empty.
        (
            collection(&[Layer::Parcels.good("P1")])[..60].to_string(),
            "line",
        ),
        (
            format!("{}}}", collection(&[Layer::Parcels.good("P1")])),
            "line",
        ),
        (String::new(), ""),
        (
            "{\"type\":\"FeatureCollection\",\"features\":[],}".into(),
            "line",
        ),
    ];
    for (text, hint) in cases {
        let (_dir, path, err) = read_error_text(Layer::Parcels, &text);
        assert_file_error(&err, &path, hint);
    }
}

#[test]
fn a_feature_that_is_not_an_object_is_an_error_naming_the_file() {
    let text = format!(
        "{{\"type\":\"FeatureCollection\",\"features\":[{},42]}}",
        Layer::Parcels.good("P1")
    );
    let (_dir, path, err) = read_error_text(Layer::Parcels, &text);
    assert_eq!(err.path, path, "{err}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
}

#[test]
fn unreadable_file_names_the_file() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("parcels.geojson");
    let err = layers::read_parcels(&path, &FieldMap::default()).unwrap_err();
    assert_file_error(&err, &path, "");
}

// ---------------------------------------------------------------------------------------------
// Range checks
// ---------------------------------------------------------------------------------------------

#[test]
fn out_of_range_values_name_the_property() {
    let cases: &[(Layer, &str, &str)] = &[
        (Layer::Substations, "voltage_kv", "0"),
        (Layer::Substations, "voltage_kv", "-115"),
        (Layer::Substations, "headroom_mw", "-1"),
        (Layer::Substations, "flexible_mw", "-0.5"),
        (Layer::Substations, "community_growth_mw", "-3"),
        (Layer::Substations, "upgrade_mw", "-100"),
        (Layer::Substations, "upgrade_usd", "-1"),
        (Layer::Parcels, "land_usd_per_acre", "-1"),
        (Layer::Parcels, "water_stress", "5.01"),
        (Layer::Parcels, "water_stress", "-0.1"),
        (Layer::Communities, "burden_pct", "100.5"),
        (Layer::Communities, "burden_pct", "-1"),
        (Layer::Communities, "population", "-1"),
    ];
    for (layer, property, value) in cases {
        let bad = layer.with("R5", &format!(r#""{property}":{value}"#), &[]);
        let (_dir, path, err) = read_error(*layer, &around(*layer, bad));
        assert_names(&err, &path, 2, "R5", property);
        let shown = value.trim_start_matches('-');
        assert!(
            err.message.contains(shown),
            "{layer:?}: `{err}` does not show the value {value}"
        );
    }
}

#[test]
fn values_on_the_range_limits_are_accepted() {
    let cases: &[(Layer, &str)] = &[
        (Layer::Substations, r#""headroom_mw":0"#),
        (Layer::Substations, r#""voltage_kv":0.1"#),
        (Layer::Parcels, r#""land_usd_per_acre":0,"water_stress":5"#),
        (Layer::Parcels, r#""water_stress":0"#),
        (Layer::Communities, r#""burden_pct":100,"population":0"#),
        (Layer::Communities, r#""burden_pct":0"#),
    ];
    for (layer, set) in cases {
        assert_eq!(read_ok(*layer, &[layer.with("OK", set, &[])]), 1, "{set}");
    }
}

// ---------------------------------------------------------------------------------------------
// load_map: the error names the file inside the map folder
// ---------------------------------------------------------------------------------------------

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// Changes one feature's property in a GeoJSON file (a JSON value, or removal with None).
fn set_property(path: &Path, index: usize, property: &str, value: Option<serde_json::Value>) {
    let mut doc: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    let props = doc["features"][index]["properties"]
        .as_object_mut()
        .unwrap();
    match value {
        Some(v) => {
            props.insert(property.to_string(), v);
        }
        None => {
            props.remove(property);
        }
    }
    fs::write(path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
}

#[test]
fn load_map_names_the_file_in_the_map_folder() {
    let cases: &[(&str, usize, &str, &str, Option<serde_json::Value>)] = &[
        (
            "substations.geojson",
            1,
            "S2",
            "headroom_mw",
            Some("lots".into()),
        ),
        (
            "fiber.geojson",
            0,
            "F1",
            "kind",
            Some(serde_json::json!([1])),
        ),
        ("parcels.geojson", 3, "P4", "land_usd_per_acre", None),
        ("receptors.geojson", 1, "R2", "kind", None),
        (
            "communities.geojson",
            1,
            "C2",
            "burden_pct",
            Some(serde_json::json!(101)),
        ),
    ];
    for (file, index, id, property, value) in cases {
        let dir = TempDir::new().unwrap();
        let map = dir.path().join("map");
        copy_dir(Path::new("tests/fixtures/tiny"), &map);
        set_property(&map.join(file), *index, property, value.clone());
        let err = layers::load_map(&map).unwrap_err();
        assert_names(&err, &map.join(file), *index, id, property);
    }
}

#[test]
fn load_map_with_a_missing_layer_file_names_it() {
    for file in layers::LAYER_FILES {
        let dir = TempDir::new().unwrap();
        let map = dir.path().join("map");
        copy_dir(Path::new("tests/fixtures/tiny"), &map);
        fs::remove_file(map.join(file)).unwrap();
        let err = layers::load_map(&map).unwrap_err();
        assert_file_error(&err, &map.join(file), "");
    }
}

// ---------------------------------------------------------------------------------------------
// Scenario errors: unknown keys and wrong types name the key
// ---------------------------------------------------------------------------------------------

const MINIMAL: &str = "name = \"x\"\nmap = \"../maps/m\"\n\n[target]\ntotal_mw = 100\n";

fn scenario_error(text: &str) -> String {
    match Scenario::parse(text, Path::new("scenarios/bad.toml")) {
        Ok(s) => panic!("expected an error, got {s:?} from:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn minimal_scenario_parses() {
    Scenario::parse(MINIMAL, Path::new("scenarios/ok.toml")).unwrap();
}

#[test]
fn unknown_scenario_key_is_an_error_naming_it() {
    let cases: &[(&str, &str)] = &[
        (
            "name = \"x\"\nmap = \"m\"\nregion = \"west\"\n[target]\ntotal_mw = 1\n",
            "region",
        ),
        (&format!("{MINIMAL}max_sitez = 3\n"), "max_sitez"),
        (
            &format!("{MINIMAL}[site]\nmax_fibre_km = 3\n"),
            "max_fibre_km",
        ),
        (
            &format!("{MINIMAL}[grid]\nheadroom_share = 0.5\n"),
            "headroom_share",
        ),
        (&format!("{MINIMAL}[community]\nsetback = 100\n"), "setback"),
        (&format!("{MINIMAL}[costs]\nland_usd = 1\n"), "land_usd"),
        (&format!("{MINIMAL}[solver]\ngap = 0.01\n"), "gap"),
        (&format!("{MINIMAL}[sites]\nmax_feed_km = 3\n"), "sites"),
    ];
    for (text, key) in cases {
        let message = scenario_error(text);
        assert!(message.contains(key), "`{message}` does not name `{key}`");
        assert!(
            message.contains("scenarios/bad.toml"),
            "`{message}` does not name the file"
        );
    }
}

#[test]
fn wrong_scenario_type_is_an_error_naming_the_key() {
    let cases: &[(&str, &str)] = &[
        ("name = 5\nmap = \"m\"\n[target]\ntotal_mw = 1\n", "name"),
        ("name = \"x\"\nmap = [1]\n[target]\ntotal_mw = 1\n", "map"),
        (
            "name = \"x\"\nmap = \"m\"\n[target]\ntotal_mw = \"lots\"\n",
            "total_mw",
        ),
        (&format!("{MINIMAL}max_sites = 2.5\n"), "max_sites"),
        (&format!("{MINIMAL}module_mw = \"25\"\n"), "module_mw"),
        (
            &format!("{MINIMAL}[site]\nallowed_zoning = \"industrial\"\n"),
            "allowed_zoning",
        ),
        (&format!("{MINIMAL}[site]\nmin_feeds = -1\n"), "min_feeds"),
        (
            &format!("{MINIMAL}[site]\nmax_feed_km = true\n"),
            "max_feed_km",
        ),
        (
            &format!("{MINIMAL}[grid]\nmax_headroom_share = \"most\"\n"),
            "max_headroom_share",
        ),
        (
            &format!("{MINIMAL}[community]\nbrownfield_exempt = \"yes\"\n"),
            "brownfield_exempt",
        ),
        (
            &format!("{MINIMAL}[community]\nsetback_m = {{ school = \"far\" }}\n"),
            "school",
        ),
        (
            &format!("{MINIMAL}[community]\nsetback_m = 500\n"),
            "setback_m",
        ),
        (
            &format!("{MINIMAL}[costs]\nsite_fixed_usd = \"20M\"\n"),
            "site_fixed_usd",
        ),
        (&format!("{MINIMAL}[solver]\nthreads = 1.5\n"), "threads"),
        ("name = \"x\"\nmap = \"m\"\ntarget = 5\n", "target"),
    ];
    for (text, key) in cases {
        let message = scenario_error(text);
        assert!(message.contains(key), "`{message}` does not name `{key}`");
        assert!(
            message.contains("scenarios/bad.toml"),
            "`{message}` does not name the file"
        );
    }
}

#[test]
fn missing_required_scenario_key_is_an_error_naming_it() {
    for (text, key) in [
        ("map = \"m\"\n[target]\ntotal_mw = 1\n", "name"),
        ("name = \"x\"\n[target]\ntotal_mw = 1\n", "map"),
        ("name = \"x\"\nmap = \"m\"\n", "target"),
        (
            "name = \"x\"\nmap = \"m\"\n[target]\nmodule_mw = 25\n",
            "total_mw",
        ),
    ] {
        let message = scenario_error(text);
        assert!(message.contains(key), "`{message}` does not name `{key}`");
    }
}

#[test]
fn out_of_range_scenario_value_names_the_key() {
    for (text, key) in [
        (
            format!("{MINIMAL}[grid]\nflexible_share = 1.5\n"),
            "grid.flexible_share",
        ),
        (
            format!("{MINIMAL}[site]\nacres_per_mw = 0\n"),
            "site.acres_per_mw",
        ),
        (
            format!("{MINIMAL}[site]\nmin_feeds = 3\nmax_feeds = 2\n"),
            "site.max_feeds",
        ),
        (
            format!("{MINIMAL}[community]\nsetback_m = {{ school = -5 }}\n"),
            "community.setback_m",
        ),
        (format!("{MINIMAL}module_mw = 0\n"), "target.module_mw"),
        (
            format!("{MINIMAL}min_site_mw = 400\n"),
            "target.max_site_mw",
        ),
        (
            format!("{MINIMAL}[solver]\nthreads = 0\n"),
            "solver.threads",
        ),
    ] {
        let message = scenario_error(&text);
        assert!(message.contains(key), "`{message}` does not name `{key}`");
    }
}

#[test]
fn scenario_load_names_the_file() {
    let dir = TempDir::new().unwrap();
    let path = write(
        dir.path(),
        "s.toml",
        &format!("{MINIMAL}[site]\nmax_fibre_km = 3\n"),
    );
    let message = Scenario::load(&path).unwrap_err().to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("max_fibre_km"), "{message}");
    let missing = dir.path().join("nope.toml");
    let message = Scenario::load(&missing).unwrap_err().to_string();
    assert!(
        message.contains(&missing.display().to_string()),
        "{message}"
    );
}

// ---------------------------------------------------------------------------------------------
// The binary: exit status 1, one clear message on stderr, nothing written
// ---------------------------------------------------------------------------------------------

/// A temporary copy of the tiny map and its scenario: `root/tiny/*.geojson` and
/// `root/scenarios/tiny.toml` (the scenario's `map = "../tiny"` resolves to the copy).
struct Workspace {
    root: TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        let root = TempDir::new().unwrap();
        copy_dir(Path::new("tests/fixtures/tiny"), &root.path().join("tiny"));
        fs::create_dir_all(root.path().join("scenarios")).unwrap();
        fs::copy(
            "tests/fixtures/scenarios/tiny.toml",
            root.path().join("scenarios/tiny.toml"),
        )
        .unwrap();
        Workspace { root }
    }

    fn scenario(&self) -> PathBuf {
        self.root.path().join("scenarios/tiny.toml")
    }

    fn layer(&self, file: &str) -> PathBuf {
        self.root.path().join("tiny").join(file)
    }

    fn append_to_scenario(&self, text: &str) {
        let mut scenario = fs::read_to_string(self.scenario()).unwrap();
        scenario.push_str(text);
        fs::write(self.scenario(), scenario).unwrap();
    }
}

/// Where `--out` points: a fresh path, or a folder that exists and is empty.
#[derive(Debug, Clone, Copy)]
enum Out {
    Fresh,
    ExistingEmpty,
}

/// Runs `gridsite <command> SCENARIO --out DIR`; asserts exit status 1, an empty stdout, a
/// message on stderr, and that nothing was written; gives stderr.
fn run_failing(ws: &Workspace, command: &str, out: Out) -> String {
    let out_dir = ws.root.path().join("out");
    if let Out::ExistingEmpty = out {
        fs::create_dir_all(&out_dir).unwrap();
    }
    let output = Command::cargo_bin("gridsite")
        .unwrap()
        .arg(command)
        .arg(ws.scenario())
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{command} {out:?}: status {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    assert!(
        stderr.trim_start().starts_with("error:"),
        "{command}: stderr does not start with a clear error:\n{stderr}"
    );
    assert!(
        !stderr.contains("panicked"),
        "{command}: the binary panicked:\n{stderr}"
    );
    assert!(
        stdout.trim().is_empty(),
        "{command}: printed on stdout despite the error:\n{stdout}"
    );
    match out {
        Out::Fresh => assert!(
            !out_dir.exists(),
            "{command}: created {} despite the error",
            out_dir.display()
        ),
        Out::ExistingEmpty => {
            let left: Vec<_> = fs::read_dir(&out_dir)
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert!(
                left.is_empty(),
                "{command}: wrote {left:?} into {} despite the error",
                out_dir.display()
            );
        }
    }
    stderr
}

const COMMANDS: [&str; 2] = ["check", "optimize"];
const OUTS: [Out; 2] = [Out::Fresh, Out::ExistingEmpty];

#[test]
fn binary_bad_layer_exits_1_names_file_feature_property_and_writes_nothing() {
    for command in COMMANDS {
        for out in OUTS {
            let ws = Workspace::new();
            let parcels = ws.layer("parcels.geojson");
            set_property(&parcels, 3, "land_usd_per_acre", Some("cheap".into()));
            let stderr = run_failing(&ws, command, out);
            assert!(stderr.contains("parcels.geojson"), "{stderr}");
            assert!(stderr.contains("feature 3 (id \"P4\")"), "{stderr}");
            assert!(stderr.contains("land_usd_per_acre"), "{stderr}");
        }
    }
}

#[test]
fn binary_each_validation_case_exits_1_and_writes_nothing() {
    type Corrupt = fn(&Workspace);
    let cases: &[(&str, Corrupt, &[&str])] = &[
        (
            "wrong geometry type",
            |ws| {
                let path = ws.layer("substations.geojson");
                let mut doc: serde_json::Value =
                    serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
                doc["features"][1]["geometry"] = serde_json::json!({
                    "type": "Polygon",
                    "coordinates": [[[-121.25,38.6],[-121.24,38.6],[-121.24,38.61],[-121.25,38.6]]]
                });
                fs::write(&path, doc.to_string()).unwrap();
            },
            &["substations.geojson", "feature 1 (id \"S2\")", "geometry"],
        ),
        (
            "missing required property",
            |ws| set_property(&ws.layer("communities.geojson"), 0, "population", None),
            &["communities.geojson", "feature 0 (id \"C1\")", "population"],
        ),
        (
            "NaN coordinate",
            |ws| {
                let path = ws.layer("receptors.geojson");
                let mut doc: serde_json::Value =
                    serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
                doc["features"][0]["geometry"]["coordinates"] = serde_json::json!([0.0, 38.588]);
                let text = doc.to_string().replacen("[0.0,38.588]", "[NaN,38.588]", 1);
                assert!(text.contains("NaN"));
                fs::write(&path, text).unwrap();
            },
            &["receptors.geojson", "feature 0 (id \"R1\")", "geometry"],
        ),
        (
            "out-of-range coordinate",
            |ws| {
                let path = ws.layer("fiber.geojson");
                let mut doc: serde_json::Value =
                    serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
                doc["features"][1]["geometry"]["coordinates"] = serde_json::json!([181.0, 38.59]);
                fs::write(&path, doc.to_string()).unwrap();
            },
            &["fiber.geojson", "feature 1 (id \"F2\")", "geometry"],
        ),
        (
            "duplicate id",
            |ws| {
                set_property(
                    &ws.layer("parcels.geojson"),
                    5,
                    "id",
                    Some(serde_json::json!("P2")),
                )
            },
            &["parcels.geojson", "feature 5 (id \"P2\")", "id"],
        ),
        (
            "unclosed polygon",
            |ws| {
                let path = ws.layer("parcels.geojson");
                let mut doc: serde_json::Value =
                    serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
                let ring = doc["features"][2]["geometry"]["coordinates"][0]
                    .as_array_mut()
                    .unwrap();
                ring.pop();
                fs::write(&path, doc.to_string()).unwrap();
            },
            &["parcels.geojson", "feature 2 (id \"P3\")", "geometry"],
        ),
        (
            "empty polygon",
            |ws| {
                let path = ws.layer("communities.geojson");
                let mut doc: serde_json::Value =
                    serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
                doc["features"][1]["geometry"]["coordinates"] = serde_json::json!([]);
                fs::write(&path, doc.to_string()).unwrap();
            },
            &["communities.geojson", "feature 1 (id \"C2\")", "geometry"],
        ),
        (
            "not a FeatureCollection",
            |ws| {
                let path = ws.layer("substations.geojson");
                let doc: serde_json::Value =
                    serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
                fs::write(&path, doc["features"][0].to_string()).unwrap();
            },
            &["substations.geojson", "FeatureCollection"],
        ),
        (
            "invalid JSON",
            |ws| {
                let path = ws.layer("fiber.geojson");
                let text = fs::read_to_string(&path).unwrap();
                fs::write(&path, &text[..text.len() / 2]).unwrap();
            },
            &["fiber.geojson"],
        ),
        (
            "range check",
            |ws| {
                set_property(
                    &ws.layer("substations.geojson"),
                    2,
                    "voltage_kv",
                    Some(serde_json::json!(0)),
                )
            },
            &["substations.geojson", "feature 2 (id \"S3\")", "voltage_kv"],
        ),
        (
            "missing layer file",
            |ws| fs::remove_file(ws.layer("receptors.geojson")).unwrap(),
            &["receptors.geojson"],
        ),
        (
            "scenario unknown key",
            |ws| ws.append_to_scenario("\n[site]\nmax_fibre_km = 3\n"),
            &["tiny.toml", "max_fibre_km"],
        ),
        (
            "scenario wrong type",
            |ws| ws.append_to_scenario("\n[grid]\nmax_headroom_share = \"most\"\n"),
            &["tiny.toml", "max_headroom_share"],
        ),
        (
            "scenario out of range",
            |ws| ws.append_to_scenario("\n[grid]\nflexible_share = 2\n"),
            &["tiny.toml", "grid.flexible_share"],
        ),
    ];
    for (case, corrupt, needles) in cases {
        for command in COMMANDS {
            for out in OUTS {
                let ws = Workspace::new();
                corrupt(&ws);
                let stderr = run_failing(&ws, command, out);
                for needle in *needles {
                    assert!(
                        stderr.contains(needle),
                        "{case} ({command}, {out:?}): stderr does not contain `{needle}`:\n{stderr}"
                    );
                }
            }
        }
    }
}

#[test]
fn binary_missing_scenario_exits_1_and_writes_nothing() {
    for command in COMMANDS {
        for out in OUTS {
            let ws = Workspace::new();
            fs::remove_file(ws.scenario()).unwrap();
            let stderr = run_failing(&ws, command, out);
            assert!(stderr.contains("tiny.toml"), "{stderr}");
        }
    }
}

#[test]
fn binary_valid_copy_writes_its_files() {
    // The control for the tests above: the same workspace, uncorrupted, does write.
    let ws = Workspace::new();
    let out = ws.root.path().join("out-check");
    Command::cargo_bin("gridsite")
        .unwrap()
        .arg("check")
        .arg(ws.scenario())
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    assert!(out.join("excluded.geojson").is_file());
    assert!(out.join("candidates.geojson").is_file());

    let out = ws.root.path().join("out-optimize");
    let output = Command::cargo_bin("gridsite")
        .unwrap()
        .arg("optimize")
        .arg(ws.scenario())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0) | Some(2)),
        "{output:?}"
    );
    for file in [
        "sites.geojson",
        "feeds.geojson",
        "substations.geojson",
        "excluded.geojson",
        "summary.json",
    ] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
}

/// `lines.geojson` is validated like the other layers: each fault names the file, the feature
/// (index and id) and the property, and a network without a supply substation is refused.
#[test]
fn bad_lines_name_the_file_feature_and_property() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/suburban");
    let good = std::fs::read_to_string(root.join("lines.geojson")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&good).unwrap();
    let first = doc["features"][0].clone();
    let cases: [(&str, serde_json::Value, Option<usize>, &str); 5] = [
        ("from", serde_json::json!({"from": "NOPE"}), Some(0), "from"),
        ("x_pu", serde_json::json!({"x_pu": 0.0}), Some(0), "x_pu"),
        (
            "self",
            serde_json::json!({"to": first["properties"]["from"]}),
            Some(0),
            "to",
        ),
        (
            "rating",
            serde_json::json!({"rating_mw": -5.0}),
            Some(0),
            "rating_mw",
        ),
        ("duplicate", serde_json::json!({}), Some(1), "id"),
    ];
    for (name, change, feature, property) in cases {
        let dir = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(&root).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
        let mut bad = doc.clone();
        let features = bad["features"].as_array_mut().unwrap();
        if name == "duplicate" {
            features[1]["properties"]["id"] = first["properties"]["id"].clone();
        } else {
            for (k, v) in change.as_object().unwrap() {
                features[0]["properties"][k] = v.clone();
            }
        }
        std::fs::write(dir.path().join("lines.geojson"), bad.to_string()).unwrap();
        let err = gridsite::layers::load_map(dir.path()).expect_err(name);
        assert!(err.path.ends_with("lines.geojson"), "{name}: {err}");
        assert_eq!(err.feature.as_ref().map(|f| f.0), feature, "{name}: {err}");
        assert_eq!(err.property, property, "{name}: {err}");
    }

    // No substation on the network supplies new load.
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&root).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let subs = std::fs::read_to_string(root.join("substations.geojson")).unwrap();
    let mut subs: serde_json::Value = serde_json::from_str(&subs).unwrap();
    for f in subs["features"].as_array_mut().unwrap() {
        f["properties"]["supply_share"] = serde_json::json!(0);
    }
    std::fs::write(dir.path().join("substations.geojson"), subs.to_string()).unwrap();
    let err = gridsite::layers::load_map(dir.path()).expect_err("no supply");
    assert!(err.path.ends_with("substations.geojson"), "{err}");
    assert_eq!(err.property, "supply_share", "{err}");
}
