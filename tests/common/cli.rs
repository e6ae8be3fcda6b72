//! Running the `gridsite` binary from integration tests, and reading what it wrote.

#![allow(dead_code)] // each test file uses its own part of this module

use std::ffi::OsStr;
use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// Runs `gridsite ARGS...` and gives its output, whatever its exit status.
pub fn gridsite<S: AsRef<OsStr>>(args: &[S]) -> Output {
    Command::cargo_bin("gridsite")
        .expect("the gridsite binary")
        .args(args)
        .output()
        .expect("run gridsite")
}

/// Exit status, stdout and stderr, for assertion messages.
pub fn describe(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A JSON file, parsed; the test fails naming the file if it is missing or not JSON.
pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A page's `seconds` cells (`data-key="seconds"` in a batch's table, `seconds.<stage>` in a
/// plan's) blanked, up to the end of the cell: wall-clock seconds are the only part of
/// `report.html` that may differ between runs.
pub fn without_seconds_cells(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(at) = rest.find("data-key=\"seconds") {
        let end = rest[at..].find("</td>").map_or(rest.len(), |e| at + e);
        out.push_str(&rest[..at]);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}
