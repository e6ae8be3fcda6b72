//! Scenario files (`scenarios/<name>.toml`): every key of the contract with its default.
//!
//! Takes a TOML file; gives a [`Scenario`] whose `map` path is resolved against the scenario
//! file's folder. Unknown keys and wrong types are errors that name the key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::layers::ReceptorKind;

pub mod overrides;

pub use overrides::{Override, OverrideError, Sweep};

/// A scenario that cannot be used, with the file and the key to fix.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read scenario {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("scenario {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("scenario {path} with {overrides}: {message}")]
    Override {
        path: PathBuf,
        /// The overrides applied, `key=value, key=value`.
        overrides: String,
        message: String,
    },
    #[error("scenario {path}: key `{key}` {message}")]
    Invalid {
        path: PathBuf,
        key: &'static str,
        message: String,
    },
}

/// `[target]`: how much AI-factory load to place and in what sizes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub total_mw: f64,
    #[serde(default = "d::module_mw")]
    pub module_mw: f64,
    #[serde(default = "d::min_site_mw")]
    pub min_site_mw: f64,
    #[serde(default = "d::max_site_mw")]
    pub max_site_mw: f64,
    #[serde(default = "d::max_sites")]
    pub max_sites: u32,
}

/// `[site]`: what a parcel needs to host a site.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Site {
    pub allowed_zoning: Vec<String>,
    pub acres_per_mw: f64,
    pub max_fiber_km: f64,
    pub max_feed_km: f64,
    pub min_feeds: u32,
    pub max_feeds: u32,
    pub min_spacing_km: f64,
}

impl Default for Site {
    fn default() -> Self {
        Site {
            allowed_zoning: vec!["industrial".into(), "commercial".into()],
            acres_per_mw: 0.5,
            max_fiber_km: 5.0,
            max_feed_km: 15.0,
            min_feeds: 1,
            max_feeds: 2,
            min_spacing_km: 2.0,
        }
    }
}

/// `[grid]`: how much substation headroom the plan may take, and how secure it must be.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Grid {
    pub max_headroom_share: f64,
    pub flexible_share: f64,
    /// With `min_feeds ≥ 2`: the share of `headroom − community_growth` a substation may give
    /// AI factories while another substation is out (may exceed 1: a short-term overload).
    pub emergency_headroom_share: f64,
    /// With lines: the share of `rating_mw` a line may carry in normal operation.
    pub max_line_loading: f64,
    /// With lines: every single line outage keeps the others within `emergency_rating_mw`.
    pub line_contingencies: bool,
    /// With lines, on a limit broken before any new load ("do no harm"): a substation whose new
    /// load moves that flow by less than this many MW per MW counts neither as worsening nor as
    /// relieving it (a distribution-factor cutoff, as interconnection studies use; on an outage
    /// row the factor is the post-outage one). 0.05 by default (docs/grid-security.md, "Harm cutoff",
    /// revision of 2026-12-07); 0.0 is the strict reading, where every substation counts.
    pub harm_factor_cutoff: f64,
    /// With `load_profiles.csv`: the share of a new load's annual energy that may be curtailed
    /// at a profiled substation, in percent (0 ≤ x < 100; docs/profiles-and-queue.md, "Headroom over time and
    /// the queue").
    pub max_curtailment_pct: f64,
    /// With `load_profiles.csv`: the most hours (by weight) a new load may be curtailed in.
    pub max_curtailment_hours: f64,
    /// The statuses of `loads.geojson` whose loads take headroom before the plan.
    pub queue_statuses: Vec<String>,
}

/// `grid.harm_factor_cutoff`'s default (docs/grid-security.md, "Harm cutoff", revision of 2026-12-07):
/// inside the range interconnection studies use (MISO attributes an overload at 20 %, 10 % in
/// parts of its footprint; PJM's cost allocation ignores factors under 1 %).
pub const DEFAULT_HARM_FACTOR_CUTOFF: f64 = 0.05;

impl Default for Grid {
    fn default() -> Self {
        Grid {
            max_headroom_share: 0.8,
            flexible_share: 0.0,
            emergency_headroom_share: 1.0,
            max_line_loading: 1.0,
            line_contingencies: true,
            harm_factor_cutoff: DEFAULT_HARM_FACTOR_CUTOFF,
            max_curtailment_pct: 0.0,
            max_curtailment_hours: 8760.0,
            queue_statuses: vec!["construction".into(), "signed".into()],
        }
    }
}

