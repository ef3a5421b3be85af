//! What the migrations leave in the catalog: tables, keys, indexes, grants,
//! function security, and the policy and function tables of docs/DATABASE.md.

use std::collections::BTreeSet;

use super::harness::{TestDb, read_repo_file};

const TABLES: [&str; 4] = ["users", "excel_sheets", "ai_conversations", "audit_logs"];

/// (column, type, nullable, default fragment or "" for none)
type ColumnSpec = (&'static str, &'static str, bool, &'static str);

fn expected_columns(table: &str) -> Vec<ColumnSpec> {
    match table {
        "users" => vec![
            ("id", "uuid", false, ""),
            ("email", "text", false, ""),
            ("full_name", "text", true, ""),
            ("company", "text", true, ""),
            ("role", "text", false, "'user'"),
            ("is_active", "boolean", false, "true"),
            ("preferences", "jsonb", false, "'{}'"),
            ("last_login_at", "timestamp with time zone", true, ""),
            ("created_at", "timestamp with time zone", false, "now()"),
            ("updated_at", "timestamp with time zone", false, "now()"),
        ],
        "excel_sheets" => vec![
            ("id", "uuid", false, "gen_random_uuid()"),
            ("user_id", "uuid", false, ""),
            ("workbook_name", "text", true, ""),
            ("sheet_name", "text", false, ""),
            ("range_address", "text", true, ""),
            ("data", "jsonb", false, ""),
            ("metadata", "jsonb", false, "'{}'"),
            ("row_count", "integer", true, ""),
            ("column_count", "integer", true, ""),
            ("status", "text", false, "'active'"),
            ("created_at", "timestamp with time zone", false, "now()"),
            ("updated_at", "timestamp with time zone", false, "now()"),
        ],
        "ai_conversations" => vec![
            ("id", "uuid", false, "gen_random_uuid()"),
            ("user_id", "uuid", false, ""),
            ("sheet_id", "uuid", true, ""),
            ("title", "text", true, ""),
            ("messages", "jsonb", false, "'[]'"),
            ("context", "jsonb", false, "'{}'"),
            ("model", "text", true, ""),
            ("total_tokens", "integer", false, "0"),
            ("status", "text", false, "'active'"),
            ("created_at", "timestamp with time zone", false, "now()"),
            ("updated_at", "timestamp with time zone", false, "now()"),
        ],
        "audit_logs" => vec![
            ("id", "uuid", false, "gen_random_uuid()"),
            ("seq", "bigint", false, ""),
            ("user_id", "uuid", true, ""),
            ("action", "text", false, ""),
            ("resource_type", "text", true, ""),
            ("resource_id", "uuid", true, ""),
            ("details", "jsonb", false, "'{}'"),
            ("status", "text", false, "'success'"),
            ("ip_address", "inet", true, ""),
            ("user_agent", "text", true, ""),
            ("created_at", "timestamp with time zone", false, "now()"),
            ("user_ref", "text", false, ""),
            ("prev_hash", "text", false, ""),
            ("row_hash", "text", false, ""),
            ("event_id", "uuid", true, ""),
        ],
        other => panic!("no expectation for {other}"),
    }
}

#[tokio::test]
async fn tables_have_the_planned_columns_and_defaults() {
    let db = TestDb::new().await;
    let su = db.superuser().await;
    for table in TABLES {
        let rows = su
            .query(
                "select column_name::text, data_type::text, is_nullable = 'YES', coalesce(column_default, '')
                   from information_schema.columns
                  where table_schema = 'public' and table_name = $1
                  order by ordinal_position",
                &[&table],
            )
            .await
            .unwrap();
        let actual: Vec<(String, String, bool, String)> = rows
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect();
        let expected = expected_columns(table);
        assert_eq!(
            actual.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
            expected.iter().map(|c| c.0).collect::<Vec<_>>(),
            "columns of {table}"
        );
        for ((name, ty, nullable, default), (exp_name, exp_ty, exp_nullable, exp_default)) in
            actual.iter().zip(&expected)
        {
            assert_eq!(
                (name.as_str(), ty.as_str(), *nullable),
                (*exp_name, *exp_ty, *exp_nullable)
            );
            if exp_default.is_empty() {
                assert_eq!(default, "", "{table}.{name} should have no default");
            } else {
                assert!(
                    default.contains(exp_default),
                    "{table}.{name} default {default:?} lacks {exp_default:?}"
                );
            }
        }
    }
}

#[tokio::test]
async fn foreign_keys_cascade_as_planned_and_are_indexed() {
    let db = TestDb::new().await;
    let su = db.superuser().await;
    let rows = su
        .query(
            "select c.conrelid::regclass::text,
                    (select string_agg(a.attname, ',' order by k.ord)
                       from unnest(c.conkey) with ordinality k(attnum, ord)
                       join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum),
                    c.confrelid::regclass::text,
                    c.confdeltype::text,
                    coalesce((select string_agg(a.attname, ',')
                                from unnest(c.confdelsetcols) s(attnum)
                                join pg_attribute a on a.attrelid = c.conrelid and a.attnum = s.attnum), ''),
                    exists (
                      select 1 from pg_index i
                       where i.indrelid = c.conrelid
                         and (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] = c.conkey
                    )
               from pg_constraint c
              where c.contype = 'f' and c.connamespace = 'public'::regnamespace
              order by 1, 2",
            &[],
        )
        .await
        .unwrap();
    let actual: BTreeSet<(String, String, String, String, String, bool)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
        .collect();
    let expected: BTreeSet<(String, String, String, String, String, bool)> = [
        // 'c' = cascade, 'n' = set null
        (
            "ai_conversations",
            "sheet_id,user_id",
            "excel_sheets",
            "n",
            "sheet_id",
            true,
        ),
        ("ai_conversations", "user_id", "users", "c", "", true),
        ("audit_logs", "user_id", "users", "n", "", true),
        ("excel_sheets", "user_id", "users", "c", "", true),
        ("users", "id", "auth.users", "c", "", true),
    ]
    .into_iter()
    .map(|(a, b, c, d, e, f)| (a.into(), b.into(), c.into(), d.into(), e.into(), f))
    .collect();
    assert_eq!(actual, expected);

    // The list queries: one user's rows, newest first.
    for (table, index) in [
        ("excel_sheets", "excel_sheets_user_id_created_at_idx"),
        (
            "ai_conversations",
            "ai_conversations_user_id_created_at_idx",
        ),
        ("audit_logs", "audit_logs_user_id_created_at_idx"),
    ] {
        let definition: String = su
            .query_one(
                "select pg_get_indexdef($1::text::regclass)",
                &[&format!("public.{index}")],
            )
            .await
            .unwrap()
            .get(0);
        assert!(
            definition.contains(&format!(
                "ON public.{table} USING btree (user_id, created_at DESC)"
            )),
            "{definition}"
        );
    }
}

#[tokio::test]
async fn rls_is_on_and_dangerous_grants_are_gone() {
    let db = TestDb::new().await;
    let su = db.superuser().await;

    // Every table anywhere the API or the migrations reach has RLS.
    let without_rls: Vec<String> = su
        .query(
            "select c.oid::regclass::text from pg_class c
              where c.relnamespace in ('public'::regnamespace, 'private'::regnamespace)
                and c.relkind in ('r', 'p') and not c.relrowsecurity",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(
        without_rls.is_empty(),
        "tables without RLS: {without_rls:?}"
    );

    // The bootstrap really did hand out ALL by default, so what follows is
    // the migrations' doing, not a lenient test setup.
    let default_acl: bool = su
        .query_one(
            "select exists (select 1 from pg_default_acl d
                             where d.defaclnamespace = 'public'::regnamespace
                               and d.defaclobjtype = 'r'
                               and d.defaclacl::text like '%anon=arwdDxt%')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(
        default_acl,
        "bootstrap must grant ALL on new public tables to anon"
    );

    for table in TABLES {
        let qualified = format!("public.{table}");
        for role in ["anon", "authenticated", "service_role"] {
            for privilege in ["TRUNCATE", "TRIGGER", "REFERENCES"] {
                let has: bool = su
                    .query_one(
                        "select has_table_privilege($1, $2, $3)",
                        &[&role, &qualified, &privilege],
                    )
                    .await
                    .unwrap()
                    .get(0);
                assert!(!has, "{role} has {privilege} on {table}");
            }
        }
        for privilege in ["SELECT", "INSERT", "UPDATE", "DELETE"] {
            let has: bool = su
                .query_one(
                    "select has_table_privilege('anon', $1, $2)",
                    &[&qualified, &privilege],
                )
                .await
                .unwrap()
                .get(0);
            assert!(!has, "anon has {privilege} on {table}");
        }
    }

    // The private schema holds no table any API role can touch.
    let private_grants: i64 = su
        .query_one(
            "select count(*) from pg_class c, unnest(array['anon', 'authenticated', 'service_role']) r(role)
              where c.relnamespace = 'private'::regnamespace and c.relkind = 'r'
                and has_table_privilege(r.role, c.oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(private_grants, 0);
}

#[tokio::test]
async fn functions_pin_search_path_and_grant_execute_narrowly() {
    let db = TestDb::new().await;
    let su = db.superuser().await;
    let rows = su
        .query(
            "select p.oid::regprocedure::text, p.prosecdef, coalesce(p.proconfig, '{}'),
                    has_function_privilege('anon', p.oid, 'EXECUTE'),
                    has_function_privilege('authenticated', p.oid, 'EXECUTE'),
                    has_function_privilege('service_role', p.oid, 'EXECUTE'),
                    p.proacl is null or p.proacl::text ~ '(^|[{,])=X'
               from pg_proc p
              where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)
              order by 1",
            &[],
        )
        .await
        .unwrap();
    let mut security_definer = BTreeSet::new();
    let mut public_api = BTreeSet::new();
    for row in &rows {
        let name: String = row.get(0);
        let definer: bool = row.get(1);
        let config: Vec<String> = row.get(2);
        let (anon, authenticated, service, to_public): (bool, bool, bool, bool) =
            (row.get(3), row.get(4), row.get(5), row.get(6));
        assert!(
            config.iter().any(|c| c == "search_path=\"\""),
            "{name} must set search_path = '' (has {config:?})"
        );
        assert!(!to_public, "{name} is executable by PUBLIC");
        assert!(!anon, "{name} is executable by anon");
        if definer {
            security_definer.insert(name.clone());
        }
        if name.starts_with("log_event")
            || name.starts_with("log_service_event")
            || name.starts_with("append_messages")
            || name.starts_with("verify_audit_chain")
            || name.starts_with("export_my_data")
        {
            public_api.insert((name, authenticated, service));
        } else if name.starts_with("private.") {
            // Only the two pure hash functions are for API roles.
            let hash_fn = name.starts_with("private.audit_row_hash")
                || name.starts_with("private.audit_user_ref");
            assert_eq!(authenticated, hash_fn, "{name} EXECUTE for authenticated");
            assert_eq!(service, hash_fn, "{name} EXECUTE for service_role");
        } else {
            panic!("unexpected function {name} in public");
        }
    }
    assert_eq!(
        security_definer,
        BTreeSet::from([
            "log_event(text,text,uuid,jsonb,text,text,text,uuid)".to_owned(),
            "log_service_event(text,uuid,text,uuid,jsonb,text,text,text,uuid)".to_owned(),
            "private.handle_new_auth_user()".to_owned(),
            "private.handle_updated_auth_user()".to_owned(),
        ])
    );
    assert_eq!(
        public_api,
        BTreeSet::from([
            ("append_messages(uuid,jsonb,bigint)".to_owned(), true, false),
            ("export_my_data()".to_owned(), true, false),
            (
                "log_event(text,text,uuid,jsonb,text,text,text,uuid)".to_owned(),
                true,
                false
            ),
            (
                "log_service_event(text,uuid,text,uuid,jsonb,text,text,text,uuid)".to_owned(),
                false,
                true
            ),
            ("verify_audit_chain()".to_owned(), true, true),
        ])
    );
}

/// Rows of the policy table in docs/DATABASE.md: (table, policy, command, roles).
fn documented_policies() -> BTreeSet<(String, String, String, String)> {
    let doc = read_repo_file("docs/DATABASE.md");
    let section = doc
        .split("<!-- policy-table:start -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- policy-table:end -->").next())
        .expect("docs/DATABASE.md has a policy table between policy-table markers");
    let mut rows = BTreeSet::new();
    for line in section
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with('|'))
    {
        let cells: Vec<String> = line
            .trim_matches('|')
            .split('|')
            .map(|cell| cell.trim().trim_matches('`').to_owned())
            .collect();
        if cells.len() < 5 || cells[0] == "Table" || cells[0].starts_with("---") {
            continue;
        }
        let mut roles: Vec<String> = cells[3]
            .split(',')
            .map(|r| r.trim().trim_matches('`').to_owned())
            .collect();
        roles.sort();
        let added = rows.insert((
            cells[0].clone(),
            cells[1].clone(),
            cells[2].to_uppercase(),
            roles.join(","),
        ));
        assert!(added, "duplicate row in the docs policy table: {line}");
    }
    rows
}

