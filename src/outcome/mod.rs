//! What the pipeline's stages give: a screened region ([`Prepared`]), a region optimized
//! ([`Optimized`], with its [`Status`]), and the seconds each stage took ([`StageSeconds`]).
//!
//! Types, and the [`Summary`](crate::summary::Summary) of a region optimized
//! ([`Optimized::summary`]); gives what `pipeline` makes and `report` and `batch` read.

use std::time::Instant;

use crate::candidates::Screening;
use crate::index::SpatialIndex;
use crate::layers::Map;
use crate::plan::Plan;
use crate::scenario::Scenario;
use crate::summary::{SearchReport, Shortfall, Status};

mod summarize;

/// Wall-clock seconds of each stage, in pipeline order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StageSeconds(pub Vec<(&'static str, f64)>);

impl StageSeconds {
    /// Runs `stage`, recording its duration under `name`.
    pub fn time<T>(&mut self, name: &'static str, stage: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let value = stage();
        self.0.push((name, start.elapsed().as_secs_f64()));
        value
    }

    pub fn total(&self) -> f64 {
        self.0.iter().map(|(_, s)| s).sum()
    }
}

/// A screened region, ready for the model.
pub struct Prepared {
    pub scenario: Scenario,
    pub map: Map,
    /// The DC power-flow factors of the map's lines (empty without lines).
    pub network: crate::grid::twin::Network,
    pub index: SpatialIndex,
    pub screening: Screening,
    pub seconds: StageSeconds,
    /// What the searches over this region learned of its grid, for the next one (alternatives,
    /// explain, the Pareto front).
    pub grid_memo: crate::optimizer::GridMemo,
}

/// A region optimized: the plan (empty without one) and how it was found.
pub struct Optimized {
    pub prepared: Prepared,
    pub status: Status,
    pub plan: Plan,
    /// The solver's relative gap; None without a plan.
    pub gap: Option<f64>,
    pub variables: usize,
    pub constraints: usize,
    /// Candidates in the model: all of them unless a `[solver]` reduction is set.
    pub modelled_candidates: usize,
    /// Why there is no plan (infeasible, no plan in time); empty otherwise.
    pub shortfalls: Vec<Shortfall>,
    /// How the optimizer found the plan (reductions, model size, bound, times).
    pub search: SearchReport,
}

/// Why one parcel is or is not in the plan.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Explanation {
    pub parcel_id: String,
    /// `excluded`, `not_chosen` or `chosen`.
    pub verdict: String,
    /// For an excluded parcel: every filter it fails, the first one first (the reason
    /// `excluded.geojson` gives).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<FilterFailure>,
    /// For a candidate: the best plan that must build it (not chosen) or may not (chosen).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternative: Option<RestrictedPlan>,
}

/// A filter a parcel fails.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FilterFailure {
    pub reason: String,
    pub detail: String,
}

/// The optimum of the program with one parcel forced in or out, against the plan.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RestrictedPlan {
    /// `must_build` or `must_not_build`.
    pub restriction: String,
    pub status: String,
    pub gap: Option<f64>,
    pub objective_usd: Option<f64>,
    /// Its cost less the optimum's, USD and % of the optimum.
    pub delta_usd: Option<f64>,
    pub delta_pct: Option<f64>,
    /// Its sites (parcel ids).
    pub sites: Vec<String>,
    /// The optimum's sites it does not build.
    pub displaced: Vec<String>,
    /// Its sites the optimum does not build.
    pub added: Vec<String>,
    /// Why each displaced site goes, as far as a single rule ties it to the forced parcel.
    pub binding: Vec<String>,
    /// A sentence for the planner.
    pub message: String,
}

/// What `optimize` writes beyond the contract's files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportOptions {
    /// An XYZ tile URL template (`https://…/{z}/{x}/{y}.png`) for `report.html`'s basemap;
    /// without it the page makes no request at all.
    pub basemap: Option<String>,
    /// Also write `plan.gpkg`.
    pub gpkg: bool,
    /// Also write each output layer as FlatGeobuf (`<layer>.fgb`).
    pub fgb: bool,
    /// Also write each output layer as GeoParquet (`<layer>.parquet`).
    pub parquet: bool,
    /// Parcels `explain` answered for, shown on the page.
    pub explanations: Vec<crate::outcome::Explanation>,
}
