//! public.users: created from auth.users, readable and partly editable by
//! its owner only, never a way to raise one's own role.

use serde_json::{Value, json};
use tokio_postgres::error::SqlState;
use uuid::Uuid;

use super::harness::{Actor, TestDb, assert_denied, assert_sqlstate, ok};

async fn profile(
    db: &TestDb,
    id: Uuid,
) -> Option<(String, Option<String>, Option<String>, String, bool, Value)> {
    let su = db.superuser().await;
    su.query_opt(
        "select email, full_name, company, role, is_active, preferences from public.users where id = $1",
        &[&id],
    )
    .await
    .unwrap()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
}

#[tokio::test]
async fn sign_up_creates_the_profile_without_trusting_user_metadata() {
    let db = TestDb::new().await;

    let alice = db
        .sign_up("alice@example.com", Some("  Alice Analyst "))
        .await;
    let (email, full_name, company, role, active, preferences) =
        profile(&db, alice.id).await.unwrap();
    assert_eq!(email, "alice@example.com");
    assert_eq!(full_name.as_deref(), Some("Alice Analyst"));
    assert_eq!(
        (company, role.as_str(), active, preferences),
        (None, "user", true, json!({}))
    );

    // user_metadata is the user's to write at sign-up: a role there is ignored.
    let mallory = db
        .sign_up_with(
            Some("mallory@example.com"),
            json!({ "full_name": "Mallory", "role": "super_admin" }),
            json!({}),
        )
        .await;
    assert_eq!(profile(&db, mallory.id).await.unwrap().3, "user");

    // app_metadata is written only with the service key: it is the source.
    let admin = db
        .sign_up_with(
            Some("admin@example.com"),
            json!({}),
            json!({ "role": "admin" }),
        )
        .await;
    assert_eq!(profile(&db, admin.id).await.unwrap().3, "admin");
    let odd = db
        .sign_up_with(
            Some("odd@example.com"),
            json!({}),
            json!({ "role": "root" }),
        )
        .await;
    assert_eq!(profile(&db, odd.id).await.unwrap().3, "user");

    // Sign-up never fails on user-supplied values: too long is trimmed, a
    // non-string name is dropped, and a phone-only account still gets a row.
    let long = db
        .sign_up_with(
            Some("long@example.com"),
            json!({ "full_name": "x".repeat(500) }),
            json!({}),
        )
        .await;
    assert_eq!(
        profile(&db, long.id)
            .await
            .unwrap()
            .1
            .unwrap()
            .chars()
            .count(),
        200
    );
    let object_name = db
        .sign_up_with(
            Some("obj@example.com"),
            json!({ "full_name": { "first": "A" } }),
            json!({}),
        )
        .await;
    assert_eq!(profile(&db, object_name.id).await.unwrap().1, None);
    let phone_only = db.sign_up_with(None, json!({}), json!({})).await;
    assert_eq!(profile(&db, phone_only.id).await.unwrap().0, "");
}

#[tokio::test]
async fn auth_user_changes_flow_into_the_profile() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;

    ok(db
        .as_gotrue(
            "update auth.users
                set email = 'alice@new.example.com',
                    raw_app_meta_data = raw_app_meta_data || '{\"role\": \"super_admin\"}',
                    last_sign_in_at = '2026-11-01T10:00:00Z'
              where id = $1",
            &[&alice.id],
        )
        .await);
    let su = db.superuser().await;
    let row = su
        .query_one(
            "select email, role, last_login_at = '2026-11-01T10:00:00Z' from public.users where id = $1",
            &[&alice.id],
        )
        .await
        .unwrap();
    assert_eq!(
        (
            row.get::<_, String>(0),
            row.get::<_, String>(1),
            row.get::<_, bool>(2)
        ),
        (
            "alice@new.example.com".to_owned(),
            "super_admin".to_owned(),
            true
        )
    );

    // A user editing their own user_metadata (which GoTrue allows) changes nothing.
    ok(db
        .as_gotrue(
            "update auth.users set raw_user_meta_data = '{\"role\": \"user\"}',
                    raw_app_meta_data = raw_app_meta_data - 'role'
              where id = $1",
            &[&alice.id],
        )
        .await);
    assert_eq!(profile(&db, alice.id).await.unwrap().3, "user");
}

