//! `gridsite import`: the shipped recipes on their committed real layers (`maps/<region>/sources/`; imported,
//! then optimized, then checked against the sources with geo), and every recipe error on
//! small files the tests write.

#[path = "common/data.rs"]
mod data;
use data::source;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use geo::{Contains, Geometry, Intersects, MultiPolygon, Polygon};
use gridsite::import::{self, ImportError};
use gridsite::pipeline::{self, Status};
use serde_json::Value;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The features of a GeoJSON file, read independently of the crate (geojson + geo); any other
/// format is first converted to WGS84 GeoJSON by GDAL's `ogr2ogr`, as a GIS analyst would.
fn features(path: &Path) -> Vec<(Geometry, serde_json::Map<String, Value>)> {
    let text = if path.extension().is_some_and(|e| e == "geojson") {
        std::fs::read_to_string(path).unwrap()
    } else {
        let converted = tempfile::Builder::new()
            .suffix(".geojson")
            .tempfile()
            .unwrap();
        let geojson = converted.path().to_path_buf();
        std::fs::remove_file(&geojson).unwrap();
        let status = std::process::Command::new("ogr2ogr")
            .args(["-f", "GeoJSON", "-t_srs", "EPSG:4326"])
            .arg(&geojson)
            .arg(path)
            .status()
            .expect("GDAL's ogr2ogr (apt-get install gdal-bin)");
        assert!(status.success(), "ogr2ogr {}", path.display());
        std::fs::read_to_string(&geojson).unwrap()
    };
    let collection: geojson::FeatureCollection = text
        .parse::<geojson::GeoJson>()
        .unwrap()
        .try_into()
        .unwrap();
    collection
        .features
        .into_iter()
        .map(|f| {
            let geometry = Geometry::try_from(f.geometry.unwrap()).unwrap();
            (geometry, f.properties.unwrap_or_default())
        })
        .collect()
}

/// The union of a source's polygons: the real boundary.
fn boundary_of(path: &Path) -> MultiPolygon {
    let polygons: Vec<Polygon> = features(path)
        .into_iter()
        .flat_map(|(g, _)| match g {
            Geometry::Polygon(p) => vec![p],
            Geometry::MultiPolygon(m) => m.0,
            _ => vec![],
        })
        .collect();
    geo::unary_union(&polygons)
}

/// A copy of a shipped scenario whose map is `map`.
fn scenario_on(shipped: &str, map: &Path, dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(repo().join("scenarios").join(shipped)).unwrap();
    let mut value: toml::Table = toml::from_str(&text).unwrap();
    value.insert(
        "map".into(),
        toml::Value::String(map.to_str().unwrap().into()),
    );
    let path = dir.join(shipped);
    std::fs::write(&path, toml::to_string(&value).unwrap()).unwrap();
    path
}

struct RealCase {
    recipe: &'static str,
    scenario: &'static str,
    boundary: &'static str,
    substations: &'static str,
    /// Keeps the source's substation features (the recipe's `geometry`/`where`).
    is_substation: fn(&Geometry, &serde_json::Map<String, Value>) -> bool,
    /// The map's id of a source substation.
    map_id: fn(&serde_json::Map<String, Value>) -> String,
    /// The id prefix of the network-only substations the recipe's `[network]` adds.
    network_prefix: &'static str,
}

