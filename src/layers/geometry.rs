//! Decoding a raw geometry's tokens into geo types, with the contract's checks: the geometry
//! type, numeric and in-range coordinates, closed and non-empty polygon rings.

use geo::{Coord, LineString, MultiLineString, MultiPolygon, Point, Polygon};

use super::geojson_in::{RawGeometry, Token};

/// A geometry a layer accepts.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Point(Point),
    Lines(MultiLineString),
    Areas(MultiPolygon),
}

/// Which geometry types a layer accepts.
#[derive(Debug, Clone, Copy)]
pub struct Accepts {
    pub point: bool,
    pub lines: bool,
    pub areas: bool,
}

/// What is wrong with a feature's geometry (the reader reports it as the `geometry` property
/// of the feature).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeometryError {
    #[error("geometry type `{kind}` is not accepted here (expected {expected})")]
    NotAccepted { kind: String, expected: String },
    #[error("coordinates are missing")]
    Missing,
    #[error("coordinates are not nested as the geometry type requires")]
    Nesting,
    #[error("coordinates are nested too deeply for the geometry type")]
    TooDeep,
    #[error("coordinates end early")]
    EndsEarly,
    #[error("a coordinate is NaN or not a number")]
    NotANumber,
    #[error("a position has fewer than two coordinates")]
    ShortPosition,
    #[error("coordinate out of range: longitude {lon}, latitude {lat} (|lon| <= 180, |lat| <= 90)")]
    OutOfRange { lon: f64, lat: f64 },
    #[error("a LineString has fewer than two positions")]
    ShortLine,
    #[error("empty MultiLineString")]
    EmptyMultiLineString,
    #[error("empty polygon: it has no rings")]
    NoRings,
    #[error("empty MultiPolygon")]
    EmptyMultiPolygon,
    #[error("ring {index} is empty")]
    EmptyRing { index: usize },
    #[error("ring {index} is not closed: it starts at ({}, {}) and ends at ({}, {})", start.x, start.y, end.x, end.y)]
    RingNotClosed {
        index: usize,
        start: Coord,
        end: Coord,
    },
    #[error("ring {index} has {positions} positions; a closed ring needs at least 4")]
    ShortRing { index: usize, positions: usize },
}

/// Decodes a geometry; the error says what is wrong with it.
pub fn decode(raw: &RawGeometry, accepts: Accepts) -> Result<Shape, GeometryError> {
    let allowed = match raw.kind.as_str() {
        "Point" => accepts.point,
        "LineString" | "MultiLineString" => accepts.lines,
        "Polygon" | "MultiPolygon" => accepts.areas,
        _ => false,
    };
    if !allowed {
        return Err(GeometryError::NotAccepted {
            kind: raw.kind.clone(),
            expected: expected(accepts),
        });
    }
    let mut cursor = Cursor {
        tokens: &raw.tokens,
        at: 0,
    };
    let shape = match raw.kind.as_str() {
        "Point" => Shape::Point(Point(cursor.position()?)),
        "LineString" => Shape::Lines(MultiLineString(vec![cursor.line()?])),
        "MultiLineString" => Shape::Lines(MultiLineString(cursor.list(Cursor::line)?)),
        "Polygon" => Shape::Areas(MultiPolygon(vec![cursor.polygon()?])),
        _ => Shape::Areas(MultiPolygon(cursor.list(Cursor::polygon)?)),
    };
    if cursor.at != raw.tokens.len() {
        return Err(GeometryError::TooDeep);
    }
    match &shape {
        Shape::Lines(lines) if lines.0.is_empty() => Err(GeometryError::EmptyMultiLineString),
        Shape::Areas(areas) if areas.0.is_empty() => Err(GeometryError::EmptyMultiPolygon),
        _ => Ok(shape),
    }
}

fn expected(accepts: Accepts) -> String {
    let mut names = Vec::new();
    if accepts.point {
        names.push("Point");
    }
    if accepts.lines {
        names.push("LineString or MultiLineString");
    }
    if accepts.areas {
        names.push("Polygon or MultiPolygon");
    }
    names.join(", ")
}

struct Cursor<'a> {
    tokens: &'a [Token],
    at: usize,
}

