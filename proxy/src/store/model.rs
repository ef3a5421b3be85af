//! What the API reads and writes. Request bodies refuse unknown fields and
//! are validated here with the database's own limits, so both stores answer
//! the same 400 for the same mistake.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::AppError;

pub const MAX_PREFERENCES_BYTES: usize = 64 * 1024;
pub const MAX_SHEET_DATA_BYTES: usize = 5 * 1024 * 1024;
pub const MAX_METADATA_BYTES: usize = 64 * 1024;
pub const DEFAULT_PAGE: usize = 50;
pub const MAX_PAGE: usize = 200;

/// `Some(None)` when the field is present and null, `None` when absent.
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Profile {
    pub id: Uuid,
    pub email: String,
    pub full_name: Option<String>,
    pub company: Option<String>,
    /// `user`, `admin` or `super_admin` (mirrors `app_metadata.role`).
    pub role: String,
    pub is_active: bool,
    #[schema(value_type = Object)]
    pub preferences: Value,
    pub last_login_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// The fields a user may change; `null` clears `full_name` / `company`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub full_name: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub company: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub preferences: Option<Value>,
}

impl ProfilePatch {
    pub fn validate(&self) -> Result<(), AppError> {
        if self.full_name.is_none() && self.company.is_none() && self.preferences.is_none() {
            return Err(bad(
                "nothing to change: send full_name, company or preferences",
            ));
        }
        if let Some(Some(name)) = &self.full_name {
            max_chars("full_name", name, 200)?;
        }
        if let Some(Some(company)) = &self.company {
            max_chars("company", company, 200)?;
        }
        if let Some(p) = &self.preferences {
            object_within("preferences", p, MAX_PREFERENCES_BYTES)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RecordStatus {
    Active,
    Archived,
}

impl RecordStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordStatus::Active => "active",
            RecordStatus::Archived => "archived",
        }
    }
}

/// A masked snapshot of a sheet range.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NewSheet {
    #[serde(default)]
    pub workbook_name: Option<String>,
    pub sheet_name: String,
    #[serde(default)]
    pub range_address: Option<String>,
    /// The (masked) values: an array of rows or an object.
    #[schema(value_type = Object)]
    pub data: Value,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    #[serde(default)]
    pub row_count: Option<i32>,
    #[serde(default)]
    pub column_count: Option<i32>,
}

impl NewSheet {
    pub fn validate(&self) -> Result<(), AppError> {
        if let Some(w) = &self.workbook_name {
            max_chars("workbook_name", w, 255)?;
        }
        let n = self.sheet_name.chars().count();
        if !(1..=31).contains(&n) {
            return Err(bad("sheet_name must be 1 to 31 characters"));
        }
        if let Some(r) = &self.range_address {
            max_chars("range_address", r, 2048)?;
        }
        if !(self.data.is_array() || self.data.is_object()) {
            return Err(bad("data must be an array or an object"));
        }
        if json_len(&self.data) > MAX_SHEET_DATA_BYTES {
            return Err(bad("data is larger than 5 MiB"));
        }
        if let Some(m) = &self.metadata {
            object_within("metadata", m, MAX_METADATA_BYTES)?;
        }
        if let Some(r) = self.row_count
            && !(0..=1_048_576).contains(&r)
        {
            return Err(bad("row_count must be between 0 and 1048576"));
        }
        if let Some(c) = self.column_count
            && !(0..=16_384).contains(&c)
        {
            return Err(bad("column_count must be between 0 and 16384"));
        }
        Ok(())
    }
}

/// A sheet in full: its list view and the data.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Sheet {
    #[serde(flatten)]
    pub summary: SheetSummary,
    #[schema(value_type = Object)]
    pub data: Value,
}

/// A sheet in a list: everything but `data`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct SheetSummary {
    pub id: Uuid,
    pub user_id: Uuid,
    pub workbook_name: Option<String>,
    pub sheet_name: String,
    pub range_address: Option<String>,
    #[schema(value_type = Object)]
    pub metadata: Value,
    pub row_count: Option<i32>,
    pub column_count: Option<i32>,
    pub status: RecordStatus,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NewConversation {
    #[serde(default)]
    pub title: Option<String>,
    /// One of the caller's sheets.
    #[serde(default)]
    pub sheet_id: Option<Uuid>,
    #[serde(default)]
    pub model: Option<String>,
}

