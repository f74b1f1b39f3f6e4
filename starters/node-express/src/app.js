// The API's routes.
import express from 'express';
import { jsonBody } from './body.js';
import { errorHandler, methodNotAllowed, notFound, sendProblem } from './problems.js';

export function createApp(pool) {
  const app = express();

  // One line per request on stdout: method, path, status, duration.
  app.use((req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      console.log(`${req.method} ${req.originalUrl} ${res.statusCode} ${(performance.now() - started).toFixed(1)}ms`);
    });
    next();
  });

  // Level 0: answers 200 only while the database answers.
  app
    .route('/health')
    .get(async (req, res) => {
      try {
        await pool.query('SELECT 1');
      } catch (err) {
        console.error(`health check: ${err.message}`);
        return sendProblem(res, 503, 'The database does not answer.');
      }
      res.json({ status: 'ok' });
    })
    .all(methodNotAllowed);

  // LEVEL 1 STARTS HERE: add POST /users below, e.g.
  //   app.route('/users').post(jsonBody, registerUser).all(methodNotAllowed);
  // (jsonBody, in src/body.js, answers 415 for a body that is not JSON and 400 for broken JSON).
  // The contract is operation registerUser in spec/openapi.yaml; `timetension levels` lists each level's checks.
  // Answer every error with sendProblem or by throwing (src/problems.js), as unknown paths already are.

  app.use(notFound);
  app.use(errorHandler);
  return app;
}
