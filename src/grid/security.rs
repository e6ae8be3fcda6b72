//! The line rows of "Grid security" (docs/grid-security.md): which rows exist, their limits under the
//! "do no harm" rule, which of them no plan can reach, and which a plan breaks.
//!
//! Takes a [`Network`], the map's lines and the scenario; gives [`FlowRows`], the catalogue the
//! model draws its line rows from. A row says that the flow on line `l` (after the outage of
//! line `k`, for a contingency row) stays within `[lo_mw, hi_mw]`:
//!
//! - normal, every line l: `post = base_l + Σ_b D_lb·L_b`, limit `max_line_loading·rating_l`;
//! - contingency, every non-radial k and every other line l of its part:
//!   `post = f_l + LODF_lk·f_k` with `f = base + Σ_b D·F_b`, that is
//!   `post = pre + Σ_b (D_lb + LODF_lk·D_kb)·F_b` with `pre = base_l + LODF_lk·base_k`, limit
//!   `emergency_rating_l`.
//!
//! (`L_b`: the plan's new load at b, firm and flexible; `F_b`: its firm part.) "Do no harm"
//! ([`do_no_harm`]) turns the limit and `pre` into the interval: `[−limit, limit]` where
//! `|pre| ≤ limit`, else from the limit on the far side up to `pre`. With
//! `grid.harm_factor_cutoff` above 0 (0.05 by default, docs/grid-security.md "Harm cutoff"), a row
//! broken before any new load counts only the substations whose coefficient is at least the
//! cutoff in size ([`FlowRow::coefficient`], [`FlowRow::post_mw`]); everything below holds
//! for the rows so stated.
//!
//! # Which rows go to the solver, and why the optimum is kept
//!
//! **Unreachable rows are dropped.** Every plan has `0 ≤ L_b ≤ max_load_b` (a substation gives
//! at most its firm capacity with its upgrade plus its flexible MW, and nothing where no
//! candidate reaches it), `0 ≤ F_b ≤ max_firm_b` likewise, and `Σ_b L_b ≤ total_max`
//! (`max_sites` sites of at most `max_site_mw` each). Over that set the largest value of
//! `Σ_b c_b·X_b` is the fractional knapsack [`reach_mw`] (largest coefficients first), and the
//! smallest is minus that of `−c`. A row whose `pre` plus that range lies within `[lo, hi]`
//! holds for every plan of the program, so leaving it out changes no plan.
//!
//! **The others are added lazily.** The model is solved with the rows found so far (at first
//! the normal rows that can bind); its plan is checked against every row that can bind
//! ([`FlowRows::violated`]); the rows it breaks are added and the program solved again, until a
//! plan breaks none. A program with fewer rows has every plan of the whole one, so its optimum
//! is at most the whole program's; a plan of it that breaks no row is a plan of the whole
//! program: optimal there too (and within the same gap, since its bound is a bound of the whole
//! program). Rows are only ever added, so the loop ends (at worst with every row).

use std::collections::BTreeSet;

use rayon::prelude::*;

use crate::grid::twin::Network;
use crate::layers::Map;
use crate::scenario::Scenario;

/// One line row: the flow on `line` (after the outage of `outage`) within `[lo_mw, hi_mw]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlowRow {
    pub line: usize,
    /// The line out of service, for a contingency row.
    pub outage: Option<usize>,
    /// The flow without new load, MW.
    pub pre_mw: f64,
    /// The limit: `max_line_loading·rating_mw`, or `emergency_rating_mw` after an outage.
    pub limit_mw: f64,
    pub lo_mw: f64,
    pub hi_mw: f64,
    /// `grid.harm_factor_cutoff`: where the row is broken before any new load, coefficients
    /// below it in size count as 0 ([`FlowRow::coefficient`]).
    pub harm_factor_cutoff: f64,
}

/// MW of flow per MW of new load below which a row's coefficient is taken as 0 (a thousand
/// MW of new load would move the line by a micro-MW).
pub const ZERO_FACTOR: f64 = 1e-9;

/// A row's key: `(line, outage)`.
pub type RowKey = (usize, Option<usize>);