impl Cursor<'_> {
    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).copied();
        self.at += 1;
        token
    }

    fn peek(&self) -> Option<Token> {
        self.tokens.get(self.at).copied()
    }

    fn open(&mut self) -> Result<(), GeometryError> {
        match self.next() {
            Some(Token::Open) => Ok(()),
            None => Err(GeometryError::Missing),
            _ => Err(GeometryError::Nesting),
        }
    }

    /// `[lon, lat, ...]`: extra ordinates (altitude) are read past and dropped.
    fn position(&mut self) -> Result<Coord, GeometryError> {
        self.open()?;
        let mut ordinates = [0.0; 2];
        let mut count = 0;
        loop {
            match self.next() {
                Some(Token::Close) => break,
                Some(Token::Num(v)) if v.is_finite() => {
                    if count < 2 {
                        ordinates[count] = v;
                    }
                    count += 1;
                }
                Some(Token::Num(_)) | Some(Token::NotANumber) => {
                    return Err(GeometryError::NotANumber);
                }
                _ => return Err(GeometryError::Nesting),
            }
        }
        if count < 2 {
            return Err(GeometryError::ShortPosition);
        }
        let [lon, lat] = ordinates;
        if lon.abs() > 180.0 || lat.abs() > 90.0 {
            return Err(GeometryError::OutOfRange { lon, lat });
        }
        Ok(Coord { x: lon, y: lat })
    }

    fn list<T>(
        &mut self,
        item: fn(&mut Self) -> Result<T, GeometryError>,
    ) -> Result<Vec<T>, GeometryError> {
        self.open()?;
        let mut items = Vec::new();
        while self.peek() != Some(Token::Close) {
            if self.peek().is_none() {
                return Err(GeometryError::EndsEarly);
            }
            items.push(item(self)?);
        }
        self.at += 1;
        Ok(items)
    }

    fn line(&mut self) -> Result<LineString, GeometryError> {
        let coords = self.list(Cursor::position)?;
        if coords.len() < 2 {
            return Err(GeometryError::ShortLine);
        }
        Ok(LineString(coords))
    }

    fn polygon(&mut self) -> Result<Polygon, GeometryError> {
        let mut rings = self.list(Cursor::position_list)?.into_iter().enumerate();
        let Some((_, exterior)) = rings.next() else {
            return Err(GeometryError::NoRings);
        };
        check_ring(0, &exterior)?;
        let interiors = rings
            .map(|(i, ring)| check_ring(i, &ring).map(|_| LineString(ring)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Polygon::new(LineString(exterior), interiors))
    }

    fn position_list(&mut self) -> Result<Vec<Coord>, GeometryError> {
        self.list(Cursor::position)
    }
}

fn check_ring(index: usize, ring: &[Coord]) -> Result<(), GeometryError> {
    match ring {
        [] => Err(GeometryError::EmptyRing { index }),
        [first, .., last] if first != last => Err(GeometryError::RingNotClosed {
            index,
            start: *first,
            end: *last,
        }),
        _ if ring.len() < 4 => Err(GeometryError::ShortRing {
            index,
            positions: ring.len(),
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(kind: &str, json: &str) -> RawGeometry {
        let text = format!(
            r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":null,"geometry":{{"type":"{kind}","coordinates":{json}}}}}]}}"#
        );
        let mut features =
            super::super::geojson_in::read_feature_collection(text.as_bytes(), &[]).unwrap();
        features.remove(0).geometry.unwrap()
    }

    const AREAS: Accepts = Accepts {
        point: false,
        lines: false,
        areas: true,
    };

    #[test]
    fn decodes_a_polygon_with_a_hole() {
        let g = raw(
            "Polygon",
            "[[[0,0],[4,0],[4,4],[0,4],[0,0]],[[1,1],[1,2],[2,2],[1,1]]]",
        );
        let Shape::Areas(mp) = decode(&g, AREAS).unwrap() else {
            panic!()
        };
        assert_eq!(mp.0[0].interiors().len(), 1);
    }

    #[test]
    fn rejects_unclosed_empty_and_out_of_range() {
        let e = decode(&raw("Polygon", "[[[0,0],[1,0],[1,1],[0,1]]]"), AREAS).unwrap_err();
        assert!(
            matches!(e, GeometryError::RingNotClosed { index: 0, .. }),
            "{e}"
        );
        assert!(
            e.to_string()
                .contains("not closed: it starts at (0, 0) and ends at (0, 1)")
        );
        let e = decode(&raw("Polygon", "[]"), AREAS).unwrap_err();
        assert_eq!(e, GeometryError::NoRings);
        let e = decode(&raw("Polygon", "[[[0,0],[181,0],[1,1],[0,0]]]"), AREAS).unwrap_err();
        assert_eq!(
            e,
            GeometryError::OutOfRange {
                lon: 181.0,
                lat: 0.0
            }
        );
        let e = decode(&raw("Point", "[0,0]"), AREAS).unwrap_err();
        assert!(e.to_string().contains("`Point`"), "{e}");
    }
}
