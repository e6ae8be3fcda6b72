//! The siting program of the contract ("The model"), built with good_lp.
//!
//! Takes the candidates of a screened region; gives a [`SitingModel`]: its variables (kept with
//! their column numbers so the solution can be read back), its objective in USD, and its
//! constraints, one function a family in [`constraints`]. With [`Relaxation::Diagnose`] the
//! target, the community rules and the substation capacities get penalised slack, which is how
//! an infeasible scenario is explained.

pub mod bounds;
pub mod constraints;
mod input;
pub mod start;

use std::collections::BTreeMap;
use std::ops::Range;

use good_lp::{Constraint, Expression, ProblemVariables, Variable, VariableDefinition, variable};

pub use constraints::RowFamily;
pub use input::{FixedChoices, ModelInput, Restrictions, Strengthening, user_reductions};

/// A variable and its column in the solver (creation order).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Col {
    pub var: Variable,
    pub col: usize,
}

/// A community as the model sees it: a map community index, or `unassigned` (None).
pub type CommunityKey = Option<usize>;

/// The variables of one possible feed of a site.
#[derive(Debug, Clone)]
pub struct FeedVars {
    pub substation: usize,
    pub km: f64,
    pub feed: Col,
    pub firm: Col,
    /// None where no flexible MW can flow (no flexible share, or no flexible_mw there).
    pub flex: Option<Col>,
    /// The most MW this feed can carry: `min(site max MW, firm capacity + upgrade + flexible)`.
    pub max_flow_mw: f64,
}

/// The variables of one candidate.
#[derive(Debug, Clone)]
pub struct SiteVars {
    /// Index into the screening's candidates.
    pub candidate: usize,
    pub community: CommunityKey,
    pub build: Col,
    pub modules: Col,
    /// `min(max_site_mw, acres/acres_per_mw)`: the size constraint's upper coefficient.
    pub cap_mw: f64,
    /// The fixed cost of building here: site, land and fiber lateral, in USD.
    pub build_usd: f64,
    pub feeds: Vec<FeedVars>,
}

/// What site `site` (an index into [`SitingModel::sites`]) moves onto substation `to` while
/// substation `out` is out: `pickup_pkb` of the contract's N-1 rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PickupVars {
    pub site: usize,
    pub out: usize,
    pub to: usize,
    pub col: Col,
}

/// A substation's new load as the line rows see it: `L_b` (firm and flexible) and `F_b`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadVars {
    pub all: Col,
    pub firm: Col,
}

/// Penalised slack on the requirements an infeasible scenario may break.
#[derive(Debug, Clone)]
pub struct Slacks {
    /// MW short of `target.total_mw`.
    pub target_mw: Col,
    /// Communities short of `community.min_communities`.
    pub communities: Col,
    /// MW over `max_share_per_community·total_mw`, by community.
    pub share_mw: Vec<(CommunityKey, Col)>,
    /// MW over a substation's firm capacity, by substation.
    pub capacity_mw: Vec<(usize, Col)>,
    /// MW outside a line row's interval, by row of [`ModelInput::flow_rows`].
    pub flow_mw: Vec<Col>,
}

/// Whether to build the contract's model or its penalised relaxation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relaxation {
    None,
    Diagnose,
}

/// Penalties of the relaxation, in USD per unit of slack: far above any plan's cost, and
/// ordered so that the relaxation prefers to break a rule rather than the target (what the
/// planner then reads is which rule stands between the scenario and its target).
pub const PENALTY_TARGET_USD_PER_MW: f64 = 1e10;
pub const PENALTY_RULE_USD_PER_MW: f64 = 1e9;
pub const PENALTY_COMMUNITY_USD: f64 = 1e11;

/// The solver sees the objective in millions of USD: costs of 1e5–1e9 USD per unit would put
/// the coefficients far outside HiGHS's tolerances (it warns and slows down); scaling changes no
/// plan.
pub const USD_PER_OBJECTIVE_UNIT: f64 = 1e6;

