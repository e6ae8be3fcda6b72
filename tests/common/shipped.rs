//! The shipped scenarios, ready to run on a fresh clone: a scenario whose map is built by a
//! recipe runs on a fresh import of that map in a temporary folder.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub fn shipped_scenarios() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    found.sort();
    assert!(
        found.len() >= 3,
        "expected the shipped scenarios in {}",
        dir.display()
    );
    found
}

/// A shipped scenario ready to run, with the temporary folder of its imported map.
pub struct Runnable {
    pub scenario: PathBuf,
    pub _imported: Option<tempfile::TempDir>,
}

/// The shipped scenarios, each ready to run. A scenario whose map folder holds a recipe
/// (`maps/sacramento`, `maps/jeonbuk`: built by `gridsite import` from the committed
/// `sources/`) runs on a fresh import in a temporary folder.
pub fn scenarios() -> Vec<Runnable> {
    let mut runnable = Vec::new();
    for scenario in shipped_scenarios() {
        let map = scenario.parent().unwrap().join(map_of(&scenario));
        let recipe = map.join("recipe.toml");
        if !recipe.is_file() {
            runnable.push(Runnable {
                scenario,
                _imported: None,
            });
        } else {
            let dir = tempfile::tempdir().unwrap();
            let imported = dir.path().join("map");
            gridsite::import::import(&recipe, &imported).unwrap();
            let text = std::fs::read_to_string(&scenario).unwrap();
            let mut value: toml::Table = toml::from_str(&text).unwrap();
            value.insert("map".into(), imported.to_str().unwrap().into());
            let copy = dir.path().join(scenario.file_name().unwrap());
            std::fs::write(&copy, toml::to_string(&value).unwrap()).unwrap();
            runnable.push(Runnable {
                scenario: copy,
                _imported: Some(dir),
            });
        }
    }
    runnable
}

/// The `map` key of a scenario file.
pub fn map_of(scenario: &Path) -> String {
    let text = std::fs::read_to_string(scenario).unwrap();
    let value: toml::Value = toml::from_str(&text).unwrap();
    value["map"].as_str().unwrap().to_string()
}
