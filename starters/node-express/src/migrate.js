// The database schema: node-pg-migrate applies the files in migrations/ that the database has not seen
// (it records them in the pgmigrations table). server.js runs it at start-up; `npm run migrate` by hand.
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';

const MIGRATIONS = fileURLToPath(new URL('../migrations', import.meta.url));

export async function migrate(databaseUrl) {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    log: () => {}, // the one line below says what it did
  });
  console.log(`migrations: ${applied.length ? `applied ${applied.map((m) => m.name).join(', ')}` : 'up to date'}`);
}
