//! Files written whole or not at all: each file is written to a temporary name in the same
//! folder, flushed, then renamed over the final name; GeoJSON and JSON writers and the rounding
//! of written figures on top of it.
//!
//! A leaf: takes paths and values, gives files; used by `report`, `import`, `synth` and `batch`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use geo::{Coord, Geometry, MapCoords, Orient, orient::Direction};
use geojson::{Feature, JsonObject};

/// An output that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// Writes a file through `fill`, atomically.
pub fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<(), WriteError> {
    write_atomically_at(path, |temporary| {
        let mut writer = BufWriter::new(File::create(temporary)?);
        fill(&mut writer)?;
        writer.into_inner().map_err(|e| e.into_error())?;
        Ok(())
    })
}

/// Writes a file atomically through `fill`, which writes whatever it likes at the temporary
/// path it is given (a database, say) and closes it: the file is then synced and renamed over
/// `path`, or removed if anything failed. A temporary file a crashed run left is removed
/// first.
pub fn write_atomically_at(
    path: &Path,
    fill: impl FnOnce(&Path) -> std::io::Result<()>,
) -> Result<(), WriteError> {
    let error = |source| WriteError {
        path: path.to_path_buf(),
        source,
    };
    if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(error)?;
    }
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{file_name}.tmp"));
    let result = (|| {
        match std::fs::remove_file(&temporary) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        fill(&temporary)?;
        File::open(&temporary)?.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result.map_err(error)
}

/// Writes a GeoJSON FeatureCollection, streaming its features.
pub fn write_feature_collection(
    path: &Path,
    features: impl IntoIterator<Item = Feature>,
) -> Result<(), WriteError> {
    write_atomically(path, |w| {
        w.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[")?;
        for (i, feature) in features.into_iter().enumerate() {
            if i > 0 {
                w.write_all(b",")?;
            }
            w.write_all(b"\n")?;
            serde_json::to_writer(&mut *w, &feature)?;
        }
        w.write_all(b"\n]}\n")
    })
}

/// Writes a JSON document, atomically.
///
/// Objects are written with their keys in alphabetical order, whatever the order of a
/// struct's fields: a JSON value is built first.
pub fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<(), WriteError> {
    write_atomically(path, |w| {
        let value = serde_json::to_value(value)?;
        serde_json::to_writer_pretty(&mut *w, &value)?;
        w.write_all(b"\n")
    })
}

/// The properties of a feature, from a `json!({...})` object literal.
pub fn properties(value: serde_json::Value) -> JsonObject {
    match value {
        serde_json::Value::Object(map) => map,
        _ => JsonObject::new(),
    }
}

/// A feature in RFC 7946 form: exterior rings counter-clockwise, interiors clockwise,
/// coordinates rounded to 7 decimals (about 1 cm).
pub fn feature(geometry: &Geometry, properties: JsonObject) -> Feature {
    let oriented = match geometry {
        Geometry::Polygon(p) => Geometry::Polygon(p.orient(Direction::Default)),
        // A one-part MultiPolygon goes out as the Polygon it was read from.
        Geometry::MultiPolygon(p) if p.0.len() == 1 => {
            Geometry::Polygon(p.0[0].orient(Direction::Default))
        }
        Geometry::MultiPolygon(p) => Geometry::MultiPolygon(p.orient(Direction::Default)),
        other => other.clone(),
    };
    let rounded = oriented.map_coords(|c| Coord {
        x: round7(c.x),
        y: round7(c.y),
    });
    Feature {
        bbox: None,
        geometry: Some(geojson::Geometry::from(&rounded)),
        id: None,
        properties: Some(properties),
        foreign_members: None,
    }
}

/// A coordinate to 7 decimals (about a centimetre), as every GeoJSON output writes it.
pub fn round7(v: f64) -> f64 {
    (v * 1e7).round() / 1e7
}

/// Rounds a figure for output to `decimals` places, so that files stay readable and stable.
pub fn round_to(v: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    let r = (v * scale).round() / scale;
    if r == 0.0 { 0.0 } else { r }
}
