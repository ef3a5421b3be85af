//! public.ai_conversations: one's own rows only, and only on one's own sheets.

use serde_json::{Value, json};
use tokio_postgres::error::SqlState;
use uuid::Uuid;

use super::harness::{Actor, Api, TestDb, TestUser, assert_denied, assert_sqlstate, ok};
use super::sheets::insert_sheet;

async fn insert_conversation(api: &Api, owner: &TestUser, sheet: Option<Uuid>) -> Uuid {
    let rows = ok(api
        .run(
            &owner.actor(),
            "insert into public.ai_conversations (user_id, sheet_id, title, messages, model, total_tokens)
             values ($1, $2, 'Variance', '[{\"role\": \"user\", \"content\": \"Why?\"}]', 'local', 12)
             returning id",
            &[&owner.id, &sheet],
        )
        .await);
    rows[0].get(0)
}

async fn conversation(db: &TestDb, id: Uuid) -> Option<(Uuid, Option<Uuid>, Option<String>)> {
    db.superuser()
        .await
        .query_opt(
            "select user_id, sheet_id, title from public.ai_conversations where id = $1",
            &[&id],
        )
        .await
        .unwrap()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
}

#[tokio::test]
async fn the_owner_has_full_crud_on_conversations_about_their_sheets() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;
    let api = db.api().await;
    let sheet = insert_sheet(&api, &alice, "P&L").await;

    let with_sheet = insert_conversation(&api, &alice, Some(sheet)).await;
    let without = insert_conversation(&api, &alice, None).await;

    let rows = ok(api
        .run(
            &alice.actor(),
            "select id, context, status from public.ai_conversations order by created_at desc",
            &[],
        )
        .await);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].get::<_, Value>(1), json!({}));

    let rows = ok(api
        .run(
            &alice.actor(),
            "update public.ai_conversations
                set messages = messages || '[{\"role\": \"assistant\", \"content\": \"Costs rose.\"}]',
                    context = '{\"summary\": \"Q3 variance\"}', total_tokens = 40, sheet_id = $2
              where id = $1
          returning total_tokens",
            &[&without, &sheet],
        )
        .await);
    assert_eq!(rows[0].get::<_, i32>(0), 40);

    let rows = ok(api
        .run(
            &alice.actor(),
            "delete from public.ai_conversations where id = $1 returning id",
            &[&with_sheet],
        )
        .await);
    assert_eq!(rows.len(), 1);
    assert!(conversation(&db, with_sheet).await.is_none());
}

#[tokio::test]
async fn a_conversation_can_only_point_at_its_owners_sheet() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;
    let bob = db.sign_up("bob@example.com", None).await;
    let api = db.api().await;
    let alice_sheet = insert_sheet(&api, &alice, "Alice").await;
    let bob_sheet = insert_sheet(&api, &bob, "Bob").await;

    // Creating one on someone else's sheet.
    assert_denied(
        api.run(
            &bob.actor(),
            "insert into public.ai_conversations (user_id, sheet_id) values ($1, $2)",
            &[&bob.id, &alice_sheet],
        )
        .await,
    );
    // Re-pointing one's own conversation at someone else's sheet.
    let bobs = insert_conversation(&api, &bob, Some(bob_sheet)).await;
    assert_denied(
        api.run(
            &bob.actor(),
            "update public.ai_conversations set sheet_id = $2 where id = $1",
            &[&bobs, &alice_sheet],
        )
        .await,
    );
    assert_eq!(conversation(&db, bobs).await.unwrap().1, Some(bob_sheet));

    // The service role bypasses RLS, but the composite key still holds.
    assert_sqlstate(
        api.run(
            &Actor::service_role(),
            "insert into public.ai_conversations (user_id, sheet_id) values ($1, $2)",
            &[&bob.id, &alice_sheet],
        )
        .await,
        &SqlState::FOREIGN_KEY_VIOLATION,
    );
    // ...and an unknown sheet is refused like any dangling reference.
    assert_denied(
        api.run(
            &bob.actor(),
            "insert into public.ai_conversations (user_id, sheet_id) values ($1, $2)",
            &[&bob.id, &Uuid::new_v4()],
        )
        .await,
    );
}

