//! The constraint families of the contract, one function each.

use std::collections::BTreeMap;
use std::ops::Range;

use good_lp::{Constraint, Expression, constraint};

use super::{CommunityKey, ModelInput, SitingModel, site_mw};

/// A family of rows: one function of this module, which owns its rows and the order it
/// writes them in. The program's rows are the families' in [`FAMILIES`] order, and
/// [`SitingModel::rows_of`] says where each family's rows are, so a row (its dual, its
/// slack) is addressed by family and index, not by counting the families before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RowFamily {
    Size,
    TargetAndCount,
    Feeds,
    Balance,
    Grid,
    Spacing,
    Community,
    NMinusOne,
    Flows,
    Restrictions,
    Fixed,
}

/// A family's rows, built.
type Family = fn(&SitingModel, &ModelInput) -> Vec<Constraint>;

/// Every family, in the contract's order, with its name (a row's name is `name[k]`, its k-th
/// row) and the function that builds its rows.
pub const FAMILIES: [(RowFamily, &str, Family); 11] = [
    (RowFamily::Size, "size", size),
    (
        RowFamily::TargetAndCount,
        "target_and_count",
        target_and_count,
    ),
    (RowFamily::Feeds, "feeds", feeds),
    (RowFamily::Balance, "balance", balance),
    (RowFamily::Grid, "grid", grid),
    (RowFamily::Spacing, "spacing", spacing),
    (RowFamily::Community, "community", community),
    (RowFamily::NMinusOne, "n_minus_one", n_minus_one),
    (RowFamily::Flows, "flows", flows),
    (RowFamily::Restrictions, "restrictions", restrictions),
    (RowFamily::Fixed, "fixed", fixed),
];

impl RowFamily {
    /// The family's name, as row names give it.
    pub fn name(self) -> &'static str {
        FAMILIES[self as usize].1
    }
}

/// Every family's rows in [`FAMILIES`] order, and where each family's rows are.
pub fn all(model: &SitingModel, input: &ModelInput) -> (Vec<Constraint>, Vec<Range<usize>>) {
    let mut rows = Vec::new();
    let mut ranges = Vec::with_capacity(FAMILIES.len());
    for (_, _, family) in FAMILIES {
        let start = rows.len();
        rows.extend(family(model, input));
        ranges.push(start..rows.len());
    }
    (rows, ranges)
}

/// A plan's integer choices fixed ([`super::FixedChoices`]): `build_p = 1` and `modules_p` its
/// value for every site, `feed_pb = 1` for every feed option, `upgrade_b` 1 or 0, and
/// `hosts_c = 1` for every community with a site (each has one).
pub fn fixed(model: &SitingModel, input: &ModelInput) -> Vec<Constraint> {
    let Some(fixed) = &input.fixed else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for site in &model.sites {
        let parcel = input.candidates[site.candidate].parcel;
        let modules = fixed.modules.get(&parcel).copied().unwrap_or(0.0);
        rows.push(constraint!(site.build.var == 1.0));
        rows.push(constraint!(site.modules.var == modules));
        for f in &site.feeds {
            rows.push(constraint!(f.feed.var == 1.0));
        }
    }
    for (b, upgrade) in &model.upgrades {
        let value = if fixed.upgraded.contains(b) { 1.0 } else { 0.0 };
        rows.push(constraint!(upgrade.var == value));
    }
    for hosts in model.hosts.values() {
        rows.push(constraint!(hosts.var == 1.0));
    }
    rows
}

