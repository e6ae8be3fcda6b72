//! Tests of [`generate`](super::generate) and the layers it writes.
//!
//! Takes small seeded configs; gives checks on whole output folders:
//! determinism, exact counts, geometry (closed, counter-clockwise, convex,
//! disjoint lots), property schemas, zoning shares, coastal water, invalid
//! options and atomic writes, and the network (connected, well-formed lines,
//! supply shares, base flows) with the older layers unchanged by it.

use super::*;
use serde_json::Value;
use std::collections::HashSet;

use super::layout::{Ground, Layout};
use super::noise::ring_area_centroid;
use super::substations::VOLTAGE_CLASSES;
use super::zoning::{ZONES, Zone};

const LAYERS: [&str; 6] = [
    "substations",
    "fiber",
    "parcels",
    "receptors",
    "communities",
    "lines",
];

/// Fresh, unique directory under the system temp dir.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gridsite-synth-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

fn run(cfg: &SynthConfig, name: &str) -> (PathBuf, SynthSummary) {
    let dir = temp_dir(name);
    let summary = generate(cfg, &dir, &mut |_, _, _| {}).expect("generate");
    (dir, summary)
}

fn coastal(seed: u64, parcels: usize, substations: usize) -> SynthConfig {
    SynthConfig {
        profile: Profile::Coastal,
        ..SynthConfig::new(seed, parcels, substations)
    }
}

fn read(dir: &Path, layer: &str) -> String {
    fs::read_to_string(dir.join(format!("{layer}.geojson"))).expect("read layer")
}

fn features(dir: &Path, layer: &str) -> Vec<Value> {
    let doc: Value = serde_json::from_str(&read(dir, layer)).expect("valid JSON");
    assert_eq!(doc["type"], "FeatureCollection", "{layer}");
    let feats = doc["features"].as_array().expect("features array").clone();
    for f in &feats {
        assert_eq!(f["type"], "Feature", "{layer}");
        assert!(f["properties"].is_object(), "{layer}");
    }
    feats
}

fn pt(v: &Value) -> (f64, f64) {
    (v[0].as_f64().expect("lon"), v[1].as_f64().expect("lat"))
}

/// Exterior ring without its closing point, after checking closure.
fn open_ring(f: &Value) -> Vec<(f64, f64)> {
    let rings = f["geometry"]["coordinates"].as_array().expect("rings");
    assert_eq!(rings.len(), 1, "one ring");
    let ring: Vec<(f64, f64)> = rings[0].as_array().expect("ring").iter().map(pt).collect();
    assert!(ring.len() >= 4, "ring too short");
    assert_eq!(ring[0], ring[ring.len() - 1], "ring not closed");
    ring[..ring.len() - 1].to_vec()
}

fn prop<'a>(f: &'a Value, key: &str) -> &'a Value {
    &f["properties"][key]
}

fn bbox(ring: &[(f64, f64)]) -> (f64, f64, f64, f64) {
    ring.iter()
        .fold((f64::MAX, f64::MAX, f64::MIN, f64::MIN), |b, p| {
            (b.0.min(p.0), b.1.min(p.1), b.2.max(p.0), b.3.max(p.1))
        })
}

fn small_configs() -> Vec<(SynthConfig, &'static str)> {
    vec![
        (SynthConfig::new(7, 2_000, 40), "sub2k"),
        (coastal(11, 3_000, 30), "coast3k"),
    ]
}

#[test]
fn same_config_gives_identical_bytes() {
    for (cfg, name) in small_configs() {
        let (a, sa) = run(&cfg, &format!("{name}-det-a"));
        let (b, sb) = run(&cfg, &format!("{name}-det-b"));
        assert_eq!(sa, sb);
        for layer in LAYERS {
            assert!(read(&a, layer) == read(&b, layer), "{name}/{layer} differs");
        }
        let other = SynthConfig {
            seed: cfg.seed + 1,
            ..cfg
        };
        let (c, _) = run(&other, &format!("{name}-det-c"));
        assert_ne!(read(&a, "parcels"), read(&c, "parcels"), "seed must matter");
        for d in [a, b, c] {
            let _ = fs::remove_dir_all(d);
        }
    }
}

