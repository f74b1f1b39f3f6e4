// The API's routes.
import Fastify from 'fastify';
import type pg from 'pg';
import { installProblemHandlers, sendProblem } from './problems.js';

export function createApp(pool: pg.Pool) {
  const app = Fastify({
    ajv: {
      // Fastify's defaults fight the spec: it stops at the first error (the 422 lists them all) and
      // coerces types (a number sent as the password would become a string).
      customOptions: { allErrors: true, coerceTypes: false },
    },
  });
  // JSON bodies only: without this, text/plain is parsed too, and another media type would not be a 415.
  app.removeContentTypeParser('text/plain');
  installProblemHandlers(app);

  // One line per request on stdout: method, path, status, duration.
  app.addHook('onResponse', async (request, reply) => {
    console.log(`${request.method} ${request.url} ${reply.statusCode} ${reply.elapsedTime.toFixed(1)}ms`);
  });
  app.addHook('onClose', async () => {
    await pool.end();
  });

  // Level 0: answers 200 only while the database answers.
  app.get('/health', async (request, reply) => {
    try {
      await pool.query('SELECT 1');
    } catch (err) {
      console.error(`health check: ${(err as Error).message}`);
      return sendProblem(reply, 503, 'The database does not answer.');
    }
    return { status: 'ok' };
  });

  // LEVEL 1 STARTS HERE: add POST /users below, e.g. app.post('/users', { schema: { body: ... } }, async (request, reply) => { ... }).
  // A body that fails its JSON schema is answered with a 422 problem listing every field (src/problems.ts).
  // The contract is operation registerUser in spec/openapi.yaml; `timetension levels` lists each level's checks.
  // Answer every error with sendProblem or by throwing (src/problems.ts), as unknown paths already are.

  return app;
}
