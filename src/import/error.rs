//! Why an import failed: each error names the recipe, the layer, the source file, the
//! feature (its index in the source) and the field at fault, as far as they apply.

use std::path::PathBuf;

use crate::files::WriteError;
use crate::sources::SourceError;
use crate::synth::SynthError;

use super::recipe::RecipeError;

/// An import that wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The recipe cannot be read, is not TOML, has an unknown key or a wrong type.
    #[error(transparent)]
    Recipe(#[from] RecipeError),
    /// The source could not be read: missing file, not the format the recipe says, unknown CRS.
    #[error("{}: {layer}: {source}", recipe.display())]
    Source {
        recipe: PathBuf,
        layer: &'static str,
        source: SourceError,
    },
    /// The file's extension names another format than the recipe's `format`.
    #[error(
        "{}: {layer}: {}: the recipe says format = \"{format}\" but the file's extension is .{extension}",
        recipe.display(), file.display()
    )]
    FormatMismatch {
        recipe: PathBuf,
        layer: &'static str,
        file: PathBuf,
        format: String,
        extension: String,
    },
    /// A key of `fields`, `constants` or `leading_number` that the layer does not have.
    #[error(
        "{}: {layer}: {table}: {property:?} is not a property of {layer} (it has: {known})",
        recipe.display()
    )]
    UnknownProperty {
        recipe: PathBuf,
        layer: &'static str,
        table: &'static str,
        property: String,
        known: String,
    },
    /// A required property with no source field, constant or rule.
    #[error(
        "{}: {layer}: {}: required property {property:?} has no source field (fields), constant or rule",
        recipe.display(), file.display()
    )]
    MissingProperty {
        recipe: PathBuf,
        layer: &'static str,
        file: PathBuf,
        property: String,
    },
    /// A source field the recipe names is absent from a feature (or null where required).
    #[error("{0}")]
    MissingField(Box<FieldProblem>),
    /// A source value that cannot be read as the property's type.
    #[error("{0}")]
    BadValue(Box<FieldProblem>),
    /// A kept feature whose geometry the layer does not accept.
    #[error(
        "{}: {layer}: {}: feature {index}: a {geometry} does not fit the {layer} layer (filter it with geometry = [...])",
        recipe.display(), file.display()
    )]
    Geometry {
        recipe: PathBuf,
        layer: &'static str,
        file: PathBuf,
        index: usize,
        geometry: &'static str,
    },
    /// A `where` field that no feature of the source has.
    #[error(
        "{}: {layer}: {}: where: no feature has the field {field:?} (the source's fields: {available})",
        recipe.display(), file.display()
    )]
    UnknownFilterField {
        recipe: PathBuf,
        layer: &'static str,
        file: PathBuf,
        field: String,
        available: String,
    },
    /// The boundary source has no polygon (after `where`).
    #[error(
        "{}: boundary: {}: no Polygon or MultiPolygon feature to make the boundary from",
        recipe.display(), file.display()
    )]
    NoBoundaryPolygon { recipe: PathBuf, file: PathBuf },
    /// A substation voltage in no class of `headroom_by_voltage`.
    #[error(
        "{}: {layer}: {}: feature {index}: voltage_kv {voltage_kv} is in no class of headroom_by_voltage",
        recipe.display(), file.display()
    )]
    NoHeadroomRule {
        recipe: PathBuf,
        layer: &'static str,
        file: PathBuf,
        index: usize,
        voltage_kv: f64,
    },
    /// Two features of a layer with the same id.
    #[error(
        "{}: {layer}: duplicate id {id:?}: {first} and {second} (set id_prefix per source, or another id field)",
        recipe.display()
    )]
    DuplicateId {
        recipe: PathBuf,
        layer: &'static str,
        id: String,
        first: String,
        second: String,
    },
    /// A feature of a network source that cannot be used: an end naming no bus, a reactance
    /// or rating that is not > 0, a voltage with no line class.
    #[error("{0}")]
    Network(Box<NetworkProblem>),
    /// A profile source table (`[profiles] source`) that cannot become `load_profiles.csv`:
    /// a column the recipe names that the file lacks, a column mapped to no imported
    /// substation, a missing or non-numeric cell, a duplicate hour.
    #[error("{0}")]
    Profiles(Box<TableProblem>),
    /// A recipe whose parts do not fit together (a rule, the generator's settings).
    #[error("{}: {message}", recipe.display())]
    Rule { recipe: PathBuf, message: String },
    /// The synthetic land could not be generated.
    #[error("{}: generate: {source}", recipe.display())]
    Generate { recipe: PathBuf, source: SynthError },
    /// The built map does not pass the contract's validation.
    #[error("{}: the built map is not valid: {message}", recipe.display())]
    Invalid { recipe: PathBuf, message: String },
    /// An output could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// A feature's source field that does not give its property.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldProblem {
    pub recipe: PathBuf,
    pub layer: String,
    pub file: PathBuf,
    /// The feature's index in the source (0-based).
    pub index: usize,
    /// The contract property.
    pub property: String,
    /// The source field (or `constants.<property>`).
    pub field: String,
    /// What is wrong: "is absent", "is null", "is not usable: expected a number, got …".
    pub problem: String,
}

impl std::fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}: {}: feature {}: source field {:?} (for {}) {}",
            self.recipe.display(),
            self.layer,
            self.file.display(),
            self.index,
            self.field,
            self.property,
            self.problem
        )
    }
}

/// A network source's feature that cannot become a line or a substation.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkProblem {
    pub recipe: PathBuf,
    pub file: PathBuf,
    /// The feature's index in the source (0-based).
    pub index: usize,
    /// The feature's own id in the source (`branch`, `line_id`, `bus_id`), where it has one.
    pub id: Option<String>,
    /// The source field at fault.
    pub property: String,
    pub problem: String,
}

impl std::fmt::Display for NetworkProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let id = self.id.as_ref().map(|i| format!(" (id {i:?})"));
        write!(
            f,
            "{}: network: {}: feature {}{}: source field {:?} {}",
            self.recipe.display(),
            self.file.display(),
            self.index,
            id.unwrap_or_default(),
            self.property,
            self.problem
        )
    }
}

/// A cell, a column or the whole of a profile source table that cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub struct TableProblem {
    pub recipe: PathBuf,
    /// The source table, resolved against the recipe's folder.
    pub file: PathBuf,
    /// The data row, counted from 1 after the header, with its line in the file and its hour
    /// label; `None` for the header (line 1) or the file as a whole.
    pub row: Option<TableRow>,
    /// The source column at fault, as the file names it; `None` for the file as a whole.
    pub column: Option<String>,
    pub problem: String,
}

/// Where a data row of a source table is.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRow {
    /// From 1 after the header, as `load_profiles.csv`'s reader counts.
    pub row: usize,
    /// The line in the file (the header is line 1).
    pub line: u64,
    pub hour: String,
}

impl std::fmt::Display for TableProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: profiles: {}",
            self.recipe.display(),
            self.file.display()
        )?;
        match (&self.row, &self.column) {
            (Some(r), _) => write!(f, ": row {} (line {}, hour {:?})", r.row, r.line, r.hour)?,
            (None, Some(_)) => write!(f, ": header (line 1)")?,
            (None, None) => {}
        }
        if let Some(column) = &self.column {
            write!(f, ": column {column:?}")?;
        }
        write!(f, ": {}", self.problem)
    }
}
