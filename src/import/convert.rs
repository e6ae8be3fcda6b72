//! A source's value as the contract's property: text, number (optionally a text's leading
//! number, "110kV to 161kV" → 110) or boolean, in the JSON the layer files are written with.
//! Takes a JSON value and the property's [`Kind`]; gives the value to write, or what is wrong.

use serde_json::Value;

use crate::layers::schema::Kind;
use crate::layers::{number_in_text, whole_number};

/// A JSON number for a figure (integers written without a fraction).
pub fn number(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        Value::from(v as i64)
    } else {
        Value::from(v)
    }
}

/// A source value that is not what the property takes: what was expected, and what came.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("expected {expected}, got {got}")]
pub struct ConvertError {
    /// "a text", "a number", "a text starting with a number", "true or false".
    pub expected: &'static str,
    pub got: Value,
}

fn expected(expected: &'static str, got: &Value) -> ConvertError {
    ConvertError {
        expected,
        got: got.clone(),
    }
}

/// `value` as a property of `kind`; with `leading_number`, a text is read from its leading
/// number.
pub(super) fn convert(
    value: &Value,
    kind: Kind,
    leading_number: bool,
) -> Result<Value, ConvertError> {
    match kind {
        Kind::Text => match value {
            Value::String(s) => Ok(Value::String(s.clone())),
            Value::Number(n) => Ok(Value::String(number_text(n))),
            Value::Bool(b) => Ok(Value::String(b.to_string())),
            other => Err(expected("a text", other)),
        },
        Kind::Number => {
            let parsed = match value {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => number_in_text(s, leading_number),
                _ => None,
            };
            match parsed {
                Some(v) if v.is_finite() => Ok(number(v)),
                _ if leading_number => Err(expected("a text starting with a number", value)),
                _ => Err(expected("a number", value)),
            }
        }
        Kind::Bool => match value {
            Value::Bool(b) => Ok(Value::Bool(*b)),
            Value::Number(n) if n.as_f64() == Some(1.0) => Ok(Value::Bool(true)),
            Value::Number(n) if n.as_f64() == Some(0.0) => Ok(Value::Bool(false)),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "y" | "1" => Ok(Value::Bool(true)),
                "false" | "no" | "n" | "0" | "" => Ok(Value::Bool(false)),
                _ => Err(expected("true or false", value)),
            },
            other => Err(expected("true or false", other)),
        },
    }
}

/// A number as text the way a GIS user reads it: a whole float (a GeoPackage REAL id, `1.0`)
/// without its `.0`.
fn number_text(n: &serde_json::Number) -> String {
    match n.as_f64().filter(|_| n.is_f64()).and_then(whole_number) {
        Some(i) => i.to_string(),
        None => n.to_string(),
    }
}
