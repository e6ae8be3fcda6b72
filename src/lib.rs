//! gridsite: siting AI factories where the grid, fiber and land allow it, without taking what
//! the community needs.
//!
//! The pipeline, one module a stage:
//! - [`scenario`]: the scenario file (targets, filters, costs, solver settings).
//! - [`layers`]: the five map layers, read and validated into domain types.
//! - [`index`]: a local metric frame and R-trees over substations, fiber, receptors, parcels.
//! - [`candidates`]: hard filters; every parcel is a candidate or has a reason.
//! - [`model`]: the contract's program (good_lp), its bounds and reductions.
//! - [`optimizer`]: the exact fast path: bounds, a first plan, reductions, the proof.
//! - [`solve`]: one program solved by HiGHS, with progress, a start and a time budget.
//! - [`report`]: GeoJSON and JSON outputs, written whole or not at all.
//! - [`pipeline`]: the stages run in order and timed.
//! - [`batch`]: many scenarios in parallel, sweeps, shards, and their comparison.
//! - [`sources`]: source layers in GIS formats (GeoJSON, GeoPackage, Shapefile, FlatGeobuf, CSV), in WGS84.
//! - [`synth`]: a seeded generator of synthetic regions.

pub mod batch;
pub mod candidates;
pub mod costs;
pub mod diagnose;
pub mod error;
pub mod files;
pub mod import;
pub mod index;
pub mod layers;
pub mod model;
pub mod optimizer;
pub mod outcome;
pub mod pipeline;
pub mod plan;
pub mod report;
pub mod scenario;
pub mod solve;
pub mod sources;
pub mod summary;
pub mod synth;

pub use error::Error;
