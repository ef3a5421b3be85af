//! public.audit_logs: written only by log_event(), read by the user it is
//! about (or a super admin), never changed, and hash-chained.

use serde_json::{Value, json};
use tokio::task::JoinSet;
use tokio_postgres::error::SqlState;
use uuid::Uuid;

use super::harness::{Actor, Api, TestDb, TestUser, assert_denied, assert_sqlstate, describe, ok};

const LOG: &str = "select public.log_event($1, $2, $3, $4, $5, $6, $7)";

pub async fn log(api: &Api, user: &TestUser, action: &str) -> Uuid {
    let rows = ok(api
        .run(
            &user.actor(),
            LOG,
            &[
                &action,
                &"sheet",
                &Uuid::new_v4(),
                &json!({ "cells": 4 }),
                &"success",
                &"203.0.113.7",
                &"Excel/16.0",
            ],
        )
        .await);
    rows[0].get(0)
}

async fn verify(db: &TestDb) -> Option<Uuid> {
    db.superuser()
        .await
        .query_one("select public.verify_audit_chain()", &[])
        .await
        .unwrap()
        .get(0)
}

async fn audit_count(db: &TestDb) -> i64 {
    db.superuser()
        .await
        .query_one("select count(*) from public.audit_logs", &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn log_event_stamps_the_caller_and_extends_the_chain() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;
    let api = db.api().await;

    let first = log(&api, &alice, "sheet.read").await;
    let second = log(&api, &alice, "ai.ask").await;

    let su = db.superuser().await;
    let rows = su
        .query(
            "select id, seq, user_id, action, details, status, host(ip_address), user_agent,
                    created_at between now() - interval '1 minute' and clock_timestamp(),
                    prev_hash, row_hash
               from public.audit_logs order by seq",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].get::<_, Uuid>(0), first);
    assert_eq!(rows[1].get::<_, Uuid>(0), second);
    assert_eq!((rows[0].get::<_, i64>(1), rows[1].get::<_, i64>(1)), (1, 2));
    assert_eq!(rows[0].get::<_, Option<Uuid>>(2), Some(alice.id));
    assert_eq!(rows[0].get::<_, String>(3), "sheet.read");
    assert_eq!(rows[0].get::<_, Value>(4), json!({ "cells": 4 }));
    assert_eq!(rows[0].get::<_, String>(5), "success");
    assert_eq!(rows[0].get::<_, String>(6), "203.0.113.7");
    assert_eq!(rows[0].get::<_, String>(7), "Excel/16.0");
    assert!(rows[0].get::<_, bool>(8));
    assert_eq!(rows[0].get::<_, String>(9), "0".repeat(64));
    assert_eq!(rows[1].get::<_, String>(9), rows[0].get::<_, String>(10));
    assert_eq!(verify(&db).await, None);

    // The user sees their own rows.
    let seen = ok(api
        .run(
            &alice.actor(),
            "select id from public.audit_logs order by seq",
            &[],
        )
        .await);
    assert_eq!(
        seen.iter().map(|r| r.get::<_, Uuid>(0)).collect::<Vec<_>>(),
        vec![first, second]
    );

    // Only action is required.
    let rows = ok(api
        .run(
            &alice.actor(),
            "select public.log_event(action => 'logout')",
            &[],
        )
        .await);
    let minimal: Uuid = rows[0].get(0);
    let row = su
        .query_one(
            "select details, status, ip_address is null from public.audit_logs where id = $1",
            &[&minimal],
        )
        .await
        .unwrap();
    assert_eq!(
        (
            row.get::<_, Value>(0),
            row.get::<_, String>(1),
            row.get::<_, bool>(2)
        ),
        (json!({}), "success".to_owned(), true)
    );
}

#[tokio::test]
async fn log_event_refuses_anonymous_and_subjectless_callers() {
    let db = TestDb::new().await;
    let api = db.api().await;
    let args: [&(dyn tokio_postgres::types::ToSql + Sync); 7] = [
        &"login",
        &None::<String>,
        &None::<Uuid>,
        &json!({}),
        &"success",
        &None::<String>,
        &None::<String>,
    ];

    // anon has no EXECUTE at all.
    assert_denied(api.run(&Actor::anon(), LOG, &args).await);
    // The service key has no EXECUTE: it has no subject, and one minted with
    // a user's subject would be writing in that user's name.
    assert_denied(api.run(&Actor::service_role(), LOG, &args).await);
    let impersonating = Actor {
        role: "service_role",
        claims: json!({ "role": "service_role", "sub": Uuid::new_v4() }),
    };
    assert_denied(api.run(&impersonating, LOG, &args).await);
    // EXECUTE, but no subject in the token.
    let nobody = Actor::authenticated(json!({ "role": "authenticated" }));
    assert_denied(api.run(&nobody, LOG, &args).await);
    // A valid-looking token for a user that does not (or no longer) exist.
    let ghost = Actor::authenticated(json!({ "sub": Uuid::new_v4(), "role": "authenticated" }));
    assert_denied(api.run(&ghost, LOG, &args).await);
    assert_eq!(audit_count(&db).await, 0);
}

#[tokio::test]
async fn log_event_validates_what_it_is_given() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;
    let api = db.api().await;
    let long_action = "a".repeat(101);
    let cases: [(&str, Value, &str, Option<&str>); 6] = [
        ("", json!({}), "success", None),
        ("   ", json!({}), "success", None),
        (long_action.as_str(), json!({}), "success", None),
        ("x", json!(["not", "an", "object"]), "success", None),
        ("x", json!({}), "maybe", None),
        ("x", json!({}), "success", Some("not-an-ip")),
    ];
    for (action, details, status, ip) in cases {
        assert_sqlstate(
            api.run(
                &alice.actor(),
                LOG,
                &[
                    &action,
                    &None::<String>,
                    &None::<Uuid>,
                    &details,
                    &status,
                    &ip,
                    &None::<String>,
                ],
            )
            .await,
            &SqlState::INVALID_PARAMETER_VALUE,
        );
    }
    let big = json!({ "blob": "x".repeat(70_000) });
    assert_sqlstate(
        api.run(
            &alice.actor(),
            LOG,
            &[
                &"x",
                &None::<String>,
                &None::<Uuid>,
                &big,
                &"success",
                &None::<String>,
                &None::<String>,
            ],
        )
        .await,
        &SqlState::CHECK_VIOLATION,
    );
    // The accepted statuses all work.
    for status in ["success", "failure", "denied"] {
        ok(api
            .run(
                &alice.actor(),
                LOG,
                &[
                    &"x",
                    &None::<String>,
                    &None::<Uuid>,
                    &json!({}),
                    &status,
                    &"::1",
                    &None::<String>,
                ],
            )
            .await);
    }
    assert_eq!(audit_count(&db).await, 3);
}

#[tokio::test]
async fn nobody_can_write_an_audit_row_for_someone_else() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;
    let bob = db.sign_up("bob@example.com", None).await;
    let api = db.api().await;

    // There is no parameter for the user, the id, the time or the hashes.
    for extra in [
        format!("user_id => '{}'::uuid", bob.id),
        "id => gen_random_uuid()".to_owned(),
        "seq => 1".to_owned(),
        "created_at => now()".to_owned(),
        "prev_hash => repeat('0', 64)".to_owned(),
        "row_hash => repeat('0', 64)".to_owned(),
    ] {
        let sql = format!("select public.log_event(action => 'x', {extra})");
        assert_sqlstate(
            api.run(&alice.actor(), &sql, &[]).await,
            &SqlState::UNDEFINED_FUNCTION,
        );
    }
    // Details that look like columns are only details.
    let rows = ok(api
        .run(
            &alice.actor(),
            "select public.log_event('x', details => jsonb_build_object('user_id', $1::uuid))",
            &[&bob.id],
        )
        .await);
    let id: Uuid = rows[0].get(0);
    let owner: Option<Uuid> = db
        .superuser()
        .await
        .query_one(
            "select user_id from public.audit_logs where id = $1",
            &[&id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(owner, Some(alice.id));

    // Direct inserts, whatever the role and whatever the row says.
    let insert = "insert into public.audit_logs (id, seq, user_id, action, user_ref, prev_hash, row_hash, created_at)
                  values (gen_random_uuid(), 99, $1, 'forged', repeat('a', 64), repeat('0', 64), repeat('b', 64), '2000-01-01')";
    assert_denied(api.run(&alice.actor(), insert, &[&alice.id]).await);
    assert_denied(api.run(&alice.actor(), insert, &[&bob.id]).await);
    assert_denied(api.run(&Actor::service_role(), insert, &[&bob.id]).await);
    assert_denied(api.run(&Actor::anon(), insert, &[&bob.id]).await);

    // Even with INSERT re-granted by mistake, the chain trigger refuses.
    db.superuser()
        .await
        .batch_execute("grant insert on public.audit_logs to authenticated, service_role")
        .await
        .unwrap();
    db.superuser()
        .await
        .batch_execute("create policy tmp_insert on public.audit_logs for insert to authenticated with check (true)")
        .await
        .unwrap();
    assert_denied(api.run(&alice.actor(), insert, &[&bob.id]).await);
    assert_denied(api.run(&Actor::service_role(), insert, &[&bob.id]).await);
    assert_eq!(audit_count(&db).await, 1);

    // The owner (a migration, an operator) may still append, and even then
    // the trigger, not the statement, decides id, time, position and hashes.
    let su = db.superuser().await;
    su.execute(insert, &[&bob.id]).await.unwrap();
    let row = su
        .query_one(
            "select seq, action, created_at > now() - interval '1 minute', prev_hash <> repeat('0', 64)
               from public.audit_logs where action = 'forged'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        (
            row.get::<_, i64>(0),
            row.get::<_, bool>(2),
            row.get::<_, bool>(3)
        ),
        (2, true, true)
    );
    assert_eq!(verify(&db).await, None);
}

#[tokio::test]
async fn audit_rows_are_never_updated_deleted_or_truncated() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;
    let api = db.api().await;
    let entry = log(&api, &alice, "sheet.read").await;
    log(&api, &alice, "ai.ask").await;

    for actor in [alice.actor(), Actor::service_role(), Actor::anon()] {
        assert_denied(
            api.run(
                &actor,
                "update public.audit_logs set action = 'edited' where id = $1",
                &[&entry],
            )
            .await,
        );
        assert_denied(
            api.run(
                &actor,
                "update public.audit_logs set user_id = null where id = $1",
                &[&entry],
            )
            .await,
        );
        assert_denied(
            api.run(
                &actor,
                "delete from public.audit_logs where id = $1",
                &[&entry],
            )
            .await,
        );
        assert_denied(api.run(&actor, "truncate public.audit_logs", &[]).await);
    }

    // The trigger, not only the grants: the service role with UPDATE and
    // DELETE given back, and the owner itself.
    let su = db.superuser().await;
    su.batch_execute("grant update, delete, truncate on public.audit_logs to service_role")
        .await
        .unwrap();
    assert_denied(
        api.run(
            &Actor::service_role(),
            "update public.audit_logs set details = '{}' where id = $1",
            &[&entry],
        )
        .await,
    );
    assert_denied(
        api.run(
            &Actor::service_role(),
            "delete from public.audit_logs where id = $1",
            &[&entry],
        )
        .await,
    );
    assert_denied(
        api.run(&Actor::service_role(), "truncate public.audit_logs", &[])
            .await,
    );
    for sql in [
        "update public.audit_logs set action = 'edited'",
        "update public.audit_logs set row_hash = repeat('0', 64)",
        // The shape of the erasure cascade, but the user still exists.
        "update public.audit_logs set user_id = null",
        "delete from public.audit_logs",
        "truncate public.audit_logs",
        "truncate public.users cascade",
    ] {
        let result = su.batch_execute(sql).await;
        assert_denied(result);
    }
    assert_eq!(audit_count(&db).await, 2);
    assert_eq!(verify(&db).await, None);
}

#[tokio::test]
async fn users_read_their_own_audit_rows_and_super_admins_read_all() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;
    let bob = db.sign_up("bob@example.com", None).await;
    let root = db
        .sign_up_with(
            Some("root@example.com"),
            json!({}),
            json!({ "role": "super_admin" }),
        )
        .await;
    let api = db.api().await;
    let alice_entry = log(&api, &alice, "a").await;
    let bob_entry = log(&api, &bob, "b").await;

    let ids = |rows: Vec<tokio_postgres::Row>| {
        rows.iter().map(|r| r.get::<_, Uuid>(0)).collect::<Vec<_>>()
    };
    let query = "select id from public.audit_logs order by seq";

    assert_eq!(
        ids(ok(api.run(&alice.actor(), query, &[]).await)),
        vec![alice_entry]
    );
    assert_eq!(
        ids(ok(api.run(&bob.actor(), query, &[]).await)),
        vec![bob_entry]
    );
    assert!(
        ok(api
            .run(
                &bob.actor(),
                "select id from public.audit_logs where id = $1",
                &[&alice_entry]
            )
            .await)
        .is_empty()
    );
    assert_eq!(
        ids(ok(api.run(&root.actor(), query, &[]).await)),
        vec![alice_entry, bob_entry]
    );
    assert_eq!(
        ids(ok(api.run(&Actor::service_role(), query, &[]).await)),
        vec![alice_entry, bob_entry]
    );

    // What does not make a super admin: user_metadata (users edit it), a
    // top-level claim other than the Postgres role, or an admin role.
    let pretenders = [
        bob.actor_with(json!({ "user_metadata": { "role": "super_admin" } })),
        bob.actor_with(json!({ "user_role": "super_admin", "is_super_admin": true })),
        bob.actor_with(json!({ "app_metadata": { "role": "admin" } })),
        bob.actor_with(json!({ "app_metadata": { "role": "Super_Admin" } })),
        bob.actor_with(json!({ "app_metadata": { "roles": ["super_admin"] } })),
    ];
    for pretender in &pretenders {
        assert_eq!(
            ids(ok(api.run(pretender, query, &[]).await)),
            vec![bob_entry]
        );
    }
    // A super admin's profile role alone (without the claim) is not enough either.
    db.superuser()
        .await
        .execute(
            "update public.users set role = 'super_admin' where id = $1",
            &[&bob.id],
        )
        .await
        .unwrap();
    assert_eq!(
        ids(ok(api.run(&bob.actor(), query, &[]).await)),
        vec![bob_entry]
    );

    assert_denied(api.run(&Actor::anon(), query, &[]).await);
}

