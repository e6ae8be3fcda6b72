//! Map layers (`maps/<region>/*.geojson`): reading and validating the five layers of the
//! contract into domain types.
//!
//! Takes a map folder; gives a [`Map`] of [`Substation`]s, [`FiberLine`]s, [`Parcel`]s,
//! [`Receptor`]s and [`Community`]s, or a [`LayerError`] naming the file, the feature (index and
//! id) and the property at fault.
//!
//! - `types`: the domain types of the five layers, and the units they are measured in.
//! - `readers`: the map folder and each layer's reader (which properties, which geometry,
//!   which values a feature may have).
//! - `validate`: the path every layer shares (parse, validate features in parallel, the first
//!   error in file order, duplicate ids).
//! - `fields`: typed access to one feature's properties, and [`FieldMap`] for sources whose
//!   field names are their own.
//! - [`geojson_in`], [`geometry`]: the streaming GeoJSON parser and the geometry decoder.

mod error;
mod fields;
pub mod geojson_in;
pub mod geometry;
mod profiles;
mod readers;
pub mod schema;
mod types;
mod validate;

pub use error::LayerError;
pub use fields::{FieldMap, Fields, number_in_text, number_to_id, whole_number};
pub use profiles::{PROFILES_FILE, read_profiles};
pub use readers::{
    LAYER_FILES, LINES_FILE, LOADS_FILE, load_map, read_communities, read_fiber, read_lines,
    read_loads, read_parcels, read_receptors, read_substations,
};
pub use types::{
    Community, FiberLine, Hosting, LargeLoad, Line, LoadProfiles, Map, Parcel, ProfileColumn,
    QueueStatus, Receptor, ReceptorGeometry, ReceptorKind, SQUARE_METRES_PER_ACRE, Substation,
    UNASSIGNED,
};
