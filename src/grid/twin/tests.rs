//! Hand-computed networks: a three-bus loop with a radial spur, parallel lines, an unsupplied
//! part, and the outage identity checked against a re-solved network.

use geo::{MultiLineString, Point};

use super::{Network, dc_flows_mw};
use crate::layers::{Line, Substation};

fn substation(id: &str, supply_share: f64) -> Substation {
    Substation {
        id: id.into(),
        name: None,
        point: Point::new(0.0, 0.0),
        voltage_kv: 115.0,
        headroom_mw: 100.0,
        flexible_mw: 0.0,
        community_growth_mw: 0.0,
        upgrade_mw: 0.0,
        upgrade_usd: 0.0,
        supply_share,
        profile: None,
        queued_mw: 0.0,
        hosting: None,
    }
}

fn line(id: &str, from: usize, to: usize, x_pu: f64) -> Line {
    Line {
        id: id.into(),
        name: None,
        from,
        to,
        x_pu,
        rating_mw: 100.0,
        emergency_rating_mw: 100.0,
        voltage_kv: None,
        base_flow_mw: 0.0,
        geometry: MultiLineString(Vec::new()),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// A(0) supplies; lines A–B, B–C, A–C of equal reactance; a spur C–D.
fn loop_with_spur() -> (Vec<Substation>, Vec<Line>) {
    let subs = vec![
        substation("A", 1.0),
        substation("B", 0.0),
        substation("C", 0.0),
        substation("D", 0.0),
    ];
    let lines = vec![
        line("AB", 0, 1, 0.1),
        line("BC", 1, 2, 0.1),
        line("AC", 0, 2, 0.1),
        line("CD", 2, 3, 0.05),
    ];
    (subs, lines)
}

fn factor(network: &Network, b: usize, l: usize) -> f64 {
    network
        .load_factors(b)
        .iter()
        .find(|(line, _)| *line == l)
        .map_or(0.0, |(_, d)| *d)
}

#[test]
fn a_mw_at_c_splits_two_thirds_direct_and_one_third_around_the_loop() {
    let (subs, lines) = loop_with_spur();
    let network = Network::new(&subs, &lines).unwrap();
    assert!(close(factor(&network, 2, 2), 2.0 / 3.0));
    assert!(close(factor(&network, 2, 0), 1.0 / 3.0));
    assert!(close(factor(&network, 2, 1), 1.0 / 3.0));
    assert!(close(factor(&network, 2, 3), 0.0));
    // A MW at D crosses the spur whole (C to D), then splits the same way.
    assert!(close(factor(&network, 3, 3), 1.0));
    assert!(close(factor(&network, 3, 2), 2.0 / 3.0));
    // New load at the supply moves nothing.
    assert!(network.load_factors(0).iter().all(|(_, d)| close(*d, 0.0)));
    let change = network.flow_change_mw(&[0.0, 0.0, 3.0, 0.0]);
    assert!(close(change[2], 2.0) && close(change[0], 1.0) && close(change[1], 1.0));
}

#[test]
fn the_spur_is_radial_and_the_loop_lines_carry_each_others_outage() {
    let (subs, lines) = loop_with_spur();
    let network = Network::new(&subs, &lines).unwrap();
    assert_eq!(network.radial, vec![false, false, false, true]);
    assert_eq!(network.contingencies().collect::<Vec<_>>(), vec![0, 1, 2]);
    // A–C out: all of its flow goes round through B.
    assert!(close(network.lodf(0, 2), 1.0));
    assert!(close(network.lodf(1, 2), 1.0));
    // A–B out: its flow (A to B) reaches B the other way, backwards on A–C then B–C reversed.
    assert!(close(network.lodf(2, 0), 1.0));
    assert!(close(network.lodf(1, 0), -1.0));
    assert!(close(network.lodf(3, 0), 0.0));
}

#[test]
fn parallel_lines_are_not_radial_and_share_by_reactance() {
    let subs = vec![substation("A", 1.0), substation("B", 0.0)];
    let lines = vec![line("1", 0, 1, 0.1), line("2", 1, 0, 0.3)];
    let network = Network::new(&subs, &lines).unwrap();
    assert_eq!(network.radial, vec![false, false]);
    // One MW to B: 3/4 on the line of a third of the reactance, 1/4 (B to A, negative) on the other.
    assert!(close(factor(&network, 1, 0), 0.75));
    assert!(close(factor(&network, 1, 1), -0.25));
    // Either out: the other carries it all (the second runs the other way).
    assert!(close(network.lodf(1, 0), -1.0));
}

#[test]
fn a_part_without_supply_serves_no_new_load_and_a_substation_off_the_network_does() {
    let subs = vec![
        substation("A", 1.0),
        substation("B", 0.0),
        substation("C", 0.0),
        substation("D", 0.0),
        substation("E", 0.0),
    ];
    let lines = vec![line("AB", 0, 1, 0.1), line("CD", 2, 3, 0.1)];
    let network = Network::new(&subs, &lines).unwrap();
    assert_eq!(network.parts.len(), 2);
    assert!(network.serves(1) && !network.serves(2) && !network.serves(3));
    assert!(network.serves(4) && !network.moves_flows(4));
    assert_eq!(network.part_of[4], None);
}

#[test]
fn supply_shares_are_renormalised_within_a_part() {
    // A and C supply 1:3 (shares 0.1 and 0.3); a MW at B on the line A–B–C.
    let subs = vec![
        substation("A", 0.1),
        substation("B", 0.0),
        substation("C", 0.3),
    ];
    let lines = vec![line("AB", 0, 1, 0.1), line("BC", 1, 2, 0.1)];
    let network = Network::new(&subs, &lines).unwrap();
    assert!(close(factor(&network, 1, 0), 0.25));
    assert!(close(factor(&network, 1, 1), -0.75));
}

#[test]
fn lodf_equals_the_flows_of_the_network_without_the_line() {
    // A meshed five-bus network with unequal reactances.
    let subs: Vec<Substation> = ["A", "B", "C", "D", "E"]
        .iter()
        .enumerate()
        .map(|(i, id)| substation(id, if i == 0 { 1.0 } else { 0.0 }))
        .collect();
    let lines = vec![
        line("0", 0, 1, 0.1),
        line("1", 1, 2, 0.2),
        line("2", 2, 3, 0.15),
        line("3", 3, 4, 0.05),
        line("4", 4, 0, 0.3),
        line("5", 1, 3, 0.25),
        line("6", 0, 2, 0.12),
    ];
    let injection = [150.0, -40.0, -30.0, -50.0, -30.0];
    let before = dc_flows_mw(&subs, &lines, &injection).unwrap();
    let network = Network::new(&subs, &lines).unwrap();
    for k in network.contingencies().collect::<Vec<_>>() {
        let mut without = lines.clone();
        without.remove(k);
        let after = dc_flows_mw(&subs, &without, &injection).unwrap();
        for l in 0..lines.len() {
            if l == k {
                continue;
            }
            let after_l = after[if l < k { l } else { l - 1 }];
            let predicted = before[l] + network.lodf(l, k) * before[k];
            assert!(
                (after_l - predicted).abs() < 1e-9,
                "line {l} after {k} out: {after_l} vs {predicted}"
            );
        }
    }
}

#[test]
fn dc_flows_balance_at_every_bus() {
    let (subs, lines) = loop_with_spur();
    let injection = [10.0, -2.0, -3.0, -5.0];
    let flows = dc_flows_mw(&subs, &lines, &injection).unwrap();
    for (b, inj) in injection.iter().enumerate() {
        let out: f64 = lines
            .iter()
            .zip(&flows)
            .map(|(l, f)| {
                if l.from == b {
                    *f
                } else if l.to == b {
                    -*f
                } else {
                    0.0
                }
            })
            .sum();
        assert!(close(out, *inj), "bus {b}: {out} out vs {inj} injected");
    }
}
