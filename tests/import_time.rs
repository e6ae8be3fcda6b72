//! `gridsite import` of the map's time and queue files (docs/profiles-and-queue.md, "Headroom over time and the
//! queue"): `[profiles]` from a source table (a SCADA export in kW, columns mapped by the
//! substations' id prefix and explicitly) or generated, and `[[loads]]` from any source the
//! importer reads. Small recipes in temporary folders, as `tests/import.rs` writes them; every
//! bad input names the recipe, the file, the row and the column, and writes nothing.

use std::path::{Path, PathBuf};

use gridsite::import::{self, ImportError};
use gridsite::layers::{self, QueueStatus};
use serde_json::Value;

const SQUARE: &str = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"region"},"geometry":{"type":"Polygon","coordinates":[[[-121.5,38.5],[-121.3,38.5],[-121.3,38.7],[-121.5,38.7],[-121.5,38.5]]]}}]}"#;

/// A and D inside without flexible_mw (D at 69 kV: no headroom), B inside with 20 MW flexible,
/// C outside the square.
const SUBSTATIONS: &str = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"code":"A","kv":"110kV to 161kV","flex":null},"geometry":{"type":"Point","coordinates":[-121.4,38.6]}},
 {"type":"Feature","properties":{"code":"B","kv":"220kV to 287kV","flex":20},"geometry":{"type":"Point","coordinates":[-121.35,38.65]}},
 {"type":"Feature","properties":{"code":"C","kv":"110kV","flex":null},"geometry":{"type":"Point","coordinates":[-120.0,38.6]}},
 {"type":"Feature","properties":{"code":"D","kv":"69kV","flex":null},"geometry":{"type":"Point","coordinates":[-121.45,38.55]}}]}"#;

const RECIPE: &str = r#"name = "time"
headroom_by_voltage = [
  { min_kv = 0, below_kv = 100, headroom_mw = 0 },
  { min_kv = 100, headroom_mw = 100 },
]

[boundary]
source = { path = "square.geojson", format = "geojson" }

[generate]
seed = 1
parcels = 20
communities = true

[[substations]]
source = { path = "subs.geojson", format = "geojson" }
id_prefix = "sub-"
fields = { id = "code", voltage_kv = "kv", flexible_mw = "flex" }
leading_number = ["voltage_kv"]
"#;

/// A SCADA export in kW: a quality flag and a total to leave out, A named by its source code
/// (the substations' prefix makes it `sub-A`), a feeder mapped to D explicitly, and weights.
const SCADA: &str = "timestamp,quality,A,FEEDER_12,TOTAL_KW,w
2025-07-01 14:00,ok,45000,1250.5,46250.5,31
2025-07-01 15:00,ok,52000.25,1300,53300.25,31
2025-01-15 03:00,est,21000,800,21800,31
";

const PROFILES: &str = r#"
[profiles]
source = { path = "scada.csv" }
hour = "timestamp"
weight = "w"
id_prefix = "sub-"
columns = { "FEEDER_12" = "sub-D" }
skip = ["quality", "TOTAL_KW"]
scale = 0.001
"#;

/// The queue as a CSV of points: stations named by the source's codes.
const QUEUE: &str = "QID,lon,lat,POI,MW,STATUS,NAME,YEAR
7,-121.41,38.61,A,120,signed,Data Center One,2028
8,-121.36,38.64, B ,45.5,study,,
9,-121.44,38.56,D,30,withdrawn,Cold Storage,2027
";

const LOADS: &str = r#"
[[loads]]
source = { path = "queue.csv", format = "csv", x_field = "lon", y_field = "lat" }
id_prefix = "q-"
substation_prefix = "sub-"
fields = { id = "QID", substation = "POI", mw = "MW", status = "STATUS", name = "NAME", in_service_year = "YEAR" }
"#;

/// A folder with the square, the substations, the SCADA export, the queue and a recipe.
struct Region {
    dir: tempfile::TempDir,
}

