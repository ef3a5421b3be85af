//! Reading the audit trail: one's own rows; a super admin's view is
//! everyone's, filterable by user, action and time.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use crate::extract::ApiQuery;
use crate::state::AppState;
use crate::store::{
    AuditEntry, AuditFilter, Page, decode_seq_cursor, normalize_time, page_limit, seq_cursor,
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Another user's rows (super admins only).
    pub user_id: Option<Uuid>,
    /// Exact action, e.g. `sheet.create`.
    pub action: Option<String>,
    /// RFC 3339; rows at or after.
    pub from: Option<String>,
    /// RFC 3339; rows before.
    pub to: Option<String>,
    pub cursor: Option<String>,
    /// 1 to 200, default 50.
    pub limit: Option<usize>,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Page<AuditEntry>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
async fn list_audit(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<Page<AuditEntry>>, AppError> {
    if let Some(user) = query.user_id
        && user != caller.user_id
        && !caller.is_super_admin()
    {
        return Err(AppError::Forbidden(
            "only super admins may read other users' audit rows".into(),
        ));
    }
    if let Some(action) = &query.action
        && (action.is_empty() || action.chars().count() > 100)
    {
        return Err(AppError::BadRequest(
            "action must be 1 to 100 characters".into(),
        ));
    }
    let filter = AuditFilter {
        user_id: query.user_id,
        action: query.action,
        from: query.from.as_deref().map(normalize_time).transpose()?,
        to: query.to.as_deref().map(normalize_time).transpose()?,
        before_seq: query.cursor.as_deref().map(decode_seq_cursor).transpose()?,
        limit: page_limit(query.limit)?,
    };
    // Read your own writes: deliver what is queued first.
    state.audit.flush().await;
    let rows = state.store.list_audit(&caller, &filter).await?;
    Ok(Json(Page::from_rows(rows, filter.limit, |e| {
        seq_cursor(e.seq)
    })))
}
