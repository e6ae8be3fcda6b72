//! gridsite: siting AI factories where the grid, fiber and land allow it, without taking what
//! the community needs.
//!
//! The pipeline, one module a stage (`scenario → layers → index → candidates → model → solve →
//! report`), each importing only the modules above it in this list (`tests/layering.rs`
//! checks that there is no import cycle and that only `pipeline` and `batch` reach `report`):
//! - [`files`]: files written whole or not at all; JSON and GeoJSON writers; rounding.
//! - [`summary`]: `summary.json`, typed (status, figures, the search's account, shortfalls):
//!   written by `optimize`, kept by `batch`, read back by `compare`.
//! - [`layers`]: the five map layers, read and validated into domain types.
//! - [`scenario`]: the scenario file (targets, filters, costs, solver settings) and its keys.
//! - [`costs`]: the contract's cost and capacity rules, each written once.
//! - [`hosting`]: headroom over time and the queue: each substation's counted queue and its
//!   exact hosting capacity under a curtailment budget, from its hourly load.
//! - [`index`]: a local metric frame and R-trees over substations, fiber, receptors, parcels.
//! - [`grid`]: the grid in one folder: the DC power-flow twin of the map's lines, the security
//!   rows, the N-1 outage check, and a plan's grid figures as the outputs give them.
//! - [`candidates`]: hard filters; every parcel is a candidate or has a reason.
//! - [`model`]: the contract's program (good_lp), its bounds and reductions.
//! - [`error`]: the library's error, every stage's own error in one type.
//! - [`solve`]: one program solved by HiGHS, with progress, a start and a time budget.
//! - [`plan`]: a plan read back from a solution, every cost term recomputed and checked.
//! - [`optimizer`]: the exact fast path: bounds, a first plan, reductions, the proof.
//! - [`diagnose`]: why a scenario is infeasible, from a penalised relaxation.
//! - [`outcome`]: what the stages give (a prepared region, a region optimized, its status).
//! - [`values`]: what one more MW of a substation's capacity or a line's rating is worth to a plan.
//! - [`report`]: the GeoJSON and JSON outputs of `check` and `optimize` (a sink).
//! - [`pipeline`]: the stages run in order and timed.
//! - [`alternatives`]: the next-best plans, each an exact optimum that differs from the earlier ones.
//! - [`pareto`]: the cost against the communities' burden or spread, by an exact epsilon-constraint sweep.
//! - [`explain`]: why a parcel is or is not in the plan, each answer an exact restricted optimum.
//! - [`batch`]: many scenarios in parallel, sweeps, shards, their comparison and its chart.
//!
//! Beside it:
//! - [`sources`]: source layers in GIS formats (GeoJSON, GeoPackage, Shapefile, FlatGeobuf,
//!   CSV), in WGS84.
//! - [`synth`]: a seeded generator of synthetic regions.
//! - [`import`]: a map in the contract's schema built from public source layers by a recipe.

pub mod alternatives;
pub mod batch;
pub mod candidates;
pub mod costs;
pub mod diagnose;
pub mod error;
pub mod explain;
pub mod files;
pub mod grid;
pub mod hosting;
pub mod import;
pub mod index;
pub mod layers;
pub mod model;
pub mod optimizer;
pub mod outcome;
pub mod pareto;
pub mod pipeline;
pub mod plan;
pub mod report;
pub mod scenario;
pub mod solve;
pub mod sources;
pub mod summary;
pub mod synth;
pub mod values;

pub use error::Error;
