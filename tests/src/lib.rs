//! Shared helpers for the cross-component tests: the database harness
//! (shared with `tests/database.rs`), the PostgREST and Gemini stand-ins and the
//! behavioural suite both proxy stores must pass.

// The harness lives with the database tests, which include it themselves;
// the stand-in and the store suite reuse the very same file.
pub mod gemini;
pub mod gotrue;
#[path = "../tests/database/harness.rs"]
pub mod harness;
pub mod in_process;
pub mod postgrest;
pub mod store_suite;
pub mod supabase;

/// Resolves on SIGINT or SIGTERM: the stand-in binaries stop so when a test
/// harness kills them, and drop what they own (scratch databases).
pub async fn wait_for_shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
