//! The DC power-flow twin of a map's transmission network (docs/grid-security.md, "Grid security").
//!
//! Takes the substations and the lines of a [`crate::layers::Map`]; gives a [`Network`]: its
//! connected parts, which substations can take new load, how a MW of new load at a substation
//! changes the flow on each line (`D_lb`), the line outage distribution factors (`LODF_lk`) and
//! the radial lines. The model turns these into linear rows ([`crate::model`]); this module
//! knows nothing of plans or scenarios.
//!
//! # The factors
//!
//! Each connected part (lines joined through their end substations) is solved on its own. With
//! its buses numbered from 0 (the reference bus, whose choice cancels), the reduced susceptance
//! matrix `B_r` (every bus but the reference: `B_ii = Σ 1/x_pu` over lines at i, `B_ij = −Σ
//! 1/x_pu` over lines between i and j) is inverted once (an LU factorisation by `nalgebra`).
//! One MW injected at bus j and withdrawn at the reference gives angles `θ = B_r⁻¹ e_j` (0 at
//! the reference), and the flow on line l from `a` to `b` is `(θ_a − θ_b)/x_l`: that is
//! `PTDF_lj`. The per-unit base cancels: flows are in MW for injections in MW.
//!
//! New load `L` at b is supplied by the part's supply substations in proportion to their
//! `supply_share`, renormalised within the part (`w_s`), so its injections are `w_s·L` at each
//! s and `−L` at b: the flow on l changes by `D_lb·L` with `D_lb = Σ_s w_s·PTDF_ls − PTDF_lb`.
//!
//! The outage of line k, carrying `f_k` before it, moves onto line l the flow
//! `LODF_lk·f_k` with `LODF_lk = PTDF_l,(a_k→b_k) / (1 − PTDF_k,(a_k→b_k))`, where
//! `PTDF_·,(a→b) = PTDF_·a − PTDF_·b` is the flow of a MW moved from k's `from` bus to its `to`
//! bus. (The network without k carries exactly those flows: its angles differ by `B'⁻¹·a_k·f_k`,
//! and the Sherman–Morrison formula for `B' = B − a_k a_kᵀ/x_k` gives the factor above.) A line
//! whose outage splits its part (a bridge of the graph, found by a depth-first search, not by
//! a near-zero denominator) is radial: it is not a contingency.
//!
//! A part with no supply substation cannot serve new load: its substations are not
//! [`Network::serves`]. A substation on no line is outside the network: only its own headroom
//! limits it.

mod bridges;

use nalgebra::DMatrix;

use crate::layers::{Line, Substation};

/// Why a network cannot be solved.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NetworkError {
    #[error(
        "the susceptance matrix of the network part holding substation \"{substation}\" is singular"
    )]
    Singular { substation: String },
    #[error("{got} injections were given for {expected} substations")]
    Injections { expected: usize, got: usize },
}

/// One connected part of the network.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// Its substations (indices into the map's substations), the reference first.
    pub buses: Vec<usize>,
    /// Its lines (indices into the map's lines).
    pub lines: Vec<usize>,
    /// Whether any of its substations has `supply_share > 0`.
    pub supplied: bool,
}

/// The network's factors (see the module documentation).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Network {
    pub parts: Vec<Part>,
    /// By substation: its part, or None off the network.
    pub part_of: Vec<Option<usize>>,
    /// By line: its part.
    pub part_of_line: Vec<usize>,
    /// By line: its outage splits its part.
    pub radial: Vec<bool>,
    /// By substation in a supplied part: `(line, D_lb)` for every line of its part.
    load_factors: Vec<Vec<(usize, f64)>>,
    /// By part: `PTDF_l,(a_k→b_k)` for its lines l (rows) and k (columns), in the part's
    /// line order; LODF is this over `1 − PTDF_k,(a_k→b_k)`.
    transfer: Vec<DMatrix<f64>>,
    /// By line: its position in its part's line order.
    position: Vec<usize>,
}

impl Network {
    /// The network of these substations and lines (no lines: an empty network).
    pub fn new(substations: &[Substation], lines: &[Line]) -> Result<Network, NetworkError> {
        let parts = connected_parts(substations.len(), lines, substations);
        let mut part_of = vec![None; substations.len()];
        let mut part_of_line = vec![0; lines.len()];
        let mut position = vec![0; lines.len()];
        for (p, part) in parts.iter().enumerate() {
            for &b in &part.buses {
                part_of[b] = Some(p);
            }
            for (k, &l) in part.lines.iter().enumerate() {
                part_of_line[l] = p;
                position[l] = k;
            }
        }
        let radial = bridges::bridges(substations.len(), lines);
        let mut load_factors = vec![Vec::new(); substations.len()];
        let mut transfer = Vec::with_capacity(parts.len());
        for part in &parts {
            let ptdf = part_ptdf(part, lines, substations)?;
            if part.supplied {
                let factors = part_load_factors(part, &ptdf, substations);
                for (&b, factors) in part.buses.iter().zip(factors) {
                    load_factors[b] = factors;
                }
            }
            transfer.push(part_transfer(part, lines, &ptdf));
        }
        Ok(Network {
            parts,
            part_of,
            part_of_line,
            radial,
            load_factors,
            transfer,
            position,
        })
    }

