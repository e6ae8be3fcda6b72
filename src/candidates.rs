//! Candidate screening: the contract's hard filters, in its order (zoning, setback, burden,
//! water, fiber, no_feed, too_small), in parallel over parcels.
//!
//! Takes a [`Map`], its [`SpatialIndex`] and a [`Scenario`]; gives a [`Screening`]: each parcel
//! is either a [`Candidate`] (with its fiber km, substations in reach and maximum MW) or an
//! [`Exclusion`] with the first filter it fails and a human detail.

use std::fmt;

use geo::Geometry;
use rayon::prelude::*;

use crate::index::{IndexError, SpatialIndex, setback_distance_m};
use crate::layers::{Map, Parcel, Receptor};
use crate::scenario::Scenario;

pub use crate::layers::UNASSIGNED;

/// Why a parcel is not a candidate, in the contract's filter order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    Zoning,
    Setback(String),
    Burden,
    Water,
    Fiber,
    NoFeed,
    TooSmall,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Zoning => f.write_str("zoning"),
            Reason::Setback(kind) => write!(f, "setback:{kind}"),
            Reason::Burden => f.write_str("burden"),
            Reason::Water => f.write_str("water"),
            Reason::Fiber => f.write_str("fiber"),
            Reason::NoFeed => f.write_str("no_feed"),
            Reason::TooSmall => f.write_str("too_small"),
        }
    }
}

/// A parcel ruled out, with its first failing filter.
#[derive(Debug, Clone, PartialEq)]
pub struct Exclusion {
    pub parcel: usize,
    pub reason: Reason,
    pub detail: String,
}

/// A substation a candidate may draw from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reach {
    pub substation: usize,
    pub km: f64,
}

/// A parcel that passes every filter.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub parcel: usize,
    /// Index into the map's communities; None for `unassigned`.
    pub community: Option<usize>,
    pub fiber_km: f64,
    /// Substations within `max_feed_km`, nearest first.
    pub feeds: Vec<Reach>,
    /// `module_mw·floor(min(max_site_mw, acres/acres_per_mw)/module_mw)`.
    pub max_mw: f64,
}

/// The outcome of screening every parcel, both lists in parcel order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Screening {
    pub candidates: Vec<Candidate>,
    pub exclusions: Vec<Exclusion>,
}

impl Screening {
    /// Exclusion counts by reason, in the contract's order.
    pub fn counts_by_reason(&self) -> Vec<(String, usize)> {
        let mut counts = std::collections::BTreeMap::<Reason, usize>::new();
        for e in &self.exclusions {
            *counts.entry(e.reason.clone()).or_default() += 1;
        }
        counts
            .into_iter()
            .map(|(r, n)| (r.to_string(), n))
            .collect()
    }
}

enum Outcome {
    Candidate(Candidate),
    Excluded(Exclusion),
}

/// Screens every parcel of the map.
pub fn screen(
    map: &Map,
    index: &SpatialIndex,
    scenario: &Scenario,
) -> Result<Screening, IndexError> {
    let served = crate::grid::twin::served_substations(&map.substations, &map.lines);
    let outcomes: Vec<Outcome> = (0..map.parcels.len())
        .into_par_iter()
        .map(|p| screen_parcel(map, index, scenario, &served, p))
        .collect::<Result<_, _>>()?;
    let mut screening = Screening::default();
    for outcome in outcomes {
        match outcome {
            Outcome::Candidate(c) => screening.candidates.push(c),
            Outcome::Excluded(e) => screening.exclusions.push(e),
        }
    }
    Ok(screening)
}

fn screen_parcel(
    map: &Map,
    index: &SpatialIndex,
    scenario: &Scenario,
    served: &[bool],
    p: usize,
) -> Result<Outcome, IndexError> {
    let (failures, candidate) = run_filters(map, index, scenario, served, p, Stop::AtFirst)?;
    Ok(match (failures.into_iter().next(), candidate) {
        (Some(failure), _) => Outcome::Excluded(Exclusion {
            parcel: p,
            reason: failure.reason,
            detail: failure.detail,
        }),
        (None, Some(candidate)) => Outcome::Candidate(candidate),
        // Without a failure every filter ran and passed, so the candidate is there.
        (None, None) => Outcome::Excluded(Exclusion {
            parcel: p,
            reason: Reason::TooSmall,
            detail: "no candidate".into(),
        }),
    })
}

