//! Layout: the block grid and everything derived from it.
//!
//! Takes a [`SynthConfig`]; gives a [`Layout`]: the jittered grid of street
//! blocks (each with its ground, and the zone and lot count `zoning` gives it),
//! downtown, the long-haul corridors, the port of a coastal region, and the
//! [`Projection`] from local metres to lon/lat. Blocks are rebuilt on demand as
//! [`Frame`]s, so only a few numbers per block are kept in memory.

use super::noise::{bilinear, dist, fbm, hash3, lerp, ring_area_centroid, salted, splitmix, unit};
use super::zoning::{Zone, mean_lots_per_acre};
use super::{
    ARTERIAL_EVERY, ARTERIAL_HALF_M, BLOCK_M, LOCAL_STREET_HALF_M, M_PER_DEG_LAT, MAX_ABS_LAT,
    Profile, SALT_COAST, SALT_RECLAIM, SALT_VERTEX, SQM_PER_ACRE, SynthConfig, SynthError,
    VERTEX_JITTER_M, invalid,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ground {
    Water,
    Land,
    /// Coastal fill along the shore: industrial, often brownfield.
    Reclaimed,
    /// Port terminal, partly built out into the water.
    Port,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Block {
    pub(super) ground: Ground,
    pub(super) zone: Zone,
    /// Lots in this block.
    pub(super) count: u16,
    /// Fewest / most lots that keep the mean lot inside the zone's range.
    pub(super) min: u16,
    pub(super) max: u16,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Line {
    /// Horizontal grid line `j`.
    Row(usize),
    /// Vertical grid line `i`.
    Col(usize),
    /// South-west to north-east staircase.
    Diagonal,
}

/// Local metres (x east, y north) to lon/lat.
#[derive(Debug, Clone, Copy)]
pub(super) struct Projection {
    pub(super) lon0: f64,
    pub(super) lat0: f64,
    x0: f64,
    y0: f64,
    m_per_deg_lon: f64,
}

impl Projection {
    pub(super) fn lon(&self, x: f64) -> f64 {
        self.lon0 + (x - self.x0) / self.m_per_deg_lon
    }

    pub(super) fn lat(&self, y: f64) -> f64 {
        self.lat0 + (y - self.y0) / M_PER_DEG_LAT
    }
}

/// The buildable part of one block: its jittered quad minus half the streets.
#[derive(Debug, Clone, Copy)]
pub(super) struct Frame {
    q: [(f64, f64); 4],
    u: (f64, f64),
    v: (f64, f64),
}

impl Frame {
    /// Point at fractions `(a, b)` of the buildable area.
    fn at(&self, a: f64, b: f64) -> (f64, f64) {
        bilinear(
            &self.q,
            lerp(self.u.0, self.u.1, a),
            lerp(self.v.0, self.v.1, b),
        )
    }

    /// Counter-clockwise quad for `[a0,a1] x [b0,b1]`; bilinear images of
    /// disjoint rectangles are disjoint, so lots never overlap.
    pub(super) fn rect(&self, a: (f64, f64), b: (f64, f64)) -> [(f64, f64); 4] {
        [
            self.at(a.0, b.0),
            self.at(a.1, b.0),
            self.at(a.1, b.1),
            self.at(a.0, b.1),
        ]
    }

    pub(super) fn center(&self) -> (f64, f64) {
        self.at(0.5, 0.5)
    }

    pub(super) fn acres(&self) -> f64 {
        ring_area_centroid(&self.rect((0.0, 1.0), (0.0, 1.0))).0 / SQM_PER_ACRE
    }
}

pub(super) struct Layout {
    pub(super) seed: u64,
    pub(super) profile: Profile,
    pub(super) nx: usize,
    pub(super) ny: usize,
    pub(super) blocks: Vec<Block>,
    /// Downtown, in local metres.
    pub(super) city: (f64, f64),
    /// Distance from downtown to the farthest region corner.
    pub(super) reach: f64,
    pub(super) corridors: Vec<Line>,
    pub(super) port: Option<(f64, f64)>,
    pub(super) proj: Projection,
}

impl Layout {
    /// Grows the grid until its blocks can hold `parcels` lots, then moves
    /// lot counts to exactly that many.
    pub(super) fn build(cfg: &SynthConfig) -> Result<Self, SynthError> {
        let target = cfg.parcels as u64;
        let mut side = initial_side(cfg);
        loop {
            let mut layout = Layout::plan(cfg, side);
            let (_, most) = layout.count_bounds(|_| true);
            if most >= target {
                layout.fit_counts(target);
                layout.check_bounds()?;
                return Ok(layout);
            }
            let ratio = (target as f64 / layout.total_count().max(1) as f64).sqrt();
            side = ((side as f64 * ratio).ceil() as usize).max(side + 1);
        }
    }

    pub(super) fn plan(cfg: &SynthConfig, side: usize) -> Self {
        let (nx, ny) = (side, side);
        let (w, h) = (nx as f64 * BLOCK_M, ny as f64 * BLOCK_M);
        let default_block = Block {
            ground: Ground::Land,
            zone: Zone::Residential,
            count: 0,
            min: 0,
            max: 0,
        };
        let mut layout = Layout {
            seed: cfg.seed,
            profile: cfg.profile,
            nx,
            ny,
            blocks: vec![default_block; nx * ny],
            city: (w / 2.0, h / 2.0),
            reach: 1.0,
            corridors: Vec::new(),
            port: None,
            proj: Projection {
                lon0: cfg.center_lon,
                lat0: cfg.center_lat,
                x0: w / 2.0,
                y0: h / 2.0,
                m_per_deg_lon: M_PER_DEG_LAT * cfg.center_lat.to_radians().cos(),
            },
        };
        if cfg.profile == Profile::Coastal {
            layout.shape_coast();
        }
        layout.reach = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)]
            .iter()
            .map(|&c| dist(c, layout.city))
            .fold(BLOCK_M, f64::max);
        layout.corridors = layout.plan_corridors();
        layout.assign_zones();
        layout.draw_counts();
        layout
    }

    pub(super) fn width(&self) -> f64 {
        self.nx as f64 * BLOCK_M
    }

    pub(super) fn height(&self) -> f64 {
        self.ny as f64 * BLOCK_M
    }

    fn block(&self, i: usize, j: usize) -> &Block {
        &self.blocks[j * self.nx + i]
    }

    fn block_mut(&mut self, i: usize, j: usize) -> &mut Block {
        &mut self.blocks[j * self.nx + i]
    }

    pub(super) fn is_land(&self, i: usize, j: usize) -> bool {
        self.block(i, j).ground != Ground::Water
    }

    pub(super) fn first_land_col(&self, j: usize) -> usize {
        (0..self.nx)
            .find(|&i| self.is_land(i, j))
            .unwrap_or(self.nx)
    }

    /// Street-grid vertex `(i, j)`, jittered by a hash so any row can be
    /// rebuilt independently.
    pub(super) fn vertex(&self, i: usize, j: usize) -> (f64, f64) {
        let h = hash3(salted(self.seed, SALT_VERTEX), i as u64, j as u64);
        let jx = (unit(h) - 0.5) * 2.0 * VERTEX_JITTER_M;
        let jy = (unit(splitmix(h)) - 0.5) * 2.0 * VERTEX_JITTER_M;
        (i as f64 * BLOCK_M + jx, j as f64 * BLOCK_M + jy)
    }

    pub(super) fn frame(&self, i: usize, j: usize) -> Frame {
        let street = |line: usize| {
            let half = if line.is_multiple_of(ARTERIAL_EVERY) {
                ARTERIAL_HALF_M
            } else {
                LOCAL_STREET_HALF_M
            };
            half / BLOCK_M
        };
        Frame {
            q: [
                self.vertex(i, j),
                self.vertex(i + 1, j),
                self.vertex(i + 1, j + 1),
                self.vertex(i, j + 1),
            ],
            u: (street(i), 1.0 - street(i + 1)),
            v: (street(j), 1.0 - street(j + 1)),
        }
    }

    /// Shoreline x (metres) at height `y`: bays and headlands around 40 % of
    /// the width.
    pub(super) fn coast_x(&self, y: f64) -> f64 {
        let scale = (0.3 * self.height()).max(3.0 * BLOCK_M);
        let wiggle = fbm(salted(self.seed, SALT_COAST), (0.5 * scale, y), scale);
        self.width() * (0.28 + 0.24 * wiggle)
    }

    fn shape_coast(&mut self) {
        for j in 0..self.ny {
            for i in 0..self.nx {
                let c = self.frame(i, j).center();
                if c.0 < self.coast_x(c.1) {
                    self.block_mut(i, j).ground = Ground::Water;
                }
            }
        }
        let jp = self.ny / 2;
        let shore = self.first_land_col(jp);
        let city_x = ((shore as f64 + 2.5) * BLOCK_M).min(self.width() - 0.5 * BLOCK_M);
        self.city = (city_x, self.height() / 2.0);
        // The port: three block rows built two blocks out into the water.
        for j in jp.saturating_sub(1)..=(jp + 1).min(self.ny - 1) {
            let fl = self.first_land_col(j);
            for i in fl.saturating_sub(2)..=fl.min(self.nx - 1) {
                self.block_mut(i, j).ground = Ground::Port;
            }
        }
        self.port = Some(self.frame(shore.saturating_sub(1), jp).center());
        self.mark_reclaimed();
    }

    /// First one or two land blocks of each row are old fill.
    fn mark_reclaimed(&mut self) {
        let salt = salted(self.seed, SALT_RECLAIM);
        for j in 0..self.ny {
            let fl = self.first_land_col(j);
            for i in fl..(fl + 2).min(self.nx) {
                let second_ok = unit(hash3(salt, i as u64, j as u64)) < 0.45;
                let block = self.block_mut(i, j);
                if block.ground == Ground::Land && (i == fl || second_ok) {
                    block.ground = Ground::Reclaimed;
                }
            }
        }
    }

    /// Long-haul corridors (highway / rail rights of way) on grid lines.
    fn plan_corridors(&self) -> Vec<Line> {
        let mut lines = Vec::new();
        let (row_at, col_at) = match self.profile {
            Profile::Suburban => (0.42, 0.62),
            Profile::Coastal => (0.85, 0.72),
        };
        if self.profile == Profile::Coastal {
            lines.push(Line::Row(self.ny / 2 + 1));
        }
        let rows = 1 + self.ny / 64;
        for k in 0..rows {
            let j = ((k as f64 + row_at) / rows as f64 * self.ny as f64).round() as usize;
            if !lines.contains(&Line::Row(j)) {
                lines.push(Line::Row(j.min(self.ny)));
            }
        }
        let cols = 1 + self.nx / 64;
        for k in 0..cols {
            let i = ((k as f64 + col_at) / cols as f64 * self.nx as f64).round() as usize;
            lines.push(Line::Col(i.min(self.nx)));
        }
        if self.profile == Profile::Suburban && self.nx >= 6 {
            lines.push(Line::Diagonal);
        }
        lines
    }

    pub(super) fn corridor_distance(&self, p: (f64, f64)) -> f64 {
        let (w, h) = (self.width(), self.height());
        self.corridors
            .iter()
            .map(|line| match *line {
                Line::Row(j) => (p.1 - j as f64 * BLOCK_M).abs(),
                Line::Col(i) => (p.0 - i as f64 * BLOCK_M).abs(),
                Line::Diagonal => (h * p.0 - w * p.1).abs() / w.hypot(h),
            })
            .fold(f64::INFINITY, f64::min)
    }

    /// Distance to the inland region boundary.
    pub(super) fn edge_distance(&self, p: (f64, f64)) -> f64 {
        let (w, h) = (self.width(), self.height());
        let inland = p.1.min(h - p.1).min(w - p.0);
        match self.profile {
            Profile::Suburban => inland.min(p.0),
            Profile::Coastal => inland,
        }
    }

    /// 1 downtown, falling off smoothly; drives prices and density.
    pub(super) fn centrality(&self, p: (f64, f64)) -> f64 {
        (-dist(p, self.city) / (0.3 * self.reach).max(4_000.0)).exp()
    }

    pub(super) fn check_bounds(&self) -> Result<(), SynthError> {
        let margin = 2.0 * BLOCK_M;
        let (w, h) = (self.width(), self.height());
        let (west, east) = (self.proj.lon(-margin), self.proj.lon(w + margin));
        if west < -180.0 || east > 180.0 {
            return Err(invalid(
                "center_lon",
                format!(
                    "a {:.0} km wide region around it would cross the antimeridian",
                    w / 1000.0
                ),
            ));
        }
        let (south, north) = (self.proj.lat(-margin), self.proj.lat(h + margin));
        if south < -MAX_ABS_LAT || north > MAX_ABS_LAT {
            return Err(invalid(
                "center_lat",
                format!(
                    "a {:.0} km tall region around it would reach past ±{MAX_ABS_LAT}°",
                    h / 1000.0
                ),
            ));
        }
        Ok(())
    }

    /// Extent (min, max) of all land blocks, with a small margin.
    pub(super) fn land_extent(&self) -> ((f64, f64), (f64, f64)) {
        let (mut lo, mut hi) = ((f64::MAX, f64::MAX), (f64::MIN, f64::MIN));
        for k in 0..self.blocks.len() {
            if self.blocks[k].ground == Ground::Water {
                continue;
            }
            for p in self.frame(k % self.nx, k / self.nx).q {
                lo = (lo.0.min(p.0), lo.1.min(p.1));
                hi = (hi.0.max(p.0), hi.1.max(p.1));
            }
        }
        let m = 25.0;
        ((lo.0 - m, lo.1 - m), (hi.0 + m, hi.1 + m))
    }
}

fn initial_side(cfg: &SynthConfig) -> usize {
    let usable = BLOCK_M - LOCAL_STREET_HALF_M - ARTERIAL_HALF_M;
    let per_block = usable * usable / SQM_PER_ACRE * mean_lots_per_acre();
    let land_blocks = cfg.parcels as f64 / per_block;
    match cfg.profile {
        Profile::Suburban => (land_blocks.sqrt().round() as usize).max(1),
        Profile::Coastal => ((land_blocks / 0.6).sqrt().round() as usize).max(4),
    }
}
