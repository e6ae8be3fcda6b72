//! The real public layers committed in `maps/<region>/sources/`, read through the project's own readers.

#[path = "common/data.rs"]
mod data;
use data::source;

use std::path::Path;

use gridsite::import::Recipe;
use gridsite::import::build::headroom_mw_for;
use gridsite::layers::geojson_in::Scalar;
use gridsite::layers::{self, Community, FieldMap, LayerError, Substation};

// Field maps that read single real layers straight through the contract's readers (the
// recipes do this for whole maps; these hold the readers' `FieldMap` to the real files).

/// California Energy Commission substations: `id_field` as id (the CEC's `Substation_ID`
/// repeats: SS3523 names two stations, so `OBJECTID`), `Substation_Name`, and the voltage
/// class's lower bound from `Highest_kV` ("110kV to 161kV" → 110 kV).
fn cec_substation_fields(id_field: &str) -> FieldMap {
    let mut map = FieldMap::default();
    map.rename.insert("id".into(), id_field.into());
    map.rename.insert("name".into(), "Substation_Name".into());
    map.rename.insert("voltage_kv".into(), "Highest_kV".into());
    map.leading_number.insert("voltage_kv".into());
    // Derived below from the voltage class; the reader needs a value to start from.
    map.defaults.insert("headroom_mw".into(), Scalar::Num(0.0));
    map
}

/// Reads CEC substations, ids from `id_field`, with headroom from the voltage class by the
/// Sacramento recipe's `headroom_by_voltage`.
fn read_cec_substations(path: &Path, id_field: &str) -> Result<Vec<Substation>, LayerError> {
    let recipe = Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/sacramento/recipe.toml");
    let classes = Recipe::load(&recipe).unwrap().headroom_by_voltage;
    let mut substations = layers::read_substations(path, &cec_substation_fields(id_field))?;
    for s in &mut substations {
        s.headroom_mw = headroom_mw_for(&classes, s.voltage_kv).unwrap();
    }
    Ok(substations)
}

/// Korean administrative dongs (vuski/admdongkor): `adm_cd` as id, `adm_nm` as name. The layer
/// has no population: it reads as 0 until a census table is joined.
fn read_admin_dongs(path: &Path) -> Result<Vec<Community>, LayerError> {
    let mut map = FieldMap::default();
    map.rename.insert("id".into(), "adm_cd".into());
    map.rename.insert("name".into(), "adm_nm".into());
    map.defaults.insert("population".into(), Scalar::Num(0.0));
    layers::read_communities(path, &map)
}

#[test]
fn sacramento_substations_read_with_voltage_classes() {
    let path = source("california/sacramento_substations.geojson");
    let substations = read_cec_substations(&path, "OBJECTID").unwrap();
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
    let err = read_cec_substations(&path, "Substation_ID")
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
    let communities = read_admin_dongs(&path).unwrap();
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
    let err = layers::read_communities(&path, &FieldMap::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("feature 0"), "{err}");
    assert!(err.contains(": id:"), "{err}");
}