impl FlowRow {
    pub fn key(&self) -> RowKey {
        (self.line, self.outage)
    }

    /// Whether the row is in force before any new load (`|pre| > limit`).
    pub fn preexisting(&self) -> bool {
        self.pre_mw.abs() > self.limit_mw
    }

    /// The row's coefficient on substation b's new load (all of it for a normal row, its firm
    /// part after an outage).
    ///
    /// A coefficient below [`ZERO_FACTOR`] in size is 0: what is left of an exact 0 after the
    /// factorisation's rounding, not a flow. On a row broken before any new load, so is one
    /// below `harm_factor_cutoff` (0.05 by default; 0.0 is the strict reading).
    pub fn coefficient(&self, network: &Network, b: usize) -> f64 {
        let d = network.load_factor(b, self.line);
        let c = match self.outage {
            None => d,
            Some(k) => d + network.lodf(self.line, k) * network.load_factor(b, k),
        };
        self.counted(c)
    }

    /// A coefficient as the row counts it: 0 below [`ZERO_FACTOR`], or below the harm cutoff
    /// where it applies.
    fn counted(&self, c: f64) -> f64 {
        if c.abs() < ZERO_FACTOR || (self.cut() && c.abs() < self.harm_factor_cutoff) {
            0.0
        } else {
            c
        }
    }

    /// Whether the harm cutoff applies: the row is broken before any new load, and the scenario
    /// sets a cutoff.
    fn cut(&self) -> bool {
        self.harm_factor_cutoff > 0.0 && self.preexisting()
    }

    /// The row's flow with a plan's new load (`load_mw`, firm and flexible, by substation, with
    /// firm part `firm_mw`): the flow itself from `flows`, or where the harm cutoff applies,
    /// `pre` plus the terms of the substations it counts, as the program states the row.
    pub fn post_mw(
        &self,
        network: &Network,
        flows: &Flows,
        load_mw: &[f64],
        firm_mw: &[f64],
    ) -> f64 {
        if !self.cut() {
            return flows.post_mw(self, network);
        }
        let new_mw = if self.outage.is_some() {
            firm_mw
        } else {
            load_mw
        };
        let change_mw: f64 = (new_mw.iter().enumerate())
            .filter(|&(_, mw)| *mw != 0.0)
            .map(|(b, mw)| self.coefficient(network, b) * mw)
            .sum();
        self.pre_mw + change_mw
    }

    /// How far `post_mw` lies outside the row's interval, MW (0 within it).
    pub fn excess_mw(&self, post_mw: f64) -> f64 {
        (post_mw - self.hi_mw).max(self.lo_mw - post_mw).max(0.0)
    }
}

/// "Do no harm": the interval a row's flow must stay in, from its flow without new load and its
/// limit.
pub fn do_no_harm(pre_mw: f64, limit_mw: f64) -> (f64, f64) {
    if pre_mw > limit_mw {
        (-limit_mw, pre_mw)
    } else if pre_mw < -limit_mw {
        (pre_mw, limit_mw)
    } else {
        (-limit_mw, limit_mw)
    }
}

/// What a plan can put on each substation, the figures that prove rows unreachable.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadBounds {
    /// By substation: the most new load, firm and flexible, MW.
    pub max_load_mw: Vec<f64>,
    /// By substation: the most firm new load, MW.
    pub max_firm_mw: Vec<f64>,
    /// By substation: the most flexible new load, MW (`flexible_mw`, or `L*` with a load
    /// profile, where a load may be all flexible; 0 when sites draw no flexible MW).
    pub max_flexible_mw: Vec<f64>,
    /// The most new load of a plan in all, MW.
    pub total_max_mw: f64,
}