#[tokio::test]
async fn other_users_cannot_read_change_delete_or_plant_conversations() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;
    let bob = db.sign_up("bob@example.com", None).await;
    let api = db.api().await;
    let sheet = insert_sheet(&api, &alice, "P&L").await;
    let convo = insert_conversation(&api, &alice, Some(sheet)).await;

    assert!(
        ok(api
            .run(&bob.actor(), "select id from public.ai_conversations", &[])
            .await)
        .is_empty()
    );
    let updated = ok(api
        .run(
            &bob.actor(),
            "update public.ai_conversations set title = 'pwned' where id = $1 returning id",
            &[&convo],
        )
        .await);
    assert!(updated.is_empty());
    let deleted = ok(api
        .run(
            &bob.actor(),
            "delete from public.ai_conversations where id = $1 returning id",
            &[&convo],
        )
        .await);
    assert!(deleted.is_empty());
    assert_eq!(
        conversation(&db, convo).await,
        Some((alice.id, Some(sheet), Some("Variance".to_owned())))
    );

    assert_denied(
        api.run(
            &bob.actor(),
            "insert into public.ai_conversations (user_id, title) values ($1, 'planted')",
            &[&alice.id],
        )
        .await,
    );
    // Handing one's conversation to someone else (without or with its sheet).
    let bobs = insert_conversation(&api, &bob, None).await;
    assert_denied(
        api.run(
            &bob.actor(),
            "update public.ai_conversations set user_id = $2 where id = $1",
            &[&bobs, &alice.id],
        )
        .await,
    );
    assert_denied(
        api.run(
            &bob.actor(),
            "update public.ai_conversations set user_id = $2, sheet_id = $3 where id = $1",
            &[&bobs, &alice.id, &sheet],
        )
        .await,
    );
    assert_denied(
        api.run(
            &Actor::service_role(),
            "update public.ai_conversations set user_id = $2 where id = $1",
            &[&bobs, &alice.id],
        )
        .await,
    );
    assert_eq!(conversation(&db, bobs).await.unwrap().0, bob.id);

    assert_denied(
        api.run(
            &Actor::anon(),
            "select id from public.ai_conversations",
            &[],
        )
        .await,
    );
    assert_denied(
        api.run(
            &Actor::anon(),
            "insert into public.ai_conversations (user_id) values ($1)",
            &[&alice.id],
        )
        .await,
    );
}

#[tokio::test]
async fn deleting_a_sheet_keeps_its_conversations() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;
    let api = db.api().await;
    let sheet = insert_sheet(&api, &alice, "P&L").await;
    let convo = insert_conversation(&api, &alice, Some(sheet)).await;

    ok(api
        .run(
            &alice.actor(),
            "delete from public.excel_sheets where id = $1",
            &[&sheet],
        )
        .await);
    // Only sheet_id is cleared; the owner stays.
    assert_eq!(
        conversation(&db, convo).await,
        Some((alice.id, None, Some("Variance".to_owned())))
    );
}

#[tokio::test]
async fn conversation_json_has_the_planned_shapes() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;
    let api = db.api().await;
    let insert =
        "insert into public.ai_conversations (user_id, messages, context, total_tokens, status)
                  values ($1, $2, $3, $4, $5)";
    ok(api
        .run(
            &alice.actor(),
            insert,
            &[
                &alice.id,
                &json!([]),
                &json!({ "summary": "" }),
                &0i32,
                &"archived",
            ],
        )
        .await);
    let bad: [(Value, Value, i32, &str); 4] = [
        (json!({ "role": "user" }), json!({}), 0, "active"),
        (json!([]), json!(["summary"]), 0, "active"),
        (json!([]), json!({}), -5, "active"),
        (json!([]), json!({}), 0, "closed"),
    ];
    for (messages, context, tokens, status) in bad {
        assert_sqlstate(
            api.run(
                &alice.actor(),
                insert,
                &[&alice.id, &messages, &context, &tokens, &status],
            )
            .await,
            &SqlState::CHECK_VIOLATION,
        );
    }
}