#[test]
fn counts_match_config() {
    let cfg = SynthConfig::new(3, 2_000, 40);
    let (dir, s) = run(&cfg, "counts-default");
    assert_eq!(
        (s.parcels, s.substations, s.receptors, s.fiber_segments),
        (2_000, 40, 200, 40)
    );
    assert!(s.communities >= 5);
    let (dir2, s2) = run(
        &SynthConfig {
            receptors: Some(57),
            fiber_segments: Some(123),
            ..coastal(4, 1_234, 7)
        },
        "counts-explicit",
    );
    assert_eq!(
        (s2.parcels, s2.substations, s2.receptors, s2.fiber_segments),
        (1_234, 7, 57, 123)
    );
    for (d, s) in [(&dir, &s), (&dir2, &s2)] {
        assert_eq!(features(d, "parcels").len(), s.parcels);
        assert_eq!(features(d, "substations").len(), s.substations);
        assert_eq!(features(d, "receptors").len(), s.receptors);
        assert_eq!(features(d, "fiber").len(), s.fiber_segments);
        assert_eq!(features(d, "communities").len(), s.communities);
        assert_eq!(features(d, "lines").len(), s.lines);
        let on_disk: u64 = LAYERS
            .iter()
            .map(|l| {
                fs::metadata(d.join(format!("{l}.geojson")))
                    .map(|m| m.len())
                    .unwrap_or(0)
            })
            .sum();
        assert_eq!(on_disk, s.bytes_written);
    }
    let _ = fs::remove_dir_all(dir);
    let _ = fs::remove_dir_all(dir2);
}

#[test]
fn odd_sizes_still_match_exactly() {
    let cases = [
        (
            SynthConfig {
                receptors: Some(0),
                fiber_segments: Some(0),
                ..SynthConfig::new(1, 1, 1)
            },
            "one",
        ),
        (coastal(2, 7, 3), "seven"),
        (
            SynthConfig {
                fiber_segments: Some(5_000),
                receptors: Some(900),
                ..SynthConfig::new(5, 100, 2)
            },
            "dense",
        ),
    ];
    for (cfg, name) in cases {
        let (dir, s) = run(&cfg, &format!("odd-{name}"));
        assert_eq!(features(&dir, "parcels").len(), cfg.parcels, "{name}");
        assert_eq!(features(&dir, "fiber").len(), cfg.fiber_count(), "{name}");
        assert_eq!(
            features(&dir, "receptors").len(),
            cfg.receptor_count(),
            "{name}"
        );
        assert_eq!(s.substations, cfg.substations, "{name}");
        assert!(s.communities >= 4, "{name}");
        let _ = fs::remove_dir_all(dir);
    }
}

#[test]
fn polygons_are_closed_ccw_and_coordinates_short() {
    for (cfg, name) in small_configs() {
        let (dir, _) = run(&cfg, &format!("{name}-geom"));
        for layer in ["parcels", "communities", "receptors"] {
            for f in features(&dir, layer) {
                if f["geometry"]["type"] != "Polygon" {
                    continue;
                }
                let ring = open_ring(&f);
                let (area, _) = ring_area_centroid(&ring);
                assert!(area > 1e-10, "{layer} ring not CCW / degenerate: {area}");
            }
        }
        for f in features(&dir, "fiber") {
            assert_eq!(f["geometry"]["type"], "LineString");
            assert!(f["geometry"]["coordinates"].as_array().map_or(0, Vec::len) >= 2);
        }
        for layer in LAYERS {
            for line in read(&dir, layer).lines() {
                assert_coordinate_decimals(line);
            }
        }
        let _ = fs::remove_dir_all(dir);
    }
}

