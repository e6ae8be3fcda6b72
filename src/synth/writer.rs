//! Output: atomic files and hand-formatted GeoJSON.
//!
//! Takes features from the layer writers, one at a time, as raw bytes
//! ([`open_feature`], [`push_position`], [`push_polygon`], [`Props`]); gives a
//! streamed FeatureCollection, one feature per line, with at most 7 decimals,
//! either in a file written whole or not at all ([`write_layer`], through
//! [`crate::files::write_atomically`]) or in memory ([`write_memory`]), with its feature and
//! byte counts.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::SynthError;
use super::layout::Projection;

pub(super) fn io_error(path: &Path, source: std::io::Error) -> SynthError {
    SynthError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Streams one FeatureCollection, one feature per line.
pub(super) struct GeoWriter<'a> {
    out: Sink<'a>,
    path: PathBuf,
    pub(super) buf: Vec<u8>,
    features: usize,
    bytes: u64,
}

impl<'a> GeoWriter<'a> {
    fn new(out: Sink<'a>, path: PathBuf) -> GeoWriter<'a> {
        GeoWriter {
            out,
            path,
            buf: Vec::with_capacity(4096),
            features: 0,
            bytes: 0,
        }
    }

    fn raw(&mut self, bytes: &[u8]) -> Result<(), SynthError> {
        self.out
            .write_all(bytes)
            .map_err(|e| io_error(&self.path, e))?;
        self.bytes += bytes.len() as u64;
        Ok(())
    }

    /// Clears the feature buffer (adding the separator) and hands it out.
    pub(super) fn begin(&mut self) -> &mut Vec<u8> {
        self.buf.clear();
        if self.features > 0 {
            self.buf.extend_from_slice(b",\n");
        }
        &mut self.buf
    }

    pub(super) fn commit(&mut self) -> Result<(), SynthError> {
        self.out
            .write_all(&self.buf)
            .map_err(|e| io_error(&self.path, e))?;
        self.bytes += self.buf.len() as u64;
        self.features += 1;
        Ok(())
    }
}

/// Where a [`GeoWriter`] puts its bytes: a file, or memory for [`Land`](super::Land).
enum Sink<'a> {
    File(&'a mut dyn Write),
    Memory(Vec<u8>),
}

impl Write for Sink<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::File(file) => file.write(bytes),
            Sink::Memory(memory) => memory.write(bytes),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::File(file) => file.flush(),
            Sink::Memory(_) => Ok(()),
        }
    }
}

