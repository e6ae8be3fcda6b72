//! QGIS itself opens `plan.gpkg` of every shipped scenario, as a planner does: every layer is
//! valid with its GeoJSON's feature count, QGIS applies each layer's default style from
//! `layer_styles` (the renderer it reports is the one the stored QML declares, not the
//! single-symbol default where the style classifies), and all layers render into an image
//! that is not blank. Each layer's FlatGeobuf (`--fgb`) opens in QGIS with the same count.
//!
//! Needs Debian's `python3-qgis` and `qgis-providers` (run headless, `QT_QPA_PLATFORM=offscreen`,
//! by the system Python); the test fails, saying so, without them.

#[path = "common/cli.rs"]
mod cli;
#[path = "common/shipped.rs"]
mod shipped;

use std::path::Path;
use std::process::Command;

use cli::{describe, gridsite, read_json};
use gridsite::report::layers::OUTPUT_LAYERS;
use serde_json::Value;

/// What QGIS saw of one plan (`tests/qgis/open_plan.py`).
fn open_in_qgis(gpkg: &Path, image: &Path, layers: &[&str]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/qgis/open_plan.py");
    let output = Command::new("/usr/bin/python3")
        .arg(&script)
        .arg(gpkg)
        .arg(image)
        .args(layers)
        .env("QT_QPA_PLATFORM", "offscreen")
        .output()
        .unwrap_or_else(|e| panic!("cannot run /usr/bin/python3: {e}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "QGIS could not open {}: install python3-qgis and qgis-providers (README, \
         prerequisites)\n{stderr}",
        gpkg.display()
    );
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("open_plan.py gave no JSON ({e}):\n{stderr}"))
}

#[test]
fn qgis_opens_every_shipped_plan_styled_with_the_geojson_counts_and_renders_it() {
    let scenarios = shipped::scenarios();
    assert!(scenarios.len() >= 5, "the shipped scenarios");
    for runnable in &scenarios {
        let scenario = &runnable.scenario;
        let name = scenario.file_stem().unwrap().to_string_lossy().into_owned();
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let output = gridsite(&[
            "optimize".as_ref(),
            scenario.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
            "--gpkg".as_ref(),
            "--fgb".as_ref(),
        ]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{name}: {}",
            describe(&output)
        );
        let summary = read_json(&out.join("summary.json"));
        // The layers the plan has, each with the count its GeoJSON gives (the candidates:
        // the summary's count, `check`'s file).
        let mut expected: Vec<(&str, u64)> = Vec::new();
        for spec in &OUTPUT_LAYERS {
            let count = if spec.optimize_geojson {
                let path = out.join(spec.geojson_file());
                if !path.exists() {
                    continue;
                }
                read_json(&path)["features"].as_array().unwrap().len() as u64
            } else {
                summary["counts"]["candidates"].as_u64().unwrap()
            };
            expected.push((spec.name, count));
        }
        let names: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
        let image = out.join("plan.png");
        let seen = open_in_qgis(&out.join("plan.gpkg"), &image, &names);
        for (layer, count) in &expected {
            let seen = &seen["layers"][layer];
            assert_eq!(seen["valid"], true, "{name}: {layer} is valid in QGIS");
            assert_eq!(seen["count"], *count, "{name}: {layer}'s features in QGIS");
            let declared = seen["declared"].as_str().unwrap_or_else(|| {
                panic!("{name}: {layer} has no default style declaring a renderer")
            });
            assert_eq!(
                seen["renderer"], declared,
                "{name}: {layer}'s style applied"
            );
            if let Some(colour) = seen["colour"].as_str() {
                // A single symbol: its colour is the style's, not QGIS's random default.
                let qml = seen["qml"].as_str().unwrap_or_default();
                assert!(
                    qml.contains(&format!("\"{colour}\"")),
                    "{name}: {layer}'s symbol colour {colour} is not its style's"
                );
            }
            let spec = OUTPUT_LAYERS.iter().find(|s| s.name == *layer).unwrap();
            if spec.style_field.is_some() {
                assert_ne!(
                    declared, "singleSymbol",
                    "{name}: {layer} classifies by a field"
                );
            }
        }
        for (layer, count) in &expected {
            let fgb = &seen["fgb"][layer];
            assert_eq!(fgb["valid"], true, "{name}: {layer}.fgb is valid in QGIS");
            assert_eq!(
                fgb["count"], *count,
                "{name}: {layer}.fgb's features in QGIS"
            );
        }
        assert_eq!(
            seen["errors"],
            Value::Array(vec![]),
            "{name}: render errors"
        );
        let drawn = seen["drawn_share"].as_f64().unwrap();
        assert!(drawn > 0.05, "{name}: the rendered plan is blank ({drawn})");
        assert!(image.is_file(), "{name}: the rendered image");
    }
}
