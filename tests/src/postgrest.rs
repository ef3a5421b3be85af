//! A small server that speaks PostgREST's wire format for the requests the
//! proxy makes, and runs them against the real PostgreSQL of a scratch
//! database (bootstrap + migrations, see `harness`). PostgREST itself
//! cannot be installed here.
//!
//! Like PostgREST (and Supabase's gateway in front of it) it wants an
//! `apikey` (the anon key, or a service-role key of the project), verifies
//! the Bearer JWT (HS256 with the project secret), and runs each request,
//! on one of a small pool of connections, in one transaction with `set local role <role claim>`
//! and `request.jwt.claims` set, so grants, RLS and triggers decide. It
//! understands: `GET/POST/PATCH/DELETE /rest/v1/<table>` with `select`,
//! `order`, `limit`, `offset`, column filters (`eq neq gt gte lt lte is
//! like ilike in`), `or=(…)` with nested `and(…)`; `Prefer:
//! return=representation`; `Accept: application/vnd.pgrst.object+json`;
//! `POST /rest/v1/rpc/<function>` with named JSON arguments; and answers
//! errors as `{code, message, details, hint}` with PostgREST's statuses.

// Errors here are finished HTTP responses, built once per failed request of
// a test server: their size does not matter.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use tokio::sync::Mutex;
use tokio_postgres::types::ToSql;

use crate::harness::{Api, TestDb};

const TABLES: &[&str] = &["users", "excel_sheets", "ai_conversations", "audit_logs"];
const FUNCTIONS: &[&str] = &[
    "log_event",
    "log_service_event",
    "append_messages",
    "export_my_data",
    "verify_audit_chain",
];
/// Connections to the database, like PostgREST's pool: requests that
/// arrive together run together, so the database's own locking is tested.
const POOL_SIZE: usize = 4;

struct Inner {
    pool: Vec<Mutex<Api>>,
    next_connection: AtomicUsize,
    jwt_secret: String,
    anon_key: String,
    /// Column name → type, per table; function argument name → type.
    columns: HashMap<String, HashMap<String, String>>,
    functions: HashMap<String, Vec<(String, String)>>,
    down: AtomicBool,
    failing_rpc: std::sync::Mutex<Option<String>>,
    held_rpc: std::sync::Mutex<Option<String>>,
    requests: AtomicUsize,
    rpc_calls: std::sync::Mutex<HashMap<String, usize>>,
}

/// A running stand-in; stops when dropped.
pub struct StandIn {
    /// What the proxy gets as `SUPABASE_URL` (PostgREST is under `/rest/v1`).
    pub url: String,
    inner: Arc<Inner>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type Reply = Result<Response, Response>;

fn pg_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "code": code, "message": message, "details": null, "hint": null })),
    )
        .into_response()
}

impl StandIn {
    pub async fn start(db: &TestDb, jwt_secret: &str, anon_key: &str) -> StandIn {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve(db, jwt_secret, anon_key, listener, Router::new()).await
    }