#[tokio::test]
async fn docs_policy_table_matches_pg_policies() {
    let db = TestDb::new().await;
    let su = db.superuser().await;
    let live: BTreeSet<(String, String, String, String)> = su
        .query(
            "select tablename::text, policyname::text, cmd,
                    array_to_string(array(select unnest(roles)::text order by 1), ',')
               from pg_policies where schemaname = 'public'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    let documented = documented_policies();
    assert!(!live.is_empty());
    let undocumented: Vec<_> = live.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&live).collect();
    assert!(
        undocumented.is_empty() && stale.is_empty(),
        "docs/DATABASE.md policy table is out of date.\n in the database only: {undocumented:?}\n in the docs only: {stale:?}"
    );
}

/// Function names in the first column of the Functions table of
/// docs/DATABASE.md, schema-qualified (`public.log_event`).
fn documented_functions() -> BTreeSet<String> {
    let doc = read_repo_file("docs/DATABASE.md");
    let section = doc
        .split("\n## Functions")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("docs/DATABASE.md has a Functions section");
    let mut names = BTreeSet::new();
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let first_cell = line.trim_matches('|').split('|').next().unwrap_or_default();
        for quoted in first_cell.split('`').skip(1).step_by(2) {
            if let Some((name, _)) = quoted.split_once('(') {
                names.insert(name.to_owned());
            }
        }
    }
    names
}

#[tokio::test]
async fn docs_function_table_matches_pg_proc() {
    let db = TestDb::new().await;
    let su = db.superuser().await;
    let live: BTreeSet<String> = su
        .query(
            "select p.pronamespace::regnamespace::text || '.' || p.proname
               from pg_proc p
              where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let documented = documented_functions();
    assert!(!live.is_empty());
    let undocumented: Vec<_> = live.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&live).collect();
    assert!(
        undocumented.is_empty() && stale.is_empty(),
        "docs/DATABASE.md Functions table is out of date.\n in the database only: {undocumented:?}\n in the docs only: {stale:?}"
    );
}