/// A question's restrictions ([`super::Restrictions`]): `build_p = 1` for each parcel that must
/// be built, `build_p = 0` for each that may not, and for each earlier plan S (its built parcels)
/// `Σ_{p∈S} (1 − build_p) + Σ_{p∉S} build_p ≥ 1`, so the plan differs from S in a site. A
/// parcel of S that is not among the program's candidates counts as a difference already
/// (its `build_p` is 0). With a cap on burdened residents, `build_p ≤ touched_c` for each site
/// of a community with burdened residents and `Σ_c burdened_c·touched_c ≤` the cap: `touched_c`
/// is 1 wherever the community hosts a site, so the row holds exactly the plans within the cap
/// (a cap on the largest community share tightens [`community`]). A parcel that must be built and is not a candidate here leaves the
/// program without a plan (`0 ≥ 1` on the first site's build variable).
pub fn restrictions(model: &SitingModel, input: &ModelInput) -> Vec<Constraint> {
    let r = &input.restrictions;
    if r.is_empty() {
        return Vec::new();
    }
    let parcel_of = |s: &super::SiteVars| input.candidates[s.candidate].parcel;
    let mut rows = Vec::new();
    for site in &model.sites {
        if r.must_build.contains(&parcel_of(site)) {
            rows.push(constraint!(site.build.var >= 1.0));
        }
        if r.must_not_build.contains(&parcel_of(site)) {
            rows.push(constraint!(site.build.var <= 0.0));
        }
    }
    let present: std::collections::BTreeSet<usize> = model.sites.iter().map(parcel_of).collect();
    let missing_forced = r.must_build.iter().any(|p| !present.contains(p));
    if missing_forced && let Some(first) = model.sites.first() {
        rows.push(constraint!(0.0 * first.build.var >= 1.0));
    }
    if let Some(max_persons) = r.max_burdened_residents {
        // Scaled by the map's burdened residents, so that the row's coefficients are near 1.
        let scale = (input.map.communities.iter())
            .map(crate::costs::burdened_residents)
            .sum::<f64>()
            .max(1.0);
        let mut persons = Expression::default();
        for (&c, touched) in &model.touched {
            let w = crate::costs::burdened_residents(&input.map.communities[c]) / scale;
            persons.add_mul(w, touched.var);
        }
        for site in &model.sites {
            if let Some(touched) = site.community.and_then(|c| model.touched.get(&c)) {
                rows.push(constraint!(site.build.var <= touched.var));
            }
        }
        rows.push(constraint!(persons <= max_persons / scale));
    }
    for earlier in &r.differ_from {
        let absent = earlier.iter().filter(|p| !present.contains(p)).count() as f64;
        let mut differs = Expression::from(absent);
        for site in &model.sites {
            if earlier.contains(&parcel_of(site)) {
                differs += 1.0 - site.build.var;
            } else {
                differs += site.build.var;
            }
        }
        rows.push(constraint!(differs >= 1.0));
    }
    rows
}

/// size: `min_site_mw·build_p ≤ s_p ≤ min(max_site_mw, acres_p/acres_per_mw)·build_p`.
pub fn size(model: &SitingModel, input: &ModelInput) -> Vec<Constraint> {
    let t = &input.scenario.target;
    model
        .sites
        .iter()
        .flat_map(|s| {
            let mw = site_mw(s, t.module_mw);
            [
                constraint!(t.min_site_mw * s.build.var <= mw.clone()),
                constraint!(mw <= s.cap_mw * s.build.var),
            ]
        })
        .collect()
}

/// target and count: `Σ s_p ≥ total_mw` (less the target slack), `Σ build_p ≤ max_sites`.
pub fn target_and_count(model: &SitingModel, input: &ModelInput) -> Vec<Constraint> {
    let t = &input.scenario.target;
    let mut placed: Expression = model.sites.iter().map(|s| site_mw(s, t.module_mw)).sum();
    if let Some(slacks) = &model.slacks {
        placed += slacks.target_mw.var;
    }
    let built: Expression = model.sites.iter().map(|s| s.build.var).sum();
    let mut rows = vec![
        constraint!(placed >= t.total_mw),
        constraint!(built.clone() <= t.max_sites as f64),
    ];
    if let Some(min_sites) = input.strengthening.as_ref().and_then(|s| s.min_sites) {
        rows.push(constraint!(built >= min_sites as f64));
    }
    rows
}

