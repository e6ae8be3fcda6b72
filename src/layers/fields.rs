//! Typed access to a feature's properties, with errors that name the file, the feature and
//! the property; [`FieldMap`], which lets the same readers take layers whose field names are a
//! source's own (real public data); and [`number_in_text`], the one rule for numbers written
//! as text (here and in `gridsite import`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::LayerError;
use super::geojson_in::Scalar;

/// How a source's fields map onto the contract's property names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldMap {
    /// Contract name → the source's field name.
    pub rename: BTreeMap<String, String>,
    /// Contract name → the value used where the feature has none.
    pub defaults: BTreeMap<String, Scalar>,
    /// Contract names whose text values are read from their leading number ("110kV to 161kV" →
    /// 110; see [`number_in_text`]).
    pub leading_number: BTreeSet<String>,
}

impl FieldMap {
    /// The source field names to read, one for each contract name.
    pub fn source_names(&self, names: &[&str]) -> Vec<String> {
        names
            .iter()
            .map(|name| {
                self.rename
                    .get(*name)
                    .cloned()
                    .unwrap_or_else(|| name.to_string())
            })
            .collect()
    }

    /// The source field name of a contract property.
    pub fn source_name<'a>(&'a self, name: &'a str) -> &'a str {
        self.rename.get(name).map(String::as_str).unwrap_or(name)
    }
}

/// The properties of one feature, looked up by contract name.
pub struct Fields<'a> {
    path: &'a Path,
    index: usize,
    names: &'a [&'a str],
    values: Vec<Option<Scalar>>,
    map: &'a FieldMap,
    /// The feature's id, once read (empty before).
    pub id: String,
}

impl<'a> Fields<'a> {
    pub(super) fn new(
        path: &'a Path,
        index: usize,
        names: &'a [&'a str],
        values: Vec<Option<Scalar>>,
        map: &'a FieldMap,
    ) -> Self {
        Fields {
            path,
            index,
            names,
            values,
            map,
            id: String::new(),
        }
    }

    /// An error about `property` of this feature (named as the file names it).
    pub fn error(&self, property: &str, message: impl Into<String>) -> LayerError {
        LayerError {
            path: self.path.to_path_buf(),
            feature: Some((self.index, self.id.clone())),
            property: self.map.source_name(property).to_string(),
            message: message.into(),
        }
    }

    /// The raw value of a property: the feature's own, else the map's default.
    pub fn get(&self, name: &str) -> Option<&Scalar> {
        let own = self
            .names
            .iter()
            .position(|n| *n == name)
            .and_then(|i| self.values[i].as_ref());
        match own {
            Some(Scalar::Null) | None => self.map.defaults.get(name).or(own),
            some => some,
        }
    }

    /// An optional number: None where the feature leaves it out (or null).
    pub fn optional_number(&self, name: &str) -> Result<Option<f64>, LayerError> {
        match self.get(name) {
            None | Some(Scalar::Null) => Ok(None),
            Some(Scalar::Num(v)) if v.is_finite() => Ok(Some(*v)),
            Some(Scalar::Int(i)) => Ok(Some(*i as f64)),
            Some(Scalar::Str(s)) => match self.parse_text_number(name, s) {
                Some(v) => Ok(Some(v)),
                None => Err(self.error(name, format!("must be a number, got \"{s}\""))),
            },
            Some(other) => {
                Err(self.error(name, format!("must be a number, got {}", describe(other))))
            }
        }
    }

    /// Numbers written as text ("115") are read; with `leading_number`, "110kV to 161kV" too.
    fn parse_text_number(&self, name: &str, text: &str) -> Option<f64> {
        number_in_text(text, self.map.leading_number.contains(name))
    }

    /// A required number.
    pub fn number(&self, name: &str) -> Result<f64, LayerError> {
        self.optional_number(name)?
            .ok_or_else(|| self.error(name, "missing (a number is required)"))
    }

    /// A required number no smaller than `min`.
    pub fn number_at_least(&self, name: &str, min: f64) -> Result<f64, LayerError> {
        let v = self.number(name)?;
        self.at_least(name, v, min)
    }

    /// An optional number no smaller than `min`; 0 when absent.
    pub fn optional_number_at_least(&self, name: &str, min: f64) -> Result<f64, LayerError> {
        let v = self.optional_number(name)?.unwrap_or(0.0);
        self.at_least(name, v, min)
    }

    fn at_least(&self, name: &str, v: f64, min: f64) -> Result<f64, LayerError> {
        if v >= min {
            Ok(v)
        } else {
            Err(self.error(name, format!("must be >= {min}, got {v}")))
        }
    }

    /// A required, non-empty text (a number is read as its decimal).
    pub fn text(&self, name: &str) -> Result<String, LayerError> {
        match self.optional_text(name)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            Some(_) => Err(self.error(name, "must not be empty")),
            None => Err(self.error(name, "missing (a text is required)")),
        }
    }

    /// An optional text.
    pub fn optional_text(&self, name: &str) -> Result<Option<String>, LayerError> {
        match self.get(name) {
            None | Some(Scalar::Null) => Ok(None),
            Some(Scalar::Str(s)) => Ok(Some(s.clone())),
            Some(Scalar::Num(n)) => Ok(Some(number_to_id(*n))),
            Some(Scalar::Int(i)) => Ok(Some(i.to_string())),
            Some(other) => {
                Err(self.error(name, format!("must be a text, got {}", describe(other))))
            }
        }
    }

    /// An optional boolean (false when absent).
    pub fn optional_bool(&self, name: &str) -> Result<bool, LayerError> {
        match self.get(name) {
            None | Some(Scalar::Null) => Ok(false),
            Some(Scalar::Bool(b)) => Ok(*b),
            Some(other) => Err(self.error(
                name,
                format!("must be true or false, got {}", describe(other)),
            )),
        }
    }
}

