//! The GIS outputs, read back by independent readers (GDAL; pyarrow for GeoParquet):
//! `optimize --gpkg` (`plan.gpkg`), `--fgb` (`<layer>.fgb`) and `--parquet`
//! (`<layer>.parquet`, with its `geo` metadata) hold every output layer as the GeoJSON files do
//! (features, properties, types, every coordinate); the GeoPackage has one default QGIS style
//! per layer, passes GDAL's validator and answers a window through its R-tree as FlatGeobuf
//! does through its own; both are the same bytes on every run and valid with empty layers.
//!
//! Needs GDAL's `ogrinfo` and its Python validator (`gdal-bin`, which pulls in `python3-gdal`
//! on Debian) and pyarrow for the system Python; the tests fail, saying so, without them.

#[path = "common/cli.rs"]
mod cli;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use cli::{describe, gridsite, read_json};
use geo::Intersects;
use gridsite::report::layers::OUTPUT_LAYERS;
use serde_json::Value;

/// Every output layer's name, from the registry every writer iterates: a layer added there is
/// checked here.
fn feature_layers() -> Vec<&'static str> {
    OUTPUT_LAYERS.iter().map(|spec| spec.name).collect()
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn suburban() -> PathBuf {
    repo().join("scenarios/suburban-500mw.toml")
}

/// `gridsite optimize SCENARIO --out OUT --gpkg --fgb --parquet`, which must exit with `code`.
fn optimize_gpkg(scenario: &Path, out: &Path, code: i32) {
    let output = gridsite(&[
        "optimize".as_ref(),
        scenario.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--gpkg".as_ref(),
        "--fgb".as_ref(),
        "--parquet".as_ref(),
    ]);
    assert_eq!(output.status.code(), Some(code), "{}", describe(&output));
}

/// What `ogrinfo -so` says of one layer.
#[derive(Debug, Default)]
struct LayerInfo {
    geometry: String,
    count: usize,
    /// (min x, min y, max x, max y), as ogrinfo prints it (6 decimals).
    extent: Option<[f64; 4]>,
    /// Field name → ogrinfo's type (`Real`, `String`, `Integer(Boolean)`).
    fields: BTreeMap<String, String>,
}

fn run(program: &str, args: &[&str], path: &Path) -> String {
    let output = Command::new(program)
        .args(args)
        .arg(path)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {program}: {e}; install gdal-bin (README, prerequisites)")
        });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{program} {args:?} {} failed:\n{stderr}",
        path.display()
    );
    assert!(
        !stderr.contains("ERROR") && !stderr.contains("Warning"),
        "{program} complains about {}:\n{stderr}",
        path.display()
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Every layer of a GeoPackage, as `ogrinfo -ro -so -al` lists it.
fn ogrinfo_layers(gpkg: &Path) -> BTreeMap<String, LayerInfo> {
    let text = run("ogrinfo", &["-ro", "-so", "-al"], gpkg);
    let mut layers = BTreeMap::new();
    let mut current: Option<(String, LayerInfo)> = None;
    let mut in_fields = false;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("Layer name: ") {
            layers.extend(current.take());
            current = Some((name.trim().to_string(), LayerInfo::default()));
            in_fields = false;
            continue;
        }
        let Some((_, info)) = current.as_mut() else {
            continue;
        };
        if let Some(g) = line.strip_prefix("Geometry: ") {
            info.geometry = g.trim().to_string();
        } else if let Some(n) = line.strip_prefix("Feature Count: ") {
            info.count = n.trim().parse().expect("a feature count");
        } else if let Some(e) = line.strip_prefix("Extent: ") {
            let numbers = numbers_in(e);
            info.extent = Some([numbers[0], numbers[1], numbers[2], numbers[3]]);
        } else if line.starts_with("Geometry Column")
            || line.starts_with("Data axis to CRS axis mapping")
            || (line.starts_with("FID Column") && info.geometry == "None")
        {
            // The fields follow the geometry column, or the fid column of a table without one
            // (GeoPackage), or the CRS (FlatGeobuf, which names no geometry column).
            in_fields = true;
        } else if in_fields && let Some((name, kind)) = line.split_once(": ") {
            let kind = kind.split(" (").next().unwrap_or(kind).trim();
            info.fields.insert(name.to_string(), kind.to_string());
        }
    }
    layers.extend(current);
    layers
}