    /// Serves on a listener the caller bound, with `extra` routes beside
    /// `/rest/v1` (the `supabase-standin` binary adds the Auth stand-in, so
    /// one origin is the whole project, as `SUPABASE_URL` is on Supabase).
    pub async fn serve(
        db: &TestDb,
        jwt_secret: &str,
        anon_key: &str,
        listener: tokio::net::TcpListener,
        extra: Router,
    ) -> StandIn {
        let su = db.superuser().await;
        let mut columns: HashMap<String, HashMap<String, String>> = HashMap::new();
        for row in su
            .query(
                "select c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod)
                   from pg_attribute a join pg_class c on c.oid = a.attrelid
                  where c.relnamespace = 'public'::regnamespace and a.attnum > 0
                    and not a.attisdropped and c.relname = any($1)",
                &[&TABLES],
            )
            .await
            .expect("read the catalog")
        {
            columns
                .entry(row.get(0))
                .or_default()
                .insert(row.get(1), row.get(2));
        }
        let mut functions = HashMap::new();
        for row in su
            .query(
                "select p.proname::text,
                        coalesce(array(select unnest(p.proargnames)), '{}')::text[],
                        coalesce(array(select format_type(t, null) from unnest(p.proargtypes) t), '{}')::text[]
                   from pg_proc p
                  where p.pronamespace = 'public'::regnamespace and p.proname = any($1)",
                &[&FUNCTIONS],
            )
            .await
            .expect("read the functions")
        {
            let names: Vec<String> = row.get(1);
            let types: Vec<String> = row.get(2);
            functions.insert(row.get::<_, String>(0), names.into_iter().zip(types).collect());
        }
        let mut pool = Vec::with_capacity(POOL_SIZE);
        for _ in 0..POOL_SIZE {
            pool.push(Mutex::new(db.api().await));
        }
        let inner = Arc::new(Inner {
            pool,
            next_connection: AtomicUsize::new(0),
            jwt_secret: jwt_secret.to_owned(),
            anon_key: anon_key.to_owned(),
            columns,
            functions,
            down: AtomicBool::new(false),
            failing_rpc: std::sync::Mutex::new(None),
            held_rpc: std::sync::Mutex::new(None),
            requests: AtomicUsize::new(0),
            rpc_calls: std::sync::Mutex::new(HashMap::new()),
        });
        let app = Router::new()
            .route("/rest/v1/", get(root))
            .route("/rest/v1/rpc/{function}", post(rpc))
            .route("/rest/v1/{table}", any(table))
            .with_state(inner.clone())
            .merge(extra);
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        StandIn {
            url: format!("http://{addr}"),
            inner,
            task,
        }
    }

    /// Answers 503 to everything while `down` (an outage).
    pub fn set_down(&self, down: bool) {
        self.inner.down.store(down, Ordering::SeqCst);
    }

    /// Answers 503 to calls of one RPC (e.g. `log_event`).
    pub fn fail_rpc(&self, function: Option<&str>) {
        *self.inner.failing_rpc.lock().unwrap() = function.map(str::to_owned);
    }

    /// Runs calls of one RPC (e.g. `log_event`) and commits them, but holds
    /// the answer back until released with `None`: the caller cannot tell
    /// whether its call took effect (a crash or timeout in that window).
    pub fn hold_rpc_answers(&self, function: Option<&str>) {
        *self.inner.held_rpc.lock().unwrap() = function.map(str::to_owned);
    }

    pub fn requests(&self) -> usize {
        self.inner.requests.load(Ordering::SeqCst)
    }

    /// How many calls of `function` reached the stand-in.
    pub fn rpc_calls(&self, function: &str) -> usize {
        self.inner
            .rpc_calls
            .lock()
            .unwrap()
            .get(function)
            .copied()
            .unwrap_or(0)
    }
}

/// apikey, then the JWT: the role and claims of the request.
fn authenticate(inner: &Inner, headers: &HeaderMap) -> Result<(String, Value), Response> {
    inner.requests.fetch_add(1, Ordering::SeqCst);
    if inner.down.load(Ordering::SeqCst) {
        return Err(pg_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "PGRST000",
            "database unavailable",
        ));
    }
    let apikey = headers.get("apikey").and_then(|v| v.to_str().ok());
    if apikey != Some(inner.anon_key.as_str()) && !apikey.is_some_and(|k| is_service_key(inner, k))
    {
        return Err((
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({ "message": "Invalid API key" })),
        )
            .into_response());
    }
    let token = match headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        Some(token) => token,
        None => return Ok(("anon".to_owned(), json!({ "role": "anon" }))),
    };
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["exp"]);
    let claims = jsonwebtoken::decode::<Value>(
        token,
        &DecodingKey::from_secret(inner.jwt_secret.as_bytes()),
        &validation,
    )
    .map_err(|e| {
        pg_error(
            StatusCode::UNAUTHORIZED,
            "PGRST301",
            &format!("JWT invalid: {e}"),
        )
    })?
    .claims;
    let role = claims
        .get("role")
        .and_then(Value::as_str)
        .unwrap_or("anon")
        .to_owned();
    if !["anon", "authenticated", "service_role"].contains(&role.as_str()) {
        return Err(pg_error(
            StatusCode::UNAUTHORIZED,
            "PGRST301",
            "JWT role is not allowed",
        ));
    }
    Ok((role, claims))
}