/// Imports the recipe, optimizes the scenario on it and checks the plan against the sources.
fn import_and_optimize(case: &RealCase) {
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("map");
    let summary = import::import(&repo().join(case.recipe), &map).unwrap();
    assert!(map.join("map.json").is_file());

    let boundary = boundary_of(&source(case.boundary));
    let inside: BTreeSet<String> = features(&source(case.substations))
        .into_iter()
        .filter(|(g, p)| (case.is_substation)(g, p) && boundary.intersects(g))
        .map(|(_, p)| (case.map_id)(&p))
        .collect();
    let substations = features(&map.join("substations.geojson"));
    let (network_only, from_source): (Vec<_>, Vec<_>) = substations
        .iter()
        .partition(|(_, p)| p["id"].as_str().unwrap().starts_with(case.network_prefix));
    assert_eq!(
        from_source.len(),
        inside.len(),
        "substations inside the boundary"
    );
    for (_, p) in &network_only {
        assert_eq!(p["headroom_mw"], 0, "network-only {}", p["id"]);
    }
    let layer = &summary.layers[0];
    assert_eq!(
        (layer.real, layer.generated),
        (inside.len() + network_only.len(), 0)
    );

    let scenario = scenario_on(case.scenario, &map, dir.path());
    let out = dir.path().join("out");
    let optimized = pipeline::optimize(&scenario, &out, &|_| {}).unwrap();
    assert_eq!(optimized.status, Status::Optimal, "{}", case.scenario);

    let sites = features(&out.join("sites.geojson"));
    assert!(!sites.is_empty());
    for (geometry, props) in &sites {
        assert!(
            boundary.contains(geometry),
            "site {} is not inside the real boundary",
            props["parcel_id"]
        );
    }
    let feeds = features(&out.join("feeds.geojson"));
    assert!(feeds.len() >= sites.len());
    for (_, props) in &feeds {
        let id = props["substation_id"].as_str().unwrap();
        assert!(
            inside.contains(id),
            "feed to {id}, not a real substation of the source"
        );
    }
}

#[test]
fn sacramento_recipe_imports_and_optimizes_inside_smud_territory() {
    import_and_optimize(&RealCase {
        recipe: "maps/sacramento/recipe.toml",
        scenario: "sacramento-300mw.toml",
        boundary: "california/smud_service_territory.geojson",
        substations: "california/cec_substations_statewide_epsg3310.gpkg",
        is_substation: |g, _| matches!(g, Geometry::Point(_)),
        map_id: |p| format!("cec-{}", p["OBJECTID"]),
        network_prefix: "cats-",
    });
}

#[test]
fn jeonbuk_recipe_imports_and_optimizes_inside_the_province() {
    import_and_optimize(&RealCase {
        recipe: "maps/jeonbuk/recipe.toml",
        scenario: "jeonbuk-300mw.toml",
        boundary: "korea/jeonbuk_sigungu.geojson",
        substations: "korea/jeonbuk_grid.geojson",
        is_substation: |g, p| matches!(g, Geometry::Point(_)) && p["kind"] == "substation_bus",
        map_id: |p| p["bus"].as_str().unwrap().to_string(),
        network_prefix: "osm-",
    });
}

#[test]
fn an_import_is_byte_identical_when_repeated() {
    for region in ["sacramento", "jeonbuk"] {
        let recipe = repo().join(format!("maps/{region}/recipe.toml"));
        let dirs: Vec<tempfile::TempDir> = (0..2)
            .map(|_| {
                let dir = tempfile::tempdir().unwrap();
                import::import(&recipe, dir.path()).unwrap();
                dir
            })
            .collect();
        let files = gridsite::layers::LAYER_FILES
            .iter()
            .chain(&[gridsite::layers::LINES_FILE, "map.json"]);
        for file in files {
            let a = std::fs::read(dirs[0].path().join(file)).unwrap();
            let b = std::fs::read(dirs[1].path().join(file)).unwrap();
            assert!(a == b, "{region}: {file} differs between imports");
        }
        if region == "sacramento" {
            let meta: Value =
                serde_json::from_slice(&std::fs::read(dirs[0].path().join("map.json")).unwrap())
                    .unwrap();
            assert_eq!(meta["layers"]["substations"]["origin"], "real");
            assert_eq!(meta["layers"]["parcels"]["origin"], "generated");
            assert_eq!(meta["layers"]["parcels"]["generated"]["seed"], 916);
            assert_eq!(meta["layers"]["receptors"]["origin"], "real + generated");
            assert_eq!(meta["layers"]["communities"]["origin"], "generated");
            assert_eq!(meta["layers"]["lines"]["origin"], "real");
            assert_eq!(meta["network"]["kind"], "cats");
        }
    }
}

