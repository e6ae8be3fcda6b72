//! The transmission network: `lines.geojson` and the substations' `supply_share`.
//!
//! Takes the [`Layout`] and the drawn substations; gives a [`Transmission`] (every line
//! as the map's reader gives it, and each substation's supply share) and
//! streams `lines.geojson`. Lines are O(substations): an R-tree finds
//! neighbours, and the base flows solve a system of equations over the
//! backbone only (the spurs' flows follow from their loads).
//!
//! Rules (every number is synthetic, chosen to look like a utility's network,
//! not taken from one):
//! - **Backbone**: every 230 kV and 500 kV substation; when those are fewer
//!   than `max(3, n/10)` of the `n` substations, the next ones by voltage, then
//!   headroom, then index, up to that many. Each backbone substation is joined
//!   to its [`BACKBONE_NEIGHBOURS`] nearest backbone substations (one line a
//!   pair); parts left apart are then joined by their closest pair, smallest
//!   part first, so the backbone is connected.
//! - **Spurs**: every other substation, highest voltage first, is joined to
//!   the nearest substation that is on the backbone or of a higher voltage
//!   class, so every substation is on one connected network. A spur is a
//!   double circuit (two parallel lines, so neither is radial) with
//!   probability [`DOUBLE_CIRCUIT`] (a quarter of 69 kV spurs, half of the
//!   others), drawn from the lines stream.
//! - **A line** takes the lower voltage of its ends (the transformer is in the
//!   higher-voltage substation). Its length is [`ROUTE_FACTOR`] (1.25) times
//!   the straight distance, at least [`MIN_KM`] (1 km);
//!   `x_pu = ohm_per_km · km · 100 / kV²` (per unit on a 100 MVA base), rounded
//!   to 7 decimals; `emergency_rating_mw = 1.2 · rating_mw`. Per class
//!   ([`LINE_CLASSES`]; typical overhead lines, one circuit):
//!
//!   | kV | Ω/km | rating_mw |
//!   |---|---|---|
//!   | 69 | 0.44 | 60 |
//!   | 115 | 0.47 | 200 |
//!   | 230 | 0.50 | 800 |
//!   | 500 | 0.33 | 2,500 |
//! - **Supply** (tie points to the bulk grid): a third of the backbone, at
//!   least 2 and at most 4 substations (all of a smaller backbone), highest
//!   voltage first and spread out: first the one nearest the region's inland
//!   edge, then each next the one farthest from those chosen. Shares are
//!   proportional to their kV, in whole hundredths, summing to exactly 1.
//! - **Today's flow**: each substation serves an existing load of
//!   `f · headroom_mw`, `f` uniform in [0.4, 0.7) from the lines stream; each
//!   area (a backbone substation and the spurs hanging from it) is balanced by
//!   generation at its backbone substation, so spurs carry the load beyond them
//!   and the backbone carries none today; `base_flow_mw` is the DC power flow of that
//!   ([`crate::grid::twin::dc_flows_mw`], on the rounded `x_pu`, so the file is
//!   consistent with itself).

use std::collections::BTreeSet;

use geo::{LineString, MultiLineString, Point};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rstar::RTree;
use rstar::primitives::GeomWithData;

use super::layout::Layout;
use super::noise::{dist, salted};
use super::substations::{Drawn, VOLTAGE_CLASSES};
use super::writer::{GeoWriter, Props, open_feature, push_position};
use super::{SALT_LINES, SynthError};
use crate::grid::twin::dc_flows_mw;
use crate::layers::{Line, Substation};

/// Line parameters of a voltage class (same order as [`VOLTAGE_CLASSES`]).
pub(super) struct LineClass {
    pub(super) kv: u64,
    /// Series reactance per km of line (positive sequence).
    pub(super) ohm_per_km: f64,
    /// Normal thermal limit of one circuit.
    pub(super) rating_mw: f64,
}

/// 69, 115, 230 and 500 kV: reactances of typical overhead lines (single
/// conductor up to 230 kV, bundled at 500 kV) and one circuit's rating.
pub(super) const LINE_CLASSES: [LineClass; 4] = [
    LineClass {
        kv: 69,
        ohm_per_km: 0.44,
        rating_mw: 60.0,
    },
    LineClass {
        kv: 115,
        ohm_per_km: 0.47,
        rating_mw: 200.0,
    },
    LineClass {
        kv: 230,
        ohm_per_km: 0.50,
        rating_mw: 800.0,
    },
    LineClass {
        kv: 500,
        ohm_per_km: 0.33,
        rating_mw: 2_500.0,
    },
];