impl Grid {
    /// The queue statuses this scenario counts (its `queue_statuses`, validated on load).
    pub fn counted_statuses(&self) -> Vec<crate::layers::QueueStatus> {
        (self.queue_statuses.iter())
            .filter_map(|word| crate::layers::QueueStatus::from_name(word))
            .collect()
    }
}

/// `[community]` as written in the file: `setback_m` holds only the overridden kinds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
struct CommunityFile {
    setback_m: BTreeMap<String, f64>,
    max_burden_pct: f64,
    brownfield_exempt: bool,
    max_water_stress: f64,
    max_share_per_community: f64,
    min_communities: u32,
}

impl Default for CommunityFile {
    fn default() -> Self {
        CommunityFile {
            setback_m: BTreeMap::new(),
            max_burden_pct: 100.0,
            brownfield_exempt: true,
            max_water_stress: 5.0,
            max_share_per_community: 1.0,
            min_communities: 1,
        }
    }
}

/// `[community]`: community-first rules. `setback_m` is the merged table (defaults, then the
/// scenario's entries one by one; 0 removes a setback).
#[derive(Debug, Clone, PartialEq)]
pub struct Community {
    pub setback_m: BTreeMap<String, f64>,
    pub max_burden_pct: f64,
    pub brownfield_exempt: bool,
    pub max_water_stress: f64,
    pub max_share_per_community: f64,
    pub min_communities: u32,
}

impl Community {
    /// The setback in metres for a receptor kind; 0 when the kind has none.
    pub fn setback_for(&self, kind: &str) -> f64 {
        self.setback_m.get(kind).copied().unwrap_or(0.0)
    }

    /// The largest setback of any kind, in metres.
    pub fn max_setback_m(&self) -> f64 {
        self.setback_m.values().copied().fold(0.0, f64::max)
    }
}

impl Default for Community {
    fn default() -> Self {
        CommunityFile::default().into()
    }
}

impl From<CommunityFile> for Community {
    fn from(file: CommunityFile) -> Self {
        let mut setback_m = default_setbacks_m();
        setback_m.extend(file.setback_m);
        Community {
            setback_m,
            max_burden_pct: file.max_burden_pct,
            brownfield_exempt: file.brownfield_exempt,
            max_water_stress: file.max_water_stress,
            max_share_per_community: file.max_share_per_community,
            min_communities: file.min_communities,
        }
    }
}

/// The contract's default setbacks, in metres, one for each [`ReceptorKind`].
pub fn default_setbacks_m() -> BTreeMap<String, f64> {
    ReceptorKind::ALL
        .into_iter()
        .map(|kind| (kind.as_str().to_string(), default_setback_m(kind)))
        .collect()
}

/// The contract's default setback of a receptor kind, in metres.
fn default_setback_m(kind: ReceptorKind) -> f64 {
    match kind {
        ReceptorKind::School | ReceptorKind::Hospital => 500.0,
        ReceptorKind::Residential => 300.0,
        ReceptorKind::Protected => 1000.0,
    }
}

/// `[costs]`, in USD.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Costs {
    pub site_fixed_usd: f64,
    pub feed_usd_per_km: f64,
    pub fiber_usd_per_km: f64,
    pub flexible_usd_per_mw: f64,
}

impl Default for Costs {
    fn default() -> Self {
        Costs {
            site_fixed_usd: 20_000_000.0,
            feed_usd_per_km: 3_000_000.0,
            fiber_usd_per_km: 150_000.0,
            flexible_usd_per_mw: 0.0,
        }
    }
}

/// `[solver]`: HiGHS settings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Solver {
    pub time_limit_s: f64,
    pub mip_gap: f64,
    pub threads: u32,
    /// Reduction (not exact; 0 = off): model only this many candidates, those with the lowest
    /// lower bound on cost per MW.
    pub max_candidates: u32,
    /// Reduction (not exact; 0 = off): offer each candidate only its nearest substations, at
    /// least `site.min_feeds` of them.
    pub max_feed_options: u32,
}