#[test]
fn the_import_command_prints_its_layers() {
    let dir = tempfile::tempdir().unwrap();
    let output = assert_cmd::Command::cargo_bin("gridsite")
        .unwrap()
        .args(["import", "maps/jeonbuk/recipe.toml", "--out"])
        .arg(dir.path())
        .current_dir(repo())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for row in [
        "substations.geojson",
        "real",
        "generated",
        "jeonbuk_sigungu.geojson (15 of 15)",
    ] {
        assert!(stdout.contains(row), "no {row} in\n{stdout}");
    }
    assert_eq!(
        gridsite::layers::load_map(dir.path())
            .unwrap()
            .communities
            .len(),
        15
    );
}

// ---------------------------------------------------------------------------
// Recipe errors, on small files
// ---------------------------------------------------------------------------

/// A folder with a square boundary, three substations (one outside) and a recipe.
struct Small {
    dir: tempfile::TempDir,
}

const SQUARE: &str = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"region"},"geometry":{"type":"Polygon","coordinates":[[[-121.5,38.5],[-121.3,38.5],[-121.3,38.7],[-121.5,38.7],[-121.5,38.5]]]}}]}"#;

const SUBSTATIONS: &str = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"code":"A","kv":"110kV to 161kV"},"geometry":{"type":"Point","coordinates":[-121.4,38.6]}},
 {"type":"Feature","properties":{"code":"B","kv":"220kV to 287kV"},"geometry":{"type":"Point","coordinates":[-121.35,38.65]}},
 {"type":"Feature","properties":{"code":"C","kv":"12kV to 32kV"},"geometry":{"type":"Point","coordinates":[-120.0,38.6]}}]}"#;

const RECIPE: &str = r#"name = "small"
headroom_by_voltage = [{ min_kv = 100, headroom_mw = 100 }]

[boundary]
source = { path = "square.geojson", format = "geojson" }

[generate]
seed = 1
parcels = 20
communities = true

[[substations]]
source = { path = "subs.geojson", format = "geojson" }
fields = { id = "code", voltage_kv = "kv" }
leading_number = ["voltage_kv"]
"#;

impl Small {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("square.geojson"), SQUARE).unwrap();
        std::fs::write(dir.path().join("subs.geojson"), SUBSTATIONS).unwrap();
        std::fs::write(dir.path().join("recipe.toml"), RECIPE).unwrap();
        Small { dir }
    }

    fn edit(&self, from: &str, to: &str) -> &Self {
        let path = self.dir.path().join("recipe.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{from}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        self
    }

    fn import(&self) -> Result<import::ImportSummary, ImportError> {
        import::import(&self.dir.path().join("recipe.toml"), &self.out())
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    /// Imports, expects an error, checks nothing was written, gives its message.
    fn error(&self) -> (ImportError, String) {
        let error = self.import().unwrap_err();
        let written: Vec<_> = std::fs::read_dir(self.out())
            .map(|d| d.map(|e| e.unwrap().file_name()).collect())
            .unwrap_or_default();
        assert!(written.is_empty(), "written despite the error: {written:?}");
        let message = error.to_string();
        assert!(message.contains("recipe.toml"), "{message}");
        (error, message)
    }
}

#[test]
fn a_small_recipe_clips_to_its_boundary_and_generates_land_inside() {
    let small = Small::new();
    let summary = small.import().unwrap();
    let map = gridsite::layers::load_map(&small.out()).unwrap();
    let ids: Vec<&str> = map.substations.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["A", "B"]);
    let headroom: Vec<f64> = map.substations.iter().map(|s| s.headroom_mw).collect();
    assert_eq!(headroom, [100.0, 100.0]);
    assert_eq!(map.parcels.len(), 20);
    let square = boundary_of(&small.dir.path().join("square.geojson"));
    assert!(map.parcels.iter().all(|p| square.contains(&p.shape)));
    assert!(!map.communities.is_empty());
    assert_eq!(summary.layers[2].origin(), "generated");
}

