use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use deadpool_postgres::Pool;
use serde_json::json;

use crate::problems::{self, problem};

pub fn app(pool: Pool) -> Router {
    Router::new()
        .route("/health", get(health))
        // LEVEL 1 STARTS HERE: add POST /users here, `.route("/users", post(register_user))`, with its handler below.
        // The contract is spec/openapi.yaml (operation registerUser, and the rules in info.description);
        // `timetension levels` lists what each level checks.
        .fallback(problems::not_found)
        .method_not_allowed_fallback(problems::method_not_allowed)
        // Layers wrap the routes and fallbacks declared above them, so this one stays last.
        .layer(middleware::from_fn(log_request))
        .with_state(pool)
}

async fn health(State(pool): State<Pool>) -> Response {
    let answered = match pool.get().await {
        Ok(client) => client.query_one("SELECT 1", &[]).await.is_ok(),
        Err(_) => false,
    };
    if answered {
        Json(json!({ "status": "ok" })).into_response()
    } else {
        problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "The database does not answer.",
        )
    }
}

async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    println!("{method} {path} {}", response.status().as_u16());
    response
}
