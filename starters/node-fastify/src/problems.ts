// Every error answer is an RFC 9457 problem (application/problem+json), produced here.
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export function sendProblem(reply: FastifyReply, status: number, detail: string) {
  return reply
    .code(status)
    .type('application/problem+json')
    .send({ type: 'about:blank', title: STATUS_CODES[status], status, detail });
}

export function installProblemHandlers(app: FastifyInstance) {
  // Fastify answers 404 for a wrong method too; tell the two apart by asking the router.
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0];
    const allowed = METHODS.filter((method) => app.findRoute({ method, url: path }));
    if (allowed.length > 0) {
      reply.header('Allow', allowed.join(', '));
      return sendProblem(reply, 405, `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}.`);
    }
    return sendProblem(reply, 404, `There is no ${path} here.`);
  });

  // Thrown errors, rejected promises, and Fastify's own: bad JSON, unsupported media types, schema validation.
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error.validation) {
      // Fastify answers a schema failure with 400; the spec wants 422 with every invalid field.
      const errors = error.validation.map((issue) => ({ field: fieldOf(issue), message: issue.message ?? 'is invalid' }));
      const detail = errors.length === 1 ? '1 field is invalid.' : `${errors.length} fields are invalid.`;
      return reply
        .code(422)
        .type('application/problem+json')
        .send({ type: 'about:blank', title: STATUS_CODES[422], status: 422, detail, errors });
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      console.error(`${request.method} ${request.url} failed:`, error);
      return sendProblem(reply, status, 'Something went wrong on our side.');
    }
    return sendProblem(reply, status, error.message);
  });
}

// The field an ajv error is about: `/email` is `email`, a missing one is named in its params, and the
// body (or query) as a whole is `body`.
function fieldOf(issue: FastifySchemaValidationError): string {
  const missing = (issue.params as { missingProperty?: string }).missingProperty;
  const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
  return [path, missing].filter(Boolean).join('.') || 'body';
}
