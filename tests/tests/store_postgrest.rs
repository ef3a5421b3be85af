//! The store suite against Supabase's schema through the PostgREST
//! stand-in: the real PostgreSQL, the migrations, RLS per request; once
//! with audit events written in each user's name with their own token, and
//! once with the service key (`SUPABASE_SERVICE_ROLE_KEY`).
//! Needs PostgreSQL on 127.0.0.1:5432 (see docs/DATABASE.md).

mod with_user_tokens {
    system_tests::store_suite!(system_tests::supabase::Supabase::start());
}

mod with_the_service_key {
    system_tests::store_suite!(system_tests::supabase::Supabase::start_with_service_key());
}
