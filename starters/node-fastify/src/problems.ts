// Every error answer is an RFC 9457 problem (application/problem+json), produced here.
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

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
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      console.error(`${request.method} ${request.url} failed:`, error);
      return sendProblem(reply, status, 'Something went wrong on our side.');
    }
    return sendProblem(reply, status, error.message);
  });
}
