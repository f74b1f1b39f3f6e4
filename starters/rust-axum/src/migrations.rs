//! The database schema: refinery applies the SQL files in migrations/ that the database has not seen and
//! records them in the refinery_schema_history table. The files are built into the binary, so the app
//! migrates the same way natively and in its container.

use deadpool_postgres::Pool;

refinery::embed_migrations!("migrations");

pub async fn run(pool: &Pool) -> Result<(), String> {
    let mut connection = pool
        .get()
        .await
        .map_err(|error| format!("the migrations cannot get a connection: {error}"))?;
    let report = migrations::runner()
        .run_async(&mut **connection)
        .await
        .map_err(|error| format!("the migrations failed: {error}"))?;
    let applied: Vec<String> = report.applied_migrations().iter().map(ToString::to_string).collect();
    if applied.is_empty() {
        println!("migrations: up to date");
    } else {
        println!("migrations: applied {}", applied.join(", "));
    }
    Ok(())
}