impl LoadBounds {
    /// From the substations the candidates reach (the others take no new load).
    pub fn new(scenario: &Scenario, map: &Map, reached: &BTreeSet<usize>) -> LoadBounds {
        let n = map.substations.len();
        let mut max_load_mw = vec![0.0; n];
        let mut max_firm_mw = vec![0.0; n];
        let mut max_flexible_mw = vec![0.0; n];
        let flexible = scenario.grid.flexible_share > 0.0;
        for &b in reached {
            let s = &map.substations[b];
            max_firm_mw[b] = crate::costs::available_mw(scenario, s, true);
            max_load_mw[b] = crate::costs::load_room_mw(scenario, s, true);
            if flexible {
                max_flexible_mw[b] = crate::costs::flexible_room_mw(s, true);
            }
        }
        let t = &scenario.target;
        LoadBounds {
            max_load_mw,
            max_firm_mw,
            max_flexible_mw,
            total_max_mw: t.max_sites as f64 * t.max_site_mw,
        }
    }
}

/// Passes of [`LoadBounds::tighten`] at most (each pass uses the bounds the last one left).
const TIGHTEN_PASSES: usize = 4;

impl LoadBounds {
    /// Tightens the bounds with every reachable row; gives how many substations can then take
    /// no new load at all.
    ///
    /// Why the bounds stay valid: a row `Σ_b c_b·X_b ≤ r` (`r = hi − pre`, or the same for the
    /// other side with `−c`) holds in every plan, and every other term is at least
    /// `c_j·max_j` where `c_j < 0` (and at least 0 where `c_j ≥ 0`), so for `c_b > 0`:
    /// `X_b ≤ (r + Σ_{j≠b, c_j<0} |c_j|·max_j) / c_b`. `X` is the firm load after an outage
    /// and all of it in normal operation, so a normal row bounds `L_b` (and `F_b ≤ L_b`), an
    /// outage row `F_b`; flexible load adds at most its own bound to the firm part's. Every
    /// plan keeps within the new bounds, so a program with them has the same plans, and the
    /// rows no plan can reach with the looser bounds stay unreachable.
    pub fn tighten(&mut self, rows: &FlowRows, network: &Network) -> usize {
        let loaded: Vec<usize> = (0..self.max_load_mw.len())
            .filter(|&b| self.max_load_mw[b] > 0.0 && network.moves_flows(b))
            .collect();
        let factors = DenseFactors::new(network, &loaded);
        let mut terms = Vec::new();
        for _ in 0..TIGHTEN_PASSES {
            let mut changed = false;
            for row in &rows.reachable {
                let firm_only = row.outage.is_some();
                factors.terms(row, network, &mut terms);
                for (sign, room) in [
                    (1.0, row.hi_mw - row.pre_mw),
                    (-1.0, row.pre_mw - row.lo_mw),
                ] {
                    let maxima = if firm_only {
                        &mut self.max_firm_mw
                    } else {
                        &mut self.max_load_mw
                    };
                    let relief: f64 = (terms.iter())
                        .filter(|&&(_, c)| sign * c < 0.0)
                        .map(|&(b, c)| -sign * c * maxima[b])
                        .sum();
                    for &(b, c) in terms.iter().filter(|&&(_, c)| sign * c > 0.0) {
                        let bound = ((room + relief) / (sign * c)).max(0.0);
                        if bound < maxima[b] - 1e-9 * (1.0 + maxima[b]) {
                            changed = true;
                            maxima[b] = bound;
                        }
                    }
                }
            }
            for &b in &loaded {
                self.max_firm_mw[b] = self.max_firm_mw[b].min(self.max_load_mw[b]);
                let most_mw = self.max_firm_mw[b] + self.max_flexible_mw[b];
                self.max_load_mw[b] = self.max_load_mw[b].min(most_mw);
            }
            if !changed {
                break;
            }
        }
        loaded
            .iter()
            .filter(|&&b| self.max_load_mw[b] <= 0.0)
            .count()
    }
}

/// The load factors `D_lb` of some substations, dense by line: a row's coefficients on them
/// without a lookup per substation (the catalogue of a real network has hundreds of thousands
/// of rows). [`DenseFactors::terms`] gives exactly [`FlowRow::coefficient`]: the same factors,
/// combined by the same operations in the same order.
struct DenseFactors {
    substations: Vec<usize>,
    /// By line: `D_lb` for each of `substations`.
    by_line: Vec<Vec<f64>>,
}

