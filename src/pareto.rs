//! `optimize --pareto burden|spread`: the trade-off between the plan's cost and how it treats
//! communities, traced exactly by an epsilon-constraint sweep.
//!
//! - `burden`: the burdened residents of the communities that host a site
//!   ([`crate::costs::burdened_residents`]);
//! - `spread`: the largest share of `total_mw` in one community (unassigned land counts as one).
//!
//! The first point is the cost optimum, with its measure m₀. Each next point is the exact
//! optimum of the program with the measure capped just below the last point's
//! (`m ≤ m_last − δ`, δ = 0.01 % of the measure's scale, [`STEP`]): the cheapest plan that
//! treats communities strictly better. When no plan is left the sweep ends, and its last point is the plan with the least
//! measure (no plan has less, or the next program would have one) and, among those, the least
//! cost (it is the optimum of the program capped at that measure). A later point has a smaller
//! measure and, as the optimum of a tighter program, a cost at least as high; where the costs
//! tie, the earlier point is dominated and the later one replaces it, so every point kept is
//! non-dominated.
//!
//! Takes the optimized region; gives the [`ParetoPoint`]s and writes `pareto.csv`,
//! `pareto.svg` and each point's plan under `DIR/pareto/<n>/`.

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::files::{round_to, write_atomically, write_json};
use crate::model::Restrictions;
use crate::outcome::ReportOptions;
use crate::outcome::{Optimized, Prepared, StageSeconds};
use crate::pipeline::{solve_restricted, write_solution};
use crate::plan::Plan;
use crate::solve::SolveProgress;

/// What the cost is traded against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Axis {
    Burden,
    Spread,
}

/// A `--pareto` axis that is neither `burden` nor `spread`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("--pareto takes burden or spread, not {0:?}")]
pub struct UnknownAxis(pub String);

impl Axis {
    pub fn parse(text: &str) -> Result<Axis, UnknownAxis> {
        match text {
            "burden" => Ok(Axis::Burden),
            "spread" => Ok(Axis::Spread),
            other => Err(UnknownAxis(other.to_string())),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Axis::Burden => "burdened_residents",
            Axis::Spread => "largest_community_share",
        }
    }

    /// The plan's measure on this axis.
    pub fn measure(self, prepared: &Prepared, plan: &Plan) -> f64 {
        match self {
            Axis::Burden => plan.burdened_residents(&prepared.map),
            Axis::Spread => {
                let total = prepared.scenario.target.total_mw.max(1e-9);
                let mut by_community = std::collections::BTreeMap::new();
                for s in &plan.sites {
                    *by_community.entry(s.community).or_insert(0.0) += s.mw;
                }
                by_community
                    .values()
                    .fold(0.0, |m: f64, mw| m.max(mw / total))
            }
        }
    }

    /// The smallest difference of measures the sweep tells apart ([`STEP`] of the scale).
    fn step(self, prepared: &Prepared) -> f64 {
        match self {
            Axis::Burden => {
                let scale: f64 = (prepared.map.communities.iter())
                    .map(crate::costs::burdened_residents)
                    .sum();
                STEP * scale.max(1.0)
            }
            Axis::Spread => STEP,
        }
    }

    fn cap(self, restrictions: &mut Restrictions, below: f64) {
        match self {
            Axis::Burden => restrictions.max_burdened_residents = Some(below),
            Axis::Spread => restrictions.max_community_share = Some(below),
        }
    }
}

/// One point of the front.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParetoPoint {
    pub n: usize,
    pub status: String,
    pub gap: Option<f64>,
    pub objective_usd: f64,
    /// The point's measure: burdened residents, or the largest community share (0–1).
    pub measure: f64,
    pub sites: Vec<String>,
}

/// The front and how the sweep ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Front {
    pub axis: Axis,
    pub points: Vec<ParetoPoint>,
    /// `complete` (the last point has the least measure) or why the sweep stopped early.
    pub ended: String,
}

