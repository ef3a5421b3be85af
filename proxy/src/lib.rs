//! The proxy: the task pane's only server.
//!
//! `main.rs` wires telemetry → [`config::Config`] → [`app::App::build`] →
//! serve. Tests build the same [`app::router`] and drive it with `oneshot`,
//! or start a whole [`app::App`] on port 0.

pub mod app;
pub mod config;
pub mod error;
pub mod routes;
pub mod state;
pub mod static_files;
pub mod telemetry;
