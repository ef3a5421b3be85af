//! The Auth (GoTrue) stand-in in front of the real proxy: the tokens it
//! issues by password, refresh and emailed code are ones the proxy accepts
//! (HS256, Supabase's claims, `iss` = `SUPABASE_URL/auth/v1`), and its
//! answers follow GoTrue's: error codes, refresh-token rotation with the
//! reuse interval, single-use codes, sign-out ending the session. The
//! browser tests drive the same implementation through `supabase-standin`.

use std::time::Duration;

use proxy::app::App;
use proxy::config::Config;
use serde_json::{Value, json};
use system_tests::gotrue::Project;

struct Proxy {
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn start_proxy(project: &Project) -> Proxy {
    let dir = tempfile::tempdir().unwrap();
    let mut vars = project.proxy_env();
    vars.push(("PROXY_ADDR".into(), "127.0.0.1:0".into()));
    vars.push(("DATA_DIR".into(), dir.path().display().to_string()));
    vars.push((
        "ADDIN_DIR".into(),
        dir.path().join("none").display().to_string(),
    ));
    let config =
        Config::from_lookup(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
            .unwrap();
    let app = App::build(config).await.unwrap();
    let url = format!("http://{}", app.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    Proxy {
        url,
        stop: Some(stop),
        _dir: dir,
    }
}

/// A GoTrue call as supabase-js makes it: status, API-version header, body.
async fn gotrue(
    project: &Project,
    path: &str,
    bearer: Option<&str>,
    body: Option<Value>,
) -> (u16, Option<String>, Value) {
    let client = reqwest::Client::new();
    let url = format!("{}/auth/v1{path}", project.url);
    let mut request = match &body {
        Some(body) => client.post(url).json(body),
        None => client.get(url),
    }
    .header("apikey", &project.anon_key);
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let version = response
        .headers()
        .get("x-supabase-api-version")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    };
    (status, version, body)
}

/// The caller the proxy sees for `token` (status, `/api/v1/me`).
async fn me(proxy: &Proxy, token: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/me", proxy.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

fn field<'a>(value: &'a Value, name: &str) -> &'a str {
    value[name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name}: {value}"))
}

#[tokio::test]
async fn the_proxy_accepts_the_stand_ins_tokens_and_its_answers_follow_gotrue() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let project = Project::start(listener, Duration::from_secs(3600)).await;
    let proxy = start_proxy(&project).await;

    // Accounts come from the admin API, with the service key only.
    let account =
        json!({ "email": "Ann@Example.com", "password": "correct horse", "email_confirm": true });
    let (status, _, _) = gotrue(
        &project,
        "/admin/users",
        Some(&project.anon_key),
        Some(account.clone()),
    )
    .await;
    assert_eq!(status, 403, "the anon key cannot create users");
    let (status, _, user) = gotrue(
        &project,
        "/admin/users",
        Some(&project.service_key),
        Some(account),
    )
    .await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(user["email"], "ann@example.com");
    assert_eq!(user["aud"], "authenticated");

    let password = |p: &str| json!({ "email": "ann@example.com", "password": p });
    let (status, version, refused) = gotrue(
        &project,
        "/token?grant_type=password",
        None,
        Some(password("wrong")),
    )
    .await;
    assert_eq!((status, version.as_deref()), (400, Some("2024-01-01")));
    assert_eq!(
        refused,
        json!({ "code": "invalid_credentials", "msg": "Invalid login credentials" })
    );