/// Every number inside `"coordinates":...` has at most 7 decimals.
fn assert_coordinate_decimals(line: &str) {
    let Some(start) = line.find("\"coordinates\":") else {
        return;
    };
    let rest = &line[start + 14..];
    let coords = &rest[..rest.find('}').expect("geometry end")];
    for token in coords.split(['[', ']', ',']).filter(|t| !t.is_empty()) {
        let decimals = token.split_once('.').map_or(0, |(_, frac)| frac.len());
        assert!(decimals <= 7, "too many decimals: {token}");
        assert!(token.parse::<f64>().is_ok(), "bad number {token}");
    }
}

/// Separating-axis test for convex polygons (touching counts as apart).
fn convex_overlap(a: &[(f64, f64)], b: &[(f64, f64)]) -> bool {
    for poly in [a, b] {
        for k in 0..poly.len() {
            let (p, q) = (poly[k], poly[(k + 1) % poly.len()]);
            let axis = (q.1 - p.1, p.0 - q.0);
            let proj = |s: &[(f64, f64)]| {
                s.iter().fold((f64::MAX, f64::MIN), |r, v| {
                    let d = v.0 * axis.0 + v.1 * axis.1;
                    (r.0.min(d), r.1.max(d))
                })
            };
            let (pa, pb) = (proj(a), proj(b));
            if pa.1 <= pb.0 || pb.1 <= pa.0 {
                return false;
            }
        }
    }
    true
}

fn is_convex_ccw(ring: &[(f64, f64)]) -> bool {
    (0..ring.len()).all(|k| {
        let (a, b, c) = (
            ring[k],
            ring[(k + 1) % ring.len()],
            ring[(k + 2) % ring.len()],
        );
        (b.0 - a.0) * (c.1 - b.1) - (b.1 - a.1) * (c.0 - b.0) > 0.0
    })
}

#[test]
fn parcels_are_convex_and_do_not_overlap() {
    for (cfg, name) in small_configs() {
        let (dir, _) = run(&cfg, &format!("{name}-overlap"));
        let rings: Vec<Vec<(f64, f64)>> = features(&dir, "parcels").iter().map(open_ring).collect();
        assert!(
            rings.iter().all(|r| is_convex_ccw(r)),
            "{name}: non-convex parcel"
        );
        // Sweep over x so only nearby pairs are tested.
        let mut order: Vec<(f64, f64, f64, f64, usize)> = rings
            .iter()
            .enumerate()
            .map(|(k, r)| {
                let b = bbox(r);
                (b.0, b.1, b.2, b.3, k)
            })
            .collect();
        order.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (n, a) in order.iter().enumerate() {
            for b in order[n + 1..].iter().take_while(|b| b.0 < a.2) {
                if b.1 < a.3 && a.1 < b.3 {
                    assert!(
                        !convex_overlap(&rings[a.4], &rings[b.4]),
                        "{name}: parcels {} and {} overlap",
                        a.4,
                        b.4
                    );
                }
            }
        }
        let _ = fs::remove_dir_all(dir);
    }
}

#[test]
fn every_parcel_centroid_is_in_a_community() {
    for (cfg, name) in small_configs() {
        let (dir, _) = run(&cfg, &format!("{name}-comm"));
        let boxes: Vec<_> = features(&dir, "communities")
            .iter()
            .map(|f| bbox(&open_ring(f)))
            .collect();
        for f in features(&dir, "parcels") {
            let (_, c) = ring_area_centroid(&open_ring(&f));
            let inside = boxes
                .iter()
                .any(|b| b.0 <= c.0 && c.0 <= b.2 && b.1 <= c.1 && c.1 <= b.3);
            assert!(inside, "{name}: centroid {c:?} outside all communities");
        }
        let _ = fs::remove_dir_all(dir);
    }
}

