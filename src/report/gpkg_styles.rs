//! The default QGIS style of each layer of `plan.gpkg`, as QML (QGIS's own style format), in
//! one place: `plan.gpkg`'s `layer_styles` table holds one of these per feature table, so QGIS
//! opens the plan styled.
//!
//! | layer | renderer | by |
//! |---|---|---|
//! | `sites` | graduated fill, light to deep red | `mw` |
//! | `feeds` | one dark blue line | — |
//! | `substations` | graduated circles, green to red | `utilization` |
//! | `lines` | graduated lines, green to red and thicker | `loading` |
//! | `excluded` | rules, one colour a reason (`setback:*` all one) | `reason` |
//! | `candidates` | light blue outline, no fill | — |
//!
//! Symbol properties are written in both forms QGIS 3 reads: an `<Option type="Map">` (what
//! recent releases write) and `<prop k v>` elements (what earlier 3.x releases read);
//! `styleCategories="Symbology"` makes loading the style change the symbology only. Class bounds are fixed, not fitted to a plan's values, so the
//! same colour means the same figure in every plan.

/// `feeds`: one dark blue line.
pub fn feeds() -> String {
    document(LINE, &single(&line_symbol("0", "8,48,107,255", 0.6)))
}

/// `candidates`: a light blue outline, no fill.
pub fn candidates() -> String {
    document(
        POLYGON,
        &single(&fill_symbol(
            "0",
            "255,255,255,0",
            "no",
            "49,130,189,255",
            0.3,
        )),
    )
}

/// QGIS's `layerGeometryType` codes.
const POINT: u8 = 0;
const LINE: u8 = 1;
const POLYGON: u8 = 2;

/// An open upper bound for the last class of a graduated renderer.
const OPEN: f64 = 1e9;

pub fn sites() -> String {
    let classes = [
        (0.0, 100.0, "under 100 MW", "254,178,76,230"),
        (100.0, 250.0, "100–250 MW", "253,141,60,230"),
        (250.0, 500.0, "250–500 MW", "240,59,32,230"),
        (500.0, OPEN, "500 MW and more", "189,0,38,230"),
    ];
    let ranges: Vec<_> = classes
        .iter()
        .enumerate()
        .map(|(i, &(lower, upper, label, color))| {
            let symbol = fill_symbol(&i.to_string(), color, "solid", "70,0,0,255", 0.6);
            (lower, upper, label, symbol)
        })
        .collect();
    document(POLYGON, &graduated("mw", &ranges))
}

pub fn substations() -> String {
    let classes = [
        (0.0, 0.25, "0–25 % used", "26,150,65,255"),
        (0.25, 0.5, "25–50 % used", "166,217,106,255"),
        (0.5, 0.75, "50–75 % used", "254,224,139,255"),
        (0.75, 0.9, "75–90 % used", "253,174,97,255"),
        (0.9, OPEN, "90 % used and more", "215,25,28,255"),
    ];
    let ranges: Vec<_> = classes
        .iter()
        .enumerate()
        .map(|(i, &(lower, upper, label, color))| {
            (
                lower,
                upper,
                label,
                marker_symbol(&i.to_string(), color, 3.0),
            )
        })
        .collect();
    document(POINT, &graduated("utilization", &ranges))
}

pub fn lines() -> String {
    let classes = [
        (0.0, 0.5, "loaded under 50 %", "26,150,65,255", 0.5),
        (0.5, 0.8, "50–80 %", "166,217,106,255", 0.7),
        (0.8, 0.95, "80–95 %", "253,174,97,255", 1.0),
        (0.95, 1.0, "95–100 %", "215,25,28,255", 1.3),
        (1.0, OPEN, "over its rating", "103,0,13,255", 1.8),
    ];
    let ranges: Vec<_> = classes
        .iter()
        .enumerate()
        .map(|(i, &(lower, upper, label, color, width))| {
            (
                lower,
                upper,
                label,
                line_symbol(&i.to_string(), color, width),
            )
        })
        .collect();
    document(LINE, &graduated("loading", &ranges))
}

