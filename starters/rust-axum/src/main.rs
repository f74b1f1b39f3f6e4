//! Timetension starter: axum on tokio, PostgreSQL through a deadpool-postgres pool.

mod migrations;
mod problems;
mod routes;

use std::error::Error;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime};
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::Notify;
use tokio_postgres::NoTls;

const EXAMPLE_URL: &str = "postgresql://user:password@localhost:5432/timetension";
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

#[tokio::main]
async fn main() -> ExitCode {
    let pool = match connect().await {
        Ok(pool) => pool,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(message) = migrations::run(&pool).await {
        eprintln!("{message}");
        return ExitCode::FAILURE;
    }

    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".to_string());
    let listener = match TcpListener::bind(format!("0.0.0.0:{port}")).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("cannot listen on 0.0.0.0:{port}: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening on http://0.0.0.0:{port}");

    let stopping = Arc::new(Notify::new());
    let server = axum::serve(listener, routes::app(pool.clone())).with_graceful_shutdown({
        let stopping = stopping.clone();
        async move {
            shutdown_signal().await;
            stopping.notify_one();
        }
    });
    let served = tokio::select! {
        served = server => served,
        // A graceful shutdown waits for every request in flight, even one a client never finishes sending.
        () = async { stopping.notified().await; tokio::time::sleep(SHUTDOWN_GRACE).await } => Ok(()),
    };
    pool.close();
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("the server stopped: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Builds the pool from DATABASE_URL and connects once, so a wrong URL is one clear line at start.
async fn connect() -> Result<Pool, String> {
    let url = std::env::var("DATABASE_URL").map_err(|_| {
        format!("DATABASE_URL is not set: give a PostgreSQL URL such as {EXAMPLE_URL}")
    })?;
    let mut config: tokio_postgres::Config = url
        .parse()
        .map_err(|_| format!("DATABASE_URL is not a PostgreSQL URL such as {EXAMPLE_URL}"))?;
    config.connect_timeout(CONNECT_TIMEOUT);
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    let pool = Pool::builder(manager)
        .runtime(Runtime::Tokio1)
        .create_timeout(Some(CONNECT_TIMEOUT))
        .wait_timeout(Some(CONNECT_TIMEOUT))
        .build()
        .map_err(|error| format!("cannot create the database pool: {error}"))?;
    if let Err(error) = pool.get().await {
        let reason = match error {
            PoolError::Timeout(_) => format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()),
            error => innermost(&error),
        };
        return Err(format!(
            "cannot reach the database at {}: {reason}",
            masked(&url)
        ));
    }
    Ok(pool)
}

/// The URL without its password (and without the query string, which may hold one too).
fn masked(url: &str) -> String {
    let url = url.split('?').next().unwrap_or_default();
    let Some((scheme, rest)) = url.split_once("://") else {
        return "(DATABASE_URL)".to_string();
    };
    match rest.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info.split(':').next().unwrap_or_default();
            let password = if user_info.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{password}@{host}")
        }
        None => url.to_string(),
    }
}

/// The most precise reason in an error chain: "Connection refused (os error 111)" rather than "error connecting".
fn innermost(error: &(dyn Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

async fn shutdown_signal() {
    let mut terminate = signal(SignalKind::terminate()).expect("cannot listen for SIGTERM");
    tokio::select! {
        _ = terminate.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    println!("stopping");
}