/// feeds: `min_feeds·build_p ≤ Σ_b feed_pb ≤ max_feeds·build_p`; `firm_pb + flex_pb ≤ max_site_mw·feed_pb`.
///
/// The flow bound is written with the tighter coefficient `min(max_site_mw, the feed's
/// max_flow_mw)` and each feed with `feed_pb ≤ build_p`: both hold in every plan of the contract,
/// so the optimum is unchanged, and the relaxation the solver starts from is much closer to it.
pub fn feeds(model: &SitingModel, input: &ModelInput) -> Vec<Constraint> {
    let site = &input.scenario.site;
    let max_site_mw = input.scenario.target.max_site_mw;
    let mut rows = Vec::new();
    for s in &model.sites {
        let count: Expression = s.feeds.iter().map(|f| f.feed.var).sum();
        rows.push(constraint!(
            site.min_feeds as f64 * s.build.var <= count.clone()
        ));
        rows.push(constraint!(count <= site.max_feeds as f64 * s.build.var));
        for f in &s.feeds {
            let mut flow = Expression::from(f.firm.var);
            if let Some(flex) = f.flex {
                flow += flex.var;
            }
            rows.push(constraint!(
                flow <= max_site_mw.min(f.max_flow_mw) * f.feed.var
            ));
            rows.push(constraint!(f.feed.var <= s.build.var));
        }
    }
    rows
}

/// balance: `s_p = Σ_b (firm_pb + flex_pb)`; `Σ_b flex_pb ≤ flexible_share·s_p`.
pub fn balance(model: &SitingModel, input: &ModelInput) -> Vec<Constraint> {
    let module_mw = input.scenario.target.module_mw;
    let share = input.scenario.grid.flexible_share;
    let mut rows = Vec::new();
    for s in &model.sites {
        let firm: Expression = s.feeds.iter().map(|f| f.firm.var).sum();
        let flex: Expression = s.feeds.iter().filter_map(|f| f.flex.map(|c| c.var)).sum();
        rows.push(constraint!(site_mw(s, module_mw) == firm + flex.clone()));
        if s.feeds.iter().any(|f| f.flex.is_some()) {
            rows.push(constraint!(flex <= share * site_mw(s, module_mw)));
        }
    }
    rows
}

/// grid: `Σ_p firm_pb ≤ max_headroom_share·max(0, headroom_b − community_growth_b) +
/// upgrade_mw_b·upgrade_b` (plus the capacity slack); `Σ_p flex_pb ≤ flexible_mw_b`, or with a
/// load profile `Σ_p (firm_pb + flex_pb) ≤ L*_b + (L*up_b − L*_b)·upgrade_b` (the headroom net
/// of the counted queue throughout: [`crate::costs::net_headroom_mw`]).
pub fn grid(model: &SitingModel, input: &ModelInput) -> Vec<Constraint> {
    let mut firm_by_substation: BTreeMap<usize, Expression> = BTreeMap::new();
    let mut flex_by_substation: BTreeMap<usize, Expression> = BTreeMap::new();
    for f in model.sites.iter().flat_map(|s| &s.feeds) {
        *firm_by_substation.entry(f.substation).or_default() += f.firm.var;
        if let Some(flex) = f.flex {
            *flex_by_substation.entry(f.substation).or_default() += flex.var;
        }
    }
    let slack_of = |b: usize| capacity_slack(model, b);
    let mut rows = Vec::new();
    let firm_of = firm_by_substation.clone();
    for (b, firm) in firm_by_substation {
        let mut capacity = Expression::from(input.firm_capacity_mw(b));
        let share = input.scenario.grid.max_headroom_share;
        add_headroom_extra(&mut capacity, model, input, b, share);
        if let Some(upgrade) = model.upgrades.get(&b) {
            capacity.add_mul(input.map.substations[b].upgrade_mw, upgrade.var);
        }
        if let Some(slack) = slack_of(b) {
            capacity += slack;
        }
        rows.push(constraint!(firm <= capacity));
    }
    for (b, flex) in flex_by_substation {
        let s = &input.map.substations[b];
        match s.hosting {
            None => rows.push(constraint!(flex <= s.flexible_mw)),
            Some(hosting) => {
                let firm = firm_of.get(&b).cloned().unwrap_or_default();
                let mut room = hosting_room(model, input, b, hosting);
                if let Some(slack) = slack_of(b) {
                    room += slack;
                }
                rows.push(constraint!(firm + flex <= room));
            }
        }
    }
    rows
}