#[tokio::test]
async fn a_user_reads_only_their_own_profile() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", Some("Alice")).await;
    let bob = db.sign_up("bob@example.com", Some("Bob")).await;
    let api = db.api().await;

    let rows = ok(api
        .run(&alice.actor(), "select id from public.users", &[])
        .await);
    assert_eq!(
        rows.iter().map(|r| r.get::<_, Uuid>(0)).collect::<Vec<_>>(),
        vec![alice.id]
    );

    let rows = ok(api
        .run(
            &alice.actor(),
            "select id from public.users where id = $1",
            &[&bob.id],
        )
        .await);
    assert!(rows.is_empty(), "alice can read bob's profile");

    assert_denied(
        api.run(&Actor::anon(), "select id from public.users", &[])
            .await,
    );

    // A token whose subject has no row sees nothing either.
    let stranger = Actor::authenticated(json!({ "sub": Uuid::new_v4(), "role": "authenticated" }));
    assert!(ok(api.run(&stranger, "select id from public.users", &[]).await).is_empty());
}

#[tokio::test]
async fn a_user_edits_name_company_and_preferences_of_their_own_profile() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", Some("Alice")).await;
    let api = db.api().await;
    let su = db.superuser().await;
    let before: (std::time::SystemTime, std::time::SystemTime) = {
        let r = su
            .query_one(
                "select created_at, updated_at from public.users where id = $1",
                &[&alice.id],
            )
            .await
            .unwrap();
        (r.get(0), r.get(1))
    };

    let rows = ok(api
        .run(
            &alice.actor(),
            "update public.users
                set full_name = 'Alice A.', company = 'Acme Finance', preferences = '{\"theme\": \"dark\"}'
              where id = $1
          returning id",
            &[&alice.id],
        )
        .await);
    assert_eq!(rows.len(), 1);
    let (_, full_name, company, role, _, preferences) = profile(&db, alice.id).await.unwrap();
    assert_eq!(
        (
            full_name.as_deref(),
            company.as_deref(),
            role.as_str(),
            preferences
        ),
        (
            Some("Alice A."),
            Some("Acme Finance"),
            "user",
            json!({ "theme": "dark" })
        )
    );
    let r = su
        .query_one(
            "select created_at, updated_at from public.users where id = $1",
            &[&alice.id],
        )
        .await
        .unwrap();
    let (created, updated): (std::time::SystemTime, std::time::SystemTime) = (r.get(0), r.get(1));
    assert_eq!(created, before.0);
    assert!(
        updated > before.1,
        "updated_at is maintained by the trigger"
    );

    // Shapes still hold for the owner.
    assert_sqlstate(
        api.run(
            &alice.actor(),
            "update public.users set preferences = '[1, 2]' where id = $1",
            &[&alice.id],
        )
        .await,
        &SqlState::CHECK_VIOLATION,
    );
}

#[tokio::test]
async fn a_user_cannot_raise_their_role_or_touch_protected_columns() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", Some("Alice")).await;
    let bob = db.sign_up("bob@example.com", Some("Bob")).await;
    let api = db.api().await;

    for assignment in [
        "role = 'super_admin'",
        "role = 'admin'",
        "is_active = false",
        "email = 'bob@example.com'",
        "id = gen_random_uuid()",
        "created_at = '2000-01-01'",
        "updated_at = '2000-01-01'",
        "last_login_at = now()",
        "full_name = 'Alice', role = 'super_admin'",
    ] {
        let sql = format!("update public.users set {assignment} where id = $1 returning id");
        assert_denied(api.run(&alice.actor(), &sql, &[&alice.id]).await);
    }
    // The same through a super admin claim in user_metadata, which users edit themselves.
    let forged = alice.actor_with(json!({ "user_metadata": { "role": "super_admin" } }));
    assert_denied(
        api.run(
            &forged,
            "update public.users set role = 'super_admin' where id = $1",
            &[&alice.id],
        )
        .await,
    );
    let (email, _, _, role, active, _) = profile(&db, alice.id).await.unwrap();
    assert_eq!(
        (email.as_str(), role.as_str(), active),
        ("alice@example.com", "user", true)
    );

    // Someone else's profile: invisible, so nothing is updated.
    let rows = ok(api
        .run(
            &alice.actor(),
            "update public.users set full_name = 'pwned' where id = $1 returning id",
            &[&bob.id],
        )
        .await);
    assert!(rows.is_empty());
    assert_eq!(
        profile(&db, bob.id).await.unwrap().1.as_deref(),
        Some("Bob")
    );

    assert_denied(
        api.run(
            &Actor::anon(),
            "update public.users set full_name = 'x' where id = $1",
            &[&bob.id],
        )
        .await,
    );
}