/// Every number in a piece of text (coordinates of WKT, an extent).
fn numbers_in(text: &str) -> Vec<f64> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == 'e'))
        .filter_map(|t| t.parse().ok())
        .collect()
}

fn features(path: &Path) -> Vec<Value> {
    read_json(path)["features"]
        .as_array()
        .unwrap_or_else(|| panic!("{}: no features", path.display()))
        .clone()
}

fn coordinates(value: &Value, out: &mut Vec<f64>) {
    match value {
        Value::Array(items) => items.iter().for_each(|v| coordinates(v, out)),
        Value::Number(n) => out.push(n.as_f64().unwrap()),
        _ => {}
    }
}

/// Every coordinate of a GeoJSON feature list, in order.
fn geojson_coordinates(features: &[Value]) -> Vec<f64> {
    let mut out = Vec::new();
    for f in features {
        coordinates(&f["geometry"]["coordinates"], &mut out);
    }
    out
}

/// The (min x, min y, max x, max y) of a feature list.
fn geojson_extent(features: &[Value]) -> [f64; 4] {
    let c = geojson_coordinates(features);
    let xs = c.iter().step_by(2);
    let ys = c.iter().skip(1).step_by(2);
    [
        xs.clone().copied().fold(f64::INFINITY, f64::min),
        ys.clone().copied().fold(f64::INFINITY, f64::min),
        xs.copied().fold(f64::NEG_INFINITY, f64::max),
        ys.copied().fold(f64::NEG_INFINITY, f64::max),
    ]
}

fn property_keys(features: &[Value]) -> BTreeSet<String> {
    features
        .iter()
        .flat_map(|f| f["properties"].as_object().unwrap().keys().cloned())
        .collect()
}

/// The field type GDAL should show for a property's non-null values.
fn expected_type(features: &[Value], key: &str) -> Option<&'static str> {
    let kinds: BTreeSet<&str> = features
        .iter()
        .filter_map(|f| match &f["properties"][key] {
            Value::Null => None,
            Value::Bool(_) => Some("Integer(Boolean)"),
            Value::Number(_) => Some("Real"),
            _ => Some("String"),
        })
        .collect();
    match kinds.len() {
        0 => None,
        1 => kinds.into_iter().next(),
        _ => Some("String"),
    }
}

