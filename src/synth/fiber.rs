//! The fiber layer: long-haul and metro routes along the street grid.
//!
//! Takes the [`Layout`] and a segment count; gives routes on the corridors
//! (long haul) and the arterials (metro, nearest downtown first), cut into
//! exactly that many LineStrings, and streams `fiber.geojson`.

use super::layout::{Layout, Line};
use super::noise::lerp;
use super::writer::{GeoWriter, Props, open_feature, push_position};
use super::{ARTERIAL_EVERY, BLOCK_M, SynthError};

struct Route {
    kind: &'static str,
    pts: Vec<(f64, f64)>,
}

impl Layout {
    /// Long-haul routes on the corridors first, then metro routes on the
    /// arterial grid, nearest to downtown first (they survive when few
    /// segments are asked for).
    fn fiber_routes(&self) -> Vec<Route> {
        let mut routes = Vec::new();
        for &line in &self.corridors {
            self.line_routes(line, "long_haul", &mut routes);
        }
        let mut metro: Vec<(f64, usize, Line)> = Vec::new();
        for j in (0..=self.ny).step_by(ARTERIAL_EVERY) {
            let d = (j as f64 * BLOCK_M - self.city.1).abs();
            metro.push((d, 0, Line::Row(j)));
        }
        for i in (0..=self.nx).step_by(ARTERIAL_EVERY) {
            let d = (i as f64 * BLOCK_M - self.city.0).abs();
            metro.push((d, 1, Line::Col(i)));
        }
        metro.retain(|m| !self.corridors.contains(&m.2));
        metro.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (_, _, line) in metro {
            self.line_routes(line, "metro", &mut routes);
        }
        routes
    }

    /// Splits a grid line into runs that border land.
    fn line_routes(&self, line: Line, kind: &'static str, routes: &mut Vec<Route>) {
        let mut run: Vec<(usize, usize)> = Vec::new();
        let mut flush = |run: &mut Vec<(usize, usize)>| {
            if run.len() >= 2 {
                let pts = run.iter().map(|&(i, j)| self.vertex(i, j)).collect();
                routes.push(Route { kind, pts });
            }
            run.clear();
        };
        match line {
            Line::Row(j) => {
                for i in 0..self.nx {
                    let land =
                        (j > 0 && self.is_land(i, j - 1)) || (j < self.ny && self.is_land(i, j));
                    if land {
                        if run.is_empty() {
                            run.push((i, j));
                        }
                        run.push((i + 1, j));
                    } else {
                        flush(&mut run);
                    }
                }
            }
            Line::Col(i) => {
                for j in 0..self.ny {
                    let land =
                        (i > 0 && self.is_land(i - 1, j)) || (i < self.nx && self.is_land(i, j));
                    if land {
                        if run.is_empty() {
                            run.push((i, j));
                        }
                        run.push((i, j + 1));
                    } else {
                        flush(&mut run);
                    }
                }
            }
            Line::Diagonal => run = self.staircase(),
        }
        flush(&mut run);
    }

    fn staircase(&self) -> Vec<(usize, usize)> {
        let (mut i, mut j) = (0, 0);
        let mut pts = vec![(0, 0)];
        while i < self.nx || j < self.ny {
            let step_east = j == self.ny || (i < self.nx && (i + 1) * self.ny <= (j + 1) * self.nx);
            if step_east {
                i += 1;
            } else {
                j += 1;
            }
            pts.push((i, j));
        }
        pts
    }
}

/// Pieces per route: one each, the rest in proportion to route length.
fn allocate_pieces(routes: &[Route], total: usize) -> Vec<usize> {
    if total <= routes.len() {
        return (0..routes.len()).map(|r| usize::from(r < total)).collect();
    }
    let extra = (total - routes.len()) as u64;
    let edges: u64 = routes.iter().map(|r| r.pts.len() as u64 - 1).sum();
    let (mut cum, mut prev) = (0u64, 0u64);
    routes
        .iter()
        .map(|r| {
            cum += r.pts.len() as u64 - 1;
            let now = cum * extra / edges;
            let n = 1 + (now - prev) as usize;
            prev = now;
            n
        })
        .collect()
}

/// Point `t` of a route whose every edge is cut into `sub` equal steps.
fn route_point(pts: &[(f64, f64)], sub: usize, t: usize) -> (f64, f64) {
    let (e, f) = (t / sub, t % sub);
    if e + 1 >= pts.len() {
        return pts[pts.len() - 1];
    }
    let s = f as f64 / sub as f64;
    (
        lerp(pts[e].0, pts[e + 1].0, s),
        lerp(pts[e].1, pts[e + 1].1, s),
    )
}

pub(super) fn write_fiber(
    layout: &Layout,
    count: usize,
    w: &mut GeoWriter,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<(), SynthError> {
    progress("fiber", 0, count);
    let routes = layout.fiber_routes();
    let pieces = allocate_pieces(&routes, count);
    let mut id = 0;
    for (route, &k) in routes.iter().zip(&pieces) {
        if k == 0 {
            continue;
        }
        let edges = route.pts.len() - 1;
        // Densify when more pieces than street edges are asked for.
        let sub = k.div_ceil(edges);
        let steps = edges * sub;
        for m in 0..k {
            let (t0, t1) = (m * steps / k, (m + 1) * steps / k);
            id += 1;
            let buf = w.begin();
            open_feature(buf, "LineString");
            buf.push(b'[');
            for t in t0..=t1 {
                if t > t0 {
                    buf.push(b',');
                }
                push_position(buf, &layout.proj, route_point(&route.pts, sub, t));
            }
            buf.push(b']');
            let mut props = Props::open(buf);
            props.id("id", b'F', id, 5);
            props.str("kind", route.kind);
            props.close();
            w.commit()?;
        }
    }
    progress("fiber", count, count);
    Ok(())
}
