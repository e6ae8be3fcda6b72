//! Batches: many scenarios run side by side, and their comparison.

pub mod comparison;

pub use comparison::ComparisonRow;