/// Nearest backbone neighbours each backbone substation is joined to.
pub(super) const BACKBONE_NEIGHBOURS: usize = 2;
/// Probability that a spur of each class is a double circuit.
pub(super) const DOUBLE_CIRCUIT: [f64; 4] = [0.25, 0.5, 0.5, 0.5];
/// Route length over straight distance.
pub(super) const ROUTE_FACTOR: f64 = 1.25;
/// Shortest line length, km.
pub(super) const MIN_KM: f64 = 1.0;
/// Emergency rating over normal rating.
pub(super) const EMERGENCY_FACTOR: f64 = 1.2;
/// The system base of `x_pu`.
const BASE_MVA: f64 = 100.0;
/// Existing load over headroom: uniform in this range.
pub(super) const EXISTING_LOAD_PER_HEADROOM: (f64, f64) = (0.4, 0.7);

/// The network of a synthetic region.
pub(super) struct Transmission {
    /// Every line as the reader gives it (`from`, `to` index the substations).
    pub(super) lines: Vec<Line>,
    /// Per substation, its share of new load (> 0 only at supply substations; sums to 1).
    pub(super) supply_share: Vec<f64>,
    /// `(parent, child)` of every spur: the areas today's flows balance (the base-flow test
    /// rebuilds today's injections from them).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(super) spurs: Vec<(usize, usize)>,
}

type Entry = GeomWithData<[f64; 2], usize>;

fn entry(subs: &[Drawn], k: usize) -> Entry {
    GeomWithData::new([subs[k].p.0, subs[k].p.1], k)
}

/// Union-find over substation indices.
struct Parts(Vec<usize>);

impl Parts {
    fn root(&mut self, mut k: usize) -> usize {
        while self.0[k] != k {
            self.0[k] = self.0[self.0[k]];
            k = self.0[k];
        }
        k
    }

    /// Joins the parts of `a` and `b`; false when they were one already.
    fn join(&mut self, a: usize, b: usize) -> bool {
        let (ra, rb) = (self.root(a), self.root(b));
        if ra == rb {
            return false;
        }
        self.0[ra.max(rb)] = ra.min(rb);
        true
    }
}

/// The backbone: the top voltage classes, topped up by rank (voltage, headroom, index).
fn backbone(subs: &[Drawn]) -> Vec<usize> {
    let n = subs.len();
    let mut rank: Vec<usize> = (0..n).collect();
    rank.sort_by(|&a, &b| {
        (subs[b].class.cmp(&subs[a].class))
            .then(subs[b].headroom_mw.total_cmp(&subs[a].headroom_mw))
            .then(a.cmp(&b))
    });
    let top = subs.iter().filter(|s| s.class >= 2).count();
    let want = top.max(3.max(n.div_ceil(10))).min(n);
    let mut chosen: Vec<usize> = rank[..want].to_vec();
    chosen.sort_unstable();
    chosen
}

/// Backbone pairs: nearest neighbours, then the closest pair between parts.
fn backbone_pairs(subs: &[Drawn], backbone: &[usize]) -> BTreeSet<(usize, usize)> {
    let mut pairs = BTreeSet::new();
    let tree = RTree::bulk_load(backbone.iter().map(|&k| entry(subs, k)).collect());
    for &u in backbone {
        let here = [subs[u].p.0, subs[u].p.1];
        for v in tree
            .nearest_neighbor_iter(here)
            .map(|e| e.data)
            .filter(|&v| v != u)
            .take(BACKBONE_NEIGHBOURS)
        {
            pairs.insert((u.min(v), u.max(v)));
        }
    }
    let mut parts = Parts((0..subs.len()).collect());
    for &(u, v) in &pairs {
        parts.join(u, v);
    }
    loop {
        let mut members: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
        for &k in backbone {
            members.entry(parts.root(k)).or_default().push(k);
        }
        if members.len() <= 1 {
            return pairs;
        }
        let Some(smallest) = members.values().min_by_key(|m| (m.len(), m[0])) else {
            return pairs;
        };
        let inside: BTreeSet<usize> = smallest.iter().copied().collect();
        let mut best: Option<(f64, usize, usize)> = None;
        for &u in smallest {
            for &v in backbone.iter().filter(|v| !inside.contains(v)) {
                let d = dist(subs[u].p, subs[v].p);
                if best.is_none_or(|b| d < b.0) {
                    best = Some((d, u, v));
                }
            }
        }
        let Some((_, u, v)) = best else {
            return pairs;
        };
        pairs.insert((u.min(v), u.max(v)));
        parts.join(u, v);
    }
}

