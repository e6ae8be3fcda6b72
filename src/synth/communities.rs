//! The communities layer: rectangles with population and environmental burden.
//!
//! Takes the [`Layout`] and the parcel count; gives a grid of rectangles
//! tiling the land (about one per 400 parcels), their population and burden
//! from block zoning, the port and the corridors, names rotated per seed, and
//! streams `communities.geojson`.

use super::layout::{Ground, Layout};
use super::noise::{dist, fbm, lerp, ring_area_centroid, salted};
use super::receptors::unique_name;
use super::writer::{GeoWriter, Props, open_feature, push_polygon};
use super::zoning::Zone;
use super::{SALT_BURDEN, SALT_NAMES, SynthError};

/// Rectangles tiling the land extent, row by row from the south-west.
struct CommunityGrid {
    lo: (f64, f64),
    hi: (f64, f64),
    ncx: usize,
    ncy: usize,
}

impl CommunityGrid {
    fn new(layout: &Layout, parcels: usize) -> Self {
        let (lo, hi) = layout.land_extent();
        let target = (parcels / 400).max(4);
        let aspect = (hi.0 - lo.0) / (hi.1 - lo.1);
        let ncx = ((target as f64 * aspect).sqrt().round() as usize).clamp(1, target);
        let ncy = target.div_ceil(ncx);
        Self { lo, hi, ncx, ncy }
    }

    fn len(&self) -> usize {
        self.ncx * self.ncy
    }

    fn x_edge(&self, c: usize) -> f64 {
        lerp(self.lo.0, self.hi.0, c as f64 / self.ncx as f64)
    }

    fn y_edge(&self, r: usize) -> f64 {
        lerp(self.lo.1, self.hi.1, r as f64 / self.ncy as f64)
    }

    fn rect(&self, k: usize) -> [(f64, f64); 4] {
        let (c, r) = (k % self.ncx, k / self.ncx);
        let (x0, x1, y0, y1) = (
            self.x_edge(c),
            self.x_edge(c + 1),
            self.y_edge(r),
            self.y_edge(r + 1),
        );
        [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    }

    fn cell_of(&self, p: (f64, f64)) -> usize {
        let fx = (p.0 - self.lo.0) / (self.hi.0 - self.lo.0);
        let fy = (p.1 - self.lo.1) / (self.hi.1 - self.lo.1);
        let c = ((fx * self.ncx as f64) as usize).min(self.ncx - 1);
        let r = ((fy * self.ncy as f64) as usize).min(self.ncy - 1);
        r * self.ncx + c
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct CommunityTally {
    people: f64,
    land_acres: f64,
    industrial_acres: f64,
}

impl Layout {
    /// People and industrial land per community, from block zoning.
    fn community_tallies(&self, grid: &CommunityGrid) -> Vec<CommunityTally> {
        let mut tallies = vec![CommunityTally::default(); grid.len()];
        for (k, b) in self.blocks.iter().enumerate() {
            if b.ground == Ground::Water {
                continue;
            }
            let frame = self.frame(k % self.nx, k / self.nx);
            let c = frame.center();
            let acres = frame.acres();
            let t = &mut tallies[grid.cell_of(c)];
            t.land_acres += acres;
            let people_per_acre = match b.zone {
                // Dwelling units per acre x 2.6 people, denser downtown.
                Zone::Residential => (2.0 + 9.0 * self.centrality(c)) * 2.6,
                Zone::Commercial => 1.5,
                Zone::Industrial => {
                    t.industrial_acres += acres;
                    0.02
                }
                Zone::Agricultural | Zone::OpenSpace => 0.08,
            };
            let built = if b.count > 0 { 1.0 } else { 0.3 };
            t.people += acres * people_per_acre * built;
        }
        tallies
    }

    /// Environmental burden: industry, the port, corridors, some noise.
    fn burden(&self, center: (f64, f64), tally: &CommunityTally) -> f64 {
        let industrial = if tally.land_acres > 0.0 {
            tally.industrial_acres / tally.land_acres
        } else {
            0.0
        };
        let port = self
            .port
            .map_or(0.0, |p| (-dist(center, p) / 4_000.0).exp());
        let corridor = (-self.corridor_distance(center) / 2_000.0).exp();
        let noise = fbm(salted(self.seed, SALT_BURDEN), center, 6_000.0);
        (6.0 + 55.0 * industrial + 25.0 * port + 8.0 * corridor + 15.0 * noise).clamp(0.0, 100.0)
    }
}

const COMMUNITY_NAMES: [&str; 20] = [
    "Alder",
    "Birch",
    "Cedar",
    "Dry Creek",
    "Elm",
    "Fair Oaks",
    "Granite",
    "Harbor",
    "Iron Point",
    "Juniper",
    "Kensington",
    "Laurel",
    "Mesa",
    "North Gate",
    "Old Town",
    "Pine",
    "Quarry",
    "Riverside",
    "Sunrise",
    "Willow",
];
const COMMUNITY_KINDS: [&str; 12] = [
    "Heights", "Park", "Village", "Flats", "Gardens", "Hills", "Commons", "Terrace", "Crossing",
    "Meadows", "Point", "Vista",
];

pub(super) fn write_communities(
    layout: &Layout,
    parcels: usize,
    w: &mut GeoWriter,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<(), SynthError> {
    let grid = CommunityGrid::new(layout, parcels);
    progress("communities", 0, grid.len());
    let tallies = layout.community_tallies(&grid);
    // Rotate the name list per seed so maps do not all start with "Alder".
    let offset = (salted(layout.seed, SALT_NAMES) % COMMUNITY_NAMES.len() as u64) as usize;
    for (k, tally) in tallies.iter().enumerate() {
        let rect = grid.rect(k);
        let center = ring_area_centroid(&rect).1;
        let buf = w.begin();
        open_feature(buf, "Polygon");
        push_polygon(buf, &layout.proj, &rect);
        let mut props = Props::open(buf);
        props.id("id", b'C', k + 1, 3);
        props.str(
            "name",
            &unique_name(k + offset, &COMMUNITY_NAMES, &COMMUNITY_KINDS),
        );
        props.uint("population", tally.people.round() as u64);
        props.num("burden_pct", layout.burden(center, tally), 1);
        props.close();
        w.commit()?;
    }
    progress("communities", grid.len(), grid.len());
    Ok(())
}
