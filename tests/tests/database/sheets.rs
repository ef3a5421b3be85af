//! public.excel_sheets: full CRUD on one's own rows, nothing on anyone else's.

use serde_json::json;
use tokio_postgres::error::SqlState;
use uuid::Uuid;

use super::harness::{Actor, Api, TestDb, TestUser, assert_denied, assert_sqlstate, ok};

pub async fn insert_sheet(api: &Api, owner: &TestUser, name: &str) -> Uuid {
    let rows = ok(api
        .run(
            &owner.actor(),
            "insert into public.excel_sheets (user_id, workbook_name, sheet_name, range_address, data, row_count, column_count)
             values ($1, 'Q3.xlsx', $2, 'A1:B2', '[[\"Revenue\", 100], [\"Cost\", 60]]', 2, 2)
             returning id",
            &[&owner.id, &name],
        )
        .await);
    rows[0].get(0)
}

async fn sheet_name(db: &TestDb, id: Uuid) -> Option<(Uuid, String)> {
    db.superuser()
        .await
        .query_opt(
            "select user_id, sheet_name from public.excel_sheets where id = $1",
            &[&id],
        )
        .await
        .unwrap()
        .map(|r| (r.get(0), r.get(1)))
}

#[tokio::test]
async fn the_owner_creates_reads_updates_and_deletes_their_sheets() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;
    let api = db.api().await;

    let first = insert_sheet(&api, &alice, "P&L").await;
    let second = insert_sheet(&api, &alice, "Balance").await;

    let rows = ok(api
        .run(
            &alice.actor(),
            "select id, status, metadata from public.excel_sheets order by created_at desc, id",
            &[],
        )
        .await);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].get::<_, String>(1), "active");
    assert_eq!(rows[0].get::<_, serde_json::Value>(2), json!({}));

    let rows = ok(api
        .run(
            &alice.actor(),
            "update public.excel_sheets set status = 'archived', sheet_name = 'P&L 2026' where id = $1 returning sheet_name",
            &[&first],
        )
        .await);
    assert_eq!(rows[0].get::<_, String>(0), "P&L 2026");

    let rows = ok(api
        .run(
            &alice.actor(),
            "delete from public.excel_sheets where id = $1 returning id",
            &[&second],
        )
        .await);
    assert_eq!(rows.len(), 1);
    assert!(sheet_name(&db, second).await.is_none());
}

#[tokio::test]
async fn other_users_cannot_read_change_or_delete_a_sheet() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;
    let bob = db.sign_up("bob@example.com", None).await;
    let api = db.api().await;
    let sheet = insert_sheet(&api, &alice, "Secret").await;

    let bob_sees = ok(api
        .run(&bob.actor(), "select id from public.excel_sheets", &[])
        .await);
    assert!(bob_sees.is_empty());
    let bob_sees = ok(api
        .run(
            &bob.actor(),
            "select id from public.excel_sheets where id = $1",
            &[&sheet],
        )
        .await);
    assert!(bob_sees.is_empty());

    let updated = ok(api
        .run(
            &bob.actor(),
            "update public.excel_sheets set sheet_name = 'pwned' where id = $1 returning id",
            &[&sheet],
        )
        .await);
    assert!(updated.is_empty());
    let deleted = ok(api
        .run(
            &bob.actor(),
            "delete from public.excel_sheets where id = $1 returning id",
            &[&sheet],
        )
        .await);
    assert!(deleted.is_empty());
    assert_eq!(
        sheet_name(&db, sheet).await,
        Some((alice.id, "Secret".to_owned()))
    );

    // Planting a row in someone else's account.
    assert_denied(
        api.run(
            &bob.actor(),
            "insert into public.excel_sheets (user_id, sheet_name, data) values ($1, 'Planted', '[]')",
            &[&alice.id],
        )
        .await,
    );
    // An upsert on someone else's id neither reads nor overwrites their row.
    assert_denied(
        api.run(
            &bob.actor(),
            "insert into public.excel_sheets (id, user_id, sheet_name, data) values ($1, $2, 'Mine', '[]')
             on conflict (id) do update set sheet_name = excluded.sheet_name",
            &[&sheet, &bob.id],
        )
        .await,
    );
    assert_eq!(
        sheet_name(&db, sheet).await,
        Some((alice.id, "Secret".to_owned()))
    );
}