/// Each non-backbone substation's parent: the nearest one on the backbone or of a higher class.
fn spur_parents(subs: &[Drawn], on_backbone: &[bool]) -> Vec<(usize, usize)> {
    let mut order: Vec<usize> = (0..subs.len()).filter(|&k| !on_backbone[k]).collect();
    order.sort_by(|&a, &b| subs[b].class.cmp(&subs[a].class).then(a.cmp(&b)));
    let mut spurs = Vec::with_capacity(order.len());
    let mut tree: Option<(usize, RTree<Entry>)> = None;
    for child in order {
        let class = subs[child].class;
        if tree.as_ref().is_none_or(|(c, _)| *c != class) {
            let eligible = (0..subs.len())
                .filter(|&k| on_backbone[k] || subs[k].class > class)
                .map(|k| entry(subs, k))
                .collect();
            tree = Some((class, RTree::bulk_load(eligible)));
        }
        let parent = tree
            .as_ref()
            .and_then(|(_, t)| t.nearest_neighbor([subs[child].p.0, subs[child].p.1]))
            .map(|e| e.data);
        if let Some(parent) = parent {
            spurs.push((parent, child));
        }
    }
    spurs.sort_unstable_by_key(|&(_, child)| child);
    spurs
}

/// The supply substations and their shares (hundredths, summing to 1).
fn supply_shares(layout: &Layout, subs: &[Drawn], backbone: &[usize]) -> Vec<f64> {
    let mut share = vec![0.0; subs.len()];
    let count = (backbone.len() / 3).clamp(2, 4).min(backbone.len());
    let mut chosen: Vec<usize> = Vec::with_capacity(count);
    let edge = |k: usize| layout.edge_distance(subs[k].p);
    let first = backbone.iter().copied().min_by(|&a, &b| {
        (subs[b].class.cmp(&subs[a].class))
            .then(edge(a).total_cmp(&edge(b)))
            .then(a.cmp(&b))
    });
    chosen.extend(first);
    while chosen.len() < count {
        let far = |k: usize| {
            chosen
                .iter()
                .map(|&c| dist(subs[k].p, subs[c].p))
                .fold(f64::INFINITY, f64::min)
        };
        let next = backbone
            .iter()
            .copied()
            .filter(|k| !chosen.contains(k))
            .max_by(|&a, &b| {
                (subs[a].class.cmp(&subs[b].class))
                    .then(far(a).total_cmp(&far(b)))
                    .then(b.cmp(&a))
            });
        match next {
            Some(k) => chosen.push(k),
            None => break,
        }
    }
    let kv = |k: usize| VOLTAGE_CLASSES[subs[k].class].kv;
    let total_kv: u64 = chosen.iter().map(|&k| kv(k)).sum();
    let mut given = 0u64;
    for (n, &k) in chosen.iter().enumerate() {
        let hundredths = if n + 1 == chosen.len() {
            100 - given
        } else {
            ((100 * kv(k)) as f64 / total_kv as f64).round() as u64
        };
        given += hundredths;
        share[k] = hundredths as f64 / 100.0;
    }
    share
}

fn round7(v: f64) -> f64 {
    (v * 1e7).round() / 1e7
}