impl NewConversation {
    pub fn validate(&self) -> Result<(), AppError> {
        if let Some(t) = &self.title {
            max_chars("title", t, 500)?;
        }
        if let Some(m) = &self.model {
            max_chars("model", m, 200)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConversationPatch {
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub title: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<Uuid>)]
    pub sheet_id: Option<Option<Uuid>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RecordStatus>,
    /// A new `context` (the chat's summary of older turns): set by the
    /// chat path only, never read from an API request.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
}

impl ConversationPatch {
    pub fn validate(&self) -> Result<(), AppError> {
        if self.title.is_none() && self.sheet_id.is_none() && self.status.is_none() {
            return Err(bad("nothing to change: send title, sheet_id or status"));
        }
        if let Some(Some(t)) = &self.title {
            max_chars("title", t, 500)?;
        }
        Ok(())
    }
}

/// A conversation in full: its list view, the messages and the context.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Conversation {
    #[serde(flatten)]
    pub summary: ConversationSummary,
    #[schema(value_type = Vec<Object>)]
    pub messages: Value,
    #[schema(value_type = Object)]
    pub context: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ConversationSummary {
    pub id: Uuid,
    pub user_id: Uuid,
    pub sheet_id: Option<Uuid>,
    pub title: Option<String>,
    pub model: Option<String>,
    pub total_tokens: i32,
    pub status: RecordStatus,
    pub created_at: String,
    pub updated_at: String,
}

/// A full row reads like its list view (`sheet.id`, `conversation.title`):
/// the fields are declared once, in the summary.
macro_rules! reads_like_its_summary {
    ($full:ty => $summary:ty) => {
        impl std::ops::Deref for $full {
            type Target = $summary;

            fn deref(&self) -> &$summary {
                &self.summary
            }
        }
    };
}
reads_like_its_summary!(Sheet => SheetSummary);
reads_like_its_summary!(Conversation => ConversationSummary);

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AuditEntry {
    pub id: Uuid,
    pub seq: i64,
    pub user_id: Option<Uuid>,
    pub action: String,
    pub resource_type: Option<String>,
    pub resource_id: Option<Uuid>,
    #[schema(value_type = Object)]
    pub details: Value,
    /// `success`, `failure` or `denied`.
    pub status: String,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: String,
}

/// Filters of `GET /api/v1/audit`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditFilter {
    /// Only super admins may name another user.
    pub user_id: Option<Uuid>,
    pub action: Option<String>,
    /// RFC 3339, inclusive.
    pub from: Option<String>,
    /// RFC 3339, exclusive.
    pub to: Option<String>,
    /// Rows with `seq` below this.
    pub before_seq: Option<i64>,
    pub limit: usize,
}

/// Query string of the list endpoints.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1 to 200, default 50.
    pub limit: Option<usize>,
}

impl PageQuery {
    pub fn page(&self) -> Result<crate::store::PageRequest, AppError> {
        Ok(crate::store::PageRequest {
            after: self
                .cursor
                .as_deref()
                .map(KeysetCursor::decode)
                .transpose()?,
            limit: page_limit(self.limit)?,
        })
    }
}

pub fn page_limit(limit: Option<usize>) -> Result<usize, AppError> {
    match limit {
        None => Ok(DEFAULT_PAGE),
        Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
        Some(_) => Err(bad(format!("limit must be between 1 and {MAX_PAGE}"))),
    }
}

/// One page of a list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// `rows` holds up to `limit + 1` rows, newest first.
    pub fn from_rows(mut rows: Vec<T>, limit: usize, cursor: impl Fn(&T) -> String) -> Page<T> {
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more { rows.last().map(cursor) } else { None };
        Page {
            items: rows,
            next_cursor,
        }
    }
}

