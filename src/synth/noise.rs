//! Hashing, noise and small math shared by every layer.
//!
//! Takes a seed (and a salt per independent stream) and local metres; gives
//! hashes, uniform numbers, smooth value noise, a low-discrepancy sequence,
//! and plane geometry helpers (distance, bilinear maps, ring area and
//! centroid). Pure functions, no state.

pub(super) fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Seed of one independent stream (layer, noise field, ...).
pub(super) fn salted(seed: u64, salt: u64) -> u64 {
    splitmix(seed ^ splitmix(salt.wrapping_mul(0xD6E8_FEB8_6659_FD93)))
}

pub(super) fn hash3(seed: u64, a: u64, b: u64) -> u64 {
    splitmix(
        splitmix(seed ^ a.wrapping_mul(0xA24B_AED4_963E_E407))
            ^ b.wrapping_mul(0x9FB2_1C65_1E98_DF25),
    )
}

/// Uniform in [0, 1).
pub(super) fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

pub(super) fn lerp(a: f64, b: f64, t: f64) -> f64 {
    a + (b - a) * t
}

fn smoothstep(t: f64) -> f64 {
    t * t * (3.0 - 2.0 * t)
}

/// Hash-based value noise in [0, 1], one lattice cell per unit.
fn value_noise(seed: u64, x: f64, y: f64) -> f64 {
    let (xf, yf) = (x.floor(), y.floor());
    let (tx, ty) = (smoothstep(x - xf), smoothstep(y - yf));
    let (ix, iy) = (xf as i64, yf as i64);
    let corner = |dx: i64, dy: i64| unit(hash3(seed, (ix + dx) as u64, (iy + dy) as u64));
    let bottom = lerp(corner(0, 0), corner(1, 0), tx);
    let top = lerp(corner(0, 1), corner(1, 1), tx);
    lerp(bottom, top, ty)
}

/// Two octaves of value noise at `scale_m` metres per lattice cell.
pub(super) fn fbm(seed: u64, p: (f64, f64), scale_m: f64) -> f64 {
    let (x, y) = (p.0 / scale_m, p.1 / scale_m);
    0.65 * value_noise(seed, x, y)
        + 0.35 * value_noise(seed ^ 0xA5A5_A5A5, x * 2.03 + 17.1, y * 2.03 + 9.7)
}

pub(super) fn dist(a: (f64, f64), b: (f64, f64)) -> f64 {
    (a.0 - b.0).hypot(a.1 - b.1)
}

pub(super) fn bilinear(q: &[(f64, f64); 4], u: f64, v: f64) -> (f64, f64) {
    let w = [(1.0 - u) * (1.0 - v), u * (1.0 - v), u * v, (1.0 - u) * v];
    (
        w[0] * q[0].0 + w[1] * q[1].0 + w[2] * q[2].0 + w[3] * q[3].0,
        w[0] * q[0].1 + w[1] * q[1].1 + w[2] * q[2].1 + w[3] * q[3].1,
    )
}

/// Signed area (positive = counter-clockwise) and area centroid of a ring
/// given without its closing point.
pub(super) fn ring_area_centroid(ring: &[(f64, f64)]) -> (f64, (f64, f64)) {
    let (ox, oy) = ring[0];
    let (mut a2, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for (k, &(x0, y0)) in ring.iter().enumerate() {
        let (x1, y1) = ring[(k + 1) % ring.len()];
        let (x0, y0, x1, y1) = (x0 - ox, y0 - oy, x1 - ox, y1 - oy);
        let cross = x0 * y1 - x1 * y0;
        a2 += cross;
        cx += (x0 + x1) * cross;
        cy += (y0 + y1) * cross;
    }
    if a2 == 0.0 {
        return (0.0, ring[0]);
    }
    (a2 / 2.0, (ox + cx / (3.0 * a2), oy + cy / (3.0 * a2)))
}

/// Low-discrepancy sequence: spreads substations without clumps.
pub(super) fn halton(mut i: u64, base: u64) -> f64 {
    let (mut f, mut r) = (1.0, 0.0);
    while i > 0 {
        f /= base as f64;
        r += f * (i % base) as f64;
        i /= base;
    }
    r
}

/// Monotone map of `[0, 1]` onto itself that packs points towards `c`.
pub(super) fn warp_towards(u: f64, c: f64, gamma: f64) -> f64 {
    let c = c.clamp(0.0, 1.0);
    if u < c {
        c - c * ((c - u) / c).powf(gamma)
    } else if c < 1.0 {
        c + (1.0 - c) * ((u - c) / (1.0 - c)).powf(gamma)
    } else {
        u
    }
}
