//! CRS names and reprojection to WGS84.
//!
//! Takes a CRS name as users write it (`"EPSG:3310"`, `"epsg:3310"`,
//! `"urn:ogc:def:crs:EPSG::3310"`, `"OGC:CRS84"`) and features in that CRS; gives the features
//! in WGS84 longitude/latitude degrees. The EPSG → proj4 definitions are the `crs-definitions`
//! tables proj4rs bundles (its `crs-definitions` feature); the transform is proj4rs.

use std::path::Path;

use geo::{Coord, MapCoords};
use proj4rs::Proj;
use proj4rs::errors::Error as ProjError;
use proj4rs::transform::transform;

use super::{SourceError, SourceFeature, feature_error};

/// The target: WGS84 longitude/latitude (proj4rs works in radians here).
const WGS84_PROJ: &str = "+proj=longlat +datum=WGS84 +no_defs";
/// Sources already in WGS84 longitude/latitude need no transform.
const WGS84_EPSG: u32 = 4326;

/// Reprojects every coordinate of every feature from `crs` (absent: WGS84) to WGS84, and
/// checks that each lands on a finite longitude/latitude.
pub(super) fn to_wgs84(
    path: &Path,
    crs: Option<&str>,
    features: Vec<SourceFeature>,
) -> Result<Vec<SourceFeature>, SourceError> {
    let reprojection = match crs {
        Some(name) => Reprojection::for_crs(path, name)?,
        None => None,
    };
    features
        .into_iter()
        .map(|feature| reproject_feature(path, reprojection.as_ref(), feature))
        .collect()
}

fn reproject_feature(
    path: &Path,
    reprojection: Option<&Reprojection>,
    feature: SourceFeature,
) -> Result<SourceFeature, SourceError> {
    let index = feature.index;
    let geometry = feature
        .geometry
        .try_map_coords(|c| {
            let lon_lat = match reprojection {
                Some(r) => r.apply(c)?,
                None => c,
            };
            check_lon_lat(c, lon_lat)
        })
        .map_err(|e| feature_error(path, index, e.to_string()))?;
    Ok(SourceFeature {
        geometry,
        ..feature
    })
}

/// A source coordinate that gives no longitude/latitude on the globe.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CoordinateError {
    #[error("coordinate ({x}, {y}) has no finite longitude/latitude")]
    NotFinite { x: f64, y: f64 },
    #[error(
        "coordinate ({x}, {y}) gives longitude {lon}, latitude {lat}: not on the globe \
         (is the source's CRS missing or wrong? give it as `crs`, e.g. \"EPSG:3310\")"
    )]
    OffTheGlobe { x: f64, y: f64, lon: f64, lat: f64 },
    #[error("cannot reproject coordinate ({x}, {y}): {reason}")]
    Reprojection { x: f64, y: f64, reason: String },
}

/// A result off the globe means a wrong or missing CRS (a projected file read as WGS84), or a
/// NaN coordinate in the source: say so rather than hand on a point nowhere.
fn check_lon_lat(source: Coord, lon_lat: Coord) -> Result<Coord, CoordinateError> {
    let (x, y) = (source.x, source.y);
    if !lon_lat.x.is_finite() || !lon_lat.y.is_finite() {
        return Err(CoordinateError::NotFinite { x, y });
    }
    if lon_lat.x.abs() > 180.0 || lon_lat.y.abs() > 90.0 {
        let (lon, lat) = (lon_lat.x, lon_lat.y);
        return Err(CoordinateError::OffTheGlobe { x, y, lon, lat });
    }
    Ok(lon_lat)
}

/// A transform from a source CRS to WGS84 longitude/latitude.
struct Reprojection {
    source: Proj,
    target: Proj,
}

impl Reprojection {
    /// The transform for a CRS name; `None` when the CRS is WGS84 itself.
    fn for_crs(path: &Path, name: &str) -> Result<Option<Reprojection>, SourceError> {
        let unknown = |message: String| SourceError::UnknownCrs {
            path: path.to_path_buf(),
            crs: name.to_string(),
            message,
        };
        let code = epsg_code(name)
            .ok_or_else(|| unknown("expected EPSG:<code>, e.g. \"EPSG:3310\"".into()))?;
        if code == WGS84_EPSG {
            return Ok(None);
        }
        let source = u16::try_from(code)
            .map_err(|_| ProjError::ProjectionNotFound)
            .and_then(Proj::from_epsg_code)
            .map_err(|e| match e {
                ProjError::ProjectionNotFound => {
                    unknown(format!("no definition of EPSG:{code} is known"))
                }
                other => unknown(format!(
                    "its definition is not supported by proj4rs: {other}"
                )),
            })?;
        let target = Proj::from_proj_string(WGS84_PROJ)
            .map_err(|e| unknown(format!("cannot set up WGS84: {e}")))?;
        Ok(Some(Reprojection { source, target }))
    }

    /// One coordinate (source units: degrees for geographic CRSs, else metres or feet) to
    /// WGS84 degrees. proj4rs takes and gives geographic coordinates in radians.
    fn apply(&self, c: Coord) -> Result<Coord, CoordinateError> {
        let mut point = if self.source.is_latlong() {
            (c.x.to_radians(), c.y.to_radians(), 0.0)
        } else {
            (c.x, c.y, 0.0)
        };
        transform(&self.source, &self.target, &mut point).map_err(|e| {
            let reason = e.to_string();
            CoordinateError::Reprojection {
                x: c.x,
                y: c.y,
                reason,
            }
        })?;
        Ok(Coord {
            x: point.0.to_degrees(),
            y: point.1.to_degrees(),
        })
    }
}

/// The EPSG code a CRS name stands for (`OGC:CRS84` is 4326: both are longitude/latitude
/// here, since every format read takes x as longitude), or `None` when it names no EPSG code.
fn epsg_code(name: &str) -> Option<u32> {
    let upper = name.trim().to_ascii_uppercase();
    if matches!(
        upper.as_str(),
        "OGC:CRS84" | "CRS84" | "WGS84" | "URN:OGC:DEF:CRS:OGC:1.3:CRS84"
    ) {
        return Some(WGS84_EPSG);
    }
    let code = match upper.strip_prefix("EPSG:") {
        Some(code) => code,
        // The URN may carry a version between the authority and the code.
        None => upper
            .strip_prefix("URN:OGC:DEF:CRS:EPSG:")?
            .rsplit(':')
            .next()?,
    };
    code.trim().parse().ok()
}
