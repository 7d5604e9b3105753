import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { errorBody, HttpError } from '../../http-error.js';

const CODE_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  431: 'REQUEST_HEADER_FIELDS_TOO_LARGE',
  503: 'SERVICE_UNAVAILABLE',
};

/** SQLSTATE of a database error, whether drizzle wrapped it or not (pg and PGlite both set `code`). */
function databaseErrorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE']);

/** Connection failures (class 08, operator intervention 57P, socket errors, pool timeouts). */
function isDatabaseUnavailable(err: unknown, sqlState: string | undefined): boolean {
  if (sqlState && (sqlState.startsWith('08') || sqlState.startsWith('57P'))) return true;
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_ERRORS.has(code)) return true;
    const message = (e as { message?: unknown }).message;
    if (
      typeof message === 'string' &&
      /timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED/i.test(message)
    ) {
      return true;
    }
  }
  return false;
}

function where(context: string | undefined, instancePath: string): string {
  const field = instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.');
  const ctx = context === 'querystring' ? 'query' : (context ?? 'request');
  return field ? `${ctx}.${field}` : ctx;
}

/**
 * The one error handler: every error leaves as {error:{code,message,details?}}. Client errors
 * show their message; anything at 500+ is logged in full and shown as a generic text.
 */
function handleError(this: FastifyInstance, err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const issues = err.validation.map((v) => ({
      field: where(err.validationContext, v.instancePath),
      message: v.message ?? 'invalid value',
    }));
    const message = issues.map((i) => `${i.field}: ${i.message}`).join('; ');
    return reply.code(400).send(errorBody('VALIDATION_ERROR', message, { issues }));
  }
  const sqlState = databaseErrorCode(err);
  if (sqlState && (sqlState.startsWith('22') || sqlState === '23514')) {
    // Data exceptions and check violations: a value the validators let through but the
    // database refuses (e.g. a date out of PostgreSQL's range). The client's fault, not ours.
    request.log.info({ sqlState }, 'database refused a value');
    return reply.code(400).send(errorBody('INVALID_VALUE', 'a value in the request is out of the accepted range'));
  }
  if (isDatabaseUnavailable(err, sqlState)) {
    request.log.warn({ err: (err as Error).message }, 'database unavailable');
    return reply
      .code(503)
      .header('retry-after', '5')
      .send(errorBody('SERVICE_UNAVAILABLE', 'the database is unavailable; try again shortly'));
  }
  if (err instanceof HttpError) {
    return reply.code(err.statusCode).send(errorBody(err.code, err.message, err.details));
  }
  const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
  if (status < 500) {
    // Fastify's own client errors: malformed JSON, body too large, unsupported media type…
    request.log.info({ code: err.code, status }, err.message);
    let message = err.message;
    if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.name === 'SyntaxError') {
      message = `the request body is not valid JSON: ${err.message}`;
    } else if (status === 415) {
      message = `content type "${request.headers['content-type'] ?? ''}" is not supported: send application/json`;
    } else if (status === 413) {
      message = `the request body is larger than the limit of ${this.initialConfig.bodyLimit} bytes`;
    }
    return reply.code(status).send(errorBody(CODE_BY_STATUS[status] ?? 'BAD_REQUEST', message));
  }
  request.log.error({ err }, 'request failed');
  return reply
    .code(status)
    .send(errorBody(status === 503 ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_ERROR', 'an unexpected error occurred; it has been logged'));
}

export default fp(
  async (app) => {
    app.setErrorHandler(handleError);
    app.setNotFoundHandler((request, reply) => {
      reply.code(404).send(errorBody('NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`));
    });
  },
  { name: 'errors' },
);