impl DenseFactors {
    fn new(network: &Network, substations: &[usize]) -> DenseFactors {
        let lines = network.part_of_line.len();
        let by_line = (0..lines)
            .map(|l| {
                (substations.iter())
                    .map(|&b| network.load_factor(b, l))
                    .collect()
            })
            .collect();
        DenseFactors {
            substations: substations.to_vec(),
            by_line,
        }
    }

    /// The row's nonzero coefficients `(substation, c)` into `terms` (cleared first).
    fn terms(&self, row: &FlowRow, network: &Network, terms: &mut Vec<(usize, f64)>) {
        terms.clear();
        let d_l = &self.by_line[row.line];
        match row.outage {
            None => {
                for (j, &d) in d_l.iter().enumerate() {
                    let c = row.counted(d);
                    if c != 0.0 {
                        terms.push((self.substations[j], c));
                    }
                }
            }
            Some(k) => {
                let lodf = network.lodf(row.line, k);
                let d_k = &self.by_line[k];
                for (j, (&d, &dk)) in d_l.iter().zip(d_k).enumerate() {
                    let c = row.counted(d + lodf * dk);
                    if c != 0.0 {
                        terms.push((self.substations[j], c));
                    }
                }
            }
        }
    }
}

/// The most `Σ_b c_b·x_b` can be over `0 ≤ x_b ≤ max_b`, `Σ x_b ≤ total`: the positive
/// coefficients filled largest first (a fractional knapsack, exact for this linear program).
pub fn reach_mw(mut terms: Vec<(f64, f64)>, total_mw: f64) -> f64 {
    reach_in(&mut terms, total_mw)
}

/// [`reach_mw`] on a buffer it may reorder.
fn reach_in(terms: &mut Vec<(f64, f64)>, total_mw: f64) -> f64 {
    terms.retain(|&(c, max)| c > 0.0 && max > 0.0);
    let boxed: f64 = terms.iter().map(|&(c, max)| c * max).sum();
    let room: f64 = terms.iter().map(|&(_, max)| max).sum();
    if room <= total_mw {
        return boxed;
    }
    terms.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut left = total_mw;
    let mut reach = 0.0;
    for &(c, max) in terms.iter() {
        let x = max.min(left);
        reach += c * x;
        left -= x;
        if left <= 0.0 {
            break;
        }
    }
    reach
}

/// Every line row of a map and scenario, and the ones some plan can reach.
#[derive(Debug, Clone, Default)]
pub struct FlowRows {
    /// The rows that can bind, normal rows first (in line order), then contingency rows (by
    /// outage, then line).
    pub reachable: Vec<FlowRow>,
    /// Every row, reachable or not.
    pub total: usize,
    /// Rows already broken without new load (`|pre| > limit`).
    pub preexisting: usize,
    /// Contingencies: non-radial lines (0 when `line_contingencies` is off).
    pub contingencies: usize,
}

/// A row is unreachable when its whole range stays this far inside its interval: rounding in
/// the range's sum cannot then hide a plan that breaks it.
const REACH_MARGIN_MW: f64 = 1e-6;