#[test]
fn a_missing_source_field_names_the_feature_and_field() {
    let small = Small::new();
    small.edit(r#"voltage_kv = "kv""#, r#"voltage_kv = "kV_class""#);
    let (error, message) = small.error();
    assert!(
        matches!(&error, ImportError::MissingField(p) if p.index == 0),
        "{message}"
    );
    assert!(
        message.contains("substations") && message.contains("subs.geojson"),
        "{message}"
    );
    assert!(
        message.contains("feature 0") && message.contains("\"kV_class\""),
        "{message}"
    );
    assert!(message.contains("voltage_kv"), "{message}");
}

#[test]
fn a_required_property_without_a_field_is_named() {
    let small = Small::new();
    small.edit(
        "headroom_by_voltage = [{ min_kv = 100, headroom_mw = 100 }]",
        "",
    );
    let (error, message) = small.error();
    assert!(
        matches!(error, ImportError::MissingProperty { .. }),
        "{message}"
    );
    assert!(message.contains("\"headroom_mw\""), "{message}");
}

#[test]
fn a_voltage_with_no_headroom_rule_is_an_error() {
    let small = Small::new();
    small.edit("min_kv = 100", "min_kv = 150");
    let (error, message) = small.error();
    assert!(
        matches!(error, ImportError::NoHeadroomRule { index: 0, voltage_kv, .. } if voltage_kv == 110.0),
        "{message}"
    );
    assert!(message.contains("voltage_kv 110"), "{message}");
}

#[test]
fn an_unknown_recipe_key_is_an_error() {
    let small = Small::new();
    small.edit("leading_number =", "leading_numbers =");
    let (error, message) = small.error();
    assert!(matches!(error, ImportError::Recipe(_)), "{message}");
    assert!(message.contains("leading_numbers"), "{message}");
}

#[test]
fn an_unknown_contract_property_is_an_error() {
    let small = Small::new();
    small.edit("fields = { id", "fields = { capacity_mw = \"kv\", id");
    let (error, message) = small.error();
    assert!(
        matches!(error, ImportError::UnknownProperty { .. }),
        "{message}"
    );
    assert!(
        message.contains("\"capacity_mw\"") && message.contains("headroom_mw"),
        "{message}"
    );
}

#[test]
fn a_file_that_is_not_what_the_recipe_says_is_an_error() {
    // The extension names another format.
    let small = Small::new();
    small.edit(
        r#"path = "subs.geojson", format = "geojson""#,
        r#"path = "subs.geojson", format = "gpkg""#,
    );
    let (error, message) = small.error();
    assert!(
        matches!(error, ImportError::FormatMismatch { .. }),
        "{message}"
    );
    assert!(
        message.contains("format = \"gpkg\"") && message.contains(".geojson"),
        "{message}"
    );

    // The content is not the format.
    let small = Small::new();
    std::fs::write(small.dir.path().join("subs.geojson"), "name,kv\nA,110\n").unwrap();
    let (error, message) = small.error();
    assert!(matches!(error, ImportError::Source { .. }), "{message}");
    assert!(
        message.contains("subs.geojson") && message.contains("GeoJSON"),
        "{message}"
    );

    // A missing file.
    let small = Small::new();
    std::fs::remove_file(small.dir.path().join("subs.geojson")).unwrap();
    let (_, message) = small.error();
    assert!(
        message.contains("subs.geojson") && message.contains("cannot read"),
        "{message}"
    );
}

#[test]
fn an_unknown_crs_is_an_error_from_the_readers() {
    let small = Small::new();
    small.edit(
        r#"path = "subs.geojson", format = "geojson""#,
        r#"path = "subs.geojson", format = "geojson", crs = "EPSG:999999""#,
    );
    let (error, message) = small.error();
    assert!(matches!(error, ImportError::Source { .. }), "{message}");
    assert!(
        message.contains("EPSG:999999") && message.contains("substations"),
        "{message}"
    );
}

#[test]
fn a_boundary_with_no_polygon_is_an_error() {
    let small = Small::new();
    small.edit(r#"path = "square.geojson""#, r#"path = "subs.geojson""#);
    let (error, message) = small.error();
    assert!(
        matches!(error, ImportError::NoBoundaryPolygon { .. }),
        "{message}"
    );
    assert!(
        message.contains("boundary") && message.contains("subs.geojson"),
        "{message}"
    );
}

#[test]
fn duplicate_ids_across_sources_are_an_error() {
    let small = Small::new();
    let text = std::fs::read_to_string(small.dir.path().join("recipe.toml")).unwrap();
    let second = "\n[[substations]]\nsource = { path = \"subs.geojson\", format = \"geojson\" }\nfields = { id = \"code\", voltage_kv = \"kv\" }\nleading_number = [\"voltage_kv\"]\n";
    std::fs::write(small.dir.path().join("recipe.toml"), text + second).unwrap();
    let (error, message) = small.error();
    assert!(
        matches!(error, ImportError::DuplicateId { .. }),
        "{message}"
    );
    assert!(
        message.contains("\"A\"") && message.contains("feature 0"),
        "{message}"
    );
}

#[test]
fn an_unknown_generated_receptor_kind_names_the_kinds_the_generator_makes() {
    let small = Small::new();
    small.edit(
        "communities = true",
        "communities = true\nreceptor_kinds = [\"school\", \"farm\"]",
    );
    let (error, message) = small.error();
    assert!(matches!(error, ImportError::Rule { .. }), "{message}");
    assert!(
        message.contains(
            "generate.receptor_kinds: the generator makes no \"farm\" (it makes residential, school, hospital, protected)"
        ),
        "{message}"
    );
}

#[test]
fn a_bad_value_names_the_field() {
    let small = Small::new();
    small.edit("leading_number = [\"voltage_kv\"]", "");
    let (error, message) = small.error();
    assert!(
        matches!(&error, ImportError::BadValue(p) if p.index == 0 && p.field == "kv"),
        "{message}"
    );
    assert!(
        message.contains("\"kv\"") && message.contains("110kV to 161kV"),
        "{message}"
    );
}

#[test]
fn a_recipe_map_not_yet_imported_says_to_import_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("recipe.toml"), "name = \"x\"\n").unwrap();
    let error = gridsite::layers::load_map(dir.path())
        .unwrap_err()
        .to_string();
    assert!(error.contains("gridsite import"), "{error}");
    assert!(error.contains("recipe.toml"), "{error}");
}

