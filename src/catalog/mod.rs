//! The catalog: its model (`model`), the serde shapes of its TOML files
//! (`raw`), the refusal of anything that would run code (`refuse`), and
//! loading with every consistency check (`load`), and a stack of catalogs
//! where each layer adds to, amends and hides parts of the ones below (`overlay`).
//!
//! Layout (format 1, see docs/catalog-format.md):
//! `catalog.toml`, `questions.toml`, `challenges.toml`, `fills.toml`,
//! `partials/<name>.hbs`, `modules/<id>/module.toml`, `modules/<id>/files/**`.
//! Loading collects every problem it finds, each with file, line and column,
//! so a catalog author fixes them in one pass.

pub mod lazy;
pub mod load;
mod load_questions;
pub mod model;
pub mod overlay;
mod parse;
pub mod raw;
pub mod refuse;

pub use load::{is_id, is_module_id, parse_toml, toml_diag};
pub use model::*;
