//! `optimize --alternatives K --within PCT`: the next-best plans, each the exact optimum of the
//! program that must differ from the optimum and every earlier alternative in at least one
//! site ([`Restrictions::differ_from`]). The first is the second-best plan (by its set of
//! sites); the search stops at K, or at the first whose cost lies more than PCT % above the
//! optimum (every later one costs at least as much), or when no other plan exists.
//!
//! Takes the optimized region; gives [`AlternativeRow`]s and writes each plan's files under
//! `DIR/alternatives/<n>/`, and `DIR/alternatives.csv` / `.json` comparing them with the
//! optimum (row 0).

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::files::{round_to, write_atomically, write_json};
use crate::model::Restrictions;
use crate::outcome::ReportOptions;
use crate::outcome::{Optimized, Prepared, StageSeconds};
use crate::pipeline::{Solution, solve_restricted, write_solution};
use crate::plan::Plan;
use crate::solve::SolveProgress;

/// One plan of the comparison: the optimum (`n = 0`) or an alternative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlternativeRow {
    pub n: usize,
    pub status: String,
    pub gap: Option<f64>,
    pub objective_usd: f64,
    /// Above the optimum, % of it.
    pub above_optimum_pct: f64,
    /// Parcel ids.
    pub sites: Vec<String>,
    /// Community ids hosting a site.
    pub communities: Vec<String>,
    /// [`crate::costs::burdened_residents`] of the hosting communities, persons.
    pub burdened_residents: f64,
    /// Firm MW the plan draws, and its share of all available firm MW.
    pub headroom_used_mw: f64,
    pub headroom_used_share: f64,
}

/// Why the search for alternatives stopped before K.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alternatives {
    pub rows: Vec<AlternativeRow>,
    /// Why there are fewer than K alternatives (empty when there are K).
    pub stopped: String,
}

/// Finds up to `k` alternatives within `within_pct` % of `optimized`'s plan and writes them
/// under `out`; gives the region back with the comparison.
pub fn find(
    optimized: Optimized,
    k: usize,
    within_pct: f64,
    out: &Path,
    on_progress: &(dyn Fn(SolveProgress) + Sync),
) -> Result<(Optimized, Alternatives), Error> {
    let optimum_usd = optimized.plan.objective_usd();
    let mut rows = vec![row(
        &optimized.prepared,
        0,
        &optimized.plan,
        optimized.status.as_str(),
        optimized.gap,
        optimum_usd,
    )];
    let mut restrictions = Restrictions::default();
    restrictions.differ_from.push(built(&optimized.plan));
    let (mut region, optimum) = optimized.into_solution();
    let mut stopped = String::new();
    let limit_usd = optimum_usd * (1.0 + within_pct / 100.0);
    // Plans beyond the limit end the search: the search reduces by it (exact below it).
    restrictions.max_cost_usd = Some(limit_usd * (1.0 + 1e-9));
    for n in 1..=k {
        let mut seconds = StageSeconds::default();
        let solved = solve_restricted(&region, &restrictions, &mut seconds, on_progress)?;
        if solved.status == crate::summary::Status::Infeasible {
            stopped = format!(
                "no other plan costs within --within {within_pct} % of the optimum after {} alternative(s)",
                n - 1
            );
            break;
        }
        if !solved.status.has_plan() {
            stopped = format!(
                "no other plan exists after {} alternative(s) ({})",
                n - 1,
                solved.status.as_str()
            );
            break;
        }
        let usd = solved.plan.objective_usd();
        if usd > limit_usd * (1.0 + 1e-12) {
            stopped = format!(
                "the next-best plan costs {:.2} % above the optimum, more than --within {within_pct}",
                100.0 * (usd - optimum_usd) / optimum_usd.abs().max(1.0)
            );
            break;
        }
        rows.push(row(
            &region,
            n,
            &solved.plan,
            solved.status.as_str(),
            solved.gap,
            optimum_usd,
        ));
        restrictions.differ_from.push(built(&solved.plan));
        region.seconds = seconds;
        region = write_alternative(
            region,
            solved,
            &out.join("alternatives").join(n.to_string()),
        )?;
    }
    let alternatives = Alternatives { rows, stopped };
    write_comparison(out, &alternatives)?;
    let optimized = Optimized::from_solution(region, optimum);
    Ok((optimized, alternatives))
}

fn built(plan: &Plan) -> BTreeSet<usize> {
    plan.sites.iter().map(|s| s.parcel).collect()
}

/// Writes an alternative's files as `optimize` writes a plan's; gives the region back.
fn write_alternative(region: Prepared, solved: Solution, folder: &Path) -> Result<Prepared, Error> {
    let optimized = write_solution(region, solved, folder, &ReportOptions::default())?;
    Ok(optimized.prepared)
}

fn row(
    prepared: &Prepared,
    n: usize,
    plan: &Plan,
    status: &str,
    gap: Option<f64>,
    optimum_usd: f64,
) -> AlternativeRow {
    let map = &prepared.map;
    let usd = plan.objective_usd();
    let available_mw: f64 = (map.substations.iter().enumerate())
        .map(|(b, s)| crate::costs::available_mw(&prepared.scenario, s, plan.upgraded.contains(&b)))
        .sum();
    let used_mw: f64 = plan.sites.iter().map(|s| s.firm_mw()).sum();
    AlternativeRow {
        n,
        status: status.into(),
        gap,
        objective_usd: round_to(usd, 2),
        above_optimum_pct: round_to(100.0 * (usd - optimum_usd) / optimum_usd.abs().max(1.0), 4),
        sites: plan
            .sites
            .iter()
            .map(|s| map.parcels[s.parcel].id.clone())
            .collect(),
        communities: (plan.hosting_communities().into_iter())
            .map(|c| map.communities[c].id.clone())
            .collect(),
        burdened_residents: round_to(plan.burdened_residents(map), 1),
        headroom_used_mw: round_to(used_mw, 3),
        headroom_used_share: round_to(
            if available_mw > 0.0 {
                used_mw / available_mw
            } else {
                0.0
            },
            4,
        ),
    }
}

/// `alternatives.json` and `alternatives.csv` beside the plan's files.
fn write_comparison(out: &Path, alternatives: &Alternatives) -> Result<(), Error> {
    write_json(&out.join("alternatives.json"), alternatives)?;
    write_atomically(&out.join("alternatives.csv"), |w| {
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record([
            "n",
            "status",
            "objective_usd",
            "above_optimum_pct",
            "sites",
            "communities",
            "burdened_residents",
            "headroom_used_mw",
            "headroom_used_share",
            "gap",
        ])?;
        for r in &alternatives.rows {
            csv.write_record([
                r.n.to_string(),
                r.status.clone(),
                r.objective_usd.to_string(),
                r.above_optimum_pct.to_string(),
                r.sites.join(" "),
                r.communities.join(" "),
                r.burdened_residents.to_string(),
                r.headroom_used_mw.to_string(),
                r.headroom_used_share.to_string(),
                r.gap.map(|g| g.to_string()).unwrap_or_default(),
            ])?;
        }
        csv.flush()
    })?;
    Ok(())
}