#[test]
fn a_where_field_no_feature_has_is_an_error_naming_it() {
    let small = Small::new();
    small.edit(
        "leading_number = [\"voltage_kv\"]",
        "leading_number = [\"voltage_kv\"]\nwhere = { typo_field = \"x\" }",
    );
    let (_, message) = small.error();
    assert!(
        message.contains("typo_field") && message.contains("code, kv"),
        "{message}"
    );
    let boundary = Small::new();
    boundary.edit(
        r#"source = { path = "square.geojson", format = "geojson" }"#,
        r#"source = { path = "square.geojson", format = "geojson" }
where = { nme = "region" }"#,
    );
    let (_, message) = boundary.error();
    assert!(
        message.contains("boundary") && message.contains("nme"),
        "{message}"
    );
}

#[test]
fn one_part_multipoints_and_whole_float_ids_import_as_gis_users_expect() {
    let small = Small::new();
    let subs = SUBSTATIONS
        .replace(r#""code":"A""#, r#""code":1.0"#)
        .replace(
            r#"{"type":"Point","coordinates":[-121.35,38.65]}"#,
            r#"{"type":"MultiPoint","coordinates":[[-121.35,38.65]]}"#,
        );
    std::fs::write(small.dir.path().join("subs.geojson"), subs).unwrap();
    small.import().unwrap();
    let map = gridsite::layers::load_map(&small.out()).unwrap();
    let ids: Vec<&str> = map.substations.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["1", "B"]);
    assert_eq!(map.substations[1].point, geo::Point::new(-121.35, 38.65));
}

#[test]
fn a_value_the_contract_refuses_names_the_source_feature_and_writes_no_folder() {
    let small = Small::new();
    small.edit(
        "leading_number = [\"voltage_kv\"]",
        "leading_number = [\"voltage_kv\"]\nconstants = { headroom_mw = -5 }",
    );
    let (_, message) = small.error();
    assert!(
        message.contains("subs.geojson feature 0") && message.contains("headroom_mw"),
        "{message}"
    );
    assert!(!message.contains(".gridsite-import"), "{message}");
    assert!(!small.out().exists(), "the out folder was created");
}

