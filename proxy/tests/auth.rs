//! Bearer JWTs: Supabase-shaped HS256, ES256 and RS256 tokens pass; every
//! forgery we could think of is refused with 401, the error envelope and
//! `WWW-Authenticate: Bearer`.

mod support;

use axum::http::{StatusCode, header};
use jsonwebtoken::Algorithm;
use jsonwebtoken::jwk::JwkSet;
use serde_json::{Value, json};
use support::*;
use uuid::Uuid;

async fn me(app: &TestApp, token: &str) -> Reply {
    app.call("GET", "/api/v1/me", Some(token), None).await
}

#[tokio::test]
async fn supabase_tokens_of_all_three_algorithms_are_accepted() {
    let jwks = FakeJwks::standard().await;
    let app = TestApp::with_auth(Some(&jwks));
    for (name, token, user) in [
        ("HS256", None, Uuid::new_v4()),
        ("ES256", Some((Algorithm::ES256, "ec-1")), Uuid::new_v4()),
        ("RS256", Some((Algorithm::RS256, "rsa-1")), Uuid::new_v4()),
    ] {
        let claims = supabase_claims(user);
        let token = match token {
            None => hs256(&claims),
            Some((Algorithm::ES256, kid)) => {
                signed(Algorithm::ES256, Some(kid), &ec_key(1), &claims)
            }
            Some((alg, kid)) => signed(alg, Some(kid), &rsa_key(1), &claims),
        };
        let profile = me(&app, &token).await.expect(StatusCode::OK);
        assert_eq!(profile["id"], json!(user), "{name}");
        assert_eq!(profile["email"], claims["email"], "{name}");
        assert_eq!(profile["full_name"], "Test User", "{name}");
        assert_eq!(profile["role"], "user", "{name}");
    }
    // The keys were fetched once and then served from the cache.
    assert_eq!(jwks.count(), 1);
}

#[tokio::test]
async fn small_clock_skew_is_tolerated() {
    let app = TestApp::with_auth(None);
    let user = Uuid::new_v4();
    let claims = with(
        supabase_claims(user),
        json!({ "exp": now() - 10, "nbf": now() + 10 }),
    );
    me(&app, &hs256(&claims)).await.expect(StatusCode::OK);
}

#[tokio::test]
async fn missing_and_malformed_credentials_are_refused() {
    let app = TestApp::with_auth(None);
    let reply = app.call("GET", "/api/v1/me", None, None).await;
    assert_refused(&reply, "no header");
    for value in [
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer ",
        "Bearer a.b",
        "Bearer not-a-jwt",
        "Bearer a.b.c.d",
        "Bearer ...",
        "Bearer e30.e30.",
        "Bearer !!!.???.***",
        "Token abc.def.ghi",
    ] {
        let request = axum::http::Request::get("/api/v1/me")
            .header(header::AUTHORIZATION, value)
            .body(axum::body::Body::empty())
            .unwrap();
        assert_refused(&app.send(request).await, value);
    }
}