/// A filter a parcel fails, with its figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub reason: Reason,
    pub detail: String,
}

/// Every filter a parcel fails, in the contract's order (empty for a candidate): what
/// `explain` tells about an excluded parcel.
pub fn failures_of(
    map: &Map,
    index: &SpatialIndex,
    scenario: &Scenario,
    p: usize,
) -> Result<Vec<Failure>, IndexError> {
    let served = crate::grid::twin::served_substations(&map.substations, &map.lines);
    Ok(run_filters(map, index, scenario, &served, p, Stop::Never)?.0)
}

/// Whether the filters stop at the first a parcel fails (screening) or all run (explain).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    AtFirst,
    Never,
}

/// The filters in the contract's order: the failures (at most one with [`Stop::AtFirst`]), and
/// the candidate where every filter passes.
fn run_filters(
    map: &Map,
    index: &SpatialIndex,
    scenario: &Scenario,
    served: &[bool],
    p: usize,
    stop: Stop,
) -> Result<(Vec<Failure>, Option<Candidate>), IndexError> {
    let parcel = &map.parcels[p];
    let mut failures = Vec::new();
    // Records a failure; true when the filters should stop.
    let mut fail = |reason: Reason, detail: String| {
        failures.push(Failure { reason, detail });
        stop == Stop::AtFirst
    };
    macro_rules! failed {
        ($reason:expr, $detail:expr) => {
            if fail($reason, $detail) {
                return Ok((failures, None));
            }
        };
    }
    if let Err(detail) = zoning_filter(parcel, scenario) {
        failed!(Reason::Zoning, detail);
    }
    let local = index
        .frame
        .project_geometry(&Geometry::MultiPolygon(parcel.shape.clone()))?;
    let near = index.receptors_near(&local, scenario.community.max_setback_m());
    if let Some(v) = setback_violation(
        &local,
        near.into_iter(),
        &map.receptors,
        &index.receptor_shapes,
        scenario,
    ) {
        failed!(Reason::Setback(v.kind.clone()), v.to_string());
    }
    let community = index.community_of(parcel.site_point);
    if let Err(detail) = burden_filter(parcel, community.map(|c| &map.communities[c]), scenario) {
        failed!(Reason::Burden, detail);
    }
    if let Err(detail) = water_filter(parcel, scenario) {
        failed!(Reason::Water, detail);
    }
    let fiber = index.nearest_fiber(p);
    let fiber_km = match fiber_filter(fiber, map, scenario) {
        Ok(km) => Some(km),
        Err(detail) => {
            failed!(Reason::Fiber, detail);
            None
        }
    };
    let mut reach = index.substations_within_km(p, scenario.site.max_feed_km);
    let unserved: Vec<usize> = (reach.iter())
        .filter(|(b, _)| !served[*b])
        .map(|(b, _)| *b)
        .collect();
    reach.retain(|(b, _)| served[*b]);
    if let Err(mut detail) = feed_filter(&reach, || index.nearest_substation(p), map, scenario) {
        if !unserved.is_empty() {
            let ids: Vec<&str> = (unserved.iter())
                .map(|&b| map.substations[b].id.as_str())
                .collect();
            detail.push_str(&format!(
                "; {} in reach {} on a part of the network with no supply substation \
                 (supply_share), so {} no new load",
                ids.join(", "),
                if ids.len() == 1 { "is" } else { "are" },
                if ids.len() == 1 {
                    "it takes"
                } else {
                    "they take"
                },
            ));
        }
        failed!(Reason::NoFeed, detail);
    }
    let max_mw = match size_filter(parcel, scenario) {
        Ok(mw) => Some(mw),
        Err(detail) => {
            failed!(Reason::TooSmall, detail);
            None
        }
    };
    let candidate = match (failures.is_empty(), fiber_km, max_mw) {
        (true, Some(fiber_km), Some(max_mw)) => Some(Candidate {
            parcel: p,
            community,
            fiber_km,
            feeds: reach
                .into_iter()
                .map(|(substation, km)| Reach { substation, km })
                .collect(),
            max_mw,
        }),
        _ => None,
    };
    Ok((failures, candidate))
}