#[test]
fn a_clip_distance_that_is_not_a_distance_is_an_error() {
    for bad in ["nan", "-1.0", "inf"] {
        let small = Small::new();
        small.edit(
            "leading_number = [\"voltage_kv\"]",
            &format!("leading_number = [\"voltage_kv\"]\nclip_km = {bad}"),
        );
        let (_, message) = small.error();
        assert!(message.contains("clip_km"), "{bad}: {message}");
    }
}

// ---------------------------------------------------------------------------
// The regions' transmission networks
// ---------------------------------------------------------------------------

/// A feature's properties.
type Props = serde_json::Map<String, Value>;

/// The substations' and lines' properties of an imported map, read independently.
fn network_of(map: &Path) -> (Vec<Props>, Vec<Props>) {
    let substations = features(&map.join("substations.geojson"))
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    let lines = features(&map.join("lines.geojson"))
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    (substations, lines)
}

fn number(p: &Props, key: &str) -> f64 {
    p.get(key).and_then(Value::as_f64).unwrap_or(0.0)
}

/// Each line end's connected part, by the smallest substation id in it.
fn parts(lines: &[Props]) -> BTreeMap<String, String> {
    let mut part: BTreeMap<String, String> = Default::default();
    for l in lines {
        for end in ["from", "to"] {
            let id = l[end].as_str().unwrap().to_string();
            part.insert(id.clone(), id);
        }
    }
    // Relax until every line's ends carry the same (smallest) label.
    loop {
        let mut changed = false;
        for l in lines {
            let (a, b) = (l["from"].as_str().unwrap(), l["to"].as_str().unwrap());
            let least = part[a].clone().min(part[b].clone());
            for end in [a, b] {
                if part[end] != least {
                    part.insert(end.to_string(), least.clone());
                    changed = true;
                }
            }
        }
        if !changed {
            return part;
        }
    }
}

struct NetworkCase {
    region: &'static str,
    prefix: &'static str,
    lines: usize,
    network_only: usize,
    supply: usize,
    parts: usize,
}

/// Imports a region and checks its network: the map loads with its lines, every line joins
/// two substations of the map, the supply shares are > 0 somewhere and sum to 1, and every
/// connected part has supply.
fn import_network(case: &NetworkCase) -> PathBuf {
    let dir = tempfile::tempdir().unwrap().keep();
    let recipe = repo().join(format!("maps/{}/recipe.toml", case.region));
    import::import(&recipe, &dir).unwrap();
    let map = gridsite::layers::load_map(&dir).unwrap();
    assert_eq!(map.lines.len(), case.lines, "{}: lines", case.region);

    let (substations, lines) = network_of(&dir);
    assert_eq!(lines.len(), case.lines);
    let ids: BTreeSet<&str> = substations
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    let line_ids: BTreeSet<&str> = lines.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(line_ids.len(), lines.len(), "line ids are unique");
    for l in &lines {
        let (from, to) = (l["from"].as_str().unwrap(), l["to"].as_str().unwrap());
        assert!(
            ids.contains(from) && ids.contains(to),
            "line {}: ends {from}, {to}",
            l["id"]
        );
        assert_ne!(from, to, "line {}", l["id"]);
        assert!(
            number(l, "x_pu") > 0.0 && number(l, "rating_mw") > 0.0,
            "{:?}",
            l
        );
        assert!(l["id"].as_str().unwrap().starts_with(case.prefix));
    }
    let network_only = substations
        .iter()
        .filter(|p| p["id"].as_str().unwrap().starts_with(case.prefix))
        .count();
    assert_eq!(
        network_only, case.network_only,
        "{}: network-only",
        case.region
    );
    let supply: Vec<(&str, f64)> = substations
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), number(p, "supply_share")))
        .filter(|(_, share)| *share > 0.0)
        .collect();
    assert_eq!(
        supply.len(),
        case.supply,
        "{}: supply substations",
        case.region
    );
    let total: f64 = supply.iter().map(|(_, s)| s).sum();
    assert!((total - 1.0).abs() < 1e-9, "supply shares sum to {total}");
    let part = parts(&lines);
    let all: BTreeSet<&String> = part.values().collect();
    assert_eq!(all.len(), case.parts, "{}: connected parts", case.region);
    for p in all {
        assert!(
            supply.iter().any(|(s, _)| part.get(*s) == Some(p)),
            "{}: the part of {p} has no supply",
            case.region
        );
    }
    dir
}

