//! Batches: many scenarios side by side.
//!
//! Takes scenario files with `--set` overrides and `--sweep` grids; gives one [`Job`] a
//! scenario variant ([`expand`]), the K-th of N deterministic slices of them ([`shard`]), runs
//! them in parallel ([`run`]), and writes their comparison ([`comparison`], with its
//! [`chart`], and [`page`]'s `report.html`). [`compare`] merges
//! the result folders of several batches (a cluster's shards) into one comparison.

pub mod chart;
pub mod compare;
pub mod comparison;
pub mod expand;
pub mod page;
pub mod run;

use std::path::PathBuf;

pub use compare::compare;
pub use comparison::{ComparisonRow, write_comparison};
pub use expand::{Job, Shard, expand, shard};
pub use page::{scenario_pages, write_batch_page};
pub use run::{BatchEvent, run};

/// A batch that cannot start, or a result folder that cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("--set/--sweep {key}: {message}")]
    Override { key: String, message: String },
    #[error(
        "two scenarios are named {name:?} ({} and {}): each needs its own folder; rename one",
        first.display(),
        second.display()
    )]
    DuplicateName {
        name: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error("give K/N with 1 <= K <= N, for example 2/4 (got {0:?})")]
    Shard(String),
    #[error("{}: {message}", path.display())]
    Results { path: PathBuf, message: String },
    #[error(transparent)]
    Write(#[from] crate::files::WriteError),
    #[error(transparent)]
    Chart(#[from] chart::ChartWriteError),
}
