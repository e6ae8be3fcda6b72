//! The transmission network the generator writes: connected, every line well formed, the
//! supply shares and base flows, and the older layers unchanged by it.

use super::*;

/// Substation ids and their numbers of `substations.geojson`, and the lines of `lines.geojson`.
struct Network {
    subs: Vec<Value>,
    lines: Vec<Value>,
}

impl Network {
    fn read(dir: &Path) -> Network {
        Network {
            subs: features(dir, "substations"),
            lines: features(dir, "lines"),
        }
    }

    fn index(&self, id: &Value) -> usize {
        let id = id.as_str().expect("string end");
        self.subs
            .iter()
            .position(|s| prop(s, "id") == id)
            .unwrap_or_else(|| panic!("line end {id} is no substation"))
    }

    /// Each line's (from, to) as substation indices.
    fn ends(&self) -> Vec<(usize, usize)> {
        self.lines
            .iter()
            .map(|l| (self.index(prop(l, "from")), self.index(prop(l, "to"))))
            .collect()
    }
}

fn root(parent: &mut [usize], mut k: usize) -> usize {
    while parent[k] != k {
        k = parent[k];
    }
    k
}

#[test]
fn the_network_is_connected_and_every_line_well_formed() {
    let mut configs = small_configs();
    configs.push((SynthConfig::new(5, 3_000, 7), "sub-few"));
    configs.push((coastal(2, 600, 3), "coast-three"));
    configs.push((SynthConfig::new(8, 20_000, 300), "sub-many"));
    for (cfg, name) in configs {
        let (dir, summary) = run(&cfg, &format!("{name}-network"));
        let net = Network::read(&dir);
        assert_unique_ids(&net.lines, 'L', "lines");
        let ends = net.ends();
        assert!(summary.lines >= cfg.substations - 1, "{name}");
        let mut parent: Vec<usize> = (0..net.subs.len()).collect();
        let mut circuits: std::collections::BTreeMap<(usize, usize), usize> = Default::default();
        for (l, &(a, b)) in net.lines.iter().zip(&ends) {
            assert_ne!(a, b, "{name}: {l}");
            assert_eq!(l["geometry"]["type"], "LineString");
            let (x, rating) = (num(l, "x_pu"), num(l, "rating_mw"));
            assert!(x > 0.0 && rating > 0.0, "{name}: {l}");
            assert!(num(l, "emergency_rating_mw") >= rating, "{name}: {l}");
            assert!(num(l, "base_flow_mw").is_finite());
            // A line runs at the lower voltage of its ends.
            let kv = num(l, "voltage_kv");
            let end_kv = num(&net.subs[a], "voltage_kv").min(num(&net.subs[b], "voltage_kv"));
            assert_eq!(kv, end_kv, "{name}: {l}");
            *circuits.entry((a.min(b), a.max(b))).or_default() += 1;
            let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
            parent[ra.max(rb)] = ra.min(rb);
        }
        // At most a double circuit between two substations, and some spurs are double.
        assert!(circuits.values().all(|&c| c <= 2), "{name}");
        if cfg.substations >= 30 {
            assert!(
                circuits.values().any(|&c| c == 2),
                "{name}: no double circuit"
            );
        }
        // Every substation is on one connected network.
        for k in 0..net.subs.len() {
            assert_eq!(root(&mut parent, k), 0, "{name}: substation {k} is apart");
        }
        // Supply: 1-4 substations (2 or more when there are at least 2), shares summing to 1.
        let shares: Vec<f64> = net.subs.iter().map(|s| num(s, "supply_share")).collect();
        let supplies = shares.iter().filter(|&&s| s > 0.0).count();
        assert!(
            (supplies.min(2)..=4).contains(&supplies),
            "{name}: {supplies} supplies"
        );
        assert!(supplies >= cfg.substations.min(2), "{name}");
        assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{name}");
        // The map reads back: the reader checks ends, values and supply.
        let map = crate::layers::load_map(&dir).expect("the map loads");
        assert_eq!(map.lines.len(), summary.lines);
        // One supplied part; the backbone and double circuits are outage contingencies.
        let network = crate::grid::twin::Network::new(&map.substations, &map.lines)
            .expect("the network's factors");
        if !map.lines.is_empty() {
            assert_eq!(network.parts.len(), 1, "{name}");
            assert!(network.parts[0].supplied, "{name}");
        }
        if cfg.substations >= 30 {
            assert!(network.contingencies().count() > 0, "{name}");
            assert!(network.radial.iter().any(|&r| r), "{name}: no radial spur");
        }
        let _ = fs::remove_dir_all(dir);
    }
}

