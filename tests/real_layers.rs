//! The real public layers committed in `maps/<region>/sources/`, read through the project's own readers.

#[path = "common/data.rs"]
mod data;
use data::source;

use gridsite::import;
use gridsite::layers::FieldMap;

#[test]
fn sacramento_substations_read_with_voltage_classes() {
    let path = source("california/sacramento_substations.geojson");
    let substations = import::read_cec_substations(&path, "OBJECTID").unwrap();
    assert_eq!(substations.len(), 280);
    let kv: std::collections::BTreeSet<i64> =
        substations.iter().map(|s| s.voltage_kv as i64).collect();
    assert_eq!(kv.into_iter().collect::<Vec<_>>(), vec![12, 33, 110, 220]);
    assert!(substations.iter().all(|s| (-121.7..-120.9).contains(&s.point.x()) && (38.3..38.9).contains(&s.point.y())));
    let newcastle = substations
        .iter()
        .find(|s| s.name.as_deref() == Some("Newcastle"))
        .unwrap();
    assert_eq!(newcastle.voltage_kv, 110.0);
    assert_eq!(newcastle.headroom_mw, 100.0);
}

#[test]
fn sacramento_substation_ids_repeat_and_the_reader_says_where() {
    let path = source("california/sacramento_substations.geojson");
    let err = import::read_cec_substations(&path, "Substation_ID")
        .unwrap_err()
        .to_string();
    assert!(err.contains("sacramento_substations.geojson"), "{err}");
    assert!(err.contains("feature 269 (id \"SS3523\")"), "{err}");
    assert!(err.contains("Substation_ID"), "{err}");
    assert!(err.contains("duplicate"), "{err}");
}

#[test]
fn jeonbuk_admin_dongs_read_as_communities() {
    let path = source("korea/jeonbuk_admin_dong.geojson");
    let communities = import::read_admin_dongs(&path).unwrap();
    assert_eq!(communities.len(), 243);
    let first = &communities[0];
    assert_eq!(first.id, "3501160");
    assert!(first.name.ends_with("동서학동"), "{}", first.name);
    assert!(
        communities
            .iter()
            .all(|c| !c.shape.0.is_empty() && c.population == 0.0)
    );
}

#[test]
fn real_layers_without_a_field_map_name_the_missing_property() {
    let path = source("korea/jeonbuk_admin_dong.geojson");
    let err = gridsite::layers::read_communities(&path, &FieldMap::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("feature 0"), "{err}");
    assert!(err.contains(": id:"), "{err}");
}
