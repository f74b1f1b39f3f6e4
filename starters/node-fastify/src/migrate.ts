// The database schema: node-pg-migrate applies the files in migrations/ that the database has not seen
// (it records them in the pgmigrations table). server.ts runs it at start-up; `npm run migrate` by hand.
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';

// From src/ (tsx) and from dist/ (the build) alike.
const MIGRATIONS = fileURLToPath(new URL('../migrations', import.meta.url));

export async function migrate(databaseUrl: string) {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    log: () => {}, // the one line below says what it did
  });
  console.log(`migrations: ${applied.length ? `applied ${applied.map((m) => m.name).join(', ')}` : 'up to date'}`);
}