/// Opaque to clients: the `(created_at, id)` of the last row seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeysetCursor {
    pub created_at: String,
    pub id: Uuid,
}

impl KeysetCursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&(&self.created_at, self.id)).unwrap_or_default())
    }

    pub fn decode(text: &str) -> Result<KeysetCursor, AppError> {
        let invalid = || bad("cursor is invalid");
        if text.len() > 200 {
            return Err(invalid());
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| invalid())?;
        let (created_at, id): (String, Uuid) =
            serde_json::from_slice(&bytes).map_err(|_| invalid())?;
        let created_at = normalize_time(&created_at).map_err(|_| invalid())?;
        Ok(KeysetCursor { created_at, id })
    }
}

pub fn seq_cursor(seq: i64) -> String {
    URL_SAFE_NO_PAD.encode(seq.to_string())
}

pub fn decode_seq_cursor(text: &str) -> Result<i64, AppError> {
    URL_SAFE_NO_PAD
        .decode(text)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| bad("cursor is invalid"))
}

const STAMP: &[time::format_description::FormatItem<'static>] = time::macros::format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
);

/// Now, as every timestamp the embedded store writes: UTC, microseconds,
/// fixed width (so text order is time order).
pub fn now_stamp() -> String {
    time::OffsetDateTime::now_utc()
        .format(STAMP)
        .unwrap_or_default()
}

/// An RFC 3339 time in the fixed form above; anything else is refused.
pub fn normalize_time(text: &str) -> Result<String, AppError> {
    let parsed = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|_| bad(format!("\"{text}\" is not an RFC 3339 time")))?;
    parsed
        .to_offset(time::UtcOffset::UTC)
        .format(STAMP)
        .map_err(|_| bad(format!("\"{text}\" is out of range")))
}

pub fn bad(message: impl Into<String>) -> AppError {
    AppError::BadRequest(message.into())
}

fn max_chars(field: &str, value: &str, max: usize) -> Result<(), AppError> {
    if value.chars().count() > max {
        return Err(bad(format!("{field} must be at most {max} characters")));
    }
    Ok(())
}

fn json_len(value: &Value) -> usize {
    serde_json::to_vec(value)
        .map(|v| v.len())
        .unwrap_or(usize::MAX)
}

fn object_within(field: &str, value: &Value, max: usize) -> Result<(), AppError> {
    if !value.is_object() {
        return Err(bad(format!("{field} must be a JSON object")));
    }
    if json_len(value) > max {
        return Err(bad(format!("{field} is larger than {} KiB", max / 1024)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = KeysetCursor {
            created_at: "2026-11-25T10:00:00.123456Z".into(),
            id: Uuid::new_v4(),
        };
        assert_eq!(KeysetCursor::decode(&c.encode()).unwrap(), c);
        for bad in [
            "",
            "x",
            "!!!",
            &"A".repeat(500),
            &URL_SAFE_NO_PAD.encode("[1,2]"),
        ] {
            assert!(KeysetCursor::decode(bad).is_err(), "{bad}");
        }
        assert_eq!(decode_seq_cursor(&seq_cursor(42)).unwrap(), 42);
        assert!(decode_seq_cursor(&seq_cursor(-1)).is_err());
    }

    #[test]
    fn times_are_normalized_to_utc_microseconds() {
        assert_eq!(
            normalize_time("2026-11-25T11:00:00+01:00").unwrap(),
            "2026-11-25T10:00:00.000000Z"
        );
        assert!(normalize_time("yesterday").is_err());
        assert_eq!(now_stamp().len(), "2026-11-25T10:00:00.000000Z".len());
    }

    #[test]
    fn patches_tell_absent_from_null() {
        let p: ProfilePatch = serde_json::from_str(r#"{"full_name":null}"#).unwrap();
        assert_eq!(p.full_name, Some(None));
        assert_eq!(p.company, None);
        assert!(serde_json::from_str::<ProfilePatch>(r#"{"role":"super_admin"}"#).is_err());
        assert!(ProfilePatch::default().validate().is_err());
    }
}