    /// Whether the network has any line.
    pub fn is_empty(&self) -> bool {
        self.part_of_line.is_empty()
    }

    /// Whether substation b may take new load: it is off the network, or in a supplied part.
    pub fn serves(&self, b: usize) -> bool {
        match self.part_of.get(b).copied().flatten() {
            None => true,
            Some(p) => self.parts[p].supplied,
        }
    }

    /// Whether new load at b changes line flows (b is in a supplied part).
    pub fn moves_flows(&self, b: usize) -> bool {
        self.load_factors.get(b).is_some_and(|f| !f.is_empty())
    }

    /// `D_lb` for every line l of b's part: the MW a MW of new load at b adds to l's flow.
    pub fn load_factors(&self, b: usize) -> &[(usize, f64)] {
        self.load_factors.get(b).map_or(&[], Vec::as_slice)
    }

    /// `D_lb` for one line (0 when b is not in l's part or its part has no supply).
    pub fn load_factor(&self, b: usize, l: usize) -> f64 {
        match self.part_of.get(b).copied().flatten() {
            Some(p) if p == self.part_of_line[l] => self
                .load_factors(b)
                .get(self.position[l])
                .map_or(0.0, |&(_, d)| d),
            _ => 0.0,
        }
    }

    /// The lines whose outage is a contingency (not radial).
    pub fn contingencies(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.radial.len()).filter(|&k| !self.radial[k])
    }

    /// `LODF_lk`: the share of line k's flow that moves onto line l when k is out (0 when l
    /// and k are in different parts; k must not be radial).
    pub fn lodf(&self, l: usize, k: usize) -> f64 {
        let p = self.part_of_line[k];
        if self.part_of_line[l] != p || l == k {
            return 0.0;
        }
        let t = &self.transfer[p];
        let (lk, kk) = (self.position[l], self.position[k]);
        t[(lk, kk)] / (1.0 - t[(kk, kk)])
    }

    /// The lines of line k's part other than k, with `LODF_lk`.
    pub fn outage_factors(&self, k: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let p = self.part_of_line[k];
        let t = &self.transfer[p];
        let kk = self.position[k];
        let denominator = 1.0 - t[(kk, kk)];
        self.parts[p]
            .lines
            .iter()
            .enumerate()
            .filter(move |&(_, &l)| l != k)
            .map(move |(i, &l)| (l, t[(i, kk)] / denominator))
    }

    /// The change of every line's flow, in MW, for new load `load_mw` by substation.
    pub fn flow_change_mw(&self, load_mw: &[f64]) -> Vec<f64> {
        let mut change = vec![0.0; self.part_of_line.len()];
        for (b, &mw) in load_mw.iter().enumerate() {
            if mw != 0.0 {
                for &(l, d) in self.load_factors(b) {
                    change[l] += d * mw;
                }
            }
        }
        change
    }
}

/// By substation: whether it may take new load (off the network, or in a part with a supply
/// substation). Only the graph is looked at, so screening asks this without the factors.
pub fn served_substations(substations: &[Substation], lines: &[Line]) -> Vec<bool> {
    let mut served = vec![true; substations.len()];
    for part in connected_parts(substations.len(), lines, substations) {
        if !part.supplied {
            for b in part.buses {
                served[b] = false;
            }
        }
    }
    served
}

/// Line flows, in MW from `from` to `to`, of the DC power flow for net injections by substation
/// (MW into the grid). Each part should balance; whatever it does not is taken at its reference
/// bus (its first substation in the map's order).
pub fn dc_flows_mw(
    substations: &[Substation],
    lines: &[Line],
    injection_mw: &[f64],
) -> Result<Vec<f64>, NetworkError> {
    if injection_mw.len() != substations.len() {
        return Err(NetworkError::Injections {
            expected: substations.len(),
            got: injection_mw.len(),
        });
    }
    let parts = connected_parts(substations.len(), lines, substations);
    let mut flows = vec![0.0; lines.len()];
    for part in &parts {
        let ptdf = part_ptdf(part, lines, substations)?;
        for (i, &l) in part.lines.iter().enumerate() {
            flows[l] = part
                .buses
                .iter()
                .enumerate()
                .map(|(j, &b)| ptdf[(i, j)] * injection_mw[b])
                .sum();
        }
    }
    Ok(flows)
}

