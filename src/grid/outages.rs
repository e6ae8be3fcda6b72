//! N-1 substation outages (docs/grid-security.md, "Grid security", with `min_feeds ≥ 2`): whether a plan
//! survives the outage of each substation, and a re-dispatch that shows it.
//!
//! While substation k is out, each site p it feeds moves its firm MW from k (`firm_pk`) onto
//! its other feeds (`pickup_pkb`, any split), and each other substation b must carry its normal
//! firm MW plus what it picks up within its emergency capacity `E_b`. For a given plan this is
//! a transportation problem: a source gives `firm_pk` to each site p fed by k, each site passes
//! it on to its other feeds, and each such b takes at most `E_b − firm_b`. The plan survives
//! the outage exactly when the maximum flow moves all of it; the flow on the edge from p to b
//! is a feasible `pickup_pkb`. (The contract's bound `pickup_pkb ≤ max_site_mw·feed_pb` is met:
//! only chosen feeds get edges, and a pickup is at most `firm_pk ≤ max_site_mw`.)
//!
//! # Why outages are added lazily, and the optimum kept
//!
//! The program's N-1 rows fall into one block per outage k: the pickups of k's sites, their
//! balance `Σ_b pickup_pkb = firm_pk`, and the rows `Σ_p firm_pb + Σ_p pickup_pkb ≤ E_b` of the
//! pairs (k, b). The fast path holds the blocks of the outages found so far (none at first):
//! that program has fewer rows, so it has every plan of the whole program and an optimum no
//! higher. Its plan is checked against every outage ([`check`]); the blocks of the outages it
//! does not survive are added and the program solved again. A plan that survives every outage
//! satisfies every block (with the re-dispatch's pickups), so it is a plan of the whole program,
//! and optimal there. Blocks are only added, so the loop ends.

use std::collections::BTreeSet;

use pathfinding::directed::edmonds_karp::edmonds_karp_sparse;

/// Flows are exact integers of this many MW (a nano-MW): the max-flow needs whole numbers.
const MW_PER_UNIT: f64 = 1e-9;
/// A plan survives an outage when at most this much MW is left unmoved (solver tolerance).
const TOLERANCE_MW: f64 = 1e-4;

/// One chosen feed of a site: its substation and the firm MW it carries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SiteFeed {
    pub substation: usize,
    pub firm_mw: f64,
}

/// One outage of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Outage {
    /// The substation out.
    pub out: usize,
    /// Firm MW its sites must move.
    pub needed_mw: f64,
    /// Firm MW the re-dispatch moves.
    pub moved_mw: f64,
    /// `(site, substation, MW)`: the re-dispatch's pickups (sites index the plan's sites).
    pub pickups: Vec<(usize, usize, f64)>,
}

impl Outage {
    /// Whether the plan survives it.
    pub fn survived(&self) -> bool {
        self.moved_mw >= self.needed_mw - TOLERANCE_MW
    }
}

/// Every outage of a substation that feeds firm MW to some site: `sites` gives each site's
/// chosen feeds, `emergency_mw(b)` each substation's emergency capacity (with its upgrade where
/// the plan takes it). In substation order.
pub fn check(sites: &[Vec<SiteFeed>], emergency_mw: &dyn Fn(usize) -> f64) -> Vec<Outage> {
    let mut firm_mw: std::collections::BTreeMap<usize, f64> = Default::default();
    for feed in sites.iter().flatten() {
        *firm_mw.entry(feed.substation).or_default() += feed.firm_mw;
    }
    let spare_mw = |b: usize| (emergency_mw(b) - firm_mw.get(&b).copied().unwrap_or(0.0)).max(0.0);
    (firm_mw.iter())
        .filter(|&(_, &mw)| mw > 0.0)
        .map(|(&out, _)| redispatch(out, sites, &spare_mw))
        .collect()
}

/// The substations whose outage the plan does not survive.
pub fn unsurvived(sites: &[Vec<SiteFeed>], emergency_mw: &dyn Fn(usize) -> f64) -> BTreeSet<usize> {
    (check(sites, emergency_mw).into_iter())
        .filter(|o| !o.survived())
        .map(|o| o.out)
        .collect()
}

/// Graph nodes of one outage's transportation problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Node {
    Source,
    Site(usize),
    Substation(usize),
    Sink,
}

