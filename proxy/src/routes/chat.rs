//! Chat with Gemini. Until a key is configured every chat endpoint answers
//! `503 ai_not_configured`, so the task pane can tell the user what to do;
//! streaming answers arrive with the AI chat issue.

use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;

use crate::error::AppError;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/conversations/{id}/messages", post(post_message))
}

#[derive(Debug, Deserialize)]
pub struct NewMessage {
    pub text: String,
}

async fn post_message(
    State(state): State<AppState>,
    Path(_conversation): Path<String>,
    Json(_message): Json<NewMessage>,
) -> Result<(), AppError> {
    if state.config.gemini_api_key.is_none() {
        return Err(AppError::AiNotConfigured);
    }
    Err(AppError::NotImplemented("streaming chat"))
}
