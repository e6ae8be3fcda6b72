//! A fast, lenient reader of GeoJSON FeatureCollections.
//!
//! Takes the bytes of a file and the property names a layer wants; gives one [`RawFeature`] a
//! feature, with those properties as loose [`Scalar`]s and the geometry as a flat token list.
//! Validation (types, ranges, geometry rules) happens afterwards, per feature, so that an error
//! can name the feature and the property. Reading goes through serde seeds without building a
//! `serde_json::Value` tree: that is what keeps loading above 100 MB/s.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A property value as found in the file, before it is checked against the schema.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Null,
    Bool(bool),
    Num(f64),
    /// An integer, kept exact so that large numeric ids keep every digit.
    Int(i128),
    Str(String),
    /// An array or object: never a valid value for this schema.
    Nested,
}

/// One item of a geometry's `coordinates`, flattened in document order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Token {
    Open,
    Close,
    Num(f64),
    /// `null`, a string or an object where a number should be.
    NotANumber,
}

/// A geometry member: its `type` and its flattened `coordinates`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawGeometry {
    pub kind: String,
    pub tokens: Vec<Token>,
}

/// A feature as read: the feature-level `id`, the geometry (None when null or absent) and the
/// wanted properties, in the order of the wanted names (None when absent).
#[derive(Debug, Clone, PartialEq)]
pub struct RawFeature {
    pub feature_id: Option<Scalar>,
    pub geometry: Option<RawGeometry>,
    pub properties: Vec<Option<Scalar>>,
}

/// Why a file is not a FeatureCollection that can be read (the file as a whole).
#[derive(Debug, thiserror::Error)]
pub enum CollectionError {
    /// Not JSON, or not a FeatureCollection (serde's message, with its line and column).
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    #[error("a validating thread failed")]
    Thread,
    #[error("{validated} of {count} features were validated")]
    Incomplete { validated: usize, count: usize },
}

/// Reads a FeatureCollection. The error is for the file as a whole.
pub fn read_feature_collection(
    bytes: &[u8],
    wanted: &[&str],
) -> Result<Vec<RawFeature>, CollectionError> {
    let read = |bytes: &[u8]| {
        let mut features = Vec::new();
        read_in_batches(bytes, wanted, usize::MAX, &mut |_, batch| {
            features.extend(batch)
        })
        .map(|_| features)
    };
    read(bytes).or_else(|message| match replace_non_finite_literals(bytes) {
        Some(fixed) => read(&fixed).map_err(|_| message),
        None => Err(message),
    })
}

/// Reads a FeatureCollection, handing its features over in batches of `batch_size` (with the
/// index of each batch's first feature) while the rest is still being parsed, so that the
/// caller can validate in parallel with the parse. On an error, batches already handed over
/// are to be discarded. Gives the number of features.
pub fn read_in_batches(
    bytes: &[u8],
    wanted: &[&str],
    batch_size: usize,
    on_batch: &mut dyn FnMut(usize, Vec<RawFeature>),
) -> Result<usize, CollectionError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let count = CollectionSeed {
        wanted,
        batch_size: batch_size.max(1),
        on_batch,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(count)
}

/// Replaces bare `NaN`, `Infinity` and `-Infinity` outside strings by `null`; None if none.
/// Some writers emit them, which is not JSON: read as null, the error can name the feature and
/// the property instead of a byte offset.
pub fn replace_non_finite_literals(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len());
    let (mut in_string, mut escaped, mut changed) = (false, false, false);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            in_string = b != b'"' || escaped;
            escaped = b == b'\\' && !escaped;
        } else if b == b'"' {
            in_string = true;
        } else {
            let rest = &bytes[i..];
            let literal = [&b"-Infinity"[..], b"Infinity", b"NaN"]
                .into_iter()
                .find(|lit| rest.starts_with(lit));
            if let Some(lit) = literal {
                out.extend_from_slice(b"null");
                i += lit.len();
                changed = true;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    changed.then_some(out)
}

/// Matches a key against a list of names without allocating.
struct KeySeed<'a>(&'a [&'a str]);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed<'_> {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|name| *name == v))
    }
}

const COLLECTION_KEYS: &[&str] = &["type", "features"];
const FEATURE_KEYS: &[&str] = &["id", "geometry", "properties"];
const GEOMETRY_KEYS: &[&str] = &["type", "coordinates"];

struct CollectionSeed<'a> {
    wanted: &'a [&'a str],
    batch_size: usize,
    on_batch: &'a mut dyn FnMut(usize, Vec<RawFeature>),
}

impl<'de> DeserializeSeed<'de> for CollectionSeed<'_> {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CollectionSeed<'_> {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON FeatureCollection object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut kind: Option<String> = None;
        let mut features = None;
        while let Some(key) = map.next_key_seed(KeySeed(COLLECTION_KEYS))? {
            match key {
                Some(0) => kind = Some(map.next_value()?),
                Some(1) => {
                    let seed = FeaturesSeed {
                        wanted: self.wanted,
                        batch_size: self.batch_size,
                        on_batch: &mut *self.on_batch,
                    };
                    features = Some(map.next_value_seed(seed)?);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        match (kind.as_deref(), features) {
            (Some("FeatureCollection"), Some(count)) => Ok(count),
            (Some("FeatureCollection"), None) => Err(de::Error::custom(
                "not a FeatureCollection: the `features` member is missing",
            )),
            (Some(other), _) => Err(de::Error::custom(format!(
                "not a FeatureCollection: its type is `{other}`"
            ))),
            (None, _) => Err(de::Error::custom(
                "not a FeatureCollection: the `type` member is missing",
            )),
        }
    }
}

struct FeaturesSeed<'a> {
    wanted: &'a [&'a str],
    batch_size: usize,
    on_batch: &'a mut dyn FnMut(usize, Vec<RawFeature>),
}