fn assert_unique_ids(feats: &[Value], letter: char, layer: &str) {
    let mut seen = HashSet::new();
    for f in feats {
        let id = prop(f, "id").as_str().expect("string id");
        assert!(
            id.starts_with(letter) && id[1..].chars().all(|c| c.is_ascii_digit()),
            "{layer}: {id}"
        );
        assert!(seen.insert(id.to_string()), "{layer}: duplicate {id}");
    }
}

fn num(f: &Value, key: &str) -> f64 {
    prop(f, key)
        .as_f64()
        .unwrap_or_else(|| panic!("missing number {key}: {f}"))
}

#[test]
fn every_property_written_is_in_the_layer_schema() {
    use crate::layers::schema::Layer;
    for (cfg, name) in small_configs() {
        // With the queue, so that `loads.geojson` is written and checked too.
        let cfg = SynthConfig {
            profiles: true,
            ..cfg
        };
        let (dir, _) = run(&cfg, &format!("{name}-schema"));
        for layer in Layer::ALL {
            let known = layer.property_names();
            let feats = features(&dir, layer.name());
            assert!(!feats.is_empty(), "{name}: {layer} is empty");
            // Every property of the schema is written somewhere in the layer.
            for property in &known {
                assert!(
                    feats.iter().any(|f| !prop(f, property).is_null()),
                    "{name}: {layer} never writes {property}"
                );
            }
            for f in feats {
                let written = f["properties"].as_object().expect("properties");
                for key in written.keys() {
                    assert!(
                        known.contains(&key.as_str()),
                        "{layer}: {key} is not in the schema"
                    );
                }
                for property in layer.properties().iter().filter(|p| p.required) {
                    assert!(
                        written.contains_key(property.name),
                        "{layer}: {} missing",
                        property.name
                    );
                }
            }
        }
        // Lines carry every property of the schema, in its order.
        let keys: Vec<String> = Layer::Lines
            .property_names()
            .iter()
            .map(|p| format!("\"{p}\":"))
            .collect();
        for line in read(&dir, "lines")
            .lines()
            .filter(|l| l.contains("\"Feature\""))
        {
            let at: Vec<usize> = keys
                .iter()
                .map(|k| {
                    line.find(k.as_str())
                        .unwrap_or_else(|| panic!("{k} in {line}"))
                })
                .collect();
            assert!(at.windows(2).all(|w| w[0] < w[1]), "order: {line}");
        }
        let _ = fs::remove_dir_all(dir);
    }
}