/// Zoning: the parcel's zoning is in `site.allowed_zoning`.
pub fn zoning_filter(parcel: &Parcel, scenario: &Scenario) -> Result<(), String> {
    let allowed = &scenario.site.allowed_zoning;
    if allowed.contains(&parcel.zoning) {
        Ok(())
    } else {
        Err(format!(
            "zoning \"{}\" is not allowed (allowed: {})",
            parcel.zoning,
            allowed.join(", ")
        ))
    }
}

/// A receptor closer to the parcel than its kind's setback.
#[derive(Debug, Clone, PartialEq)]
pub struct SetbackViolation {
    pub receptor: usize,
    pub receptor_id: String,
    pub kind: String,
    pub distance_m: f64,
    pub setback_m: f64,
}

impl fmt::Display for SetbackViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:.0} m from {} {}, setback {:.0} m",
            self.distance_m, self.kind, self.receptor_id, self.setback_m
        )
    }
}

/// Setbacks: of the receptors closer than their kind's setback to any point of the parcel, the
/// closest (ties to the lower receptor index). `candidates` are receptor indices to test (the
/// R-tree's coarse answer, or all of them); shapes are in the local metric frame.
pub fn setback_violation(
    parcel_local: &Geometry,
    candidates: impl Iterator<Item = usize>,
    receptors: &[Receptor],
    receptor_shapes: &[Geometry],
    scenario: &Scenario,
) -> Option<SetbackViolation> {
    let mut worst: Option<SetbackViolation> = None;
    for r in candidates {
        let receptor = &receptors[r];
        let setback_m = scenario.community.setback_for(&receptor.kind);
        if setback_m <= 0.0 {
            continue;
        }
        let distance_m = setback_distance_m(parcel_local, &receptor_shapes[r]);
        let closer = worst.as_ref().is_none_or(|w| {
            distance_m < w.distance_m || (distance_m == w.distance_m && r < w.receptor)
        });
        if distance_m < setback_m && closer {
            worst = Some(SetbackViolation {
                receptor: r,
                receptor_id: receptor.id.clone(),
                kind: receptor.kind.clone(),
                distance_m,
                setback_m,
            });
        }
    }
    worst
}

/// Burden: the parcel's community is at or below `max_burden_pct`, or the parcel is a
/// brownfield and brownfields are exempt. `unassigned` has burden 0.
pub fn burden_filter(
    parcel: &Parcel,
    community: Option<&crate::layers::Community>,
    scenario: &Scenario,
) -> Result<(), String> {
    let rules = &scenario.community;
    let burden_pct = community.map_or(0.0, |c| c.burden_pct);
    if burden_pct <= rules.max_burden_pct || (parcel.brownfield && rules.brownfield_exempt) {
        return Ok(());
    }
    let id = community.map_or(UNASSIGNED, |c| c.id.as_str());
    Err(format!(
        "community {id} has burden {burden_pct:.1} pct, above {:.1}, and the parcel is not an exempt brownfield",
        rules.max_burden_pct
    ))
}

/// Water: the parcel's water stress is at most `max_water_stress`.
pub fn water_filter(parcel: &Parcel, scenario: &Scenario) -> Result<(), String> {
    let max = scenario.community.max_water_stress;
    if parcel.water_stress <= max {
        Ok(())
    } else {
        Err(format!(
            "water stress {:.2} is above {max:.2}",
            parcel.water_stress
        ))
    }
}