#[test]
fn one_substation_has_no_lines_and_all_the_supply() {
    let cfg = SynthConfig::new(1, 50, 1);
    let (dir, summary) = run(&cfg, "one-sub");
    assert_eq!(summary.lines, 0);
    let net = Network::read(&dir);
    assert_eq!(num(&net.subs[0], "supply_share"), 1.0);
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn a_leaf_spur_carries_its_substations_existing_load() {
    for (cfg, name) in small_configs() {
        let (dir, _) = run(&cfg, &format!("{name}-flows"));
        let net = Network::read(&dir);
        let ends = net.ends();
        let mut leaves = 0;
        for (k, s) in net.subs.iter().enumerate() {
            let on: Vec<usize> = (0..ends.len())
                .filter(|&l| ends[l].0 == k || ends[l].1 == k)
                .collect();
            // A substation on one single-circuit line and supplying nothing.
            if on.len() != 1 || num(s, "supply_share") > 0.0 {
                continue;
            }
            let line = &net.lines[on[0]];
            let into = if ends[on[0]].1 == k { 1.0 } else { -1.0 } * num(line, "base_flow_mw");
            let head = num(s, "headroom_mw");
            let (lo, hi) = super::transmission::EXISTING_LOAD_PER_HEADROOM;
            assert!(
                (lo * head - 0.2..=hi * head + 0.2).contains(&into),
                "{name}: {into} MW into {s}"
            );
            leaves += 1;
        }
        assert!(leaves > 0, "{name}");
        let _ = fs::remove_dir_all(dir);
    }
}

/// Removes `,"supply_share":<number>` from every substation.
fn without_supply_share(text: &str) -> String {
    let key = ",\"supply_share\":";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(key) {
        out.push_str(&rest[..at]);
        let tail = &rest[at + key.len()..];
        let end = tail
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
            .unwrap_or(tail.len());
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn the_network_leaves_the_older_layers_unchanged() {
    use sha2::{Digest, Sha256};
    // SHA-256 of the shipped maps as written before the network (commit f6a13f0).
    let cases = [
        (
            SynthConfig::new(42, 4_000, 40),
            [
                "1c51660dd0008f6bd924a0ec12d696ee93cf4bd250e867d399888ed7e1f570ae",
                "65c941adb8577417e459eba1d11adcce7b734120f14ad93240de57c8fb48acbf",
                "dfdb327cc6ba83690a82bf03567f619ce17e002f15566c69de430746e3fadf77",
                "61d70040dfca36c7394584306edea404e50263ae7f2b289c28a9f51cd049ad2c",
                "b9d872f867fb8de8896df249e9d7b6bbfccc654d73e3f50743948b65df883e55",
            ],
        ),
        (
            SynthConfig {
                center_lon: 126.55,
                center_lat: 35.80,
                ..coastal(7, 3_000, 30)
            },
            [
                "69957a99523282b8f6286b75681ca799b2dd3ee163db797cffca009bf38f9884",
                "37e9f65b633c4dd42e2452637a1d643bc19c0e5269580462fa5561741199420b",
                "2554e19e7a3fb24450cced154975b19fc2b6dfc80f17e89c216733baa1fbcd2e",
                "bee5507e95ae41b8b42fa4d7782c2d20004214101afd49d2e239b322de20f485",
                "3e0dd923506ab4b4cdbf5f336c38d46f85b8d428b1666d10d1c74b23f48bf0e9",
            ],
        ),
    ];
    for (n, (cfg, digests)) in cases.into_iter().enumerate() {
        let (dir, _) = run(&cfg, &format!("older-{n}"));
        for (layer, digest) in LAYERS.iter().zip(digests) {
            let text = read(&dir, layer);
            let text = if *layer == "substations" {
                assert!(text.contains("\"supply_share\":"));
                without_supply_share(&text)
            } else {
                text
            };
            let got: String = Sha256::digest(text.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(got, digest, "case {n}: {layer} changed");
        }
        let _ = fs::remove_dir_all(dir);
    }
}

#[test]
fn base_flows_are_the_dc_flow_of_the_whole_network() {
    use super::substations::draw_substations;
    use super::transmission::{buses, line_draws, plan_grid, today_injection_mw};
    for cfg in [SynthConfig::new(8, 20_000, 300), coastal(11, 3_000, 30)] {
        let layout = Layout::build(&cfg).expect("layout");
        let drawn = draw_substations(&layout, cfg.substations);
        let grid = plan_grid(&layout, &drawn).expect("grid");
        let draws = line_draws(&layout, drawn.len());
        let injection_mw = today_injection_mw(&drawn, &draws, &grid.spurs);
        let total: f64 = injection_mw.iter().map(|i| i.abs()).sum();
        assert!(injection_mw.iter().sum::<f64>().abs() < 1e-9 * total);
        let all = buses(&layout, &drawn, &grid.supply_share);
        let whole = crate::grid::twin::dc_flows_mw(&all, &grid.lines, &injection_mw)
            .expect("the whole network solves");
        for (line, flow) in grid.lines.iter().zip(whole) {
            assert!(
                (line.base_flow_mw - flow).abs() <= 1e-6 * (1.0 + flow.abs()),
                "{}: {} MW, the whole network gives {flow} MW",
                line.id,
                line.base_flow_mw
            );
        }
    }
}