/// With a load profile: `L*_b + (L*up_b − L*_b)·upgrade_b` (docs/profiles-and-queue.md, "Headroom over time and
/// the queue"), and with b's headroom raised by a MW what that MW adds to `L*` in the plan's
/// (fixed) upgrade state.
fn hosting_room(
    model: &SitingModel,
    input: &ModelInput,
    b: usize,
    hosting: crate::layers::Hosting,
) -> Expression {
    let mut room = Expression::from(hosting.load_mw);
    if let Some(upgrade) = model.upgrades.get(&b) {
        room.add_mul(hosting.upgraded_load_mw - hosting.load_mw, upgrade.var);
    }
    if let Some(extra) = model.headroom_extra.get(&b) {
        let s = &input.map.substations[b];
        let upgraded = (input.fixed.as_ref()).is_some_and(|f| f.upgraded.contains(&b));
        let budget = crate::hosting::Budget::of(input.scenario);
        let at = |extra_mw| {
            crate::hosting::HourlyRoom::of(input.map, input.scenario, s, extra_mw, upgraded)
                .map_or(0.0, |r| r.hosting_mw(budget))
        };
        room.add_mul(at(1.0) - at(0.0), extra.var);
    }
    room
}

/// With b's headroom raised by a MW (`extra_b` fixed at 1): what that MW adds to a capacity
/// `share·max(0, headroom − growth)`.
fn add_headroom_extra(
    capacity: &mut Expression,
    model: &SitingModel,
    input: &ModelInput,
    b: usize,
    share: f64,
) {
    let s = &input.map.substations[b];
    if let Some(extra) = model.headroom_extra.get(&b) {
        let raised = crate::layers::Substation {
            headroom_mw: s.headroom_mw + 1.0,
            ..s.clone()
        };
        let more_mw = crate::costs::net_headroom_mw(&raised) - crate::costs::net_headroom_mw(s);
        capacity.add_mul(share * more_mw, extra.var);
    }
}

/// spacing: `build_p + build_q ≤ 1` for p, q closer than `min_spacing_km`.
pub fn spacing(model: &SitingModel, input: &ModelInput) -> Vec<Constraint> {
    input
        .spacing_pairs
        .iter()
        .map(|&(p, q)| constraint!(model.sites[p].build.var + model.sites[q].build.var <= 1.0))
        .collect()
}

/// community: `Σ_{p in c} s_p ≤ max_share_per_community·total_mw` (plus its slack);
/// `hosts_c ≤ Σ_{p in c} build_p`; `Σ_c hosts_c ≥ min_communities` (less its slack).
pub fn community(model: &SitingModel, input: &ModelInput) -> Vec<Constraint> {
    let scenario = input.scenario;
    let share = (input.restrictions.max_community_share)
        .map_or(scenario.community.max_share_per_community, |r| {
            r.min(scenario.community.max_share_per_community)
        });
    let cap_mw = share * scenario.target.total_mw;
    let mut placed: BTreeMap<CommunityKey, Expression> = BTreeMap::new();
    let mut built: BTreeMap<CommunityKey, Expression> = BTreeMap::new();
    for s in &model.sites {
        *placed.entry(s.community).or_default() += site_mw(s, scenario.target.module_mw);
        *built.entry(s.community).or_default() += s.build.var;
    }
    let mut rows = Vec::new();
    for (c, mw) in placed {
        let mut cap = Expression::from(cap_mw);
        if let Some(slacks) = &model.slacks
            && let Some((_, slack)) = slacks.share_mw.iter().find(|(k, _)| *k == c)
        {
            cap += slack.var;
        }
        rows.push(constraint!(mw <= cap));
    }
    for (c, hosts) in &model.hosts {
        let built_here = built.remove(c).unwrap_or_default();
        rows.push(constraint!(hosts.var <= built_here));
    }
    let mut hosted: Expression = model.hosts.values().map(|h| h.var).sum();
    if let Some(slacks) = &model.slacks {
        hosted += slacks.communities.var;
    }
    rows.push(constraint!(
        hosted >= scenario.community.min_communities as f64
    ));
    rows
}

