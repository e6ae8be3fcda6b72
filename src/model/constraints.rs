//! The constraint families of the contract, one function each.

use std::collections::BTreeMap;

use good_lp::{Constraint, Expression, constraint};

use super::{CommunityKey, ModelInput, SitingModel, site_mw};

/// Every family, in the contract's order.
pub fn all(model: &SitingModel, input: &ModelInput) -> Vec<Constraint> {
    let mut rows = Vec::new();
    rows.extend(size(model, input));
    rows.extend(target_and_count(model, input));
    rows.extend(feeds(model, input));
    rows.extend(balance(model, input));
    rows.extend(grid(model, input));
    rows.extend(spacing(model, input));
    rows.extend(community(model, input));
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
/// upgrade_mw_b·upgrade_b` (plus the capacity slack); `Σ_p flex_pb ≤ flexible_mw_b`.
pub fn grid(model: &SitingModel, input: &ModelInput) -> Vec<Constraint> {
    let mut firm_by_substation: BTreeMap<usize, Expression> = BTreeMap::new();
    let mut flex_by_substation: BTreeMap<usize, Expression> = BTreeMap::new();
    for f in model.sites.iter().flat_map(|s| &s.feeds) {
        *firm_by_substation.entry(f.substation).or_default() += f.firm.var;
        if let Some(flex) = f.flex {
            *flex_by_substation.entry(f.substation).or_default() += flex.var;
        }
    }
    let slack_of = |b: usize| {
        model.slacks.as_ref().and_then(|s| {
            s.capacity_mw
                .iter()
                .find(|(sb, _)| *sb == b)
                .map(|(_, c)| c.var)
        })
    };
    let mut rows = Vec::new();
    for (b, firm) in firm_by_substation {
        let mut capacity = Expression::from(input.firm_capacity_mw(b));
        if let Some(upgrade) = model.upgrades.get(&b) {
            capacity.add_mul(input.map.substations[b].upgrade_mw, upgrade.var);
        }
        if let Some(slack) = slack_of(b) {
            capacity += slack;
        }
        rows.push(constraint!(firm <= capacity));
    }
    for (b, flex) in flex_by_substation {
        rows.push(constraint!(flex <= input.map.substations[b].flexible_mw));
    }
    rows
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
    let cap_mw = scenario.community.max_share_per_community * scenario.target.total_mw;
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
