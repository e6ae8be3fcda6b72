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

/// The names a path prefix is followed by: `prefix name` or `prefix{a, b::c}` (each first
/// segment), outside `//` comments.
fn names_after(text: &str, prefix: &str) -> BTreeSet<String> {
    let ident = |rest: &str| -> String {
        rest.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find(prefix) {
            let preceded_by_path = at > 0 && rest[..at].ends_with("::");
            rest = &rest[at + prefix.len()..];
            if preceded_by_path {
                continue;
            }
            if let Some(group) = rest.strip_prefix('{') {
                let inside = group.split('}').next().unwrap_or_default();
                found.extend(inside.split(',').map(ident).filter(|n| !n.is_empty()));
            } else {
                let name = ident(rest);
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        }
    }
    found
}

/// The modules a file imports: `crate::x` and, in a top-level module's own file (`src/x.rs`,
/// `src/x/mod.rs`), `super::x`; an item the crate root re-exports (`crate::Error`) counts as
/// its module.
fn imports(text: &str, top_level: bool, reexports: &BTreeMap<String, String>) -> BTreeSet<String> {
    let mut names = names_after(text, "crate::");
    if top_level {
        names.extend(names_after(text, "super::"));
    }
    names
        .into_iter()
        .map(|n| reexports.get(&n).cloned().unwrap_or(n))
        .collect()
}

/// Items `lib.rs` re-exports (`pub use error::Error;`), by name, with their module.
fn root_reexports() -> BTreeMap<String, String> {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    lib.lines()
        .filter_map(|l| l.trim().strip_prefix("pub use "))
        .filter_map(|l| l.trim_end_matches(';').split_once("::"))
        .map(|(module, item)| (item.trim().to_string(), module.trim().to_string()))
        .collect()
}

/// Whether a file is a top-level module's own file, where `super` is the crate root.
fn is_top_level(file: &Path) -> bool {
    let relative = file.strip_prefix(src()).unwrap();
    let parts = relative.components().count();
    parts == 1 || (parts == 2 && relative.ends_with("mod.rs"))
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let files = rust_files(&src());
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(f)).collect();
    let reexports = root_reexports();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let from = module_of(file);
        if ABOVE_ALL.contains(&from.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        let to: Vec<String> = imports(&text, is_top_level(file), &reexports)
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
    let reexports = BTreeMap::from([("Error".to_string(), "error".to_string())]);
    let text = "use crate::files::write_json; // crate::report\n\
                let x = crate::costs::land_usd(p);\n\
                use crate::{index, layers::Map};\n\
                use super::summary::Summary;\n\
                fn f() -> Result<(), crate::Error> { Ok(()) }";
    let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(
        imports(text, true, &reexports),
        names(&["costs", "error", "files", "index", "layers", "summary"])
    );
    assert_eq!(
        imports(text, false, &reexports),
        names(&["costs", "error", "files", "index", "layers"])
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