/// Supabase's gateway knows two keys; the service key is a JWT of the
/// project with role `service_role`.
fn is_service_key(inner: &Inner, key: &str) -> bool {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["exp"]);
    jsonwebtoken::decode::<Value>(
        key,
        &DecodingKey::from_secret(inner.jwt_secret.as_bytes()),
        &validation,
    )
    .is_ok_and(|t| t.claims.get("role").and_then(Value::as_str) == Some("service_role"))
}

async fn root(State(inner): State<Arc<Inner>>, headers: HeaderMap) -> Response {
    match authenticate(&inner, &headers) {
        Ok(_) => axum::Json(json!({ "swagger": "2.0" })).into_response(),
        Err(e) => e,
    }
}

fn ident(name: &str) -> Result<String, Response> {
    if !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        Ok(format!("\"{name}\""))
    } else {
        Err(pg_error(
            StatusCode::BAD_REQUEST,
            "PGRST100",
            &format!("\"{name}\" is not a column name"),
        ))
    }
}

/// SQL being built, with its text parameters.
struct Sql {
    params: Vec<String>,
}

impl Sql {
    fn param(&mut self, value: &str, ty: &str) -> String {
        self.params.push(value.to_owned());
        format!("(${}::text)::{ty}", self.params.len())
    }
}

fn column_type<'a>(columns: &'a HashMap<String, String>, name: &str) -> Result<&'a str, Response> {
    columns.get(name).map(String::as_str).ok_or_else(|| {
        pg_error(
            StatusCode::BAD_REQUEST,
            "42703",
            &format!("column \"{name}\" does not exist"),
        )
    })
}

/// `column=op.value` → SQL.
fn filter(
    sql: &mut Sql,
    columns: &HashMap<String, String>,
    column: &str,
    expr: &str,
) -> Result<String, Response> {
    let bad = |m: &str| pg_error(StatusCode::BAD_REQUEST, "PGRST100", m);
    let (negate, expr) = match expr.strip_prefix("not.") {
        Some(rest) => (true, rest),
        None => (false, expr),
    };
    let (op, value) = expr
        .split_once('.')
        .ok_or_else(|| bad(&format!("\"{expr}\" is not op.value")))?;
    let ty = column_type(columns, column)?;
    let col = ident(column)?;
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    let clause = match op {
        "eq" | "neq" | "gt" | "gte" | "lt" | "lte" => {
            let sym = match op {
                "eq" => "=",
                "neq" => "<>",
                "gt" => ">",
                "gte" => ">=",
                "lt" => "<",
                _ => "<=",
            };
            format!("{col} {sym} {}", sql.param(value, ty))
        }
        "like" | "ilike" => format!(
            "{col}::text {} {}",
            if op == "like" { "like" } else { "ilike" },
            sql.param(&value.replace('*', "%"), "text")
        ),
        "is" => match value {
            "null" => format!("{col} is null"),
            "true" => format!("{col} is true"),
            "false" => format!("{col} is false"),
            _ => return Err(bad("is.<null|true|false>")),
        },
        "in" => {
            let inner = value
                .strip_prefix('(')
                .and_then(|v| v.strip_suffix(')'))
                .ok_or_else(|| bad("in.(a,b)"))?;
            let items: Vec<String> = inner
                .split(',')
                .map(|v| sql.param(v.trim_matches('"'), ty))
                .collect();
            format!("{col} in ({})", items.join(", "))
        }
        _ => return Err(bad(&format!("unknown operator {op}"))),
    };
    Ok(if negate {
        format!("not ({clause})")
    } else {
        clause
    })
}

