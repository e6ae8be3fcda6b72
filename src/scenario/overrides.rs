//! Scenario keys overridden from the command line: `--set key=value` and the variants of
//! `--sweep key=v1,v2,v3`.
//!
//! Takes `key=value` text; gives [`Override`]s applied to the scenario's TOML before it is read,
//! so an override is checked exactly like the file (unknown keys, types, ranges).

use std::fmt;

/// One dotted scenario key and the TOML value it takes, e.g. `community.setback_m.school=1000`.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// Dotted key, e.g. `grid.max_headroom_share`.
    pub key: String,
    pub value: toml::Value,
}

/// An override that cannot be read or applied.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OverrideError {
    #[error("`{0}` is not key=value (for example community.setback_m.school=1000)")]
    NotKeyValue(String),
    #[error("`{key}`: {message}")]
    Key { key: String, message: String },
    #[error("--sweep {key}: no values (give key=v1,v2,...)")]
    NoValues { key: String },
}

impl Override {
    /// Reads `key=value`; the value is TOML (`1000`, `0.5`, `true`, `["industrial"]`, `"x"`),
    /// and any other text is a string (`map=../maps/coastal`).
    pub fn parse(text: &str) -> Result<Override, OverrideError> {
        let (key, value) = text
            .split_once('=')
            .ok_or_else(|| OverrideError::NotKeyValue(text.to_string()))?;
        let key = key.trim();
        check_key_syntax(key)?;
        Ok(Override {
            key: key.to_string(),
            value: parse_value(value.trim()),
        })
    }

    /// The value as a user wrote it: strings bare, everything else as TOML.
    pub fn value_text(&self) -> String {
        match &self.value {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }

    /// Sets the key in a scenario's TOML table, creating tables on the way.
    pub fn apply(&self, table: &mut toml::Table) -> Result<(), OverrideError> {
        let mut parts: Vec<&str> = self.key.split('.').collect();
        let leaf = parts.pop().unwrap_or_default();
        let mut current = table;
        let mut path = String::new();
        for part in parts {
            path = if path.is_empty() {
                part.to_string()
            } else {
                format!("{path}.{part}")
            };
            let entry = current
                .entry(part)
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            current = entry.as_table_mut().ok_or_else(|| OverrideError::Key {
                key: self.key.clone(),
                message: format!("`{path}` is a value, not a table"),
            })?;
        }
        current.insert(leaf.to_string(), self.value.clone());
        Ok(())
    }
}

impl fmt::Display for Override {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.key, self.value_text())
    }
}

fn check_key_syntax(key: &str) -> Result<(), OverrideError> {
    let valid_part = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    if key.split('.').all(valid_part) {
        Ok(())
    } else {
        Err(OverrideError::Key {
            key: key.to_string(),
            message: "a key is dotted names of letters, digits, `_` or `-`".into(),
        })
    }
}

fn parse_value(text: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("v = {text}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(text.to_string()))
}

/// A sweep: one key and the values its variants take.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    pub key: String,
    pub values: Vec<toml::Value>,
}

impl Sweep {
    /// Reads `key=v1,v2,v3`; commas inside brackets or quotes belong to a value
    /// (`site.allowed_zoning=["industrial"],["industrial","commercial"]`).
    pub fn parse(text: &str) -> Result<Sweep, OverrideError> {
        let first = Override::parse(text)?;
        let (_, values) = text.split_once('=').unwrap_or_default();
        let values: Vec<toml::Value> = split_top_level(values)
            .into_iter()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(parse_value)
            .collect();
        if values.is_empty() {
            return Err(OverrideError::NoValues { key: first.key });
        }
        if let Some(twice) = (1..values.len()).find(|&i| values[..i].contains(&values[i])) {
            return Err(OverrideError::Key {
                key: first.key,
                message: format!("the value {} is listed twice", values[twice]),
            });
        }
        Ok(Sweep {
            key: first.key,
            values,
        })
    }
}

fn split_top_level(text: &str) -> Vec<&str> {
    let (mut depth, mut quoted, mut start) = (0i32, false, 0);
    let mut parts = Vec::new();
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '[' | '{' if !quoted => depth += 1,
            ']' | '}' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// The grid of a set of sweeps: every combination of their values, the first sweep varying
/// slowest. No sweeps give one empty combination.
pub fn sweep_grid(sweeps: &[Sweep]) -> Vec<Vec<Override>> {
    sweeps.iter().fold(vec![Vec::new()], |combinations, sweep| {
        combinations
            .iter()
            .flat_map(|combination| {
                sweep.values.iter().map(move |value| {
                    let mut next = combination.clone();
                    next.push(Override {
                        key: sweep.key.clone(),
                        value: value.clone(),
                    });
                    next
                })
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_toml_or_strings() {
        let o = Override::parse("community.setback_m.school=1000").unwrap();
        assert_eq!(o.key, "community.setback_m.school");
        assert_eq!(o.value, toml::Value::Integer(1000));
        assert_eq!(
            Override::parse("map=../maps/coastal").unwrap().value_text(),
            "../maps/coastal"
        );
        assert_eq!(
            Override::parse("grid.max_headroom_share=0.5")
                .unwrap()
                .value,
            toml::Value::Float(0.5)
        );
    }

    #[test]
    fn malformed_overrides_are_errors() {
        assert!(Override::parse("no-equals").is_err());
        assert!(Override::parse("a..b=1").is_err());
        assert!(Sweep::parse("grid.max_headroom_share=").is_err());
        let twice = Sweep::parse("grid.max_headroom_share=0.5,0.50").unwrap_err();
        assert!(twice.to_string().contains("listed twice"), "{twice}");
    }

    #[test]
    fn sweep_values_split_at_top_level_commas() {
        let s = Sweep::parse(r#"site.allowed_zoning=["industrial"],["industrial","commercial"]"#)
            .unwrap();
        assert_eq!(s.values.len(), 2);
        let s = Sweep::parse("grid.max_headroom_share=0.5,0.8").unwrap();
        assert_eq!(
            s.values,
            vec![toml::Value::Float(0.5), toml::Value::Float(0.8)]
        );
    }

    #[test]
    fn two_sweeps_make_their_grid() {
        let a = Sweep::parse("a=1,2,3").unwrap();
        let b = Sweep::parse("b=x,y").unwrap();
        let grid = sweep_grid(&[a, b]);
        assert_eq!(grid.len(), 6);
        assert_eq!(grid[1][0].value_text(), "1");
        assert_eq!(grid[1][1].value_text(), "y");
        assert_eq!(sweep_grid(&[]), vec![Vec::<Override>::new()]);
    }

    #[test]
    fn apply_refuses_to_descend_into_a_value() {
        let mut table: toml::Table = toml::from_str("name = \"x\"").unwrap();
        let err = Override::parse("name.first=1")
            .unwrap()
            .apply(&mut table)
            .unwrap_err();
        assert!(err.to_string().contains("`name` is a value"), "{err}");
    }
}
