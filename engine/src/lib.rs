//! The engine: everything the assistant does to a table, in plain Rust.
//!
//! The same code runs in three places — compiled to WebAssembly in the task
//! pane (see `engine/wasm`), natively inside the proxy, and in the `xlclean`
//! command-line tool — so nothing here may depend on a browser, a runtime or
//! a file system. Inputs arrive as bytes or as Office.js-shaped values.

pub mod error;
pub mod office;
pub mod profile;
pub mod read;
pub mod table;

pub use error::EngineError;
pub use office::{OfficeRange, OfficeValue};
pub use profile::{ColumnProfile, ColumnType, TableProfile, profile_table};
pub use read::{ReadOptions, SheetData, read_workbook};
pub use table::{Cell, Column, Table};