#[tokio::test]
async fn verification_is_for_those_who_see_the_whole_chain() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;
    let root = db
        .sign_up_with(
            Some("root@example.com"),
            json!({}),
            json!({ "role": "super_admin" }),
        )
        .await;
    let api = db.api().await;
    log(&api, &alice, "a").await;
    log(&api, &root, "b").await;

    let sql = "select public.verify_audit_chain()";
    assert_eq!(
        ok(api.run(&root.actor(), sql, &[]).await)[0].get::<_, Option<Uuid>>(0),
        None
    );
    assert_eq!(
        ok(api.run(&Actor::service_role(), sql, &[]).await)[0].get::<_, Option<Uuid>>(0),
        None
    );
    assert_denied(api.run(&alice.actor(), sql, &[]).await);
    assert_denied(
        api.run(
            &alice.actor_with(json!({ "user_metadata": { "role": "super_admin" } })),
            sql,
            &[],
        )
        .await,
    );
    assert_denied(api.run(&Actor::anon(), sql, &[]).await);
}

/// Edits rows the way only a superuser could (replication role skips
/// triggers), checks that verification points at the right row, and
/// restores the table.
async fn tamper(db: &TestDb, sql: &str, expect_first_bad: Uuid) {
    let mut su = db.superuser().await;
    let tx = su.transaction().await.unwrap();
    tx.batch_execute("set local session_replication_role = replica")
        .await
        .unwrap();
    tx.batch_execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {}", describe(&e)));
    tx.batch_execute("set local session_replication_role = origin")
        .await
        .unwrap();
    let found: Option<Uuid> = tx
        .query_one("select public.verify_audit_chain()", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(found, Some(expect_first_bad), "after: {sql}");
    tx.rollback().await.unwrap();
    assert_eq!(verify(db).await, None, "rollback restores the chain");
}

#[tokio::test]
async fn verification_finds_the_first_tampered_row() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;
    let bob = db.sign_up("bob@example.com", None).await;
    let api = db.api().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let user = if i % 2 == 0 { &alice } else { &bob };
        ids.push(log(&api, user, &format!("event.{i}")).await);
    }
    assert_eq!(verify(&db).await, None);
    let (r1, r2, r3, r4) = (ids[1], ids[2], ids[3], ids[4]);

    // Content edits, each field that matters.
    tamper(
        &db,
        &format!("update public.audit_logs set action = 'nothing' where id = '{r2}'"),
        r2,
    )
    .await;
    tamper(
        &db,
        &format!("update public.audit_logs set details = '{{\"cells\": 5}}' where id = '{r2}'"),
        r2,
    )
    .await;
    tamper(
        &db,
        &format!("update public.audit_logs set status = 'failure' where id = '{r1}'"),
        r1,
    )
    .await;
    tamper(
        &db,
        &format!("update public.audit_logs set ip_address = '10.0.0.1' where id = '{r3}'"),
        r3,
    )
    .await;
    tamper(&db, &format!("update public.audit_logs set created_at = created_at - interval '1 day' where id = '{r2}'"), r2).await;
    tamper(
        &db,
        &format!("update public.audit_logs set resource_id = gen_random_uuid() where id = '{r4}'"),
        r4,
    )
    .await;
    // Reassigning a row to another user.
    tamper(
        &db,
        &format!(
            "update public.audit_logs set user_id = '{}' where id = '{r2}'",
            bob.id
        ),
        r2,
    )
    .await;
    // Changing a row's id (which user_ref and the hash cover).
    let new_id = Uuid::new_v4();
    tamper(
        &db,
        &format!("update public.audit_logs set id = '{new_id}' where id = '{r2}'"),
        new_id,
    )
    .await;
    // Deleting a row in the middle or at the start.
    tamper(
        &db,
        &format!("delete from public.audit_logs where id = '{r2}'"),
        r3,
    )
    .await;
    tamper(
        &db,
        &format!("delete from public.audit_logs where id = '{}'", ids[0]),
        r1,
    )
    .await;
    // Reordering (seq must stay positive and unique at every step).
    tamper(
        &db,
        &format!(
            "update public.audit_logs set seq = seq + 1000 where id in ('{r1}', '{r2}');
             update public.audit_logs set seq = 3 where id = '{r1}';
             update public.audit_logs set seq = 2 where id = '{r2}'"
        ),
        r2,
    )
    .await;
    // Rewriting a row and recomputing its own hash: the next row gives it away.
    tamper(
        &db,
        &format!(
            "update public.audit_logs set action = 'nothing' where id = '{r2}';
             update public.audit_logs a set row_hash = private.audit_row_hash(a) where id = '{r2}'"
        ),
        r3,
    )
    .await;
    // Slipping a well-formed row in after r2, with its own hashes computed
    // the way the trigger would: the row after it gives it away.
    let slipped = Uuid::new_v4();
    tamper(
        &db,
        &format!(
            "update public.audit_logs set seq = seq + 1000 where seq >= 4;
             update public.audit_logs set seq = seq - 999 where seq >= 1000;
             insert into public.audit_logs (id, seq, user_id, action, user_ref, prev_hash, row_hash)
             select '{slipped}'::uuid, 4, user_id, 'inserted', private.audit_user_ref(user_id, '{slipped}'),
                    row_hash, repeat('0', 64)
               from public.audit_logs where id = '{r2}';
             update public.audit_logs a set row_hash = private.audit_row_hash(a) where id = '{slipped}'"
        ),
        r3,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_keep_the_chain_linear() {
    let db = TestDb::new().await;
    let mut users = Vec::new();
    for i in 0..4 {
        users.push(db.sign_up(&format!("user{i}@example.com"), None).await);
    }
    const PER_WRITER: usize = 25;
    let mut writers = JoinSet::new();
    for user in users {
        let api = db.api().await;
        writers.spawn(async move {
            for n in 0..PER_WRITER {
                log(&api, &user, &format!("burst.{n}")).await;
            }
        });
    }
    while let Some(result) = writers.join_next().await {
        result.expect("writer task");
    }

    let su = db.superuser().await;
    let row = su
        .query_one(
            "select count(*), min(seq), max(seq), count(distinct prev_hash) from public.audit_logs",
            &[],
        )
        .await
        .unwrap();
    let total = (4 * PER_WRITER) as i64;
    assert_eq!(
        (
            row.get::<_, i64>(0),
            row.get::<_, i64>(1),
            row.get::<_, i64>(2),
            row.get::<_, i64>(3)
        ),
        (total, 1, total, total),
        "gapless, and no two rows claim the same predecessor"
    );
    assert_eq!(verify(&db).await, None);
}

#[tokio::test]
async fn a_repeatable_read_writer_fails_rather_than_forking_the_chain() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;
    let bob = db.sign_up("bob@example.com", None).await;
    let first = db.api().await;
    let second = db.api().await;

    // The second writer's snapshot is taken before the first one commits.
    let begin = |actor: &Actor| {
        format!(
            "begin isolation level repeatable read; set local role authenticated;
             select set_config('request.jwt.claims', '{}', true);
             select count(*) from public.audit_logs;",
            actor.claims
        )
    };
    second
        .client()
        .batch_execute(&begin(&bob.actor()))
        .await
        .unwrap();
    log(&first, &alice, "first").await;
    let result = second
        .client()
        .query("select public.log_event('second')", &[])
        .await;
    assert_sqlstate(result, &SqlState::T_R_SERIALIZATION_FAILURE);
    second.client().batch_execute("rollback").await.unwrap();

    log(&second, &bob, "retried").await;
    assert_eq!(audit_count(&db).await, 2);
    assert_eq!(verify(&db).await, None);
}

#[tokio::test]
async fn shadow_tables_in_pg_temp_do_not_fool_the_definer_function() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;
    let api = db.api().await;

    // Temporary tables are the one thing an API role can create; with a
    // search_path leading to pg_temp, an unqualified name would find them.
    let rows = ok(api
        .run_many(
            &alice.actor(),
            &[
                ("create temp table audit_logs (like public.audit_logs)", &[]),
                ("create temp table users (like public.users)", &[]),
                ("set local search_path = pg_temp, public", &[]),
                ("select public.log_event('shadowed')", &[]),
            ],
        )
        .await);
    let id: Uuid = rows[3][0].get(0);
    let su = db.superuser().await;
    let found: i64 = su
        .query_one(
            "select count(*) from public.audit_logs where id = $1",
            &[&id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(found, 1);
    assert_eq!(verify(&db).await, None);
}