impl FlowRows {
    /// The rows of the network; with `bounds`, only those some plan can reach (None: every
    /// row, as the plain program states them).
    pub fn new(
        network: &Network,
        map: &Map,
        scenario: &Scenario,
        bounds: Option<&LoadBounds>,
    ) -> FlowRows {
        let mut rows = FlowRows::default();
        if network.is_empty() {
            return rows;
        }
        let grid = &scenario.grid;
        let row = |line, outage, pre_mw, limit_mw| {
            row(line, outage, pre_mw, limit_mw, grid.harm_factor_cutoff)
        };
        let before_mw = pre_plan_flows_mw(network, map);
        let normal: Vec<FlowRow> = (map.lines.iter().enumerate())
            .map(|(l, line)| {
                let limit_mw = grid.max_line_loading * line.rating_mw;
                row(l, None, before_mw[l], limit_mw)
            })
            .collect();
        let contingencies: Vec<usize> = if grid.line_contingencies {
            network.contingencies().collect()
        } else {
            Vec::new()
        };
        rows.contingencies = contingencies.len();
        let after_outages = (contingencies.par_iter()).map(|&k| {
            let base_k = before_mw[k];
            (network.outage_factors(k))
                .map(|(l, lodf)| {
                    let line = &map.lines[l];
                    let pre_mw = before_mw[l] + lodf * base_k;
                    row(l, Some(k), pre_mw, line.emergency_rating_mw)
                })
                .collect::<Vec<FlowRow>>()
        });
        let mut groups = vec![normal];
        groups.extend(after_outages.collect::<Vec<_>>());
        let reach = bounds.map(|b| Reach::new(network, map, b));
        // Each group (the normal rows, then each outage's) judged apart, in parallel; kept in
        // catalogue order.
        let kept: Vec<Vec<FlowRow>> = (groups.par_iter())
            .map(|group| match &reach {
                None => group.clone(),
                Some(reach) => {
                    let mut scratch = Scratch::default();
                    (group.iter())
                        .filter(|r| reach.can_bind(r, network, &mut scratch))
                        .copied()
                        .collect()
                }
            })
            .collect();
        for (group, kept) in groups.iter().zip(kept) {
            rows.total += group.len();
            rows.preexisting += group.iter().filter(|r| r.preexisting()).count();
            rows.reachable.extend(kept);
        }
        rows
    }

    /// The rows a program starts with: the reachable normal rows, and the reachable rows
    /// already broken without new load (their room is 0 on one side, so almost any plan near
    /// them breaks them).
    pub fn initial(&self) -> Vec<FlowRow> {
        (self.reachable.iter())
            .filter(|r| r.outage.is_none() || r.preexisting())
            .copied()
            .collect()
    }

    /// The reachable rows not in `active` that new load `load_mw` (firm and flexible, by
    /// substation) with firm part `firm_mw` breaks by more than a micro-MW per MW of limit,
    /// most broken first (ties in catalogue order).
    pub fn violated(
        &self,
        network: &Network,
        map: &Map,
        load_mw: &[f64],
        firm_mw: &[f64],
        active: &BTreeSet<RowKey>,
    ) -> Vec<FlowRow> {
        let flows = Flows::new(network, map, load_mw, firm_mw);
        let mut broken: Vec<(f64, usize)> = (self.reachable.iter().enumerate())
            .filter(|(_, r)| !active.contains(&r.key()))
            .filter_map(|(i, r)| {
                let excess = r.excess_mw(r.post_mw(network, &flows, load_mw, firm_mw));
                (excess > 1e-6 * (1.0 + r.limit_mw)).then_some((excess, i))
            })
            .collect();
        broken.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        broken.into_iter().map(|(_, i)| self.reachable[i]).collect()
    }
}

fn row(
    line: usize,
    outage: Option<usize>,
    pre_mw: f64,
    limit_mw: f64,
    harm_factor_cutoff: f64,
) -> FlowRow {
    let (lo_mw, hi_mw) = do_no_harm(pre_mw, limit_mw);
    FlowRow {
        line,
        outage,
        pre_mw,
        limit_mw,
        lo_mw,
        hi_mw,
        harm_factor_cutoff,
    }
}

/// What proves a row unreachable: the load bounds and the factors of the substations that
/// can take new load.
struct Reach<'b> {
    bounds: &'b LoadBounds,
    factors: DenseFactors,
}

/// Buffers reused from row to row.
#[derive(Default)]
struct Scratch {
    terms: Vec<(usize, f64)>,
    up: Vec<(f64, f64)>,
    down: Vec<(f64, f64)>,
}