/// The program, ready for a solver.
pub struct SitingModel {
    pub variables: ProblemVariables,
    columns: usize,
    /// Integer columns declared continuous (a plan's choices fixed by rows instead).
    linear: bool,
    pub sites: Vec<SiteVars>,
    /// Upgrade options of substations some candidate can reach, by substation index.
    pub upgrades: BTreeMap<usize, Col>,
    /// Communities that have a candidate.
    pub hosts: BTreeMap<CommunityKey, Col>,
    /// With the choices fixed and a substation's headroom raised: a column fixed at 1 MW by its
    /// bounds that adds to that substation's `headroom_mw` in every row where it counts (normal
    /// and emergency capacity).
    pub headroom_extra: BTreeMap<usize, Col>,
    /// With a cap on burdened residents: by map community with burdened residents and a
    /// candidate, `touched_c ∈ [0, 1]`, at least every `build_p` of its sites.
    pub touched: BTreeMap<usize, Col>,
    /// N-1 pickups (with `min_feeds ≥ 2`), by site, outage and substation.
    pub pickups: Vec<PickupVars>,
    /// The new load of every substation some candidate reaches whose load moves line flows.
    pub loads: BTreeMap<usize, LoadVars>,
    pub slacks: Option<Slacks>,
    pub objective: Expression,
    /// The objective's coefficients by column, in USD: a solution's cost is evaluated from
    /// them, not taken from the solver (HiGHS can report its objective without the constant
    /// its presolve moved out of it).
    pub objective_usd_by_column: Vec<(usize, f64)>,
    pub constraints: Vec<Constraint>,
    /// Each [`RowFamily`]'s rows among `constraints`, in [`constraints::FAMILIES`] order.
    row_ranges: Vec<Range<usize>>,
}

impl SitingModel {
    /// Builds the whole program for the candidates of `input`.
    pub fn build(input: &ModelInput, relaxation: Relaxation) -> SitingModel {
        let mut model = SitingModel {
            variables: ProblemVariables::new(),
            columns: 0,
            linear: input.fixed.is_some(),
            sites: Vec::new(),
            upgrades: BTreeMap::new(),
            hosts: BTreeMap::new(),
            touched: BTreeMap::new(),
            headroom_extra: BTreeMap::new(),
            pickups: Vec::new(),
            loads: BTreeMap::new(),
            slacks: None,
            objective: Expression::default(),
            objective_usd_by_column: Vec::new(),
            constraints: Vec::new(),
            row_ranges: Vec::new(),
        };
        model.add_site_variables(input, relaxation);
        model.add_upgrade_variables(input);
        model.add_host_variables();
        if let Some(b) = input.fixed.as_ref().and_then(|f| f.raised_headroom) {
            let extra = model.add(variable().min(1.0).max(1.0));
            model.headroom_extra.insert(b, extra);
        }
        if input.restrictions.max_burdened_residents.is_some() {
            model.add_touched_variables(input);
        }
        if crate::costs::n_minus_one(input.scenario) {
            model.add_pickup_variables(input);
        }
        if !input.flow_rows.is_empty() {
            model.add_load_variables(input);
        }
        if relaxation == Relaxation::Diagnose {
            model.add_slack_variables(input.flow_rows.len());
        }
        let terms = model.objective_usd(input);
        let mut objective = Expression::with_capacity(terms.len());
        for (column, usd) in &terms {
            objective.add_mul(usd * (1.0 / USD_PER_OBJECTIVE_UNIT), column.var);
        }
        model.objective = objective;
        model.objective_usd_by_column = terms.iter().map(|(c, usd)| (c.col, *usd)).collect();
        (model.constraints, model.row_ranges) = constraints::all(&model, input);
        model
    }

    /// Where a family's rows are among [`SitingModel::constraints`] (empty if it has none).
    pub fn rows_of(&self, family: RowFamily) -> Range<usize> {
        self.row_ranges[family as usize].clone()
    }

    /// A row's name: its family's and its index there, `grid[3]` (None past the last row).
    pub fn row_name(&self, row: usize) -> Option<String> {
        let (i, range) = (self.row_ranges.iter().enumerate()).find(|(_, r)| r.contains(&row))?;
        Some(format!(
            "{}[{}]",
            constraints::FAMILIES[i].1,
            row - range.start
        ))
    }

    /// The number of variables (columns).
    pub fn variable_count(&self) -> usize {
        self.columns
    }

    /// A 0/1 column (continuous in [0, 1] when the choices are fixed by rows).
    fn binary(&self) -> VariableDefinition {
        if self.linear {
            variable().min(0.0).max(1.0)
        } else {
            variable().binary()
        }
    }

