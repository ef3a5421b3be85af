//! Each module owns its routes and hands back a `Router`.

pub mod chat;
pub mod health;
