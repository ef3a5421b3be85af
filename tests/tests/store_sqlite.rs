//! The store suite against the embedded SQLite store.

system_tests::store_suite!(system_tests::supabase::Embedded::start());