/// One line of class `class` between `from` and `to`.
fn line(layout: &Layout, subs: &[Drawn], from: usize, to: usize, circuit: Option<u8>) -> Line {
    let class = subs[from].class.min(subs[to].class);
    let spec = &LINE_CLASSES[class];
    let km = (ROUTE_FACTOR * dist(subs[from].p, subs[to].p) / 1_000.0).max(MIN_KM);
    let kv = spec.kv as f64;
    let x_pu = round7(spec.ohm_per_km * km * BASE_MVA / (kv * kv)).max(1e-7);
    let name = match circuit {
        Some(c) => format!("Sub {} - Sub {} #{c}", from + 1, to + 1),
        None => format!("Sub {} - Sub {}", from + 1, to + 1),
    };
    let at = |k: usize| {
        let p = subs[k].p;
        geo::coord! { x: layout.proj.lon(p.0), y: layout.proj.lat(p.1) }
    };
    Line {
        id: String::new(),
        name: Some(name),
        from,
        to,
        x_pu,
        rating_mw: spec.rating_mw,
        emergency_rating_mw: EMERGENCY_FACTOR * spec.rating_mw,
        voltage_kv: Some(kv),
        base_flow_mw: 0.0,
        geometry: MultiLineString(vec![LineString(vec![at(from), at(to)])]),
    }
}

/// Per substation, from the lines stream: its existing load over its headroom, and a uniform
/// number that makes its spur a double circuit when below [`DOUBLE_CIRCUIT`].
pub(super) fn line_draws(layout: &Layout, n: usize) -> Vec<(f64, f64)> {
    let mut rng = ChaCha8Rng::seed_from_u64(salted(layout.seed, SALT_LINES));
    (0..n)
        .map(|_| {
            let f = rng.random_range(EXISTING_LOAD_PER_HEADROOM.0..EXISTING_LOAD_PER_HEADROOM.1);
            (f, rng.random::<f64>())
        })
        .collect()
}

/// Per substation, today's net injection in MW: each area — a backbone substation and the
/// spurs that hang from it — is balanced by generation at its backbone substation, so every
/// substation withdraws its own existing load and each backbone substation injects its area's
/// total. (Supplying a whole region's existing load from its 2–4 supply points would overload a
/// county's backbone many times over before any new load; those points supply new load.)
pub(super) fn today_injection_mw(
    subs: &[Drawn],
    draws: &[(f64, f64)],
    spurs: &[(usize, usize)],
) -> Vec<f64> {
    let existing_mw: Vec<f64> = subs
        .iter()
        .zip(draws)
        .map(|(s, d)| d.0 * s.headroom_mw)
        .collect();
    let mut area_mw = existing_mw.clone();
    let mut order: Vec<(usize, usize)> = spurs.to_vec();
    order.sort_by_key(|&(_, child)| (subs[child].class, child));
    let mut on_backbone = vec![true; subs.len()];
    for &(parent, child) in &order {
        area_mw[parent] += area_mw[child];
        on_backbone[child] = false;
    }
    (0..subs.len())
        .map(|k| if on_backbone[k] { area_mw[k] } else { 0.0 } - existing_mw[k])
        .collect()
}

/// Lays out the network over `subs`; see the module's rules.
pub(super) fn plan_grid(layout: &Layout, subs: &[Drawn]) -> Result<Transmission, SynthError> {
    let n = subs.len();
    let draws = line_draws(layout, n);

    let backbone = backbone(subs);
    let mut on_backbone = vec![false; n];
    for &k in &backbone {
        on_backbone[k] = true;
    }
    let mut lines: Vec<Line> = backbone_pairs(subs, &backbone)
        .into_iter()
        .map(|(u, v)| line(layout, subs, u, v, None))
        .collect();
    let backbone_lines = lines.len();
    let spurs = spur_parents(subs, &on_backbone);
    for &(parent, child) in &spurs {
        if draws[child].1 < DOUBLE_CIRCUIT[subs[child].class] {
            lines.push(line(layout, subs, parent, child, Some(1)));
            lines.push(line(layout, subs, parent, child, Some(2)));
        } else {
            lines.push(line(layout, subs, parent, child, None));
        }
    }
    for (k, l) in lines.iter_mut().enumerate() {
        l.id = format!("L{:04}", k + 1);
    }
    let supply_share = supply_shares(layout, subs, &backbone);

    let injection_mw = today_injection_mw(subs, &draws, &spurs);
    let buses = buses(layout, subs, &supply_share);
    let flows = base_flows_mw(subs, &buses, &lines, backbone_lines, &spurs, &injection_mw)?;
    for (l, flow) in lines.iter_mut().zip(flows) {
        l.base_flow_mw = flow;
    }
    Ok(Transmission {
        lines,
        supply_share,
        spurs,
    })
}