/// The step below the last point's measure, as a share of the measure's scale (the map's
/// burdened residents, or a share of 1): a hundred times the solver's feasibility tolerance on
/// the scaled row, so that the cap cuts off the last point's level for certain. Two plans whose
/// measures differ by less (0.01 % of the scale) are one level of the front.
const STEP: f64 = 1e-4;

/// Traces the front from `optimized`'s plan, at most `max_points` points; writes it under
/// `out`; gives the region back.
pub fn trace(
    optimized: Optimized,
    axis: Axis,
    max_points: usize,
    out: &Path,
    on_progress: &(dyn Fn(SolveProgress) + Sync),
) -> Result<(Optimized, Front), Error> {
    let first = point(
        &optimized.prepared,
        0,
        &optimized.plan,
        optimized.status.as_str(),
        optimized.gap,
        axis,
    );
    let mut points = vec![first];
    let (prepared, optimum) = optimized.into_solution();
    let folder = out.join("pareto").join("0");
    let mut region = write_solution(
        prepared,
        optimum.clone(),
        &folder,
        &ReportOptions::default(),
    )?
    .prepared;
    let mut ended = String::from("complete");
    while let Some(last) = points.last().cloned() {
        if points.len() >= max_points.max(1) {
            ended = format!(
                "stopped at --pareto-points {max_points}: the last point is not proven the least {}",
                axis.name()
            );
            break;
        }
        if last.measure <= 0.0 {
            break;
        }
        let mut restrictions = Restrictions::default();
        let step = axis.step(&region);
        axis.cap(&mut restrictions, last.measure - step);
        let mut seconds = StageSeconds::default();
        let solved = solve_restricted(&region, &restrictions, &mut seconds, on_progress)?;
        if !solved.status.has_plan() {
            if solved
                .shortfalls
                .iter()
                .any(|s| s.requirement == "solver.time_limit_s")
            {
                ended = "the program below the last point found no plan in time: the last point is not proven the least".into();
            }
            break;
        }
        if axis.measure(&region, &solved.plan) > last.measure - step / 2.0 {
            ended = "the solver's tolerances kept the next plan at the last point's level: the last point is not proven the least".into();
            break;
        }
        // A tie in cost makes the earlier point dominated: the later one replaces it.
        let usd = solved.plan.objective_usd();
        if (usd - last.objective_usd).abs() <= 1e-9 * last.objective_usd.abs().max(1.0) {
            points.pop();
        }
        let n = points.len();
        let next = point(
            &region,
            n,
            &solved.plan,
            solved.status.as_str(),
            solved.gap,
            axis,
        );
        region.seconds = seconds;
        let folder = out.join("pareto").join(n.to_string());
        region = write_solution(region, solved, &folder, &ReportOptions::default())?.prepared;
        points.push(next);
    }
    let optimized = Optimized::from_solution(region, optimum);
    let unproven: Vec<usize> = (points.iter())
        .filter(|p| p.status != "optimal")
        .map(|p| p.n)
        .collect();
    if !unproven.is_empty() {
        ended = format!(
            "{ended}; points {unproven:?} are the best plans found in time, not proven optimal \
             (see their gap): raise solver.time_limit_s for an exact front"
        );
    }
    let front = Front {
        axis,
        points,
        ended,
    };
    write_front(out, &front)?;
    Ok((optimized, front))
}

fn point(
    prepared: &Prepared,
    n: usize,
    plan: &Plan,
    status: &str,
    gap: Option<f64>,
    axis: Axis,
) -> ParetoPoint {
    ParetoPoint {
        n,
        status: status.into(),
        gap,
        objective_usd: round_to(plan.objective_usd(), 2),
        measure: round_to(axis.measure(prepared, plan), 6),
        sites: (plan.sites.iter())
            .map(|s| prepared.map.parcels[s.parcel].id.clone())
            .collect(),
    }
}

