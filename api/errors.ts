/**
 * Every API error answers `{"error": {"code", "message", "column"?}}` with a fitting
 * status (docs/architecture.md, "The API"). Unknown errors are logged and answered as 500 without
 * their details.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { Errors, LogharborError } from '../core/errors.js';

export function errorBody(code: string, message: string, column?: number) {
  return { error: column === undefined ? { code, message } : { code, message, column } };
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | LogharborError | Error, req, reply) => {
    if (err instanceof LogharborError) {
      return reply.status(err.status).send(errorBody(err.code, err.message, err.column));
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      return reply.status(400).send(errorBody(Errors.BAD_REQUEST.code, fe.message));
    }
    if ((err as { code?: string }).code === '57014') {
      return reply
        .status(Errors.QUERY_TIMEOUT.status)
        .send(errorBody(Errors.QUERY_TIMEOUT.code, Errors.QUERY_TIMEOUT.message));
    }
    if (typeof fe.statusCode === 'number' && fe.statusCode < 500) {
      return reply
        .status(fe.statusCode)
        .send(errorBody(fe.code ?? Errors.BAD_REQUEST.code, fe.message));
    }
    req.log.error({ err }, 'request failed');
    return reply.status(500).send(errorBody(Errors.INTERNAL.code, Errors.INTERNAL.message));
  });
  app.setNotFoundHandler((_req, reply) =>
    reply.status(404).send(errorBody(Errors.NOT_FOUND.code, Errors.NOT_FOUND.message)),
  );
}
