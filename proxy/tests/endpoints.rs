//! The API of the embedded store end to end through the router: profiles,
//! sheets, conversations, audit, export; isolation between users; cursor
//! pagination; the error envelope everywhere; the OpenAPI document; and
//! property tests on request parsing.

mod support;

use axum::http::{Method, StatusCode, header};
use proptest::prelude::*;
use serde_json::{Value, json};
use support::*;
use uuid::Uuid;

fn user_token(user: Uuid) -> String {
    hs256(&supabase_claims(user))
}

fn sheet(name: &str) -> Value {
    json!({
        "workbook_name": "Q3.xlsx",
        "sheet_name": name,
        "range_address": "A1:C3",
        "data": [["Invoice", "Amount"], ["INV-1", 10.5]],
        "metadata": { "masked": true },
        "row_count": 2,
        "column_count": 2
    })
}

#[tokio::test]
async fn profile_is_created_from_the_token_and_only_three_fields_change() {
    let app = TestApp::with_auth(None);
    let user = Uuid::new_v4();
    let token = user_token(user);
    let first = app
        .call("GET", "/api/v1/me", Some(&token), None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(first["id"], json!(user));
    assert_eq!(first["preferences"], json!({}));

    let changed = app
        .call(
            "PATCH",
            "/api/v1/me",
            Some(&token),
            Some(json!({ "full_name": "Ada", "company": "ACME", "preferences": { "theme": "dark" } })),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(changed["full_name"], "Ada");
    assert_eq!(changed["company"], "ACME");
    assert_eq!(changed["preferences"]["theme"], "dark");

    let cleared = app
        .call(
            "PATCH",
            "/api/v1/me",
            Some(&token),
            Some(json!({ "company": null })),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(cleared["company"], Value::Null);
    assert_eq!(cleared["full_name"], "Ada");

    for body in [
        json!({ "role": "super_admin" }),
        json!({ "email": "x@evil.example" }),
        json!({ "full_name": "A", "is_active": false }),
        json!({}),
        json!({ "full_name": "x".repeat(201) }),
        json!({ "preferences": [1, 2] }),
        json!({ "preferences": "dark" }),
    ] {
        let reply = app
            .call("PATCH", "/api/v1/me", Some(&token), Some(body.clone()))
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.error_code(), "invalid_request");
    }
    let after = app
        .call("GET", "/api/v1/me", Some(&token), None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(after["role"], "user");
    assert_eq!(after["is_active"], true);
}

#[tokio::test]
async fn sheets_are_saved_listed_read_and_deleted_by_their_owner_only() {
    let app = TestApp::with_auth(None);
    let (alice, bob) = (user_token(Uuid::new_v4()), user_token(Uuid::new_v4()));
    let saved = app
        .call(
            "POST",
            "/api/v1/sheets",
            Some(&alice),
            Some(sheet("Invoices")),
        )
        .await
        .expect(StatusCode::CREATED);
    let id = saved["id"].as_str().unwrap().to_owned();
    assert_eq!(saved["data"][1][0], "INV-1");
    assert_eq!(saved["status"], "active");

    let list = app
        .call("GET", "/api/v1/sheets", Some(&alice), None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(
        list["items"][0].get("data").is_none(),
        "lists leave the data out"
    );
    assert_eq!(list["next_cursor"], Value::Null);

    // Bob sees nothing of Alice's, and cannot delete it.
    let bobs = app
        .call("GET", "/api/v1/sheets", Some(&bob), None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(bobs["items"], json!([]));
    let path = format!("/api/v1/sheets/{id}");
    assert_eq!(
        app.call("GET", &path, Some(&bob), None).await.error_code(),
        "not_found"
    );
    assert_eq!(
        app.call("DELETE", &path, Some(&bob), None).await.status,
        StatusCode::NOT_FOUND
    );

    app.call("GET", &path, Some(&alice), None)
        .await
        .expect(StatusCode::OK);
    app.call("DELETE", &path, Some(&alice), None)
        .await
        .expect(StatusCode::NO_CONTENT);
    assert_eq!(
        app.call("GET", &path, Some(&alice), None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call("DELETE", &path, Some(&alice), None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn sheet_bodies_are_validated() {
    let app = TestApp::with_auth(None);
    let token = user_token(Uuid::new_v4());
    let mut bad = Vec::new();
    for (field, value) in [
        ("sheet_name", json!("")),
        ("sheet_name", json!("x".repeat(32))),
        ("data", json!("text")),
        ("data", json!(42)),
        ("metadata", json!([1])),
        ("row_count", json!(-1)),
        ("row_count", json!(1_048_577)),
        ("column_count", json!(16_385)),
        ("workbook_name", json!("x".repeat(256))),
        ("user_id", json!(Uuid::new_v4())),
        ("status", json!("archived")),
        ("id", json!(Uuid::new_v4())),
    ] {
        let mut body = sheet("S");
        body[field] = value;
        bad.push(body);
    }
    let mut missing = sheet("S");
    missing.as_object_mut().unwrap().remove("data");
    bad.push(missing);
    for body in bad {
        let reply = app
            .call("POST", "/api/v1/sheets", Some(&token), Some(body.clone()))
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.error_code(), "invalid_request");
    }
    // Not JSON at all, or not declared as JSON.
    let request = axum::http::Request::post("/api/v1/sheets")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from("{not json"))
        .unwrap();
    assert_eq!(app.send(request).await.error_code(), "invalid_request");
    let request = axum::http::Request::post("/api/v1/sheets")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(axum::body::Body::from(sheet("S").to_string()))
        .unwrap();
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(reply.error_code(), "unsupported_media_type");
}

#[tokio::test]
async fn oversized_sheets_are_refused_with_413_in_the_envelope() {
    let app = TestApp::new(&[("MAX_BODY_BYTES", "4096")]);
    let mut body = sheet("Big");
    body["data"] = json!(["x".repeat(8192)]);
    let reply = app.call("POST", "/api/v1/sheets", None, Some(body)).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.error_code(), "payload_too_large");
}

#[tokio::test]
async fn lists_page_by_cursor_without_gaps_or_repeats() {
    let app = TestApp::with_auth(None);
    let token = user_token(Uuid::new_v4());
    let mut created = Vec::new();
    for i in 0..7 {
        let reply = app
            .call(
                "POST",
                "/api/v1/conversations",
                Some(&token),
                Some(json!({ "title": format!("c{i}") })),
            )
            .await
            .expect(StatusCode::CREATED);
        created.push(reply["id"].as_str().unwrap().to_owned());
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            None => "/api/v1/conversations?limit=3".to_owned(),
            Some(c) => format!("/api/v1/conversations?limit=3&cursor={c}"),
        };
        let page = app
            .call("GET", &path, Some(&token), None)
            .await
            .expect(StatusCode::OK);
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 3);
        seen.extend(items.iter().map(|c| c["id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    created.reverse();
    assert_eq!(seen, created, "newest first, each once");

    for query in ["limit=0", "limit=201", "limit=x", "cursor=garbage", "foo=1"] {
        let reply = app
            .call(
                "GET",
                &format!("/api/v1/conversations?{query}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(reply.error_code(), "invalid_request");
    }
}

#[tokio::test]
async fn conversations_link_only_their_owners_sheets() {
    let app = TestApp::with_auth(None);
    let (alice, bob) = (user_token(Uuid::new_v4()), user_token(Uuid::new_v4()));
    let alices_sheet = app
        .call("POST", "/api/v1/sheets", Some(&alice), Some(sheet("A")))
        .await
        .expect(StatusCode::CREATED)["id"]
        .clone();
    let reply = app
        .call(
            "POST",
            "/api/v1/conversations",
            Some(&bob),
            Some(json!({ "sheet_id": alices_sheet })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);

    let conv = app
        .call(
            "POST",
            "/api/v1/conversations",
            Some(&alice),
            Some(json!({ "title": "Q3", "sheet_id": alices_sheet })),
        )
        .await
        .expect(StatusCode::CREATED);
    let path = format!("/api/v1/conversations/{}", conv["id"].as_str().unwrap());
    assert_eq!(conv["messages"], json!([]));

    let patched = app
        .call(
            "PATCH",
            &path,
            Some(&alice),
            Some(json!({ "title": "Q3 review", "status": "archived" })),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(patched["title"], "Q3 review");
    assert_eq!(patched["status"], "archived");
    for body in [
        json!({ "user_id": Uuid::new_v4() }),
        json!({ "status": "deleted" }),
        json!({ "messages": [] }),
    ] {
        assert_eq!(
            app.call("PATCH", &path, Some(&alice), Some(body.clone()))
                .await
                .status,
            StatusCode::BAD_REQUEST,
            "{body}"
        );
    }
    assert_eq!(
        app.call("PATCH", &path, Some(&bob), Some(json!({ "title": "mine" })))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call("GET", &path, Some(&bob), None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call("DELETE", &path, Some(&bob), None).await.status,
        StatusCode::NOT_FOUND
    );

    // Deleting the sheet keeps the conversation and clears the link.
    app.call(
        "DELETE",
        &format!("/api/v1/sheets/{}", alices_sheet.as_str().unwrap()),
        Some(&alice),
        None,
    )
    .await
    .expect(StatusCode::NO_CONTENT);
    let kept = app
        .call("GET", &path, Some(&alice), None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(kept["sheet_id"], Value::Null);
    app.call("DELETE", &path, Some(&alice), None)
        .await
        .expect(StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn audit_rows_are_ones_own_and_super_admins_see_and_filter_everyones() {
    let app = TestApp::with_auth(None);
    let (alice_id, bob_id) = (Uuid::new_v4(), Uuid::new_v4());
    let (alice, bob) = (user_token(alice_id), user_token(bob_id));
    let request = axum::http::Request::post("/api/v1/sheets")
        .header(header::AUTHORIZATION, format!("Bearer {alice}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::USER_AGENT, "Excel/16.0")
        .header("x-request-id", "req-abc-123")
        .body(axum::body::Body::from(sheet("A").to_string()))
        .unwrap();
    let reply = app.send(request).await;
    assert_eq!(reply.headers["x-request-id"], "req-abc-123");
    let sheet_id = reply.expect(StatusCode::CREATED)["id"].clone();
    app.call(
        "PATCH",
        "/api/v1/me",
        Some(&bob),
        Some(json!({ "company": "B" })),
    )
    .await
    .expect(StatusCode::OK);

    let mine = app
        .call("GET", "/api/v1/audit", Some(&alice), None)
        .await
        .expect(StatusCode::OK);
    let items = mine["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{mine}");
    assert_eq!(items[0]["action"], "sheet.create");
    assert_eq!(items[0]["resource_type"], "excel_sheet");
    assert_eq!(items[0]["resource_id"], sheet_id);
    assert_eq!(items[0]["user_agent"], "Excel/16.0");
    assert_eq!(items[0]["details"]["request_id"], "req-abc-123");
    assert_eq!(items[0]["status"], "success");

    let reply = app
        .call(
            "GET",
            &format!("/api/v1/audit?user_id={bob_id}"),
            Some(&alice),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.error_code(), "forbidden");

    // app_metadata decides; user_metadata and the top-level role do not.
    let pretender = hs256(&with(
        supabase_claims(Uuid::new_v4()),
        json!({ "user_metadata": { "role": "super_admin" } }),
    ));
    assert_eq!(
        app.call(
            "GET",
            &format!("/api/v1/audit?user_id={bob_id}"),
            Some(&pretender),
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let admin = hs256(&with(
        supabase_claims(Uuid::new_v4()),
        json!({ "app_metadata": { "role": "super_admin" } }),
    ));
    let everyone = app
        .call("GET", "/api/v1/audit", Some(&admin), None)
        .await
        .expect(StatusCode::OK);
    assert!(everyone["items"].as_array().unwrap().len() >= 2);
    let bobs = app
        .call(
            "GET",
            &format!("/api/v1/audit?user_id={bob_id}&action=profile.update"),
            Some(&admin),
            None,
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(bobs["items"].as_array().unwrap().len(), 1);
    assert_eq!(bobs["items"][0]["user_id"], json!(bob_id));
    let future = app
        .call(
            "GET",
            "/api/v1/audit?from=2999-01-01T00:00:00Z",
            Some(&admin),
            None,
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(future["items"], json!([]));
    let past = app
        .call(
            "GET",
            "/api/v1/audit?to=2000-01-01T00:00:00%2B02:00",
            Some(&admin),
            None,
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(past["items"], json!([]));
    assert_eq!(
        app.call("GET", "/api/v1/audit?from=yesterday", Some(&admin), None)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn the_export_holds_everything_of_the_caller_and_nothing_else() {
    let app = TestApp::with_auth(None);
    let (alice_id, bob) = (Uuid::new_v4(), user_token(Uuid::new_v4()));
    let alice = user_token(alice_id);
    app.call("POST", "/api/v1/sheets", Some(&alice), Some(sheet("A")))
        .await
        .expect(StatusCode::CREATED);
    app.call("POST", "/api/v1/sheets", Some(&bob), Some(sheet("B")))
        .await
        .expect(StatusCode::CREATED);
    app.call(
        "POST",
        "/api/v1/conversations",
        Some(&alice),
        Some(json!({})),
    )
    .await
    .expect(StatusCode::CREATED);
    let export = app
        .call("GET", "/api/v1/me/export", Some(&alice), None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(export["user_id"], json!(alice_id));
    assert_eq!(export["profile"]["id"], json!(alice_id));
    assert_eq!(export["excel_sheets"].as_array().unwrap().len(), 1);
    assert_eq!(export["excel_sheets"][0]["sheet_name"], "A");
    assert_eq!(export["ai_conversations"].as_array().unwrap().len(), 1);
    let actions: Vec<&str> = export["audit_logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["sheet.create", "conversation.create", "data.export"]
    );
}

#[tokio::test]
async fn errors_use_the_envelope_everywhere() {
    let app = TestApp::with_auth(None);
    let token = user_token(Uuid::new_v4());
    let cases = [
        (
            Method::GET,
            "/api/v1/nope",
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::GET,
            "/api/v2/sheets",
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::PUT,
            "/api/v1/me",
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            Method::GET,
            "/api/v1/sheets/not-a-uuid",
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            Method::DELETE,
            "/api/v1/conversations/123",
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
    ];
    for (method, path, status, code) in cases {
        let reply = app.call(method.as_str(), path, Some(&token), None).await;
        assert_eq!(reply.status, status, "{method} {path}");
        assert_eq!(reply.error_code(), code, "{method} {path}");
    }
}

/// Found by the API fuzzer (`tests/api-fuzz`): refusals the proxy gives but
/// the document did not list. Every operation must document the statuses its
/// extractors can answer before the handler runs.
#[tokio::test]
async fn openapi_documents_the_refusals_of_every_operation() {
    let app = TestApp::new(&[]);
    let doc = app
        .call("GET", "/openapi.json", None, None)
        .await
        .expect(StatusCode::OK);
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = &operation["responses"];
            let documents = |status: &str| responses.get(status).is_some();
            let what = format!("{} {path}", method.to_uppercase());
            if operation.get("security").is_some() {
                assert!(documents("401"), "{what}: a bad token answers 401");
            }
            if operation.get("requestBody").is_some() {
                assert!(documents("400"), "{what}: invalid JSON answers 400");
                assert!(documents("415"), "{what}: a non-JSON body answers 415");
            }
            if operation.get("parameters").is_some() {
                assert!(documents("400"), "{what}: a bad parameter answers 400");
            }
            checked += 1;
        }
    }
    assert!(checked >= 19, "only {checked} operations in the document");
}

#[tokio::test]
async fn health_store_openapi_metrics_and_security_headers() {
    let app = TestApp::new(&[]);
    let store = app
        .call("GET", "/health/store", None, None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(store["store"], "sqlite");

    let doc = app
        .call("GET", "/openapi.json", None, None)
        .await
        .expect(StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/health",
        "/health/store",
        "/api/v1/me",
        "/api/v1/me/export",
        "/api/v1/sheets",
        "/api/v1/sheets/{id}",
        "/api/v1/conversations",
        "/api/v1/conversations/{id}",
        "/api/v1/conversations/{id}/messages",
        "/api/v1/tokens/count",
        "/api/v1/usage",
        "/api/v1/audit",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from OpenAPI"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let streamed = &doc["paths"]["/api/v1/conversations/{id}/messages"]["post"]["responses"]["200"];
    assert!(
        streamed["content"].get("text/event-stream").is_some(),
        "{streamed}"
    );

    let reply = app.call("GET", "/health", None, None).await;
    let csp = reply.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self' https://appsforoffice.microsoft.com"),
        "{csp}"
    );
    assert!(
        csp.contains("frame-ancestors 'self' https://*.office.com"),
        "{csp}"
    );
    assert!(csp.contains("object-src 'none'"), "{csp}");
    assert_eq!(reply.headers["x-content-type-options"], "nosniff");
    assert_eq!(reply.headers["referrer-policy"], "no-referrer");
    assert!(
        reply.headers.get("strict-transport-security").is_none(),
        "HSTS only with TLS"
    );
    let generated = reply.headers["x-request-id"].to_str().unwrap();
    assert!(Uuid::parse_str(generated).is_ok(), "{generated}");

    // A hostile request id is replaced, not echoed.
    let request = axum::http::Request::get("/health")
        .header("x-request-id", "a\"b<script>")
        .body(axum::body::Body::empty())
        .unwrap();
    let reply = app.send(request).await;
    assert!(Uuid::parse_str(reply.headers["x-request-id"].to_str().unwrap()).is_ok());

    let metrics = app.call("GET", "/metrics", None, None).await;
    let text = String::from_utf8_lossy(&metrics.body);
    assert!(text.contains("proxy_http_requests_total"), "{text}");
    assert!(text.contains("route=\"/health\""), "{text}");
}

#[tokio::test]
async fn cors_allows_exactly_the_configured_origins() {
    let app = TestApp::new(&[("ALLOWED_ORIGINS", "https://excel.example.com")]);
    let preflight = |origin: &str| {
        axum::http::Request::builder()
            .method("OPTIONS")
            .uri("/api/v1/sheets")
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                "authorization,content-type",
            )
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let ok = app.send(preflight("https://excel.example.com")).await;
    assert_eq!(
        ok.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://excel.example.com"
    );
    for origin in [
        "https://evil.example.com",
        "https://excel.example.com.evil.io",
        "null",
    ] {
        let refused = app.send(preflight(origin)).await;
        assert!(
            refused
                .headers
                .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .is_none(),
            "{origin}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    /// Whatever arrives as a body, the answer is a 2xx or a 4xx in the envelope.
    #[test]
    fn arbitrary_bodies_never_cause_a_server_error(body in prop_oneof![
        any::<Vec<u8>>().prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        "\\PC{0,200}",
        prop::collection::hash_map("[a-z_]{1,12}", any::<i64>().prop_map(|n| json!(n)), 0..6)
            .prop_map(|m| serde_json::to_string(&m).unwrap()),
    ], path in prop_oneof![
        Just("/api/v1/sheets"), Just("/api/v1/conversations"), Just("/api/v1/me"),
    ]) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let app = TestApp::new(&[]);
            let method = if path == "/api/v1/me" { "PATCH" } else { "POST" };
            let request = axum::http::Request::builder()
                .method(method)
                .uri(path)
                .header(header::CONTENT_TYPE, "application/json")
                .body(axum::body::Body::from(body.clone()))
                .unwrap();
            let reply = app.send(request).await;
            prop_assert!(reply.status.is_success() || reply.status.is_client_error(), "{} for {:?}", reply.status, body);
            if reply.status.is_client_error() {
                let json = reply.json();
                prop_assert!(json["error"]["code"].is_string());
            }
            Ok(())
        })?;
    }

    /// Query strings and path ids are parsed or refused, never crash.
    #[test]
    fn arbitrary_queries_and_ids_are_handled(query in "[ -~]{0,80}", id in "[ -~]{0,60}") {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let app = TestApp::new(&[]);
            let encode = |s: &str| s.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
            for uri in [
                format!("/api/v1/sheets?cursor={}", encode(&query)),
                format!("/api/v1/audit?from={}", encode(&query)),
                format!("/api/v1/conversations/{}", encode(&id)),
            ] {
                let reply = app.call("GET", &uri, None, None).await;
                prop_assert!(!reply.status.is_server_error(), "{} for {}", reply.status, uri);
            }
            Ok(())
        })?;
    }
}

#[tokio::test]
async fn the_public_config_tells_the_pane_how_to_sign_in_and_nothing_secret() {
    let local = TestApp::new(&[]);
    let body = local
        .call("GET", "/api/v1/config", None, None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(body["auth"], json!({ "mode": "local" }));
    assert_eq!(body["ai"]["configured"], json!(false));
    assert_eq!(body["entra_sign_in"], json!(false));

    let anon_key = "eyJhbGciOiJIUzI1NiJ9.anon-public";
    let service_key = "eyJhbGciOiJIUzI1NiJ9.service-role-secret";
    let gemini_key = "gemini-key-secret-0123456789";
    let supabase = TestApp::new(&[
        ("SUPABASE_URL", "http://127.0.0.1:54321/"),
        ("SUPABASE_ANON_KEY", anon_key),
        ("SUPABASE_SERVICE_ROLE_KEY", service_key),
        ("SUPABASE_JWT_SECRET", SECRET),
        ("GEMINI_API_KEY", gemini_key),
    ]);
    let reply = supabase.call("GET", "/api/v1/config", None, None).await;
    let body = reply.expect(StatusCode::OK);
    assert_eq!(
        body["auth"],
        json!({ "mode": "supabase", "supabase_url": "http://127.0.0.1:54321", "anon_key": anon_key })
    );
    assert_eq!(body["ai"]["configured"], json!(true));
    let text = String::from_utf8_lossy(&reply.body);
    for secret in [service_key, gemini_key, SECRET] {
        assert!(!text.contains(secret), "{text}");
    }

    let external = TestApp::with_auth(None);
    let body = external
        .call("GET", "/api/v1/config", None, None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(body["auth"], json!({ "mode": "external" }));
}
