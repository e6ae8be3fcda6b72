//! The program's rows, addressed by family: each constraint family owns its rows, the model
//! says where they are ([`SitingModel::rows_of`]) and names each one (`family[k]`), so nothing
//! counts the families before a row to find it.

use std::path::PathBuf;

use gridsite::grid::security::FlowRows;
use gridsite::model::constraints::FAMILIES;
use gridsite::model::{ModelInput, Relaxation, RowFamily, SitingModel};
use gridsite::pipeline;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn families_own_consecutive_rows_in_the_contract_order_and_name_them() {
    // The suburban map has lines (flow rows), communities and spacing: most families have rows.
    let prepared = pipeline::prepare(&repo().join("scenarios/suburban-500mw.toml")).unwrap();
    let (scenario, map) = (&prepared.scenario, &prepared.map);
    let mut input = ModelInput::new(
        scenario,
        map,
        &prepared.network,
        &prepared.index,
        &prepared.screening.candidates,
    );
    input.flow_rows = FlowRows::new(&prepared.network, map, scenario, None).reachable;
    let model = SitingModel::build(&input, Relaxation::None);
    let mut next = 0;
    let mut families_with_rows = 0;
    for (family, name, build) in FAMILIES {
        let range = model.rows_of(family);
        // Counted independently: the family's own function, called again.
        let own = build(&model, &input).len();
        assert_eq!(
            range.start, next,
            "{name} starts where the one before it ends"
        );
        assert_eq!(range.len(), own, "{name}: its rows");
        assert_eq!(family.name(), name);
        if !range.is_empty() {
            families_with_rows += 1;
            assert_eq!(model.row_name(range.start), Some(format!("{name}[0]")));
            let last = range.end - 1;
            assert_eq!(model.row_name(last), Some(format!("{name}[{}]", own - 1)));
        }
        next = range.end;
    }
    assert_eq!(
        next,
        model.constraints.len(),
        "the families cover every row"
    );
    assert_eq!(model.row_name(next), None);
    assert!(
        families_with_rows >= 6,
        "only {families_with_rows} families have rows"
    );
    assert!(
        !model.rows_of(RowFamily::Flows).is_empty(),
        "a map with lines has flow rows"
    );
    // The flow family, counted from the model's own data: two rows a substation load (its
    // definition, all and firm), then both sides of each line row.
    let flows = model.rows_of(RowFamily::Flows);
    assert_eq!(
        flows.len(),
        2 * model.loads.len() + 2 * input.flow_rows.len()
    );
}