    /// A whole-number column in `[0, max]` (continuous when the choices are fixed by rows).
    fn integer(&self, max: f64) -> VariableDefinition {
        if self.linear {
            variable().min(0.0).max(max)
        } else {
            variable().integer().min(0.0).max(max)
        }
    }

    fn add(&mut self, definition: VariableDefinition) -> Col {
        let var = self.variables.add(definition);
        self.columns += 1;
        Col {
            var,
            col: self.columns - 1,
        }
    }

    fn add_site_variables(&mut self, input: &ModelInput, relaxation: Relaxation) {
        let target = &input.scenario.target;
        let flexible_share = input.scenario.grid.flexible_share;
        for (i, c) in input.candidates.iter().enumerate() {
            let parcel = &input.map.parcels[c.parcel];
            let mut cap_mw = crate::costs::size_cap_mw(input.scenario, parcel.acres);
            if let Some(strong) = &input.strengthening {
                cap_mw = cap_mw.min(strong.site_mw[i]);
            }
            let build = self.add(self.binary());
            // Exact: the size constraint already caps modules at this bound.
            let max_modules = (c.max_mw / target.module_mw).round();
            let modules = self.add(self.integer(max_modules));
            let feeds = c
                .feeds
                .iter()
                .map(|reach| {
                    let substation = &input.map.substations[reach.substation];
                    let feed = self.add(self.binary());
                    // In the relaxation a feed may draw on the capacity slack, so only the
                    // site's size bounds it.
                    // With the choices fixed, the capacity row alone holds the substation's
                    // limit (so that its dual, not a column bound's, prices it).
                    let firm_cap_mw = match relaxation {
                        Relaxation::None if !self.linear => {
                            crate::costs::available_mw(input.scenario, substation, true)
                        }
                        Relaxation::None | Relaxation::Diagnose => c.max_mw,
                    };
                    // Exact: the line rows allow no more at this substation in any plan.
                    let load_cap_mw = (input.load_caps_mw.as_ref())
                        .map_or(f64::INFINITY, |caps| caps[reach.substation]);
                    let firm_cap_mw = firm_cap_mw.min(load_cap_mw);
                    let firm = self.add(variable().min(0.0).max(c.max_mw.min(firm_cap_mw)));
                    let flex_cap_mw = crate::costs::flexible_room_mw(substation, true)
                        .min(flexible_share * c.max_mw)
                        .min(load_cap_mw);
                    let flex =
                        (flex_cap_mw > 0.0).then(|| self.add(variable().min(0.0).max(flex_cap_mw)));
                    // Exact: no feed carries more than its site's size or its substation's capacity.
                    let max_flow_mw = c.max_mw.min(firm_cap_mw + flex_cap_mw.max(0.0));
                    FeedVars {
                        substation: reach.substation,
                        km: reach.km,
                        feed,
                        firm,
                        flex,
                        max_flow_mw,
                    }
                })
                .collect();
            self.sites.push(SiteVars {
                candidate: i,
                community: c.community,
                build,
                modules,
                cap_mw,
                build_usd: input.build_usd(i),
                feeds,
            });
        }
    }

    fn add_upgrade_variables(&mut self, input: &ModelInput) {
        let reachable: std::collections::BTreeSet<usize> = self
            .sites
            .iter()
            .flat_map(|s| s.feeds.iter().map(|f| f.substation))
            .collect();
        for b in reachable {
            if input.map.substations[b].upgrade_mw > 0.0 {
                let upgrade = self.add(self.binary());
                self.upgrades.insert(b, upgrade);
            }
        }
    }

    fn add_touched_variables(&mut self, input: &ModelInput) {
        let communities: std::collections::BTreeSet<usize> =
            self.sites.iter().filter_map(|s| s.community).collect();
        for c in communities {
            if crate::costs::burdened_residents(&input.map.communities[c]) > 0.0 {
                let touched = self.add(variable().min(0.0).max(1.0));
                self.touched.insert(c, touched);
            }
        }
    }

    fn add_host_variables(&mut self) {
        let communities: std::collections::BTreeSet<CommunityKey> =
            self.sites.iter().map(|s| s.community).collect();
        for c in communities {
            let hosts = self.add(self.binary());
            self.hosts.insert(c, hosts);
        }
    }

