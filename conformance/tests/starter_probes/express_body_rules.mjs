// Run from a copy of starters/node-express: a route behind jsonBody, sent the bodies the spec has rules
// for; prints one JSON line per answer for test_starters.py to check.
import express from 'express';
import { jsonBody } from './src/body.js';
import { errorHandler } from './src/problems.js';

const app = express();
app.post('/probe', jsonBody, (req, res) => res.json({ received: req.body }));
app.use(errorHandler);
const server = app.listen(0, '127.0.0.1', async () => {
  const cases = {
    valid: ['application/json', '{"email": "ada@example.com", "password": "correct horse"}'],
    text: ['text/plain', 'hello'],
    broken: ['application/json', '{"email": '],
  };
  for (const [name, [type, payload]] of Object.entries(cases)) {
    const reply = await fetch(`http://127.0.0.1:${server.address().port}/probe`, {
      method: 'POST', headers: { 'content-type': type }, body: payload, signal: AbortSignal.timeout(5000),
    });
    console.log(JSON.stringify({ name, status: reply.status, type: reply.headers.get('content-type'), body: await reply.json() }));
  }
  server.close();
});
