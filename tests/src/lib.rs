//! Shared helpers for the cross-component tests: the database harness
//! (shared with `tests/database.rs`), the PostgREST and Gemini stand-ins and the
//! behavioural suite both proxy stores must pass.

// The harness lives with the database tests, which include it themselves;
// the stand-in and the store suite reuse the very same file.
pub mod gemini;
#[path = "../tests/database/harness.rs"]
pub mod harness;
pub mod postgrest;
pub mod store_suite;
pub mod supabase;