impl<'b> Reach<'b> {
    fn new(network: &Network, map: &Map, bounds: &'b LoadBounds) -> Reach<'b> {
        let loaded: Vec<usize> = (0..map.substations.len())
            .filter(|&s| bounds.max_load_mw[s] > 0.0 && network.moves_flows(s))
            .collect();
        Reach {
            bounds,
            factors: DenseFactors::new(network, &loaded),
        }
    }

    /// Whether some plan within the bounds takes the row's flow outside its interval.
    fn can_bind(&self, row: &FlowRow, network: &Network, scratch: &mut Scratch) -> bool {
        let maxima = match row.outage {
            None => &self.bounds.max_load_mw,
            Some(_) => &self.bounds.max_firm_mw,
        };
        self.factors.terms(row, network, &mut scratch.terms);
        scratch.up.clear();
        scratch.down.clear();
        for &(b, c) in &scratch.terms {
            scratch.up.push((c, maxima[b]));
            scratch.down.push((-c, maxima[b]));
        }
        let total = self.bounds.total_max_mw;
        let up = reach_in(&mut scratch.up, total);
        let down = reach_in(&mut scratch.down, total);
        row.pre_mw + up > row.hi_mw - REACH_MARGIN_MW
            || row.pre_mw - down < row.lo_mw + REACH_MARGIN_MW
    }
}

/// Line flows with a plan's new load: normal (all of it) and the firm part's (for outages).
pub struct Flows {
    /// `base + Σ_b D·L_b`, by line.
    pub normal_mw: Vec<f64>,
    /// `base + Σ_b D·F_b`, by line: the flows an outage starts from.
    pub firm_mw: Vec<f64>,
}

/// Each line's flow before the plan, MW: the map's `base_flow_mw` plus what the counted queue
/// (`queued_mw`, firm) moves, `Σ_b D_lb·queued_mw_b` (docs/profiles-and-queue.md, "Headroom over time and the
/// queue"; a substation in a part without supply moves nothing). Every row's `pre` starts here.
pub fn pre_plan_flows_mw(network: &Network, map: &Map) -> Vec<f64> {
    let queued_mw: Vec<f64> = map.substations.iter().map(|s| s.queued_mw).collect();
    let change = network.flow_change_mw(&queued_mw);
    (map.lines.iter().zip(change))
        .map(|(line, c)| line.base_flow_mw + c)
        .collect()
}

impl Flows {
    /// The flows with a plan's new load (`load_mw`, of which `firm_mw` firm) on top of the
    /// counted queue.
    pub fn new(network: &Network, map: &Map, load_mw: &[f64], firm_mw: &[f64]) -> Flows {
        let with_queue = |mw: &[f64]| -> Vec<f64> {
            (mw.iter().zip(&map.substations))
                .map(|(mw, s)| mw + s.queued_mw)
                .collect()
        };
        let with = |change: Vec<f64>| -> Vec<f64> {
            (map.lines.iter().zip(change))
                .map(|(line, c)| line.base_flow_mw + c)
                .collect()
        };
        Flows {
            normal_mw: with(network.flow_change_mw(&with_queue(load_mw))),
            firm_mw: with(network.flow_change_mw(&with_queue(firm_mw))),
        }
    }

    /// The row's flow with the plan, MW.
    pub fn post_mw(&self, row: &FlowRow, network: &Network) -> f64 {
        match row.outage {
            None => self.normal_mw[row.line],
            Some(k) => self.firm_mw[row.line] + network.lodf(row.line, k) * self.firm_mw[k],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{do_no_harm, reach_mw};

    #[test]
    fn do_no_harm_keeps_a_broken_limit_from_getting_worse() {
        assert_eq!(do_no_harm(50.0, 100.0), (-100.0, 100.0));
        assert_eq!(do_no_harm(120.0, 100.0), (-100.0, 120.0));
        assert_eq!(do_no_harm(-130.0, 100.0), (-130.0, 100.0));
    }

    #[test]
    fn reach_fills_the_largest_coefficients_first_within_the_total() {
        // Box alone: 0.5·100 + 0.2·100 = 70; total 120: 0.5·100 + 0.2·20 = 54.
        let terms = vec![(0.2, 100.0), (-0.4, 50.0), (0.5, 100.0)];
        assert!((reach_mw(terms.clone(), 1000.0) - 70.0).abs() < 1e-12);
        assert!((reach_mw(terms, 120.0) - 54.0).abs() < 1e-12);
    }
}
