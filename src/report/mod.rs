//! Reports: the GeoJSON and JSON files of the contract and the terminal tables.
//!
//! Takes the results of the pipeline's stages; gives files written whole or not at all.

pub mod gpkg;
pub mod gpkg_styles;
pub mod html;
pub mod layers;
pub mod plan;
pub mod screening;

/// What `optimize` writes beyond the contract's files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportOptions {
    /// An XYZ tile URL template (`https://…/{z}/{x}/{y}.png`) for `report.html`'s basemap;
    /// without it the page makes no request at all.
    pub basemap: Option<String>,
    /// Also write `plan.gpkg`.
    pub gpkg: bool,
    /// Parcels `explain` answered for, shown on the page.
    pub explanations: Vec<crate::outcome::Explanation>,
}