impl Default for Solver {
    fn default() -> Self {
        Solver {
            time_limit_s: 60.0,
            mip_gap: 0.001,
            threads: 1,
            max_candidates: 0,
            max_feed_options: 0,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    name: String,
    map: PathBuf,
    target: Target,
    #[serde(default)]
    site: Site,
    #[serde(default)]
    grid: Grid,
    #[serde(default)]
    community: CommunityFile,
    #[serde(default)]
    costs: Costs,
    #[serde(default)]
    solver: Solver,
}

/// Every key a scenario file may hold, read from the scenario's own types: the file's
/// defaults serialized (with placeholders for the keys without one).
fn schema() -> toml::Table {
    let file = ScenarioFile {
        name: String::new(),
        map: PathBuf::new(),
        target: Target {
            total_mw: 0.0,
            module_mw: d::module_mw(),
            min_site_mw: d::min_site_mw(),
            max_site_mw: d::max_site_mw(),
            max_sites: d::max_sites(),
        },
        site: Site::default(),
        grid: Grid::default(),
        community: CommunityFile::default(),
        costs: Costs::default(),
        solver: Solver::default(),
    };
    toml::Table::try_from(&file).unwrap_or_default()
}

/// Whether a dotted key (`grid.max_headroom_share`) names a key of the scenario file, or a
/// table of it (`community.setback_m`, set whole as an inline table). A table the schema leaves
/// empty is a map of the user's own keys (`community.setback_m.<kind>`: any receptor kind), so
/// one more part under it is known. Whether the value fits is checked when the scenario is read.
pub fn is_known_key(key: &str) -> bool {
    let schema = schema();
    let parts: Vec<&str> = key.split('.').collect();
    let mut table = &schema;
    for (depth, part) in parts.iter().enumerate() {
        let last = depth + 1 == parts.len();
        match table.get(*part) {
            Some(toml::Value::Table(inner)) if inner.is_empty() => {
                return last || depth + 2 == parts.len();
            }
            Some(toml::Value::Table(inner)) => {
                if last {
                    return true;
                }
                table = inner;
            }
            Some(_) => return last,
            None => return false,
        }
    }
    false
}

/// A validated scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    /// The map folder, resolved against the scenario file's folder.
    pub map: PathBuf,
    pub target: Target,
    pub site: Site,
    pub grid: Grid,
    pub community: Community,
    pub costs: Costs,
    pub solver: Solver,
    /// The file the scenario was read from (for messages).
    pub path: PathBuf,
    /// Keys overridden from the command line (`--set`, `--sweep`), in the order applied.
    pub overrides: Vec<Override>,
}

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Scenario::parse(&text, path)
    }

    /// Reads a scenario file with keys overridden. The file must be valid on its own; then each
    /// override is applied and checked in turn, so an error names the override at fault.
    pub fn load_with(path: &Path, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let scenario = Scenario::parse(&text, path)?;
        if overrides.is_empty() {
            return Ok(scenario);
        }
        let mut table: toml::Table = toml::from_str(&text).map_err(|e| ScenarioError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let error = |overrides: &[Override], message: String| ScenarioError::Override {
            path: path.to_path_buf(),
            overrides: (overrides.iter().map(Override::to_string))
                .collect::<Vec<_>>()
                .join(", "),
            message,
        };
        for o in overrides {
            o.apply(&mut table)
                .map_err(|e| error(std::slice::from_ref(o), e.to_string()))?;
        }
        // All overrides first, then one check: a combination is valid or not as a whole
        // (`min_site_mw=400` with `max_site_mw=500`), whatever the order of the flags.
        let file: ScenarioFile = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| error(overrides, e.message().trim_end().to_string()))?;
        let mut scenario = Scenario::from_file(file, path);
        scenario.validate().map_err(|e| match e {
            ScenarioError::Invalid { key, message, .. } => {
                error(overrides, format!("`{key}` {message}"))
            }
            other => error(overrides, other.to_string()),
        })?;
        scenario.overrides = overrides.to_vec();
        Ok(scenario)
    }

    /// Parses scenario text; `path` resolves the map folder and names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Scenario, ScenarioError> {
        let file: ScenarioFile = toml::from_str(text).map_err(|e| ScenarioError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let scenario = Scenario::from_file(file, path);
        scenario.validate()?;
        Ok(scenario)
    }

    fn from_file(file: ScenarioFile, path: &Path) -> Scenario {
        let folder = path.parent().unwrap_or(Path::new(""));
        Scenario {
            name: file.name,
            map: folder.join(file.map),
            target: file.target,
            site: file.site,
            grid: file.grid,
            community: file.community.into(),
            costs: file.costs,
            solver: file.solver,
            path: path.to_path_buf(),
            overrides: Vec::new(),
        }
    }

    fn invalid(&self, key: &'static str, message: impl Into<String>) -> ScenarioError {
        ScenarioError::Invalid {
            path: self.path.clone(),
            key,
            message: message.into(),
        }
    }

    fn validate(&self) -> Result<(), ScenarioError> {
        let finite_at_least = |key: &'static str, value: f64, min: f64| {
            if value.is_finite() && value >= min {
                Ok(())
            } else {
                Err(self.invalid(key, format!("must be a number >= {min}, got {value}")))
            }
        };
        let share = |key: &'static str, value: f64| {
            if (0.0..=1.0).contains(&value) {
                Ok(())
            } else {
                Err(self.invalid(key, format!("must be a share from 0 to 1, got {value}")))
            }
        };
        if self.name.trim().is_empty() {
            return Err(self.invalid("name", "must not be empty"));
        }
        let t = &self.target;
        finite_at_least("target.total_mw", t.total_mw, 0.0)?;
        if !(t.module_mw.is_finite() && t.module_mw > 0.0) {
            return Err(self.invalid(
                "target.module_mw",
                format!("must be > 0, got {}", t.module_mw),
            ));
        }
        finite_at_least("target.min_site_mw", t.min_site_mw, 0.0)?;
        finite_at_least("target.max_site_mw", t.max_site_mw, t.min_site_mw)?;
        let s = &self.site;
        if !(s.acres_per_mw.is_finite() && s.acres_per_mw > 0.0) {
            return Err(self.invalid(
                "site.acres_per_mw",
                format!("must be > 0, got {}", s.acres_per_mw),
            ));
        }
        finite_at_least("site.max_fiber_km", s.max_fiber_km, 0.0)?;
        finite_at_least("site.max_feed_km", s.max_feed_km, 0.0)?;
        finite_at_least("site.min_spacing_km", s.min_spacing_km, 0.0)?;
        if s.max_feeds < s.min_feeds.max(1) {
            return Err(self.invalid(
                "site.max_feeds",
                format!(
                    "must be at least 1 and at least site.min_feeds ({}), got {}",
                    s.min_feeds, s.max_feeds
                ),
            ));
        }
        share("grid.max_headroom_share", self.grid.max_headroom_share)?;
        share("grid.flexible_share", self.grid.flexible_share)?;
        let g = &self.grid;
        finite_at_least(
            "grid.emergency_headroom_share",
            g.emergency_headroom_share,
            0.0,
        )?;
        finite_at_least("grid.max_line_loading", g.max_line_loading, 0.0)?;
        share("grid.harm_factor_cutoff", g.harm_factor_cutoff)?;
        if !(0.0..100.0).contains(&g.max_curtailment_pct) {
            return Err(self.invalid(
                "grid.max_curtailment_pct",
                format!(
                    "must be a percentage from 0 up to (not including) 100, got {}",
                    g.max_curtailment_pct
                ),
            ));
        }
        finite_at_least("grid.max_curtailment_hours", g.max_curtailment_hours, 0.0)?;
        for word in &g.queue_statuses {
            if crate::layers::QueueStatus::from_name(word).is_none() {
                return Err(self.invalid(
                    "grid.queue_statuses",
                    format!(
                        "\"{word}\" is not one of {}",
                        crate::layers::QueueStatus::names()
                    ),
                ));
            }
        }
        let c = &self.community;
        for (kind, metres) in &c.setback_m {
            if !(metres.is_finite() && *metres >= 0.0) {
                return Err(self.invalid(
                    "community.setback_m",
                    format!("entry `{kind}` must be >= 0 metres, got {metres}"),
                ));
            }
        }
        finite_at_least("community.max_burden_pct", c.max_burden_pct, 0.0)?;
        finite_at_least("community.max_water_stress", c.max_water_stress, 0.0)?;
        finite_at_least(
            "community.max_share_per_community",
            c.max_share_per_community,
            0.0,
        )?;
        let k = &self.costs;
        finite_at_least("costs.site_fixed_usd", k.site_fixed_usd, 0.0)?;
        finite_at_least("costs.feed_usd_per_km", k.feed_usd_per_km, 0.0)?;
        finite_at_least("costs.fiber_usd_per_km", k.fiber_usd_per_km, 0.0)?;
        finite_at_least("costs.flexible_usd_per_mw", k.flexible_usd_per_mw, 0.0)?;
        if !(self.solver.time_limit_s.is_finite() && self.solver.time_limit_s > 0.0) {
            return Err(self.invalid("solver.time_limit_s", "must be > 0 seconds"));
        }
        finite_at_least("solver.mip_gap", self.solver.mip_gap, 0.0)?;
        if self.solver.threads == 0 {
            return Err(self.invalid("solver.threads", "must be at least 1"));
        }
        Ok(())
    }
}

