// Every error answer is an RFC 9457 problem (application/problem+json), produced here.
import { STATUS_CODES } from 'node:http';

export function sendProblem(res, status, detail) {
  res
    .status(status)
    .type('application/problem+json')
    .json({ type: 'about:blank', title: STATUS_CODES[status], status, detail });
}

// Put last on a path's route, after its methods: app.route('/x').get(...).all(methodNotAllowed).
// Express itself answers a wrong method with 404, not 405.
export function methodNotAllowed(req, res) {
  const methods = Object.keys(req.route.methods).filter((m) => m !== '_all').map((m) => m.toUpperCase());
  if (methods.includes('GET')) methods.push('HEAD');
  res.set('Allow', methods.join(', '));
  sendProblem(res, 405, `${req.method} is not allowed on ${req.path}; use ${methods.join(', ')}.`);
}

// Installed after every route: a request that reached it matched none.
export function notFound(req, res) {
  sendProblem(res, 404, `There is no ${req.path} here.`);
}

// Express's error handler (four arguments): thrown errors, rejected promises, body parser errors.
export function errorHandler(err, req, res, next) {
  if (res.headersSent) return next(err);
  const status = err.status ?? err.statusCode ?? 500;
  if (status >= 500) {
    console.error(`${req.method} ${req.path} failed:`, err);
    return sendProblem(res, status, 'Something went wrong on our side.');
  }
  sendProblem(res, status, err.expose ? err.message : STATUS_CODES[status]);
}