#[test]
fn sacramento_imports_its_cats_network_onto_cec_substations() {
    let dir = import_network(&NetworkCase {
        region: "sacramento",
        prefix: "cats-",
        lines: 629,
        network_only: 268,
        supply: 26,
        parts: 5,
    });
    // Every line is a CATS branch with CATS's own figures.
    let branches: BTreeMap<String, Props> =
        features(&source("california/cats_branches_sacramento.geojson"))
            .into_iter()
            .map(|(_, p)| (format!("CATS branch {}", p["branch"]), p))
            .collect();
    let (_, lines) = network_of(&dir);
    for l in &lines {
        let b = &branches[l["name"].as_str().unwrap()];
        let id = l["id"].as_str().unwrap();
        assert!(
            id.starts_with(&format!("cats-{}-{}-", b["f_bus"], b["t_bus"])),
            "{id}"
        );
        assert_eq!(number(l, "x_pu"), number(b, "x_pu"), "{id}");
        assert_eq!(number(l, "rating_mw"), number(b, "rateA_MVA"), "{id}");
        assert_eq!(
            number(l, "emergency_rating_mw"),
            number(l, "rating_mw"),
            "{id}"
        );
        assert_eq!(number(l, "base_flow_mw"), number(b, "base_flow_mw"), "{id}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn jeonbuk_imports_its_osm_network_with_derived_reactances_and_ratings() {
    let dir = import_network(&NetworkCase {
        region: "jeonbuk",
        prefix: "osm-",
        lines: 43,
        network_only: 11,
        supply: 11,
        parts: 2,
    });
    let osm: BTreeMap<String, Props> = features(&source("korea/jeonbuk_osm_lines.geojson"))
        .into_iter()
        .map(|(_, p)| (format!("OSM line {}", p["line_id"].as_str().unwrap()), p))
        .collect();
    let (_, lines) = network_of(&dir);
    let mut checked = 0;
    for l in &lines {
        let Some(o) = osm.get(l["name"].as_str().unwrap()) else {
            continue; // a transformer
        };
        let text = |k: &str| o[k].as_str().unwrap().parse::<f64>().unwrap();
        let kv = text("voltage") / 1000.0;
        let circuits = match text("circuits") {
            c if c >= 3.0 && c % 3.0 == 0.0 => c / 3.0,
            c => c,
        };
        let x_pu = 0.25 * text("length") / 1000.0 / circuits * 100.0 / (kv * kv);
        assert!((number(l, "x_pu") - x_pu).abs() < 1e-7, "{:?}", l);
        let per_circuit = if kv == 154.0 { 344.0 } else { 1542.0 };
        assert_eq!(number(l, "rating_mw"), circuits * per_circuit, "{:?}", l);
        assert_eq!(number(l, "base_flow_mw"), 0.0);
        checked += 1;
    }
    assert!(checked > 0);
    let _ = std::fs::remove_dir_all(dir);
}

/// A CATS extract over the small square: buses 1 and 2 on substations A and B, bus 3 inside
/// with no substation near, bus 4 outside the extract (a tie point).
const CATS_BUSES: &str = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"bus":1,"kv":115.0,"inside":true},"geometry":{"type":"Point","coordinates":[-121.4001,38.6]}},
 {"type":"Feature","properties":{"bus":2,"kv":230.0,"inside":true},"geometry":{"type":"Point","coordinates":[-121.35,38.6501]}},
 {"type":"Feature","properties":{"bus":3,"kv":115.0,"inside":true},"geometry":{"type":"Point","coordinates":[-121.45,38.55]}},
 {"type":"Feature","properties":{"bus":4,"kv":230.0,"inside":false},"geometry":{"type":"Point","coordinates":[-121.0,38.6]}}]}"#;