#[tokio::test]
async fn the_column_guard_holds_even_if_grants_are_widened_later() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;
    let su = db.superuser().await;
    // A plausible later mistake, undoing the column-level grant.
    su.batch_execute("grant update on public.users to authenticated")
        .await
        .unwrap();
    let api = db.api().await;

    assert_denied(
        api.run(
            &alice.actor(),
            "update public.users set role = 'super_admin' where id = $1",
            &[&alice.id],
        )
        .await,
    );
    assert_denied(
        api.run(
            &alice.actor(),
            "update public.users set is_active = false where id = $1",
            &[&alice.id],
        )
        .await,
    );
    for assignment in [
        "email = 'boss@example.com'",
        "last_login_at = now()",
        "role = 'admin', company = 'x'",
    ] {
        let sql = format!("update public.users set {assignment} where id = $1");
        assert_denied(api.run(&alice.actor(), &sql, &[&alice.id]).await);
    }
    let rows = ok(api
        .run(
            &alice.actor(),
            "update public.users set company = 'Acme' where id = $1 returning id",
            &[&alice.id],
        )
        .await);
    assert_eq!(rows.len(), 1);
    assert_eq!(profile(&db, alice.id).await.unwrap().3, "user");
}

#[tokio::test]
async fn nobody_creates_or_deletes_profiles_through_the_api() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;
    let api = db.api().await;

    // A profile for an auth user that has none (the trigger's job, not the API's).
    let orphan = Uuid::new_v4();
    ok(db
        .as_gotrue(
            "insert into auth.users (id, email, raw_app_meta_data) values ($1, 'o@example.com', '{}')",
            &[&orphan],
        )
        .await);
    let su = db.superuser().await;
    su.execute("delete from public.users where id = $1", &[&orphan])
        .await
        .unwrap();
    let orphan_actor = Actor::authenticated(json!({ "sub": orphan, "role": "authenticated" }));
    for actor in [orphan_actor, Actor::service_role(), Actor::anon()] {
        assert_denied(
            api.run(
                &actor,
                "insert into public.users (id, email, role) values ($1, 'o@example.com', 'super_admin')",
                &[&orphan],
            )
            .await,
        );
    }

    for actor in [alice.actor(), Actor::service_role(), Actor::anon()] {
        assert_denied(
            api.run(
                &actor,
                "delete from public.users where id = $1",
                &[&alice.id],
            )
            .await,
        );
    }
    assert!(profile(&db, alice.id).await.is_some());
}

#[tokio::test]
async fn the_service_role_manages_roles_and_status() {
    let db = TestDb::new().await;
    let alice = db.sign_up("alice@example.com", None).await;
    let api = db.api().await;

    let rows = ok(api
        .run(
            &Actor::service_role(),
            "update public.users set role = 'admin', is_active = false where id = $1 returning id",
            &[&alice.id],
        )
        .await);
    assert_eq!(rows.len(), 1);
    let (_, _, _, role, active, _) = profile(&db, alice.id).await.unwrap();
    assert_eq!((role.as_str(), active), ("admin", false));

    // Still within the constraints.
    assert_sqlstate(
        api.run(
            &Actor::service_role(),
            "update public.users set role = 'root' where id = $1",
            &[&alice.id],
        )
        .await,
        &SqlState::CHECK_VIOLATION,
    );
}