/// Splits `a,b(c,d),"e,f"` at top-level commas.
fn split_top(text: &str) -> Vec<&str> {
    let (mut depth, mut quoted, mut start) = (0i32, false, 0);
    let mut out = Vec::new();
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

/// `or=(…)` / `and=(…)` bodies, nested.
fn logic(
    sql: &mut Sql,
    columns: &HashMap<String, String>,
    joiner: &str,
    body: &str,
) -> Result<String, Response> {
    let body = body
        .strip_prefix('(')
        .and_then(|b| b.strip_suffix(')'))
        .ok_or_else(|| pg_error(StatusCode::BAD_REQUEST, "PGRST100", "logic tree needs (…)"))?;
    let mut parts = Vec::new();
    for item in split_top(body) {
        let item = item.trim();
        if let Some(rest) = item.strip_prefix("and(") {
            parts.push(logic(sql, columns, "and", &format!("({rest}"))?);
        } else if let Some(rest) = item.strip_prefix("or(") {
            parts.push(logic(sql, columns, "or", &format!("({rest}"))?);
        } else {
            let (column, expr) = item.split_once('.').ok_or_else(|| {
                pg_error(
                    StatusCode::BAD_REQUEST,
                    "PGRST100",
                    "column.op.value expected",
                )
            })?;
            parts.push(filter(sql, columns, column, expr)?);
        }
    }
    Ok(format!("({})", parts.join(&format!(" {joiner} "))))
}

struct Query {
    select: String,
    conditions: Vec<String>,
    order: String,
    limit: String,
}

fn parse_query(
    sql: &mut Sql,
    columns: &HashMap<String, String>,
    raw: Option<&str>,
) -> Result<Query, Response> {
    let pairs: Vec<(String, String)> = raw
        .map(|q| {
            axum::http::Uri::try_from(format!("/?{q}"))
                .ok()
                .and_then(|u| u.query().map(str::to_owned))
                .unwrap_or_default()
        })
        .map(|q| decode_pairs(&q))
        .unwrap_or_default();
    let mut query = Query {
        select: "*".into(),
        conditions: Vec::new(),
        order: String::new(),
        limit: String::new(),
    };
    let bad = |m: &str| pg_error(StatusCode::BAD_REQUEST, "PGRST100", m);
    for (key, value) in pairs {
        match key.as_str() {
            "select" => {
                if value.trim() != "*" {
                    let cols: Result<Vec<String>, Response> = value
                        .split(',')
                        .map(|c| {
                            column_type(columns, c.trim())?;
                            ident(c.trim())
                        })
                        .collect();
                    query.select = cols?.join(", ");
                }
            }
            "order" => {
                let mut terms = Vec::new();
                for term in value.split(',') {
                    let mut bits = term.split('.');
                    let column = bits.next().unwrap_or_default();
                    column_type(columns, column)?;
                    let mut sql_term = ident(column)?;
                    for bit in bits {
                        sql_term.push_str(match bit {
                            "asc" => " asc",
                            "desc" => " desc",
                            "nullsfirst" => " nulls first",
                            "nullslast" => " nulls last",
                            _ => return Err(bad("bad order")),
                        });
                    }
                    terms.push(sql_term);
                }
                query.order = format!(" order by {}", terms.join(", "));
            }
            "limit" => {
                let n: u64 = value.parse().map_err(|_| bad("limit is not a number"))?;
                query.limit = format!(" limit {n}");
            }
            "offset" => {
                let n: u64 = value.parse().map_err(|_| bad("offset is not a number"))?;
                query.limit.push_str(&format!(" offset {n}"));
            }
            "or" => query.conditions.push(logic(sql, columns, "or", &value)?),
            "and" => query.conditions.push(logic(sql, columns, "and", &value)?),
            column => query.conditions.push(filter(sql, columns, column, &value)?),
        }
    }
    Ok(query)
}

fn decode_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Runs one request in one transaction, as PostgREST does.
async fn run(
    inner: &Inner,
    role: &str,
    claims: &Value,
    sql: &str,
    params: &[String],
) -> Result<Value, Response> {
    let slot = inner.next_connection.fetch_add(1, Ordering::SeqCst) % inner.pool.len();
    let api = inner.pool[slot].lock().await;
    let client = api.client();
    let begin = format!("begin isolation level read committed; set local role {role}");
    client
        .batch_execute(&begin)
        .await
        .map_err(|e| db_error(&e, role))?;
    let outcome = async {
        client
            .execute(
                "select set_config('request.jwt.claims', $1, true)",
                &[&claims.to_string()],
            )
            .await?;
        let refs: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        client.query_one(sql, &refs).await
    }
    .await;
    match outcome {
        Ok(row) => {
            client
                .batch_execute("commit")
                .await
                .map_err(|e| db_error(&e, role))?;
            let value: Option<Value> = row.get(0);
            Ok(value.unwrap_or(Value::Null))
        }
        Err(error) => {
            let _ = client.batch_execute("rollback").await;
            Err(db_error(&error, role))
        }
    }
}

/// PostgREST's mapping of SQLSTATEs to HTTP statuses.
fn db_error(error: &tokio_postgres::Error, role: &str) -> Response {
    let Some(db) = error.as_db_error() else {
        return pg_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "PGRST000",
            &error.to_string(),
        );
    };
    let code = db.code().code();
    let status = match code {
        "42501" if role == "anon" => StatusCode::UNAUTHORIZED,
        "42501" => StatusCode::FORBIDDEN,
        "23505" | "23503" => StatusCode::CONFLICT,
        "42883" | "42P01" => StatusCode::NOT_FOUND,
        c if c.starts_with("23") || c.starts_with("22") || c.starts_with("42") => {
            StatusCode::BAD_REQUEST
        }
        "P0001" => StatusCode::BAD_REQUEST,
        "40001" => StatusCode::CONFLICT,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    (
        status,
        axum::Json(json!({
            "code": code,
            "message": db.message(),
            "details": db.detail(),
            "hint": db.hint(),
        })),
    )
        .into_response()
}

fn singular(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/vnd.pgrst.object+json"))
}

fn wants_representation(headers: &HeaderMap) -> bool {
    headers
        .get("prefer")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("return=representation"))
}