/// Fiber: the nearest fiber (fiber index, km) is within `max_fiber_km`; gives the km.
pub fn fiber_filter(
    nearest: Option<(usize, f64)>,
    map: &Map,
    scenario: &Scenario,
) -> Result<f64, String> {
    let max_km = scenario.site.max_fiber_km;
    match nearest {
        Some((_, km)) if km <= max_km => Ok(km),
        Some((f, km)) => Err(format!(
            "nearest fiber {} is {km:.2} km away, more than {max_km} km",
            map.fiber[f].id
        )),
        None => Err("the map has no fiber".into()),
    }
}

/// Feeds: at least `min_feeds` substations in reach. `nearest` is asked only to explain a failure.
pub fn feed_filter(
    reach: &[(usize, f64)],
    nearest: impl FnOnce() -> Option<(usize, f64)>,
    map: &Map,
    scenario: &Scenario,
) -> Result<(), String> {
    let site = &scenario.site;
    if reach.len() >= site.min_feeds as usize {
        return Ok(());
    }
    let nearest = match nearest() {
        Some((s, km)) => format!("; nearest {} at {km:.2} km", map.substations[s].id),
        None => "; the map has no substations".into(),
    };
    Err(format!(
        "{} substation(s) within {} km, {} needed{nearest}",
        reach.len(),
        site.max_feed_km,
        site.min_feeds
    ))
}

/// The most MW a parcel can host: `module_mw·floor(min(max_site_mw, acres/acres_per_mw)/module_mw)`.
pub fn max_site_mw(acres: f64, scenario: &Scenario) -> f64 {
    let t = &scenario.target;
    let cap_mw = crate::costs::size_cap_mw(scenario, acres);
    // A hair of tolerance so that 300/25 stays 12 modules despite rounding.
    t.module_mw * (cap_mw / t.module_mw + 1e-9).floor()
}

/// Room for a site: the parcel's maximum MW reaches `min_site_mw`; gives that maximum.
pub fn size_filter(parcel: &Parcel, scenario: &Scenario) -> Result<f64, String> {
    let mw = max_site_mw(parcel.acres, scenario);
    let t = &scenario.target;
    if mw >= t.min_site_mw && mw > 0.0 {
        Ok(mw)
    } else {
        Err(format!(
            "{:.1} acres hold {mw} MW at {} acres/MW in {} MW modules; a site needs {} MW",
            parcel.acres, scenario.site.acres_per_mw, t.module_mw, t.min_site_mw
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{max_site_mw, size_filter};
    use crate::layers::Parcel;
    use crate::scenario::Scenario;

    fn parcel(acres: f64) -> Parcel {
        Parcel {
            id: "P".into(),
            zoning: "industrial".into(),
            land_usd_per_acre: 0.0,
            brownfield: false,
            water_stress: 0.0,
            shape: geo::MultiPolygon(vec![]),
            site_point: geo::Point::new(0.0, 0.0),
            acres,
        }
    }

    /// At the defaults (0.5 acres per MW, 25 MW modules, sites of 50 to 300 MW), worked by
    /// hand: 30 acres hold 60 MW, two modules (50 MW), enough; 20 acres hold 40 MW, one
    /// module (25 MW), too small; 1,000 acres stop at the 300 MW cap; exactly 150 acres hold
    /// 300 MW, twelve modules, despite rounding.
    #[test]
    fn site_sizes_of_known_parcels() {
        let s = Scenario::parse(
            "name = \"k\"\nmap = \"m\"\n[target]\ntotal_mw = 100\n",
            Path::new("k.toml"),
        )
        .unwrap();
        assert_eq!(size_filter(&parcel(30.0), &s), Ok(50.0));
        let small = size_filter(&parcel(20.0), &s).unwrap_err();
        assert!(small.contains("20.0 acres hold 25 MW"), "{small}");
        assert_eq!(max_site_mw(1_000.0, &s), 300.0);
        assert_eq!(max_site_mw(150.0, &s), 300.0);
    }
}
