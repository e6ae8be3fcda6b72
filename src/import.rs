//! Field maps for real public layers (`../shared/data`), read through the same readers as the
//! project's own maps.
//!
//! Takes a source file; gives the contract's domain types. Public layers carry no capacities:
//! [`headroom_mw_for_voltage`] derives a planning headroom from the voltage class, a stated
//! rule (README, "Real layers") to be replaced by a utility's own figures where they exist.

use std::path::Path;

use crate::layers::geojson_in::Scalar;
use crate::layers::{self, Community, FieldMap, LayerError, Substation};

/// California Energy Commission substations: `OBJECTID` as id (the CEC's `Substation_ID`
/// repeats: SS3523 names two stations), `Substation_Name`, and the voltage class's lower bound
/// from `Highest_kV` ("110kV to 161kV" → 110 kV).
pub fn cec_substation_fields(id_field: &str) -> FieldMap {
    let mut map = FieldMap::default();
    map.rename.insert("id".into(), id_field.into());
    map.rename.insert("name".into(), "Substation_Name".into());
    map.rename.insert("voltage_kv".into(), "Highest_kV".into());
    map.leading_number.insert("voltage_kv".into());
    // Derived below from the voltage class; the reader needs a value to start from.
    map.defaults.insert("headroom_mw".into(), Scalar::Num(0.0));
    map
}

/// Planning headroom for new load by voltage class, in MW: distribution (< 33 kV) 5,
/// sub-transmission (33–109 kV) 30, 110–219 kV 100, 220–344 kV 300, 345 kV and above 600.
pub fn headroom_mw_for_voltage(voltage_kv: f64) -> f64 {
    match voltage_kv {
        v if v < 33.0 => 5.0,
        v if v < 110.0 => 30.0,
        v if v < 220.0 => 100.0,
        v if v < 345.0 => 300.0,
        _ => 600.0,
    }
}

/// Reads CEC substations, ids from `id_field`, with headroom from the voltage class.
pub fn read_cec_substations(path: &Path, id_field: &str) -> Result<Vec<Substation>, LayerError> {
    let (mut substations, _) = layers::read_substations(path, &cec_substation_fields(id_field))?;
    for s in &mut substations {
        s.headroom_mw = headroom_mw_for_voltage(s.voltage_kv);
    }
    Ok(substations)
}

/// Korean administrative dongs (vuski/admdongkor): `adm_cd` as id, `adm_nm` as name. The layer
/// has no population: it reads as 0 until a census table is joined.
pub fn admin_dong_fields() -> FieldMap {
    let mut map = FieldMap::default();
    map.rename.insert("id".into(), "adm_cd".into());
    map.rename.insert("name".into(), "adm_nm".into());
    map.defaults.insert("population".into(), Scalar::Num(0.0));
    map
}

/// Reads administrative dongs as communities.
pub fn read_admin_dongs(path: &Path) -> Result<Vec<Community>, LayerError> {
    layers::read_communities(path, &admin_dong_fields()).map(|(communities, _)| communities)
}