impl<'de> DeserializeSeed<'de> for FeaturesSeed<'_> {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for FeaturesSeed<'_> {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of features")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let capacity = self.batch_size.min(seq.size_hint().unwrap_or(0).max(1024));
        let (mut batch, mut first) = (Vec::with_capacity(capacity), 0);
        while let Some(feature) = seq.next_element_seed(FeatureSeed(self.wanted))? {
            batch.push(feature);
            if batch.len() == self.batch_size {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(capacity));
                (self.on_batch)(first, full);
                first += self.batch_size;
            }
        }
        let count = first + batch.len();
        if !batch.is_empty() {
            (self.on_batch)(first, batch);
        }
        Ok(count)
    }
}

struct FeatureSeed<'a>(&'a [&'a str]);

impl<'de> DeserializeSeed<'de> for FeatureSeed<'_> {
    type Value = RawFeature;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FeatureSeed<'_> {
    type Value = RawFeature;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON Feature object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut feature = RawFeature {
            feature_id: None,
            geometry: None,
            properties: vec![None; self.0.len()],
        };
        while let Some(key) = map.next_key_seed(KeySeed(FEATURE_KEYS))? {
            match key {
                Some(0) => feature.feature_id = Some(map.next_value_seed(ScalarSeed)?),
                Some(1) => feature.geometry = map.next_value_seed(GeometrySeed)?,
                Some(2) => map.next_value_seed(PropertiesSeed {
                    wanted: self.0,
                    into: &mut feature.properties,
                })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(feature)
    }
}

struct PropertiesSeed<'a> {
    wanted: &'a [&'a str],
    into: &'a mut Vec<Option<Scalar>>,
}

impl<'de> DeserializeSeed<'de> for PropertiesSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PropertiesSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a properties object or null")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(KeySeed(self.wanted))? {
            match key {
                Some(i) => self.into[i] = Some(map.next_value_seed(ScalarSeed)?),
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct ScalarSeed;

impl<'de> DeserializeSeed<'de> for ScalarSeed {
    type Value = Scalar;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ScalarSeed {
    type Value = Scalar;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a property value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::Int(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::Int(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::Num(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Str(v.to_string()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Nested)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Nested)
    }
}

struct GeometrySeed;

impl<'de> DeserializeSeed<'de> for GeometrySeed {
    type Value = Option<RawGeometry>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for GeometrySeed {
    type Value = Option<RawGeometry>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a geometry object or null")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut geometry = RawGeometry::default();
        while let Some(key) = map.next_key_seed(KeySeed(GEOMETRY_KEYS))? {
            match key {
                Some(0) => {
                    geometry.kind = match map.next_value_seed(ScalarSeed)? {
                        Scalar::Str(kind) => kind,
                        _ => String::new(),
                    }
                }
                Some(1) => map.next_value_seed(CoordinatesSeed(&mut geometry.tokens))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Some(geometry))
    }
}

/// Appends a `coordinates` member, at any depth, to a token list.
struct CoordinatesSeed<'a>(&'a mut Vec<Token>);

impl<'de> DeserializeSeed<'de> for CoordinatesSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CoordinatesSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("coordinates")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.push(Token::Open);
        while seq.next_element_seed(CoordinatesSeed(self.0))?.is_some() {}
        self.0.push(Token::Close);
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.0.push(Token::Num(v));
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.visit_f64(v as f64)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.visit_f64(v as f64)
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.push(Token::NotANumber);
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.visit_unit()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.visit_unit()
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        self.visit_unit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wanted_properties_and_geometry_tokens() {
        let text = br#"{"type":"FeatureCollection","crs":{"x":1},"features":[
            {"type":"Feature","properties":{"id":7,"other":[1,2],"name":"a\"b"},
             "geometry":{"coordinates":[1.5,-2],"type":"Point"}}]}"#;
        let features = read_feature_collection(text, &["id", "name", "missing"]).unwrap();
        assert_eq!(features.len(), 1);
        let f = &features[0];
        assert_eq!(f.properties[0], Some(Scalar::Int(7)));
        assert_eq!(f.properties[1], Some(Scalar::Str("a\"b".into())));
        assert_eq!(f.properties[2], None);
        let g = f.geometry.as_ref().unwrap();
        assert_eq!(g.kind, "Point");
        assert_eq!(
            g.tokens,
            vec![Token::Open, Token::Num(1.5), Token::Num(-2.0), Token::Close]
        );
    }

    #[test]
    fn nan_literals_become_not_a_number() {
        let text =
            br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"s":"NaN"},
            "geometry":{"type":"Point","coordinates":[NaN,1]}}]}"#;
        let features = read_feature_collection(text, &["s"]).unwrap();
        let g = features[0].geometry.as_ref().unwrap();
        assert_eq!(g.tokens[1], Token::NotANumber);
        assert_eq!(features[0].properties[0], Some(Scalar::Str("NaN".into())));
    }

    #[test]
    fn a_feature_is_not_a_collection() {
        let err =
            read_feature_collection(br#"{"type":"Feature","geometry":null}"#, &[]).unwrap_err();
        assert!(err.to_string().contains("not a FeatureCollection"), "{err}");
        let err = read_feature_collection(b"[1,2]", &[]).unwrap_err();
        assert!(err.to_string().contains("FeatureCollection"), "{err}");
    }
}