fn cats_branch(f: u32, t: u32, x_pu: f64, rate: f64) -> String {
    format!(
        r#"{{"type":"Feature","properties":{{"branch":{f}{t},"f_bus":{f},"t_bus":{t},"kv_from":115.0,"kv_to":115.0,"x_pu":{x_pu},"rateA_MVA":{rate},"status":1,"base_flow_mw":5.0}},"geometry":{{"type":"LineString","coordinates":[[-121.4,38.6],[-121.35,38.65]]}}}}"#
    )
}

fn small_with_cats(branches: &[String]) -> Small {
    let small = Small::new();
    let dir = small.dir.path();
    std::fs::write(dir.join("buses.geojson"), CATS_BUSES).unwrap();
    let collection = format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        branches.join(",")
    );
    std::fs::write(dir.join("branches.geojson"), collection).unwrap();
    let text = std::fs::read_to_string(dir.join("recipe.toml")).unwrap();
    let network = "\n[network]\nkind = \"cats\"\nbranches = { path = \"branches.geojson\", format = \"geojson\" }\nbuses = { path = \"buses.geojson\", format = \"geojson\" }\nbus_km = 0.5\nid_prefix = \"cats-\"\n";
    std::fs::write(dir.join("recipe.toml"), text + network).unwrap();
    small
}

#[test]
fn a_small_network_merges_buses_onto_substations_and_supplies_from_its_tie_point() {
    let small = small_with_cats(&[
        cats_branch(1, 2, 0.01, 100.0),
        cats_branch(1, 2, 0.02, 100.0),
        cats_branch(1, 3, 0.03, 50.0),
        cats_branch(3, 4, 0.04, 200.0),
        cats_branch(2, 4, 0.05, 600.0),
    ]);
    small.import().unwrap();
    let map = gridsite::layers::load_map(&small.out()).unwrap();
    let ids: Vec<&str> = map.substations.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["A", "B", "cats-3", "cats-4"]);
    let lines: Vec<&str> = map.lines.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(
        lines,
        [
            "cats-1-2-1",
            "cats-1-2-2",
            "cats-1-3-1",
            "cats-2-4-1",
            "cats-3-4-1"
        ]
    );
    let shares: Vec<f64> = map.substations.iter().map(|s| s.supply_share).collect();
    assert_eq!(shares, [0.0, 0.0, 0.0, 1.0]);
    assert_eq!(map.substations[2].headroom_mw, 0.0);
    assert_eq!(map.lines[0].base_flow_mw, 5.0);
}

#[test]
fn a_bad_network_source_names_the_file_feature_and_field() {
    // A branch to a bus the buses file does not have.
    let small = small_with_cats(&[
        cats_branch(1, 2, 0.01, 100.0),
        cats_branch(2, 9, 0.01, 100.0),
    ]);
    let (error, message) = small.error();
    assert!(
        matches!(&error, ImportError::Network(p) if p.index == 1 && p.property == "t_bus"),
        "{message}"
    );
    assert!(
        message.contains("branches.geojson")
            && message.contains("feature 1")
            && message.contains("\"9\""),
        "{message}"
    );
    // A reactance that is not > 0.
    let small = small_with_cats(&[
        cats_branch(1, 2, 0.0, 100.0),
        cats_branch(2, 4, 0.01, 100.0),
    ]);
    let (error, message) = small.error();
    assert!(
        matches!(&error, ImportError::Network(p) if p.index == 0 && p.property == "x_pu"),
        "{message}"
    );
    assert!(message.contains("must be > 0"), "{message}");
    // An unknown key of [network].
    let small = small_with_cats(&[cats_branch(2, 4, 0.01, 100.0)]);
    small.edit("bus_km = 0.5", "bus_kms = 0.5");
    let (error, message) = small.error();
    assert!(matches!(error, ImportError::Recipe(_)), "{message}");
    assert!(message.contains("bus_kms"), "{message}");
    // No branch crosses the edge: nothing supplies new load.
    let small = small_with_cats(&[cats_branch(1, 2, 0.01, 100.0)]);
    let (error, message) = small.error();
    assert!(matches!(error, ImportError::Rule { .. }), "{message}");
    assert!(message.contains("tie point"), "{message}");
}
