//! The engine: everything the assistant does to a table, in plain Rust.
//!
//! The same code runs in three places — compiled to WebAssembly in the task
//! pane (see `engine/wasm`), natively inside the proxy, and in the `xlclean`
//! command-line tool — so nothing here may depend on a browser, a runtime or
//! a file system. Inputs arrive as bytes or as Office.js-shaped values.

pub mod cluster;
pub mod context;
pub mod duplicates;
mod encryption;
pub mod error;
pub mod infer;
pub mod mask;
pub mod office;
pub mod parse;
pub mod preview;
pub mod profile;
pub mod read;
pub mod recipe;
mod sheet_bounds;
pub mod table;
pub mod tokens;
pub mod window;
pub mod write;

pub use duplicates::{DuplicatePair, find_duplicates};
pub use error::EngineError;
pub use infer::{ColumnAnalysis, analyze_column};
pub use office::{NumberFormats, OfficeRange, OfficeValue};
pub use profile::{ColumnProfile, ColumnType, TableProfile, profile_table};
pub use read::{ReadOptions, SheetData, read_workbook};
pub use recipe::{Applied, Recipe, Step, apply, suggest_recipe, undo_all, undo_step};
pub use table::{Cell, Column, Table, Text};
pub use write::write_csv;
