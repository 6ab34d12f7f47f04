//! What the web layer answers when something goes wrong: a status, a
//! stable code, a message in the user's language, and the field at fault.
//! 5xx causes are logged, never shown.

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::i18n::Lang;
use crate::storage;

#[derive(Debug, Clone)]
pub struct Error {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    /// Every problem found, as (field, message), when there are several.
    pub problems: Vec<(String, String)>,
}

impl Error {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Error {
        Error {
            status,
            code,
            message: message.into(),
            field: None,
            problems: Vec::new(),
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Error {
        self.field = Some(field.into());
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Error {
        Error::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn invalid(message: impl Into<String>) -> Error {
        Error::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
    }

    pub fn unauthorized(lang: Lang) -> Error {
        Error::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            lang.text().error_unauthorized,
        )
    }

    pub fn forbidden(lang: Lang) -> Error {
        Error::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            lang.text().error_forbidden,
        )
    }

    pub fn not_found(lang: Lang) -> Error {
        Error::new(
            StatusCode::NOT_FOUND,
            "not_found",
            lang.text().error_not_found,
        )
    }

    pub fn conflict(message: impl Into<String>) -> Error {
        Error::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// A failure of ours: logged with its cause, shown as a plain message.
    pub fn internal(cause: impl std::fmt::Display) -> Error {
        tracing::error!("{cause}");
        Error::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务器内部错误,请稍后再试 / Internal error, please try again later",
        )
    }

    pub fn from_storage(e: storage::Error) -> Error {
        match e {
            storage::Error::NotFound(message) => {
                Error::new(StatusCode::NOT_FOUND, "not_found", message)
            }
            storage::Error::Duplicate(message) => Error::conflict(message),
            storage::Error::ChecklistConflict { .. } => Error::conflict(e.to_string()),
            e => match e.unavailable() {
                Some(storage::Unavailable::Busy) => {
                    tracing::warn!("storage busy: {e}");
                    Error::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "storage_busy",
                        storage::Unavailable::Busy.message(),
                    )
                }
                Some(_) => {
                    tracing::error!("storage unavailable for writes: {e}");
                    Error::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "storage_unavailable",
                        "服务器暂时无法保存(磁盘已满、写入失败或数据库只读),数据未保存,请稍后重试",
                    )
                }
                None => Error::internal(e),
            },
        }
    }

    pub fn with_problems(mut self, problems: Vec<(String, String)>) -> Error {
        self.problems = problems;
        self
    }

    pub fn body(&self) -> serde_json::Value {
        let mut error = json!({"code": self.code, "message": self.message, "field": self.field});
        if !self.problems.is_empty() {
            error["problems"] = problems_json(&self.problems);
        }
        json!({ "error": error })
    }
}

/// Problems as JSON: each with its field, the item it concerns (for
/// `answers.A01` and `item_notes.A01`) and its message.
pub fn problems_json(problems: &[(String, String)]) -> serde_json::Value {
    problems
        .iter()
        .map(|(field, message)| {
            let item = field
                .strip_prefix("answers.")
                .or_else(|| field.strip_prefix("item_notes."));
            json!({"field": field, "item": item, "message": message})
        })
        .collect()
}

/// A query string the handler cannot read (a number that is not one, a
/// missing required parameter).
impl From<QueryRejection> for Error {
    fn from(rejection: QueryRejection) -> Error {
        Error::bad_request(format!("查询参数有误:{}", rejection.body_text()))
    }
}

/// A path segment that is not valid UTF-8 once decoded.
impl From<PathRejection> for Error {
    fn from(rejection: PathRejection) -> Error {
        Error::bad_request(format!("地址有误:{}", rejection.body_text()))
    }
}

/// A multipart body without a proper boundary.
impl From<MultipartRejection> for Error {
    fn from(rejection: MultipartRejection) -> Error {
        Error::bad_request(format!(
            "上传内容不是有效的 multipart/form-data:{}",
            rejection.body_text()
        ))
    }
}

/// API errors answer JSON.
impl IntoResponse for Error {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}
