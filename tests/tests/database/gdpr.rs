//! GDPR: export everything about me; erase me and keep an anonymous trail.

use serde_json::{Value, json};
use tokio_postgres::error::SqlState;
use uuid::Uuid;

use super::audit::log;
use super::harness::{Actor, TestDb, assert_denied, assert_sqlstate, ok};
use super::sheets::insert_sheet;

fn ids(items: &Value) -> Vec<String> {
    items
        .as_array()
        .expect("array")
        .iter()
        .map(|item| item["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn export_contains_all_and_only_the_callers_data() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", Some("Alice")).await;
    let root = db
        .sign_up_with(
            Some("root@example.com"),
            json!({}),
            json!({ "role": "super_admin" }),
        )
        .await;
    let api = db.api().await;

    let sheet = insert_sheet(&api, &alice, "P&L").await;
    let convo: Uuid = ok(api
        .run(
            &alice.actor(),
            "insert into public.ai_conversations (user_id, sheet_id, title) values ($1, $2, 'Q3') returning id",
            &[&alice.id, &sheet],
        )
        .await)[0]
        .get(0);
    let alice_event = log(&api, &alice, "sheet.read").await;
    let root_sheet = insert_sheet(&api, &root, "Admin").await;
    let root_event = log(&api, &root, "admin.read").await;

    let export: Value = ok(api
        .run(&alice.actor(), "select public.export_my_data()", &[])
        .await)[0]
        .get(0);
    assert_eq!(export["user_id"], json!(alice.id));
    assert_eq!(export["profile"]["email"], json!("alice@example.com"));
    assert_eq!(export["profile"]["full_name"], json!("Alice"));
    assert_eq!(ids(&export["excel_sheets"]), vec![sheet.to_string()]);
    assert_eq!(
        export["excel_sheets"][0]["data"],
        json!([["Revenue", 100], ["Cost", 60]])
    );
    assert_eq!(ids(&export["ai_conversations"]), vec![convo.to_string()]);
    assert_eq!(ids(&export["audit_logs"]), vec![alice_event.to_string()]);

    // A super admin may read every audit row, but their export is still theirs alone.
    let export: Value = ok(api
        .run(&root.actor(), "select public.export_my_data()", &[])
        .await)[0]
        .get(0);
    assert_eq!(ids(&export["excel_sheets"]), vec![root_sheet.to_string()]);
    assert_eq!(ids(&export["audit_logs"]), vec![root_event.to_string()]);
    assert_eq!(export["ai_conversations"], json!([]));

    assert_denied(
        api.run(&Actor::anon(), "select public.export_my_data()", &[])
            .await,
    );
    assert_denied(
        api.run(
            &Actor::service_role(),
            "select public.export_my_data()",
            &[],
        )
        .await,
    );
    let nobody = Actor::authenticated(json!({ "role": "authenticated" }));
    assert_denied(
        api.run(&nobody, "select public.export_my_data()", &[])
            .await,
    );
}

#[tokio::test]
async fn deleting_the_auth_user_erases_them_and_keeps_an_anonymous_trail() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", Some("Alice")).await;
    let bob = db.sign_up("bob@example.com", Some("Bob")).await;
    let api = db.api().await;

    let alice_sheet = insert_sheet(&api, &alice, "P&L").await;
    ok(api
        .run(
            &alice.actor(),
            "insert into public.ai_conversations (user_id, sheet_id) values ($1, $2)",
            &[&alice.id, &alice_sheet],
        )
        .await);
    ok(api
        .run(
            &alice.actor(),
            "insert into public.ai_conversations (user_id) values ($1)",
            &[&alice.id],
        )
        .await);
    let bob_sheet = insert_sheet(&api, &bob, "Budget").await;
    let mut alice_events = Vec::new();
    for n in 0..3 {
        alice_events.push(log(&api, &alice, &format!("a.{n}")).await);
        log(&api, &bob, &format!("b.{n}")).await;
    }

    // GoTrue's admin "delete user".
    assert_eq!(
        ok(db
            .as_gotrue("delete from auth.users where id = $1", &[&alice.id])
            .await),
        1
    );

    let su = db.superuser().await;
    let count = |sql: &'static str, id: Uuid| {
        let su = &su;
        async move { su.query_one(sql, &[&id]).await.unwrap().get::<_, i64>(0) }
    };
    assert_eq!(
        count("select count(*) from public.users where id = $1", alice.id).await,
        0
    );
    assert_eq!(
        count(
            "select count(*) from public.excel_sheets where user_id = $1",
            alice.id
        )
        .await,
        0
    );
    assert_eq!(
        count(
            "select count(*) from public.ai_conversations where user_id = $1",
            alice.id
        )
        .await,
        0
    );
    assert_eq!(
        count(
            "select count(*) from public.audit_logs where user_id = $1",
            alice.id
        )
        .await,
        0
    );

    // Her audit rows remain, unattributed and unchanged otherwise.
    let rows = su
        .query(
            "select user_id, action from public.audit_logs where id = any($1) order by seq",
            &[&alice_events],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    for (n, row) in rows.iter().enumerate() {
        assert_eq!(row.get::<_, Option<Uuid>>(0), None);
        assert_eq!(row.get::<_, String>(1), format!("a.{n}"));
    }
    let chain: Option<Uuid> = su
        .query_one("select public.verify_audit_chain()", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(chain, None, "erasure must not break the chain");

    // Bob is untouched.
    assert_eq!(
        count("select count(*) from public.users where id = $1", bob.id).await,
        1
    );
    assert_eq!(
        count(
            "select count(*) from public.excel_sheets where user_id = $1",
            bob.id
        )
        .await,
        1
    );
    assert_eq!(
        count(
            "select count(*) from public.audit_logs where user_id = $1",
            bob.id
        )
        .await,
        3
    );
    assert_eq!(
        ok(api
            .run(&bob.actor(), "select id from public.excel_sheets", &[])
            .await)[0]
            .get::<_, Uuid>(0),
        bob_sheet
    );

    // Alice's still-unexpired token finds nothing and can write nothing.
    assert!(
        ok(api
            .run(&alice.actor(), "select id from public.audit_logs", &[])
            .await)
        .is_empty()
    );
    assert_denied(
        api.run(
            &alice.actor(),
            "select public.log_event('after.erasure')",
            &[],
        )
        .await,
    );
    // RLS lets the subject match, the missing profile stops it.
    assert_sqlstate(
        api.run(
            &alice.actor(),
            "insert into public.excel_sheets (user_id, sheet_name, data) values ($1, 'x', '[]')",
            &[&alice.id],
        )
        .await,
        &SqlState::FOREIGN_KEY_VIOLATION,
    );
    let export: Value = ok(api
        .run(&alice.actor(), "select public.export_my_data()", &[])
        .await)[0]
        .get(0);
    assert_eq!(export["profile"], Value::Null);
    assert_eq!(export["audit_logs"], json!([]));
}
