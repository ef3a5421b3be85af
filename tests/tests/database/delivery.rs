//! What the proxy's delivery relies on: `append_messages()` appends
//! atomically under RLS, an audit event delivered twice (same `event_id`)
//! is one row and the chain stays gapless, and `log_service_event()` lets
//! the service key — and nobody else — record system events and events in a
//! named user's name.

use serde_json::{Value, json};
use tokio::task::JoinSet;
use tokio_postgres::error::SqlState;
use uuid::Uuid;

use super::harness::{Actor, Api, TestDb, TestUser, assert_denied, assert_sqlstate, ok};

const LOG: &str = "select public.log_event($1, event_id => $2)";
const SERVICE_LOG: &str = "select public.log_service_event($1, user_id => $2, event_id => $3)";
const APPEND: &str = "select public.append_messages($1, $2, $3)";

async fn log_with_id(api: &Api, user: &TestUser, action: &str, event: Uuid) -> Uuid {
    ok(api.run(&user.actor(), LOG, &[&action, &event]).await)[0].get(0)
}

async fn chain(db: &TestDb) -> (i64, i64, Option<Uuid>) {
    let su = db.superuser().await;
    let row = su
        .query_one(
            "select count(*), coalesce(max(seq), 0), public.verify_audit_chain()
               from public.audit_logs",
            &[],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1), row.get(2))
}

async fn new_conversation(api: &Api, user: &TestUser) -> Uuid {
    ok(api
        .run(
            &user.actor(),
            "insert into public.ai_conversations (user_id) values ($1) returning id",
            &[&user.id],
        )
        .await)[0]
        .get(0)
}

#[tokio::test]
async fn a_repeated_event_id_returns_the_first_row_and_keeps_the_chain_gapless() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;
    let bob = db.sign_up("bob@example.com", None).await;
    let api = db.api().await;

    let event = Uuid::new_v4();
    let first = log_with_id(&api, &alice, "sheet.create", event).await;
    let again = log_with_id(&api, &alice, "sheet.create", event).await;
    assert_eq!(first, again, "the second delivery answers the first row");
    let other = log_with_id(&api, &alice, "sheet.delete", Uuid::new_v4()).await;
    assert_ne!(other, first);
    assert_eq!(chain(&db).await, (2, 2, None));

    // Someone else's event id is not a way to hide or claim their row.
    assert_sqlstate(
        api.run(&bob.actor(), LOG, &[&"sheet.create", &event]).await,
        &SqlState::UNIQUE_VIOLATION,
    );
    // Without an id, every call is a row, as before.
    for _ in 0..2 {
        ok(api
            .run(&alice.actor(), "select public.log_event('ai.query')", &[])
            .await);
    }
    assert_eq!(chain(&db).await, (4, 4, None));

    let su = db.superuser().await;
    let stored: Option<Uuid> = su
        .query_one(
            "select event_id from public.audit_logs where id = $1",
            &[&first],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, Some(event));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_deliveries_of_one_event_make_one_row() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;
    const EVENTS: usize = 10;
    const COPIES: usize = 4;
    let events: Vec<Uuid> = (0..EVENTS).map(|_| Uuid::new_v4()).collect();
    let mut writers = JoinSet::new();
    for _ in 0..COPIES {
        let api = db.api().await;
        let (alice, events) = (alice.clone(), events.clone());
        writers.spawn(async move {
            let mut ids = Vec::new();
            for event in events {
                ids.push(log_with_id(&api, &alice, "sheet.create", event).await);
            }
            ids
        });
    }
    let mut answers = Vec::new();
    while let Some(result) = writers.join_next().await {
        answers.push(result.expect("writer task"));
    }
    assert!(
        answers.windows(2).all(|w| w[0] == w[1]),
        "every copy is answered with the same row ids"
    );
    assert_eq!(chain(&db).await, (EVENTS as i64, EVENTS as i64, None));
}

