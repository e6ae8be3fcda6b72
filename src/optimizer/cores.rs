//! The cores: which candidates and feed options each program of the search holds, and how
//! the next one grows.

use super::*;

/// The next core's size after one of `size` did not settle the question, with `survivors`
/// candidates left: `CORE_GROWTH` times larger, or all of them where that would hold at least
/// [`JUMP_SHARE`] of them (a core nearly as large as the whole only delays its proof).
pub(super) fn next_core_size(size: usize, survivors: usize) -> usize {
    let next = size * CORE_GROWTH;
    if holds_most(next, survivors) {
        survivors.max(next)
    } else {
        next
    }
}

/// Whether a core of `size` candidates would hold at least [`JUMP_SHARE`] of the `survivors`
/// (the search then solves the program over all of them instead).
pub(super) fn holds_most(size: usize, survivors: usize) -> bool {
    size as f64 >= JUMP_SHARE * survivors as f64
}

/// Whether a program over `core` with the feed options `mask` holds every candidate in
/// `survivors` with every feed option `feeds` keeps.
pub(super) fn covers(
    core: &[usize],
    mask: &[Vec<bool>],
    survivors: &[usize],
    feeds: &[Vec<bool>],
) -> bool {
    let core: BTreeSet<usize> = core.iter().copied().collect();
    survivors.iter().all(|i| {
        core.contains(i)
            && (feeds[*i].iter().zip(&mask[*i])).all(|(kept, offered)| !kept || *offered)
    })
}

/// The core: the `size` buildable candidates with the lowest bounds (ties to the cheaper own
/// cost, then the lower index); where community rules can bind, also the best
/// `CORE_PER_COMMUNITY` of each of the communities with the best candidates, enough of them to
/// meet `min_communities` and the per-community cap. In index order.
pub(super) fn core_of(
    scenario: &Scenario,
    candidates: &[Candidate],
    bounds: &Bounds,
    buildable: &[usize],
    size: usize,
    forced: &[usize],
) -> Vec<usize> {
    let mut ranked = buildable.to_vec();
    ranked.sort_by(|&a, &b| {
        let (sa, sb) = (&bounds.sites[a], &bounds.sites[b]);
        (sa.plan_usd.total_cmp(&sb.plan_usd))
            .then(sa.own_usd.total_cmp(&sb.own_usd))
            .then(a.cmp(&b))
    });
    let mut core: BTreeSet<usize> = ranked.iter().take(size).copied().collect();
    core.extend(forced.iter().copied());
    let communities = communities_to_offer(scenario) * (size / FIRST_CORE).max(1);
    core.extend(best_of_communities(candidates, &ranked, communities));
    core.into_iter().collect()
}

/// The first `CORE_PER_COMMUNITY` of `ranked` in each of the first `communities`
/// communities that `ranked` reaches.
pub(super) fn best_of_communities(
    candidates: &[Candidate],
    ranked: &[usize],
    communities: usize,
) -> Vec<usize> {
    let mut per_community: BTreeMap<Option<usize>, usize> = BTreeMap::new();
    let mut chosen = Vec::new();
    for &i in ranked {
        let community = candidates[i].community;
        if !per_community.contains_key(&community) && per_community.len() >= communities {
            continue;
        }
        let taken = per_community.entry(community).or_default();
        if *taken < CORE_PER_COMMUNITY {
            *taken += 1;
            chosen.push(i);
        }
    }
    chosen
}

/// How many communities the first core draws on beyond its best candidates: none where no
/// community rule can bind, else twice what the rules need (`min_communities`, and the
/// communities a target needs under `max_share_per_community`).
pub(super) fn communities_to_offer(scenario: &Scenario) -> usize {
    let community = &scenario.community;
    let share = community.max_share_per_community;
    if community.min_communities <= 1 && share >= 1.0 {
        return 0;
    }
    let by_share = if share > 0.0 {
        (1.0 / share).ceil().min(1e6) as usize
    } else {
        1
    };
    2 * (community.min_communities as usize).max(by_share)
}