/// N-1 (with `min_feeds ≥ 2`; docs/grid-security.md, "Grid security"): for each site p and feed option k,
/// `Σ_b pickup_pkb = firm_pk` and `pickup_pkb ≤ max_site_mw·feed_pb`; for each pair of
/// substations k ≠ b, `Σ_p firm_pb + Σ_p pickup_pkb ≤ emergency_headroom_share·max(0,
/// headroom_b − growth_b) + upgrade_mw_b·upgrade_b` (plus the capacity slack).
///
/// The pair rows are written for the pairs some site links; for every other k the pickups at b
/// are 0 and the row is `Σ_p firm_pb ≤` the same capacity, written once for b (when the map has
/// another substation to be out). The pickup bound is written with the coefficient
/// `min(max_site_mw, cap_p)`: a pickup is part of `firm_pk ≤ s_p ≤ cap_p`, so every plan
/// keeps it. Only the outages [`ModelInput::outages`] holds get their block (pickups, balance,
/// pair rows; see [`crate::grid::outages`] for why the optimum is kept); [`pickup_room`] holds for
/// all.
pub fn n_minus_one(model: &SitingModel, input: &ModelInput) -> Vec<Constraint> {
    if !crate::costs::n_minus_one(input.scenario) {
        return Vec::new();
    }
    let max_site_mw = input.scenario.target.max_site_mw;
    let mut rows = Vec::new();
    let mut moved: BTreeMap<(usize, usize), Expression> = BTreeMap::new();
    let mut picked: BTreeMap<(usize, usize), Expression> = BTreeMap::new();
    for p in &model.pickups {
        let site = &model.sites[p.site];
        *moved.entry((p.site, p.out)).or_default() += p.col.var;
        *picked.entry((p.out, p.to)).or_default() += p.col.var;
        if let Some(feed) = site.feeds.iter().find(|f| f.substation == p.to) {
            let coefficient = max_site_mw.min(site.cap_mw);
            rows.push(constraint!(p.col.var <= coefficient * feed.feed.var));
        }
    }
    for ((site, out), pickups) in moved {
        if let Some(feed) = model.sites[site].feeds.iter().find(|f| f.substation == out) {
            rows.push(constraint!(pickups == feed.firm.var));
        }
    }
    rows.extend(pickup_room(model, input));
    let mut firm_by_substation: BTreeMap<usize, Expression> = BTreeMap::new();
    for f in model.sites.iter().flat_map(|s| &s.feeds) {
        *firm_by_substation.entry(f.substation).or_default() += f.firm.var;
    }
    let capacity = |b: usize| {
        let substation = &input.map.substations[b];
        let mut mw = Expression::from(crate::costs::emergency_mw(
            input.scenario,
            substation,
            false,
        ));
        let share = input.scenario.grid.emergency_headroom_share;
        add_headroom_extra(&mut mw, model, input, b, share);
        if let Some(upgrade) = model.upgrades.get(&b) {
            mw.add_mul(substation.upgrade_mw, upgrade.var);
        }
        if let Some(slack) = capacity_slack(model, b) {
            mw += slack;
        }
        mw
    };
    if input.map.substations.len() >= 2 {
        for (&b, firm) in &firm_by_substation {
            rows.push(constraint!(firm.clone() <= capacity(b)));
        }
    }
    for ((_, to), pickups) in picked {
        let firm = firm_by_substation.get(&to).cloned().unwrap_or_default();
        rows.push(constraint!(firm + pickups <= capacity(to)));
    }
    rows
}

