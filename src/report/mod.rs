//! Reports: the GeoJSON and JSON files of the contract and the terminal tables.
//!
//! Takes the results of the pipeline's stages; gives files written whole or not at all.

pub mod chart;
pub mod plan;
pub mod screening;

pub use chart::{ChartError, ChartWriteError, comparison_svg, write_comparison_svg};