#[tokio::test]
async fn only_the_service_key_logs_service_events() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;
    let api = db.api().await;
    let no_user: Option<Uuid> = None;

    // A system event (no user) and an event in Alice's name.
    let system: Uuid = ok(api
        .run(
            &Actor::service_role(),
            SERVICE_LOG,
            &[&"auth.failure", &no_user, &Uuid::new_v4()],
        )
        .await)[0]
        .get(0);
    let event = Uuid::new_v4();
    let hers: Uuid = ok(api
        .run(
            &Actor::service_role(),
            SERVICE_LOG,
            &[&"sheet.create", &Some(alice.id), &event],
        )
        .await)[0]
        .get(0);
    // The same event again, now through her own token: still one row.
    assert_eq!(log_with_id(&api, &alice, "sheet.create", event).await, hers);

    let su = db.superuser().await;
    let rows = su
        .query(
            "select id, user_id, action from public.audit_logs order by seq",
            &[],
        )
        .await
        .unwrap();
    let rows: Vec<(Uuid, Option<Uuid>, String)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        rows,
        [
            (system, None, "auth.failure".to_owned()),
            (hers, Some(alice.id), "sheet.create".to_owned())
        ]
    );
    // Alice sees her row, not the system event.
    let seen = ok(api
        .run(&alice.actor(), "select id from public.audit_logs", &[])
        .await);
    assert_eq!(seen.len(), 1);

    // Nobody else may call it: anon and users have no EXECUTE, and a
    // service_role session whose token says otherwise is refused too.
    let args: [&(dyn tokio_postgres::types::ToSql + Sync); 3] =
        [&"auth.failure", &no_user, &Uuid::new_v4()];
    assert_denied(api.run(&Actor::anon(), SERVICE_LOG, &args).await);
    assert_denied(api.run(&alice.actor(), SERVICE_LOG, &args).await);
    let pretend = Actor {
        role: "service_role",
        claims: json!({ "role": "authenticated", "sub": alice.id }),
    };
    assert_denied(api.run(&pretend, SERVICE_LOG, &args).await);
    // A user who does not exist cannot be named.
    assert_sqlstate(
        api.run(
            &Actor::service_role(),
            SERVICE_LOG,
            &[&"sheet.create", &Some(Uuid::new_v4()), &Uuid::new_v4()],
        )
        .await,
        &SqlState::FOREIGN_KEY_VIOLATION,
    );
    // The same checks as log_event().
    assert_sqlstate(
        api.run(
            &Actor::service_role(),
            "select public.log_service_event('auth.failure', status => 'maybe')",
            &[],
        )
        .await,
        &SqlState::INVALID_PARAMETER_VALUE,
    );
    assert_eq!(chain(&db).await, (2, 2, None));
}

#[tokio::test]
async fn append_messages_appends_to_the_callers_own_conversation_only() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;
    let bob = db.sign_up("bob@example.com", None).await;
    let api = db.api().await;
    let conversation = new_conversation(&api, &alice).await;

    let question = json!([{ "role": "user", "text": "Total?" }]);
    let answer = json!([{ "role": "assistant", "text": "42" }]);
    let appended: Option<Uuid> = ok(api
        .run(&alice.actor(), APPEND, &[&conversation, &question, &0i64])
        .await)[0]
        .get(0);
    assert_eq!(appended, Some(conversation));
    ok(api
        .run(&alice.actor(), APPEND, &[&conversation, &answer, &120i64])
        .await);

    // Bob cannot append to it: he is told there is no such conversation.
    let stolen: Option<Uuid> = ok(api
        .run(&bob.actor(), APPEND, &[&conversation, &answer, &1i64])
        .await)[0]
        .get(0);
    assert_eq!(stolen, None);
    assert_denied(
        api.run(&Actor::anon(), APPEND, &[&conversation, &answer, &1i64])
            .await,
    );
    // Not an array, or negative tokens: refused.
    for (messages, tokens) in [(json!({ "role": "user" }), 0i64), (answer.clone(), -1)] {
        assert_sqlstate(
            api.run(&alice.actor(), APPEND, &[&conversation, &messages, &tokens])
                .await,
            &SqlState::INVALID_PARAMETER_VALUE,
        );
    }

    let row = ok(api
        .run(
            &alice.actor(),
            "select messages, total_tokens from public.ai_conversations where id = $1",
            &[&conversation],
        )
        .await);
    assert_eq!(row[0].get::<_, Value>(0), json!([question[0], answer[0]]));
    assert_eq!(row[0].get::<_, i32>(1), 120);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_lose_nothing() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;
    let setup = db.api().await;
    let conversation = new_conversation(&setup, &alice).await;
    const WRITERS: usize = 4;
    const PER_WRITER: usize = 20;
    let mut writers = JoinSet::new();
    for w in 0..WRITERS {
        let api = db.api().await;
        let alice = alice.clone();
        writers.spawn(async move {
            for n in 0..PER_WRITER {
                let message = json!([{ "writer": w, "n": n }]);
                ok(api
                    .run(&alice.actor(), APPEND, &[&conversation, &message, &1i64])
                    .await);
            }
        });
    }
    while let Some(result) = writers.join_next().await {
        result.expect("writer task");
    }
    let row = ok(setup
        .run(
            &alice.actor(),
            "select jsonb_array_length(messages), total_tokens,
                    (select count(distinct m) from jsonb_array_elements(messages) m)
               from public.ai_conversations where id = $1",
            &[&conversation],
        )
        .await);
    let total = (WRITERS * PER_WRITER) as i64;
    assert_eq!(
        (
            row[0].get::<_, i32>(0) as i64,
            row[0].get::<_, i32>(1) as i64,
            row[0].get::<_, i64>(2)
        ),
        (total, total, total)
    );
}