#[tokio::test]
async fn forged_tokens_are_refused() {
    let jwks = FakeJwks::standard().await;
    let app = TestApp::with_auth(Some(&jwks));
    let user = Uuid::new_v4();
    let good = supabase_claims(user);
    let rsa_public_pem = pem("rsa1.pub.pem");
    let ec_public_pem = pem("ec1.pub.pem");

    let cases: Vec<(&str, String)> = vec![
        // alg none, in every spelling, signed or not.
        (
            "alg none",
            raw_token(&json!({"alg":"none","typ":"JWT"}), &good, b""),
        ),
        (
            "alg None",
            raw_token(&json!({"alg":"None","typ":"JWT"}), &good, b""),
        ),
        ("alg NONE", raw_token(&json!({"alg":"NONE"}), &good, b"")),
        (
            "alg nOnE with sig",
            raw_token(&json!({"alg":"nOnE"}), &good, b"sig"),
        ),
        ("no alg", raw_token(&json!({"typ":"JWT"}), &good, b"")),
        ("alg HS512", raw_token(&json!({"alg":"HS512"}), &good, b"x")),
        (
            "alg PS256",
            raw_token(&json!({"alg":"PS256","kid":"rsa-1"}), &good, b"x"),
        ),
        (
            "alg EdDSA",
            raw_token(&json!({"alg":"EdDSA","kid":"ec-1"}), &good, b"x"),
        ),
        // Wrong keys.
        (
            "HS256 wrong secret",
            hs256_with(b"another-secret-that-is-also-32-chars-long!!", &good),
        ),
        ("HS256 empty secret", hs256_with(b"", &good)),
        (
            "ES256 wrong key",
            signed(Algorithm::ES256, Some("ec-1"), &ec_key(2), &good),
        ),
        (
            "RS256 wrong key",
            signed(Algorithm::RS256, Some("rsa-1"), &rsa_key(2), &good),
        ),
        // Algorithm confusion: the public key as an HMAC secret, or a key
        // used with an algorithm that is not its own.
        (
            "HS256 with the RSA public key",
            hs256_with(&rsa_public_pem, &good),
        ),
        (
            "HS256 with the EC public key",
            hs256_with(&ec_public_pem, &good),
        ),
        ("HS256 naming the RSA kid", {
            let mut h = jsonwebtoken::Header::new(Algorithm::HS256);
            h.kid = Some("rsa-1".into());
            jsonwebtoken::encode(
                &h,
                &good,
                &jsonwebtoken::EncodingKey::from_secret(&rsa_public_pem),
            )
            .unwrap()
        }),
        (
            "RS256 header on the EC kid",
            signed(Algorithm::RS256, Some("ec-1"), &rsa_key(1), &good),
        ),
        (
            "ES256 header on the RSA kid",
            signed(Algorithm::ES256, Some("rsa-1"), &ec_key(1), &good),
        ),
        (
            "ES384 on the EC kid",
            raw_token(&json!({"alg":"ES384","kid":"ec-1"}), &good, &[0; 96]),
        ),
        // Key selection.
        ("no kid", signed(Algorithm::ES256, None, &ec_key(1), &good)),
        (
            "unknown kid",
            signed(Algorithm::ES256, Some("ec-9"), &ec_key(2), &good),
        ),
        (
            "jku pointing elsewhere",
            raw_token(
                &json!({"alg":"ES256","kid":"ec-9","jku":"http://127.0.0.1:1/evil"}),
                &good,
                &[0; 64],
            ),
        ),
        // Claims.
        (
            "expired",
            hs256(&with(good.clone(), json!({"exp": now() - 120}))),
        ),
        (
            "expired long ago",
            hs256(&with(good.clone(), json!({"exp": 1}))),
        ),
        ("no exp", hs256(&with(good.clone(), json!({"exp": null})))),
        (
            "exp as string",
            hs256(&with(good.clone(), json!({"exp": "4102444800"}))),
        ),
        (
            "not yet valid",
            hs256(&with(good.clone(), json!({"nbf": now() + 600}))),
        ),
        (
            "wrong audience",
            hs256(&with(good.clone(), json!({"aud": "anon"}))),
        ),
        (
            "audience list without ours",
            hs256(&with(good.clone(), json!({"aud": ["a", "b"]}))),
        ),
        (
            "no audience",
            hs256(&with(good.clone(), json!({"aud": null}))),
        ),
        (
            "wrong issuer",
            hs256(&with(
                good.clone(),
                json!({"iss": "https://evil.example/auth/v1"}),
            )),
        ),
        (
            "no issuer",
            hs256(&with(good.clone(), json!({"iss": null}))),
        ),
        (
            "anon role",
            hs256(&with(good.clone(), json!({"role": "anon"}))),
        ),
        (
            "service role",
            hs256(&with(good.clone(), json!({"role": "service_role"}))),
        ),
        ("no role", hs256(&with(good.clone(), json!({"role": null})))),
        (
            "sub not a uuid",
            hs256(&with(good.clone(), json!({"sub": "admin"}))),
        ),
        (
            "sub missing",
            hs256(&with(good.clone(), json!({"sub": null}))),
        ),
        (
            "sub a number",
            hs256(&with(good.clone(), json!({"sub": 42}))),
        ),
        // The project's real anon and service keys are JWTs, but not users.
        (
            "anon key",
            hs256(
                &json!({"iss":"supabase","ref":"abc","role":"anon","iat":1700000000,"exp":4102444800u64}),
            ),
        ),
        (
            "service key",
            hs256(
                &json!({"iss":"supabase","ref":"abc","role":"service_role","iat":1700000000,"exp":4102444800u64}),
            ),
        ),
        // Tampering after signing.
        ("payload swapped", {
            let token = hs256(&good);
            let parts: Vec<&str> = token.split('.').collect();
            let evil = with(
                good.clone(),
                json!({"app_metadata": {"role": "super_admin"}}),
            );
            format!(
                "{}.{}.{}",
                parts[0],
                base64_url(&evil.to_string()),
                parts[2]
            )
        }),
        ("signature stripped", {
            let token = hs256(&good);
            token[..=token.rfind('.').unwrap()].to_owned()
        }),
        (
            "oversized",
            hs256(&with(good.clone(), json!({"pad": "x".repeat(20_000)}))),
        ),
    ];
    for (what, token) in &cases {
        assert_refused(&me(&app, token).await, what);
    }
    // Unknown kids were looked up once, not once per token.
    assert!(jwks.count() <= 2, "JWKS fetched {} times", jwks.count());
    // None of the forgeries created a profile for the victim.
    let ok = me(&app, &hs256(&good)).await.expect(StatusCode::OK);
    assert_eq!(ok["id"], json!(user));
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

#[tokio::test]
async fn unknown_kids_refetch_the_keys_at_most_once_a_minute() {
    let jwks = FakeJwks::standard().await;
    let app = TestApp::with_auth(Some(&jwks));
    let claims = supabase_claims(Uuid::new_v4());
    me(
        &app,
        &signed(Algorithm::ES256, Some("ec-1"), &ec_key(1), &claims),
    )
    .await
    .expect(StatusCode::OK);
    assert_eq!(jwks.count(), 1);
    for i in 0..20 {
        let kid = format!("forged-{i}");
        assert_refused(
            &me(
                &app,
                &signed(Algorithm::ES256, Some(&kid), &ec_key(2), &claims),
            )
            .await,
            &kid,
        );
    }
    // The first unknown kid is within a minute of the first fetch.
    assert_eq!(jwks.count(), 1);
    me(
        &app,
        &signed(Algorithm::RS256, Some("rsa-1"), &rsa_key(1), &claims),
    )
    .await
    .expect(StatusCode::OK);
}

#[tokio::test]
async fn a_rotated_in_key_is_found_by_refetching() {
    // The set starts without `ec-2`; a token with it triggers one fetch.
    let jwks = FakeJwks::start(JwkSet {
        keys: vec![
            jwk(&ec_key(1), Algorithm::ES256, "ec-1"),
            jwk(&ec_key(2), Algorithm::ES256, "ec-2"),
        ],
    })
    .await;
    let app = TestApp::with_auth(Some(&jwks));
    let claims = supabase_claims(Uuid::new_v4());
    me(
        &app,
        &signed(Algorithm::ES256, Some("ec-2"), &ec_key(2), &claims),
    )
    .await
    .expect(StatusCode::OK);
    assert_eq!(jwks.count(), 1);
}

#[tokio::test]
async fn jwks_keys_with_a_contradicting_alg_or_use_are_ignored() {
    let mut rs_as_es = jwk(&rsa_key(1), Algorithm::RS256, "mixed");
    rs_as_es.common.key_algorithm = Some(jsonwebtoken::jwk::KeyAlgorithm::ES256);
    let mut enc = jwk(&ec_key(1), Algorithm::ES256, "enc");
    enc.common.public_key_use = Some(jsonwebtoken::jwk::PublicKeyUse::Encryption);
    let hmac: jsonwebtoken::jwk::Jwk = serde_json::from_value(json!({
        "kty": "oct", "kid": "hmac", "alg": "HS256", "k": base64_url(SECRET)
    }))
    .unwrap();
    let jwks = FakeJwks::start(JwkSet {
        keys: vec![rs_as_es, enc, hmac],
    })
    .await;
    let app = TestApp::with_auth(Some(&jwks));
    let claims = supabase_claims(Uuid::new_v4());
    for (what, token) in [
        (
            "RSA key labelled ES256",
            signed(Algorithm::RS256, Some("mixed"), &rsa_key(1), &claims),
        ),
        (
            "encryption key",
            signed(Algorithm::ES256, Some("enc"), &ec_key(1), &claims),
        ),
        ("symmetric key from the JWKS", {
            let mut h = jsonwebtoken::Header::new(Algorithm::HS256);
            h.kid = Some("hmac".into());
            // Signed with a different secret: only a JWKS oct key would accept it.
            jsonwebtoken::encode(&h, &claims, &jsonwebtoken::EncodingKey::from_secret(b"x"))
                .unwrap()
        }),
    ] {
        assert_refused(&me(&app, &token).await, what);
    }
}

#[tokio::test]
async fn an_unreachable_jwks_refuses_instead_of_failing_open() {
    // Nothing listens on port 9 of 127.0.0.1.
    let app = TestApp::new(&[
        ("SUPABASE_JWKS_URL", "http://127.0.0.1:9/jwks.json"),
        ("JWT_ISSUER", ISSUER),
    ]);
    let claims = supabase_claims(Uuid::new_v4());
    assert_refused(
        &me(
            &app,
            &signed(Algorithm::ES256, Some("ec-1"), &ec_key(1), &claims),
        )
        .await,
        "no keys",
    );
    // And HS256 is refused when no secret is configured.
    assert_refused(&me(&app, &hs256(&claims)).await, "no secret");
}

#[tokio::test]
async fn auth_failures_are_audited_as_system_events() {
    let app = TestApp::with_auth(None);
    let _ = me(&app, "a.b.c").await;
    let user = Uuid::new_v4();
    // The embedded store keeps system events: a super admin sees them.
    let admin = hs256(&with(
        supabase_claims(user),
        json!({ "app_metadata": { "role": "super_admin" } }),
    ));
    let rows = app
        .call(
            "GET",
            "/api/v1/audit?action=auth.failure",
            Some(&admin),
            None,
        )
        .await
        .expect(StatusCode::OK);
    let items = rows["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{rows}");
    assert_eq!(items[0]["status"], "denied");
    assert_eq!(items[0]["user_id"], Value::Null);
    assert!(items[0]["details"]["request_id"].is_string());
    let metrics = app.call("GET", "/metrics", None, None).await;
    assert!(
        String::from_utf8_lossy(&metrics.body).contains("proxy_auth_failures_total 1"),
        "{}",
        String::from_utf8_lossy(&metrics.body)
    );
}

#[tokio::test]
async fn local_mode_serves_one_user_without_a_token() {
    let app = TestApp::new(&[]);
    let profile = app
        .call("GET", "/api/v1/me", None, None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(profile["id"], json!(proxy::auth::LOCAL_USER_ID));
    // A token is not needed, and a bogus one changes nothing.
    let again = app
        .call("GET", "/api/v1/me", Some("garbage"), None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(again["id"], profile["id"]);
}
