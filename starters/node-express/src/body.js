// Request bodies: JSON only, as the spec wants. Put it before the handler of a route that takes a body:
//   app.route('/users').post(jsonBody, registerUser).all(methodNotAllowed);
// Another media type (or none) is a 415 problem here; malformed JSON is express.json's 400, which
// errorHandler in problems.js answers as a problem. Then req.body is the parsed JSON.
import express from 'express';
import { sendProblem } from './problems.js';

const parseJson = express.json();

export function jsonBody(req, res, next) {
  if (!req.is('application/json')) {
    const given = req.get('Content-Type') ?? 'no Content-Type';
    return sendProblem(res, 415, `Send the body as application/json, not ${given}.`);
  }
  parseJson(req, res, next);
}