/// One FeatureCollection written into memory, as [`write_layer`] would write it to a file.
pub(super) fn write_memory(
    body: impl FnOnce(&mut GeoWriter) -> Result<(), SynthError>,
) -> Result<Vec<u8>, SynthError> {
    let mut w = GeoWriter::new(Sink::Memory(Vec::new()), PathBuf::from("<memory>"));
    w.raw(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
    body(&mut w)?;
    w.raw(b"\n]}\n")?;
    match w.out {
        Sink::Memory(bytes) => Ok(bytes),
        Sink::File(_) => Ok(Vec::new()),
    }
}

/// Writes `<file>` in `dir` whole or not at all. Returns (features, bytes).
pub(super) fn write_layer(
    dir: &Path,
    file: &str,
    body: impl FnOnce(&mut GeoWriter) -> Result<(), SynthError>,
) -> Result<(usize, u64), SynthError> {
    let path = dir.join(file);
    let mut outcome = None;
    let written = crate::files::write_atomically(&path, |out| {
        let mut w = GeoWriter::new(Sink::File(out), path.clone());
        let streamed = (|| {
            w.raw(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
            body(&mut w)?;
            w.raw(b"\n]}\n")?;
            Ok((w.features, w.bytes))
        })();
        let failed = streamed.is_err();
        outcome = Some(streamed);
        if failed {
            // The layer's own error is kept in `outcome`; this one only stops the write.
            Err(std::io::Error::other("the layer could not be generated"))
        } else {
            Ok(())
        }
    });
    match (outcome, written) {
        (Some(Err(layer_error)), _) => Err(layer_error),
        (_, Err(e)) => Err(io_error(&e.path, e.source)),
        (Some(Ok(stats)), Ok(())) => Ok(stats),
        (None, Ok(())) => Err(io_error(
            &path,
            std::io::Error::other("the layer was not written"),
        )),
    }
}

fn push_uint(buf: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[i..]);
}

fn push_padded(buf: &mut Vec<u8>, n: u64, width: usize) {
    let mut digits = Vec::with_capacity(20);
    push_uint(&mut digits, n);
    buf.extend(std::iter::repeat_n(
        b'0',
        width.saturating_sub(digits.len()),
    ));
    buf.extend_from_slice(&digits);
}

/// Fixed-point number with at most `decimals` (<= 7) decimals, trailing zeros
/// trimmed; never prints "-0".
fn push_fixed(buf: &mut Vec<u8>, v: f64, decimals: u32) {
    debug_assert!(v.is_finite() && decimals <= 7);
    let scale = 10u64.pow(decimals);
    let scaled = (v * scale as f64).round();
    let magnitude = scaled.abs() as u64;
    if scaled < 0.0 && magnitude != 0 {
        buf.push(b'-');
    }
    push_uint(buf, magnitude / scale);
    let (mut frac, mut width) = (magnitude % scale, decimals as usize);
    if frac == 0 {
        return;
    }
    while frac % 10 == 0 {
        frac /= 10;
        width -= 1;
    }
    buf.push(b'.');
    push_padded(buf, frac, width);
}

/// JSON string; escapes quotes, backslashes and control characters.
fn push_json_str(buf: &mut Vec<u8>, s: &str) {
    buf.push(b'"');
    for c in s.chars() {
        match c {
            '"' => buf.extend_from_slice(b"\\\""),
            '\\' => buf.extend_from_slice(b"\\\\"),
            c if (c as u32) < 0x20 => {
                buf.extend_from_slice(b"\\u00");
                buf.push(b"0123456789abcdef"[(c as usize) >> 4]);
                buf.push(b"0123456789abcdef"[(c as usize) & 15]);
            }
            c => {
                let mut tmp = [0u8; 4];
                buf.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
            }
        }
    }
    buf.push(b'"');
}

pub(super) fn open_feature(buf: &mut Vec<u8>, geometry: &str) {
    buf.extend_from_slice(b"{\"type\":\"Feature\",\"geometry\":{\"type\":\"");
    buf.extend_from_slice(geometry.as_bytes());
    buf.extend_from_slice(b"\",\"coordinates\":");
}

pub(super) fn push_position(buf: &mut Vec<u8>, proj: &Projection, p: (f64, f64)) {
    buf.push(b'[');
    push_fixed(buf, proj.lon(p.0), 7);
    buf.push(b',');
    push_fixed(buf, proj.lat(p.1), 7);
    buf.push(b']');
}

/// Single-ring polygon; the ring is given open and written closed.
pub(super) fn push_polygon(buf: &mut Vec<u8>, proj: &Projection, ring: &[(f64, f64)]) {
    buf.extend_from_slice(b"[[");
    for &p in ring {
        push_position(buf, proj, p);
        buf.push(b',');
    }
    push_position(buf, proj, ring[0]);
    buf.extend_from_slice(b"]]");
}

/// Writes `},"properties":{ ... }}` after a geometry.
pub(super) struct Props<'a> {
    buf: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Props<'a> {
    pub(super) fn open(buf: &'a mut Vec<u8>) -> Self {
        buf.extend_from_slice(b"},\"properties\":{");
        Self { buf, first: true }
    }

    fn key(&mut self, key: &str) {
        if !self.first {
            self.buf.push(b',');
        }
        self.first = false;
        push_json_str(self.buf, key);
        self.buf.push(b':');
    }

    pub(super) fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        push_json_str(self.buf, value);
    }

    /// `"<prefix><n>"` without allocating.
    pub(super) fn str_num(&mut self, key: &str, prefix: &str, n: usize) {
        self.key(key);
        self.buf.push(b'"');
        self.buf.extend_from_slice(prefix.as_bytes());
        push_uint(self.buf, n as u64);
        self.buf.push(b'"');
    }

    /// Zero-padded id such as `"P000001"`.
    pub(super) fn id(&mut self, key: &str, letter: u8, n: usize, width: usize) {
        self.key(key);
        self.buf.push(b'"');
        self.buf.push(letter);
        push_padded(self.buf, n as u64, width);
        self.buf.push(b'"');
    }

    pub(super) fn uint(&mut self, key: &str, value: u64) {
        self.key(key);
        push_uint(self.buf, value);
    }

    pub(super) fn num(&mut self, key: &str, value: f64, decimals: u32) {
        self.key(key);
        push_fixed(self.buf, value, decimals);
    }

    pub(super) fn bool(&mut self, key: &str, value: bool) {
        self.key(key);
        self.buf
            .extend_from_slice(if value { b"true" } else { b"false" });
    }

    pub(super) fn close(self) {
        self.buf.extend_from_slice(b"}}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formatting() {
        let fmt = |v: f64, d: u32| {
            let mut b = Vec::new();
            push_fixed(&mut b, v, d);
            String::from_utf8(b).expect("utf8")
        };
        assert_eq!(fmt(-121.3, 7), "-121.3");
        assert_eq!(fmt(38.123456789, 7), "38.1234568");
        assert_eq!(fmt(-0.00000001, 7), "0");
        assert_eq!(fmt(2.0, 2), "2");
        assert_eq!(fmt(0.05, 2), "0.05");
        assert_eq!(fmt(1999.96, 1), "2000");
        let mut b = Vec::new();
        push_json_str(&mut b, "a\"b\\c\n");
        assert_eq!(String::from_utf8(b).expect("utf8"), r#""a\"b\\c\u000a""#);
    }
}
