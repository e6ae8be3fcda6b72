//! The library's layering, checked: the top-level modules of `src/` (a file or a folder each)
//! import one another without a cycle, and only the stages that run the pipeline (`pipeline`,
//! `batch`) reach the `report` sink. A `crate::x` path outside a comment is an import of `x`;
//! `lib.rs`, `main.rs` and the `cli` folder (the binary) sit above everything.
//!
//! On failure the message names the cycle or the import at fault. `cargo test --release --test
//! layering -- --nocapture` prints the modules layer by layer, lowest first.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const ABOVE_ALL: [&str; 3] = ["lib", "main", "cli"];
const REPORT_USERS: [&str; 2] = ["pipeline", "batch"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The top-level module a file belongs to.
fn module_of(file: &Path) -> String {
    let relative = file.strip_prefix(src()).unwrap();
    let first = relative.components().next().unwrap().as_os_str();
    first.to_string_lossy().trim_end_matches(".rs").to_string()
}

/// The modules a file imports through `crate::`, outside comments.
fn imports(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let files = rust_files(&src());
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(f)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let from = module_of(file);
        if ABOVE_ALL.contains(&from.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        let to: Vec<String> = imports(&text)
            .into_iter()
            .filter(|m| *m != from && modules.contains(m) && !ABOVE_ALL.contains(&m.as_str()))
            .collect();
        graph.entry(from).or_default().extend(to);
    }
    graph
}

/// The modules layer by layer (each imports only modules of lower layers), or a cycle.
fn layers(graph: &BTreeMap<String, BTreeSet<String>>) -> Result<Vec<Vec<String>>, Vec<String>> {
    let mut placed: BTreeSet<String> = BTreeSet::new();
    let mut layers = Vec::new();
    while placed.len() < graph.len() {
        let layer: Vec<String> = graph
            .iter()
            .filter(|(m, to)| !placed.contains(*m) && to.iter().all(|t| placed.contains(t)))
            .map(|(m, _)| m.clone())
            .collect();
        if layer.is_empty() {
            return Err(cycle(graph, &placed));
        }
        placed.extend(layer.iter().cloned());
        layers.push(layer);
    }
    Ok(layers)
}

/// A cycle among the modules not yet placed: follow unplaced imports until one repeats.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>, placed: &BTreeSet<String>) -> Vec<String> {
    let unplaced = |m: &String| !placed.contains(m);
    let mut path: Vec<String> = vec![graph.keys().find(|m| unplaced(m)).unwrap().clone()];
    loop {
        let last = path.last().unwrap();
        let next = graph[last].iter().find(|m| unplaced(m)).unwrap().clone();
        if let Some(start) = path.iter().position(|m| *m == next) {
            let mut cycle = path[start..].to_vec();
            cycle.push(next);
            return cycle;
        }
        path.push(next);
    }
}

#[test]
fn modules_import_each_other_without_a_cycle() {
    let graph = graph();
    assert!(graph.len() >= 10, "expected the library's modules in src/");
    match layers(&graph) {
        Ok(layers) => {
            for (i, layer) in layers.iter().enumerate() {
                println!("layer {i}: {}", layer.join(", "));
            }
        }
        Err(cycle) => panic!("import cycle: {}", cycle.join(" → ")),
    }
}

#[test]
fn only_the_pipeline_and_batch_reach_the_report_sink() {
    for (from, to) in graph() {
        if to.contains("report") {
            assert!(
                REPORT_USERS.contains(&from.as_str()),
                "src/{from} imports crate::report: report is a sink"
            );
        }
    }
}

/// The modules in the order `lib.rs` lists them (`//! - [`name`]: ...`).
fn listed_order() -> Vec<String> {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    lib.lines()
        .filter_map(|l| l.strip_prefix("//! - [`"))
        .filter_map(|l| l.split_once('`').map(|(name, _)| name.to_string()))
        .collect()
}

#[test]
fn lib_lists_every_module_below_what_it_imports() {
    let order = listed_order();
    let graph = graph();
    for module in graph.keys() {
        assert!(order.contains(module), "lib.rs does not list {module}");
    }
    for (from, to) in &graph {
        let at = order.iter().position(|m| m == from).unwrap();
        for imported in to {
            let there = order.iter().position(|m| m == imported).unwrap();
            assert!(
                there < at,
                "lib.rs lists {from} above {imported}, which it imports"
            );
        }
    }
}

#[test]
fn the_checker_finds_imports_and_cycles() {
    let found = imports(
        "use crate::files::write_json; // crate::report\nlet x = crate::costs::land_usd(p);",
    );
    assert_eq!(
        found,
        BTreeSet::from(["costs".to_string(), "files".to_string()])
    );
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec![]),
    ]
    .into_iter()
    .map(|(m, to)| (m.to_string(), to.into_iter().map(String::from).collect()))
    .collect();
    let cycle = layers(&graph).unwrap_err();
    assert_eq!(cycle.first(), cycle.last());
    assert_eq!(cycle.len(), 4);
}
