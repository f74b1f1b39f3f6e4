// The plumbing: configuration, the database pool, the HTTP server and a clean shutdown.
// The routes are in app.js.
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

const server = createApp(pool).listen(port, '0.0.0.0', (err) => {
  if (err) fail(`cannot listen on 0.0.0.0:${port}: ${reason(err)}`);
  console.log(`listening on http://0.0.0.0:${port}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    console.log('shutting down');
    server.close(async () => {
      await pool.end();
      process.exit(0);
    });
    // close() waits for requests in progress; do not wait for them forever.
    setTimeout(() => server.closeAllConnections(), 5000).unref();
  });
}

// One line on stderr and exit status 1: no stack trace for a configuration problem.
function fail(message) {
  console.error(message);
  process.exit(1);
}

function isPostgresUrl(text) {
  try {
    return ['postgres:', 'postgresql:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

// The URL with its password hidden, so that it can be printed.
function masked(text) {
  const url = new URL(text);
  if (url.password) url.password = '***';
  return url.toString();
}

function reason(err) {
  const codes = { ECONNREFUSED: 'connection refused', ENOTFOUND: 'host not found', EADDRINUSE: 'address in use' };
  return codes[err.code] ?? (err.message || String(err));
}