/// A number written as text, the one rule of both the layer readers ([`FieldMap`]'s
/// `leading_number`) and `gridsite import` (a recipe's `leading_number`).
///
/// Without `leading`, the whole text (trimmed) is the number: "115", " 1.5 ", "-2", "1e3".
/// With `leading`, the number the text starts with (after white space), so a figure may have
/// words after it: "110kV to 161kV" → 110, "1.5 MW" → 1.5, "-5 kV" → -5, "1e3" → 1000; a
/// text that does not start with a number ("kV", "Under 12 kV") has none. Only finite numbers
/// count: "inf", "NaN" and overflowing digits give `None`.
pub fn number_in_text(text: &str, leading: bool) -> Option<f64> {
    let value = if leading {
        leading_number(text)?
    } else {
        text.trim().parse::<f64>().ok()?
    };
    value.is_finite().then_some(value)
}

/// The longest prefix of `text` (after white space) that reads as a number: sign, digits,
/// point, exponent. Only ASCII characters of numbers are tried, so "inf" and "nan" are not.
fn leading_number(text: &str) -> Option<f64> {
    let text = text.trim_start();
    let end = text
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '+' | '-' | 'e' | 'E')))
        .unwrap_or(text.len());
    // The characters are ASCII, so every index is a char boundary.
    (1..=end).rev().find_map(|k| text[..k].parse::<f64>().ok())
}

/// Integers up to 2^53 survive an f64 exactly.
const MAX_EXACT_INTEGER: f64 = 9_007_199_254_740_992.0;

/// The integer a float holds, when it is whole and exact (|n| ≤ 2^53): how every reader turns
/// a float field (a GeoPackage REAL id, a dBase numeric) into a whole number.
pub fn whole_number(n: f64) -> Option<i64> {
    (n.fract() == 0.0 && n.abs() <= MAX_EXACT_INTEGER).then_some(n as i64)
}

/// A number as an id: integers without a fraction ("3501160"), others as written.
pub fn number_to_id(n: f64) -> String {
    match whole_number(n) {
        Some(i) => i.to_string(),
        None => format!("{n}"),
    }
}

fn describe(value: &Scalar) -> String {
    match value {
        Scalar::Null => "null".into(),
        Scalar::Bool(b) => b.to_string(),
        Scalar::Num(n) => n.to_string(),
        Scalar::Int(i) => i.to_string(),
        Scalar::Str(s) => format!("\"{s}\""),
        Scalar::Nested => "an array or object".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::number_in_text;

    #[test]
    fn whole_texts_are_numbers_and_nothing_else_is() {
        assert_eq!(number_in_text(" 115 ", false), Some(115.0));
        assert_eq!(number_in_text("-2.5", false), Some(-2.5));
        assert_eq!(number_in_text("1e3", false), Some(1000.0));
        assert_eq!(number_in_text("110kV to 161kV", false), None);
        assert_eq!(number_in_text("inf", false), None);
        assert_eq!(number_in_text("NaN", false), None);
        assert_eq!(number_in_text("", false), None);
    }

    #[test]
    fn leading_numbers_of_voltage_classes() {
        // The CEC's classes, as the shipped layers write them.
        for (text, kv) in [
            ("12kV to 32kV", 12.0),
            ("33kV to 92kV", 33.0),
            ("33kV to 92Kv", 33.0),
            ("110kV to 161kV", 110.0),
            ("220kV to 287kV", 220.0),
            ("345kV to 500kV", 345.0),
            ("500 kV DC", 500.0),
        ] {
            assert_eq!(number_in_text(text, true), Some(kv), "{text}");
        }
        assert_eq!(number_in_text(" 12kV to 32kV", true), Some(12.0));
        assert_eq!(number_in_text("1.5 MW", true), Some(1.5));
        assert_eq!(number_in_text("115", true), Some(115.0));
        assert_eq!(number_in_text("kV", true), None);
    }

    #[test]
    fn a_leading_number_starts_the_text_and_keeps_its_sign() {
        assert_eq!(number_in_text("-5 kV", true), Some(-5.0));
        assert_eq!(number_in_text("+5 kV", true), Some(5.0));
        assert_eq!(number_in_text(".5 MW", true), Some(0.5));
        assert_eq!(number_in_text("12.kV", true), Some(12.0));
        assert_eq!(number_in_text("1e3", true), Some(1000.0));
        assert_eq!(number_in_text("1e3kV", true), Some(1000.0));
        assert_eq!(number_in_text("5East", true), Some(5.0));
        assert_eq!(number_in_text("1,000 kW", true), Some(1.0));
        assert_eq!(number_in_text("Under 12 kV", true), None);
        assert_eq!(number_in_text("- 5", true), None);
        assert_eq!(number_in_text("inf kV", true), None);
        assert_eq!(number_in_text("1e400 kV", true), None);
    }
}
