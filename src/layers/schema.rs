//! The contract's layer schema, written once (docs/contract.md, "Map layers"): each layer's file,
//! its properties with their types, and the geometries it accepts. The readers take their
//! property lists and geometries from here; the importer maps sources onto it.

use geo::Geometry;

use super::geometry::Accepts;

/// One of the five layers of a map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Layer {
    Substations,
    Fiber,
    Parcels,
    Receptors,
    Communities,
    /// The optional transmission network (`lines.geojson`).
    Lines,
    /// The optional large loads, connected and queued (`loads.geojson`).
    Loads,
}

/// The type a contract property is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string; a source number is written as its decimal.
    Text,
    /// A number; a source string is parsed (optionally its leading number).
    Number,
    /// A boolean; a source string `true`/`false`/`yes`/`no`/`1`/`0` is accepted.
    Bool,
}

/// A property of a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Property {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
}

const fn prop(name: &'static str, kind: Kind, required: bool) -> Property {
    Property {
        name,
        kind,
        required,
    }
}

const SUBSTATION: &[Property] = &[
    prop("name", Kind::Text, false),
    prop("voltage_kv", Kind::Number, true),
    prop("headroom_mw", Kind::Number, true),
    prop("flexible_mw", Kind::Number, false),
    prop("community_growth_mw", Kind::Number, false),
    prop("upgrade_mw", Kind::Number, false),
    prop("upgrade_usd", Kind::Number, false),
    prop("supply_share", Kind::Number, false),
];
const LINE: &[Property] = &[
    prop("from", Kind::Text, true),
    prop("to", Kind::Text, true),
    prop("x_pu", Kind::Number, true),
    prop("rating_mw", Kind::Number, true),
    prop("name", Kind::Text, false),
    prop("voltage_kv", Kind::Number, false),
    prop("base_flow_mw", Kind::Number, false),
    prop("emergency_rating_mw", Kind::Number, false),
];
const LOAD: &[Property] = &[
    prop("substation", Kind::Text, true),
    prop("mw", Kind::Number, true),
    prop("status", Kind::Text, true),
    prop("name", Kind::Text, false),
    prop("in_service_year", Kind::Number, false),
];
const FIBER: &[Property] = &[prop("kind", Kind::Text, false)];
const PARCEL: &[Property] = &[
    prop("zoning", Kind::Text, true),
    prop("land_usd_per_acre", Kind::Number, true),
    prop("brownfield", Kind::Bool, false),
    prop("water_stress", Kind::Number, false),
];
const RECEPTOR: &[Property] = &[
    prop("kind", Kind::Text, true),
    prop("name", Kind::Text, false),
];
const COMMUNITY: &[Property] = &[
    prop("name", Kind::Text, true),
    prop("population", Kind::Number, true),
    prop("burden_pct", Kind::Number, false),
];

impl Layer {
    /// Every layer a map must have, in the contract's order.
    pub const REQUIRED: [Layer; 5] = [
        Layer::Substations,
        Layer::Fiber,
        Layer::Parcels,
        Layer::Receptors,
        Layer::Communities,
    ];

    /// Every layer, in the contract's order: the required five, then the optional lines and
    /// large loads.
    pub const ALL: [Layer; 7] = [
        Layer::Substations,
        Layer::Fiber,
        Layer::Parcels,
        Layer::Receptors,
        Layer::Communities,
        Layer::Lines,
        Layer::Loads,
    ];

    /// Whether a map may leave this layer out.
    pub fn optional(self) -> bool {
        matches!(self, Layer::Lines | Layer::Loads)
    }

    /// The layer's name, as in the recipe (`[[substations]]`).
    pub fn name(self) -> &'static str {
        match self {
            Layer::Substations => "substations",
            Layer::Fiber => "fiber",
            Layer::Parcels => "parcels",
            Layer::Receptors => "receptors",
            Layer::Communities => "communities",
            Layer::Lines => "lines",
            Layer::Loads => "loads",
        }
    }

    /// The layer's file in a map folder.
    pub fn file(self) -> &'static str {
        match self {
            Layer::Lines => crate::layers::LINES_FILE,
            Layer::Loads => crate::layers::LOADS_FILE,
            required => crate::layers::LAYER_FILES[required as usize],
        }
    }

    /// The layer's properties besides `id`, in the order they are written.
    pub fn properties(self) -> &'static [Property] {
        match self {
            Layer::Substations => SUBSTATION,
            Layer::Fiber => FIBER,
            Layer::Parcels => PARCEL,
            Layer::Receptors => RECEPTOR,
            Layer::Communities => COMMUNITY,
            Layer::Lines => LINE,
            Layer::Loads => LOAD,
        }
    }

    /// The property called `name` (`id` is a text property of every layer).
    pub fn property(self, name: &str) -> Option<Property> {
        if name == "id" {
            return Some(prop("id", Kind::Text, true));
        }
        self.properties().iter().copied().find(|p| p.name == name)
    }

    /// `id` and the layer's properties: every property a feature of the layer may carry.
    pub fn property_names(self) -> Vec<&'static str> {
        std::iter::once("id")
            .chain(self.properties().iter().map(|p| p.name))
            .collect()
    }

    /// The kinds of geometry the layer takes: points, lines, areas.
    pub fn shapes(self) -> Accepts {
        let (point, lines, areas) = match self {
            Layer::Substations | Layer::Loads => (true, false, false),
            Layer::Fiber => (true, true, false),
            Layer::Parcels | Layer::Communities => (false, false, true),
            Layer::Receptors => (true, false, true),
            Layer::Lines => (false, true, false),
        };
        Accepts {
            point,
            lines,
            areas,
        }
    }

    /// Whether the contract accepts this geometry type in this layer.
    pub fn accepts(self, geometry: &Geometry) -> bool {
        use Geometry as G;
        let shapes = self.shapes();
        match geometry {
            G::Point(_) => shapes.point,
            G::LineString(_) | G::MultiLineString(_) => shapes.lines,
            G::Polygon(_) | G::MultiPolygon(_) => shapes.areas,
            _ => false,
        }
    }
}

impl std::fmt::Display for Layer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The name of a geometry's type, for messages.
pub fn geometry_name(geometry: &Geometry) -> &'static str {
    use Geometry as G;
    match geometry {
        G::Point(_) => "Point",
        G::Line(_) => "Line",
        G::LineString(_) => "LineString",
        G::Polygon(_) => "Polygon",
        G::MultiPoint(_) => "MultiPoint",
        G::MultiLineString(_) => "MultiLineString",
        G::MultiPolygon(_) => "MultiPolygon",
        G::GeometryCollection(_) => "GeometryCollection",
        G::Rect(_) => "Rect",
        G::Triangle(_) => "Triangle",
    }
}