/// Serde defaults of `[target]` (the other tables default as a whole).
mod d {
    pub fn module_mw() -> f64 {
        25.0
    }
    pub fn min_site_mw() -> f64 {
        50.0
    }
    pub fn max_site_mw() -> f64 {
        300.0
    }
    pub fn max_sites() -> u32 {
        6
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        Scenario::parse(text, Path::new("scenarios/x.toml"))
    }

    const MINIMAL: &str = "name = \"x\"\nmap = \"../maps/m\"\n[target]\ntotal_mw = 100\n";

    #[test]
    fn minimal_scenario_takes_every_default() {
        let s = parse(MINIMAL).unwrap();
        assert_eq!(s.map, Path::new("scenarios/../maps/m"));
        assert_eq!(s.target.module_mw, 25.0);
        assert_eq!(s.target.max_sites, 6);
        assert_eq!(s.site, Site::default());
        assert_eq!(s.community.setback_for("school"), 500.0);
        assert_eq!(s.community.setback_for("protected"), 1000.0);
        assert_eq!(s.community.setback_for("farm"), 0.0);
        assert_eq!(s.costs.site_fixed_usd, 20_000_000.0);
        assert_eq!(s.solver.threads, 1);
    }

    #[test]
    fn setback_table_overrides_entries_one_by_one() {
        let text = format!(
            "{MINIMAL}[community]\nsetback_m = {{ school = 1000, residential = 0, farm = 50 }}\n"
        );
        let s = parse(&text).unwrap();
        assert_eq!(s.community.setback_for("school"), 1000.0);
        assert_eq!(s.community.setback_for("hospital"), 500.0);
        assert_eq!(s.community.setback_for("residential"), 0.0);
        assert_eq!(s.community.setback_for("farm"), 50.0);
    }

