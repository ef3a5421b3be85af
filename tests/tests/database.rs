//! The Supabase schema, its Row Level Security and the audit trail, tested
//! against the real PostgreSQL: every policy with cases that must pass and
//! cases that must be refused, each acted out as PostgREST would.
//!
//! Needs PostgreSQL on 127.0.0.1:5432 with a superuser `postgres` reachable
//! without a password (or `DATABASE_ADMIN_URL`). Run with
//! `cargo test -p system-tests --test database`.

mod database {
    pub mod harness;

    mod audit;
    mod catalog;
    mod conversations;
    mod delivery;
    mod gdpr;
    mod profiles;
    mod sheets;
}