/// Whether some plan could host `min_communities` communities: a plan builds at most
/// `max_sites` sites, each in one community, among the buildable candidates' communities.
pub(super) fn communities_reachable(
    scenario: &Scenario,
    candidates: &[Candidate],
    buildable: &[usize],
) -> bool {
    let needed = scenario.community.min_communities as usize;
    let hosting: BTreeSet<Option<usize>> =
        buildable.iter().map(|&i| candidates[i].community).collect();
    needed <= hosting.len().min(scenario.target.max_sites as usize)
}

/// The feed options of `feeds` the first core offers: each candidate's nearest, at least
/// `max_feeds + 2` of them and as many more as it takes for their substations to be able to
/// carry [`FIRST_CORE_FEED_COVER`] times the site's largest size. (A fixed count of the
/// nearest, tuned on the shipped maps' large substations, made the first plan up to 10 times
/// slower to find on the test family's many small ones, where a site's nearest substations
/// cannot carry it and its neighbours'.)
pub(super) fn first_core_feeds(
    scenario: &Scenario,
    map: &Map,
    candidates: &[Candidate],
    feeds: &[Vec<bool>],
) -> Vec<Vec<bool>> {
    let least = scenario.site.max_feeds.max(scenario.site.min_feeds) as usize + 2;
    (candidates.iter().zip(feeds))
        .map(|(candidate, kept)| {
            let wanted_mw = FIRST_CORE_FEED_COVER * candidate.max_mw;
            let (mut offered, mut carry_mw) = (0, 0.0);
            (candidate.feeds.iter().zip(kept))
                .map(|(feed, &kept)| {
                    let offer = kept && (offered < least || carry_mw < wanted_mw);
                    if offer {
                        offered += 1;
                        carry_mw += feed_capacity_mw(scenario, map, feed.substation);
                    }
                    offer
                })
                .collect()
        })
        .collect()
}

/// Every feed option of every candidate.
pub(super) fn feed_mask(candidates: &[Candidate]) -> Vec<Vec<bool>> {
    candidates
        .iter()
        .map(|c| vec![true; c.feeds.len()])
        .collect()
}

/// The neighbourhood of the plans earlier searches found, for a restricted search none of
/// whose plans meets its restrictions: the parcels that must be built, the survivors among
/// the pooled plans' sites, and for each substation feeding a pooled site the
/// `per_substation` survivors with the lowest bounds that keep a feed option there (a parcel
/// next to an excluded site, drawing on the same substations). None where that is more than
/// [`FIRST_CORE`] candidates (the first core is then as small) or no pooled plan is left. In
/// index order.
///
/// It is a core like any other (a set of candidates): its plans are plans of the restricted
/// program, so a plan it gives is a valid start and upper bound, and nothing else is taken
/// from it.
pub(super) fn pool_neighbourhood(
    candidates: &[Candidate],
    bounds: &Bounds,
    survivors: &[usize],
    feeds: &[Vec<bool>],
    plans: &[memo::Pooled],
    forced: &[usize],
    per_substation: usize,
) -> Option<Vec<usize>> {
    if plans.is_empty() {
        return None;
    }
    let pooled_parcels: BTreeSet<usize> = plans.iter().flat_map(|p| p.parcels()).collect();
    let pooled_substations: BTreeSet<usize> = (plans.iter())
        .flat_map(|p| &p.plan.sites)
        .flat_map(|s| s.feeds.iter().map(|f| f.substation))
        .collect();
    let mut chosen: BTreeSet<usize> = forced.iter().copied().collect();
    chosen.extend(
        (survivors.iter().copied()).filter(|&i| pooled_parcels.contains(&candidates[i].parcel)),
    );
    let mut ranked = survivors.to_vec();
    ranked.sort_by(|&a, &b| {
        (bounds.sites[a]
            .plan_usd
            .total_cmp(&bounds.sites[b].plan_usd))
        .then(a.cmp(&b))
    });
    for &b in &pooled_substations {
        let near = ranked.iter().copied().filter(|&i| {
            (candidates[i].feeds.iter().zip(&feeds[i])).any(|(f, &kept)| kept && f.substation == b)
        });
        chosen.extend(near.take(per_substation));
    }
    (!chosen.is_empty() && chosen.len() <= FIRST_CORE).then(|| chosen.into_iter().collect())
}
