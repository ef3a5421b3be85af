//! The PostgREST stand-in as a process, for the load test
//! (`bench/load/run.sh`): `postgrest-standin [--users N]`. Creates a scratch
//! database on the real PostgreSQL (bootstrap + migrations, as the tests
//! do; `DATABASE_ADMIN_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`),
//! signs `N` users up the way GoTrue does, serves the stand-in in front of
//! it and prints what a proxy and a load generator need, one `KEY=value` a
//! line:
//!
//! ```text
//! SUPABASE_URL=http://127.0.0.1:PORT
//! SUPABASE_ANON_KEY=…
//! SUPABASE_JWT_SECRET=…        (tokens are HS256 with it; the caller mints them)
//! JWT_ISSUER=…
//! DATABASE=systest_db_…        (the scratch database, to count rows in)
//! USER=<uuid> <email>          (one line per user)
//! READY=1
//! ```
//!
//! Serves until SIGINT or SIGTERM, then drops the scratch database.

use serde_json::json;
use system_tests::harness::TestDb;
use system_tests::postgrest::StandIn;
use system_tests::supabase::{ISSUER, JWT_SECRET, anon_key};
use uuid::Uuid;

fn parse_users() -> Result<usize, String> {
    let mut users = 1;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--users" => {
                users = value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=10_000).contains(n))
                    .ok_or_else(|| format!("--users: {value:?} is not a number from 1 to 10000"))?;
            }
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(users)
}

#[tokio::main]
async fn main() {
    let users = match parse_users() {
        Ok(users) => users,
        Err(message) => {
            eprintln!("postgrest-standin: {message}");
            std::process::exit(2);
        }
    };
    let db = TestDb::new().await;
    let anon_key = anon_key();
    let standin = StandIn::start(&db, JWT_SECRET, &anon_key).await;
    let database: String = db
        .superuser()
        .await
        .query_one("select current_database()::text", &[])
        .await
        .expect("name the scratch database")
        .get(0);
    println!("SUPABASE_URL={}", standin.url);
    println!("SUPABASE_ANON_KEY={anon_key}");
    println!("SUPABASE_JWT_SECRET={JWT_SECRET}");
    println!("JWT_ISSUER={ISSUER}");
    println!("DATABASE={database}");
    for _ in 0..users {
        let email = format!("load-{}@example.com", Uuid::new_v4().simple());
        let user = db
            .sign_up_with(Some(&email), json!({ "full_name": "Load" }), json!({}))
            .await;
        println!("USER={} {email}", user.id);
    }
    println!("READY=1");
    system_tests::wait_for_shutdown_signal().await;
    drop(standin);
    drop(db); // drops the scratch database
}