pub fn excluded() -> String {
    let rules = [
        (r#""reason" = 'zoning'"#, "zoning", "150,150,150,150"),
        (r#""reason" LIKE 'setback:%'"#, "setback", "255,127,0,170"),
        (r#""reason" = 'burden'"#, "burden", "152,78,163,170"),
        (r#""reason" = 'water'"#, "water", "55,126,184,170"),
        (r#""reason" = 'fiber'"#, "fiber", "166,86,40,170"),
        (r#""reason" = 'no_feed'"#, "no_feed", "228,26,28,170"),
        (r#""reason" = 'too_small'"#, "too_small", "255,255,51,170"),
        ("ELSE", "other", "0,0,0,120"),
    ];
    let rules: Vec<_> = rules
        .iter()
        .enumerate()
        .map(|(i, &(filter, label, color))| {
            let symbol = fill_symbol(&i.to_string(), color, "solid", "90,90,90,255", 0.1);
            (filter, label, symbol)
        })
        .collect();
    document(POLYGON, &rule_based(&rules))
}

/// A whole QML document around a renderer.
fn document(geometry_type: u8, renderer: &str) -> String {
    format!(
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n\
         <qgis version=\"3.28.0-Firenze\" styleCategories=\"Symbology\">\n\
         {renderer}\
         <blendMode>0</blendMode>\n\
         <featureBlendMode>0</featureBlendMode>\n\
         <layerOpacity>1</layerOpacity>\n\
         <layerGeometryType>{geometry_type}</layerGeometryType>\n\
         </qgis>\n"
    )
}

const RENDERER_ATTRIBUTES: &str = r#"symbollevels="0" forceraster="0" enableorderby="0""#;

fn single(symbol: &str) -> String {
    format!(
        "<renderer-v2 type=\"singleSymbol\" {RENDERER_ATTRIBUTES}>\n<symbols>\n{symbol}</symbols>\n\
         <rotation/>\n<sizescale/>\n</renderer-v2>\n"
    )
}

/// A graduated renderer over `attribute`: (lower, upper, label, symbol named by its index).
fn graduated(attribute: &str, ranges: &[(f64, f64, &str, String)]) -> String {
    let mut out = format!(
        "<renderer-v2 type=\"graduatedSymbol\" attr=\"{}\" graduatedMethod=\"GraduatedColor\" \
         {RENDERER_ATTRIBUTES}>\n<ranges>\n",
        escape(attribute)
    );
    for (i, (lower, upper, label, _)) in ranges.iter().enumerate() {
        out += &format!(
            "<range render=\"true\" symbol=\"{i}\" lower=\"{lower:.6}\" upper=\"{upper:.6}\" \
             label=\"{}\"/>\n",
            escape(label)
        );
    }
    out += "</ranges>\n<symbols>\n";
    for (_, _, _, symbol) in ranges {
        out += symbol;
    }
    out + "</symbols>\n<rotation/>\n<sizescale/>\n</renderer-v2>\n"
}

/// A rule-based renderer: (filter expression, label, symbol named by its index). Rule keys
/// are fixed UUID-shaped strings, so the style is the same bytes every time.
fn rule_based(rules: &[(&str, &str, String)]) -> String {
    let mut out = format!(
        "<renderer-v2 type=\"RuleRenderer\" {RENDERER_ATTRIBUTES}>\n\
         <rules key=\"{{{}}}\">\n",
        rule_key(0)
    );
    for (i, (filter, label, _)) in rules.iter().enumerate() {
        out += &format!(
            "<rule key=\"{{{}}}\" symbol=\"{i}\" label=\"{}\" filter=\"{}\"/>\n",
            rule_key(i + 1),
            escape(label),
            escape(filter)
        );
    }
    out += "</rules>\n<symbols>\n";
    for (_, _, symbol) in rules {
        out += symbol;
    }
    out + "</symbols>\n</renderer-v2>\n"
}

fn rule_key(i: usize) -> String {
    format!("00000000-0000-0000-0000-{i:012}")
}

fn fill_symbol(name: &str, color: &str, style: &str, outline: &str, outline_mm: f64) -> String {
    symbol(
        "fill",
        name,
        "SimpleFill",
        &[
            ("color", color),
            ("style", style),
            ("outline_color", outline),
            ("outline_style", "solid"),
            ("outline_width", &outline_mm.to_string()),
            ("outline_width_unit", "MM"),
            ("joinstyle", "bevel"),
        ],
    )
}

fn line_symbol(name: &str, color: &str, width_mm: f64) -> String {
    symbol(
        "line",
        name,
        "SimpleLine",
        &[
            ("line_color", color),
            ("line_style", "solid"),
            ("line_width", &width_mm.to_string()),
            ("line_width_unit", "MM"),
            ("capstyle", "round"),
            ("joinstyle", "round"),
        ],
    )
}

fn marker_symbol(name: &str, color: &str, size_mm: f64) -> String {
    symbol(
        "marker",
        name,
        "SimpleMarker",
        &[
            ("name", "circle"),
            ("color", color),
            ("outline_color", "35,35,35,255"),
            ("outline_style", "solid"),
            ("outline_width", "0.3"),
            ("outline_width_unit", "MM"),
            ("size", &size_mm.to_string()),
            ("size_unit", "MM"),
        ],
    )
}

/// A one-layer symbol, its properties written in both of QGIS's forms.
fn symbol(kind: &str, name: &str, class: &str, properties: &[(&str, &str)]) -> String {
    let mut out = format!(
        "<symbol type=\"{kind}\" name=\"{name}\" alpha=\"1\" clip_to_extent=\"1\" \
         force_rhr=\"0\">\n<layer class=\"{class}\" pass=\"0\" locked=\"0\" enabled=\"1\">\n\
         <Option type=\"Map\">\n"
    );
    for (key, value) in properties {
        out += &format!(
            "<Option type=\"QString\" name=\"{}\" value=\"{}\"/>\n",
            escape(key),
            escape(value)
        );
    }
    out += "</Option>\n";
    for (key, value) in properties {
        out += &format!("<prop k=\"{}\" v=\"{}\"/>\n", escape(key), escape(value));
    }
    out + "</layer>\n</symbol>\n"
}

/// Text for an XML attribute value in double quotes.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::super::layers::OUTPUT_LAYERS;
    use super::*;

    #[test]
    fn every_style_is_a_qgis_document_naming_its_field() {
        for spec in &OUTPUT_LAYERS {
            let (kind, qml) = (spec.name, (spec.style_qml)());
            assert!(qml.starts_with("<!DOCTYPE qgis"), "{kind:?}");
            assert!(qml.trim_end().ends_with("</qgis>"), "{kind:?}");
            if let Some(field) = spec.style_field {
                let graduated = format!("attr=\"{field}\"");
                let in_rule = format!("&quot;{field}&quot;");
                assert!(
                    qml.contains(&graduated) || qml.contains(&in_rule),
                    "{kind:?} names {field}"
                );
            }
        }
    }

    #[test]
    fn filters_are_escaped_and_setbacks_match_by_prefix() {
        let qml = excluded();
        assert!(qml.contains("filter=\"&quot;reason&quot; LIKE 'setback:%'\""));
        assert!(!qml.contains("filter=\"\"reason"));
    }

    #[test]
    fn tags_balance() {
        // A cheap well-formedness check: every element opened is closed.
        for spec in &OUTPUT_LAYERS {
            let (kind, qml) = (spec.name, (spec.style_qml)());
            for tag in [
                "qgis",
                "renderer-v2",
                "symbols",
                "symbol",
                "layer",
                "Option",
            ] {
                let opened = qml.matches(&format!("<{tag} ")).count()
                    + qml.matches(&format!("<{tag}>")).count();
                let self_closed = qml
                    .split(&format!("<{tag} "))
                    .skip(1)
                    .filter(|rest| rest.split('>').next().is_some_and(|a| a.ends_with('/')))
                    .count();
                let closed = qml.matches(&format!("</{tag}>")).count();
                assert_eq!(opened - self_closed, closed, "{kind:?}: <{tag}>");
            }
        }
    }
}