/// The rows as PostgREST answers them: an array, or one object when asked.
fn shape(rows: Value, single: bool, representation: bool, status: StatusCode) -> Reply {
    if single {
        let rows = rows.as_array().cloned().unwrap_or_default();
        if rows.len() != 1 {
            return Err(pg_error(
                StatusCode::NOT_ACCEPTABLE,
                "PGRST116",
                "JSON object requested, multiple (or no) rows returned",
            ));
        }
        return Ok((status, axum::Json(rows[0].clone())).into_response());
    }
    if !representation {
        return Ok(status.into_response());
    }
    Ok((status, axum::Json(rows)).into_response())
}

async fn table(
    State(inner): State<Arc<Inner>>,
    Path(name): Path<String>,
    method: Method,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let handle = async {
        let (role, claims) = authenticate(&inner, &headers)?;
        let columns = inner.columns.get(&name).ok_or_else(|| {
            pg_error(
                StatusCode::NOT_FOUND,
                "PGRST205",
                &format!("Could not find the table 'public.{name}' in the schema cache"),
            )
        })?;
        let mut sql = Sql { params: Vec::new() };
        let query = parse_query(&mut sql, columns, raw.as_deref())?;
        let conditions = if query.conditions.is_empty() {
            "true".to_owned()
        } else {
            query.conditions.join(" and ")
        };
        let table = format!("public.{}", ident(&name)?);
        let single = singular(&headers);
        let representation = wants_representation(&headers);
        let (statement, status) = match method {
            Method::GET => (
                format!(
                    "select coalesce(jsonb_agg(to_jsonb(t)), '[]'::jsonb) from \
                     (select {} from {table} where {conditions}{}{}) t",
                    query.select, query.order, query.limit
                ),
                StatusCode::OK,
            ),
            Method::POST | Method::PATCH => {
                let json: Value = serde_json::from_slice(&body).map_err(|e| {
                    pg_error(
                        StatusCode::BAD_REQUEST,
                        "PGRST102",
                        &format!("Empty or invalid json: {e}"),
                    )
                })?;
                let first = match &json {
                    Value::Array(rows) => rows.first().cloned().unwrap_or(json!({})),
                    other => other.clone(),
                };
                let keys: Vec<String> = first
                    .as_object()
                    .ok_or_else(|| {
                        pg_error(StatusCode::BAD_REQUEST, "PGRST102", "body is not an object")
                    })?
                    .keys()
                    .map(|k| {
                        column_type(columns, k)?;
                        ident(k)
                    })
                    .collect::<Result<_, _>>()?;
                let payload = sql.param(&json.to_string(), "jsonb");
                if method == Method::POST {
                    (
                        format!(
                            "with t as (insert into {table} ({cols}) select {cols} from \
                             jsonb_populate_recordset(null::{table}, case when jsonb_typeof({payload}) = 'array' \
                             then {payload} else jsonb_build_array({payload}) end) returning *) \
                             select coalesce(jsonb_agg(to_jsonb(x)), '[]'::jsonb) from (select {sel} from t) x",
                            cols = keys.join(", "),
                            sel = query.select
                        ),
                        StatusCode::CREATED,
                    )
                } else {
                    let sets: Vec<String> = keys
                        .iter()
                        .map(|k| {
                            format!("{k} = (select r.{k} from jsonb_populate_record(null::{table}, {payload}) r)")
                        })
                        .collect();
                    (
                        format!(
                            "with t as (update {table} set {} \
                             where {conditions} returning {table}.*) \
                             select coalesce(jsonb_agg(to_jsonb(x)), '[]'::jsonb) from (select {sel} from t) x",
                            sets.join(", "),
                            sel = query.select
                        ),
                        StatusCode::OK,
                    )
                }
            }
            Method::DELETE => (
                format!(
                    "with t as (delete from {table} where {conditions} returning *) \
                     select coalesce(jsonb_agg(to_jsonb(x)), '[]'::jsonb) from (select {} from t) x",
                    query.select
                ),
                StatusCode::OK,
            ),
            _ => {
                return Err(pg_error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "PGRST117",
                    "unsupported method",
                ));
            }
        };
        let result = run(&inner, &role, &claims, &statement, &sql.params).await?;
        shape(
            result,
            single,
            representation || method == Method::GET,
            status,
        )
    };
    match handle.await {
        Ok(r) | Err(r) => r,
    }
}