    let (status, _, session) = gotrue(
        &project,
        "/token?grant_type=password",
        None,
        Some(password("correct horse")),
    )
    .await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["token_type"], "bearer");
    assert_eq!(session["expires_in"], 3600);
    assert_eq!(session["user"]["id"], user["id"]);
    let (status, caller) = me(&proxy, field(&session, "access_token")).await;
    assert_eq!(status, 200, "the proxy accepts the access token: {caller}");
    assert_eq!(caller["id"], user["id"]);

    // Refresh rotates the refresh token; the new access token works too.
    let first_refresh = field(&session, "refresh_token").to_owned();
    let refresh = |token: &str| json!({ "refresh_token": token });
    let (status, _, renewed) = gotrue(
        &project,
        "/token?grant_type=refresh_token",
        None,
        Some(refresh(&first_refresh)),
    )
    .await;
    assert_eq!(status, 200, "{renewed}");
    let second_refresh = field(&renewed, "refresh_token").to_owned();
    assert_ne!(second_refresh, first_refresh);
    assert_eq!(me(&proxy, field(&renewed, "access_token")).await.0, 200);
    // The used token again within the reuse interval: the session's current one.
    let (status, _, again) = gotrue(
        &project,
        "/token?grant_type=refresh_token",
        None,
        Some(refresh(&first_refresh)),
    )
    .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(field(&again, "refresh_token"), second_refresh);
    let (status, _, unknown) = gotrue(
        &project,
        "/token?grant_type=refresh_token",
        None,
        Some(refresh("nope")),
    )
    .await;
    assert_eq!(
        (status, field(&unknown, "code")),
        (400, "refresh_token_not_found")
    );

    // Emailed codes: only for known addresses here, single use, latest only.
    let otp = |email: &str| json!({ "email": email, "create_user": false });
    let (status, _, body) = gotrue(&project, "/otp", None, Some(otp("nobody@example.com"))).await;
    assert_eq!((status, field(&body, "code")), (422, "otp_disabled"));
    assert_eq!(
        gotrue(&project, "/otp", None, Some(otp("ann@example.com")))
            .await
            .0,
        200
    );
    assert_eq!(
        gotrue(&project, "/otp", None, Some(otp("ann@example.com")))
            .await
            .0,
        200
    );
    let mail = project.auth.mail();
    assert_eq!(mail.len(), 2);
    let verify = |code: &str| json!({ "email": "ann@example.com", "token": code, "type": "email" });
    if mail[0].code != mail[1].code {
        let (status, _, body) =
            gotrue(&project, "/verify", None, Some(verify(&mail[0].code))).await;
        assert_eq!(
            (status, field(&body, "code")),
            (403, "otp_expired"),
            "a replaced code"
        );
    }
    let (status, _, by_code) = gotrue(&project, "/verify", None, Some(verify(&mail[1].code))).await;
    assert_eq!(status, 200, "{by_code}");
    assert_eq!(me(&proxy, field(&by_code, "access_token")).await.0, 200);
    let (status, _, _) = gotrue(&project, "/verify", None, Some(verify(&mail[1].code))).await;
    assert_eq!(status, 403, "a code signs in once");

    // Sign-out ends that session only.
    let access = field(&renewed, "access_token").to_owned();
    let (status, _, current) = gotrue(&project, "/user", Some(&access), None).await;
    assert_eq!((status, &current["id"]), (200, &user["id"]));
    let client = reqwest::Client::new();
    let out = client
        .post(format!("{}/auth/v1/logout?scope=local", project.url))
        .header("apikey", &project.anon_key)
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status().as_u16(), 204);
    let (status, _, body) = gotrue(
        &project,
        "/token?grant_type=refresh_token",
        None,
        Some(refresh(&second_refresh)),
    )
    .await;
    assert_eq!((status, field(&body, "code")), (400, "session_not_found"));
    let (status, _, body) = gotrue(&project, "/user", Some(&access), None).await;
    assert_eq!((status, field(&body, "code")), (403, "session_not_found"));
    let (status, _, _) = gotrue(
        &project,
        "/user",
        Some(field(&by_code, "access_token")),
        None,
    )
    .await;
    assert_eq!(status, 200, "the code's session lives on");

    // Without the project's apikey, the gateway refuses.
    let bare = client
        .post(format!("{}/auth/v1/token?grant_type=password", project.url))
        .json(&password("correct horse"))
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status().as_u16(), 401);
}