/// The features of each layer as GeoJSON: the optimize output's files, and the candidates of
/// `gridsite check` on the same scenario.
fn geojson_layers(out: &Path, scenario: &Path) -> BTreeMap<&'static str, Vec<Value>> {
    let check = tempfile::tempdir().unwrap();
    let output = gridsite(&[
        "check".as_ref(),
        scenario.as_os_str(),
        "--out".as_ref(),
        check.path().as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    OUTPUT_LAYERS
        .iter()
        .map(|spec| {
            // The layers `optimize` does not write as GeoJSON are `check`'s.
            let folder = if spec.optimize_geojson {
                out
            } else {
                check.path()
            };
            (spec.name, features(&folder.join(spec.geojson_file())))
        })
        .collect()
}

#[test]
fn every_layer_is_its_geojson_with_the_same_counts_fields_and_types() {
    let out = tempfile::tempdir().unwrap();
    optimize_gpkg(&suburban(), out.path(), 0);
    let gpkg = ogrinfo_layers(&out.path().join("plan.gpkg"));
    let expected: BTreeSet<&str> = feature_layers()
        .into_iter()
        .chain(["layer_styles"])
        .collect();
    assert_eq!(
        gpkg.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        expected
    );
    let summary = read_json(&out.path().join("summary.json"));
    assert_eq!(
        gpkg["candidates"].count as u64,
        summary["counts"]["candidates"].as_u64().unwrap()
    );
    for (name, features) in geojson_layers(out.path(), &suburban()) {
        let layer = &gpkg[name];
        assert!(!features.is_empty(), "{name}: the scenario should fill it");
        assert_eq!(layer.count, features.len(), "{name}: feature count");
        for key in property_keys(&features) {
            let got = layer.fields.get(&key);
            assert!(
                got.is_some(),
                "{name}: no field {key} in {:?}",
                layer.fields
            );
            if let Some(want) = expected_type(&features, &key) {
                assert_eq!(got.unwrap(), want, "{name}.{key}");
            }
        }
        let geometry = match name {
            "feeds" => "Line String",
            "substations" => "Point",
            "lines" => "Multi Line String",
            _ => "Multi Polygon",
        };
        assert_eq!(layer.geometry, geometry, "{name}");
        // The envelope in gpkg_contents, as GDAL reports it.
        let (got, want) = (layer.extent.unwrap(), geojson_extent(&features));
        for i in 0..4 {
            assert!(
                (got[i] - want[i]).abs() < 1e-6,
                "{name} extent {got:?} vs {want:?}"
            );
        }
    }
    let styles = &gpkg["layer_styles"];
    assert_eq!(styles.count, 6);
    assert_eq!(styles.geometry, "None");
}

#[test]
fn geometries_are_the_geojson_coordinates() {
    let out = tempfile::tempdir().unwrap();
    optimize_gpkg(&suburban(), out.path(), 0);
    let gpkg = out.path().join("plan.gpkg");
    for name in ["sites", "feeds", "substations", "lines"] {
        let sql = format!("SELECT * FROM {name} ORDER BY fid");
        let text = run("ogrinfo", &["-ro", "-q", "-sql", &sql], &gpkg);
        let wkt: Vec<f64> = text
            .lines()
            .map(str::trim)
            .filter(|l| {
                ["POINT", "LINESTRING", "MULTIPOLYGON", "MULTILINESTRING"]
                    .iter()
                    .any(|t| l.starts_with(&format!("{t} (")))
            })
            .flat_map(numbers_in)
            .collect();
        let want = geojson_coordinates(&features(&out.path().join(format!("{name}.geojson"))));
        assert!(!want.is_empty(), "{name}");
        assert_eq!(wkt.len(), want.len(), "{name}: coordinate count");
        for (i, (a, b)) in wkt.iter().zip(&want).enumerate() {
            assert!((a - b).abs() < 1e-9, "{name}: coordinate {i}: {a} vs {b}");
        }
    }
}

#[test]
fn gdal_validates_the_geopackage() {
    let out = tempfile::tempdir().unwrap();
    optimize_gpkg(&suburban(), out.path(), 0);
    validate(&out.path().join("plan.gpkg"));
}

/// GDAL's own GeoPackage validator (`validate_gpkg.py`, from `python3-gdal`), run by the
/// system Python that has GDAL's bindings.
fn validate(gpkg: &Path) {
    let python = ["/usr/bin/python3", "python3"]
        .into_iter()
        .find(|p| {
            Command::new(p)
                .args(["-c", "import osgeo_utils.samples.validate_gpkg"])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("no Python with GDAL's validate_gpkg: install gdal-bin (python3-gdal)");
    let output = Command::new(python)
        .args(["-m", "osgeo_utils.samples.validate_gpkg"])
        .arg(gpkg)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "validate_gpkg {}:\n{}{}",
        gpkg.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn one_default_qgis_style_per_layer_naming_its_field() {
    let out = tempfile::tempdir().unwrap();
    optimize_gpkg(&suburban(), out.path(), 0);
    let db = rusqlite::Connection::open_with_flags(
        out.path().join("plan.gpkg"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let pragma = |name: &str| -> i64 {
        db.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(pragma("application_id"), 0x4750_4B47);
    assert_eq!(pragma("user_version"), 10300);
    let data_type: String = db
        .query_row(
            "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(data_type, "attributes");
    let mut rows = db
        .prepare(
            "SELECT f_table_name, f_table_catalog, f_table_schema, f_geometry_column, styleQML \
             FROM layer_styles WHERE useAsDefault = 1 ORDER BY id",
        )
        .unwrap();
    let styles: Vec<(String, String, String, String, String)> = rows
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let names: Vec<&str> = styles.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(
        names,
        feature_layers(),
        "one default style per layer, in order"
    );
    for (table, catalog, schema, column, qml) in &styles {
        // QGIS finds a GeoPackage layer's style by empty catalog and schema, the table and
        // its geometry column.
        assert_eq!((catalog.as_str(), schema.as_str()), ("", ""), "{table}");
        assert_eq!(column, "geom", "{table}");
        assert!(
            qml.starts_with("<!DOCTYPE qgis") || qml.starts_with("<qgis"),
            "{table}: {qml}"
        );
        assert!(qml.trim_end().ends_with("</qgis>"), "{table}");
        let field = match table.as_str() {
            "sites" => Some("attr=\"mw\""),
            "substations" => Some("attr=\"utilization\""),
            "lines" => Some("attr=\"loading\""),
            "excluded" => Some("&quot;reason&quot; LIKE 'setback:%'"),
            _ => None,
        };
        if let Some(field) = field {
            assert!(qml.contains(field), "{table} styles by {field}:\n{qml}");
        }
        let renderer = match table.as_str() {
            "excluded" => "RuleRenderer",
            "feeds" | "candidates" => "singleSymbol",
            _ => "graduatedSymbol",
        };
        assert!(qml.contains(&format!("type=\"{renderer}\"")), "{table}");
    }
    let all: i64 = db
        .query_row("SELECT count(*) FROM layer_styles", [], |r| r.get(0))
        .unwrap();
    assert_eq!(all, 6, "only the default styles");
}

#[test]
fn the_same_plan_gives_the_same_bytes_and_nothing_beside_the_file() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    optimize_gpkg(&suburban(), a.path(), 0);
    optimize_gpkg(&suburban(), b.path(), 0);
    let read = |dir: &Path| std::fs::read(dir.join("plan.gpkg")).unwrap();
    assert!(
        read(a.path()) == read(b.path()),
        "plan.gpkg differs between runs"
    );
    let files: BTreeSet<String> = std::fs::read_dir(a.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut expected: BTreeSet<String> = [
        "sites.geojson",
        "feeds.geojson",
        "substations.geojson",
        "lines.geojson",
        "excluded.geojson",
        "summary.json",
        "report.html",
        "plan.gpkg",
    ]
    .map(String::from)
    .into();
    for ext in ["fgb", "parquet"] {
        expected.extend(feature_layers().iter().map(|name| format!("{name}.{ext}")));
    }
    assert_eq!(files, expected, "no temporary, -journal or -wal file left");
    for name in feature_layers() {
        for ext in ["fgb", "parquet"] {
            let read = |dir: &Path| std::fs::read(dir.join(format!("{name}.{ext}"))).unwrap();
            assert!(
                read(a.path()) == read(b.path()),
                "{name}.{ext} differs between runs"
            );
        }
    }
}

#[test]
fn without_the_flag_there_is_no_geopackage() {
    let out = tempfile::tempdir().unwrap();
    let output = gridsite(&[
        "optimize".as_ref(),
        suburban().as_os_str(),
        "--out".as_ref(),
        out.path().as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(!out.path().join("plan.gpkg").exists());
    for name in feature_layers() {
        for ext in ["fgb", "parquet"] {
            let file = format!("{name}.{ext}");
            assert!(!out.path().join(&file).exists(), "{file}");
        }
    }
}

/// The contract's properties of the layers that come out empty without a plan.
fn contract_fields(layer: &str) -> BTreeSet<String> {
    let names: &[&str] = match layer {
        "sites" => &[
            "parcel_id",
            "community",
            "mw",
            "firm_mw",
            "flexible_mw",
            "acres",
            "fiber_km",
            "feeds",
            "land_usd",
            "fiber_usd",
            "feed_usd",
            "site_fixed_usd",
            "total_usd",
        ],
        "feeds" => &[
            "parcel_id",
            "substation_id",
            "km",
            "firm_mw",
            "flexible_mw",
            "usd",
        ],
        "candidates" => &[
            "parcel_id",
            "community",
            "zoning",
            "acres",
            "fiber_km",
            "max_mw",
            "feeds",
            "feed_km",
        ],
        other => panic!("no contract list for {other}"),
    };
    names.iter().map(|n| n.to_string()).collect()
}

#[test]
fn scenarios_without_a_plan_still_give_valid_empty_layers() {
    let dir = tempfile::tempdir().unwrap();
    // No candidates: a zoning no parcel has (sites, feeds and candidates empty; lines full).
    let nothing = dir.path().join("nothing-allowed.toml");
    std::fs::write(
        &nothing,
        format!(
            "name = \"nothing-allowed\"\nmap = {:?}\n[target]\ntotal_mw = 500\n\
             [site]\nallowed_zoning = [\"no-such-zoning\"]\n",
            repo().join("maps/suburban").to_str().unwrap()
        ),
    )
    .unwrap();
    // Infeasible: the hand map cannot hold the target (a map without lines).
    let infeasible = repo().join("tests/fixtures/scenarios/hand-infeasible-target.toml");
    for (scenario, status, empty) in [
        (
            &nothing,
            "no_candidates",
            &["sites", "feeds", "candidates"][..],
        ),
        (&infeasible, "infeasible", &["sites", "feeds"][..]),
    ] {
        let out = dir.path().join(status);
        optimize_gpkg(scenario, &out, 2);
        assert_eq!(read_json(&out.join("summary.json"))["status"], status);
        let gpkg = out.join("plan.gpkg");
        let layers = ogrinfo_layers(&gpkg);
        for name in empty {
            let layer = layers
                .get(*name)
                .unwrap_or_else(|| panic!("{status}: no {name} layer in {layers:?}"));
            assert_eq!(layer.count, 0, "{status}: {name}");
            assert_eq!(layer.extent, None, "{status}: {name}");
            let fields: BTreeSet<String> = layer.fields.keys().cloned().collect();
            assert_eq!(fields, contract_fields(name), "{status}: {name}");
            // The FlatGeobuf of an empty layer opens too (no index), with the same fields.
            let fgb = ogrinfo_layers(&out.join(format!("{name}.fgb")));
            let fgb = &fgb[*name];
            assert_eq!(fgb.count, 0, "{status}: {name}.fgb");
            let fgb_fields: BTreeSet<String> = fgb.fields.keys().cloned().collect();
            assert_eq!(fgb_fields, contract_fields(name), "{status}: {name}.fgb");
            // And the GeoParquet: no rows, the contract's columns, valid metadata, no box.
            let parquet = read_geoparquet(&out.join(format!("{name}.parquet")));
            assert_eq!(parquet["num_rows"], 0, "{status}: {name}.parquet");
            let columns: BTreeSet<String> = parquet["types"]
                .as_object()
                .unwrap()
                .keys()
                .filter(|c| *c != "geometry" && *c != "bbox")
                .cloned()
                .collect();
            assert_eq!(columns, contract_fields(name), "{status}: {name}.parquet");
            let geo = &parquet["geo"];
            assert!(geo.is_object(), "{status}: {name}.parquet has geo metadata");
            assert!(geo["columns"]["geometry"].get("bbox").is_none());
        }
        let summary = read_json(&out.join("summary.json"));
        for (name, layer) in &layers {
            let want = match name.as_str() {
                "layer_styles" => continue,
                "candidates" => summary["counts"]["candidates"].as_u64().unwrap() as usize,
                _ => features(&out.join(format!("{name}.geojson"))).len(),
            };
            assert_eq!(layer.count, want, "{status}: {name}");
        }
        assert_eq!(
            layers.contains_key("lines"),
            out.join("lines.geojson").exists(),
            "{status}: a lines layer exactly where the map has lines"
        );
        validate(&gpkg);
    }
}

/// The key a feature is matched by across formats (FlatGeobuf orders features along its
/// Hilbert curve): its ids.
fn feature_key(feature: &Value) -> String {
    let p = &feature["properties"];
    ["parcel_id", "id", "substation_id"]
        .iter()
        .map(|k| p[k].as_str().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("/")
}

/// A FlatGeobuf layer read back by GDAL as GeoJSON (full precision), features by key.
fn fgb_features(fgb: &Path) -> BTreeMap<String, Value> {
    let text = run(
        "ogr2ogr",
        &[
            "-f",
            "GeoJSON",
            "-lco",
            "COORDINATE_PRECISION=15",
            "/vsistdout/",
        ],
        fgb,
    );
    let collection: Value = serde_json::from_str(&text).expect("ogr2ogr gives GeoJSON");
    let features = collection["features"].as_array().expect("features").clone();
    let n = features.len();
    let keyed: BTreeMap<String, Value> =
        features.into_iter().map(|f| (feature_key(&f), f)).collect();
    assert_eq!(keyed.len(), n, "{}: feature keys are unique", fgb.display());
    keyed
}

/// The same value, numbers to 1e-9 (GDAL prints 15 significant digits).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            (x.as_f64().unwrap() - y.as_f64().unwrap()).abs()
                <= 1e-9 * (1.0 + y.as_f64().unwrap().abs())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_value(x, y))
        }
        _ => a == b,
    }
}

#[test]
fn flatgeobuf_layers_are_the_geojson_with_the_same_counts_fields_types_and_coordinates() {
    let out = tempfile::tempdir().unwrap();
    optimize_gpkg(&suburban(), out.path(), 0);
    for (name, features) in geojson_layers(out.path(), &suburban()) {
        let fgb = out.path().join(format!("{name}.fgb"));
        let layers = ogrinfo_layers(&fgb);
        let layer = &layers[name];
        assert!(!features.is_empty(), "{name}: the scenario should fill it");
        assert_eq!(layer.count, features.len(), "{name}.fgb: feature count");
        let one_part_lines = features
            .iter()
            .all(|f| f["geometry"]["type"] == "LineString");
        let geometry = match name {
            "substations" => "Point",
            "feeds" => "Line String",
            // The network's lines are LineStrings where each has one part (src/report/fgb.rs).
            "lines" if one_part_lines => "Line String",
            "lines" => "Multi Line String",
            _ => "Multi Polygon",
        };
        assert_eq!(layer.geometry, geometry, "{name}.fgb: geometry type");
        let keys = property_keys(&features);
        let fields: BTreeSet<String> = layer.fields.keys().cloned().collect();
        assert_eq!(fields, keys, "{name}.fgb: fields");
        for key in &keys {
            if let Some(want) = expected_type(&features, key) {
                assert_eq!(layer.fields[key], want, "{name}.fgb: type of {key}");
            }
        }
        let read_back = fgb_features(&fgb);
        for feature in &features {
            let key = feature_key(feature);
            let back = read_back
                .get(&key)
                .unwrap_or_else(|| panic!("{name}.fgb: no feature {key}"));
            for (property, want) in feature["properties"].as_object().unwrap() {
                let got = &back["properties"][property];
                assert!(
                    same_value(got, want),
                    "{name}.fgb {key}: {property} is {got}, want {want}"
                );
            }
            let mut got = Vec::new();
            coordinates(&back["geometry"]["coordinates"], &mut got);
            let want = geojson_coordinates(std::slice::from_ref(feature));
            assert_eq!(got.len(), want.len(), "{name}.fgb {key}: coordinate count");
            for (i, (a, b)) in got.iter().zip(&want).enumerate() {
                assert!(
                    (a - b).abs() < 1e-9,
                    "{name}.fgb {key}: coordinate {i}: {a} vs {b}"
                );
            }
        }
    }
}

/// Whether a GeoJSON feature's bounding box meets the window (min x, min y, max x, max y).
fn meets(feature: &Value, window: [f64; 4]) -> bool {
    let [x0, y0, x1, y1] = geojson_extent(std::slice::from_ref(feature));
    x0 <= window[2] && x1 >= window[0] && y0 <= window[3] && y1 >= window[1]
}

#[test]
fn a_window_query_through_either_spatial_index_finds_the_features_whose_box_meets_it() {
    let out = tempfile::tempdir().unwrap();
    optimize_gpkg(&suburban(), out.path(), 0);
    let connection = rusqlite::Connection::open(out.path().join("plan.gpkg")).unwrap();
    for (name, features) in geojson_layers(out.path(), &suburban()) {
        // Every feature is in the GeoPackage's R-tree.
        let indexed: i64 = connection
            .query_row(
                &format!("SELECT count(*) FROM rtree_{name}_geom"),
                [],
                |r| r.get(0),
            )
            .unwrap_or_else(|e| panic!("{name}: no R-tree: {e}"));
        assert_eq!(indexed as usize, features.len(), "{name}: R-tree rows");
        // Each entry is a feature's fid with its own geometry's box (to the R-tree's 32-bit
        // floats, rounded outward).
        let unmatched: i64 = connection
            .query_row(
                &format!(
                    "SELECT count(*) FROM rtree_{name}_geom r LEFT JOIN {name} t ON t.fid = r.id \
                     WHERE t.geom IS NULL"
                ),
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(unmatched, 0, "{name}: R-tree ids are fids with a geometry");
        // A window over the middle of the layer: the features whose box meets it, counted
        // from the GeoJSON, are what GDAL finds through each file's index.
        let [x0, y0, x1, y1] = geojson_extent(&features);
        let window = [
            x0 + 0.3 * (x1 - x0),
            y0 + 0.3 * (y1 - y0),
            x0 + 0.6 * (x1 - x0),
            y0 + 0.6 * (y1 - y0),
        ];
        // At least the features whose geometry meets the window (FlatGeobuf's reader tests
        // geometries), at most those whose box does (a GeoPackage's R-tree gives boxes).
        let rect = geo::Rect::new((window[0], window[1]), (window[2], window[3]));
        let want = (features.iter())
            .filter(|f| {
                let g: geojson::Geometry = serde_json::from_value(f["geometry"].clone()).unwrap();
                geo::Geometry::<f64>::try_from(g).unwrap().intersects(&rect)
            })
            .count();
        // An index may also give features whose box is within its float precision of the
        // window (a GeoPackage R-tree stores 32-bit floats, rounded outward): ~1e-5 degrees.
        let near = [
            window[0] - 1e-5,
            window[1] - 1e-5,
            window[2] + 1e-5,
            window[3] + 1e-5,
        ];
        let at_most = features.iter().filter(|f| meets(f, near)).count();
        let spat: Vec<String> = window.iter().map(|v| format!("{v:.9}")).collect();
        let mut args = vec!["-ro", "-so", "-spat"];
        args.extend(spat.iter().map(String::as_str));
        for file in ["plan.gpkg".to_string(), format!("{name}.fgb")] {
            let mut with_layer = args.clone();
            with_layer.push("-al");
            let text = run("ogrinfo", &with_layer, &out.path().join(&file));
            let count = (text.lines())
                .skip_while(|l| !l.starts_with(&format!("Layer name: {name}")))
                .find_map(|l| l.strip_prefix("Feature Count: "))
                .and_then(|n| n.trim().parse::<usize>().ok())
                .unwrap_or_else(|| panic!("{file}: no count for {name}:\n{text}"));
            assert!(
                (want..=at_most).contains(&count),
                "{file}: {name} in {window:?}: {count}, want {want} (up to {at_most})"
            );
        }
    }
}

/// A GeoParquet file as pyarrow reads it (`tests/gis/read_geoparquet.py`).
fn read_geoparquet(path: &Path) -> Value {
    let script = repo().join("tests/gis/read_geoparquet.py");
    let output = Command::new("/usr/bin/python3")
        .arg(&script)
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("cannot run /usr/bin/python3: {e}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "pyarrow could not read {}: install pyarrow for the system Python (README, \
         prerequisites)\n{stderr}",
        path.display()
    );
    serde_json::from_slice(&output.stdout).expect("read_geoparquet.py gives JSON")
}

#[test]
fn geoparquet_layers_are_the_geojson_row_for_row_with_geo_metadata() {
    let out = tempfile::tempdir().unwrap();
    optimize_gpkg(&suburban(), out.path(), 0);
    for (name, features) in geojson_layers(out.path(), &suburban()) {
        let parquet = read_geoparquet(&out.path().join(format!("{name}.parquet")));
        assert_eq!(parquet["num_rows"], features.len(), "{name}.parquet: rows");
        // GeoParquet 1.1: WKB, the CRS (OGC:CRS84), the geometry types and the layer's box.
        let geo = &parquet["geo"];
        assert!(
            geo.is_object(),
            "{name}.parquet: no geo metadata in its footer"
        );
        assert_eq!(
            parquet["schema_geo"], *geo,
            "{name}: pyarrow's schema carries the same"
        );
        assert_eq!(geo["version"], "1.1.0", "{name}");
        assert_eq!(geo["primary_column"], "geometry", "{name}");
        let column = &geo["columns"]["geometry"];
        assert_eq!(column["encoding"], "WKB", "{name}");
        assert_eq!(column["crs"]["id"]["authority"], "OGC", "{name}");
        assert_eq!(column["crs"]["id"]["code"], "CRS84", "{name}");
        for corner in ["xmin", "ymin", "xmax", "ymax"] {
            let path = &column["covering"]["bbox"][corner];
            assert_eq!(
                *path,
                serde_json::json!(["bbox", corner]),
                "{name}: covering"
            );
        }
        let bbox: Vec<f64> = (column["bbox"].as_array().unwrap().iter())
            .map(|v| v.as_f64().unwrap())
            .collect();
        let want = geojson_extent(&features);
        assert_eq!(bbox.len(), 4, "{name}: bbox");
        for (a, b) in bbox.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{name}: bbox {bbox:?} vs {want:?}");
        }
        // Columns: the geometry, then one a property, typed as the GeoJSON's values.
        let types = parquet["types"].as_object().unwrap();
        assert_eq!(types["geometry"], "binary", "{name}");
        let keys = property_keys(&features);
        let columns: BTreeSet<String> = types
            .keys()
            .filter(|c| *c != "geometry" && *c != "bbox")
            .cloned()
            .collect();
        assert_eq!(columns, keys, "{name}.parquet: columns");
        for key in &keys {
            let want = match expected_type(&features, key) {
                Some("Real") => "double",
                Some("Integer(Boolean)") => "bool",
                _ => "string",
            };
            assert_eq!(types[key], want, "{name}.parquet: type of {key}");
        }
        // Row for row, in the GeoJSON's order: every property and coordinate.
        let rows = parquet["rows"].as_array().unwrap();
        let mut declared: BTreeSet<String> = BTreeSet::new();
        for (i, (row, feature)) in rows.iter().zip(&features).enumerate() {
            for (key, want) in feature["properties"].as_object().unwrap() {
                let got = &row["properties"][key];
                let got = match (got, want) {
                    // Arrays and objects are JSON text.
                    (Value::String(text), Value::Array(_) | Value::Object(_)) => {
                        serde_json::from_str(text).unwrap()
                    }
                    _ => got.clone(),
                };
                assert!(
                    same_value(&got, want),
                    "{name}.parquet row {i}: {key} is {got}, want {want}"
                );
            }
            let mut got = Vec::new();
            coordinates(&row["coordinates"], &mut got);
            let want = geojson_coordinates(std::slice::from_ref(feature));
            assert_eq!(got, want, "{name}.parquet row {i}: coordinates");
            // The row's box (the covering) is its geometry's.
            let [x0, y0, x1, y1] = geojson_extent(std::slice::from_ref(feature));
            let bbox = &row["bbox"];
            let corners = [&bbox["xmin"], &bbox["ymin"], &bbox["xmax"], &bbox["ymax"]];
            let corners: Vec<f64> = corners.iter().map(|v| v.as_f64().unwrap()).collect();
            assert_eq!(corners, [x0, y0, x1, y1], "{name}.parquet row {i}: bbox");
            declared.insert(row["type"].as_str().unwrap().to_string());
        }
        let listed: BTreeSet<String> = (column["geometry_types"].as_array().unwrap().iter())
            .map(|t| t.as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            listed, declared,
            "{name}: geometry_types lists the types present"
        );
    }
}
