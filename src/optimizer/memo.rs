//! What the searches over one region learn of its grid, kept for the next search over it:
//! `optimize` and then its alternatives, `explain`'s questions or the Pareto front's points
//! each solve the contract's program with other restrictions on the same region.
//!
//! - **The row catalogue and load caps** (the rows some plan can reach, and by substation the
//!   most new load any plan can put there) are computed once, over every screened candidate of
//!   the region. A restricted search's candidates are among them, so its plans are among the
//!   plans these were computed for: a row no plan of the region can reach is reached by none
//!   of its plans, and a cap on every plan's load caps every one of its plans' (see
//!   [`crate::grid::security`]).
//! - **The line rows and N-1 outage blocks plans were found to break.** Every row of the
//!   catalogue and every outage block holds for every plan of the contract's program, whatever
//!   the restrictions; holding one from the start removes no plan. A later search starts with
//!   them instead of finding them again by solving and checking.
//!
//! - **The plans found** (incumbents and repaired plans, each a plan of the contract's program):
//!   a later search starts from the cheapest that meets its restrictions. Any plan of its
//!   program bounds its optimum from above, so the reduction by its cost keeps every optimal
//!   plan, as the first core's plan would ([`crate::model::bounds`]).
//!
//! All depend on the scenario's target, site and grid settings, which are the memo's key: a
//! search under other settings (a benchmark that changes the cutoff, say) computes afresh.

use std::sync::Mutex;

use super::*;
use crate::scenario::{Grid, Site, Target};

/// The memo of one region (see the module documentation). Empty at first.
#[derive(Debug, Default)]
pub struct GridMemo {
    learned: Mutex<Option<Learned>>,
}

/// The settings the memo's contents depend on.
#[derive(Debug, Clone, PartialEq)]
struct Key {
    target: Target,
    site: Site,
    grid: Grid,
}

impl Key {
    fn of(scenario: &Scenario) -> Key {
        Key {
            target: scenario.target.clone(),
            site: scenario.site.clone(),
            grid: scenario.grid.clone(),
        }
    }
}

/// The catalogue of a region's line rows and what searches learned.
#[derive(Debug, Clone)]
pub(super) struct Learned {
    key: Key,
    pub(super) rows: FlowRows,
    pub(super) load_caps_mw: Vec<f64>,
    pub(super) closed_substations: usize,
    pub(super) held: Vec<FlowRow>,
    pub(super) outages: BTreeSet<usize>,
    /// Plans found, cheapest first (at most [`POOL_SIZE`]).
    pub(super) plans: Vec<Pooled>,
}

/// How many plans the memo keeps.
const POOL_SIZE: usize = 32;

/// A plan of the contract's program a search found, as a later search may start from it.
#[derive(Debug, Clone)]
pub(super) struct Pooled {
    pub(super) usd: f64,
    pub(super) plan: Plan,
    pub(super) assignment: Assignment,
}

impl Pooled {
    /// Its sites' parcels.
    pub(super) fn parcels(&self) -> BTreeSet<usize> {
        self.plan.sites.iter().map(|s| s.parcel).collect()
    }

    /// Whether it is a plan of the program with `restrictions`: it builds every parcel that
    /// must be built and none that may not, and differs from each plan it must differ from.
    /// Programs with the Pareto front's caps are left out (their rows are not checked here).
    pub(super) fn meets(&self, restrictions: &Restrictions) -> bool {
        let parcels = self.parcels();
        restrictions.max_burdened_residents.is_none()
            && restrictions.max_community_share.is_none()
            && restrictions.must_build.is_subset(&parcels)
            && restrictions.must_not_build.is_disjoint(&parcels)
            && restrictions.differ_from.iter().all(|d| *d != parcels)
    }
}

/// Adds `plan` to `plans` (cheapest first, no two with the same sites, at most [`POOL_SIZE`]).
pub(super) fn pool(plans: &mut Vec<Pooled>, plan: Pooled) {
    let parcels = plan.parcels();
    if let Some(i) = plans.iter().position(|p| p.parcels() == parcels) {
        if plans[i].usd <= plan.usd {
            return;
        }
        plans.remove(i);
    }
    let at = plans.partition_point(|p| p.usd <= plan.usd);
    plans.insert(at, plan);
    plans.truncate(POOL_SIZE);
}

impl GridMemo {
    /// What searches under `scenario`'s settings learned, if any.
    pub(super) fn recall(&self, scenario: &Scenario) -> Option<Learned> {
        let learned = self.learned.lock().ok()?;
        learned
            .as_ref()
            .filter(|l| l.key == Key::of(scenario))
            .cloned()
    }

    /// A copy of what it holds now, for a search run beside others ([`Self::absorb`] brings
    /// back what it learned).
    pub fn snapshot(&self) -> GridMemo {
        let learned = self.learned.lock().ok().and_then(|l| l.clone());
        GridMemo {
            learned: Mutex::new(learned),
        }
    }

    /// Adds what `other` (a [`Self::snapshot`] of this memo a search learned into) holds:
    /// its line rows and outage blocks after this memo's own, in its order, and its plans to
    /// the pool. Every such row, block and plan holds for every plan of the contract's
    /// program, so the union does too; absorbing snapshots in a fixed order gives the same
    /// memo whatever order their searches ended in.
    pub fn absorb(&self, other: GridMemo) {
        let Ok(theirs) = other.learned.into_inner() else {
            return;
        };
        let Some(theirs) = theirs else { return };
        let Ok(mut slot) = self.learned.lock() else {
            return;
        };
        match slot.as_mut() {
            Some(mine) if mine.key == theirs.key => {
                let held: BTreeSet<RowKey> = mine.held.iter().map(FlowRow::key).collect();
                let new_rows: Vec<FlowRow> = (theirs.held.into_iter())
                    .filter(|r| !held.contains(&r.key()))
                    .collect();
                mine.held.extend(new_rows);
                mine.outages.extend(theirs.outages);
                for plan in theirs.plans {
                    pool(&mut mine.plans, plan);
                }
            }
            _ => *slot = Some(theirs),
        }
    }

    /// Keeps what a search under `scenario`'s settings knows now.
    pub(super) fn keep(&self, scenario: &Scenario, learned: Learned) {
        if let Ok(mut slot) = self.learned.lock() {
            *slot = Some(Learned {
                key: Key::of(scenario),
                ..learned
            });
        }
    }
}

impl Learned {
    pub(super) fn new(
        scenario: &Scenario,
        rows: FlowRows,
        load_caps_mw: Vec<f64>,
        closed_substations: usize,
    ) -> Learned {
        Learned {
            key: Key::of(scenario),
            rows,
            load_caps_mw,
            closed_substations,
            held: Vec::new(),
            outages: BTreeSet::new(),
            plans: Vec::new(),
        }
    }
}
