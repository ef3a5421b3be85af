//! The proxy: the task pane's only server.
//!
//! `main.rs` wires telemetry → [`config::Config`] → [`app::App::build`] →
//! serve. Tests build the same [`app::router`] and drive it with `oneshot`,
//! or start a whole [`app::App`] on port 0.

pub mod app;
pub mod audit;
pub mod auth;
pub mod chat;
pub mod config;
pub mod error;
pub mod extract;
pub mod gemini;
pub mod group_commit;
pub mod http;
pub mod metrics;
pub mod request_meta;
pub mod routes;
pub mod state;
pub mod static_files;
pub mod store;
pub mod telemetry;
pub mod tls;
