//! AI conversations (their messages arrive with the chat issue).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::AuditEvent;
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use crate::store::{
    Conversation, ConversationPatch, ConversationSummary, KeysetCursor, NewConversation, Page,
    PageQuery, StoreError,
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_conversation, list_conversations))
        .routes(routes!(
            get_conversation,
            patch_conversation,
            delete_conversation
        ))
}

/// The sheet must be one of the caller's: the same answer from both stores.
async fn check_sheet(
    state: &AppState,
    caller: &Caller,
    sheet: Option<Uuid>,
) -> Result<(), AppError> {
    if let Some(sheet) = sheet {
        match state.store.get_sheet(caller, sheet).await {
            Ok(_) => {}
            Err(StoreError::NotFound) => {
                return Err(AppError::BadRequest(
                    "sheet_id does not name one of your sheets".into(),
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

#[utoipa::path(post, path = "/api/v1/conversations", tag = "conversations",
    request_body = NewConversation,
    responses((status = 201, body = Conversation), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 415, body = ErrorBody)),
    security(("bearer" = [])))]
async fn create_conversation(
    State(state): State<AppState>,
    caller: Caller,
    meta: RequestMeta,
    ApiJson(new): ApiJson<NewConversation>,
) -> Result<(StatusCode, Json<Conversation>), AppError> {
    new.validate()?;
    check_sheet(&state, &caller, new.sheet_id).await?;
    let created = state.store.create_conversation(&caller, &new).await?;
    state
        .audit
        .record(
            &caller,
            AuditEvent::new("conversation.create").resource("ai_conversation", Some(created.id)),
            &meta,
        )
        .await;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/conversations", tag = "conversations", params(PageQuery),
    responses((status = 200, body = Page<ConversationSummary>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
async fn list_conversations(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page<ConversationSummary>>, AppError> {
    let page = query.page()?;
    let rows = state.store.list_conversations(&caller, &page).await?;
    Ok(Json(Page::from_rows(rows, page.limit, |c| {
        KeysetCursor {
            created_at: c.created_at.clone(),
            id: c.id,
        }
        .encode()
    })))
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "conversations",
    params(("id" = Uuid, Path, description = "Conversation id")),
    responses((status = 200, body = Conversation), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn get_conversation(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Conversation>, AppError> {
    Ok(Json(state.store.get_conversation(&caller, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/conversations/{id}", tag = "conversations",
    params(("id" = Uuid, Path, description = "Conversation id")),
    request_body = ConversationPatch,
    responses((status = 200, body = Conversation), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 415, body = ErrorBody)),
    security(("bearer" = [])))]
async fn patch_conversation(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(patch): ApiJson<ConversationPatch>,
) -> Result<Json<Conversation>, AppError> {
    patch.validate()?;
    check_sheet(&state, &caller, patch.sheet_id.flatten()).await?;
    Ok(Json(
        state.store.update_conversation(&caller, id, &patch).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/conversations/{id}", tag = "conversations",
    params(("id" = Uuid, Path, description = "Conversation id")),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn delete_conversation(
    State(state): State<AppState>,
    caller: Caller,
    meta: RequestMeta,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, AppError> {
    state.store.delete_conversation(&caller, id).await?;
    state
        .audit
        .record(
            &caller,
            AuditEvent::new("conversation.delete").resource("ai_conversation", Some(id)),
            &meta,
        )
        .await;
    Ok(StatusCode::NO_CONTENT)
}