    #[test]
    fn unknown_key_is_an_error_naming_the_key() {
        let text = format!("{MINIMAL}[site]\nmax_fibre_km = 3\n");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("max_fibre_km"), "{err}");
        assert!(err.contains("scenarios/x.toml"), "{err}");
    }

    #[test]
    fn wrong_type_is_an_error_naming_the_key() {
        let text = format!("{MINIMAL}[grid]\nmax_headroom_share = \"most\"\n");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("max_headroom_share"), "{err}");
    }

    #[test]
    fn missing_total_mw_is_an_error() {
        let err = parse("name = \"x\"\nmap = \"m\"\n[target]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("total_mw"), "{err}");
    }

    #[test]
    fn out_of_range_value_names_the_key() {
        let text = format!("{MINIMAL}[grid]\nflexible_share = 1.5\n");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("grid.flexible_share"), "{err}");
    }

    #[test]
    fn known_keys_come_from_the_scenario_types() {
        for key in [
            "name",
            "target.total_mw",
            "target.max_sites",
            "site.allowed_zoning",
            "grid.max_headroom_share",
            "community.brownfield_exempt",
            "community.setback_m.school",
            "community.setback_m.any_kind",
            "community.setback_m",
            "target",
            "costs.feed_usd_per_km",
            "solver.time_limit_s",
        ] {
            assert!(is_known_key(key), "{key}");
        }
        for key in [
            "",
            "target.total",
            "grid.max_headroom_share.x",
            "community.setback_m.school.x",
            "nosuch.key",
            "solver.time_limit",
        ] {
            assert!(!is_known_key(key), "{key}");
        }
    }
}
