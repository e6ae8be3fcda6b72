//! The library's error: every stage's own error, each naming what the user must fix.
//!
//! Takes the stages' typed errors (`#[from]`); gives one [`Error`] that `main` reports.

use crate::files::WriteError;
use crate::grid::twin::NetworkError;
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
    #[error("lines.geojson: {0}")]
    Network(#[from] NetworkError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("solver failed: {0}")]
    Solver(String),
    /// The plan read back from a solution does not cost what the solver says it does: the
    /// model and the plan's cost rules disagree (a defect of gridsite, not of the input).
    #[error(
        "internal check failed: the plan costs {plan_usd:.0} USD by the cost rules but \
         {solver_usd:.0} USD by the solver's objective; please report this with the scenario"
    )]
    PlanCost { plan_usd: f64, solver_usd: f64 },
}