fn units(mw: f64) -> i64 {
    (mw / MW_PER_UNIT).round() as i64
}

/// The maximum flow of firm MW off substation `out` onto the other feeds of its sites.
fn redispatch(out: usize, sites: &[Vec<SiteFeed>], spare_mw: &dyn Fn(usize) -> f64) -> Outage {
    let mut nodes = vec![Node::Source, Node::Sink];
    let mut edges = Vec::new();
    let mut receivers = BTreeSet::new();
    let mut needed_mw = 0.0;
    for (p, feeds) in sites.iter().enumerate() {
        let Some(lost) = feeds
            .iter()
            .find(|f| f.substation == out && f.firm_mw > 0.0)
        else {
            continue;
        };
        needed_mw += lost.firm_mw;
        nodes.push(Node::Site(p));
        edges.push(((Node::Source, Node::Site(p)), units(lost.firm_mw)));
        for other in feeds.iter().filter(|f| f.substation != out) {
            let b = other.substation;
            edges.push(((Node::Site(p), Node::Substation(b)), units(lost.firm_mw)));
            receivers.insert(b);
        }
    }
    for &b in &receivers {
        nodes.push(Node::Substation(b));
        edges.push(((Node::Substation(b), Node::Sink), units(spare_mw(b))));
    }
    let (flows, total, _) = edmonds_karp_sparse(&nodes, &Node::Source, &Node::Sink, edges);
    let mut pickups: Vec<(usize, usize, f64)> = (flows.into_iter())
        .filter_map(|((from, to), units)| match (from, to) {
            (Node::Site(p), Node::Substation(b)) if units > 0 => {
                Some((p, b, units as f64 * MW_PER_UNIT))
            }
            _ => None,
        })
        .collect();
    pickups.sort_by_key(|p| (p.0, p.1));
    Outage {
        out,
        needed_mw,
        moved_mw: total as f64 * MW_PER_UNIT,
        pickups,
    }
}

#[cfg(test)]
mod tests {
    use super::{SiteFeed, check, unsurvived};

    fn feed(substation: usize, firm_mw: f64) -> SiteFeed {
        SiteFeed {
            substation,
            firm_mw,
        }
    }

    #[test]
    fn a_second_feed_with_too_little_emergency_capacity_does_not_secure_a_site() {
        // Site 0 draws 226.8 MW from substation 0 and 23.2 from 1, whose emergency capacity is
        // 23.2 MW: when 0 is out, 1 can take nothing more.
        let sites = vec![vec![feed(0, 226.8), feed(1, 23.2)]];
        let emergency = |b: usize| if b == 0 { 500.0 } else { 23.2 };
        assert_eq!(
            unsurvived(&sites, &emergency)
                .into_iter()
                .collect::<Vec<_>>(),
            vec![0]
        );
        // Substation 1 out: 0 picks up 23.2 MW within its 500 − 226.8.
        let outages = check(&sites, &emergency);
        assert!(outages[1].survived());
        let [(site, to, mw)] = outages[1].pickups[..] else {
            panic!("one pickup: {:?}", outages[1].pickups);
        };
        assert_eq!((site, to), (0, 0));
        assert!((mw - 23.2).abs() < 1e-9);
    }

    #[test]
    fn pickups_share_a_substation_between_sites() {
        // Sites 0 and 1 both lose 100 MW from substation 0; substation 1 has 150 MW spare and
        // feeds both, substation 2 has 100 MW spare and feeds site 1 only.
        let sites = vec![
            vec![feed(0, 100.0), feed(1, 0.0)],
            vec![feed(0, 100.0), feed(1, 0.0), feed(2, 0.0)],
        ];
        let emergency = |b: usize| [300.0, 150.0, 100.0][b];
        let outages = check(&sites, &emergency);
        assert_eq!(outages.len(), 1);
        assert!(outages[0].survived());
        let to_1: f64 = (outages[0].pickups.iter())
            .filter(|p| p.1 == 1)
            .map(|p| p.2)
            .sum();
        assert!(to_1 <= 150.0 + 1e-9);
        // With 40 MW less spare at 1, 10 MW cannot move.
        let tighter = |b: usize| [300.0, 90.0, 100.0][b];
        let outages = check(&sites, &tighter);
        assert!(!outages[0].survived());
        assert!((outages[0].moved_mw - 190.0).abs() < 1e-6);
    }
}
