//! Audit tampering. Through the API the audit trail is read-only: every
//! method other than GET, on the collection and on a row, is refused in the
//! envelope and changes nothing. In the embedded store the triggers refuse
//! UPDATE and DELETE, and someone who edits the SQLite file anyway (the
//! triggers dropped) is found by the hash chain's verification. The
//! PostgreSQL side is `tests/tests/database/audit.rs`
//! (`audit_rows_are_never_updated_deleted_or_truncated`,
//! `verification_finds_the_first_tampered_row`).

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use proxy::store::audit_chain;
use serde_json::{Value, json};
use support::*;
use uuid::Uuid;

async fn audit_rows(app: &TestApp, token: &str) -> Value {
    assert!(app.state.audit.flush().await);
    app.call("GET", "/api/v1/audit?limit=200", Some(token), None)
        .await
        .expect(StatusCode::OK)
}

#[tokio::test]
async fn the_api_cannot_write_alter_or_delete_audit_rows() {
    let app = TestApp::with_auth(None);
    let alice = Uuid::new_v4();
    let token = hs256(&supabase_claims(alice));
    for name in ["A", "B"] {
        app.call(
            "POST",
            "/api/v1/sheets",
            Some(&token),
            Some(json!({ "sheet_name": name, "data": [[1]] })),
        )
        .await
        .expect(StatusCode::CREATED);
    }
    let before = audit_rows(&app, &token).await;
    let rows = before["items"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{before}");
    let id = rows[0]["id"].as_str().unwrap().to_owned();

    let forged = json!({
        "id": id, "action": "nothing.happened", "user_id": Uuid::new_v4(),
        "status": "success", "details": {}, "created_at": "2020-01-01T00:00:00Z"
    });
    let mut refused = 0;
    for method in ["POST", "PUT", "PATCH", "DELETE"] {
        // On the collection: the route exists for GET only.
        let reply = app
            .call(method, "/api/v1/audit", Some(&token), Some(forged.clone()))
            .await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(reply.error_code(), "method_not_allowed");
        refused += 1;
        // On a row, and on the export: no such route.
        for path in [
            format!("/api/v1/audit/{id}"),
            "/api/v1/me/export".to_owned(),
        ] {
            let reply = app
                .call(method, &path, Some(&token), Some(forged.clone()))
                .await;
            assert!(
                reply.status == StatusCode::NOT_FOUND
                    || reply.status == StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}: {:?}",
                reply.status
            );
            reply.error_code();
            refused += 1;
        }
    }
    // GET on a row is not a route either; a method override header is not
    // honoured.
    app.call("GET", &format!("/api/v1/audit/{id}"), Some(&token), None)
        .await
        .expect(StatusCode::NOT_FOUND);
    let request = Request::builder()
        .method("POST")
        .uri("/api/v1/audit")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header("x-http-method-override", "DELETE")
        .body(Body::empty())
        .unwrap();
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    refused += 2;
    assert_eq!(refused, 14);

    // The query string cannot write either: unknown parameters are refused.
    app.call(
        "GET",
        "/api/v1/audit?action=x&delete=true",
        Some(&token),
        None,
    )
    .await
    .expect(StatusCode::BAD_REQUEST);

    // Unchanged: the same rows, and none of the attempts added a forged one.
    let after = audit_rows(&app, &token).await;
    assert_eq!(after, before);
    let db = rusqlite::Connection::open(app.dir.path().join("data/store.sqlite3")).unwrap();
    let verified = audit_chain::verify(&db).unwrap();
    assert_eq!(verified.broken_at, None);
    assert_eq!(verified.rows, 2);
}

/// Alice's events through the proxy, then the SQLite file edited behind its
/// back: every edit is found, at the right row.
#[tokio::test]
async fn a_tampered_embedded_audit_row_is_found_by_the_chain() {
    let app = TestApp::with_auth(None);
    let alice = Uuid::new_v4();
    let token = hs256(&supabase_claims(alice));
    for name in ["A", "B", "C", "D"] {
        app.call(
            "POST",
            "/api/v1/sheets",
            Some(&token),
            Some(json!({ "sheet_name": name, "data": [[1]] })),
        )
        .await
        .expect(StatusCode::CREATED);
    }
    // An authentication failure: a system row, without a user.
    app.call("GET", "/api/v1/me", Some("forged"), None)
        .await
        .expect(StatusCode::UNAUTHORIZED);
    assert!(app.state.audit.flush().await);
    let path = app.dir.path().join("data/store.sqlite3");
    let db = rusqlite::Connection::open(&path).unwrap();
    let intact = audit_chain::verify(&db).unwrap();
    assert_eq!(intact.broken_at, None);
    assert_eq!(intact.rows, 5);

    // The triggers refuse edits made with SQL.
    for sql in [
        "update audit_logs set action = 'nothing' where seq = 2",
        "delete from audit_logs where seq = 2",
    ] {
        let error = db.execute_batch(sql).unwrap_err().to_string();
        assert!(error.contains("append-only"), "{sql}: {error}");
    }

    // Someone with the file drops them; each edit is then found. Each runs
    // in a transaction that is rolled back, so they do not add up.
    let id_at = |seq: i64| -> String {
        db.query_row("select id from audit_logs where seq = ?1", [seq], |r| {
            r.get(0)
        })
        .unwrap()
    };
    let edits: [(&str, i64); 7] = [
        (
            "update audit_logs set action = 'sheet.read' where seq = 2",
            2,
        ),
        ("update audit_logs set details = '{}' where seq = 3", 3),
        (
            "update audit_logs set user_id = '00000000-0000-4000-8000-000000000009' where seq = 1",
            1,
        ),
        ("update audit_logs set status = 'failure' where seq = 5", 5),
        ("delete from audit_logs where seq = 3", 4),
        // Rewriting the hash too is not enough: the next row's link breaks.
        (
            "update audit_logs set action = 'x', row_hash = prev_hash where seq = 2",
            2,
        ),
        // The ip of a system row.
        (
            "update audit_logs set ip_address = '10.0.0.1' where seq = 5",
            5,
        ),
    ];
    let mut found = 0;
    for (sql, broken_seq) in edits {
        let expected = id_at(broken_seq);
        db.execute_batch(
            "begin; drop trigger audit_logs_no_update; drop trigger audit_logs_no_delete;",
        )
        .unwrap();
        db.execute_batch(sql).unwrap();
        let verified = audit_chain::verify(&db).unwrap();
        db.execute_batch("rollback").unwrap();
        assert_eq!(verified.broken_at, Some(expected), "{sql}");
        found += 1;
    }
    assert_eq!(found, edits.len());
    // Rolled back: intact again, and the proxy keeps extending the chain.
    assert_eq!(audit_chain::verify(&db).unwrap(), intact);
    app.call(
        "POST",
        "/api/v1/sheets",
        Some(&token),
        Some(json!({ "sheet_name": "E", "data": [[1]] })),
    )
    .await
    .expect(StatusCode::CREATED);
    assert!(app.state.audit.flush().await);
    let extended = audit_chain::verify(&db).unwrap();
    assert_eq!(extended.broken_at, None);
    assert!(extended.rows > intact.rows);
}
