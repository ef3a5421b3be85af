//! The caller's profile and the GDPR export.

use axum::Json;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::audit::AuditEvent;
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use crate::extract::ApiJson;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use crate::store::{Profile, ProfilePatch};
use axum::extract::State;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_me, patch_me))
        .routes(routes!(export_me))
}

/// The caller's profile, created from the token on first call.
#[utoipa::path(get, path = "/api/v1/me", tag = "profile",
    responses((status = 200, body = Profile), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
async fn get_me(State(state): State<AppState>, caller: Caller) -> Result<Json<Profile>, AppError> {
    Ok(Json(state.store.profile(&caller).await?))
}

/// Changes `full_name`, `company` or `preferences`; nothing else.
#[utoipa::path(patch, path = "/api/v1/me", tag = "profile", request_body = ProfilePatch,
    responses((status = 200, body = Profile), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 415, body = ErrorBody)),
    security(("bearer" = [])))]
async fn patch_me(
    State(state): State<AppState>,
    caller: Caller,
    meta: RequestMeta,
    ApiJson(patch): ApiJson<ProfilePatch>,
) -> Result<Json<Profile>, AppError> {
    patch.validate()?;
    let profile = state.store.update_profile(&caller, &patch).await?;
    let mut fields = Vec::new();
    if patch.full_name.is_some() {
        fields.push("full_name");
    }
    if patch.company.is_some() {
        fields.push("company");
    }
    if patch.preferences.is_some() {
        fields.push("preferences");
    }
    state
        .audit
        .record(
            &caller,
            AuditEvent::new("profile.update")
                .resource("user", Some(caller.user_id))
                .details(json!({ "fields": fields })),
            &meta,
        )
        .await;
    Ok(Json(profile))
}

/// Everything stored about the caller (GDPR access and portability).
#[utoipa::path(get, path = "/api/v1/me/export", tag = "profile",
    responses((status = 200, body = Object), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
async fn export_me(
    State(state): State<AppState>,
    caller: Caller,
    meta: RequestMeta,
) -> Result<Json<Value>, AppError> {
    state
        .audit
        .record(
            &caller,
            AuditEvent::new("data.export").resource("user", Some(caller.user_id)),
            &meta,
        )
        .await;
    // The export includes the audit trail: deliver what is queued first.
    state.audit.flush().await;
    Ok(Json(state.store.export(&caller).await?))
}
