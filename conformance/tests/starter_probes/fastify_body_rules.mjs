// Run from a built copy of starters/node-fastify: a route with a body schema, sent the bodies the spec
// has rules for; prints one JSON line per answer for test_starters.py to check.
import { createApp } from './dist/app.js';

const app = createApp({ query: async () => {}, end: async () => {} });
const body = {
  type: 'object',
  required: ['email', 'password'],
  properties: { email: { type: 'string' }, password: { type: 'string', minLength: 10 } },
};
app.post('/probe', { schema: { body } }, async (request) => ({ received: request.body }));
await app.ready();
const cases = {
  valid: ['application/json', '{"email": "ada@example.com", "password": "correct horse"}'],
  text: ['text/plain', 'hello'],
  broken: ['application/json', '{"email": '],
  two_errors: ['application/json', '{"password": 1234567890}'],
};
for (const [name, [type, payload]] of Object.entries(cases)) {
  const reply = await app.inject({ method: 'POST', url: '/probe', headers: { 'content-type': type }, payload });
  console.log(JSON.stringify({ name, status: reply.statusCode, type: reply.headers['content-type'], body: reply.json() }));
}
await app.close();