    /// `pickup_pkb ≥ 0` for each site p, each feed option k of p whose outage the program holds
    /// ([`ModelInput::outages`]) and each other option b.
    /// Its upper bound `min(max_site_mw, cap_p)·feed_pb` is a row ([`constraints::n_minus_one`]);
    /// the column's own bound, b's emergency capacity with its upgrade, holds in every plan
    /// (b's emergency row bounds the pickup alone).
    fn add_pickup_variables(&mut self, input: &ModelInput) {
        for site in 0..self.sites.len() {
            let options: Vec<usize> = self.sites[site]
                .feeds
                .iter()
                .map(|f| f.substation)
                .collect();
            let held = |out: &&usize| input.outages.as_ref().is_none_or(|o| o.contains(*out));
            for &out in options.iter().filter(held) {
                for &to in options.iter().filter(|&&to| to != out) {
                    let substation = &input.map.substations[to];
                    let max_mw = crate::costs::emergency_mw(input.scenario, substation, true);
                    // With the choices fixed, b's emergency rows alone hold it (so that their
                    // duals, not this bound's, price b's headroom).
                    let col = if self.linear {
                        self.add(variable().min(0.0))
                    } else {
                        self.add(variable().min(0.0).max(max_mw))
                    };
                    self.pickups.push(PickupVars { site, out, to, col });
                }
            }
        }
    }

    /// `L_b` and `F_b` for every substation a candidate reaches whose new load moves flows.
    fn add_load_variables(&mut self, input: &ModelInput) {
        let reached: std::collections::BTreeSet<usize> = self
            .sites
            .iter()
            .flat_map(|s| s.feeds.iter().map(|f| f.substation))
            .filter(|&b| input.network.moves_flows(b))
            .collect();
        for b in reached {
            let all = self.add(variable().min(0.0));
            let firm = self.add(variable().min(0.0));
            self.loads.insert(b, LoadVars { all, firm });
        }
    }

    fn add_slack_variables(&mut self, flow_rows: usize) {
        let target_mw = self.add(variable().min(0.0));
        let communities = self.add(variable().min(0.0));
        let keys: Vec<CommunityKey> = self.hosts.keys().copied().collect();
        let share_mw = keys
            .into_iter()
            .map(|c| (c, self.add(variable().min(0.0))))
            .collect();
        let substations: std::collections::BTreeSet<usize> = self
            .sites
            .iter()
            .flat_map(|s| s.feeds.iter().map(|f| f.substation))
            .collect();
        let capacity_mw = substations
            .into_iter()
            .map(|b| (b, self.add(variable().min(0.0))))
            .collect();
        let flow_mw = (0..flow_rows)
            .map(|_| self.add(variable().min(0.0)))
            .collect();
        self.slacks = Some(Slacks {
            target_mw,
            communities,
            share_mw,
            capacity_mw,
            flow_mw,
        });
    }

    /// The contract's objective in USD (plus the penalties of a relaxation), one term a
    /// column; the model keeps it scaled by [`USD_PER_OBJECTIVE_UNIT`].
    fn objective_usd(&self, input: &ModelInput) -> Vec<(Col, f64)> {
        let scenario = input.scenario;
        let mut terms = Vec::with_capacity(self.columns);
        for site in &self.sites {
            terms.push((site.build, site.build_usd));
            for f in &site.feeds {
                terms.push((f.feed, crate::costs::feed_usd(scenario, f.km)));
                if let Some(flex) = f.flex {
                    terms.push((flex, crate::costs::flexible_usd(scenario, 1.0)));
                }
            }
        }
        for (b, upgrade) in &self.upgrades {
            terms.push((*upgrade, input.map.substations[*b].upgrade_usd));
        }
        if let Some(s) = &self.slacks {
            terms.push((s.target_mw, PENALTY_TARGET_USD_PER_MW));
            terms.push((s.communities, PENALTY_COMMUNITY_USD));
            let share = s.share_mw.iter().map(|(_, c)| c);
            let capacity = s.capacity_mw.iter().map(|(_, c)| c);
            for slack in share.chain(capacity).chain(&s.flow_mw) {
                terms.push((*slack, PENALTY_RULE_USD_PER_MW));
            }
        }
        terms
    }
}

/// `s_p = module_mw · modules_p`, a site's MW.
pub fn site_mw(site: &SiteVars, module_mw: f64) -> Expression {
    module_mw * site.modules.var
}