/// The connected parts of the line graph, each with its substations (lowest index first: the
/// reference) and lines in the map's order; parts ordered by their reference.
fn connected_parts(buses: usize, lines: &[Line], substations: &[Substation]) -> Vec<Part> {
    let mut parent: Vec<usize> = (0..buses).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for line in lines {
        let (a, b) = (root(&mut parent, line.from), root(&mut parent, line.to));
        if a != b {
            parent[a.max(b)] = a.min(b);
        }
    }
    let on_line = {
        let mut on = vec![false; buses];
        for line in lines {
            on[line.from] = true;
            on[line.to] = true;
        }
        on
    };
    let mut part_index = vec![usize::MAX; buses];
    let mut parts: Vec<Part> = Vec::new();
    for b in 0..buses {
        if !on_line[b] {
            continue;
        }
        let r = root(&mut parent, b);
        if part_index[r] == usize::MAX {
            part_index[r] = parts.len();
            parts.push(Part {
                buses: Vec::new(),
                lines: Vec::new(),
                supplied: false,
            });
        }
        let part = &mut parts[part_index[r]];
        part.buses.push(b);
        part.supplied |= substations[b].supply_share > 0.0;
    }
    for (l, line) in lines.iter().enumerate() {
        let r = root(&mut parent, line.from);
        parts[part_index[r]].lines.push(l);
    }
    parts
}

/// `PTDF` of one part: rows its lines, columns its buses (the reference's column is 0).
fn part_ptdf(
    part: &Part,
    lines: &[Line],
    substations: &[Substation],
) -> Result<DMatrix<f64>, NetworkError> {
    let n = part.buses.len();
    let mut local = std::collections::HashMap::with_capacity(n);
    for (j, &b) in part.buses.iter().enumerate() {
        local.insert(b, j);
    }
    // The reduced matrix leaves out bus 0 (the reference): row/column j-1 is bus j.
    let mut b_reduced = DMatrix::<f64>::zeros(n - 1, n - 1);
    let ends = |l: usize| (local[&lines[l].from], local[&lines[l].to]);
    for &l in &part.lines {
        let (a, b) = ends(l);
        let y = 1.0 / lines[l].x_pu;
        if a > 0 {
            b_reduced[(a - 1, a - 1)] += y;
        }
        if b > 0 {
            b_reduced[(b - 1, b - 1)] += y;
        }
        if a > 0 && b > 0 {
            b_reduced[(a - 1, b - 1)] -= y;
            b_reduced[(b - 1, a - 1)] -= y;
        }
    }
    let singular = || NetworkError::Singular {
        substation: substations[part.buses[0]].id.clone(),
    };
    let inverse = b_reduced.lu().try_inverse().ok_or_else(singular)?;
    // θ at bus j for a MW injected at bus i: inverse[(j-1, i-1)], 0 at the reference.
    let theta = |bus: usize, injected: usize| {
        if bus == 0 || injected == 0 {
            0.0
        } else {
            inverse[(bus - 1, injected - 1)]
        }
    };
    let mut ptdf = DMatrix::<f64>::zeros(part.lines.len(), n);
    for (i, &l) in part.lines.iter().enumerate() {
        let (a, b) = ends(l);
        let y = 1.0 / lines[l].x_pu;
        for j in 1..n {
            ptdf[(i, j)] = (theta(a, j) - theta(b, j)) * y;
        }
    }
    if ptdf.iter().any(|v| !v.is_finite()) {
        return Err(singular());
    }
    Ok(ptdf)
}

/// `D_lb` for every bus of a supplied part (in the part's bus order), over the part's lines.
fn part_load_factors(
    part: &Part,
    ptdf: &DMatrix<f64>,
    substations: &[Substation],
) -> Vec<Vec<(usize, f64)>> {
    let total_share: f64 = part
        .buses
        .iter()
        .map(|&b| substations[b].supply_share)
        .sum();
    let supplies: Vec<(usize, f64)> = part
        .buses
        .iter()
        .enumerate()
        .filter(|&(_, &s)| substations[s].supply_share > 0.0)
        .map(|(j, &s)| (j, substations[s].supply_share / total_share))
        .collect();
    // Σ_s w_s·PTDF_ls: the flow on each line of a MW from the supplies to the reference.
    let supplied: Vec<f64> = (0..part.lines.len())
        .map(|i| supplies.iter().map(|&(j, w)| w * ptdf[(i, j)]).sum())
        .collect();
    (0..part.buses.len())
        .map(|j| {
            part.lines
                .iter()
                .enumerate()
                .map(|(i, &l)| (l, supplied[i] - ptdf[(i, j)]))
                .collect()
        })
        .collect()
}

/// `PTDF_l,(a_k→b_k)` of one part: rows and columns its lines.
fn part_transfer(part: &Part, lines: &[Line], ptdf: &DMatrix<f64>) -> DMatrix<f64> {
    let local: std::collections::HashMap<usize, usize> = part
        .buses
        .iter()
        .enumerate()
        .map(|(j, &b)| (b, j))
        .collect();
    let m = part.lines.len();
    DMatrix::from_fn(m, m, |i, k| {
        let line = &lines[part.lines[k]];
        ptdf[(i, local[&line.from])] - ptdf[(i, local[&line.to])]
    })
}

#[cfg(test)]
mod tests;