#[test]
fn properties_follow_schema() {
    for (cfg, name) in small_configs() {
        let (dir, _) = run(&cfg, &format!("{name}-props"));
        let subs = features(&dir, "substations");
        assert_unique_ids(&subs, 'S', "substations");
        for f in &subs {
            assert_eq!(f["geometry"]["type"], "Point");
            let kv = prop(f, "voltage_kv").as_u64().expect("kv");
            let class = VOLTAGE_CLASSES
                .iter()
                .find(|c| c.kv == kv)
                .expect("known class");
            let head = num(f, "headroom_mw");
            assert!(
                (class.headroom_mw.0..=class.headroom_mw.1).contains(&head),
                "{f}"
            );
            let growth = num(f, "community_growth_mw");
            assert!(growth >= 0.04 * head && growth <= 0.26 * head, "{f}");
            assert!(
                prop(f, "name")
                    .as_str()
                    .is_some_and(|n| n.starts_with("Sub "))
            );
            if let Some(mw) = prop(f, "upgrade_mw").as_f64() {
                let per_mw = num(f, "upgrade_usd") / mw;
                assert!((0.49e6..=1.51e6).contains(&per_mw), "{f}");
            }
        }
        let fiber = features(&dir, "fiber");
        assert_unique_ids(&fiber, 'F', "fiber");
        assert!(fiber.iter().any(|f| prop(f, "kind") == "long_haul"));
        assert!(fiber.iter().any(|f| prop(f, "kind") == "metro"));

        let parcels = features(&dir, "parcels");
        assert_unique_ids(&parcels, 'P', "parcels");
        for f in &parcels {
            let zoning = prop(f, "zoning").as_str().expect("zoning");
            let spec = ZONES
                .iter()
                .find(|z| z.name == zoning)
                .expect("known zoning");
            let usd = num(f, "land_usd_per_acre");
            assert!(
                (spec.usd_per_acre.0..=spec.usd_per_acre.1).contains(&usd),
                "{f}"
            );
            assert!((0.0..=5.0).contains(&num(f, "water_stress")));
            let brownfield = prop(f, "brownfield").as_bool().expect("bool");
            assert!(!brownfield || zoning == "industrial");
        }
        assert!(parcels.iter().any(|f| prop(f, "brownfield") == true));

        let receptors = features(&dir, "receptors");
        assert_unique_ids(&receptors, 'R', "receptors");
        for f in &receptors {
            let kind = prop(f, "kind").as_str().expect("kind");
            let geometry = f["geometry"]["type"].as_str().expect("type");
            match kind {
                "residential" => assert_eq!(geometry, "Point"),
                "school" | "hospital" => {
                    assert_eq!(geometry, "Point");
                    assert!(prop(f, "name").is_string());
                }
                "protected" => assert_eq!(geometry, "Polygon"),
                other => panic!("unknown receptor kind {other}"),
            }
        }
        for kind in ["residential", "school", "hospital", "protected"] {
            assert!(
                receptors.iter().any(|f| prop(f, "kind") == kind),
                "{name}: no {kind}"
            );
        }

        let comms = features(&dir, "communities");
        assert_unique_ids(&comms, 'C', "communities");
        for f in &comms {
            assert!(prop(f, "population").is_u64(), "{f}");
            assert!(prop(f, "name").is_string());
            assert!((0.0..=100.0).contains(&num(f, "burden_pct")));
        }
        let _ = fs::remove_dir_all(dir);
    }
}

