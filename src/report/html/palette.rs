//! The page's colours, one home for each: exclusion reasons, and the green–yellow–red ramp of
//! utilization and loading. The legend is drawn from the same tables.

/// Exclusion reasons as the map groups them (every `setback:<kind>` is `setback`), in the
/// contract's order.
pub const REASON_GROUPS: [&str; 7] = [
    "zoning",
    "setback",
    "burden",
    "water",
    "fiber",
    "no_feed",
    "too_small",
];

/// The group a reason is drawn in.
pub fn reason_group(reason: &str) -> &str {
    if reason.starts_with("setback") {
        "setback"
    } else {
        reason
    }
}

/// The fill of an excluded parcel by its reason (ColorBrewer Set2/Pastel, colour-blind safe
/// enough for seven classes).
pub fn reason_colour(reason: &str) -> &'static str {
    match reason_group(reason) {
        "zoning" => "#b3b3b3",
        "setback" => "#fc8d62",
        "burden" => "#e78ac3",
        "water" => "#66c2a5",
        "fiber" => "#8da0cb",
        "no_feed" => "#ffd92f",
        "too_small" => "#e5c494",
        _ => "#cccccc",
    }
}

/// The ramp's stops: share (0 = idle, 1 = at its limit) and colour.
pub const RAMP: [(f64, [u8; 3]); 3] = [
    (0.0, [0x1a, 0x98, 0x50]),
    (0.5, [0xfe, 0xe0, 0x8b]),
    (1.0, [0xd7, 0x30, 0x27]),
];

/// The colour of a share of a limit (utilization, loading): green at 0, yellow at 0.5, red at
/// 1 and beyond.
pub fn ramp_colour(share: f64) -> String {
    let s = if share.is_finite() {
        share.clamp(0.0, 1.0)
    } else {
        1.0
    };
    let (lo, hi) = if s <= RAMP[1].0 {
        (RAMP[0], RAMP[1])
    } else {
        (RAMP[1], RAMP[2])
    };
    let t = (s - lo.0) / (hi.0 - lo.0);
    let channel = |i: usize| (lo.1[i] as f64 + t * (hi.1[i] as f64 - lo.1[i] as f64)).round() as u8;
    format!("#{:02x}{:02x}{:02x}", channel(0), channel(1), channel(2))
}

/// Sites' fill.
pub const SITE_COLOUR: &str = "#6a3d9a";
/// Feeds' stroke.
pub const FEED_COLOUR: &str = "#1f78b4";
/// Communities' outline.
pub const COMMUNITY_COLOUR: &str = "#555555";

/// A network bus without headroom for new load: a small grey dot.
pub const NETWORK_BUS: &str = "#9e9e9e";

/// A large load's colour by its status (`loads.geojson`; ColorBrewer Dark2 without its purple,
/// which the sites use). Counted statuses are drawn filled, the others hollow.
pub fn load_status_colour(status: crate::layers::QueueStatus) -> &'static str {
    use crate::layers::QueueStatus;
    match status {
        QueueStatus::Operating => "#666666",
        QueueStatus::Construction => "#d95f02",
        QueueStatus::Signed => "#e7298a",
        QueueStatus::Study => "#1b9e77",
        QueueStatus::Withdrawn => "#a6761d",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramp_runs_green_yellow_red_and_clamps() {
        assert_eq!(ramp_colour(0.0), "#1a9850");
        assert_eq!(ramp_colour(0.5), "#fee08b");
        assert_eq!(ramp_colour(1.0), "#d73027");
        assert_eq!(ramp_colour(3.0), "#d73027");
        assert_eq!(ramp_colour(f64::NAN), "#d73027");
    }

    #[test]
    fn every_setback_kind_is_one_group() {
        assert_eq!(reason_group("setback:school"), "setback");
        assert_eq!(reason_colour("setback:home"), reason_colour("setback"));
        assert_ne!(reason_colour("water"), reason_colour("fiber"));
    }

    #[test]
    fn every_load_status_has_its_own_colour() {
        let colours: std::collections::BTreeSet<&str> = (crate::layers::QueueStatus::ALL)
            .into_iter()
            .map(load_status_colour)
            .collect();
        assert_eq!(colours.len(), crate::layers::QueueStatus::ALL.len());
        assert!(!colours.contains(SITE_COLOUR));
    }
}