/// `pareto.csv`, `pareto.json` and `pareto.svg`.
fn write_front(out: &Path, front: &Front) -> Result<(), Error> {
    write_json(&out.join("pareto.json"), front)?;
    write_atomically(&out.join("pareto.csv"), |w| {
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record([
            "n",
            "status",
            "objective_usd",
            front.axis.name(),
            "sites",
            "gap",
        ])?;
        for p in &front.points {
            csv.write_record([
                p.n.to_string(),
                p.status.clone(),
                p.objective_usd.to_string(),
                p.measure.to_string(),
                p.sites.join(" "),
                p.gap.map(|g| g.to_string()).unwrap_or_default(),
            ])?;
        }
        csv.flush()
    })?;
    let svg = chart(front);
    write_atomically(&out.join("pareto.svg"), |w| {
        std::io::Write::write_all(w, svg.as_bytes())
    })?;
    Ok(())
}

/// The front as an SVG chart: cost (M USD) against the measure, each point labelled.
pub fn chart(front: &Front) -> String {
    let (w, h, left, right, top, bottom) = (720.0, 440.0, 90.0, 30.0, 50.0, 60.0);
    let xs: Vec<f64> = front.points.iter().map(|p| p.measure).collect();
    let ys: Vec<f64> = front.points.iter().map(|p| p.objective_usd / 1e6).collect();
    let span = |v: &[f64]| {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !lo.is_finite() {
            (0.0, 1.0)
        } else if hi - lo < 1e-9 {
            (lo - 0.5 * lo.abs().max(1.0), hi + 0.5 * hi.abs().max(1.0))
        } else {
            (lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))
        }
    };
    let ((x0, x1), (y0, y1)) = (span(&xs), span(&ys));
    let px = |x: f64| left + (x - x0) / (x1 - x0) * (w - left - right);
    let py = |y: f64| h - bottom - (y - y0) / (y1 - y0) * (h - top - bottom);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"12\">\
<rect width=\"{w}\" height=\"{h}\" fill=\"white\"/>\
<text x=\"{}\" y=\"24\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">Cost against {}</text>\
<line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#222\"/><line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{}\" stroke=\"#222\"/>\
<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\
<text x=\"18\" y=\"{}\" text-anchor=\"middle\" transform=\"rotate(-90 18 {})\">cost (M USD)</text>",
        w / 2.0,
        front.axis.name().replace('_', " "),
        h - bottom,
        w - right,
        h - bottom,
        h - bottom,
        (left + w - right) / 2.0,
        h - 18.0,
        front.axis.name().replace('_', " "),
        (top + h - bottom) / 2.0,
        (top + h - bottom) / 2.0,
    );
    for (v, axis_y) in [(x0, true), (x1, true), (y0, false), (y1, false)] {
        if axis_y {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{v:.3}</text>",
                px(v),
                h - bottom + 16.0
            );
        } else {
            let _ = write!(
                svg,
                "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{v:.2}</text>",
                left - 6.0,
                py(v) + 4.0
            );
        }
    }
    let path: Vec<String> = (xs.iter().zip(&ys))
        .map(|(&x, &y)| format!("{:.1},{:.1}", px(x), py(y)))
        .collect();
    let _ = write!(
        svg,
        "<polyline fill=\"none\" stroke=\"#4c78a8\" stroke-width=\"2\" points=\"{}\"/>",
        path.join(" ")
    );
    for (p, (&x, &y)) in front.points.iter().zip(xs.iter().zip(&ys)) {
        let _ = write!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"5\" fill=\"#4c78a8\"><title>point {}: {:.0} USD, {} {}</title></circle><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            px(x),
            py(y),
            p.n,
            p.objective_usd,
            front.axis.name(),
            p.measure,
            px(x) + 7.0,
            py(y) - 7.0,
            p.n
        );
    }
    svg.push_str("</svg>\n");
    svg
}
