//! Masked sheet snapshots.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::AuditEvent;
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use crate::store::{KeysetCursor, NewSheet, Page, PageQuery, Sheet, SheetSummary};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_sheet, list_sheets))
        .routes(routes!(get_sheet, delete_sheet))
}

/// Saves a (masked) snapshot of a sheet range.
#[utoipa::path(post, path = "/api/v1/sheets", tag = "sheets", request_body = NewSheet,
    responses((status = 201, body = Sheet), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody)),
    security(("bearer" = [])))]
async fn create_sheet(
    State(state): State<AppState>,
    caller: Caller,
    meta: RequestMeta,
    ApiJson(sheet): ApiJson<NewSheet>,
) -> Result<(StatusCode, Json<Sheet>), AppError> {
    sheet.validate()?;
    let saved = state.store.create_sheet(&caller, &sheet).await?;
    state
        .audit
        .record(
            &caller,
            AuditEvent::new("sheet.create")
                .resource("excel_sheet", Some(saved.id))
                .details(
                    json!({ "row_count": saved.row_count, "column_count": saved.column_count }),
                ),
            &meta,
        )
        .await;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// The caller's sheets, newest first, without their data.
#[utoipa::path(get, path = "/api/v1/sheets", tag = "sheets", params(PageQuery),
    responses((status = 200, body = Page<SheetSummary>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
async fn list_sheets(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<SheetSummary>>, AppError> {
    let page = query.page()?;
    let rows = state.store.list_sheets(&caller, &page).await?;
    Ok(Json(Page::from_rows(rows, page.limit, |s| {
        KeysetCursor {
            created_at: s.created_at.clone(),
            id: s.id,
        }
        .encode()
    })))
}

#[utoipa::path(get, path = "/api/v1/sheets/{id}", tag = "sheets",
    params(("id" = Uuid, Path, description = "Sheet id")),
    responses((status = 200, body = Sheet), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn get_sheet(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Sheet>, AppError> {
    Ok(Json(state.store.get_sheet(&caller, id).await?))
}

#[utoipa::path(delete, path = "/api/v1/sheets/{id}", tag = "sheets",
    params(("id" = Uuid, Path, description = "Sheet id")),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn delete_sheet(
    State(state): State<AppState>,
    caller: Caller,
    meta: RequestMeta,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, AppError> {
    state.store.delete_sheet(&caller, id).await?;
    state
        .audit
        .record(
            &caller,
            AuditEvent::new("sheet.delete").resource("excel_sheet", Some(id)),
            &meta,
        )
        .await;
    Ok(StatusCode::NO_CONTENT)
}
