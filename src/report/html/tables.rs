//! The page's tables: the summary, the explanation of an infeasible scenario, and a table a
//! layer. Every figure cell carries its exact value in `data-value` and its key in `data-key`,
//! so that what the page shows can be checked against `summary.json` and the GeoJSON files.

use geojson::Feature;
use maud::{Markup, html};
use serde_json::Value;

use crate::report::layers::LayerKind;
use crate::summary::Summary;

/// Lines the busiest-lines table lists.
const BUSIEST_LINES: usize = 20;

/// A figure for the eye: thousands separated, `decimals` places.
pub fn figure(v: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, v.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut out = String::new();
    if v < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.push('-');
    }
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if !fraction.is_empty() {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

/// How many decimals a property's figures are shown with, by its name's unit.
fn decimals_of(key: &str) -> usize {
    if key.ends_with("usd") {
        0
    } else if key == "utilization" || key.contains("loading") {
        3
    } else {
        1
    }
}

/// A table cell for a JSON value: numbers formatted with their exact value in `data-value`.
pub fn cell(key: &str, value: Option<&Value>) -> Markup {
    match value {
        Some(Value::Number(n)) => {
            let v = n.as_f64().unwrap_or(0.0);
            let decimals = if n.is_f64() { decimals_of(key) } else { 0 };
            html! { td.num data-key=(key) data-value=(n.to_string()) { (figure(v, decimals)) } }
        }
        Some(Value::String(s)) => html! { td data-key=(key) data-value=(s) { (s) } },
        Some(Value::Bool(b)) => {
            html! { td data-key=(key) data-value=(b) { (if *b { "yes" } else { "no" }) } }
        }
        Some(Value::Array(items)) => {
            let text: Vec<String> = (items.iter())
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect();
            html! { td data-key=(key) data-value=(Value::Array(items.clone()).to_string()) { (text.join(", ")) } }
        }
        Some(Value::Null) | None => html! { td data-key=(key) data-value="" { "–" } },
        Some(other) => {
            html! { td data-key=(key) data-value=(other.to_string()) { (other.to_string()) } }
        }
    }
}

/// The line under the title: status, MW and cost at a glance.
pub fn status_line(summary: &Summary) -> Markup {
    let status = summary.status.as_str();
    html! {
        p.status-line {
            span class=(format!("status status-{status}")) { (status) }
            @if let Some(usd) = summary.objective_usd {
                " · " (figure(summary.total_mw, 1)) " MW at " (figure(usd, 0)) " USD"
            } @else if let Some(message) = &summary.message {
                " · " (message)
            }
        }
    }
}

/// The summary: what `summary.json` says, under labels and in units a person reads; each
/// cell keeps its `summary.json` key and raw value in `data-key` and `data-value`.
pub fn summary_table(summary: &Summary) -> Markup {
    let usd_per_mw = summary
        .objective_usd
        .filter(|_| summary.total_mw > 0.0)
        .map(|usd| usd / summary.total_mw);
    // A figure under its label, in the unit a reader expects; the raw value stays in
    // `data-value` under its `summary.json` key.
    let row = |key: &str, label: &str, unit: Unit, v: Option<f64>| -> Markup {
        html! {
            tr {
                th { (label) }
                @match v {
                    Some(v) => td.num data-key=(key) data-value=(v) { (unit.show(v)) },
                    None => td data-key=(key) data-value="" { "–" },
                }
            }
        }
    };
    let c = &summary.counts;
    let count = |n: usize| Some(n as f64);
    html! {
        h2 { "Summary" }
        table.summary {
            tbody {
                tr { th { "Scenario" } td data-key="scenario" data-value=(summary.scenario) { (summary.scenario) } }
                tr { th { "Status" } td data-key="status" data-value=(summary.status.as_str()) { (summary.status.as_str()) } }
                (row("total_mw", "MW placed", Unit::Mw, Some(summary.total_mw)))
                (row("target_mw", "Target", Unit::Mw, Some(summary.target_mw)))
                (row("sites", "Sites", Unit::Count, count(summary.sites)))
                (row("objective_usd", "Cost", Unit::MillionUsd, summary.objective_usd))
                (row("usd_per_mw", "Cost per MW", Unit::MillionUsd, usd_per_mw))
                (row("gap", "Gap", Unit::Percent, summary.gap))
                (row("communities", "Communities with a site", Unit::Count, count(summary.communities)))
                (row("upgrade_usd", "Substation upgrades", Unit::MillionUsd, Some(summary.upgrade_usd)))
                (row("parcels", "Parcels", Unit::Count, count(c.parcels)))
                (row("candidates", "Candidate parcels", Unit::Count, count(c.candidates)))
                (row("variables", "Program variables", Unit::Count, count(c.variables)))
                (row("constraints", "Program constraints", Unit::Count, count(c.constraints)))
                @if let Some(v) = summary.worst_line_loading {
                    (row("worst_line_loading", "Worst line loading", Unit::Percent, Some(v)))
                }
                @if let Some(v) = summary.worst_outage_loading {
                    (row("worst_outage_loading", "Worst line loading after an outage", Unit::Percent, Some(v)))
                }
                @if let Some(stopped) = summary.search.stopped.as_ref().filter(|_| summary.status.has_plan()) {
                    tr { th { "Not proven" } td data-key="stopped" data-value=(stopped) { (stopped) } }
                }
            }
        }
        h3 { "Seconds by stage" }
        table.summary {
            tbody {
                @for (stage, s) in &summary.seconds {
                    tr { th { (stage) } td.num data-key=(format!("seconds.{stage}")) data-value=(s) { (figure(*s, 3)) " s" } }
                }
            }
        }
    }
}

/// How a summary figure is shown to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// MW to a tenth: "500.0 MW".
    Mw,
    /// USD in millions to a hundredth: "97.24 M USD".
    MillionUsd,
    /// A fraction as a percentage to a hundredth: 0.0004 is "0.04 %".
    Percent,
    /// A whole number with thousands separators: "3,484".
    Count,
}

