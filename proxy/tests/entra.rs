//! Microsoft Entra ID tokens (Office single sign-on) as the second issuer.
//!
//! The JWKS document and the access tokens are shaped like Microsoft's v2.0
//! ones: keys without `alg` but with `x5t`, `x5c` and `issuer`; tokens with
//! `oid`, `tid`, `scp`, `preferred_username` and a pairwise `sub` that is not
//! a UUID. Every confusion between the two issuers is refused.

mod support;

use axum::http::StatusCode;
use jsonwebtoken::Algorithm;
use serde_json::{Value, json};
use support::*;
use uuid::Uuid;

const TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";
const CLIENT_ID: &str = "6e0a2f6e-8a77-4f8e-9f33-3c1f0b2a9d41";
const ENTRA_KID: &str = "nOo3ZDrODXEK1jKWhXslHR_KXEg";

fn audience() -> String {
    format!("api://localhost:3000/{CLIENT_ID}")
}

fn issuer() -> String {
    format!("https://login.microsoftonline.com/{TENANT}/v2.0")
}

/// Microsoft's key shape: no `alg`, plus `x5t`, `x5c` and `issuer`.
fn microsoft_jwk() -> Value {
    let mut key = serde_json::to_value(jwk(&rsa_key(2), Algorithm::RS256, ENTRA_KID)).unwrap();
    let key = key.as_object_mut().unwrap();
    key.remove("alg");
    key.insert("use".into(), json!("sig"));
    key.insert("x5t".into(), json!(ENTRA_KID));
    key.insert(
        "x5c".into(),
        json!(["MIIC/TCCAeWgAwIBAgIIUd7j/OIahkYwDQYJKoZIhvcNAQELBQAw"]),
    );
    key.insert("issuer".into(), json!(issuer()));
    Value::Object(key.clone())
}

/// The claims of an Entra v2.0 access token for the add-in's API.
fn entra_claims(oid: Uuid) -> Value {
    let now = now();
    json!({
        "aud": audience(),
        "iss": issuer(),
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "aio": "AWQAm/8YAAAA",
        "azp": "ea5a67f6-b6f3-4338-b240-c655ddc3cc8e",
        "azpacr": "0",
        "name": "Ada Lovelace",
        "oid": oid,
        "preferred_username": "ada@contoso.example",
        "rh": "0.AXoADQSIkWdsW0yxEjajBLZtrQ.",
        "scp": "access_as_user",
        "sub": "gvZBJ3hK0rTzHj9_oW6y2y4Vjw7ND8dPVUBVT6WWfTw",
        "tid": TENANT,
        "uti": "fqiBqXLPj0eQa82S-IYFAA",
        "ver": "2.0"
    })
}

async fn app_with_entra(entra_issuer: bool) -> (TestApp, FakeJwks) {
    let supabase_keys = FakeJwks::standard().await;
    let entra_keys = FakeJwks::serve(json!({ "keys": [microsoft_jwk()] })).await;
    let audience = audience();
    let issuer = issuer();
    let mut vars = vec![
        ("SUPABASE_JWT_SECRET", SECRET),
        ("JWT_ISSUER", ISSUER),
        ("SUPABASE_JWKS_URL", supabase_keys.url.as_str()),
        ("ENTRA_JWKS_URL", entra_keys.url.as_str()),
        ("ENTRA_AUDIENCE", audience.as_str()),
    ];
    if entra_issuer {
        vars.push(("ENTRA_ISSUER", issuer.as_str()));
    }
    (TestApp::new(&vars), supabase_keys)
}

fn entra_token(claims: &Value) -> String {
    signed(Algorithm::RS256, Some(ENTRA_KID), &rsa_key(2), claims)
}

async fn me(app: &TestApp, token: &str) -> Reply {
    app.call("GET", "/api/v1/me", Some(token), None).await
}

#[tokio::test]
async fn an_entra_access_token_signs_in_as_its_object_id() {
    let (app, _) = app_with_entra(true).await;
    let oid = Uuid::new_v4();
    let profile = me(&app, &entra_token(&entra_claims(oid)))
        .await
        .expect(StatusCode::OK);
    assert_eq!(profile["id"], json!(oid));
    assert_eq!(profile["email"], "ada@contoso.example");
    assert_eq!(profile["role"], "user");

    // Supabase users keep working next to Entra users.
    let user = Uuid::new_v4();
    let supabase = me(&app, &hs256(&supabase_claims(user)))
        .await
        .expect(StatusCode::OK);
    assert_eq!(supabase["id"], json!(user));
}

#[tokio::test]
async fn entra_forgeries_and_issuer_confusion_are_refused() {
    let (app, _) = app_with_entra(true).await;
    let oid = Uuid::new_v4();
    let good = entra_claims(oid);

    let cases: Vec<(&str, String)> = vec![
        (
            "another API's audience",
            entra_token(&with(good.clone(), json!({ "aud": "api://someone-else" }))),
        ),
        (
            "another tenant",
            entra_token(&with(
                good.clone(),
                json!({ "iss": "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001/v2.0" }),
            )),
        ),
        (
            "expired",
            entra_token(&with(
                good.clone(),
                json!({ "exp": now() - 120, "iat": now() - 3720, "nbf": now() - 3720 }),
            )),
        ),
        (
            "not yet valid",
            entra_token(&with(good.clone(), json!({ "nbf": now() + 600 }))),
        ),
        (
            "no object id",
            entra_token(&with(good.clone(), json!({ "oid": null }))),
        ),
        (
            "object id is not a GUID",
            entra_token(&with(good.clone(), json!({ "oid": "ada" }))),
        ),
        (
            // The Entra key may only vouch for Entra's audience.
            "Entra key, Supabase claims",
            entra_token(&supabase_claims(Uuid::new_v4())),
        ),
        (
            // A key from the Supabase JWKS cannot mint Entra tokens.
            "Supabase key, Entra claims",
            signed(Algorithm::RS256, Some("rsa-1"), &rsa_key(1), &good),
        ),
        ("the Supabase HS256 secret, Entra claims", hs256(&good)),
        (
            "Entra kid, wrong private key",
            signed(Algorithm::RS256, Some(ENTRA_KID), &rsa_key(1), &good),
        ),
        (
            "Entra kid, ES256 header",
            signed(Algorithm::ES256, Some(ENTRA_KID), &ec_key(1), &good),
        ),
    ];
    for (what, token) in cases {
        assert_refused(&me(&app, &token).await, what);
    }
    // The good token still works after all that.
    me(&app, &entra_token(&good)).await.expect(StatusCode::OK);
}

#[tokio::test]
async fn without_entra_issuer_any_tenant_with_the_audience_is_accepted() {
    // Documented behaviour for multi-tenant apps: ENTRA_ISSUER pins one
    // tenant; without it the audience alone decides.
    let (app, _) = app_with_entra(false).await;
    let other_tenant = with(
        entra_claims(Uuid::new_v4()),
        json!({ "iss": "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001/v2.0" }),
    );
    me(&app, &entra_token(&other_tenant))
        .await
        .expect(StatusCode::OK);
    let wrong_audience = with(other_tenant, json!({ "aud": "api://someone-else" }));
    assert_refused(&me(&app, &entra_token(&wrong_audience)).await, "audience");
}
