//! A Supabase project in one process, for the browser tests (and anyone
//! who wants the proxy against "Supabase" by hand): a scratch database on
//! the local PostgreSQL with the bootstrap and every migration, the
//! PostgREST stand-in under `/rest/v1` and the Auth (GoTrue) stand-in under
//! `/auth/v1`, on one origin as on Supabase.
//!
//! `supabase-standin [--addr 127.0.0.1:0] [--control-addr 127.0.0.1:0]
//! [--access-ttl-secs 3600]`. Once serving it prints one line,
//! `supabase stand-in ready {"url", "anon_key", "service_role_key",
//! "jwt_secret", "control"}`: what the proxy needs as `SUPABASE_URL`,
//! `SUPABASE_ANON_KEY`, `SUPABASE_SERVICE_ROLE_KEY` and
//! `SUPABASE_JWT_SECRET`, and the test-only mailbox / grant log
//! (`system_tests::gotrue::Auth::control_router`). Accounts are made with
//! GoTrue's admin API (`POST /auth/v1/admin/users` with the service key).
//! Serves until SIGINT or SIGTERM, then drops the scratch database.

use std::time::Duration;

use system_tests::gotrue::Project;
use system_tests::supabase::JWT_SECRET;

struct Args {
    addr: String,
    control_addr: String,
    access_ttl: Duration,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        addr: "127.0.0.1:0".into(),
        control_addr: "127.0.0.1:0".into(),
        access_ttl: Duration::from_secs(3600),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--addr" => args.addr = value,
            "--control-addr" => args.control_addr = value,
            "--access-ttl-secs" => {
                let secs = value
                    .parse::<u64>()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("{flag}: {value:?} is not a positive whole number"))?;
                args.access_ttl = Duration::from_secs(secs);
            }
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(args)
}

fn fail(message: impl std::fmt::Display) -> ! {
    eprintln!("supabase-standin: {message}");
    std::process::exit(2);
}

async fn bind(addr: &str) -> tokio::net::TcpListener {
    tokio::net::TcpListener::bind(addr)
        .await
        .unwrap_or_else(|e| fail(format!("cannot listen on {addr}: {e}")))
}

#[tokio::main]
async fn main() {
    let args = parse_args().unwrap_or_else(|message| fail(message));
    let listener = bind(&args.addr).await;
    let control = bind(&args.control_addr).await;
    let control_url = format!("http://{}", control.local_addr().expect("bound address"));

    // The harness panics when PostgreSQL is unreachable or a migration
    // fails: its own task turns that into one line and exit code 2.
    let project = match tokio::spawn(Project::start(listener, args.access_ttl)).await {
        Ok(project) => project,
        Err(e) => fail(format!(
            "cannot prepare the scratch database on the local PostgreSQL: {e}"
        )),
    };
    let control_app = project.auth.control_router();
    let control_task = tokio::spawn(async move {
        let _ = axum::serve(control, control_app).await;
    });
    let ready = serde_json::json!({
        "url": project.url,
        "anon_key": project.anon_key,
        "service_role_key": project.service_key,
        "jwt_secret": JWT_SECRET,
        "control": control_url,
    });
    println!("supabase stand-in ready {ready}");

    system_tests::wait_for_shutdown_signal().await;
    // Stop serving, then the last owner of the database drops it.
    control_task.abort();
    let Project { rest, auth, db, .. } = project;
    drop(rest);
    drop(auth);
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(db);
}
