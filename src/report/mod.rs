//! Reports: the GeoJSON and JSON files of the contract and the terminal tables.
//!
//! Takes the results of the pipeline's stages; gives files written whole or not at all.

pub mod fgb;
pub mod gpkg;
pub mod gpkg_styles;
pub mod html;
pub mod layers;
pub mod outputs;
pub mod parquet;
pub mod screening;

pub use crate::outcome::ReportOptions;