/// A valid row of every outage, held whether or not the outage's block is: `firm_pk ≤ Σ_{b≠k}
/// min(max_site_mw, cap_p, E_b⁺)·feed_pb`, where `E_b⁺` is b's emergency capacity with its
/// upgrade. In every plan of the contract's program `firm_pk = Σ_b pickup_pkb`, and each
/// `pickup_pkb` is 0 unless `feed_pb = 1`, at most `max_site_mw` (its bound), at most
/// `firm_pk ≤ s_p ≤ cap_p`, and at most `E_b⁺` (b's pair row with k); so the row holds. It
/// keeps a program without the outage's block from leaning a site on a feed that could not
/// carry it.
fn pickup_room(model: &SitingModel, input: &ModelInput) -> Vec<Constraint> {
    if input.fixed.is_some() {
        // A valid row, not a limit: with the choices fixed it would only share the duals.
        return Vec::new();
    }
    let max_site_mw = input.scenario.target.max_site_mw;
    let mut rows = Vec::new();
    for site in &model.sites {
        for k in &site.feeds {
            let mut room = Expression::default();
            for b in site.feeds.iter().filter(|b| b.substation != k.substation) {
                let substation = &input.map.substations[b.substation];
                let emergency_mw = crate::costs::emergency_mw(input.scenario, substation, true);
                room.add_mul(max_site_mw.min(site.cap_mw).min(emergency_mw), b.feed.var);
            }
            rows.push(constraint!(k.firm.var <= room));
        }
    }
    rows
}

/// The capacity slack of substation b in the diagnosis's relaxation.
fn capacity_slack(model: &SitingModel, b: usize) -> Option<good_lp::Variable> {
    model.slacks.as_ref().and_then(|s| {
        s.capacity_mw
            .iter()
            .find(|(sb, _)| *sb == b)
            .map(|(_, c)| c.var)
    })
}

/// Line limits (maps with lines; docs/grid-security.md, "Grid security"): `L_b = Σ_p (firm_pb + flex_pb)`
/// and `F_b = Σ_p firm_pb` for the substations whose load moves flows, and for each line row
/// the program holds, `lo − pre ≤ Σ_b c_b·X_b ≤ hi − pre` ([`crate::grid::security`]; X is L for a
/// normal row, F after an outage), with the row's slack in the diagnosis's relaxation.
pub fn flows(model: &SitingModel, input: &ModelInput) -> Vec<Constraint> {
    if model.loads.is_empty() {
        return Vec::new();
    }
    let mut all: BTreeMap<usize, Expression> = BTreeMap::new();
    let mut firm: BTreeMap<usize, Expression> = BTreeMap::new();
    for f in model.sites.iter().flat_map(|s| &s.feeds) {
        if model.loads.contains_key(&f.substation) {
            *firm.entry(f.substation).or_default() += f.firm.var;
            let entry = all.entry(f.substation).or_default();
            *entry += f.firm.var;
            if let Some(flex) = f.flex {
                *entry += flex.var;
            }
        }
    }
    let mut rows = Vec::new();
    for (b, load) in &model.loads {
        rows.push(constraint!(
            load.all.var == all.remove(b).unwrap_or_default()
        ));
        rows.push(constraint!(
            load.firm.var == firm.remove(b).unwrap_or_default()
        ));
    }
    for (i, row) in input.flow_rows.iter().enumerate() {
        let mut change = Expression::default();
        for (&b, load) in &model.loads {
            let c = row.coefficient(input.network, b);
            if c != 0.0 {
                let x = if row.outage.is_none() {
                    load.all
                } else {
                    load.firm
                };
                change.add_mul(c, x.var);
            }
        }
        let slack = model
            .slacks
            .as_ref()
            .and_then(|s| s.flow_mw.get(i))
            .map(|c| c.var);
        let (mut lo, mut hi) = (
            Expression::from(row.lo_mw - row.pre_mw),
            Expression::from(row.hi_mw - row.pre_mw),
        );
        if let Some(slack) = slack {
            lo -= slack;
            hi += slack;
        }
        rows.push(constraint!(change.clone() <= hi));
        rows.push(constraint!(change >= lo));
    }
    rows
}
