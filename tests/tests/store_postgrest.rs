//! The store suite against Supabase's schema through the PostgREST
//! stand-in: the real PostgreSQL, the migrations, RLS per request.
//! Needs PostgreSQL on 127.0.0.1:5432 (see docs/DATABASE.md).

system_tests::store_suite!(system_tests::supabase::Supabase::start());