/// Today's flows: the DC power flow of `injection_mw` over `lines` (the backbone's first, then
/// the spurs'). Spurs hang off the backbone as trees (a spur's parent is on the backbone or of
/// a higher class, and no supply is on a spur), so a spur's circuits carry, in equal shares,
/// the net withdrawal of the substations beyond it; only the meshed backbone, with those
/// withdrawals moved onto it, is solved by [`dc_flows_mw`]. That is the flow of the whole
/// network at the cost of solving the backbone alone.
fn base_flows_mw(
    subs: &[Drawn],
    buses: &[Substation],
    lines: &[Line],
    backbone_lines: usize,
    spurs: &[(usize, usize)],
    injection_mw: &[f64],
) -> Result<Vec<f64>, SynthError> {
    let mut beyond_mw: Vec<f64> = injection_mw.iter().map(|i| -i).collect();
    let mut order: Vec<(usize, usize)> = spurs.to_vec();
    order.sort_by_key(|&(_, child)| (subs[child].class, child));
    for &(parent, child) in &order {
        beyond_mw[parent] += beyond_mw[child];
    }
    let mut circuits = vec![0u32; subs.len()];
    for l in &lines[backbone_lines..] {
        circuits[l.to] += 1;
    }
    let mut on_backbone = vec![true; subs.len()];
    for &(_, child) in spurs {
        on_backbone[child] = false;
    }
    let backbone_injection_mw: Vec<f64> = (0..subs.len())
        .map(|k| if on_backbone[k] { -beyond_mw[k] } else { 0.0 })
        .collect();
    let mut flows = dc_flows_mw(buses, &lines[..backbone_lines], &backbone_injection_mw)
        .map_err(SynthError::Network)?;
    flows.extend(
        lines[backbone_lines..]
            .iter()
            .map(|l| beyond_mw[l.to] / f64::from(circuits[l.to].max(1))),
    );
    Ok(flows)
}

/// The substations as the reader gives them (what the power flow takes).
pub(super) fn buses(layout: &Layout, subs: &[Drawn], supply_share: &[f64]) -> Vec<Substation> {
    subs.iter()
        .enumerate()
        .map(|(k, s)| Substation {
            id: format!("S{:04}", k + 1),
            name: None,
            point: Point::new(layout.proj.lon(s.p.0), layout.proj.lat(s.p.1)),
            voltage_kv: VOLTAGE_CLASSES[s.class].kv as f64,
            headroom_mw: s.headroom_mw,
            flexible_mw: 0.0,
            community_growth_mw: 0.0,
            upgrade_mw: 0.0,
            upgrade_usd: 0.0,
            supply_share: supply_share[k],
            profile: None,
            queued_mw: 0.0,
            hosting: None,
        })
        .collect()
}

/// Streams `lines.geojson`: one straight LineString a line, properties in the schema's order.
pub(super) fn write_lines(
    layout: &Layout,
    subs: &[Drawn],
    grid: &Transmission,
    w: &mut GeoWriter,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<(), SynthError> {
    let count = grid.lines.len();
    progress("lines", 0, count);
    for (k, l) in grid.lines.iter().enumerate() {
        let buf = w.begin();
        open_feature(buf, "LineString");
        buf.push(b'[');
        push_position(buf, &layout.proj, subs[l.from].p);
        buf.push(b',');
        push_position(buf, &layout.proj, subs[l.to].p);
        buf.push(b']');
        let mut props = Props::open(buf);
        props.id("id", b'L', k + 1, 4);
        props.id("from", b'S', l.from + 1, 4);
        props.id("to", b'S', l.to + 1, 4);
        props.num("x_pu", l.x_pu, 7);
        props.num("rating_mw", l.rating_mw, 1);
        if let Some(name) = &l.name {
            props.str("name", name);
        }
        if let Some(kv) = l.voltage_kv {
            props.num("voltage_kv", kv, 0);
        }
        props.num("base_flow_mw", l.base_flow_mw, 1);
        props.num("emergency_rating_mw", l.emergency_rating_mw, 1);
        props.close();
        w.commit()?;
    }
    progress("lines", count, count);
    Ok(())
}
