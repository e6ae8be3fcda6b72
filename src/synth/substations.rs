//! The substations layer: points with a voltage class, headroom and upgrades.
//!
//! Takes the [`Layout`] and a count; gives well-spread sites packed towards
//! downtown and kept on land (the first one at the port of a coastal region),
//! bigger voltage classes near the corridors, and streams
//! `substations.geojson`.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::layout::Layout;
use super::noise::{halton, salted, warp_towards};
use super::writer::{GeoWriter, Props, open_feature, push_position};
use super::{BLOCK_M, Profile, SALT_SUBSTATIONS, SynthError};

pub(super) struct VoltageClass {
    pub(super) kv: u64,
    pub(super) headroom_mw: (f64, f64),
    pub(super) upgrade_mw: (f64, f64),
}

pub(super) const VOLTAGE_CLASSES: [VoltageClass; 4] = [
    VoltageClass {
        kv: 69,
        headroom_mw: (10.0, 40.0),
        upgrade_mw: (20.0, 60.0),
    },
    VoltageClass {
        kv: 115,
        headroom_mw: (40.0, 150.0),
        upgrade_mw: (50.0, 200.0),
    },
    VoltageClass {
        kv: 230,
        headroom_mw: (150.0, 400.0),
        upgrade_mw: (150.0, 500.0),
    },
    VoltageClass {
        kv: 500,
        headroom_mw: (400.0, 1_000.0),
        upgrade_mw: (500.0, 1_500.0),
    },
];

impl Layout {
    /// Substation `k`: Halton point (well spread) squeezed towards downtown,
    /// kept on land.
    fn substation_site(&self, k: usize, shift: (f64, f64)) -> (f64, f64) {
        if k == 0
            && let Some(port) = self.port
        {
            return (port.0 + BLOCK_M, port.1);
        }
        let u = (halton(k as u64 + 1, 2) + shift.0).fract();
        let v = (halton(k as u64 + 1, 3) + shift.1).fract();
        let (w, h) = (self.width(), self.height());
        let y = warp_towards(v, self.city.1 / h, 1.6) * h;
        let row = ((y / BLOCK_M) as usize).min(self.ny - 1);
        let x_start = match self.profile {
            Profile::Suburban => 0.0,
            Profile::Coastal => (self.first_land_col(row) as f64 + 0.25) * BLOCK_M,
        }
        .min(w - BLOCK_M / 2.0);
        let span = w - x_start;
        let x = x_start + warp_towards(u, (self.city.0 - x_start) / span, 1.6) * span;
        (x, y)
    }

    /// Bigger transmission classes sit on the corridors.
    fn voltage_class(&self, p: (f64, f64), rng: &mut ChaCha8Rng) -> &'static VoltageClass {
        let near = (-self.corridor_distance(p) / 3_000.0).exp();
        let r = rng.random::<f64>();
        let class = if r < 0.03 + 0.12 * near {
            3
        } else if r < 0.15 + 0.30 * near {
            2
        } else if r < 0.55 + 0.15 * near {
            1
        } else {
            0
        };
        &VOLTAGE_CLASSES[class]
    }
}

pub(super) fn write_substations(
    layout: &Layout,
    count: usize,
    w: &mut GeoWriter,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<(), SynthError> {
    progress("substations", 0, count);
    let mut rng = ChaCha8Rng::seed_from_u64(salted(layout.seed, SALT_SUBSTATIONS));
    let shift = (rng.random::<f64>(), rng.random::<f64>());
    for k in 0..count {
        let p = layout.substation_site(k, shift);
        let mut class = layout.voltage_class(p, &mut rng);
        if k == 0 && layout.port.is_some() {
            class = &VOLTAGE_CLASSES[2];
        }
        let headroom = rng.random_range(class.headroom_mw.0..class.headroom_mw.1);
        let growth = headroom * rng.random_range(0.05..0.25);
        let flexible = headroom * rng.random_range(0.10..0.35);
        let has_flexible = rng.random_bool(0.2);
        let upgrade_mw = rng
            .random_range(class.upgrade_mw.0..class.upgrade_mw.1)
            .round();
        let usd_per_mw = rng.random_range(0.5e6..1.5e6);
        let has_upgrade = rng.random_bool(0.35);

        let buf = w.begin();
        open_feature(buf, "Point");
        push_position(buf, &layout.proj, p);
        let mut props = Props::open(buf);
        props.id("id", b'S', k + 1, 4);
        props.str_num("name", "Sub ", k + 1);
        props.uint("voltage_kv", class.kv);
        props.num("headroom_mw", headroom, 1);
        props.num("community_growth_mw", growth, 1);
        if has_flexible {
            props.num("flexible_mw", flexible, 1);
        }
        if has_upgrade {
            props.num("upgrade_mw", upgrade_mw, 0);
            props.uint(
                "upgrade_usd",
                (upgrade_mw * usd_per_mw / 10_000.0).round() as u64 * 10_000,
            );
        }
        props.close();
        w.commit()?;
    }
    progress("substations", count, count);
    Ok(())
}