async fn rpc(
    State(inner): State<Arc<Inner>>,
    Path(function): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let handle = async {
        let (role, claims) = authenticate(&inner, &headers)?;
        *inner
            .rpc_calls
            .lock()
            .unwrap()
            .entry(function.clone())
            .or_default() += 1;
        if inner.failing_rpc.lock().unwrap().as_deref() == Some(function.as_str()) {
            return Err(pg_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "PGRST000",
                "injected outage",
            ));
        }
        let not_found = || {
            pg_error(
                StatusCode::NOT_FOUND,
                "PGRST202",
                &format!("Could not find the function public.{function} in the schema cache"),
            )
        };
        let args = inner.functions.get(&function).ok_or_else(not_found)?;
        let json: Value = if body.is_empty() {
            json!({})
        } else {
            serde_json::from_slice(&body).map_err(|e| {
                pg_error(
                    StatusCode::BAD_REQUEST,
                    "PGRST102",
                    &format!("Empty or invalid json: {e}"),
                )
            })?
        };
        let given = json.as_object().ok_or_else(|| {
            pg_error(
                StatusCode::BAD_REQUEST,
                "PGRST102",
                "arguments must be an object",
            )
        })?;
        let mut sql = Sql { params: Vec::new() };
        let mut named = Vec::new();
        for (key, value) in given {
            let ty = args
                .iter()
                .find(|(name, _)| name == key)
                .map(|(_, ty)| ty.as_str())
                .ok_or_else(not_found)?;
            let arg = ident(key)?;
            let expr = if value.is_null() {
                format!("null::{ty}")
            } else if ty == "jsonb" || ty == "json" {
                sql.param(&value.to_string(), ty)
            } else {
                let text = match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                sql.param(&text, ty)
            };
            named.push(format!("{arg} => {expr}"));
        }
        let statement = format!(
            "select to_jsonb(public.{}({}))",
            ident(&function)?,
            named.join(", ")
        );
        let value = run(&inner, &role, &claims, &statement, &sql.params).await?;
        while inner.held_rpc.lock().unwrap().as_deref() == Some(function.as_str()) {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        Ok::<Response, Response>(axum::Json(value).into_response())
    };
    match handle.await {
        Ok(r) | Err(r) => r,
    }
}
