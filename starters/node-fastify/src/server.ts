// The plumbing: configuration, the database pool, the HTTP server and a clean shutdown.
// The routes are in app.ts.
import pg from 'pg';
import { createApp } from './app.js';
import { migrate } from './migrate.js';

const databaseUrl = process.env.DATABASE_URL;
const port = Number(process.env.PORT ?? 8080);

if (!databaseUrl) {
  fail('DATABASE_URL is not set; set it to a PostgreSQL URL such as postgresql://user:pass@localhost:5432/db');
}
if (!isPostgresUrl(databaseUrl)) {
  fail('DATABASE_URL is not a valid PostgreSQL URL such as postgresql://user:pass@localhost:5432/db');
}

const pool = new pg.Pool({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
// Without a listener, an idle connection that the database drops would crash the app.
pool.on('error', (err) => console.error(`database connection lost: ${err.message}`));

try {
  await pool.query('SELECT 1');
} catch (err) {
  fail(`cannot reach the database at ${masked(databaseUrl)}: ${reason(err)}`);
}
try {
  await migrate(databaseUrl);
} catch (err) {
  fail(`the migrations failed: ${reason(err)}`);
}

const app = createApp(pool);
try {
  await app.listen({ port, host: '0.0.0.0' });
} catch (err) {
  fail(`cannot listen on 0.0.0.0:${port}: ${reason(err)}`);
}
console.log(`listening on http://0.0.0.0:${port}`);

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, async () => {
    console.log('shutting down');
    // Closes the server, then the pool (the onClose hook in app.ts).
    await app.close();
    process.exit(0);
  });
}

// One line on stderr and exit status 1: no stack trace for a configuration problem.
function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function isPostgresUrl(text: string) {
  try {
    return ['postgres:', 'postgresql:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

// The URL with its password hidden, so that it can be printed.
function masked(text: string) {
  const url = new URL(text);
  if (url.password) url.password = '***';
  return url.toString();
}

function reason(err: unknown) {
  const codes: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host not found',
    EADDRINUSE: 'address in use',
  };
  const { code, message } = err as NodeJS.ErrnoException;
  return (code && codes[code]) || message || String(err);
}
