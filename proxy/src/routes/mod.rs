//! Each module owns its routes and hands back an `OpenApiRouter`, so the
//! OpenAPI document (`/openapi.json`) is generated from the handlers.

pub mod audit;
pub mod chat;
pub mod client_config;
pub mod conversations;
pub mod health;
pub mod me;
pub mod sheets;