impl Region {
    /// The base recipe with `extra` tables appended.
    fn new(extra: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let files = [
            ("square.geojson", SQUARE),
            ("subs.geojson", SUBSTATIONS),
            ("scada.csv", SCADA),
            ("queue.csv", QUEUE),
        ];
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        std::fs::write(dir.path().join("recipe.toml"), format!("{RECIPE}{extra}")).unwrap();
        Region { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn edit(&self, file: &str, from: &str, to: &str) -> &Self {
        let text = std::fs::read_to_string(self.path(file)).unwrap();
        assert!(text.contains(from), "{from} in {file}");
        std::fs::write(self.path(file), text.replacen(from, to, 1)).unwrap();
        self
    }

    fn import(&self) -> Result<import::ImportSummary, ImportError> {
        import::import(&self.path("recipe.toml"), &self.out())
    }

    fn out(&self) -> PathBuf {
        self.path("out")
    }

    fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.out().join(file)).unwrap()
    }

    fn map_json(&self) -> Value {
        serde_json::from_str(&self.read("map.json")).unwrap()
    }

    /// Imports, expects an error, checks that nothing was written, gives the message.
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

/// Every file of a folder with its bytes.
fn snapshot(folder: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

// ---------------------------------------------------------------------------
// Profiles from a source table
// ---------------------------------------------------------------------------

#[test]
fn a_scada_export_in_kw_becomes_the_contracts_profile_table() {
    let region = Region::new(PROFILES);
    let summary = region.import().unwrap();
    assert_eq!(
        region.read(layers::PROFILES_FILE),
        "hour,weight,sub-A,sub-D\n\
         2025-07-01 14:00,31,45,1.2505\n\
         2025-07-01 15:00,31,52.00025,1.3\n\
         2025-01-15 03:00,31,21,0.8\n"
    );
    // The map's reader takes it: the columns are the substations', the hours as written.
    let map = layers::load_map(&region.out()).unwrap();
    let profiles = map.profiles.as_ref().unwrap();
    assert_eq!(
        profiles.hours,
        ["2025-07-01 14:00", "2025-07-01 15:00", "2025-01-15 03:00"]
    );
    assert_eq!(profiles.weights, [31.0; 3]);
    let column = |id: &str| {
        let b = map.substations.iter().position(|s| s.id == id).unwrap();
        let k = map.substations[b].profile.unwrap();
        profiles.columns[k].load_mw.clone()
    };
    let (a, d) = (column("sub-A"), column("sub-D"));
    for (mw, kw) in a.iter().zip([45000.0, 52000.25, 21000.0]) {
        assert!((mw - kw * 0.001).abs() < 1e-9, "{mw} MW for {kw} kW");
    }
    for (mw, kw) in d.iter().zip([1250.5, 1300.0, 800.0]) {
        assert!((mw - kw * 0.001).abs() < 1e-9, "{mw} MW for {kw} kW");
    }
    assert!(
        map.substations
            .iter()
            .all(|s| s.id != "sub-B" || s.profile.is_none())
    );

    let profiles = region.map_json()["profiles"].clone();
    assert_eq!(profiles["origin"], "real");
    assert_eq!(profiles["file"], "load_profiles.csv");
    assert_eq!(profiles["columns"], 2);
    assert_eq!(profiles["hours"], 3);
    assert_eq!(profiles["weighted"], true);
    assert_eq!(profiles["generated"], Value::Null);
    assert_eq!(profiles["source"]["path"], "scada.csv");
    assert_eq!(profiles["source"]["columns_read"], 6);
    assert_eq!(profiles["source"]["columns_kept"], 2);
    let rules = profiles["source"]["rules"].to_string();
    for rule in [
        "× 0.001",
        "FEEDER_12",
        "sub-D",
        "\\\"sub-\\\" + the column's name",
    ] {
        assert!(rules.contains(rule), "no {rule} in {rules}");
    }
    let summary = summary.profiles.unwrap();
    assert_eq!(
        (summary.origin, summary.columns, summary.hours),
        ("real", 2, 3)
    );
    assert_eq!(summary.source, Some(PathBuf::from("scada.csv")));
}

#[test]
fn a_semicolon_export_without_weights_is_read_with_its_delimiter() {
    let region = Region::new(PROFILES);
    std::fs::write(
        region.path("scada.csv"),
        "timestamp;A\n\"2025-07-01, 14h\";45000\n2025-07-01 15h;0\n",
    )
    .unwrap();
    region
        .edit(
            "recipe.toml",
            r#"{ path = "scada.csv" }"#,
            r#"{ path = "scada.csv", delimiter = ";" }"#,
        )
        .edit("recipe.toml", "weight = \"w\"\n", "")
        .edit(
            "recipe.toml",
            "columns = { \"FEEDER_12\" = \"sub-D\" }\n",
            "",
        )
        .edit("recipe.toml", "skip = [\"quality\", \"TOTAL_KW\"]\n", "");
    region.import().unwrap();
    assert_eq!(
        region.read(layers::PROFILES_FILE),
        "hour,sub-A\n\"2025-07-01, 14h\",45\n2025-07-01 15h,0\n"
    );
    let map = layers::load_map(&region.out()).unwrap();
    let profiles = map.profiles.unwrap();
    assert_eq!(profiles.hours[0], "2025-07-01, 14h");
    assert_eq!(profiles.weights, [1.0, 1.0]);
}

/// Imports with the SCADA export changed to `scada`, expects an error naming the file, and
/// gives its message.
fn table_error(edit: impl Fn(&Region)) -> String {
    let region = Region::new(PROFILES);
    edit(&region);
    let (error, message) = region.error();
    assert!(
        matches!(error, ImportError::Profiles(_)),
        "not a table error: {message}"
    );
    assert!(message.contains("scada.csv"), "{message}");
    message
}

#[test]
fn a_column_that_names_no_imported_substation_is_an_error_naming_it() {
    // By the prefix: sub-C lies outside the boundary, so the map does not have it.
    let message = table_error(|r| {
        r.edit("scada.csv", "TOTAL_KW,w", "TOTAL_KW,w,C");
        r.edit("scada.csv", "46250.5,31", "46250.5,31,5");
        r.edit("scada.csv", "53300.25,31", "53300.25,31,5");
        r.edit("scada.csv", "21800,31", "21800,31,5");
    });
    assert!(
        message.contains("header (line 1): column \"C\"")
            && message.contains("\"sub-C\"")
            && message.contains("id_prefix"),
        "{message}"
    );
    // Explicitly.
    let message = table_error(|r| {
        r.edit("recipe.toml", "\"sub-D\"", "\"sub-Z\"");
    });
    assert!(
        message.contains("column \"FEEDER_12\"")
            && message.contains("\"sub-Z\"")
            && message.contains("columns maps it"),
        "{message}"
    );
    // A substation with flexible_mw.
    let message = table_error(|r| {
        r.edit("recipe.toml", "\"sub-D\"", "\"sub-B\"");
    });
    assert!(
        message.contains("column \"FEEDER_12\"") && message.contains("flexible_mw = 20"),
        "{message}"
    );
    // Two columns on one substation.
    let message = table_error(|r| {
        r.edit("recipe.toml", "\"sub-D\"", "\"sub-A\"");
    });
    assert!(
        message.contains("column \"FEEDER_12\"") && message.contains("as column \"A\" does"),
        "{message}"
    );
}

#[test]
fn a_non_numeric_or_missing_cell_is_an_error_naming_row_and_column() {
    let message = table_error(|r| {
        r.edit("scada.csv", "ok,52000.25", "ok,n/a");
    });
    assert!(
        message.contains("row 2 (line 3, hour \"2025-07-01 15:00\")")
            && message.contains("column \"A\"")
            && message.contains("\"n/a\" is not a number"),
        "{message}"
    );
    let message = table_error(|r| {
        r.edit("scada.csv", "21000,800,", "21000,,");
    });
    assert!(
        message.contains("row 3 (line 4")
            && message.contains("column \"FEEDER_12\"")
            && message.contains("missing"),
        "{message}"
    );
    let message = table_error(|r| {
        r.edit("scada.csv", "1300,", "-1300,");
    });
    assert!(
        message.contains("row 2")
            && message.contains("column \"FEEDER_12\"")
            && message.contains("≥ 0"),
        "{message}"
    );
    let message = table_error(|r| {
        r.edit("scada.csv", "2025-01-15 03:00", "2025-07-01 14:00");
    });
    assert!(
        message.contains("row 3")
            && message.contains("column \"timestamp\"")
            && message.contains("twice"),
        "{message}"
    );
    let message = table_error(|r| {
        r.edit("scada.csv", "46250.5,31", "46250.5,0");
    });
    assert!(
        message.contains("row 1 (line 2")
            && message.contains("column \"w\"")
            && message.contains("> 0"),
        "{message}"
    );
}

#[test]
fn a_missing_hour_weight_or_mapped_column_is_an_error_naming_it() {
    let message = table_error(|r| {
        r.edit("recipe.toml", "hour = \"timestamp\"", "hour = \"time\"");
    });
    assert!(
        message.contains("header (line 1): column \"time\"")
            && message.contains("hour names a column the file does not have")
            && message.contains("timestamp, quality, A"),
        "{message}"
    );
    let message = table_error(|r| {
        r.edit("recipe.toml", "weight = \"w\"", "weight = \"weight\"");
    });
    assert!(message.contains("column \"weight\""), "{message}");
    let message = table_error(|r| {
        r.edit("recipe.toml", "\"FEEDER_12\" =", "\"FEEDER_13\" =");
    });
    assert!(message.contains("column \"FEEDER_13\""), "{message}");
    let message = table_error(|r| {
        std::fs::remove_file(r.path("scada.csv")).unwrap();
    });
    assert!(message.contains("cannot read"), "{message}");
}

#[test]
fn a_bad_profiles_table_is_refused_before_reading() {
    let cases: [(String, &[&str]); 7] = [
        (
            PROFILES.replace("scale = 0.001", "scale = 0"),
            &["profiles: scale: must be a figure > 0"],
        ),
        (
            PROFILES.replace("hour = \"timestamp\"\n", ""),
            &["profiles: hour: name the source's column"],
        ),
        (
            PROFILES.replace("scale = 0.001", "generate = { seed = 3 }"),
            &["profiles: source and generate: choose one"],
        ),
        (
            "\n[profiles]\ngenerate = { seed = 3 }\nscale = 2\n".into(),
            &["profiles: scale is a key of a source table"],
        ),
        ("\n[profiles]\n".into(), &["profiles: give a source table"]),
        (
            PROFILES.replace(
                "{ path = \"scada.csv\" }",
                "{ path = \"scada.csv\", format = \"gpkg\" }",
            ),
            &["profiles: source.format", "\"csv\""],
        ),
        (
            PROFILES.replace("skip =", "skipped ="),
            &["unknown field `skipped`", "`skip`"],
        ),
    ];
    for (extra, words) in cases {
        let region = Region::new(&extra);
        let (_, message) = region.error();
        for word in words {
            assert!(message.contains(word), "{word}: {message}");
        }
    }
}

#[test]
fn a_failed_import_leaves_the_previous_map_as_it_was() {
    let region = Region::new(&format!("{PROFILES}{LOADS}"));
    region.import().unwrap();
    let before = snapshot(&region.out());
    assert!(before.iter().any(|(n, _)| n == layers::PROFILES_FILE));
    assert!(before.iter().any(|(n, _)| n == layers::LOADS_FILE));
    region.edit("scada.csv", "ok,52000.25", "ok,n/a");
    let message = region.import().unwrap_err().to_string();
    assert!(message.contains("\"n/a\""), "{message}");
    assert_eq!(snapshot(&region.out()), before);
}

// ---------------------------------------------------------------------------
// The queue
// ---------------------------------------------------------------------------

#[test]
fn a_queue_source_maps_onto_loads_through_the_substations_prefix() {
    let region = Region::new(LOADS);
    let summary = region.import().unwrap();
    let map = layers::load_map(&region.out()).unwrap();
    let ids: Vec<&str> = map.loads.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, ["q-7", "q-8", "q-9"]);
    let substation = |k: usize| map.substations[map.loads[k].substation].id.as_str();
    assert_eq!(
        [substation(0), substation(1), substation(2)],
        ["sub-A", "sub-B", "sub-D"]
    );
    let mw: Vec<f64> = map.loads.iter().map(|l| l.mw).collect();
    assert_eq!(mw, [120.0, 45.5, 30.0]);
    let statuses: Vec<QueueStatus> = map.loads.iter().map(|l| l.status).collect();
    assert_eq!(
        statuses,
        [
            QueueStatus::Signed,
            QueueStatus::Study,
            QueueStatus::Withdrawn
        ]
    );
    assert_eq!(map.loads[0].name.as_deref(), Some("Data Center One"));
    assert_eq!(map.loads[1].name, None);
    assert_eq!(map.loads[0].in_service_year, Some(2028.0));
    assert_eq!(map.loads[1].in_service_year, None);
    assert_eq!(map.loads[0].point, geo::Point::new(-121.41, 38.61));

    let loads = summary
        .layers
        .iter()
        .find(|l| l.layer.file() == "loads.geojson");
    assert_eq!(loads.map(|l| (l.real, l.origin())), Some((3, "real")));
    let meta = region.map_json();
    assert_eq!(meta["layers"]["loads"]["origin"], "real");
    assert_eq!(meta["layers"]["loads"]["count"], 3);
    let rules = meta["layers"]["loads"]["sources"][0]["rules"].to_string();
    assert!(rules.contains("substation ids prefixed with"), "{rules}");
    assert!(meta.get("profiles").is_none());
}

#[test]
fn a_queue_naming_no_imported_substation_names_the_source_feature() {
    let region = Region::new(LOADS);
    region.edit("queue.csv", "38.56,D,", "38.56,C,");
    let (_, message) = region.error();
    assert!(
        message.contains("queue.csv feature 2")
            && message.contains("substation")
            && message.contains("sub-C"),
        "{message}"
    );
    let region = Region::new(LOADS);
    region.edit("queue.csv", "signed", "approved");
    let (_, message) = region.error();
    assert!(
        message.contains("queue.csv feature 0") && message.contains("approved"),
        "{message}"
    );
    let region = Region::new(LOADS);
    region.edit(
        "recipe.toml",
        "id_prefix = \"sub-\"",
        "id_prefix = \"sub-\"\nsubstation_prefix = \"x-\"",
    );
    let (_, message) = region.error();
    assert!(message.contains("substation_prefix"), "{message}");
}

#[test]
fn a_recipe_without_profiles_or_queue_removes_those_of_an_earlier_import() {
    let region = Region::new(&format!("{PROFILES}{LOADS}"));
    region.import().unwrap();
    assert!(region.out().join(layers::PROFILES_FILE).is_file());
    std::fs::write(region.path("recipe.toml"), RECIPE).unwrap();
    let summary = region.import().unwrap();
    assert!(summary.profiles.is_none());
    assert!(!region.out().join(layers::PROFILES_FILE).exists());
    assert!(!region.out().join(layers::LOADS_FILE).exists());
    let map = layers::load_map(&region.out()).unwrap();
    assert!(map.profiles.is_none() && map.loads.is_empty());
}

// ---------------------------------------------------------------------------
// Generated profiles
// ---------------------------------------------------------------------------

#[test]
fn generated_profiles_are_the_same_bytes_twice_and_labelled_generated() {
    let generate = "\n[profiles]\ngenerate = { seed = 5 }\n";
    let (one, two) = (Region::new(generate), Region::new(generate));
    let summary = one.import().unwrap();
    two.import().unwrap();
    let bytes = one.read(layers::PROFILES_FILE);
    assert_eq!(bytes, two.read(layers::PROFILES_FILE));
    assert_eq!(one.read("map.json"), two.read("map.json"));
    // A column for A only: B has flexible_mw, D no headroom, C is outside.
    assert_eq!(bytes.lines().next(), Some("hour,sub-A"));
    let map = layers::load_map(&one.out()).unwrap();
    let profiles = map.profiles.as_ref().unwrap();
    assert_eq!(profiles.hours.len(), 8_760);
    assert_eq!(profiles.hours[0], "2025-01-01T00:00");
    let a = &map.substations[profiles.columns[0].substation];
    let peak = profiles.columns[0]
        .load_mw
        .iter()
        .copied()
        .fold(0.0, f64::max);
    assert!((1.5..=4.0).contains(&(peak / a.headroom_mw)), "peak {peak}");

    let profiles = one.map_json()["profiles"].clone();
    assert_eq!(profiles["origin"], "generated");
    assert_eq!(profiles["source"], Value::Null);
    assert_eq!(profiles["generated"]["seed"], 5);
    assert_eq!(profiles["generated"]["synthetic"], true);
    assert_eq!(profiles["generated"]["count"], 1);
    let rule = profiles["generated"]["rule"].as_str().unwrap();
    assert!(rule.starts_with("synthetic, not measured"), "{rule}");
    let summary = summary.profiles.unwrap();
    assert_eq!(
        (summary.origin, summary.seed, summary.columns),
        ("generated", Some(5), 1)
    );

    let other = Region::new("\n[profiles]\ngenerate = { seed = 6 }\n");
    other.import().unwrap();
    assert_ne!(bytes, other.read(layers::PROFILES_FILE));
}

#[test]
fn generating_for_no_substation_is_an_error() {
    let region = Region::new("\n[profiles]\ngenerate = { seed = 5 }\n");
    region.edit(
        "subs.geojson",
        "\"kv\":\"110kV to 161kV\"",
        "\"kv\":\"69kV\"",
    );
    let (_, message) = region.error();
    assert!(
        message.contains("profiles: generate: no substation"),
        "{message}"
    );
}

// ---------------------------------------------------------------------------
// The shipped regions
// ---------------------------------------------------------------------------

#[test]
fn both_regions_import_generated_profiles_labelled_as_such() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (region, seed) in [("sacramento", 916), ("jeonbuk", 63)] {
        let out = tempfile::tempdir().unwrap();
        let recipe = repo.join(format!("maps/{region}/recipe.toml"));
        let summary = import::import(&recipe, out.path()).unwrap();
        let profiles = summary.profiles.unwrap();
        assert_eq!((profiles.origin, profiles.seed), ("generated", Some(seed)));
        let meta: Value =
            serde_json::from_slice(&std::fs::read(out.path().join("map.json")).unwrap()).unwrap();
        assert_eq!(meta["profiles"]["origin"], "generated", "{region}");
        assert_eq!(meta["profiles"]["generated"]["seed"], seed, "{region}");
        // A column for every substation with headroom: none for the network-only ones.
        let map = layers::load_map(out.path()).unwrap();
        let with_room = map.substations.iter().filter(|s| s.headroom_mw > 0.0);
        let profiled = map.substations.iter().filter(|s| s.profile.is_some());
        assert!(
            with_room.map(|s| &s.id).eq(profiled.map(|s| &s.id)),
            "{region}"
        );
        assert_eq!(map.profiles.unwrap().hours.len(), 8_760);
        let sources = repo.join(format!("maps/{region}/sources/SOURCES.md"));
        let sources = std::fs::read_to_string(sources).unwrap();
        assert!(sources.contains("profiles are generated"), "{region}");
    }
}
