//! Every error as an RFC 9457 problem: `application/problem+json` with type, title, status and detail.

use axum::http::{Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub fn problem(status: StatusCode, detail: &str) -> Response {
    let body = json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
    });
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

/// The router's fallback: any path that no route matches.
pub async fn not_found(uri: Uri) -> Response {
    problem(
        StatusCode::NOT_FOUND,
        &format!("There is no {} here.", uri.path()),
    )
}

/// A path that exists, asked with a method it does not have.
pub async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    problem(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!("{} does not answer {method}.", uri.path()),
    )
}