fn acres_of(ring: &[(f64, f64)], lat: f64) -> f64 {
    let m2_per_deg2 = M_PER_DEG_LAT * M_PER_DEG_LAT * lat.to_radians().cos();
    ring_area_centroid(ring).0 * m2_per_deg2 / SQM_PER_ACRE
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[test]
fn zoning_shares_and_lot_sizes_are_realistic() {
    let cfg = SynthConfig::new(21, 20_000, 100);
    let (dir, _) = run(&cfg, "shares");
    let parcels = features(&dir, "parcels");
    let of = |zone: &str| -> Vec<f64> {
        parcels
            .iter()
            .filter(|f| prop(f, "zoning") == zone)
            .map(|f| acres_of(&open_ring(f), cfg.center_lat))
            .collect()
    };
    for spec in &ZONES {
        let share = of(spec.name).len() as f64 / parcels.len() as f64;
        assert!(
            (share - spec.count_share).abs() < 0.02,
            "{} share {share}",
            spec.name
        );
    }
    let residential = median(of("residential"));
    let industrial = of("industrial");
    assert!(
        (1.0..=10.0).contains(&residential),
        "residential median {residential}"
    );
    assert!(
        industrial.iter().all(|a| (38.0..=200.0).contains(a)),
        "industrial lot out of range"
    );
    let all: Vec<f64> = parcels
        .iter()
        .map(|f| acres_of(&open_ring(f), cfg.center_lat))
        .collect();
    let typical = all.iter().filter(|a| (1.0..=150.0).contains(*a)).count();
    assert!(typical as f64 > 0.97 * all.len() as f64);
    // Land is dearer downtown: residential prices fall with distance.
    let center = (cfg.center_lon, cfg.center_lat);
    let (mut near, mut far) = (Vec::new(), Vec::new());
    for f in parcels
        .iter()
        .filter(|f| prop(f, "zoning") == "residential")
    {
        let c = ring_area_centroid(&open_ring(f)).1;
        let d = (c.0 - center.0).hypot(c.1 - center.1);
        let usd = num(f, "land_usd_per_acre");
        if d < 0.05 {
            near.push(usd)
        } else if d > 0.12 {
            far.push(usd)
        }
    }
    assert!(median(near) > median(far));
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn coastal_keeps_parcels_on_land() {
    let cfg = coastal(11, 3_000, 30);
    let layout = Layout::build(&cfg).expect("layout");
    assert!(
        layout
            .blocks
            .iter()
            .all(|b| b.ground != Ground::Water || b.count == 0)
    );
    assert!(layout.blocks.iter().any(|b| b.ground == Ground::Water));
    assert!(
        layout
            .blocks
            .iter()
            .any(|b| b.ground == Ground::Port && b.count > 0)
    );
    let reclaimed: Vec<_> = layout
        .blocks
        .iter()
        .filter(|b| b.ground == Ground::Reclaimed)
        .collect();
    assert!(!reclaimed.is_empty() && reclaimed.iter().all(|b| b.zone == Zone::Industrial));
    // The western fifth of the region is open water.
    let west = layout.proj.lon(0.2 * layout.width());
    let (dir, _) = run(&cfg, "coast-water");
    for f in features(&dir, "parcels") {
        let c = ring_area_centroid(&open_ring(&f)).1;
        assert!(c.0 > west, "parcel in the water at {c:?}");
    }
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn invalid_options_are_rejected() {
    let dir = temp_dir("invalid");
    let bad = [
        (SynthConfig::new(1, 0, 5), "parcels"),
        (SynthConfig::new(1, 10, 0), "substations"),
        (
            SynthConfig {
                center_lon: 181.0,
                ..SynthConfig::new(1, 10, 1)
            },
            "center_lon",
        ),
        (
            SynthConfig {
                center_lat: f64::NAN,
                ..SynthConfig::new(1, 10, 1)
            },
            "center_lat",
        ),
        (
            SynthConfig {
                center_lat: 89.0,
                ..SynthConfig::new(1, 10, 1)
            },
            "center_lat",
        ),
        (
            SynthConfig {
                center_lon: 179.99,
                ..SynthConfig::new(1, 100_000, 1)
            },
            "center_lon",
        ),
    ];
    for (cfg, option) in bad {
        match generate(&cfg, &dir, &mut |_, _, _| {}) {
            Err(SynthError::InvalidOption { option: o, .. }) => assert_eq!(o, option),
            other => panic!("{option}: expected InvalidOption, got {other:?}"),
        }
    }
    assert!(!dir.exists(), "nothing is written for invalid options");
}

#[test]
fn writes_atomically_and_reports_progress() {
    let dir = temp_dir("atomic").join("nested/out");
    let mut last = std::collections::BTreeMap::new();
    let cfg = SynthConfig::new(9, 500, 5);
    let summary = generate(&cfg, &dir, &mut |layer, done, total| {
        assert!(done <= total);
        last.insert(layer.to_string(), (done, total));
    })
    .expect("generate");
    for layer in LAYERS {
        let (done, total) = last[layer];
        assert_eq!(done, total, "{layer} progress incomplete");
    }
    assert_eq!(last["parcels"], (500, 500));
    let names: Vec<String> = fs::read_dir(&dir)
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    assert_eq!(names.len(), 6, "{names:?}");
    assert!(names.iter().all(|n| n.ends_with(".geojson")), "{names:?}");
    // Re-running over existing files replaces them cleanly.
    assert_eq!(
        generate(&cfg, &dir, &mut |_, _, _| {}).expect("rerun"),
        summary
    );
    let _ = fs::remove_dir_all(temp_dir("atomic"));
}

mod network;
