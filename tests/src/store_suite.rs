//! One behavioural suite for both proxy stores: the embedded SQLite store
//! and Supabase through PostgREST (against the stand-in, so RLS is real).
//! Each case takes a [`Fixture`] that makes signed-up users.

use std::sync::Arc;

use async_trait::async_trait;
use proxy::audit::AuditEvent;
use proxy::auth::Caller;
use proxy::store::*;
use serde_json::json;
use tokio::task::JoinSet;
use uuid::Uuid;

#[async_trait]
pub trait Fixture: Send + Sync {
    fn store(&self) -> Arc<dyn Store>;
    /// A new, signed-up user; `super_admin` sets `app_metadata.role`.
    async fn user(&self, super_admin: bool) -> Caller;
}

fn sheet(name: &str) -> NewSheet {
    NewSheet {
        workbook_name: Some("Q3.xlsx".into()),
        sheet_name: name.into(),
        range_address: Some("A1:B2".into()),
        data: json!([["a", 1], ["b", 2]]),
        metadata: Some(json!({ "masked": true })),
        row_count: Some(2),
        column_count: Some(2),
    }
}

fn page(limit: usize) -> PageRequest {
    PageRequest { after: None, limit }
}

pub async fn profile_reads_and_updates(f: &dyn Fixture) {
    let store = f.store();
    let alice = f.user(false).await;
    let p = store.profile(&alice).await.unwrap();
    assert_eq!(p.id, alice.user_id);
    assert_eq!(p.role, "user");
    assert_eq!(p.preferences, json!({}));
    let patch = ProfilePatch {
        full_name: Some(Some("Ada".into())),
        company: Some(Some("ACME".into())),
        preferences: Some(json!({ "theme": "dark" })),
    };
    let p = store.update_profile(&alice, &patch).await.unwrap();
    assert_eq!(
        (p.full_name.as_deref(), p.company.as_deref()),
        (Some("Ada"), Some("ACME"))
    );
    assert_eq!(p.preferences, json!({ "theme": "dark" }));
    let p = store
        .update_profile(
            &alice,
            &ProfilePatch {
                company: Some(None),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(p.company, None);
    assert_eq!(p.full_name.as_deref(), Some("Ada"));
}

pub async fn sheets_belong_to_their_owner(f: &dyn Fixture) {
    let store = f.store();
    let (alice, bob) = (f.user(false).await, f.user(false).await);
    let saved = store
        .create_sheet(&alice, &sheet("Invoices"))
        .await
        .unwrap();
    assert_eq!(saved.user_id, alice.user_id);
    assert_eq!(saved.data, json!([["a", 1], ["b", 2]]));
    assert_eq!(saved.status, RecordStatus::Active);
    assert_eq!(store.get_sheet(&alice, saved.id).await.unwrap(), saved);

    let listed = store.list_sheets(&alice, &page(10)).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, saved.id);
    assert!(store.list_sheets(&bob, &page(10)).await.unwrap().is_empty());
    assert!(matches!(
        store.get_sheet(&bob, saved.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.delete_sheet(&bob, saved.id).await,
        Err(StoreError::NotFound)
    ));
    store.delete_sheet(&alice, saved.id).await.unwrap();
    assert!(matches!(
        store.get_sheet(&alice, saved.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.delete_sheet(&alice, Uuid::new_v4()).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn conversations_belong_to_their_owner(f: &dyn Fixture) {
    let store = f.store();
    let (alice, bob) = (f.user(false).await, f.user(false).await);
    let s = store.create_sheet(&alice, &sheet("A")).await.unwrap();
    let c = store
        .create_conversation(
            &alice,
            &NewConversation {
                title: Some("Q3".into()),
                sheet_id: Some(s.id),
                model: Some("gemini".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!((c.user_id, c.sheet_id), (alice.user_id, Some(s.id)));
    assert_eq!(c.messages, json!([]));
    assert_eq!(c.total_tokens, 0);

    let patched = store
        .update_conversation(
            &alice,
            c.id,
            &ConversationPatch {
                title: Some(Some("Q3 review".into())),
                status: Some(RecordStatus::Archived),
                sheet_id: None,
                context: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(patched.title.as_deref(), Some("Q3 review"));
    assert_eq!(patched.status, RecordStatus::Archived);
    assert_eq!(patched.sheet_id, Some(s.id));
    // The chat path keeps its summary of older turns in `context`.
    let summary = json!({"summary": {"text": "Q3 figures discussed", "covers": 4}});
    let patched = store
        .update_conversation(
            &alice,
            c.id,
            &ConversationPatch {
                context: Some(summary.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(patched.context, summary);
    assert_eq!(
        patched.title.as_deref(),
        Some("Q3 review"),
        "the rest is kept"
    );
    assert_eq!(
        store.get_conversation(&alice, c.id).await.unwrap().context,
        summary
    );

    let theft = ConversationPatch {
        title: Some(Some("mine".into())),
        ..Default::default()
    };
    assert!(matches!(
        store.update_conversation(&bob, c.id, &theft).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.get_conversation(&bob, c.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(
        store
            .list_conversations(&bob, &page(10))
            .await
            .unwrap()
            .is_empty()
    );

    // Deleting the sheet keeps the conversation and clears the link.
    store.delete_sheet(&alice, s.id).await.unwrap();
    assert_eq!(
        store.get_conversation(&alice, c.id).await.unwrap().sheet_id,
        None
    );
    assert!(matches!(
        store.delete_conversation(&bob, c.id).await,
        Err(StoreError::NotFound)
    ));
    store.delete_conversation(&alice, c.id).await.unwrap();
    assert!(matches!(
        store.get_conversation(&alice, c.id).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn lists_page_by_keyset(f: &dyn Fixture) {
    let store = f.store();
    let alice = f.user(false).await;
    let mut made = Vec::new();
    for i in 0..5 {
        made.push(
            store
                .create_sheet(&alice, &sheet(&format!("S{i}")))
                .await
                .unwrap()
                .id,
        );
    }
    made.reverse();
    let mut seen = Vec::new();
    let mut request = page(2);
    loop {
        let rows = store.list_sheets(&alice, &request).await.unwrap();
        let page = Page::from_rows(rows, request.limit, |s| {
            KeysetCursor {
                created_at: s.created_at.clone(),
                id: s.id,
            }
            .encode()
        });
        seen.extend(page.items.iter().map(|s| s.id));
        match page.next_cursor {
            Some(c) => request.after = Some(KeysetCursor::decode(&c).unwrap()),
            None => break,
        }
    }
    assert_eq!(seen, made);
}

pub async fn audit_is_own_unless_super_admin(f: &dyn Fixture) {
    let store = f.store();
    let (alice, bob, admin) = (f.user(false).await, f.user(false).await, f.user(true).await);
    // Profiles must exist before log_event (Supabase: sign-up; SQLite: first call).
    for c in [&alice, &bob, &admin] {
        store.profile(c).await.unwrap();
    }
    let event = AuditEvent::new("sheet.create")
        .resource("excel_sheet", Some(Uuid::new_v4()))
        .details(json!({ "request_id": "r-1" }));
    store.log_event(Some(&alice), &event).await.unwrap();
    store
        .log_event(Some(&bob), &AuditEvent::new("profile.update"))
        .await
        .unwrap();
    let all = AuditFilter {
        limit: 50,
        ..Default::default()
    };
    let mine = store.list_audit(&alice, &all).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].action, "sheet.create");
    assert_eq!(mine[0].user_id, Some(alice.user_id));
    assert_eq!(mine[0].resource_id, event.resource_id);
    assert_eq!(mine[0].details["request_id"], "r-1");

    // Asking for someone else's rows as a plain user still yields one's own.
    let sneaky = AuditFilter {
        user_id: Some(bob.user_id),
        ..all.clone()
    };
    assert!(
        store
            .list_audit(&alice, &sneaky)
            .await
            .unwrap()
            .iter()
            .all(|e| e.user_id == Some(alice.user_id))
    );
    let bobs = store.list_audit(&admin, &sneaky).await.unwrap();
    assert_eq!(bobs.len(), 1);
    assert_eq!(bobs[0].user_id, Some(bob.user_id));
    let creates = AuditFilter {
        action: Some("sheet.create".into()),
        ..all.clone()
    };
    let found = store.list_audit(&admin, &creates).await.unwrap();
    assert!(found.iter().all(|e| e.action == "sheet.create"));
    assert!(found.iter().any(|e| e.user_id == Some(alice.user_id)));
    let future = AuditFilter {
        from: Some("2999-01-01T00:00:00.000000Z".into()),
        ..all.clone()
    };
    assert!(store.list_audit(&admin, &future).await.unwrap().is_empty());
    // Newest first, and the seq cursor pages.
    let everyone = store.list_audit(&admin, &all).await.unwrap();
    assert!(everyone.windows(2).all(|w| w[0].seq > w[1].seq));
    let older = AuditFilter {
        before_seq: Some(everyone[0].seq),
        ..all
    };
    let rest = store.list_audit(&admin, &older).await.unwrap();
    assert_eq!(rest.len(), everyone.len() - 1);
}

pub async fn export_holds_only_the_callers_data(f: &dyn Fixture) {
    let store = f.store();
    let (alice, bob) = (f.user(false).await, f.user(false).await);
    store.create_sheet(&alice, &sheet("A")).await.unwrap();
    store.create_sheet(&bob, &sheet("B")).await.unwrap();
    store
        .log_event(Some(&alice), &AuditEvent::new("data.export"))
        .await
        .unwrap();
    let export = store.export(&alice).await.unwrap();
    assert_eq!(export["user_id"], json!(alice.user_id));
    assert_eq!(export["profile"]["id"], json!(alice.user_id));
    let sheets = export["excel_sheets"].as_array().unwrap();
    assert_eq!(sheets.len(), 1);
    assert_eq!(sheets[0]["sheet_name"], "A");
    assert_eq!(export["audit_logs"].as_array().unwrap().len(), 1);
}

pub async fn chat_messages_are_appended_by_the_owner_only(f: &dyn Fixture) {
    let store = f.store();
    let (alice, bob) = (f.user(false).await, f.user(false).await);
    let c = store
        .create_conversation(&alice, &NewConversation::default())
        .await
        .unwrap();
    let question = json!({ "id": Uuid::new_v4(), "role": "user", "text": "Total?" });
    let answer = json!({ "id": Uuid::new_v4(), "role": "assistant", "text": "42",
        "incomplete": false, "finish_reason": "stop" });
    store
        .append_messages(&alice, c.id, std::slice::from_ref(&question), 0)
        .await
        .unwrap();
    store
        .append_messages(&alice, c.id, std::slice::from_ref(&answer), 120)
        .await
        .unwrap();
    let stored = store.get_conversation(&alice, c.id).await.unwrap();
    assert_eq!(stored.messages, json!([question, answer]));
    assert_eq!(stored.total_tokens, 120);
    assert!(matches!(
        store.append_messages(&bob, c.id, &[json!({})], 1).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .append_messages(&alice, Uuid::new_v4(), &[json!({})], 1)
            .await,
        Err(StoreError::NotFound)
    ));
    let stored = store.get_conversation(&alice, c.id).await.unwrap();
    assert_eq!(stored.messages.as_array().unwrap().len(), 2);
}

/// Appends that arrive together all land: the store appends atomically
/// (Supabase: one UPDATE in a database function, not a read and a write).
pub async fn concurrent_appends_lose_nothing(f: &dyn Fixture) {
    const APPENDS: usize = 24;
    let store = f.store();
    let alice = f.user(false).await;
    let id = store
        .create_conversation(&alice, &NewConversation::default())
        .await
        .unwrap()
        .id;
    let mut appends = JoinSet::new();
    for n in 0..APPENDS {
        let (store, alice) = (store.clone(), alice.clone());
        appends.spawn(async move {
            store
                .append_messages(&alice, id, &[json!({ "n": n })], 2)
                .await
        });
    }
    while let Some(done) = appends.join_next().await {
        done.expect("append task").expect("append");
    }
    let stored = store.get_conversation(&alice, id).await.unwrap();
    let mut seen: Vec<u64> = stored
        .messages
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["n"].as_u64().unwrap())
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..APPENDS as u64).collect::<Vec<_>>());
    assert_eq!(stored.total_tokens, 2 * APPENDS as i32);
}

/// An event delivered again (its acknowledgement was lost in a crash or a
/// timeout), also several times at once, is one audit row.
pub async fn a_redelivered_event_is_recorded_once(f: &dyn Fixture) {
    let store = f.store();
    let alice = f.user(false).await;
    store.profile(&alice).await.unwrap();
    let event = AuditEvent::new("sheet.create").resource("excel_sheet", Some(Uuid::new_v4()));
    store.log_event(Some(&alice), &event).await.unwrap();
    let mut deliveries = JoinSet::new();
    for _ in 0..4 {
        let (store, alice, event) = (store.clone(), alice.clone(), event.clone());
        deliveries.spawn(async move { store.log_event(Some(&alice), &event).await });
    }
    while let Some(done) = deliveries.join_next().await {
        done.expect("delivery task")
            .expect("a repeat is not an error");
    }
    let other = AuditEvent::new("sheet.delete");
    store.log_event(Some(&alice), &other).await.unwrap();
    let all = AuditFilter {
        limit: 50,
        ..Default::default()
    };
    let rows = store.list_audit(&alice, &all).await.unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["sheet.delete", "sheet.create"]);
    assert_eq!(rows[1].resource_id, event.resource_id);
}

/// A conversation started with its first question holds it, belongs to
/// its owner only, and counts no tokens yet.
pub async fn a_conversation_starts_with_its_first_question(f: &dyn Fixture) {
    let store = f.store();
    let alice = f.user(false).await;
    let bob = f.user(false).await;
    let question = json!({ "id": Uuid::new_v4(), "role": "user", "text": "Who owes most?" });
    let new = NewConversation {
        title: Some("Who owes most?".into()),
        sheet_id: None,
        model: Some("gemini-test".into()),
    };
    let id = store
        .start_conversation(&alice, &new, std::slice::from_ref(&question))
        .await
        .unwrap();
    let stored = store.get_conversation(&alice, id).await.unwrap();
    assert_eq!(stored.messages, json!([question]));
    assert_eq!(stored.title.as_deref(), Some("Who owes most?"));
    assert_eq!(stored.model.as_deref(), Some("gemini-test"));
    assert_eq!(stored.total_tokens, 0);
    assert!(matches!(
        store.get_conversation(&bob, id).await,
        Err(StoreError::NotFound)
    ));
}

/// A batch of events, one of them already delivered (a replay after a
/// crash), is written in order, once each, and reported as all written.
pub async fn a_batch_of_events_is_written_in_order_once_each(f: &dyn Fixture) {
    let store = f.store();
    let alice = f.user(false).await;
    store.profile(&alice).await.unwrap();
    let replayed = AuditEvent::new("sheet.create");
    store.log_event(Some(&alice), &replayed).await.unwrap();
    let batch: Vec<_> = [
        replayed,
        AuditEvent::new("ai.query"),
        AuditEvent::new("sheet.delete"),
    ]
    .into_iter()
    .map(|event| (Some(alice.clone()), event))
    .collect();
    let logged = store.log_events(&batch).await;
    assert!(logged.failure.is_none(), "{:?}", logged.failure);
    assert_eq!(logged.written, 3);
    let all = AuditFilter {
        limit: 50,
        ..Default::default()
    };
    let rows = store.list_audit(&alice, &all).await.unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["sheet.delete", "ai.query", "sheet.create"]);
}

/// Events without a user: stored where the store can hold them (the
/// embedded store; Supabase with the service key), refused where it
/// cannot, so the auditor keeps them locally instead.
pub async fn system_events_are_stored_where_the_store_can_hold_them(f: &dyn Fixture) {
    let store = f.store();
    let admin = f.user(true).await;
    store.profile(&admin).await.unwrap();
    let event = AuditEvent::new("auth.failure")
        .status(proxy::audit::AuditStatus::Denied)
        .details(json!({ "reason": "expired" }));
    let written = store.log_event(None, &event).await;
    let failures = AuditFilter {
        action: Some("auth.failure".into()),
        limit: 50,
        ..Default::default()
    };
    let found = store.list_audit(&admin, &failures).await.unwrap();
    if store.stores_system_events() {
        written.unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].user_id, None);
        assert_eq!(found[0].status, "denied");
        assert_eq!(found[0].details["reason"], "expired");
    } else {
        assert!(
            matches!(written, Err(StoreError::Invalid(_))),
            "{written:?}"
        );
        assert!(found.is_empty());
    }
}

pub async fn health_is_ok(f: &dyn Fixture) {
    f.store().health().await.unwrap();
}

/// Every case, for the stores' test files.
#[macro_export]
macro_rules! store_suite {
    ($fixture:expr) => {
        #[tokio::test]
        async fn profile_reads_and_updates() {
            let f = $fixture.await;
            system_tests::store_suite::profile_reads_and_updates(&f).await;
        }
        #[tokio::test]
        async fn sheets_belong_to_their_owner() {
            let f = $fixture.await;
            system_tests::store_suite::sheets_belong_to_their_owner(&f).await;
        }
        #[tokio::test]
        async fn conversations_belong_to_their_owner() {
            let f = $fixture.await;
            system_tests::store_suite::conversations_belong_to_their_owner(&f).await;
        }
        #[tokio::test]
        async fn lists_page_by_keyset() {
            let f = $fixture.await;
            system_tests::store_suite::lists_page_by_keyset(&f).await;
        }
        #[tokio::test]
        async fn audit_is_own_unless_super_admin() {
            let f = $fixture.await;
            system_tests::store_suite::audit_is_own_unless_super_admin(&f).await;
        }
        #[tokio::test]
        async fn export_holds_only_the_callers_data() {
            let f = $fixture.await;
            system_tests::store_suite::export_holds_only_the_callers_data(&f).await;
        }
        #[tokio::test]
        async fn chat_messages_are_appended_by_the_owner_only() {
            let f = $fixture.await;
            system_tests::store_suite::chat_messages_are_appended_by_the_owner_only(&f).await;
        }
        #[tokio::test]
        async fn concurrent_appends_lose_nothing() {
            let f = $fixture.await;
            system_tests::store_suite::concurrent_appends_lose_nothing(&f).await;
        }
        #[tokio::test]
        async fn a_redelivered_event_is_recorded_once() {
            let f = $fixture.await;
            system_tests::store_suite::a_redelivered_event_is_recorded_once(&f).await;
        }
        #[tokio::test]
        async fn a_conversation_starts_with_its_first_question() {
            let f = $fixture.await;
            system_tests::store_suite::a_conversation_starts_with_its_first_question(&f).await;
        }
        #[tokio::test]
        async fn a_batch_of_events_is_written_in_order_once_each() {
            let f = $fixture.await;
            system_tests::store_suite::a_batch_of_events_is_written_in_order_once_each(&f).await;
        }
        #[tokio::test]
        async fn system_events_are_stored_where_the_store_can_hold_them() {
            let f = $fixture.await;
            system_tests::store_suite::system_events_are_stored_where_the_store_can_hold_them(&f)
                .await;
        }
        #[tokio::test]
        async fn health_is_ok() {
            let f = $fixture.await;
            system_tests::store_suite::health_is_ok(&f).await;
        }
    };
}
