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
    /// Index into [`VOLTAGE_CLASSES`].
    fn voltage_class(&self, p: (f64, f64), rng: &mut ChaCha8Rng) -> usize {
        let near = (-self.corridor_distance(p) / 3_000.0).exp();
        let r = rng.random::<f64>();
        if r < 0.03 + 0.12 * near {
            3
        } else if r < 0.15 + 0.30 * near {
            2
        } else if r < 0.55 + 0.15 * near {
            1
        } else {
            0
        }
    }
}

/// One drawn substation, kept so the network can be laid out before the
/// substations are written (they carry its `supply_share`).
pub(super) struct Drawn {
    /// Local metres.
    pub(super) p: (f64, f64),
    /// Index into [`VOLTAGE_CLASSES`].
    pub(super) class: usize,
    pub(super) headroom_mw: f64,
    growth_mw: f64,
    flexible_mw: Option<f64>,
    /// Upgrade MW and USD.
    upgrade: Option<(f64, u64)>,
}

/// Draws `count` substations from the substations stream (the draws, and so
/// the bytes of every old property, do not depend on the network).
pub(super) fn draw_substations(layout: &Layout, count: usize) -> Vec<Drawn> {
    let mut rng = ChaCha8Rng::seed_from_u64(salted(layout.seed, SALT_SUBSTATIONS));
    let shift = (rng.random::<f64>(), rng.random::<f64>());
    (0..count)
        .map(|k| {
            let p = layout.substation_site(k, shift);
            let mut class = layout.voltage_class(p, &mut rng);
            if k == 0 && layout.port.is_some() {
                class = 2;
            }
            let spec = &VOLTAGE_CLASSES[class];
            let headroom_mw = rng.random_range(spec.headroom_mw.0..spec.headroom_mw.1);
            let growth_mw = headroom_mw * rng.random_range(0.05..0.25);
            let flexible = headroom_mw * rng.random_range(0.10..0.35);
            let has_flexible = rng.random_bool(0.2);
            let upgrade_mw = rng
                .random_range(spec.upgrade_mw.0..spec.upgrade_mw.1)
                .round();
            let usd_per_mw = rng.random_range(0.5e6..1.5e6);
            let has_upgrade = rng.random_bool(0.35);
            let upgrade_usd = (upgrade_mw * usd_per_mw / 10_000.0).round() as u64 * 10_000;
            Drawn {
                p,
                class,
                headroom_mw,
                growth_mw,
                flexible_mw: has_flexible.then_some(flexible),
                upgrade: has_upgrade.then_some((upgrade_mw, upgrade_usd)),
            }
        })
        .collect()
}

/// Streams `substations.geojson`; `supply_share[k]` is written on every
/// substation, last (the schema's order).
pub(super) fn write_substations(
    layout: &Layout,
    subs: &[Drawn],
    supply_share: &[f64],
    w: &mut GeoWriter,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<(), SynthError> {
    let count = subs.len();
    progress("substations", 0, count);
    for (k, s) in subs.iter().enumerate() {
        let buf = w.begin();
        open_feature(buf, "Point");
        push_position(buf, &layout.proj, s.p);
        let mut props = Props::open(buf);
        props.id("id", b'S', k + 1, 4);
        props.str_num("name", "Sub ", k + 1);
        props.uint("voltage_kv", VOLTAGE_CLASSES[s.class].kv);
        props.num("headroom_mw", s.headroom_mw, 1);
        props.num("community_growth_mw", s.growth_mw, 1);
        if let Some(flexible) = s.flexible_mw {
            props.num("flexible_mw", flexible, 1);
        }
        if let Some((mw, usd)) = s.upgrade {
            props.num("upgrade_mw", mw, 0);
            props.uint("upgrade_usd", usd);
        }
        props.num(
            "supply_share",
            supply_share.get(k).copied().unwrap_or(0.0),
            7,
        );
        props.close();
        w.commit()?;
    }
    progress("substations", count, count);
    Ok(())
}
