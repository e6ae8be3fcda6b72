//! The library's error: every stage's own error, each naming what the user must fix.

use crate::files::WriteError;
use crate::index::IndexError;
use crate::layers::LayerError;
use crate::scenario::ScenarioError;

/// Any error of the pipeline.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error(transparent)]
    Layer(#[from] LayerError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("solver failed: {0}")]
    Solver(String),
}