impl Unit {
    pub fn show(self, v: f64) -> String {
        match self {
            Unit::Mw => format!("{} MW", figure(v, 1)),
            Unit::MillionUsd => format!("{} M USD", figure(v / 1e6, 2)),
            // A positive share under 0.005 % would read "0.00 %", as if nothing.
            Unit::Percent if v > 0.0 && v * 100.0 < 0.005 => "< 0.01 %".to_string(),
            Unit::Percent => format!("{} %", figure(v * 100.0, 2)),
            Unit::Count => figure(v, 0),
        }
    }
}

/// Why there is no plan, where there is none.
pub fn explanation(summary: &Summary) -> Markup {
    html! {
        @if let Some(shortfalls) = &summary.infeasibility {
            section #explanation {
                h2 { "Why there is no plan" }
                @if let Some(message) = &summary.message { p { (message) } }
                table {
                    thead { tr { th { "requirement" } th { "subject" } th { "amount" } th { "unit" } th { "explanation" } } }
                    tbody {
                        @for s in shortfalls {
                            tr {
                                td data-key="requirement" { (s.requirement) }
                                td data-key="subject" { (s.subject.clone().unwrap_or_default()) }
                                td.num data-key="amount" data-value=(s.amount) { (figure(s.amount, 1)) }
                                td data-key="unit" { (s.unit) }
                                td { (s.message) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The parcels `explain` answered for: each verdict, the filters an excluded parcel fails,
/// and for a candidate the restricted optimum against the plan.
pub fn explained_parcels(explanations: &[crate::outcome::Explanation]) -> Markup {
    html! {
        @if !explanations.is_empty() {
            section #explained {
                h2 { "Explained parcels" }
                table.features {
                    thead { tr { th { "parcel" } th { "verdict" } th { "answer" } th { "cost change (USD)" } th { "displaces" } th { "why" } } }
                    tbody {
                        @for e in explanations {
                            tr data-id=(e.parcel_id) {
                                td { (e.parcel_id) }
                                td data-key="verdict" { (e.verdict) }
                                @if let Some(a) = &e.alternative {
                                    td { (a.message) }
                                    @match a.delta_usd {
                                        Some(d) => td.num data-key="delta_usd" data-value=(d) { (figure(d, 0)) },
                                        None => td data-key="delta_usd" data-value="" { "–" },
                                    }
                                    td { (a.displaced.join(", ")) }
                                    td { (a.binding.join("; ")) }
                                } @else {
                                    td { @for f in &e.failures { (f.reason) ": " (f.detail) br; } }
                                    td {} td {} td {}
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The keys of a layer's features: its id first, then in the order the first feature gives
/// them (later new keys appended).
fn keys_of(features: &[Feature], id_key: &str) -> Vec<String> {
    let mut keys: Vec<String> = vec![id_key.to_string()];
    for f in features {
        for k in f.properties.iter().flat_map(|p| p.keys()) {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    keys
}

/// An output layer's features in a table under the layer's title.
pub fn layer_table(kind: LayerKind, features: &[Feature], id_key: &str) -> Markup {
    feature_table(kind.spec().title, kind.name(), features, id_key)
}

/// A layer's features as a table, one row a feature with every property.
pub fn feature_table(title: &str, layer: &str, features: &[Feature], id_key: &str) -> Markup {
    let keys = keys_of(features, id_key);
    html! {
        h2 { (title) " (" (features.len()) ")" }
        @if features.is_empty() {
            p.empty { "None." }
        } @else {
            div.table-scroll {
                table.features data-layer=(layer) {
                    thead { tr { @for k in &keys { th { (k) } } } }
                    tbody {
                        @for f in features {
                            tr data-id=(super::map::property_text(f, id_key)) {
                                @for k in &keys { (cell(k, f.property(k))) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The large loads of `loads.geojson` (their properties as the map's layer shows them): id,
/// substation, MW, status, and whether the scenario counts it (`queue_statuses`).
pub fn large_loads(loads: &[geojson::JsonObject]) -> Markup {
    const KEYS: [&str; 5] = ["id", "substation_id", "mw", "status", "counted"];
    let queued: f64 = (loads.iter())
        .filter(|l| l.get("counted").and_then(Value::as_bool) == Some(true))
        .filter_map(|l| l.get("mw").and_then(Value::as_f64))
        .sum();
    html! {
        h2 { "Large loads (" (loads.len()) ")" }
        p.hint {
            "Connected or in the interconnection queue (loads.geojson). Counted loads take their MW from their substation's headroom in every hour: "
            (figure(queued, 1)) " MW in all."
        }
        div.table-scroll {
            table.features data-layer="loads" {
                thead { tr { @for k in KEYS { th { (k) } } } }
                tbody {
                    @for l in loads {
                        tr data-id=(l.get("id").and_then(Value::as_str).unwrap_or_default())
                            class=(if l.get("counted").and_then(Value::as_bool) == Some(true) { "counted" } else { "uncounted" }) {
                            @for k in KEYS { (cell(k, l.get(k))) }
                        }
                    }
                }
            }
        }
    }
}

/// The most loaded lines with the plan.
pub fn busiest_lines(features: &[Feature]) -> Markup {
    let mut ranked: Vec<&Feature> = features.iter().collect();
    let loading = |f: &Feature| {
        super::map::property_f64(f, "loading").max(super::map::property_f64(f, "outage_loading"))
    };
    ranked.sort_by(|a, b| loading(b).total_cmp(&loading(a)));
    let top: Vec<Feature> = ranked.into_iter().take(BUSIEST_LINES).cloned().collect();
    html! {
        (feature_table(&format!("Busiest lines, {} of", top.len()), LayerKind::Lines.name(), &top, "id"))
    }
}

/// Parcels excluded by reason.
pub fn exclusions(counts: &[(String, usize)], total: usize) -> Markup {
    html! {
        h2 { "Exclusions by reason" }
        table.summary {
            tbody {
                @for (reason, n) in counts {
                    tr { th { (reason) } td.num data-key=(format!("excluded.{reason}")) data-value=(n) { (figure(*n as f64, 0)) } }
                }
                tr.total { th { "all excluded" } td.num data-key="excluded" data-value=(total) { (figure(total as f64, 0)) } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Unit, figure};

    #[test]
    fn summary_figures_carry_their_units() {
        assert_eq!(Unit::MillionUsd.show(210_000.0), "0.21 M USD");
        assert_eq!(Unit::MillionUsd.show(97_236_303.0), "97.24 M USD");
        assert_eq!(Unit::Percent.show(0.0004), "0.04 %");
        assert_eq!(Unit::Percent.show(0.873), "87.30 %");
        assert_eq!(Unit::Percent.show(0.00001), "< 0.01 %");
        assert_eq!(Unit::Percent.show(0.0), "0.00 %");
        assert_eq!(Unit::Mw.show(500.0), "500.0 MW");
        assert_eq!(Unit::Count.show(3484.0), "3,484");
    }

    #[test]
    fn figures_are_separated_by_thousands() {
        assert_eq!(figure(126_794_058.0, 0), "126,794,058");
        assert_eq!(figure(1234.5678, 1), "1,234.6");
        assert_eq!(figure(-0.0001, 1), "0.0");
        assert_eq!(figure(-1500.0, 0), "-1,500");
        assert_eq!(figure(999.0, 0), "999");
    }
}