#[tokio::test]
async fn a_sheet_cannot_be_handed_to_another_user() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;
    let bob = db.sign_up("bob@example.com", None).await;
    let api = db.api().await;
    let sheet = insert_sheet(&api, &alice, "Mine").await;

    assert_denied(
        api.run(
            &alice.actor(),
            "update public.excel_sheets set user_id = $2 where id = $1",
            &[&sheet, &bob.id],
        )
        .await,
    );
    // Not even by the service role: ownership is fixed at creation.
    assert_denied(
        api.run(
            &Actor::service_role(),
            "update public.excel_sheets set user_id = $2 where id = $1",
            &[&sheet, &bob.id],
        )
        .await,
    );
    assert_denied(
        api.run(
            &alice.actor(),
            "update public.excel_sheets set id = gen_random_uuid() where id = $1",
            &[&sheet],
        )
        .await,
    );
    assert_eq!(
        sheet_name(&db, sheet).await,
        Some((alice.id, "Mine".to_owned()))
    );
}

#[tokio::test]
async fn anonymous_callers_get_nothing() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;
    let api = db.api().await;
    let sheet = insert_sheet(&api, &alice, "Mine").await;

    assert_denied(
        api.run(&Actor::anon(), "select id from public.excel_sheets", &[])
            .await,
    );
    assert_denied(
        api.run(
            &Actor::anon(),
            "insert into public.excel_sheets (user_id, sheet_name, data) values ($1, 'x', '[]')",
            &[&alice.id],
        )
        .await,
    );
    assert_denied(
        api.run(
            &Actor::anon(),
            "delete from public.excel_sheets where id = $1",
            &[&sheet],
        )
        .await,
    );
    // An authenticated role without a subject is no one.
    let nobody = Actor::authenticated(json!({ "role": "authenticated" }));
    assert!(
        ok(api
            .run(&nobody, "select id from public.excel_sheets", &[])
            .await)
        .is_empty()
    );
    assert_denied(
        api.run(
            &nobody,
            "insert into public.excel_sheets (user_id, sheet_name, data) values ($1, 'x', '[]')",
            &[&alice.id],
        )
        .await,
    );
}

#[tokio::test]
async fn sheet_contents_are_shaped_and_size_limited() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;
    let api = db.api().await;
    let insert = "insert into public.excel_sheets (user_id, sheet_name, data, row_count, column_count, status, metadata)
                  values ($1, $2, $3, $4, $5, $6, $7) returning id";
    let actor = alice.actor();
    let good = json!([["a", 1]]);
    let meta = json!({});

    // Just under 5 MiB of JSON is accepted, just over is not.
    let under = json!(["x".repeat(5 * 1024 * 1024 - 16)]);
    ok(api
        .run(
            &actor,
            insert,
            &[&alice.id, &"Big", &under, &1i32, &1i32, &"active", &meta],
        )
        .await);
    let over = json!(["x".repeat(5 * 1024 * 1024)]);
    assert_sqlstate(
        api.run(
            &actor,
            insert,
            &[&alice.id, &"Huge", &over, &1i32, &1i32, &"active", &meta],
        )
        .await,
        &SqlState::CHECK_VIOLATION,
    );

    let long_name = "n".repeat(32);
    let bad_cases: [(&str, serde_json::Value, i32, i32, &str, serde_json::Value); 6] = [
        ("Scalar", json!(42), 1, 1, "active", json!({})),
        ("Rows", good.clone(), -1, 1, "active", json!({})),
        ("Cols", good.clone(), 1, 20000, "active", json!({})),
        ("Status", good.clone(), 1, 1, "deleted", json!({})),
        ("Meta", good.clone(), 1, 1, "active", json!([])),
        (long_name.as_str(), good.clone(), 1, 1, "active", json!({})),
    ];
    for (name, data, rows, cols, status, metadata) in bad_cases {
        assert_sqlstate(
            api.run(
                &actor,
                insert,
                &[&alice.id, &name, &data, &rows, &cols, &status, &metadata],
            )
            .await,
            &SqlState::CHECK_VIOLATION,
        );
    }
}

#[tokio::test]
async fn timestamps_are_the_servers() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;
    let api = db.api().await;

    let rows = ok(api
        .run(
            &alice.actor(),
            "insert into public.excel_sheets (user_id, sheet_name, data, created_at, updated_at)
             values ($1, 'Backdated', '[]', '2000-01-01', '2000-01-01')
             returning id, created_at > now() - interval '1 minute'",
            &[&alice.id],
        )
        .await);
    let id: Uuid = rows[0].get(0);
    assert!(
        rows[0].get::<_, bool>(1),
        "created_at must not be backdated"
    );

    let rows = ok(api
        .run(
            &alice.actor(),
            "update public.excel_sheets set created_at = '2000-01-01', sheet_name = 'Renamed'
              where id = $1
          returning created_at > now() - interval '1 minute', updated_at >= created_at",
            &[&id],
        )
        .await);
    assert!(rows[0].get::<_, bool>(0) && rows[0].get::<_, bool>(1));
}
